#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
#
# The main job, end to end: install the packages, build, then format a
# famfs image (or the device given as $1), create directories and files,
# copy real files in, list, check and verify, all with the famfs CLI.
#
#   scripts/demo.sh              # a sparse 8 GiB image in /tmp/famfs-demo/
#   scripts/demo.sh /dev/dax0.0  # an existing device or image (must not
#                                # hold a file system yet: no --force here)
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf '\n==> %s\n' "$*"; }
run() {
	printf '$ %s\n' "$*"
	"$@"
}

say "dependencies (scripts/deps.sh)"
scripts/deps.sh

say "build (scripts/build.sh build)"
scripts/build.sh build
famfs=$(pwd)/build/tools/famfs

demo=/tmp/famfs-demo
mkdir -p "$demo"
# A demo identity: this host is the master of what it formats, and the
# host's own /opt/famfs/system_uuid is left alone.
export FAMFS_SYSTEM_UUID_FILE=$demo/system_uuid
force=()
if [ $# -ge 1 ]; then
	dev=$1
	[ -e "$dev" ] || {
		echo "demo: $dev does not exist" >&2
		exit 1
	}
else
	dev=$demo/famfs.img
	say "a sparse 8 GiB image file"
	rm -f "$dev"
	run truncate -s 8G "$dev"
	force=(--force)
fi

say "format it (this host becomes the master)"
run "$famfs" mkfs "${force[@]}" "$dev"

say "directories: one log entry each"
run "$famfs" mkdir -p "$dev" data/docs /demo/a/b/c

say "a 64 MiB file filled with a seeded pattern (data first, then the log)"
run "$famfs" creat -s 64m -S 1234 "$dev" data/pattern.bin

src=/usr/share/doc/bash
[ -d "$src" ] || src=/etc/default
say "copy a real directory tree ($src)"
run "$famfs" cp -r "$dev" "$src" data/docs

say "list"
run "$famfs" ls "$dev"
run "$famfs" ls -R "$dev" data

say "check the file system"
run "$famfs" fsck "$dev"

say "verify the pattern and read a copied file back"
run "$famfs" verify -S 1234 "$dev" data/pattern.bin
sample=$(find "$src" -maxdepth 1 -type f -size +0 | sort | head -n 1)
if [ -n "$sample" ]; then
	name=data/docs/$(basename "$src")/$(basename "$sample")
	printf '$ %s cat %s %s | cmp - %s\n' "$famfs" "$dev" "$name" "$sample"
	"$famfs" cat "$dev" "$name" | cmp - "$sample"
	echo "identical"
fi

say "the first log entries"
"$famfs" logdump "$dev" | head -n 12

say "done: $dev holds a famfs file system (see famfs(8))"
