#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# famfs mkfs / mkfs.famfs: formats, refusals, options, kill.
. "$(dirname "$0")/lib.sh"

ok famfs mkfs --help
grep -q "Usage: famfs mkfs" "$T/out" || fail "mkfs help"
ok "$MKFS_BIN" --help
grep -q "Usage: mkfs.famfs" "$T/out" || fail "mkfs.famfs help"
grep -q "Exit status" "$T/out" || fail "help lacks exit codes"

# A missing image is not created behind the user's back.
expect 2 "no such device or file.*truncate" famfs mkfs "$T/nope.img"
[ ! -e "$T/nope.img" ] || fail "mkfs created the image"
expect 1 "expected one device" famfs mkfs
expect 1 "expected one device" famfs mkfs "$T/a" "$T/b"
expect 1 "bad option .--bogus" famfs mkfs --bogus "$T/a"

img=$(newimg a.img 8G)
ok famfs mkfs "$img"
grep -q "version 48 (OMF 2.2)" "$T/out" || fail "mkfs summary"
ok famfs fsck "$img"
famfs fsck --json "$img" >"$T/j1"
[ "$(jget "$T/j1" 'd["superblock"]["role"]')" = master ] || fail role
[ "$(jget "$T/j1" 'd["log"]["capacity"]')" = 15420 ] || fail capacity
# The system UUID file was created and recorded as the master.
[ "$(tr -d '\0\n' <"$FAMFS_SYSTEM_UUID_FILE")" = \
	"$(jget "$T/j1" 'd["superblock"]["system_uuid"]')" ] ||
	fail "system uuid not recorded"

expect 2 "superblock exists.*--force" famfs mkfs "$img"
ok famfs mkfs --force "$img"
famfs fsck --json "$img" >"$T/j2"
[ "$(jget "$T/j1" 'd["superblock"]["fs_uuid"]')" != \
	"$(jget "$T/j2" 'd["superblock"]["fs_uuid"]')" ] ||
	fail "--force kept the fs uuid"

# Bad log lengths are refused and change nothing.
for bad in 1 11m 1m 0 12x; do
	expect 1 "log length" famfs mkfs -f --loglen "$bad" "$img"
done
famfs fsck --json "$img" >"$T/j3"
[ "$(jget "$T/j3" 'd["superblock"]["fs_uuid"]')" = \
	"$(jget "$T/j2" 'd["superblock"]["fs_uuid"]')" ] ||
	fail "bad loglen touched the fs"
ok famfs mkfs -f --loglen 16m "$img"
famfs fsck --json "$img" >"$T/j"
[ "$(jget "$T/j" 'd["log"]["log_len"]')" = 16777216 ] || fail loglen
[ "$(jget "$T/j" 'd["log"]["capacity"]')" = 30840 ] || fail capacity16
ok famfs mkdir "$img" d
ok famfs fsck "$img"

# OMF versions.
for v in 47 48; do
	ok famfs mkfs -f --omf-version $v "$img"
	famfs fsck --json "$img" >"$T/j"
	[ "$(jget "$T/j" 'd["superblock"]["version"]')" = $v ] || fail ver$v
	[ "$(jget "$T/j" 'd["superblock"]["omf_minor"]')" = $((v - 46)) ] ||
		fail omf$v
	famfs fsck "$img" | grep -q "version $v (OMF 2.$((v - 46)))" ||
		fail "fsck text version $v"
done
expect 1 "47 or 48" famfs mkfs -f --omf-version 49 "$img"

# Kill: needs --force; afterwards fsck cannot check, mkfs works again.
expect 1 "--kill needs --force" famfs mkfs --kill "$img"
ok famfs mkfs -f -k "$img"
expect 2 "" famfs fsck "$img"
ok famfs mkfs "$img"
ok famfs fsck "$img"

# Size rules.
small=$(newimg small.img 1G)
expect 2 "at least 4 GiB" famfs mkfs "$small"
ok famfs mkfs --allow-small "$small"
ok famfs fsck "$small"
odd=$(newimg odd.img 4294971392) # 4 GiB + 4 KiB
expect 2 "multiple of 2 MiB" famfs mkfs "$odd"

# mkfs.famfs is the same program.
img2=$(newimg b.img 4G)
ok "$MKFS_BIN" --loglen 16m "$img2"
famfs fsck --json "$img2" >"$T/j"
[ "$(jget "$T/j" 'd["log"]["log_len"]')" = 16777216 ] || fail mkfs.famfs

# System UUID file: created (with its directory) when missing; garbage is
# refused.
img3=$(newimg c.img 4G)
ok famfs mkfs --system-uuid-file "$T/newdir/uuid" "$img3"
[ -s "$T/newdir/uuid" ] || fail "uuid file not created"
echo garbage >"$T/bad_uuid"
expect 2 "not a UUID" famfs mkfs -f --system-uuid-file "$T/bad_uuid" "$img3"
echo "mkfs: ok"
