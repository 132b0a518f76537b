#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Upstream-written fixtures mount; writing the documented data pattern into
# every file through famfsd yields exactly upstream's image (SHA-256 from
# the manifest), so every byte lands where upstream's extent maps (simple
# and interleaved) put it. The full-log fixture refuses new names (ENOSPC).
# Usage: fixtures.sh FAMFSD
set -euo pipefail
famfsd=$1
here=$(cd "$(dirname "$0")" && pwd)
fx=${FAMFS_FIXTURES:?}

if [ "$(id -u)" != 0 ] || [ ! -c /dev/fuse ]; then
	echo "SKIP: needs root and /dev/fuse"
	exit 77
fi
work=$(mktemp -d /tmp/famfsd-fixtures.XXXXXX)
pid=
cleanup() {
	grep -q " $work/m " /proc/mounts && { fusermount3 -u "$work/m" 2>/dev/null || umount -l "$work/m"; }
	[ -n "$pid" ] && kill "$pid" 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT
fail() {
	echo "FAIL: $*"
	tail -20 "$work/d.log"
	exit 1
}
mkdir "$work/m"
# The fixtures were written by the master with this system UUID.
echo 5eed0000-fa3f-4000-8000-00000000cafe >"$work/uuid"

mount_img() { # IMG
	"$famfsd" -f -u "$work/uuid" "$1" "$work/m" 2>"$work/d.log" &
	pid=$!
	for _ in $(seq 100); do
		grep -q " $work/m fuse.famfs " /proc/mounts && return 0
		kill -0 $pid 2>/dev/null || fail "famfsd exited"
		sleep 0.1
	done
	fail "no mount"
}
umount_img() {
	kill -TERM $pid
	wait $pid || fail "exit status $?"
	pid=
}

for name in v48-basic v47-basic; do
	man=$fx/$name.manifest.json
	size=$(python3 -c "import json,sys;print(json.load(open(sys.argv[1]))['device_size'])" "$man")
	want=$(python3 -c "import json,sys;print(json.load(open(sys.argv[1]))['image_sha256'])" "$man")
	xz -dc "$fx/$name.meta.xz" >"$work/img"
	truncate -s "$size" "$work/img"
	mount_img "$work/img"
	python3 "$here/fixture_pattern.py" "$man" "$work/m" fill || fail "$name fill"
	python3 "$here/fixture_pattern.py" "$man" "$work/m" check || fail "$name check"
	umount_img
	got=$(python3 "$here/sparse_sha256.py" "$work/img")
	[ "$got" = "$want" ] || fail "$name: image sha256 $got, upstream $want"
	rm -f "$work/img"
	echo "$name: image identical to upstream's"
done

xz -dc "$fx/v48-full.meta.xz" >"$work/img"
truncate -s $((64 << 30)) "$work/img"
mount_img "$work/img"
out=$(touch "$work/m/new" 2>&1) && fail "create on a full log"
[[ $out == *"No space left"* ]] || fail "create errno: $out"
out=$(mkdir "$work/m/newdir" 2>&1) && fail "mkdir on a full log"
[[ $out == *"No space left"* ]] || fail "mkdir errno: $out"
[ "$(df --output=iavail "$work/m" | tail -1 | tr -d ' ')" = 0 ] || fail "ifree"
umount_img
echo PASS
