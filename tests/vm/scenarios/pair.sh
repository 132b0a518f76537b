# SPDX-License-Identifier: Apache-2.0
# Two guests on one device (kernel command line vm.role=A|B, own system
# uuids): A is the master, B a client. Each round, on one kernel ABI (the
# 7.47 extent maps, then famfs's OPEN-reply form, in the same boots): A
# creates files; A writes one through mmap and one through write(2), B
# sees both through mmap and read(2); B writes two back the same ways and
# A reads them; B maps a 64 MiB file of A's, faulting 2 MiB at a time; no
# data upcall on either side.
. /etc/lib.sh
M=/mnt/famfs
mkdir -p $M
role=$(sed -n 's/.*vm\.role=\([AB]\).*/\1/p' /proc/cmdline)
logged=0 # files A has logged so far (two rounds of five)
for wire in extmap openreply; do
famfsd -f --fuse-dev /dev/famfuse --fstype famfuse --settle-ms 0 -p 200 \
	-d $wire /dev/dax0.0 $M >/tmp/famfsd.log 2>&1 &
fpid=$!
if ! wait_mount $M $fpid; then
	echo "FAIL famfsd -d $wire did not mount"
	cat /tmp/famfsd.log
	exit 1
fi
wait_log /tmp/famfsd.log "data="
head -3 /tmp/famfsd.log | sed "s/^/INFO $wire: /"
w=$wire
case $role in
A)
	check "A $w: role master" grep -q "role=master" /tmp/famfsd.log
	for f in ba ab aw bw; do
		check "A $w: create ${f}_$w" dd if=/dev/zero of=$M/${f}_$w bs=1M count=4
	done
	check "A $w: create big_$w (64 MiB)" dd if=/dev/zero of=$M/big_$w bs=1M count=64
	logged=$((logged + 5))
	# new files are served by the daemon until they are logged (release)
	i=0
	while ! grep -q "^log_entries $logged" $M/.meta/.stats && [ $i -lt 100 ]; do
		usleep 100000
		i=$((i + 1))
	done
	check "A $w: the files are logged" grep -q "^log_entries $logged" $M/.meta/.stats
	snap a
	snap b
	check "A $w: mmap-write a pattern into ab" dptest fill $M/ab_$w 31 mmap
	check "A $w: write(2) a pattern into aw" dptest fill $M/aw_$w 34 write
	check "A $w: sees B's mmap stores in ba (mmap)" dptest wait $M/ba_$w 32 0 4 240
	check "A $w: and through read(2)" dptest check $M/ba_$w 32 read
	check "A $w: sees B's write(2) in bw (mmap)" dptest wait $M/bw_$w 33 0 4 240
	check "A $w: and through read(2)" dptest check $M/bw_$w 33 read
	;;
B)
	check "B $w: role client" grep -q "role=client" /tmp/famfsd.log
	snap a
	snap b
	check "B $w: ab appears and holds A's pattern (mmap)" dptest wait $M/ab_$w 31 0 4 240
	check "B $w: read(2) agrees" dptest check $M/ab_$w 31 read
	check "B $w: aw holds A's write(2) (mmap)" dptest wait $M/aw_$w 34 0 4 240
	check "B $w: read(2) agrees" dptest check $M/aw_$w 34 read
	check "B $w: mmap-write a pattern into ba" dptest fill $M/ba_$w 32 mmap
	check "B $w: write(2) a pattern into bw" dptest fill $M/bw_$w 33 write
	b=$(dptest bench $M/big_$w 0 64)
	echo "$b" | sed "s/BENCH /BENCH $w /"
	pmd_faults "B $w: mmap of A's 64 MiB file" 64 "$b"
	;;
esac
snap c
sed "s/^/INFO stats $w: /" /tmp/snap.c
check "$role $w: data path passthrough" grep -q "^data_path passthrough" /tmp/snap.c
want=extmap-7.47
[ $w = openreply ] && want=openreply
check "$role $w: kernel ABI $want" grep -q "^abi $want" /tmp/snap.c
no_data_upcalls "$role $w: no READ/WRITE upcalls for the exchange"
# A keeps its mount until B is done reading (B waits for nothing after)
[ "$role" = A ] && sleep 2
kill -TERM $fpid
wait $fpid
done
finish
