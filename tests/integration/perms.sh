#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Permissions: with -o allow_other,default_permissions the kernel enforces
# the logged modes for other users; without allow_other they see nothing.
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
stop_famfsd "$DPID" "$mnt" || fail "famfsd exited $?"

# Without allow_other, only the mounting user gets in at all.
start_famfsd "$img" "$mnt" "$T/uuid"
expect_nobody EACCES read "$mnt/public"
[ "$(cat "$mnt/public")" = public ] || fail "root cannot read public"
# Ownership logged at close survived the remount.
[ "$(stat -c '%u %g' "$mnt/open/mine")" = "65534 65534" ] ||
	fail "owner of open/mine changed across remount"
stop_famfsd "$DPID" "$mnt" || fail "famfsd exited $?"
log "ok"
