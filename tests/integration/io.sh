#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Ordinary tools on the master: create/read/write, mmap, cp -r, tar x,
# cp -a, rsync; stat, ls -l and df; everything reads back the same after
# unmount + remount.
source "$(dirname "$0")/lib.sh"
require_fuse
setup

img=$T/img
size=$((4 << 30))
mnt=$T/mnt
make_fs "$img" $size "$T/uuid"
start_famfsd "$img" "$mnt" "$T/uuid"
[ "$(meta_stat "$mnt" role)" = master ] || fail "not master"

df_bytes() { # total used
	$PY -c 'import os,sys; s=os.statvfs(sys.argv[1]);
print(s.f_blocks*s.f_frsize, (s.f_blocks-s.f_bfree)*s.f_frsize)' "$1"
}
read -r df_size df_used0 < <(df_bytes "$mnt")
[ "$df_size" = $size ] || fail "statfs size $df_size, want $size"
# Superblock + log are in use from the start.
[ "$df_used0" -ge $((10 << 20)) ] || fail "statfs used $df_used0 < 10 MiB"
df -h "$mnt"

# -- create, write, read --------------------------------------------------
echo hello >"$mnt/hello"
[ "$(cat "$mnt/hello")" = hello ] || fail "hello reads back wrong"
mkdir "$mnt/dir"
mkdir -m 0700 "$mnt/dir/private"
[ "$(stat -c '%a %F' "$mnt/dir/private")" = "700 directory" ] ||
	fail "mkdir -m 0700: $(stat -c '%a %F' "$mnt/dir/private")"
head -c 3000000 /dev/urandom >"$T/rand"
dd if="$T/rand" of="$mnt/dir/rand" bs=64k status=none
cmp "$T/rand" "$mnt/dir/rand" || fail "dd'd file differs"
[ "$(stat -c '%s %a %F %u %g' "$mnt/dir/rand")" = \
	"3000000 644 regular file 0 0" ] ||
	fail "stat dir/rand: $(stat -c '%s %a %F %u %g' "$mnt/dir/rand")"
ls -l "$mnt/dir" | grep -E '^-rw-r--r-- +1 root root +3000000 .* rand$' ||
	fail "ls -l: $(ls -l "$mnt/dir")"
# A logged file can be rewritten in place within its size.
printf 'HELLO' | dd of="$mnt/dir/rand" conv=notrunc status=none
printf 'HELLO' | dd of="$T/rand" conv=notrunc status=none
cmp "$T/rand" "$mnt/dir/rand" || fail "in-place rewrite differs"

# -- mmap -----------------------------------------------------------------
$PY - "$mnt" <<'EOF'
import mmap, os, sys
mnt = sys.argv[1]
# Size once with ftruncate, fill through a shared mapping, close: logged.
fd = os.open(mnt + "/mapped", os.O_CREAT | os.O_EXCL | os.O_RDWR, 0o600)
os.ftruncate(fd, 1 << 20)
m = mmap.mmap(fd, 1 << 20, mmap.MAP_SHARED, mmap.PROT_READ | mmap.PROT_WRITE)
for i in range(0, 1 << 20, 4096):
    m[i:i + 8] = (i // 4096).to_bytes(8, "little")
m.flush()
m.close()
os.close(fd)
# Read it back with read(2) and with a read-only mapping.
with open(mnt + "/mapped", "rb") as f:
    data = f.read()
assert len(data) == 1 << 20, len(data)
for i in range(0, 1 << 20, 4096):
    assert data[i:i + 8] == (i // 4096).to_bytes(8, "little"), i
    assert data[i + 8:i + 4096] == bytes(4088), i
with open(mnt + "/dir/rand", "rb") as f:
    m = mmap.mmap(f.fileno(), 0, mmap.MAP_SHARED, mmap.PROT_READ)
    with open(mnt + "/dir/rand", "rb") as g:
        assert m[:] == g.read()
    m.close()
print("mmap ok")
EOF
[ "$(stat -c '%s %a' "$mnt/mapped")" = "1048576 600" ] ||
	fail "mapped: $(stat -c '%s %a' "$mnt/mapped")"

# -- cp -r ------------------------------------------------------------------
src=$T/src
mkdir -p "$src/sub/deeper"
: >"$src/empty"
head -c 1 /dev/urandom >"$src/one"
head -c 4095 /dev/urandom >"$src/sub/b4095"
head -c $((2 << 20)) /dev/urandom >"$src/sub/m2"
head -c $(((2 << 20) + 1)) /dev/urandom >"$src/sub/deeper/m2p1"
head -c $((100 << 20)) /dev/urandom >"$src/big100m"
cp -r "$src" "$mnt/tree"
for f in one sub/b4095 sub/m2 sub/deeper/m2p1 big100m; do
	cmp "$src/$f" "$mnt/tree/$f" || fail "cp -r: $f differs"
	[ "$(stat -c %s "$mnt/tree/$f")" = "$(stat -c %s "$src/$f")" ] ||
		fail "cp -r: size of $f"
done
# famfs cannot log an empty file: closed empty, it goes away once it has
# settled (famfsd(8)), and is not there after a remount either.
wait_for 10 test ! -e "$mnt/tree/empty" || fail "an empty file stayed"

# -- tar x, cp -a, rsync -a: modes and owners fixed after create ------------
mkdir -p "$T/tsrc/t/a/b" "$T/tsrc/t/c"
for i in $(seq 20); do
	head -c $((i * 1000 + 7)) /dev/urandom >"$T/tsrc/t/a/f$i"
done
head -c 5000000 /dev/urandom >"$T/tsrc/t/a/b/five"
echo "text" >"$T/tsrc/t/c/readme"
chmod 0600 "$T/tsrc/t/c/readme"
chown 1234:5678 "$T/tsrc/t/a/f3"
chmod 0750 "$T/tsrc/t/a/b"
chmod 01777 "$T/tsrc/t/c"
tar -C "$T/tsrc" -cf "$T/t.tar" t
meta() { (cd "$1" && find . -printf '%y %m %u %g %p\n' | sort); }
meta "$T/tsrc/t" >"$T/meta.src"
# Plain tar x as root: directories are made 0700, then chmod'ed at the end.
tar -C "$mnt" -xf "$T/t.tar"
mkdir "$mnt/cpa"
cp -a "$T/tsrc/t" "$mnt/cpa/"
# rsync renames a temporary file unless --inplace (famfs never renames).
rsync -a --inplace "$T/tsrc/t/" "$mnt/rs/"
for d in t cpa/t rs; do
	diff -r "$T/tsrc/t" "$mnt/$d" || fail "$d: contents differ"
	meta "$mnt/$d" | diff "$T/meta.src" - || fail "$d: modes/owners differ"
done
# cp -p of a file: mode, owner and times of a file still being written.
cp -p "$T/tsrc/t/a/f3" "$mnt/cpp"
[ "$(stat -c '%a %u %g %s' "$mnt/cpp")" = "644 1234 5678 3007" ] ||
	fail "cp -p: $(stat -c '%a %u %g %s' "$mnt/cpp")"

# Pending objects still hold their growth reservations: let them settle.
none_pending() { [ "$(meta_stat "$mnt" pending)" = 0 ]; }
wait_for 60 none_pending ||
	fail "objects still pending: $(meta_stat "$mnt" pending)"
read -r _ df_used1 < <(df_bytes "$mnt")
[ "$df_used1" -ge $((df_used0 + (100 << 20))) ] ||
	fail "statfs used grew from $df_used0 to $df_used1 only"
df -h "$mnt"

# -- remount: same bytes ----------------------------------------------------
(cd "$mnt" && find . -path ./.meta -prune -o -type f -print0 | sort -z |
	xargs -0 sha256sum) >"$T/sums.before"
(cd "$mnt" && find . -path ./.meta -prune -o -printf '%y %m %s %p\n' |
	sort) >"$T/tree.before"
stop_famfsd "$DPID" "$mnt" || fail "famfsd exited $?"
start_famfsd "$img" "$mnt" "$T/uuid"
(cd "$mnt" && sha256sum -c --quiet "$T/sums.before") ||
	fail "sha256sums changed across remount"
(cd "$mnt" && find . -path ./.meta -prune -o -printf '%y %m %s %p\n' |
	sort) >"$T/tree.after"
diff "$T/tree.before" "$T/tree.after" || fail "tree changed across remount"
[ ! -e "$mnt/tree/empty" ] || fail "the empty file came back"
[ "$(wc -l <"$T/sums.before")" -ge 70 ] || fail "too few files summed"
# Modes and owners as logged (not just as the kernel cached them).
for d in t cpa/t rs; do
	meta "$mnt/$d" | diff "$T/meta.src" - || fail "$d: modes after remount"
done
read -r _ df_used2 < <(df_bytes "$mnt")
[ "$df_used2" = "$df_used1" ] || fail "used $df_used1 became $df_used2"
stop_famfsd "$DPID" "$mnt" || fail "famfsd exited $?"
fsck_image "$img" || fail "fsck after the session"
log "ok"
