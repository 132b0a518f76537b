#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# What a new file never wrote reads as zeros without being zeroed when it
# is sized (datapath.c, marks.h): fallocate of 8 GiB writes nothing to
# the device (the sparse image does not grow) and reads zeros; a write far
# into it zeroes less than one 2 MiB unit, not what lies below. The device
# holds those zeros once others read it: when the file is logged (a client
# and the image) and when fsync journals it (kill -9, restart).
source "$(dirname "$0")/lib.sh"
require_fuse
setup
have_cli || skip "famfs CLI not built (needed for the log's extents)"

# blocks FILE: bytes allocated to FILE.
blocks() { echo $(($(stat -c %b "$1") * 512)); }
# zeros FILE FROM TO: bytes [FROM, TO) of FILE are all zero.
zeros() {
	cmp -s -n $(($3 - $2)) -i "$2:0" "$1" /dev/zero ||
		fail "$1: bytes $2..$3 are not zeros"
}
MB=$((1 << 20))

# Phase 1: a sparse 16 GiB image; nothing settles.
big=$T/big.img
M=$T/mnt-m
make_fs "$big" $((16 << 30)) "$T/master.uuid"
start_famfsd "$big" "$M" "$T/master.uuid" --settle-ms 600000
b0=$(blocks "$big")
fallocate -l 8G "$M/big"
[ "$(stat -c %s "$M/big")" = $((8 << 30)) ] || fail "size after fallocate"
grown=$(($(blocks "$big") - b0))
[ "$grown" -lt $((64 * MB)) ] ||
	fail "fallocate of 8 GiB wrote $grown bytes of the device"
zeros "$M/big" 0 "$MB"
zeros "$M/big" $((4 << 30)) $(((4 << 30) + 3 * MB))
zeros "$M/big" $(((8 << 30) - MB)) $((8 << 30))
truncate -s 7G "$M/big" # shrink and grow back: still nothing written
truncate -s 8G "$M/big"
grown=$(($(blocks "$big") - b0))
[ "$grown" -lt $((64 * MB)) ] || fail "reads or truncate wrote $grown bytes"
log "ok: fallocate -l 8G wrote nothing, reads zeros"

# A 4 KiB write 1 MiB into the unit at 6 GiB: it zeroes that 1 MiB only.
far=$(((6 << 30) + MB))
head -c 4096 /dev/urandom >"$T/blk"
b1=$(blocks "$big")
dd if="$T/blk" of="$M/big" bs=4096 seek=$((far / 4096)) conv=notrunc \
	status=none
grown=$(($(blocks "$big") - b1))
[ "$grown" -le $((2 * MB)) ] ||
	fail "a 4 KiB write at 6 GiB wrote $grown bytes of the device"
cmp -s -n 4096 -i "$far:0" "$M/big" "$T/blk" || fail "the far write's bytes"
zeros "$M/big" $((far - 3 * MB)) "$far"
zeros "$M/big" $((far + 4096)) $((far + 3 * MB))
# Sequential writes on from there zero nothing more.
b1=$(blocks "$big")
dd if=/dev/urandom of="$M/big" bs=64K count=16 seek=$(((far + 4096) / 65536 + 1)) \
	conv=notrunc status=none
grown=$(($(blocks "$big") - b1))
[ "$grown" -le $((2 * MB)) ] || fail "1 MiB written after it wrote $grown"
# A store through a shared mapping arrives as a page-sized WRITE: the same.
b1=$(blocks "$big")
if $PY - "$M/big" $((5 << 30)) <<'PYEOF'; then
import mmap, os, sys
fd = os.open(sys.argv[1], os.O_RDWR)
off = int(sys.argv[2])
try:
    m = mmap.mmap(fd, 1 << 20, mmap.MAP_SHARED, offset=off)
except OSError as e:
    print("no shared mmap here:", e)
    sys.exit(1)
assert m[:4096] == bytes(4096), "a mapped page of a sized file is not zeros"
m[100:104] = b"mmap"
m.flush()
m.close()
os.close(fd)
PYEOF
	grown=$(($(blocks "$big") - b1))
	[ "$grown" -le $((2 * MB)) ] ||
		fail "a store through mmap at 5 GiB wrote $grown bytes"
	[ "$(dd if="$M/big" bs=1 skip=$(((5 << 30) + 100)) count=4 status=none)" = mmap ] ||
		fail "the mmap store is not there"
	zeros "$M/big" $(((5 << 30) - 3 * MB)) $(((5 << 30) + 100))
else
	log "no shared mmap on this kernel: mmap case not run"
fi
rm "$M/big" # logging it would zero (write) all 8 GiB of the image
stop_famfsd "$DPID" "$M" || fail "famfsd exited $?"
log "ok: a far write zeroes less than a unit"

# Phase 2: every unit of a small device holds old bytes (as holes.sh).
img=$T/img
C=$T/mnt-c
make_fs "$img" $((128 * MB)) "$T/master.uuid"
new_uuid "$T/client.uuid"
start_famfsd "$img" "$M" "$T/master.uuid" --settle-ms 600000
dd if=/dev/urandom of="$M/old" bs=1M status=none 2>/dev/null || true
rm "$M/old"

# Parallel writers, every 64 KiB block in random order, over old bytes:
# each write's gap is zeroed under the lock that claims it, so no zeroing
# lands on a block another write already copied in.
$PY - "$M/par" <<'PYEOF' || fail "parallel writes: blocks lost"
import multiprocessing, os, random, sys
path, size, blk, nproc = sys.argv[1], 32 << 20, 64 << 10, 4
def pat(i):
    return i.to_bytes(4, "little") * (blk // 4)
def writer(k):
    fd = os.open(path, os.O_RDWR)
    idx = [i for i in range(size // blk) if i % nproc == k]
    random.Random(k).shuffle(idx)
    for i in idx:
        os.pwrite(fd, pat(i), i * blk)
    os.close(fd)
fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
os.posix_fallocate(fd, 0, size)
os.close(fd)
ps = [multiprocessing.Process(target=writer, args=(k,)) for k in range(nproc)]
for p in ps:
    p.start()
for p in ps:
    p.join()
fd = os.open(path, os.O_RDONLY)
bad = [i for i in range(size // blk) if os.pread(fd, blk, i * blk) != pat(i)]
print("blocks not as written:", bad[:10]) if bad else None
sys.exit(1 if bad else 0)
PYEOF
rm "$M/par"

# fsynced FILE SIZE [OFF=TEXT...]: fallocate, write TEXT at each OFF, fsync.
fsynced() {
	$PY - "$@" <<'PYEOF'
import os, sys
fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT, 0o644)
os.posix_fallocate(fd, 0, int(sys.argv[2]))
for a in sys.argv[3:]:
    off, text = a.split("=", 1)
    os.pwrite(fd, text.encode(), int(off))
os.fsync(fd)
os.close(fd)
PYEOF
}
# fsync journals a file never written below 3 MiB; then kill -9.
fsynced "$M/synced" $((4 * MB)) $((3 * MB))=head
zeros "$M/synced" 0 $((3 * MB))
# Sized and fsynced, never written (what fallocate(1) does): the journal
# says it all reads as zeros, so fsync zeroed nothing.
fsynced "$M/sized" $((5 * MB))
# Written here and there, then fsynced: the record lists the hole
# between the writes and the tail (zeroed only when it is logged).
fsynced "$M/holey" $((8 * MB)) "$MB=a" $((7 * MB))=b
# More holes than a record carries (15 beside its extent): the smallest
# are zeroed at fsync. A byte 1 MiB into each of 20 units: 20 holes.
fsynced "$M/many" $((40 * MB)) $(for u in $(seq 0 19); do
	echo $(((u << 21) + MB))=m
done)
kill -KILL "$DPID"
wait "$DPID" 2>/dev/null || true
unmount "$M"
start_famfsd "$img" "$M" "$T/master.uuid" --settle-ms 600000
mpid=$DPID
[ "$(stat -c %s "$M/synced")" = $((4 * MB)) ] || fail "synced lost its size"
zeros "$M/synced" 0 $((3 * MB))
zeros "$M/synced" $((3 * MB + 4)) $((4 * MB))
[ "$(dd if="$M/synced" bs=1 skip=$((3 * MB)) count=4 status=none)" = head ] ||
	fail "synced lost its bytes"
[ "$(stat -c %s "$M/sized")" = $((5 * MB)) ] || fail "sized lost its size"
zeros "$M/sized" 0 $((5 * MB))
zeros "$M/holey" 0 "$MB"
zeros "$M/holey" $((MB + 1)) $((7 * MB))
zeros "$M/holey" $((7 * MB + 1)) $((8 * MB))
[ "$(dd if="$M/holey" bs=1 skip="$MB" count=1 status=none)$(dd \
	if="$M/holey" bs=1 skip=$((7 * MB)) count=1 status=none)" = ab ] ||
	fail "holey lost its bytes"
for u in $(seq 0 19); do
	o=$(((u << 21) + MB))
	zeros "$M/many" $((o - MB)) "$o"
	zeros "$M/many" $((o + 1)) $((o + MB))
done
[ "$(tr -d '\0' <"$M/many")" = mmmmmmmmmmmmmmmmmmmm ] || fail "many lost its bytes"
log "ok: fsync, kill -9, restart: never-written ranges read zeros"

# Sized and never written (or written only far in), then logged.
fallocate -l 5M "$M/falloc"
fallocate -l 6M "$M/farw"
printf 'tail' | dd of="$M/farw" bs=1 seek=$((5 * MB)) conv=notrunc status=none
start_famfsd "$img" "$C" "$T/client.uuid"
stop_famfsd "$mpid" "$M" || fail "famfsd exited $?"
# extent OFFSET of NAME from the log (one extent: the device was empty)
ext_of() {
	"$FAMFS_CLI" logdump "$img" | awk -v n="$1" '$9 == n { getline; print $5 }'
}
for n in synced sized holey falloc farw; do
	off=$(ext_of "$n")
	[ -n "$off" ] || fail "$n is not in the log"
	wait_for 20 test -e "$C/$n" || fail "the client does not see $n"
	case $n in
	synced) zeros "$img" "$off" $((off + 3 * MB)); zeros "$C/$n" 0 $((3 * MB)) ;;
	sized | falloc) zeros "$img" "$off" $((off + 5 * MB))
		zeros "$C/$n" 0 $((5 * MB)) ;;
	holey) zeros "$img" "$off" $((off + MB))
		zeros "$img" $((off + 7 * MB + 1)) $((off + 8 * MB))
		zeros "$img" $((off + MB + 1)) $((off + 7 * MB))
		zeros "$C/$n" $((7 * MB + 1)) $((8 * MB)) ;;
	farw) zeros "$img" "$off" $((off + 5 * MB)); zeros "$C/$n" 0 $((5 * MB))
		zeros "$C/$n" $((5 * MB + 4)) $((6 * MB)) ;;
	esac
done
log "ok"
