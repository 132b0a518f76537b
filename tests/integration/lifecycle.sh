#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# famfsd lifecycle: --help/--version, usage errors exit 1, -f foreground,
# daemon mode returns once the mount is live, SIGTERM unmounts and
# exit 0, a second daemon for the same (device, system uuid) is refused.
source "$(dirname "$0")/lib.sh"
require_fuse
setup

img=$T/img
mnt=$T/mnt
mkdir -p "$mnt"
make_fs "$img" $((4 << 30)) "$T/uuid"

# -- command line -------------------------------------------------------------
"$FAMFSD" --help >"$T/out" 2>&1 || fail "--help exited $?"
grep -q 'famfsd' "$T/out" && grep -q -- '--system-uuid-file' "$T/out" ||
	fail "--help text: $(cat "$T/out")"
"$FAMFSD" -h >/dev/null 2>&1 || fail "-h exited $?"
"$FAMFSD" --version >"$T/out" 2>&1 || fail "--version exited $?"
grep -qE '^famfsd [0-9]+\.[0-9]+' "$T/out" || fail "--version: $(cat "$T/out")"
"$FAMFSD" -V >/dev/null 2>&1 || fail "-V exited $?"
usage_error() {
	local rc=0
	"$FAMFSD" "$@" >"$T/out" 2>&1 || rc=$?
	[ $rc = 1 ] || fail "famfsd $*: exit $rc, want 1"
	grep -qE '^(.*/)?famfsd: ' "$T/out" || fail "famfsd $*: no 'famfsd:' line"
	is_mounted "$mnt" && fail "famfsd $*: mounted anyway"
	log "ok: usage error: $* -> $(head -1 "$T/out")"
}
usage_error
usage_error "$img"
usage_error --no-such-option "$img" "$mnt"
usage_error -r boss "$img" "$mnt"
usage_error -d fast "$img" "$mnt"
usage_error -p soon "$img" "$mnt"
usage_error -l chatty "$img" "$mnt"
usage_error "$img" "$mnt" extra
usage_error -c "$T/no-such.conf" "$img" "$mnt"

# -- famfs.conf(5): keys from the file, command line wins, errors name the line
cat >"$T/bad.conf" <<EOF
[famfsd]
poll_ms = 100
colour = blue
EOF
usage_error -c "$T/bad.conf" "$img" "$mnt"
grep -q "bad.conf:3: unknown key 'colour'" "$T/out" || fail "bad.conf message"
printf '[famfsd]\nrole = boss\n' >"$T/bad.conf"
usage_error -c "$T/bad.conf" "$img" "$mnt"
printf '[other]\nrole = auto\n' >"$T/bad.conf"
usage_error -c "$T/bad.conf" "$img" "$mnt"
cat >"$T/famfs.conf" <<EOF
# a comment
; another
[famfsd]
device = $img
mountpoint = $mnt
system_uuid_file = $T/uuid
role = client
poll_ms = 150
log_level = info
foreground = yes
options = allow_other
EOF
# role = client from the file; -r master on the command line wins later.
"$FAMFSD" -c "$T/famfs.conf" >"$T/conf.log" 2>&1 &
cpid=$!
_pids+=("$cpid")
_mounts+=("$mnt")
wait_for 10 is_mounted "$mnt" || fail "-c: not mounted: $(cat "$T/conf.log")"
[ "$(meta_stat "$mnt" role)" = client ] || fail "-c: role from the file"
grep -q " $mnt fuse.famfs .*allow_other" /proc/mounts ||
	fail "-c: options not applied"
fusermount3 -u "$mnt"
wait "$cpid" || fail "-c: famfsd exited $?"
"$FAMFSD" -c "$T/famfs.conf" -r master >"$T/conf.log" 2>&1 &
cpid=$!
_pids+=("$cpid")
wait_for 10 is_mounted "$mnt" || fail "-c -r: not mounted"
[ "$(meta_stat "$mnt" role)" = master ] || fail "-r did not override role"
fusermount3 -u "$mnt"
wait "$cpid" || fail "-c -r: famfsd exited $?"

# -- foreground: startup line, clean unmount ------------------------------------
start_famfsd "$img" "$mnt" "$T/uuid" -l info
grep -qE "^famfsd: $img on $mnt: role=master data=daemon" "$DLOG" ||
	fail "startup line: $(cat "$DLOG")"
grep -q "$img $mnt fuse.famfs " /proc/mounts || fail "/proc/mounts entry"
echo one >"$mnt/one"
stop_famfsd "$DPID" "$mnt" || fail "famfsd exited $? after fusermount3 -u"

# -- SIGTERM: unmount and exit 0 -----------------------------------------------------
# (SIGINT cannot be tested from here: background jobs of a non-interactive
# shell start with SIGINT ignored, and libfuse keeps an ignored handler.)
for sig in TERM; do
	start_famfsd "$img" "$mnt" "$T/uuid"
	# A file still open for writing when the signal comes is logged.
	exec 3>"$mnt/open-$sig"
	echo "$sig" >&3
	kill -"$sig" "$DPID"
	wait_for 10 bash -c "! kill -0 $DPID 2>/dev/null" ||
		fail "SIG$sig: famfsd still running after 10 s"
	rc=0
	wait "$DPID" || rc=$?
	exec 3>&-
	[ $rc = 0 ] || fail "SIG$sig: famfsd exited $rc"
	wait_for 5 bash -c "! grep -q ' $mnt fuse.famfs ' /proc/mounts" ||
		fail "SIG$sig: still mounted"
	log "ok: SIG$sig unmounted, exit 0"
done

# refused MNT WHAT ERE: famfsd on MNT exits 2 with a line matching ERE.
refused() {
	local rc=0
	timeout 20 "$FAMFSD" -f -u "$T/uuid" "$img" "$1" >"$T/out" 2>&1 || rc=$?
	cat "$T/out"
	[ $rc = 2 ] || fail "$2: exit $rc, want 2"
	grep -qiE -- "$3" "$T/out" || fail "$2: no line matching '$3'"
}

# -- a second daemon for the same device and uuid is refused --------------------
start_famfsd "$img" "$mnt" "$T/uuid"
first=$DPID
mkdir -p "$T/mnt2"
refused "$T/mnt2" "second famfsd" '^famfsd: .*(already|lock|running)'
is_mounted "$T/mnt2" && fail "second famfsd mounted"
[ "$(cat "$mnt/one")" = one ] || fail "first mount disturbed"
stop_famfsd "$first" "$mnt" || fail "famfsd exited $?"

# -- after kill -9 the mount point is a dead FUSE mount: a restart says so ----
start_famfsd "$img" "$mnt" "$T/uuid"
kill -KILL "$DPID"
wait "$DPID" || true
refused "$mnt" "famfsd on a dead mount" \
	"^famfsd: $mnt: .*dead FUSE mount.*fusermount3 -u $mnt"
fusermount3 -u "$mnt" || fail "fusermount3 -u of the dead mount"
log "ok: a dead mount is named, with the command that clears it"

# -- daemon mode: returns after the mount is live --------------------------------
"$FAMFSD" -u "$T/uuid" -p "$POLL_MS" "$img" "$mnt" >"$T/out" 2>&1 ||
	fail "daemon mode exited $?: $(cat "$T/out")"
_mounts+=("$mnt")
is_mounted "$mnt" || fail "famfsd returned before the mount was live"
for p in /proc/[0-9]*; do
	tr '\0' ' ' <"$p/cmdline" 2>/dev/null | grep -qF " $img $mnt" &&
		dpid=${p#/proc/} && break
done
[ -n "${dpid:-}" ] || fail "no daemon process for $img"
_pids+=("$dpid")
[ "$(cat "$mnt/one")" = one ] || fail "daemon-mode mount reads wrong"
ls "$mnt" | grep -qx open-TERM || fail "file open at SIGTERM was not kept"
[ "$(cat "$mnt/open-TERM")" = TERM ] || fail "open-TERM content"
fusermount3 -u "$mnt"
wait_for 10 bash -c "! kill -0 $dpid 2>/dev/null" ||
	fail "daemon did not exit after unmount"
fsck_image "$img" || fail "fsck"
log "ok"
