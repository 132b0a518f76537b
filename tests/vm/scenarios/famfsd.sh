# SPDX-License-Identifier: Apache-2.0
# famfsd on /dev/dax0.0 through famfuse: -d extmap (the 7.47 ABI: data in
# the kernel, zero READ/WRITE upcalls, 2 MiB faults), then -d daemon, then
# -d openreply (famfs's own form) on the data both wrote.
. /etc/lib.sh
M=/mnt/famfs
mkdir -p $M
stat_of() { sed -n "s/^$1 //p" $M/.meta/.stats; }
start() { # DATA-PATH: returns 1 when this famfsd has no such data path
	famfsd -f --fuse-dev /dev/famfuse --fstype famfuse --settle-ms 0 \
		-d "$1" /dev/dax0.0 $M >/tmp/famfsd-$1.log 2>&1 &
	fpid=$!
	if ! wait_mount $M $fpid; then
		if grep -q "passthrough is not available" /tmp/famfsd-$1.log; then
			echo "SKIP famfsd -d $1: $(cat /tmp/famfsd-$1.log)"
			return 1
		fi
		echo "FAIL famfsd did not mount"
		cat /tmp/famfsd-$1.log
		exit 1
	fi
	wait_log /tmp/famfsd-$1.log "data="
	head -3 /tmp/famfsd-$1.log | sed 's/^/INFO /'
}
stop() {
	kill -TERM $fpid
	wait $fpid
	st=$?
	check "famfsd exits 0 after SIGTERM (status $st)" [ $st = 0 ]
	[ $st = 0 ] || tail -5 /tmp/famfsd-*.log | sed 's/^/INFO famfsd log: /'
}

# famfsd without a passthrough data path (wire not integrated yet): the
# files are created by the daemon path instead, and the passthrough checks
# are skipped loudly.
if start extmap; then
pt=1
check ".stats says data_path passthrough" grep -q "^data_path passthrough" $M/.meta/.stats
check ".stats says abi extmap-7.47" grep -q "^abi extmap-7.47" $M/.meta/.stats
check "dd creates an 8 MiB file (master)" dd if=/dev/zero of=$M/a bs=1M count=8
check "cp of a binary" cp /usr/local/bin/dptest $M/dptest.copy
check "the copy reads back identical" cmp /usr/local/bin/dptest $M/dptest.copy
check "dd creates a 256 MiB file (bench)" dd if=/dev/zero of=$M/bench bs=1M count=256
snap a
snap b
sed 's/^/INFO stats after creating: /' /tmp/snap.b
check "write(2) a pattern" dptest fill $M/a 21 write
check "read(2) it back" dptest check $M/a 21 read
check "mmap reads it" dptest check $M/a 21 mmap
check "mmap writes a new pattern" dptest fill $M/a 22 mmap
check "read(2) sees the mmap stores" dptest check $M/a 22 read
check "read(2) at an offset" dptest check $M/a 22 read 3 4
check "cat of the copy" sh -c "cat $M/dptest.copy | cmp - /usr/local/bin/dptest"
snap c
sed 's/^/INFO stats after data tests: /' /tmp/snap.c
no_data_upcalls "passthrough files: no READ/WRITE upcalls for read/write/mmap/cat"
check "7 passthrough opens ($(sval b passthrough_opens) -> $(sval c passthrough_opens))" \
	[ $(($(sval c passthrough_opens) - $(sval b passthrough_opens))) = 7 ]
check "one dax registration" [ "$(sval c backing_registrations)" = 1 ]
check "7.47: one map per file pushed ($(sval c map_pushes)), none closed while held" \
	[ "$(sval c map_pushes)" = "$(sval c maps_live)" ]
b=$(dptest bench $M/bench 0 256)
echo "$b" | sed 's/BENCH /BENCH extmap-7.47 /'
pmd_faults "7.47: mmap of 256 MiB" 256 "$b"
stop
else
pt=0
echo "SKIP PASSTHROUGH NOT TESTED WITH FAMFSD: this famfsd has no dax passthrough data path"
fi

start daemon
check ".stats says data_path daemon" grep -q "^data_path daemon" $M/.meta/.stats
if [ $pt = 0 ]; then
	check "daemon path: dd creates an 8 MiB file" dd if=/dev/zero of=$M/a bs=1M count=8
	check "daemon path: dd creates a 256 MiB file (bench)" dd if=/dev/zero of=$M/bench bs=1M count=256
	check "daemon path: mmap-write a pattern" dptest fill $M/a 22 mmap
fi
r0=$(stat_of read_upcalls)
check "daemon path: read(2) sees the passthrough data" dptest check $M/a 22 read
check "daemon path: mmap sees it too" dptest check $M/a 22 mmap
check "daemon path: write(2) a pattern" dptest fill $M/a 23 write
check "daemon path: read(2) it back" dptest check $M/a 23 read
cat $M/.meta/.stats | sed 's/^/INFO stats (daemon): /'
check "daemon path: READ upcalls counted ($r0 -> $(stat_of read_upcalls))" \
	[ "$(stat_of read_upcalls)" -gt "$r0" ]
dptest bench $M/bench 0 256 | sed 's/BENCH /BENCH daemon /'
stop

if [ $pt = 1 ] && start openreply; then
	check ".stats says abi openreply" grep -q "^abi openreply" $M/.meta/.stats
	snap a
	snap b
	check "openreply: data written by the daemon path is there" dptest check $M/a 23 mmap
	check "openreply: write(2) a pattern" dptest fill $M/a 24 write
	check "openreply: mmap reads it" dptest check $M/a 24 mmap
	check "openreply: mmap writes a new pattern" dptest fill $M/a 25 mmap
	check "openreply: read(2) sees the mmap stores" dptest check $M/a 25 read
	snap c
	no_data_upcalls "openreply: no READ/WRITE upcalls for read/write/mmap"
	b=$(dptest bench $M/bench 0 256)
	echo "$b" | sed 's/BENCH /BENCH openreply /'
	pmd_faults "openreply: mmap of 256 MiB" 256 "$b"
	stop
fi
finish
