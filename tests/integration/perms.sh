#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Permissions on a shared host, as user nobody: with allow_other the
# kernel enforces the logged modes (default_permissions is implied unless
# no_default_permissions says otherwise, and the startup line says so);
# without allow_other other users see nothing; .meta is root-only (the log
# names every file) unless meta_public; and the refusal errno table is the
# same on the master and on a client.
source "$(dirname "$0")/lib.sh"
require_fuse
id nobody >/dev/null 2>&1 || skip "no user 'nobody'"
command -v setpriv >/dev/null || skip "setpriv is missing"
setup
# The user must be able to walk to the mount point.
chmod 0755 "$T"
cp "$ITEST_DIR/errop.py" "$T/errop.py"

as_nobody() { # OP ARGS... -> errno name
	setpriv --reuid=nobody --regid=nogroup --clear-groups \
		$PY "$T/errop.py" "$@"
}
expect_nobody() {
	local want=$1 got
	shift
	got=$(as_nobody "$@")
	[ "$got" = "$want" ] || fail "nobody: $*: got $got, want $want"
	log "ok: nobody: $* -> $got"
}

img=$T/img
mnt=$T/mnt
make_fs "$img" $((4 << 30)) "$T/uuid"
start_famfsd "$img" "$mnt" "$T/uuid" -o allow_other,default_permissions
(umask 077 && echo secret >"$mnt/secret")
(umask 022 && echo public >"$mnt/public")
mkdir -m 0700 "$mnt/private"
echo inner >"$mnt/private/inner"
mkdir -m 0777 "$mnt/open"
[ "$(stat -c %a "$mnt/secret")" = 600 ] || fail "secret is not 0600"

expect_nobody EACCES read "$mnt/secret"
expect_nobody OK read "$mnt/public"
expect_nobody EACCES openw "$mnt/public"
expect_nobody EACCES read "$mnt/private/inner"
expect_nobody EACCES createfile "$mnt/mine" 10
expect_nobody EACCES mkdir "$mnt/mydir"
# A world-writable directory: the new file belongs to the caller.
expect_nobody OK createfile "$mnt/open/mine" 10
[ "$(stat -c '%u %g %s' "$mnt/open/mine")" = "65534 65534 10" ] ||
	fail "open/mine: $(stat -c '%u %g %s' "$mnt/open/mine")"
# Root still reads everything.
[ "$(cat "$mnt/secret")" = secret ] || fail "root cannot read secret"

# .meta does not leak what directory modes hide.
[ "$(stat -c '%a %u' "$mnt/.meta")" = "700 0" ] || fail ".meta mode"
[ "$(stat -c '%a' "$mnt/.meta/.log" "$mnt/.meta/.superblock" \
	"$mnt/.meta/.stats" | tr '\n' ' ')" = "400 400 400 " ] ||
	fail ".meta file modes"
expect_nobody EACCES listdir "$mnt/.meta"
expect_nobody EACCES read "$mnt/.meta/.log"
expect_nobody EACCES read "$mnt/.meta/.superblock"
stop_famfsd "$DPID" "$mnt" || fail "famfsd exited $?"

# allow_other alone implies default_permissions, and says so.
start_famfsd "$img" "$mnt" "$T/uuid" -o allow_other
grep -q "access=all users, modes checked (default_permissions, implied by allow_other)" \
	"$DLOG" || fail "startup line: $(cat "$DLOG")"
grep -q " $mnt fuse.famfs .*default_permissions" /proc/mounts ||
	fail "default_permissions not on the mount"
expect_nobody EACCES read "$mnt/secret"
expect_nobody EACCES openw "$mnt/secret"
expect_nobody OK read "$mnt/public"
expect_nobody EACCES read "$mnt/.meta/.log"
stop_famfsd "$DPID" "$mnt" || fail "famfsd exited $?"

# The explicit override is named on the startup line and warned about.
start_famfsd "$img" "$mnt" "$T/uuid" -o allow_other,no_default_permissions
grep -q "access=all users, NO permission checks (no_default_permissions)" \
	"$DLOG" || fail "startup line: $(cat "$DLOG")"
grep -q "every user may read and write every file" "$DLOG" ||
	fail "no warning"
grep -q " $mnt fuse.famfs .*default_permissions" /proc/mounts &&
	fail "default_permissions on the mount"
stop_famfsd "$DPID" "$mnt" || fail "famfsd exited $?"
rc=0
"$FAMFSD" -f -o default_permissions,no_default_permissions "$img" "$mnt" \
	2>"$T/err" || rc=$?
[ $rc = 1 ] && grep -q contradict "$T/err" || fail "contradiction: $rc"

# meta_public opens .meta to everyone who reaches the mount.
start_famfsd "$img" "$mnt" "$T/uuid" -o allow_other,meta_public
expect_nobody OK read "$mnt/.meta/.stats"
expect_nobody OK listdir "$mnt/.meta"
stop_famfsd "$DPID" "$mnt" || fail "famfsd exited $?"

# One errno table for both roles (famfsd(8), ERRORS): what no host can
# do is EPERM everywhere, creating is EROFS on a client.
new_uuid "$T/uuid.client"
for role in master client; do
	u=$T/uuid
	[ $role = client ] && u=$T/uuid.client
	start_famfsd "$img" "$mnt" "$u"
	grep -q "role=$role" "$DLOG" || fail "not $role"
	expect_errno EPERM unlink "$mnt/public"
	expect_errno EPERM rmdir "$mnt/open"
	expect_errno EPERM rename "$mnt/public" "$mnt/public2"
	expect_errno EPERM link "$mnt/public" "$mnt/hard"
	expect_errno EPERM symlink public "$mnt/soft"
	expect_errno EPERM mknod "$mnt/fifo"
	expect_errno EPERM chmod "$mnt/public" 0600
	if [ $role = client ]; then
		expect_errno EROFS createfile "$mnt/new" 10
		expect_errno EROFS mkdir "$mnt/newdir2"
	else
		expect_errno OK mkdir "$mnt/newdir"
	fi
	stop_famfsd "$DPID" "$mnt" || fail "famfsd exited $?"
done

# Without allow_other, only the mounting user gets in at all.
start_famfsd "$img" "$mnt" "$T/uuid"
grep -q "access=mounting user only" "$DLOG" || fail "startup line"
expect_nobody EACCES read "$mnt/public"
[ "$(cat "$mnt/public")" = public ] || fail "root cannot read public"
# Ownership logged at close survived the remount.
[ "$(stat -c '%u %g' "$mnt/open/mine")" = "65534 65534" ] ||
	fail "owner of open/mine changed across remount"
stop_famfsd "$DPID" "$mnt" || fail "famfsd exited $?"
log "ok"
