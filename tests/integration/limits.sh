#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Device-full and empty-file behaviour through a real mount: writes and
# fallocate past the free space fail with ENOSPC (what fits is kept and
# logged); a file closed empty is not logged and disappears.
# Usage: limits.sh FAMFSD MKIMAGE
set -euo pipefail
famfsd=$1
mkimage=$2
if [ "$(id -u)" != 0 ] || [ ! -c /dev/fuse ]; then
	echo "SKIP: needs root and /dev/fuse"
	exit 77
fi
work=$(mktemp -d /tmp/famfsd-limits.XXXXXX)
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
m=$work/m
mkdir "$m"
# 64 MiB: 2 MiB superblock + 8 MiB log + 54 MiB of data space.
"$mkimage" "$work/img" 64 "$work/uuid"
"$famfsd" -f -u "$work/uuid" --settle-ms 0 -p 100 "$work/img" "$m" 2>"$work/d.log" &
pid=$!
for _ in $(seq 100); do
	grep -q " $m fuse.famfs " /proc/mounts && break
	sleep 0.1
done
grep -q " $m fuse.famfs " /proc/mounts || fail "no mount"

out=$(fallocate -l 100M "$m/toobig" 2>&1) && fail "fallocate 100M succeeded"
[[ $out == *"No space left"* ]] || fail "fallocate errno: $out"
out=$(dd if=/dev/zero of="$m/fill" bs=1M count=100 2>&1) && fail "dd 100M succeeded"
[[ $out == *"No space left"* ]] || fail "dd errno: $out"
[ "$(stat -c %s "$m/fill")" = $((54 << 20)) ] || fail "fill size $(stat -c %s "$m/fill")"
[ "$(df --output=avail "$m" | tail -1 | tr -d ' ')" = 0 ] || fail "space left"
touch "$m/empty"
for _ in $(seq 200); do # both settle: fill is logged, the empty ones vanish
	[ -e "$m/empty" ] || [ -e "$m/toobig" ] || break
	sleep 0.05
done
[ -e "$m/empty" ] && fail "empty file still there"
[ -e "$m/toobig" ] && fail "empty fallocate victim still there"
grep -q "empty: closed empty, not logged" "$work/d.log" || fail "no log line"
grep -qx "log_entries 1" <(cat "$m/.meta/.stats") || fail "log entries"
kill -TERM $pid
wait $pid || fail "exit status"
pid=
echo PASS
