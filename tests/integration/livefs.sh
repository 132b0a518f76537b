#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Never format a live file system, whatever it is called: mkfs -f through
# the served image's own path, a hard link, a symlink and a bind mount is
# refused while famfsd (master or client) serves it, and while a famfs
# command uses it; an unrelated file of the same name elsewhere formats.
# Every writer on this host takes the same append lock: the CLI through a
# hard link is refused by famfsd's, famfsd is refused by a CLI writer's,
# a second master famfsd by the first's.
source "$(dirname "$0")/lib.sh"
require_fuse
have_cli || skip "famfs CLI not built at $FAMFS_CLI"
setup
HOLD="$FAMFS_SRC/tests/cli/holdlock.py"

mkdir -p "$T/A" "$T/B" "$T/bind"
img=$T/A/a.img
mnt=$T/mnt
make_fs "$img" $((4 << 30)) "$T/uuid"
ln "$img" "$T/hard.img"
ln -s "$img" "$T/sym.img"
mount --bind "$T/A" "$T/bind" || skip "mount --bind failed"
# The bind mount goes before the usual cleanup (which removes $T); no
# errexit in the trap, or a failed test would skip the cleanup.
trap 'rc=$?; set +e; umount -l "$T/bind" 2>/dev/null; (exit $rc); _cleanup' EXIT
truncate -s 4G "$T/B/a.img"

mkfs_refused() { # WHY PATH...
	local why=$1 p rc
	shift
	for p in "$@"; do
		rc=0
		"$FAMFS_CLI" --system-uuid-file "$T/uuid" mkfs -f "$p" \
			>/dev/null 2>"$T/err" || rc=$?
		[ $rc = 2 ] || fail "mkfs -f $p: exit $rc ($(cat "$T/err"))"
		grep -q "$why" "$T/err" || fail "mkfs -f $p: $(cat "$T/err")"
		log "ok: mkfs -f $p refused"
	done
}

start_famfsd "$img" "$mnt" "$T/uuid"
head -c 5000000 /dev/urandom >"$T/data"
dd if="$T/data" of="$mnt/f" bs=1M conv=fsync status=none
mkfs_refused "is mounted on $mnt: served by famfsd on this host" \
	"$img" "$T/hard.img" "$T/sym.img" "$T/bind/a.img"
rc=0
"$FAMFS_CLI" mkfs -f -k "$T/hard.img" 2>"$T/err" || rc=$?
[ $rc = 2 ] || fail "mkfs -f -k through a hard link: exit $rc"
# Even with no mount visible (another mount namespace): the lock holds.
FAMFS_MOUNTINFO=/dev/null mkfs_refused "served by famfsd on this host" \
	"$T/hard.img"
# Readers are welcome while it is served.
"$FAMFS_CLI" fsck "$T/hard.img" >/dev/null || fail "fsck of a served image"
logged() { "$FAMFS_CLI" ls "$T/sym.img" 2>&1 | grep -q ' f$'; }
wait_for 10 logged || fail "ls of a served image: $("$FAMFS_CLI" ls "$T/sym.img" 2>&1)"
# A namesake elsewhere is a different file: it formats.
"$FAMFS_CLI" --system-uuid-file "$T/uuid" mkfs "$T/B/a.img" >/dev/null ||
	fail "mkfs of an unrelated a.img refused"
# CLI writers: the mount is named (by identity), and without it the lock
# refuses at once instead of waiting forever for famfsd.
rc=0
"$FAMFS_CLI" --system-uuid-file "$T/uuid" mkdir "$T/hard.img" x \
	2>"$T/err" || rc=$?
[ $rc = 2 ] && grep -q "is mounted on $mnt" "$T/err" ||
	fail "CLI writer via hard link: $rc $(cat "$T/err")"
rc=0
FAMFS_MOUNTINFO=/dev/null timeout 20 "$FAMFS_CLI" \
	--system-uuid-file "$T/uuid" mkdir "$T/sym.img" x 2>"$T/err" || rc=$?
[ $rc = 2 ] && grep -q "served by famfsd on this host (as master)" "$T/err" ||
	fail "CLI writer without a visible mount: $rc $(cat "$T/err")"
# A second master famfsd (another host identity, forced) on a hard link.
new_uuid "$T/uuid2"
mkdir -p "$T/mnt2"
rc=0
timeout 30 "$FAMFSD" -f -r master -u "$T/uuid2" "$T/hard.img" "$T/mnt2" \
	2>"$T/err" || rc=$?
[ $rc = 2 ] && grep -q "a famfsd already serves it as master" "$T/err" ||
	fail "second master: $rc $(cat "$T/err")"
stop_famfsd "$DPID" "$mnt" || fail "famfsd exited $?"

# A client famfsd on this host: mkfs is refused just the same.
new_uuid "$T/uuid.client"
start_famfsd "$T/sym.img" "$mnt" "$T/uuid.client"
mkfs_refused "served by famfsd on this host" "$img" "$T/bind/a.img"
stop_famfsd "$DPID" "$mnt" || fail "famfsd exited $?"

# A famfs command using it (use lock shared), and one writing (append).
"$PY" "$HOLD" "$T/hard.img" 0 shared >"$T/hold0.out" &
holder=$!
wait_for 5 grep -q held "$T/hold0.out" || fail "holder"
mkfs_refused "in use by another famfs command on this host" "$T/sym.img"
kill "$holder"
wait "$holder" 2>/dev/null || true
"$PY" "$HOLD" "$T/bind/a.img" 1 >"$T/hold1.out" &
holder=$!
wait_for 5 grep -q held "$T/hold1.out" || fail "holder"
rc=0
timeout 30 "$FAMFSD" -f -u "$T/uuid" "$img" "$mnt" 2>"$T/err" || rc=$?
[ $rc = 2 ] && grep -q "another writer on this host holds the log (a famfs command" \
	"$T/err" || fail "famfsd under a CLI writer: $rc $(cat "$T/err")"
kill "$holder"
wait "$holder" 2>/dev/null || true

# Nothing was lost.
start_famfsd "$img" "$mnt" "$T/uuid"
cmp "$T/data" "$mnt/f" || fail "f changed"
stop_famfsd "$DPID" "$mnt" || fail "famfsd exited $?"
fsck_image "$img" >/dev/null || fail "fsck"
umount "$T/bind"
log "ok"
