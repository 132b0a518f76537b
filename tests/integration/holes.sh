#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Bytes a new file never wrote read as zeros, although the device space
# it reserves held a deleted file's bytes: ftruncate past the end, a write
# past the end (dd seek=, cp of a sparse file), fallocate, truncate down
# then up, O_TRUNC. A client sees the same bytes once they are logged.
source "$(dirname "$0")/lib.sh"
require_fuse
setup

img=$T/img
M=$T/mnt-m
C=$T/mnt-c
# 64 MiB: 54 MiB of data space, small enough to fill with old bytes.
make_fs "$img" $((64 << 20)) "$T/master.uuid"
new_uuid "$T/client.uuid"
start_famfsd "$img" "$M" "$T/master.uuid" --settle-ms 600000
mpid=$DPID
start_famfsd "$img" "$C" "$T/client.uuid"

# Every unit holds old bytes: one pending file fills the device, then goes.
dd if=/dev/urandom of="$M/old" bs=1M status=none 2>/dev/null || true
[ "$(df --output=avail "$M" | tail -n 1 | tr -d ' ')" = 0 ] ||
	fail "the device is not full"
rm "$M/old"

# zeros FILE FROM TO: bytes [FROM, TO) of FILE are all zero.
zeros() {
	cmp -s -n $(($3 - $2)) -i "$2:0" "$1" /dev/zero ||
		fail "$1: bytes $2..$3 are not zeros"
}
printf 'head' >"$T/head"

truncate -s 5M "$M/trunc"
zeros "$M/trunc" 0 $((5 << 20))
dd if="$T/head" of="$M/seek" bs=1 seek=$((3 << 20)) status=none
zeros "$M/seek" 0 $((3 << 20))
fallocate -l 4M "$M/falloc"
zeros "$M/falloc" 0 $((4 << 20))
: >"$M/keep"
fallocate -n -l 4M "$M/keep" # KEEP_SIZE: then a write past the size
dd if="$T/head" of="$M/keep" bs=1 seek=$((3 << 20)) status=none
zeros "$M/keep" 0 $((3 << 20))
# cp finds the source's holes and seeks over them.
truncate -s 6M "$T/sparse"
dd if="$T/head" of="$T/sparse" bs=1 seek=$((5 << 20)) conv=notrunc status=none
cp --sparse=always "$T/sparse" "$M/sparse"
cmp "$T/sparse" "$M/sparse" || fail "cp of a sparse file differs"
# Its own old bytes too: cut, then grown again; O_TRUNC, then a gap.
head -c $((2 << 20)) /dev/urandom >"$M/cut"
truncate -s 1000 "$M/cut"
truncate -s $((2 << 20)) "$M/cut"
zeros "$M/cut" 1000 $((2 << 20))
head -c 3000 /dev/urandom >"$M/otrunc"
: >"$M/otrunc" # O_TRUNC
dd if="$T/head" of="$M/otrunc" bs=1 seek=2000 conv=notrunc status=none
zeros "$M/otrunc" 0 2000
# A dax mapping shows the rest of a file's last page: zeros once logged.
head -c 5000 /dev/urandom >"$M/tail"
log "ok: unwritten bytes read as zeros on the master"

# Logged and seen by the client: the same bytes.
names="trunc seek falloc keep sparse cut otrunc tail"
(cd "$M" && sha256sum $names) >"$T/sums"
stop_famfsd "$mpid" "$M" || fail "famfsd exited $?"
off=$("$FAMFS_CLI" logdump "$img" |
	awk '$9 == "tail" { getline; print $5 }')
[ -n "$off" ] || fail "tail is not in the log"
zeros "$img" $((off + 5000)) $((off + 8192))
for n in $names; do
	wait_for 20 test -e "$C/$n" || fail "the client does not see $n"
done
(cd "$C" && sha256sum -c --quiet "$T/sums") || fail "the client reads other bytes"
zeros "$C/trunc" 0 $((5 << 20))
log "ok"
