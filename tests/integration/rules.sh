#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# The log rules across famfsd and the CLI (famfsd(8), LOG RULES):
#  1. a duplicate path (which upstream's tools can write) in an upstream
#     image is rejected but keeps its units: appending through famfsd and
#     the CLI never hands them out, so upstream's fsck (every good FILE
#     entry counted) finds no allocation collision;
#  2. a corrupt entry in mid-log is skipped by famfsd and famfs ls alike,
#     named so, and makes the metadata read-only;
#  3. a torn tail stops replay; once the writer completes the entry the
#     mount shows it without a remount, and the master writes again.
source "$(dirname "$0")/lib.sh"
require_fuse
have_cli || skip "famfs CLI not built at $FAMFS_CLI"
[ -n "${FAMFS_FIXTURES:-}" ] && [ -d "$FAMFS_FIXTURES" ] ||
	skip "FAMFS_FIXTURES not set or missing"
setup
LE="$PY $ITEST_DIR/logedit.py"
cli() { "$FAMFS_CLI" --system-uuid-file "$uuid" "$@"; }
json() { $PY -c "import json,sys; d=json.load(open(sys.argv[1])); print($2)" "$1"; }
fsck_json() { # IMG OUT: fsck --json; prints its exit status
	local rc=0
	cli fsck --json "$1" >"$2" 2>/dev/null || rc=$?
	echo $rc
}

# ---- 1. duplicate name, then appended to -------------------------------
img=$T/dup.img
mnt=$T/mnt
uuid=$T/uuid
new_uuid "$uuid" "$FIXTURE_UUID"
$PY "$ITEST_DIR/fixture.py" build "$FAMFS_FIXTURES" v48-basic "$img"
read -r j k < <($LE files "$img")
$LE dup "$img" "$k" "$j"
[ "$($LE twice "$img")" = 0 ] || fail "the duplicate shares units"
[ "$(fsck_json "$img" "$T/f.json")" = 1 ] || fail "fsck does not flag it"
[ "$(json "$T/f.json" 'd["bad_entries"], d["collisions"]')" = "1 0" ] ||
	fail "fsck: $(json "$T/f.json" 'd["errors"]')"
files0=$(json "$T/f.json" 'd["files"]')

start_famfsd "$img" "$mnt" "$uuid"
grep -q "entry $k: relpath: .*already exists.*(not served)" "$DLOG" ||
	fail "no rejection line: $(cat "$DLOG")"
for i in 1 2 3 4 5; do
	head -c $((i * 3 << 20)) /dev/urandom |
		dd of="$mnt/new$i" bs=1M conv=fsync status=none
done
stop_famfsd "$DPID" "$mnt" || fail "famfsd exited $?"
MULTILINE=1 cli creat -s 9m "$img" cli-new >/dev/null 2>"$T/creat.err" ||
	fail "creat: $(cat "$T/creat.err")"
grep -q "entry $k: relpath:" "$T/creat.err" || fail "creat did not warn"
[ "$($LE twice "$img")" = 0 ] ||
	fail "an appended file took units of the duplicate entry"
[ "$(fsck_json "$img" "$T/f.json")" = 1 ] || fail "fsck exit"
[ "$(json "$T/f.json" 'd["bad_entries"], d["collisions"], d["files"]')" = \
	"1 0 $((files0 + 6))" ] || fail "after append: $(cat "$T/f.json")"
log "ok: duplicate name appended to"

# ---- 2. a corrupt entry in mid-log -------------------------------------
img=$T/log.img
uuid=$T/uuid2
make_fs "$img" $((4 << 30)) "$uuid"
cli mkdir "$img" $(printf 'd%02d ' $(seq 0 24))
$LE flip "$img" 5
cli ls "$img" >"$T/ls" 2>"$T/ls.err" || fail "ls: $(cat "$T/ls.err")"
grep -q "entry 5: crc: .*(corrupt entry skipped; metadata is read-only)" \
	"$T/ls.err" || fail "ls warning: $(cat "$T/ls.err")"
awk '{print $NF}' "$T/ls" | grep '^d' | sort >"$T/ls.names"
[ "$(wc -l <"$T/ls.names")" = 24 ] || fail "ls lists $(wc -l <"$T/ls.names")"
grep -qx d05 "$T/ls.names" && fail "ls lists the corrupt entry"
[ "$(fsck_json "$img" "$T/f.json")" = 1 ] || fail "fsck exit"
[ "$(json "$T/f.json" 'd["corrupt"], d["bad_entries"], d["dirs"]')" = \
	"1 1 24" ] || fail "fsck: $(cat "$T/f.json")"
cli mkdir "$img" x 2>"$T/err" && fail "the CLI wrote on a corrupt log"
grep -q "metadata is read-only" "$T/err" || fail "mkdir: $(cat "$T/err")"
start_famfsd "$img" "$mnt" "$uuid"
grep -q "entry 5: crc: .*(corrupt entry skipped; metadata is read-only)" \
	"$DLOG" || fail "famfsd line: $(cat "$DLOG")"
ls "$mnt" | grep '^d' | sort | cmp -s - "$T/ls.names" ||
	fail "famfsd and famfs ls disagree: $(ls "$mnt")"
expect_errno EROFS mkdir "$mnt/x"
expect_errno EROFS createfile "$mnt/y" 10
stop_famfsd "$DPID" "$mnt" || fail "famfsd exited $?"
$LE flip "$img" 5 # repaired: everything is back
[ "$(cli ls "$img" | grep -c ' d[0-9]')" = 25 ] || fail "repair"
log "ok: corrupt entry skipped everywhere"

# ---- 3. a torn tail, completed while mounted ---------------------------
$LE flip "$img" 24
start_famfsd "$img" "$mnt" "$uuid"
grep -q "entry 24: crc: .*(torn entry: replay waits here and retries)" \
	"$DLOG" || fail "famfsd line: $(cat "$DLOG")"
[ ! -e "$mnt/d24" ] || fail "the torn entry is served"
[ -d "$mnt/d23" ] || fail "entries before it are missing"
[ "$(cli ls "$img" 2>/dev/null | grep -c ' d[0-9]')" = 24 ] ||
	fail "famfs ls does not stop at the torn entry"
expect_errno EROFS mkdir "$mnt/x"
$LE flip "$img" 24 # the writer completes it
wait_for 10 test -d "$mnt/d24" || fail "d24 never appeared"
expect_errno OK mkdir "$mnt/x"
stop_famfsd "$DPID" "$mnt" || fail "famfsd exited $?"
[ "$(fsck_json "$img" "$T/f.json")" = 0 ] || fail "fsck after repair"
log "ok"
