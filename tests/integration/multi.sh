#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Master and client on ONE image (two famfsd, two system uuids, two mount
# points): what the master creates shows up on the client without a
# remount, with the same bytes; the client refuses to change anything.
source "$(dirname "$0")/lib.sh"
require_fuse
setup

img=$T/img
make_fs "$img" $((4 << 30)) "$T/master.uuid"
new_uuid "$T/client.uuid"
mkdir "$T/mnt-m" "$T/mnt-c"
start_famfsd "$img" "$T/mnt-m" "$T/master.uuid"
mpid=$DPID
start_famfsd "$img" "$T/mnt-c" "$T/client.uuid"
cpid=$DPID
M=$T/mnt-m
C=$T/mnt-c
[ "$(meta_stat "$M" role)" = master ] || fail "first mount is not master"
[ "$(meta_stat "$C" role)" = client ] || fail "second mount is not client"

# The client looks at the empty root first, so it has something cached.
[ -z "$(ls "$C")" ] || fail "client root not empty: $(ls "$C")"

mkdir "$M/d"
head -c 5000000 /dev/urandom >"$T/blob"
cp "$T/blob" "$M/d/blob"
ino_m=$(stat -c %i "$M/d/blob")
echo "small" >"$M/small"
refreshes0=$(meta_stat "$C" refreshes)

# Within a few poll intervals (200 ms), with no remount.
wait_for 10 test -f "$C/d/blob" || fail "d/blob never appeared on the client"
wait_for 10 test -f "$C/small" || fail "small never appeared on the client"
cmp "$T/blob" "$C/d/blob" || fail "client reads different bytes"
[ "$(cat "$C/small")" = small ] || fail "small differs on the client"
ls "$C" | grep -qx d || fail "readdir of the client root misses d"
[ "$(stat -c '%s %a %u' "$C/d/blob")" = \
	"$(stat -c '%s %a %u' "$M/d/blob")" ] ||
	fail "attributes differ: $(stat -c '%s %a %u' "$C/d/blob") vs" \
		"$(stat -c '%s %a %u' "$M/d/blob")"
# famfsd(8): the master keeps the number it gave at create for the mount's
# life; other hosts see 16 + log index (the master's next mount does too).
[ "$(stat -c %i "$M/d/blob")" = "$ino_m" ] || fail "master st_ino changed"
ino_c=$(stat -c %i "$C/d/blob")
[ "$ino_c" -ge 16 ] && [ "$ino_c" -lt 4611686018427387904 ] ||
	fail "client st_ino $ino_c is not 16 + log index"
[ "$(meta_stat "$C" refreshes)" -gt "$refreshes0" ] ||
	fail ".meta/.stats refreshes did not move"

# A second wave into a directory the client already listed.
ls "$C/d" >/dev/null
for i in $(seq 10); do
	head -c $((i * 4096)) /dev/urandom >"$M/d/f$i"
done
wait_for 10 test -f "$C/d/f10" || fail "d/f10 never appeared on the client"
for i in $(seq 10); do
	cmp "$M/d/f$i" "$C/d/f$i" || fail "d/f$i differs on the client"
done
[ "$(ls "$C/d" | wc -l)" = 11 ] || fail "client lists $(ls "$C/d" | wc -l) in d"

# The client cannot change the namespace.
expect_errno EROFS create "$C/new"
expect_errno EROFS mkdir "$C/newdir"
expect_errno EROFS mkdir "$C/d/newdir"
# What no host can do is EPERM on a client too (famfsd(8), ERRORS).
expect_errno EPERM unlink "$C/d/blob"
expect_errno EPERM symlink blob "$C/d/soft"
expect_errno EPERM rename "$C/d/blob" "$C/d/blob2"
expect_errno EPERM link "$C/d/blob" "$C/d/hard"
expect_errno EPERM mknod "$C/d/fifo"
[ ! -e "$M/new" ] && [ ! -e "$M/newdir" ] || fail "a client create leaked"

# Data written in place on the master is what the client reads (direct I/O).
printf 'XYZ' | dd of="$M/d/blob" conv=notrunc status=none
[ "$(head -c 3 "$C/d/blob")" = XYZ ] || fail "client sees stale data"

stop_famfsd "$cpid" "$C" || fail "client famfsd exited $?"
stop_famfsd "$mpid" "$M" || fail "master famfsd exited $?"
fsck_image "$img" || fail "fsck"
log "ok"
