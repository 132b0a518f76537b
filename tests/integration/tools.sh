#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Everyday tools on a master mount (famfsd(8), CREATING FILES): each works,
# with its result checked, while what it writes is not logged yet; on
# logged files the ones that must replace a name fail with EPERM and a log
# line. After unmount and fsck the log holds exactly the names a user saw:
# no temporary, lock, journal or swap file ever reaches it.
source "$(dirname "$0")/lib.sh"
require_fuse
setup
have_cli || skip "famfs CLI not built (needed to list the log)"
need=(rsync git sqlite3 zip unzip make cc tar sed)
for t in "${need[@]}"; do
	command -v "$t" >/dev/null ||
		skip "$t is missing (scripts/deps.sh installs it)"
done
VIM=$(command -v vim || command -v vim.tiny || true)

img=$T/img
mnt=$T/mnt
make_fs "$img" $((8 << 30)) "$T/uuid"
# Nothing settles while the tools run: the results cannot depend on timing.
start_famfsd "$img" "$mnt" "$T/uuid" --settle-ms 600000

# A source tree with modes, subdirectories and a few sizes.
src=$T/src
mkdir -p "$src/a/b" "$src/c"
head -c 3000000 /dev/urandom >"$src/big"
for i in $(seq 20); do head -c $((i * 777)) /dev/urandom >"$src/a/f$i"; done
echo hello >"$src/a/b/hello"
echo script >"$src/c/run.sh"
chmod 0755 "$src/c/run.sh"
chmod 0750 "$src/a/b"
meta() { (cd "$1" && find . -printf '%y %m %p\n' | sort); }
same() { # same SRC DST WHAT: contents and modes
	diff -r "$1" "$2" >/dev/null || fail "$3: contents differ"
	[ "$(meta "$1")" = "$(meta "$2")" ] || fail "$3: modes differ"
	log "ok: $3"
}

# rsync: default (temporary file + rename), --inplace, --delete.
rsync -a "$src/" "$mnt/rs/" || fail "rsync -a: exit $?"
same "$src" "$mnt/rs" "rsync -a"
rsync -a --inplace "$src/" "$mnt/rsi/" || fail "rsync --inplace: exit $?"
same "$src" "$mnt/rsi" "rsync -a --inplace"
mkdir "$mnt/rsd"
rsync -a --delete "$src/" "$mnt/rsd/" || fail "rsync --delete: exit $?"
cp -a "$src" "$T/src2"
rm "$T/src2/a/f3"
echo changed >"$T/src2/a/f4"
rsync -a --delete "$T/src2/" "$mnt/rsd/" || fail "rsync --delete (2): exit $?"
same "$T/src2" "$mnt/rsd" "rsync -a --delete"

# git: clone, then add + commit in the clone.
git init -q "$T/repo"
git -C "$T/repo" -c user.name=t -c user.email=t@t commit -q --allow-empty -m init
cp -r "$src/a" "$T/repo/"
git -C "$T/repo" add -A
git -C "$T/repo" -c user.name=t -c user.email=t@t commit -q -m files
git clone -q "$T/repo" "$mnt/g" || fail "git clone"
echo more >>"$mnt/g/a/f1"
echo new >"$mnt/g/new"
git -C "$mnt/g" add -A || fail "git add"
git -C "$mnt/g" -c user.name=t -c user.email=t@t commit -q -m edit ||
	fail "git commit"
[ "$(git -C "$mnt/g" log --format=%s | head -n 1)" = edit ] || fail "git log"
git -C "$mnt/g" fsck --no-progress 2>/dev/null || fail "git fsck"
[ -z "$(git -C "$mnt/g" status --porcelain)" ] || fail "git status not clean"
log "ok: git clone, add, commit"

# sed -i (temporary file renamed over the original).
printf 'aaa\nbbb\n' >"$mnt/s.txt"
sed -i 's/a/x/g' "$mnt/s.txt" || fail "sed -i"
[ "$(cat "$mnt/s.txt")" = "$(printf 'xxx\nbbb')" ] || fail "sed -i result"
log "ok: sed -i"

# An editor: swap file created, written, removed; the file rewritten.
printf 'one\ntwo\n' >"$mnt/v.txt"
if [ -n "$VIM" ]; then
	(cd "$mnt" && "$VIM" -u NONE -i NONE -es -c '%s/one/uno/' -c 'wq' v.txt) ||
		fail "vim -es"
else
	# vim's steps without vim: .v.txt.swp, backup by rename, new file.
	$PY - "$mnt" <<'PYEOF'
import os, sys
d = sys.argv[1]
swp = os.path.join(d, ".v.txt.swp")
fd = os.open(swp, os.O_CREAT | os.O_EXCL | os.O_RDWR, 0o600)
os.write(fd, b"b0VIM swap")
os.fsync(fd)
os.rename(os.path.join(d, "v.txt"), os.path.join(d, "v.txt~"))
with open(os.path.join(d, "v.txt"), "w") as f:
    f.write("uno\ntwo\n")
    f.flush()
    os.fsync(f.fileno())
os.unlink(os.path.join(d, "v.txt~"))
os.close(fd)
os.unlink(swp)
PYEOF
fi
[ "$(cat "$mnt/v.txt")" = "$(printf 'uno\ntwo')" ] || fail "editor result"
log "ok: editor (${VIM:-emulated})"

# Python: os.replace and NamedTemporaryFile + rename.
$PY - "$mnt" <<'PYEOF'
import os, sys, tempfile
d = sys.argv[1]
with open(os.path.join(d, "t.tmp"), "w") as f:
    f.write("final")
    f.flush()
    os.fsync(f.fileno())
os.replace(os.path.join(d, "t.tmp"), os.path.join(d, "t.final"))
with open(os.path.join(d, "t.tmp"), "w") as f:
    f.write("final2")
os.replace(os.path.join(d, "t.tmp"), os.path.join(d, "t.final"))
with tempfile.NamedTemporaryFile("w", dir=d, delete=False) as f:
    f.write("named")
    name = f.name
os.rename(name, os.path.join(d, "named"))
assert open(os.path.join(d, "t.final")).read() == "final2"
assert open(os.path.join(d, "named")).read() == "named"
PYEOF
[ $? = 0 ] || fail "python"
log "ok: python os.replace, NamedTemporaryFile"

# sqlite3: its rollback journal is created, fsynced and deleted.
sqlite3 "$mnt/db.sqlite" 'create table t(x); insert into t values(1);
	insert into t values(2);' || fail "sqlite3 create/insert"
[ "$(sqlite3 "$mnt/db.sqlite" 'select sum(x) from t')" = 3 ] || fail "sqlite3"
[ ! -e "$mnt/db.sqlite-journal" ] || fail "sqlite journal left"
log "ok: sqlite3"

# tar x, then tar x --overwrite into the same (pending) tree; cp -a; unzip.
tar -C "$T" -cf "$T/src.tar" src
tar -C "$mnt" -xf "$T/src.tar" || fail "tar x"
echo stale >"$mnt/src/a/f5"
tar -C "$mnt" -xf "$T/src.tar" --overwrite || fail "tar x --overwrite"
same "$src" "$mnt/src" "tar x --overwrite"
cp -a "$src" "$mnt/cpa" || fail "cp -a"
same "$src" "$mnt/cpa" "cp -a"
(cd "$T" && zip -qr src.zip src)
unzip -q "$T/src.zip" -d "$mnt/uz" || fail "unzip"
unzip -qo "$T/src.zip" -d "$mnt/uz" || fail "unzip -o"
diff -r "$src" "$mnt/uz/src" >/dev/null || fail "unzip: contents differ"
log "ok: tar, cp -a, unzip"

# make of a small C project in the mount (objects, then the linker).
mkdir "$mnt/proj"
cat >"$mnt/proj/main.c" <<'EOF'
int add(int, int);
int main(void) { return add(2, 3) == 5 ? 0 : 1; }
EOF
echo 'int add(int a, int b) { return a + b; }' >"$mnt/proj/add.c"
printf 'hello: main.o add.o\n\t$(CC) -o $@ main.o add.o\n' >"$mnt/proj/Makefile"
make -s -C "$mnt/proj" || fail "make"
cp "$mnt/proj/hello" "$T/hello" && "$T/hello" || fail "the built program"
# famfs stores no times: make never sees an edit (famfsd(8)); -B rebuilds.
echo 'int add(int a, int b) { return b + a; }' >"$mnt/proj/add.c"
make -s -B -C "$mnt/proj" || fail "make -B (rebuild)"
log "ok: make"

# What the user sees now is what the log must hold after the unmount.
(cd "$mnt" && find . -mindepth 1 -path ./.meta -prune -o -print |
	sed 's|^\./||' | sort) >"$T/seen"
stop_famfsd "$DPID" "$mnt" || fail "famfsd exited $?"
fsck_image "$img" || fail "fsck"
"$FAMFS_CLI" ls -R "$img" | awk '{ print $NF }' | grep -v '^\.meta' |
	sort >"$T/logged"
# check_log SEEN LOGGED: the log holds what the mount showed, and nothing
# named like a temporary of these tools (rsync .name.XXXXXX, sed sedXXXXXX,
# *.tmp, git's *.lock, sqlite's -journal, vim's .swp and ~ backups).
check_log() {
	diff "$1" "$2" || fail "the log differs from what the mount showed"
	if grep -E '\.tmp$|\.lock$|-journal$|\.swp$|~$|(^|/)\.[^/]+\.[A-Za-z0-9]{6}$|(^|/)sed[A-Za-z0-9]{6}$' "$2"; then
		fail "temporary files reached the log"
	fi
	log "ok: the log holds the $(wc -l <"$2") names the mount showed"
}
check_log "$T/seen" "$T/logged"

# Logged files: tools that replace a name fail with EPERM and a log line,
# the file is unchanged, and their temporary files never reach the log.
start_famfsd "$img" "$mnt" "$T/uuid" --settle-ms 600000
cp "$mnt/s.txt" "$T/s.before"
! sed -i 's/x/y/' "$mnt/s.txt" 2>"$T/sed.err" || fail "sed -i on a logged file"
grep -q "Operation not permitted" "$T/sed.err" || fail "sed: $(cat "$T/sed.err")"
cmp -s "$T/s.before" "$mnt/s.txt" || fail "sed changed a logged file"
echo edit >>"$T/repo/a/f2"
rc=0
rsync -a "$T/repo/a/" "$mnt/rs/a/" 2>"$T/rsync.err" || rc=$?
[ "$rc" = 23 ] && grep -q "Operation not permitted" "$T/rsync.err" ||
	fail "rsync onto logged files: exit $rc: $(cat "$T/rsync.err")"
echo x >"$mnt/g/x"
git -C "$mnt/g" add x 2>"$T/git.err" && fail "git add replaced a logged index"
grep -q "refused rename .*name index.lock.*never replaced" "$DLOG" ||
	fail "no log line for git's index rename"
grep -q "refused rename .*name s.txt\|refused rename .*never replaced" "$DLOG" ||
	fail "no log line for sed"
rm "$mnt/g/x"
(cd "$mnt" && find . -mindepth 1 -path ./.meta -prune -o -print |
	sed 's|^\./||' | sort) >"$T/seen2"
stop_famfsd "$DPID" "$mnt" || fail "famfsd exited $?"
"$FAMFS_CLI" ls -R "$img" | awk '{ print $NF }' | grep -v '^\.meta' |
	sort >"$T/logged2"
# git wrote its new object before the index rename failed: a real file.
check_log "$T/seen2" "$T/logged2"
log "ok"
