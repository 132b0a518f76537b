#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# famfs mkdir: entries per component, -p, refusals, path rules, owner/mode.
. "$(dirname "$0")/lib.sh"

img=$(newfs a.img 8G)
ok famfs mkdir "$img" a
[ "$(nentries "$img")" = 1 ] || fail "one entry"
expect 2 "a: File exists" famfs mkdir "$img" a
ok famfs mkdir -p "$img" a
[ "$(nentries "$img")" = 1 ] || fail "-p on an existing dir logged"
# One MKDIR per created component.
ok famfs mkdir -p "$img" a/b/c/d
[ "$(nentries "$img")" = 4 ] || fail "-p components"
expect 2 "parent directory does not exist" famfs mkdir "$img" x/y
[ "$(nentries "$img")" = 4 ] || fail "failed mkdir logged"

# Through a file.
ok famfs creat -s 4k "$img" a/file
expect 2 "not a directory" famfs mkdir -p "$img" a/file/sub
expect 2 "a parent is not a directory" famfs mkdir "$img" a/file/sub
expect 2 "File exists" famfs mkdir "$img" a/file

# Path rules: 79 bytes is the limit, '/' leads to the root, '.' and '//'
# are dropped, '..' and .meta are refused.
p79=a/$(printf 'n%.0s' $(seq 77))
ok famfs mkdir "$img" "$p79"
expect 1 "name too long" famfs mkdir "$img" "a/$(printf 'n%.0s' $(seq 80))"
expect 1 "name too long" famfs mkdir "$img" "${p79}x"
ok famfs mkdir "$img" /abs
ok famfs mkdir -p "$img" //abs2/./x/
ok famfs ls "$img" abs2/x
expect 1 "'\.\.' is not allowed" famfs mkdir "$img" a/../b
expect 1 "reserved" famfs mkdir "$img" .meta
expect 1 "reserved" famfs mkdir -p "$img" /.meta/x
expect 2 "is the root" famfs mkdir "$img" /
ok famfs mkdir -p "$img" /

# Several paths in one call; mode, uid, gid.
ok famfs mkdir -m 0700 -u 1000 -g 100 "$img" m1 m2
famfs ls "$img" >"$T/ls"
grep -qE '^drwx------ +1000 +100 .* m1$' "$T/ls" || fail "m1 attrs"
grep -qE '^drwx------ +1000 +100 .* m2$' "$T/ls" || fail "m2 attrs"
ok famfs mkdir -m 1777 "$img" sticky
famfs ls "$img" | grep -qE '^drwxrwxrwt .* sticky$' || fail sticky
expect 1 "bad mode" famfs mkdir -m 999 "$img" z
expect 1 "bad mode" famfs mkdir -m 17777 "$img" z
expect 1 "bad uid" famfs mkdir -u -1 "$img" z
expect 1 "bad gid" famfs mkdir -g 4294967296 "$img" z
expect 1 "expected DEV PATH" famfs mkdir "$img"
# Each failing path is reported; the others are still made.
MULTILINE=1 expect 2 "x/y" famfs mkdir "$img" ok1 x/y ok2
ok famfs ls "$img" ok2
ok famfs fsck "$img"
echo "mkdir: ok"
