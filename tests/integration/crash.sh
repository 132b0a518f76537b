#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Crash safety: kill -9 famfsd at seeded random points during a create
# storm that also deletes, renames and atomically replaces finished files.
# Every time, the image mounts again, fsck is clean, every file whose
# fsync() and close() had returned and that was not deleted or renamed
# afterwards is present with its exact bytes, and no deleted one is.
# fsync() does not log a file (famfsd(8), DURABILITY): the recovery journal
# carries it over the crash. Then a cp -r-like writer (no fsync) into a
# busy new tree: every file the journal held when famfsd died survives,
# with its parents, and the famfs CLI refuses to append meanwhile.
source "$(dirname "$0")/lib.sh"
require_fuse
setup

SEED=${ITEST_SEED:-20261125}
ITER=${ITEST_CRASH_ITER:-6}
RANDOM=$SEED
log "seed $SEED, $ITER iterations"

img=$T/img
mnt=$T/mnt
# Every file takes a 2 MiB unit and the rounds add up: on the io_uring
# transport the writer creates ~400 files per round, so 4 GiB ran full.
make_fs "$img" $((16 << 30)) "$T/uuid"
: >"$T/done"

for it in $(seq "$ITER"); do
	start_famfsd "$img" "$mnt" "$T/uuid"
	before=$(wc -l <"$T/done")
	$PY "$ITEST_DIR/storm.py" write "$mnt/it$it" "$T/done" \
		$((SEED + it)) >"$T/writer.log" 2>&1 &
	wpid=$!
	# Kill 0..1500 ms after this round's first completed file.
	wait_for 20 bash -c "[ \$(wc -l <'$T/done') -gt $before ]" || {
		cat "$T/writer.log" "$DLOG"
		fail "iteration $it: no file completed in 20 s"
	}
	ms=$((RANDOM % 1500))
	sleep "$((ms / 1000)).$(printf %03d $((ms % 1000)))"
	kill -0 "$wpid" 2>/dev/null || {
		cat "$T/writer.log"
		fail "the writer stopped before the crash"
	}
	kill -KILL "$DPID"
	wait "$DPID" 2>/dev/null || true
	# The writer sees ENOTCONN and stops; make sure it is gone.
	for n in $(seq 100); do
		kill -0 "$wpid" 2>/dev/null || break
		sleep 0.05
	done
	kill -KILL "$wpid" 2>/dev/null || true
	wait "$wpid" 2>/dev/null || true
	unmount "$mnt"
	is_mounted "$mnt" && fail "dead mount still there"
	log "iteration $it: $(wc -l <"$T/done") files completed in total"

	fsck_image "$img" || fail "fsck after crash $it"
	start_famfsd "$img" "$mnt" "$T/uuid"
	before=$(wc -l <"$T/done")
	$PY "$ITEST_DIR/storm.py" check "$mnt" "$T/done" ||
		fail "completed files lost or damaged after crash $it"
	# The namespace stays writable after recovery.
	echo ok >"$mnt/after$it"
	[ "$(cat "$mnt/after$it")" = ok ] || fail "write after crash $it"
	stop_famfsd "$DPID" "$mnt" || fail "famfsd exited $?"
done
[ "$(wc -l <"$T/done")" -gt 0 ] || fail "no file completed at all"

# The tightest case: SIGKILL the instant fsync() + close() return.
for i in $(seq 5); do
	start_famfsd "$img" "$mnt" "$T/uuid"
	$PY - "$mnt/quick$i" "$DPID" <<'PYEOF'
import os, sys
fd = os.open(sys.argv[1], os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
os.write(fd, b"quick")
os.fsync(fd)
os.close(fd)
os.kill(int(sys.argv[2]), 9)
PYEOF
	wait "$DPID" 2>/dev/null || true
	unmount "$mnt"
	start_famfsd "$img" "$mnt" "$T/uuid"
	[ "$(cat "$mnt/quick$i" 2>/dev/null)" = quick ] ||
		fail "quick$i: fsynced and closed, famfsd killed: the file is lost"
	stop_famfsd "$DPID" "$mnt" || fail "famfsd exited $?"
done
fsck_image "$img" || fail "fsck after the quick kills"

# cp -r's pattern: nothing is fsynced and the new top directory stays busy,
# so nothing can be logged; files that settled are journaled. Kill famfsd
# once some are; those (a prefix in close order) must survive.
start_famfsd "$img" "$mnt" "$T/uuid" --settle-ms 200
: >"$T/tree"
$PY "$ITEST_DIR/storm.py" tree "$mnt/tree" "$T/tree" "$SEED" \
	>"$T/writer.log" 2>&1 &
wpid=$!
wait_for 30 bash -c "[ \"\$(awk '\$1 == \"journaled_files\" { print \$2 }' '$mnt/.meta/.stats')\" -ge 20 ]" ||
	fail "no file journaled under a busy new directory"
kept=$(meta_stat "$mnt" journaled_files)
kill -KILL "$DPID"
wait "$DPID" 2>/dev/null || true
kill -KILL "$wpid" 2>/dev/null || true
wait "$wpid" 2>/dev/null || true
unmount "$mnt"
log "tree: $kept files journaled of $(wc -l <"$T/tree") closed at the kill"
# The journal holds space the log does not show: the CLI must not append.
if have_cli; then
	out=$("$FAMFS_CLI" --system-uuid-file "$T/uuid" mkdir "$img" nope 2>&1) &&
		fail "famfs mkdir appended while the journal holds files"
	[[ $out == *"recovery journal"* ]] || fail "CLI refusal: $out"
fi
start_famfsd "$img" "$mnt" "$T/uuid"
grep -q "journal: recovered" "$DLOG" || fail "nothing recovered from the journal"
$PY "$ITEST_DIR/storm.py" check "$mnt" "$T/tree" "$kept" ||
	fail "journaled files lost or damaged by the crash"
stop_famfsd "$DPID" "$mnt" || fail "famfsd exited $?"
fsck_image "$img" || fail "final fsck"
[ -z "$(ls -A "$FAMFS_JOURNAL_DIR")" ] ||
	fail "a journal remains after a clean stop: $(ls -A "$FAMFS_JOURNAL_DIR")"
if have_cli; then
	"$FAMFS_CLI" --system-uuid-file "$T/uuid" mkdir "$img" yes ||
		fail "the CLI still refuses after famfsd replayed the journal"
fi

# A journal older than the log: its file's space was reused since (the
# file was deleted after recovery, and another took its place), so the
# record is dropped with a warning, never served over the new file.
fsync_file() {
	$PY -c 'import os, sys
fd = os.open(sys.argv[1], os.O_CREAT | os.O_WRONLY, 0o644)
os.write(fd, sys.argv[2].encode() * 1000)
os.fsync(fd)' "$@"
}
# crash_after_fsync IMG NAME CHAR: mount, fsync NAME, kill -9 famfsd.
crash_after_fsync() {
	start_famfsd "$1" "$mnt" "$T/uuid"
	fsync_file "$mnt/$2" "$3"
	kill -KILL "$DPID"
	wait "$DPID" 2>/dev/null || true
	unmount "$mnt"
}
crash_after_fsync "$img" old A
jnl=$(ls "$FAMFS_JOURNAL_DIR"/*.journal)
cp "$jnl" "$T/old.journal"
start_famfsd "$img" "$mnt" "$T/uuid" --settle-ms 600000
rm "$mnt/old"
fsync_file "$mnt/new" B
stop_famfsd "$DPID" "$mnt" || fail "famfsd exited $?"
cp "$T/old.journal" "$jnl"
start_famfsd "$img" "$mnt" "$T/uuid"
grep -q "journal: old: its space is in use now" "$DLOG" ||
	fail "stale journal record not dropped: $(cat "$DLOG")"
[ ! -e "$mnt/old" ] || fail "a stale journal record came back"
[ "$(head -c 3 "$mnt/new")" = BBB ] || fail "new file damaged"
stop_famfsd "$DPID" "$mnt" || fail "famfsd exited $?"
# Another file system's journal under this one's name is set aside.
img2=$T/img2
make_fs "$img2" $((4 << 30)) "$T/uuid"
crash_after_fsync "$img2" x X
jnl2=$(ls "$FAMFS_JOURNAL_DIR"/*.journal)
mv "$jnl2" "$jnl"
start_famfsd "$img" "$mnt" "$T/uuid"
grep -q "written for another file system or device; moved aside" "$DLOG" ||
	fail "foreign journal not refused: $(cat "$DLOG")"
[ -e "$jnl.rejected" ] && [ ! -e "$mnt/x" ] || fail "foreign journal used"
stop_famfsd "$DPID" "$mnt" || fail "famfsd exited $?"
fsck_image "$img" || fail "fsck after the stale journals"
log "ok"
