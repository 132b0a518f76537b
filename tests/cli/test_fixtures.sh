#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# The CLI on every upstream fixture image (rebuilt sparse from .meta.xz):
# fsck is clean, ls and logdump agree with the manifest, and the master
# (the fixtures' system UUID) can add to each.
. "$(dirname "$0")/lib.sh"

fx=${FAMFS_FIXTURES:-}
if [ -z "$fx" ] || [ ! -d "$fx" ]; then
	echo "SKIP: fixtures not found (FAMFS_FIXTURES=$fx)"
	exit 77
fi
echo 5eed0000-fa3f-4000-8000-00000000cafe >"$FAMFS_SYSTEM_UUID_FILE"

n=0
for meta in "$fx"/*.meta.xz; do
	name=$(basename "$meta" .meta.xz)
	man=$fx/$name.manifest.json
	if [ -f "$man.xz" ]; then
		xz -dc "$man.xz" >"$T/$name.manifest.json"
		man=$T/$name.manifest.json
	fi
	img=$T/$name.img
	xz -dc "$meta" >"$img"
	truncate -s "$(jget "$man" 'd["device_size"]')" "$img"

	ok famfs fsck "$img"
	grep -q ": clean$" "$T/out" || fail "$name not clean"
	famfs fsck --json "$img" >"$T/f.json"
	famfs ls -R --json "$img" >"$T/ls.json"
	famfs logdump --json "$img" >"$T/d.json"
	py - "$man" "$T/f.json" "$T/ls.json" "$T/d.json" <<'PY' ||
import json, sys
m, f, ls, d = (json.load(open(p)) for p in sys.argv[1:5])
c = m["counts"]
assert f["clean"], f["errors"]
assert (f["files"], f["dirs"], f["daxdevs"]) == \
    (c["files"], c["dirs"], c.get("add_daxdev", 0)), (f, c)
assert f["log"]["entries_used"] == m["log_header"]["next_index"]
assert f["log"]["capacity"] == m["log_capacity_entries"]
assert f["superblock"]["version"] == m["superblock"]["version"]
want = {e["path"]: e for e in m["entries"] if e["kind"] in ("file", "dir")}
got = {e["path"]: e for e in ls if not e["path"].startswith(".meta")}
assert set(want) == set(got), set(want) ^ set(got)
for p, e in want.items():
    g = got[p]
    assert (g["type"], g["mode"], g["uid"], g["gid"]) == \
        (e["kind"], e["mode"], e["uid"], e["gid"]), (p, g, e)
    if e["kind"] == "file":
        assert g["size"] == e["size"], (p, g, e)
assert [(x["index"], x["seqnum"], x["crc"]) for x in d["entries"]] == \
    [(e["index"], e["seqnum"], e["entry_crc"]) for e in m["entries"]]
assert all(x["valid"] for x in d["entries"])
PY
		fail "$name disagrees with its manifest"

	# This host is the fixtures' master: it can add to the file system.
	if [ "$(jget "$T/f.json" 'd["log"]["free_slots"]')" -ge 2 ]; then
		ok famfs mkdir "$img" cli_added
		ok famfs creat -s 3m -S 9 "$img" cli_added/f
		ok famfs verify -S 9 "$img" cli_added/f
		ok famfs fsck "$img"
		famfs fsck --json "$img" >"$T/g.json"
		[ "$(jget "$T/g.json" 'd["superblock"]["version"]')" = \
			"$(jget "$man" 'd["superblock"]["version"]')" ] ||
			fail "$name version changed"
	else
		expect 2 "log full" famfs mkdir "$img" cli_added
		ok famfs fsck "$img"
	fi
	rm -f "$img"
	n=$((n + 1))
done
[ "$n" -ge 9 ] || fail "only $n fixtures"
echo "fixtures: $n ok"
