#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# famfs fsck: clean images, JSON, corrupt entries, collisions, bad metadata.
. "$(dirname "$0")/lib.sh"

img=$(newfs a.img 8G)
ok famfs fsck "$img"
grep -q "^$img: clean" "$T/out" || fail "clean line"
grep -q "0 of 15420 entries used, 15420 free" "$T/out" || fail "log usage"
grep -q "8.0 GiB, 8589934592 bytes" "$T/out" || fail "device size"
ok famfs fsck -v "$img"
grep -q "cache flush" "$T/out" || fail "-v detail"

ok famfs mkdir -p "$img" a/b c
ok famfs creat -s 4097 -S 3 "$img" a/f
famfs fsck --json "$img" >"$T/j"
py -c 'import json,sys; json.load(open(sys.argv[1]))' "$T/j"
[ "$(jget "$T/j" 'd["clean"]')" = True ] || fail clean
[ "$(jget "$T/j" 'd["files"], d["dirs"], d["log"]["entries_used"]')" = \
	"1 3 4" ] || fail counts
[ "$(jget "$T/j" 'd["space"]["file_bytes"]')" = 4097 ] || fail bytes
# sb + 8 MiB log + one 2 MiB unit
[ "$(jget "$T/j" 'd["space"]["used"]')" = $((12 << 20)) ] || fail used

# A flipped byte inside entry 1 (mkdir a/b), good entries after it: corrupt.
# fsck names it once, exits 1 and checks the entries after it (every reader
# skips it the same way).
cp --sparse=always "$img" "$T/bad.img"
flip_byte "$T/bad.img" $(($(entry_off 1) + 100))
expect 1 "" famfs fsck "$T/bad.img"
grep -q "entry 1: " "$T/out" || fail "entry 1 not named: $(cat "$T/out")"
grep -qE "errors? found" "$T/err" || fail "no error summary"
famfs fsck --json "$T/bad.img" >"$T/j" 2>/dev/null && fail "json exit 0"
[ "$(jget "$T/j" 'd["log"]["entries_used"], d["files"], d["dirs"]')" = \
	"4 1 2" ] || fail "entries after the bad one"
[ "$(jget "$T/j" 'd["errors"][0]["index"]')" = 1 ] || fail "json index"
[ "$(jget "$T/j" 'd["errors"][0]["kind"]')" = corrupt ] || fail "json kind"
[ "$(jget "$T/j" 'd["bad_entries"], d["corrupt"], d["errors_total"]')" = \
	"1 1 1" ] || fail "json counts"
[ "$(jget "$T/j" 'd["clean"]')" = False ] || fail "json clean"
famfs fsck "$T/bad.img" >"$T/out" 2>/dev/null || true
grep -q "bad entries   1 (0 collisions, 1 corrupt, 0 invalid)" "$T/out" ||
	fail "bad entry count: $(cat "$T/out")"
[ "$(grep -c "error: " "$T/out")" = 1 ] || fail "one error line"
grep -q "corrupt entry skipped" "$T/out" || fail "policy not named"
# Writers refuse a log with a corrupt entry; readers skip it, and say so.
MULTILINE=1 expect 2 "corrupt entry: metadata is read-only" \
	famfs mkdir "$T/bad.img" x
ok famfs ls "$T/bad.img"
grep -q "entry 1: crc: .*corrupt entry skipped" "$T/err" ||
	fail "ls does not warn: $(cat "$T/err")"
grep -q " c$" "$T/out" || fail "ls lost the entries after it"
ok famfs logdump "$T/bad.img"
grep -q "BAD: " "$T/out" || fail "logdump does not flag the entry"

# A collision: make entry 4 (a second file) claim the first file's unit,
# with a correct CRC, as a cross-linked image would.
ok famfs creat -s 1m "$img" g
py - "$img" <<'PY'
import struct, sys, zlib
f = open(sys.argv[1], "r+b")
base = 2 * 1024 * 1024 + 48
def entry(i):
    f.seek(base + 544 * i)
    return bytearray(f.read(544))
a, b = entry(3), entry(4)
b[136:160] = a[136:160]  # se[0] = {devindex, offset, len}
struct.pack_into("<Q", b, 536, zlib.crc32(bytes(b[:536])))
f.seek(base + 544 * 4)
f.write(b)
PY
expect 1 "" famfs fsck "$img"
grep -q "bad entries   1 (1 collisions, 0 corrupt, 0 invalid)" "$T/out" ||
	fail "collision count: $(cat "$T/out")"
grep -q "entry 4: fmap: .*held by entry 3 (collision: not served" "$T/out" ||
	fail "collision entry: $(cat "$T/out")"
[ "$(grep -c "error: " "$T/out")" = 1 ] || fail "one error line"
famfs fsck --json "$img" >"$T/j" 2>/dev/null && fail "json exit 0"
[ "$(jget "$T/j" 'd["bad_entries"], d["collisions"], d["errors_total"]')" = \
	"1 1 1" ] || fail "json collision counts"

# The last entry torn: every reader stops there; fsck says so, exits 1.
img3=$(newfs t.img 8G)
ok famfs mkdir "$img3" p q
flip_byte "$img3" $(($(entry_off 1) + 100))
expect 1 "" famfs fsck "$img3"
grep -q "torn entry    1: replay waits there" "$T/out" || fail "torn line"
grep -q "bad entries   0 " "$T/out" || fail "torn counted as bad"
famfs fsck --json "$img3" >"$T/j" 2>/dev/null && fail "json exit 0"
[ "$(jget "$T/j" 'd["torn"], d["errors"][0]["kind"], d["errors_total"]')" = \
	"True torn 1" ] || fail "json torn"
MULTILINE=1 expect 2 "ends in a torn entry" famfs mkdir "$img3" x

# Damaged superblock / log header: nothing can be checked.
img2=$(newfs b.img 8G)
cp --sparse=always "$img2" "$T/c.img"
flip_byte "$T/c.img" 50 # inside fs_uuid: CRC mismatch
expect 2 "crc" famfs fsck "$T/c.img"
cp --sparse=always "$img2" "$T/d.img"
flip_byte "$T/d.img" 2097152 # log magic
expect 2 "" famfs fsck "$T/d.img"
zero=$(newimg zero.img 4G)
expect 2 "" famfs fsck "$zero"
expect 2 "No such file" famfs fsck "$T/missing.img"
expect 1 "expected one device" famfs fsck
echo "fsck: ok"
