# SPDX-License-Identifier: Apache-2.0
# Two guests on one device (kernel command line vm.role=A|B, own system
# uuids): A is the master, B a client. A creates files and writes through
# mmap; B sees them and reads the same bytes through mmap; then B writes
# through mmap into an existing file and A reads it.
. /etc/lib.sh
M=/mnt/famfs
mkdir -p $M
role=$(sed -n 's/.*vm\.role=\([AB]\).*/\1/p' /proc/cmdline)
famfsd -f --fuse-dev /dev/famfuse --fstype famfuse --settle-ms 0 -p 200 \
	-d passthrough /dev/dax0.0 $M >/tmp/famfsd.log 2>&1 &
fpid=$!
if ! wait_mount $M $fpid; then
	if grep -q "passthrough is not available" /tmp/famfsd.log; then
		# the daemon path's page cache is not coherent across hosts
		echo "SKIP TWO-GUEST PAIR NOT TESTED: this famfsd has no dax passthrough data path"
		exit 0
	fi
	echo "FAIL famfsd did not mount"
	cat /tmp/famfsd.log
	exit 1
fi
head -2 /tmp/famfsd.log | sed 's/^/INFO /'
case $role in
A)
	check "A: role master" grep -q "role=master" /tmp/famfsd.log
	check "A: create ba (for B to write)" dd if=/dev/zero of=$M/ba bs=1M count=4
	check "A: create ab" dd if=/dev/zero of=$M/ab bs=1M count=4
	# new files are served by the daemon until they are logged (release)
	i=0
	while ! grep -q "^log_entries 2" $M/.meta/.stats && [ $i -lt 100 ]; do
		usleep 100000
		i=$((i + 1))
	done
	check "A: both files logged" grep -q "^log_entries 2" $M/.meta/.stats
	snap a
	snap b
	check "A: mmap-write a pattern into ab" dptest fill $M/ab 31 mmap
	check "A: sees B's mmap stores in ba (mmap)" dptest wait $M/ba 32 0 4 240
	check "A: and through read(2)" dptest check $M/ba 32 read
	;;
B)
	check "B: role client" grep -q "role=client" /tmp/famfsd.log
	snap a
	snap b
	check "B: ab appears and holds A's pattern (mmap)" dptest wait $M/ab 31 0 4 240
	check "B: read(2) agrees" dptest check $M/ab 31 read
	check "B: mmap-write a pattern into ba" dptest fill $M/ba 32 mmap
	;;
esac
snap c
sed 's/^/INFO stats: /' /tmp/snap.c
check "$role: data path passthrough" grep -q "^data_path passthrough" /tmp/snap.c
no_data_upcalls "$role: no READ/WRITE upcalls for the mmap exchange"
# A keeps its mount until B is done reading (B waits for nothing after)
[ "$role" = A ] || sleep 1
kill -TERM $fpid
wait $fpid
finish
