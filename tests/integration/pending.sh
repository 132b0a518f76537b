#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Objects that are not logged yet are ordinary files and directories:
# rename (replace, RENAME_NOREPLACE, RENAME_EXCHANGE, directories with
# children), unlink and rmdir work and give the log slot and the space
# back at once; a logged name still refuses with EPERM and a log line and
# leaves the pending source intact. st_ino stays the same when an object
# is logged; du agrees with df; nothing removed ever reaches the log.
source "$(dirname "$0")/lib.sh"
require_fuse
setup
have_cli || skip "famfs CLI not built (needed for ls of the log)"

img=$T/img
mnt=$T/mnt
make_fs "$img" $((4 << 30)) "$T/uuid"
op() { $PY "$ITEST_DIR/errop.py" "$@"; }
ffree() { stat -f -c %f "$mnt"; }   # free 2 MiB blocks
fslots() { stat -f -c %d "$mnt"; }  # free log slots (pending counted)
du_df() {
	local du df
	du=$(du -sB1 "$mnt" | cut -f1)
	df=$(df -B1 --output=used "$mnt" | tail -n 1 | tr -d ' ')
	[ "$du" = "$df" ] || fail "$1: du says $du bytes, df says $df"
	log "ok: $1: du = df = $du"
}

# Phase 1: something logged to collide with (a remount logs everything).
start_famfsd "$img" "$mnt" "$T/uuid"
mkdir "$mnt/logged"
echo keep >"$mnt/logged/old"
stop_famfsd "$DPID" "$mnt" || fail "famfsd exited $?"

# Phase 2: nothing settles during the checks (a long settle interval).
start_famfsd "$img" "$mnt" "$T/uuid" --settle-ms 600000
blocks0=$(ffree)
slots0=$(fslots)

# Write-temp-then-rename, onto a free name and onto a pending one.
echo one >"$mnt/a.tmp"
mv "$mnt/a.tmp" "$mnt/a"
[ "$(cat "$mnt/a")" = one ] && [ ! -e "$mnt/a.tmp" ] || fail "rename a.tmp"
head -c 5000000 /dev/urandom >"$T/two"
cp "$T/two" "$mnt/b.tmp"
ino_b=$(stat -c %i "$mnt/b.tmp")
mv "$mnt/b.tmp" "$mnt/a"
cmp "$T/two" "$mnt/a" || fail "atomic replace: wrong bytes"
[ "$(stat -c %i "$mnt/a")" = "$ino_b" ] || fail "replace: the inode moved"
[ "$(ls "$mnt" | tr '\n' ' ')" = "a logged " ] || fail "ls: $(ls "$mnt")"
# Only one file's space and slot remain in use.
[ "$(fslots)" = $((slots0 - 1)) ] || fail "slots: $(fslots), want $((slots0 - 1))"
du_df "pending files"

# RENAME_NOREPLACE and RENAME_EXCHANGE.
echo three >"$mnt/c"
expect_errno EEXIST rename2 "$mnt/c" "$mnt/a" noreplace
expect_errno OK rename2 "$mnt/c" "$mnt/a" exchange
[ "$(cat "$mnt/a")" = three ] && cmp -s "$T/two" "$mnt/c" ||
	fail "exchange did not swap a and c"
expect_errno OK rename2 "$mnt/c" "$mnt/d" noreplace
[ ! -e "$mnt/c" ] && cmp -s "$T/two" "$mnt/d" || fail "noreplace rename"

# A pending directory with pending children moves as a whole.
mkdir -p "$mnt/t/sub/deeper"
echo leaf >"$mnt/t/sub/deeper/leaf"
mv "$mnt/t" "$mnt/logged/t2"
[ "$(cat "$mnt/logged/t2/sub/deeper/leaf")" = leaf ] || fail "moved tree"
[ ! -e "$mnt/t" ] || fail "old name of the tree still there"
expect_errno EINVAL rename "$mnt/logged/t2" "$mnt/logged/t2/sub/x"
expect_errno ENOTEMPTY rmdir "$mnt/logged/t2/sub"
expect_errno ENOTDIR rmdir "$mnt/logged/t2/sub/deeper/leaf"
expect_errno EISDIR unlink "$mnt/logged/t2/sub"
mkdir "$mnt/e1" "$mnt/e2"
echo x >"$mnt/e2/x"
expect_errno ENOTEMPTY rename "$mnt/e1" "$mnt/e2"
expect_errno OK rename "$mnt/e2" "$mnt/e1"
[ "$(cat "$mnt/e1/x")" = x ] || fail "directory replace"
# famfs paths are at most 79 bytes, for everything below a moved dir too.
long=$(printf 'n%.0s' $(seq 60))
expect_errno ENAMETOOLONG rename "$mnt/logged/t2" "$mnt/logged/$long"

# fsync does not log: the file stays renamable and deletable.
$PY - "$mnt" <<'PYEOF'
import os, sys
d = sys.argv[1]
for n in ("synced", "synced2"):
    fd = os.open(os.path.join(d, n), os.O_CREAT | os.O_WRONLY, 0o644)
    os.write(fd, b"s" * 5000)
    os.fsync(fd)
    os.close(fd)
os.rename(os.path.join(d, "synced"), os.path.join(d, "synced.moved"))
os.unlink(os.path.join(d, "synced.moved"))
os.rename(os.path.join(d, "synced2"), os.path.join(d, "src"))
PYEOF
[ "$(meta_stat "$mnt" journaled_files)" = 1 ] || fail "fsynced file not journaled"
echo src >"$mnt/src"

# Logged names: refused with EPERM and a log line, the source intact.
echo src >"$mnt/src"
expect_errno EPERM rename "$mnt/src" "$mnt/logged/old"
expect_errno EPERM rename "$mnt/logged/old" "$mnt/old2"
expect_errno EPERM unlink "$mnt/logged/old"
expect_errno EPERM rmdir "$mnt/logged"
expect_errno EPERM rename "$mnt/src" "$mnt/.meta/x"
[ "$(cat "$mnt/src")" = src ] && [ "$(cat "$mnt/logged/old")" = keep ] ||
	fail "a refused rename changed something"
grep -q "refused rename .*name src.*a logged name is never replaced" "$DLOG" ||
	fail "no log line for the refused rename"

# unlink and rmdir give slot and space back at once.
rm -r "$mnt/logged/t2" "$mnt/e1" "$mnt/src" "$mnt/d" "$mnt/a"
[ "$(ffree)" = "$blocks0" ] || fail "space not back: $(ffree) != $blocks0"
[ "$(fslots)" = "$slots0" ] || fail "slots not back: $(fslots) != $slots0"
[ "$(meta_stat "$mnt" pending)" = 0 ] || fail "pending objects remain"
# Removed while open: usable until closed, space back at the last close.
$PY - "$mnt/open" <<'PYEOF'
import os, sys
p = sys.argv[1]
fd = os.open(p, os.O_CREAT | os.O_RDWR, 0o600)
os.write(fd, b"x" * 3000000)
os.unlink(p)
assert not os.path.exists(p)
os.write(fd, b"y" * 3000000)
assert os.fstat(fd).st_nlink == 0
assert os.pread(fd, 4, 2999998) == b"xxyy", "unlinked file lost its bytes"
os.close(fd)
PYEOF
[ "$(ffree)" = "$blocks0" ] || fail "space of an unlinked open file kept"

# Keepers for the log, and an identity that must not change.
mkdir "$mnt/keep"
echo k >"$mnt/keep/k.tmp"
mv "$mnt/keep/k.tmp" "$mnt/keep/k"
ino_k=$(stat -c %i "$mnt/keep/k")
ino_dir=$(stat -c %i "$mnt/keep")
stop_famfsd "$DPID" "$mnt" || fail "famfsd exited $?"

# Phase 3: st_ino survives logging for the mount's life.
start_famfsd "$img" "$mnt" "$T/uuid" --settle-ms 100
mkdir "$mnt/id"
echo i >"$mnt/id/f"
ino1=$(stat -c %i "$mnt/id/f")
dino1=$(stat -c %i "$mnt/id")
wait_for 20 bash -c "[ \"\$(awk '\$1 == \"pending\" { print \$2 }' '$mnt/.meta/.stats')\" = 0 ]" ||
	fail "id/f not logged"
[ "$(stat -c %i "$mnt/id/f")" = "$ino1" ] || fail "st_ino changed when logged"
[ "$(stat -c %i "$mnt/id")" = "$dino1" ] || fail "dir st_ino changed"
[ "$(ls -i "$mnt/id" | awk '{ print $1 }')" = "$ino1" ] || fail "readdir ino"
[ "$(cd "$mnt/id" && stat -c %i ..)" = "$(stat -c %i "$mnt")" ] || fail ".."
[ "$(cat "$mnt/id/f")" = i ] || fail "read after logging"
# A pending child of a logged directory; held open, so it cannot settle
# (the settle interval here is short).
exec 4>"$mnt/id/g"
echo j >&4
expect_errno EPERM rename "$mnt/id/f" "$mnt/id/f2"
du_df "logged files"
# Logged objects cannot be removed, but a new name under them can.
expect_errno OK rename "$mnt/id/g" "$mnt/id/g2"
exec 4>&-
stop_famfsd "$DPID" "$mnt" || fail "famfsd exited $?"

# Later mounts (and other hosts) see 16 + log index.
start_famfsd "$img" "$mnt" "$T/uuid"
ino2=$(stat -c %i "$mnt/id/f")
[ "$ino2" != "$ino1" ] && [ "$ino2" -lt 4611686018427387904 ] ||
	fail "remount ino $ino2"
[ "$ino_k" != "$(stat -c %i "$mnt/keep/k")" ] || fail "keep/k ino $ino_k"
: "$ino_dir"
stop_famfsd "$DPID" "$mnt" || fail "famfsd exited $?"

# A file fsynced over and over (a database kept open): the journal is
# compacted in place and stays small; a kill -9 keeps the last fsync.
start_famfsd "$img" "$mnt" "$T/uuid"
$PY - "$mnt/id/db" "$DPID" <<'PYEOF'
import os, sys
fd = os.open(sys.argv[1], os.O_CREAT | os.O_WRONLY, 0o644)
for i in range(4500):
    os.write(fd, b"%c" % (65 + i % 26))
    os.fsync(fd)
os.kill(int(sys.argv[2]), 9)
PYEOF
wait "$DPID" 2>/dev/null || true
unmount "$mnt"
jsize=$(stat -c %s "$FAMFS_JOURNAL_DIR"/*.journal)
[ "$jsize" -lt $((4096 * 408)) ] || fail "journal not compacted: $jsize bytes"
start_famfsd "$img" "$mnt" "$T/uuid"
[ "$(stat -c %s "$mnt/id/db")" = 4500 ] || fail "id/db: $(stat -c %s "$mnt/id/db") bytes"
stop_famfsd "$DPID" "$mnt" || fail "famfsd exited $?"

# SIGTERM while a writer holds a file open: it is carried over in the
# journal, not frozen half-written in the log; the next start has it.
start_famfsd "$img" "$mnt" "$T/uuid"
exec 3>"$mnt/id/open"
echo half >&3
term_famfsd "$DPID"
exec 3>&-
unmount "$mnt"
"$FAMFS_CLI" ls -R "$img" | grep -q 'id/open$' && fail "an open file was logged"
! "$FAMFS_CLI" --system-uuid-file "$T/uuid" mkdir "$img" nope 2>/dev/null ||
	fail "the CLI appended over a carried-over file"
start_famfsd "$img" "$mnt" "$T/uuid" --settle-ms 600000
[ "$(cat "$mnt/id/open")" = half ] || fail "carried-over file lost"
rm "$mnt/id/open" # still pending: the user can drop it
stop_famfsd "$DPID" "$mnt" || fail "famfsd exited $?"

# journal_dir from the config file wins over $FAMFS_JOURNAL_DIR.
printf '[famfsd]\njournal_dir = %s\n' "$T/jc" >"$T/conf"
start_famfsd "$img" "$mnt" "$T/uuid" -c "$T/conf"
$PY -c 'import os, sys
fd = os.open(sys.argv[1], os.O_CREAT | os.O_WRONLY, 0o644)
os.write(fd, b"j")
os.fsync(fd)' "$mnt/id/j"
kill -KILL "$DPID"
wait "$DPID" 2>/dev/null || true
unmount "$mnt"
ls "$T/jc/"*.journal >/dev/null || fail "no journal in the configured dir"
[ -z "$(ls -A "$FAMFS_JOURNAL_DIR" 2>/dev/null)" ] || fail "journal in \$FAMFS_JOURNAL_DIR"
start_famfsd "$img" "$mnt" "$T/uuid" -c "$T/conf"
[ "$(cat "$mnt/id/j")" = j ] || fail "fsynced id/j lost by kill -9"
stop_famfsd "$DPID" "$mnt" || fail "famfsd exited $?"

fsck_image "$img" || fail "fsck"
"$FAMFS_CLI" ls -R "$img" | awk '{ print $NF }' | grep -v '^\.meta' |
	sort >"$T/log.names"
printf '%s\n' id id/db id/f id/g2 id/j keep keep/k logged logged/old | sort |
	diff - "$T/log.names" || fail "the log holds other names than the kept ones"
log "ok"
