#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# famfs cp: single files, several into a directory, -r trees, read-back.
. "$(dirname "$0")/lib.sh"

img=$(newfs a.img 8G)
src=$T/src
mkdir -p "$src/sub/deeper" "$src/empty_dir"
: >"$src/zero"
head -c 1 /dev/urandom >"$src/one"
head -c 4095 /dev/urandom >"$src/sub/f4095"
head -c $((2 << 20)) /dev/urandom >"$src/sub/deeper/two_mib"
head -c $(((2 << 20) + 1)) /dev/urandom >"$src/two_mib_plus1"
ln -s one "$src/link"
mkfifo "$src/fifo"
chmod 0600 "$src/one"
chmod 0750 "$src/sub"

# One file, to a new name (a leading '/' is the fs root).
ok famfs cp "$img" "$src/two_mib_plus1" /f1
cmp <(famfs cat "$img" f1) "$src/two_mib_plus1" || fail "f1 content"
# Into an existing directory, keeping the name; mode follows the source.
ok famfs mkdir "$img" dir
ok famfs cp "$img" "$src/one" dir
famfs ls "$img" dir/one | grep -qE '^-rw------- ' || fail "source mode"
cmp <(famfs cat "$img" dir/one) "$src/one" || fail "one content"
# Several sources need an existing directory.
ok famfs cp -m 0640 -u 7 -g 8 "$img" "$src/sub/f4095" \
	"$src/sub/deeper/two_mib" dir
famfs ls "$img" dir/f4095 | grep -qE '^-rw-r----- +7 +8 +4095 ' ||
	fail "-m/-u/-g"
expect 2 "not an existing directory" famfs cp "$img" "$src/one" \
	"$src/sub/f4095" nodir
expect 2 "not an existing directory" famfs cp "$img" "$src/one" \
	"$src/sub/f4095" f1

# Refusals and warnings.
expect 1 "is a directory \(use -r\)" famfs cp "$img" "$src/sub" x
expect 0 "empty file skipped" famfs cp "$img" "$src/zero" z
expect 2 "does not exist" famfs cp "$img" "$src/one" no/such/dir/x
expect 2 "No such file" famfs cp "$img" "$T/missing" x
expect 2 "exists with size 2097153, source has 1" \
	famfs cp "$img" "$src/one" f1
expect 1 "expected DEV SRC... DST" famfs cp "$img" "$src/one"
expect 1 "name too long" famfs cp "$img" "$src/one" \
	"$(printf 'y%.0s' $(seq 80))"

# Same size: rewritten in place, nothing new in the log.
n=$(nentries "$img")
head -c $(((2 << 20) + 1)) /dev/urandom >"$T/new_content"
ok famfs cp "$img" "$T/new_content" f1
cmp <(famfs cat "$img" f1) "$T/new_content" || fail "rewrite"
[ "$(nentries "$img")" = "$n" ] || fail "rewrite logged"

# A tree: directories mirrored with source modes, files byte-identical,
# empty files, symlinks and fifos skipped with a warning.
MULTILINE=1 expect 0 "" famfs cp -r "$img" "$src" tree
grep -q "zero: empty file skipped" "$T/err" || fail "empty warning"
grep -q "link: symbolic link skipped" "$T/err" || fail "link warning"
grep -q "fifo: special file skipped" "$T/err" || fail "fifo warning"
famfs ls -R "$img" tree >"$T/ls"
for f in one two_mib_plus1 sub/f4095 sub/deeper/two_mib; do
	cmp <(famfs cat "$img" "tree/$f") "$src/$f" || fail "tree/$f"
done
grep -qE '^drwxr-x--- .* tree/sub$' "$T/ls" || fail "dir mode"
grep -qE '^d.* tree/empty_dir$' "$T/ls" || fail "empty dir"
grep -qE ' tree/(zero|link|fifo)$' "$T/ls" && fail "skipped entry listed"
[ "$(grep -c . "$T/ls")" = 7 ] || fail "tree entries: $(cat "$T/ls")"
# Copying the tree again into the same place merges (same sizes).
MULTILINE=1 expect 0 "" famfs cp -r "$img" "$src" tree
# -r into an existing directory nests by name; sha256 round trip.
ok famfs cp -r "$img" "$src/sub" dir
(cd "$src/sub" && find . -type f | sort | xargs sha256sum) >"$T/want"
(cd "$src/sub" && find . -type f | sort) | while read -r f; do
	echo "$(famfs cat "$img" "dir/sub/${f#./}" | sha256sum | cut -d' ' -f1)  $f"
done >"$T/got"
diff "$T/want" "$T/got" || fail "sha256 round trip"

# A source that fails mid-copy (sysfs claims 4096 bytes, gives a few):
# nothing is logged, and its space is given back for the next file.
sysf=/sys/kernel/uevent_seqnum
if [ -r "$sysf" ] && [ "$(stat -c %s "$sysf")" -gt "$(wc -c <"$sysf")" ]; then
	n=$(nentries "$img")
	famfs fsck --json "$img" >"$T/before.json"
	expect 2 "file shrank while copying" famfs cp "$img" "$sysf" /shrank
	[ "$(nentries "$img")" = "$n" ] || fail "failed copy logged"
	famfs fsck --json "$img" >"$T/after.json"
	[ "$(jget "$T/before.json" 'd["space"]["used"]')" = \
		"$(jget "$T/after.json" 'd["space"]["used"]')" ] ||
		fail "failed copy leaked space"
	expect 2 "No such file" famfs ls "$img" shrank
else
	echo "note: $sysf unusable here; failed-copy check not run"
fi

# Progress: a line on a terminal (script(1) provides one), none otherwise.
FAMFS_PROGRESS_MIN=1m script -qec \
	"$FAMFS_BIN cp $img $src/two_mib_plus1 /prog1" /dev/null >"$T/tty"
grep -q "copying: 2 / 2 MiB (100%)" "$T/tty" || fail "no progress on a tty"
FAMFS_PROGRESS_MIN=1m famfs cp "$img" "$src/two_mib_plus1" /prog2 \
	2>"$T/err2"
[ ! -s "$T/err2" ] || fail "progress without a terminal: $(cat "$T/err2")"
cmp <(famfs cat "$img" prog1) "$src/two_mib_plus1" || fail "prog1"
ok famfs fsck "$img"
echo "cp: ok"
