#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Other ways to run famfsd: daemonized (no -f: returns once mounted, pid
# in the instance lock, exits when unmounted) and mounted with our own
# mount(2) through --fuse-dev/--fstype.
# Usage: mountmodes.sh FAMFSD MKIMAGE
set -euo pipefail
famfsd=$1
mkimage=$2
if [ "$(id -u)" != 0 ] || [ ! -c /dev/fuse ]; then
	echo "SKIP: needs root and /dev/fuse"
	exit 77
fi
work=$(mktemp -d /tmp/famfsd-modes.XXXXXX)
dpid=
cleanup() {
	grep -q " $work/m " /proc/mounts && { fusermount3 -u "$work/m" 2>/dev/null || umount -l "$work/m"; }
	[ -n "$dpid" ] && kill "$dpid" 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT
fail() {
	echo "FAIL: $*"
	exit 1
}
m=$work/m
mkdir "$m"
"$mkimage" "$work/img" 64 "$work/uuid"

# Daemonized: the command returns after the mount is live.
"$famfsd" -u "$work/uuid" "$work/img" "$m" 2>"$work/d.log" || fail "start: $(cat "$work/d.log")"
grep -q " $m fuse.famfs " /proc/mounts || fail "not mounted on return"
grep -q "role=master" "$work/d.log" || fail "no startup line on stderr"
lock=
for f in /run/famfsd/*.lock; do
	p=$(cat "$f" 2>/dev/null) || continue
	[ -n "$p" ] && grep -qF -- "$work/img" "/proc/$p/cmdline" 2>/dev/null &&
		lock=$f
done
[ -n "$lock" ] || fail "no instance lock naming the daemon's pid"
dpid=$(cat "$lock")
echo hello >"$m/f"
[ "$(cat "$m/f")" = hello ] || fail "daemonized I/O"
fusermount3 -u "$m"
for _ in $(seq 100); do
	kill -0 "$dpid" 2>/dev/null || break
	sleep 0.1
done
kill -0 "$dpid" 2>/dev/null && fail "daemon still running after unmount"
dpid=
[ -e "$lock" ] && fail "lock file left behind"

# Our own mount(2) through a given device node and file system type.
"$famfsd" -f -u "$work/uuid" --fuse-dev /dev/fuse --fstype fuse.famfs \
	"$work/img" "$m" 2>"$work/e.log" &
dpid=$!
for _ in $(seq 100); do
	grep -q " $m fuse.famfs " /proc/mounts && break
	sleep 0.1
done
grep -q "^$work/img $m fuse.famfs " /proc/mounts || fail "raw mount missing"
[ "$(cat "$m/f")" = hello ] || fail "data through the raw mount"
kill -TERM "$dpid"
wait "$dpid" || fail "exit status $?"
dpid=
grep -q " $m " /proc/mounts && fail "raw mount left behind"
echo PASS
