#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Operations famfs cannot honour fail with famfsd(8)'s documented errno;
# a full device and a full log give ENOSPC; long names ENAMETOOLONG; a
# corrupt image is refused with one clear line and exit 2.
source "$(dirname "$0")/lib.sh"
require_fuse
setup

# famfsd(8), ERRORS: what each refused operation returns.
E_UNLINK=EPERM
E_RENAME=EPERM
E_RMDIR=EPERM
E_LINK=EPERM
E_SYMLINK=EPERM
E_MKNOD=EPERM
E_TRUNC_SHRINK=EPERM
E_TRUNC_GROW=EFBIG
E_APPEND=EFBIG
E_CHMOD=EPERM
E_SETXATTR=ENOTSUP # = EOPNOTSUPP on Linux

img=$T/img
mnt=$T/mnt
make_fs "$img" $((4 << 30)) "$T/uuid"
start_famfsd "$img" "$mnt" "$T/uuid"

mkdir "$mnt/d" "$mnt/empty"
head -c 10000 /dev/urandom >"$mnt/d/f"
cp "$mnt/d/f" "$T/f.orig"
# New objects stay changeable until they settle; a remount logs them all.
stop_famfsd "$DPID" "$mnt" || fail "famfsd exited $?"
start_famfsd "$img" "$mnt" "$T/uuid"

expect_errno $E_UNLINK unlink "$mnt/d/f"
expect_errno $E_RENAME rename "$mnt/d/f" "$mnt/d/g"
expect_errno $E_RENAME rename "$mnt/d" "$mnt/d2"
expect_errno $E_RMDIR rmdir "$mnt/empty"
expect_errno $E_LINK link "$mnt/d/f" "$mnt/d/hard"
expect_errno $E_SYMLINK symlink f "$mnt/d/soft"
expect_errno $E_MKNOD mknod "$mnt/d/fifo"
expect_errno $E_TRUNC_SHRINK truncate "$mnt/d/f" 100
expect_errno $E_TRUNC_SHRINK truncate "$mnt/d/f" 0
expect_errno $E_TRUNC_GROW truncate "$mnt/d/f" 20000
expect_errno $E_APPEND append "$mnt/d/f"
expect_errno $E_APPEND writeat "$mnt/d/f" 10000
expect_errno $E_CHMOD chmod "$mnt/d/f" 0600
expect_errno $E_SETXATTR setxattr "$mnt/d/f" user.k v
# What the shell tools see (exit status, nothing changed).
! rm -f "$mnt/d/f" 2>/dev/null || fail "rm succeeded"
! mv "$mnt/d/f" "$mnt/d/g" 2>/dev/null || fail "mv succeeded"
! rmdir "$mnt/empty" 2>/dev/null || fail "rmdir succeeded"
! ln "$mnt/d/f" "$mnt/d/h" 2>/dev/null || fail "ln succeeded"
! ln -s f "$mnt/d/s" 2>/dev/null || fail "ln -s succeeded"
! truncate -s 1 "$mnt/d/f" 2>/dev/null || fail "truncate succeeded"
! (echo more >>"$mnt/d/f") 2>/dev/null || fail "append succeeded"
! setfattr -n user.k -v v "$mnt/d/f" 2>/dev/null || fail "setfattr succeeded"
cmp "$T/f.orig" "$mnt/d/f" || fail "a refused operation changed d/f"
[ "$(ls "$mnt/d")" = f ] || fail "d holds $(ls "$mnt/d")"
[ -d "$mnt/empty" ] || fail "empty is gone"
# Changing nothing is not an error (tar, cp -p restore what is there).
expect_errno OK chmod "$mnt/d/f" 0644
expect_errno OK chown "$mnt/d/f" 0 0
expect_errno OK utime "$mnt/d/f"

# Names: 80 bytes is one more than famfs can log (79 incl. the path).
n79=$(printf 'n%.0s' $(seq 79))
n80=$(printf 'n%.0s' $(seq 80))
expect_errno ENAMETOOLONG createfile "$mnt/$n80"
expect_errno ENAMETOOLONG mkdir "$mnt/$n80"
# The limit is on the whole relative path: d/ + 78 bytes = 80.
expect_errno ENAMETOOLONG createfile "$mnt/d/${n79:1}"
expect_errno OK createfile "$mnt/$n79" 10
expect_errno OK createfile "$mnt/d/${n79:3}" 10
[ "$(stat -c %s "$mnt/$n79")" = 10 ] || fail "79-byte name not created"
stop_famfsd "$DPID" "$mnt" || fail "famfsd exited $?"
fsck_image "$img" || fail "fsck after refused operations"

# -- full device: write until ENOSPC ----------------------------------------
img2=$T/img2
make_fs "$img2" $((4 << 30)) "$T/uuid"
"$ITOOL" fill-space "$img2" "$T/uuid" $((8 << 20))
start_famfsd "$img2" "$mnt" "$T/uuid"
expect_errno ENOSPC fill "$mnt/filler"
kill -0 "$DPID" || fail "famfsd died on a full device"
expect_errno ENOSPC createfile "$mnt/more" $((4 << 20))
mkdir "$mnt/still-works" || fail "mkdir on a full device (log has room)"
stop_famfsd "$DPID" "$mnt" || fail "famfsd exited $?"
fsck_image "$img2" || fail "fsck after ENOSPC"

# -- full log: mkdir/create fail with ENOSPC ----------------------------------
img3=$T/img3
make_fs "$img3" $((4 << 30)) "$T/uuid"
"$ITOOL" fill-log "$img3" "$T/uuid" 1
start_famfsd "$img3" "$mnt" "$T/uuid"
mkdir "$mnt/last" || fail "the last log slot was refused"
expect_errno ENOSPC mkdir "$mnt/one_too_many"
expect_errno ENOSPC createfile "$mnt/one_too_many" 10
[ ! -e "$mnt/one_too_many" ] || fail "one_too_many exists"
stop_famfsd "$DPID" "$mnt" || fail "famfsd exited $?"
fsck_image "$img3" || fail "fsck of the full log"
"$ITOOL" stat "$img3" | grep -qx 'log_free 0' || fail "log not full"

# -- corrupt images are refused: one line, exit 2, nothing mounted ---------
refuse() { # IMG WHAT REGEX
	local rc=0
	"$FAMFSD" -f -u "$T/uuid" "$1" "$mnt" >"$T/out" 2>&1 || rc=$?
	cat "$T/out"
	is_mounted "$mnt" && fail "$2: mounted anyway"
	[ $rc = 2 ] || fail "$2: exit $rc, want 2"
	grep -qiE "^famfsd: .*($3)" "$T/out" || fail "$2: unclear message"
	log "ok: $2 refused"
}
cp --sparse=always "$img" "$T/bad"
# Byte 40 is omf_ver_major, inside the CRC-covered first 96 bytes.
printf '\x07' | dd of="$T/bad" bs=1 seek=40 conv=notrunc status=none
refuse "$T/bad" "bad superblock CRC" "superblock|crc"
cp --sparse=always "$img" "$T/bad"
dd if=/dev/zero of="$T/bad" bs=8 count=1 conv=notrunc status=none
refuse "$T/bad" "killed superblock" "superblock|magic|famfs"
cp --sparse=always "$img" "$T/bad"
# Log header CRC covers bytes [0, 24) of the log at 2 MiB.
printf '\x01' | dd of="$T/bad" bs=1 seek=$(((2 << 20) + 16)) conv=notrunc \
	status=none
refuse "$T/bad" "bad log header" "log"
refuse "$T/nonexistent" "missing device" "nonexistent|no such"
log "ok"
