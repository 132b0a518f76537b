#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# famfs ls / logdump / cat: text and JSON views of the namespace and log.
. "$(dirname "$0")/lib.sh"

img=$(newfs a.img 8G)
ok famfs ls "$img"
grep -qE '^drwx------ +0 +0 +0 +2 \.meta$' "$T/out" || fail "root .meta"
[ "$(grep -c . "$T/out")" = 1 ] || fail "empty fs lists only .meta"
ok famfs ls "$img" .meta
grep -qE '^-r-------- .* 2097152 +3 \.meta/\.superblock$' "$T/out" ||
	fail "superblock file"
grep -qE '^-r-------- .* 8388608 +4 \.meta/\.log$' "$T/out" || fail "log file"
# .meta files read back the device regions.
[ "$(famfs cat "$img" .meta/.superblock | head -c 4 | od -An -tx1 | tr -d ' ')" = \
	ff82b287 ] || fail "superblock magic via cat"
cmp <(famfs cat "$img" .meta/.log) \
	<(dd if="$img" iflag=skip_bytes skip=$((2 << 20)) bs=1M count=8 status=none) ||
	fail "log via cat"

ok famfs mkdir -p -u 1000 -g 1000 "$img" b/c
ok famfs creat -s 10 -m 0444 "$img" b/c/x
ok famfs creat -s 3m -S 1 "$img" a
ok famfs ls "$img"
# Sorted by name; inode = 16 + log index.
[ "$(awk '{print $6}' "$T/out" | tr '\n' ' ')" = ".meta a b " ] ||
	fail "order: $(cat "$T/out")"
grep -qE '^-rw-r--r-- +0 +0 +3145728 +19 a$' "$T/out" || fail "a line"
ok famfs ls "$img" b/c/x
grep -qE '^-r--r--r-- +0 +0 +10 +18 b/c/x$' "$T/out" || fail "file arg"
ok famfs ls -R "$img" b
[ "$(awk '{print $6}' "$T/out" | tr '\n' ' ')" = "b/c b/c/x " ] ||
	fail "-R: $(cat "$T/out")"
expect 2 "nope: No such file" famfs ls "$img" nope
expect 2 "Not a directory" famfs ls "$img" b/c/x/y
expect 1 "expected DEV \[PATH\]" famfs ls
famfs ls -R --json "$img" >"$T/ls.json"
py - "$T/ls.json" <<'PY'
import json, sys
d = {e["path"]: e for e in json.load(open(sys.argv[1]))}
assert set(d) == {".meta", ".meta/.log", ".meta/.superblock", "a", "b",
                  "b/c", "b/c/x"}, d.keys()
x = d["b/c/x"]
assert (x["type"], x["mode"], x["mode_octal"], x["size"], x["ino"],
        x["log_index"]) == ("file", 0o444, "0444", 10, 18, 2), x
assert (d["b"]["uid"], d["b"]["gid"], d["b"]["type"]) == (1000, 1000, "dir")
assert d[".meta/.log"]["type"] == "meta"
PY

ok famfs logdump "$img"
grep -q "^log: 8388608 bytes, 4 of 15420 entries used" "$T/out" || fail hdr
grep -qE '^ +2 seq 2 file +crc 0x[0-9a-f]{8} 0444 0:0 b/c/x size 10$' \
	"$T/out" || fail "logdump file line: $(cat "$T/out")"
grep -qE '^ +\[0\] dev 0 offset 0xa00000 len 0x200000$' "$T/out" ||
	fail "extent line"
famfs logdump --json "$img" >"$T/d.json"
py - "$T/d.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
assert (d["next_index"], d["last_index"]) == (4, 15419)
e = d["entries"]
assert [x["kind"] for x in e] == ["mkdir", "mkdir", "file", "file"]
assert [x["seqnum"] for x in e] == [0, 1, 2, 3]
assert all(x["valid"] for x in e)
f = e[3]
assert (f["path"], f["size"], f["flags"], f["ext_type"], f["nextents"]) == \
    ("a", 3145728, 2, "simple", 1), f
assert f["extents"] == [{"devindex": 0, "offset": 0xc00000,
                         "len": 0x400000}], f
assert (e[0]["uid"], e[0]["gid"], e[0]["mode"]) == (1000, 1000, 0o755)
PY
# Names JSON must escape, and spaces, survive both views.
weird='q"uote\back	tab sp'
ok famfs mkdir "$img" "$weird"
famfs ls --json "$img" >"$T/w.json"
famfs logdump --json "$img" >"$T/wd.json"
py - "$T/w.json" "$T/wd.json" "$weird" <<'PY'
import json, sys
assert sys.argv[3] in [e["name"] for e in json.load(open(sys.argv[1]))]
assert json.load(open(sys.argv[2]))["entries"][-1]["path"] == sys.argv[3]
PY
famfs ls "$img" | grep -qF " $weird" || fail "text name"
expect 2 "is a directory" famfs cat "$img" b
expect 1 "expected DEV PATH" famfs cat "$img"
echo "ls: ok"
