#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Fill the 8 MiB log (15,420 entries) in one famfs process, then every
# create fails with "log full" and fsck stays clean.
. "$(dirname "$0")/lib.sh"

img=$(newfs a.img 8G)
ok famfs creat -s 1 "$img" first
# Paths of 79 bytes: "pNNNN" + 37 x "/a" = 38 MKDIR entries each.
deep=$(printf '/a%.0s' $(seq 37))
paths=()
for i in $(seq -w 0 499); do
	paths+=("p0$i$deep")
done
[ ${#paths[0]} = 79 ] || fail "path length ${#paths[0]}"
expect 2 ": log full$" famfs mkdir -p "$img" "${paths[@]}"
famfs fsck --json "$img" >"$T/j"
[ "$(jget "$T/j" 'd["log"]["entries_used"], d["log"]["free_slots"], d["clean"]')" = \
	"15420 0 True" ] || fail "log not exactly full: $(cat "$T/j")"
ok famfs fsck "$img"
grep -q "15420 of 15420 entries used, 0 free" "$T/out" || fail "fsck text"
expect 2 "log full" famfs creat -s 1 "$img" one_too_many
expect 2 "log full" famfs mkdir "$img" one_more_dir
echo x >"$T/x"
expect 2 "log full" famfs cp "$img" "$T/x" /x
expect 2 "log full" famfs cp -r "$img" "$T" /tree
# Existing files can still be rewritten; nothing was logged or leaked.
ok famfs creat -s 1 -S 3 "$img" first
ok famfs verify -S 3 "$img" first
famfs fsck --json "$img" >"$T/j"
[ "$(jget "$T/j" 'd["files"], d["space"]["used"], d["clean"]')" = \
	"1 $((12 << 20)) True" ] || fail "space leaked: $(cat "$T/j")"
ok famfs ls -R "$img"
[ "$(grep -c . "$T/out")" = 15423 ] || fail "ls count $(grep -c . "$T/out")"
echo "logfull: ok"
