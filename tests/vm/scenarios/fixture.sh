# SPDX-License-Identifier: Apache-2.0
# An image written by upstream famfs (fixtures/v48-basic, 8 GiB device) on
# a real devdax device: famfsd mounts it as a client (another system uuid,
# so nothing is written) and every file reads back with the fixture's data
# pattern, through read(2) and through mmap.
. /etc/lib.sh
M=/mnt/famfs
mkdir -p $M
if [ ! -e /dev/dax0.0 ]; then
	# only the info block below dax offset 0 is written
	check "ndctl: devdax namespace, map=mem" ndctl create-namespace --force \
		--reconfig=namespace0.0 --mode=devdax --map=mem --align=2M
fi
echo "INFO dax0.0 size $(cat /sys/bus/dax/devices/dax0.0/size)"
# both wires in this boot: auto picks 7.47, then famfs's OPEN-reply form
for wire in auto openreply; do
famfsd -f --fuse-dev /dev/famfuse --fstype famfuse -d $wire \
	/dev/dax0.0 $M >/tmp/famfsd.log 2>&1 &
fpid=$!
wait_mount $M $fpid || { echo "FAIL famfsd did not mount"; cat /tmp/famfsd.log; exit 1; }
wait_log /tmp/famfsd.log "role="
head -3 /tmp/famfsd.log | sed 's/^/INFO /'
check "-d $wire: client role, 15 files and 10 dirs replayed" \
	grep -q "role=client.*files=15 dirs=10" /tmp/famfsd.log
while read -r size path; do
	[ -n "$path" ] || continue
	check "$wire $path: size $size" [ "$(stat -c %s "$M/$path")" = "$size" ]
	check "$wire $path: pattern via read(2)" dptest fixcheck "$M/$path" read
	check "$wire $path: pattern via mmap" dptest fixcheck "$M/$path" mmap
done </etc/fixture.list
# the first read of .stats: its own READ is not in it yet
cat $M/.meta/.stats >/tmp/stats.$wire
sed "s/^/INFO stats ($wire): /" /tmp/stats.$wire
want=extmap-7.47
[ $wire = openreply ] && want=openreply
check "-d $wire: kernel ABI $want" grep -q "^abi $want" /tmp/stats.$wire
check "-d $wire: no READ/WRITE upcalls for 30 files read and mapped" \
	sh -c "grep -q '^read_upcalls 0' /tmp/stats.$wire && grep -q '^write_upcalls 0' /tmp/stats.$wire"
dmesg | grep "dax passthrough" | sed 's/^/INFO dmesg: /'
kill -TERM $fpid
wait $fpid
st=$?
check "famfsd exits 0 after SIGTERM (status $st)" [ $st = 0 ]
done
finish
