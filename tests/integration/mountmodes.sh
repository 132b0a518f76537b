#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Other ways to run famfsd: daemonized (no -f: returns once mounted, pid
# in the instance lock, exits when unmounted) and mounted with our own
# mount(2) through --fuse-dev/--fstype.
# Usage: mountmodes.sh FAMFSD MKIMAGE
FAMFSD=$1
mkimage=$2
source "$(dirname "$0")/lib.sh"
require_root_fuse
setup
m=$T/m
mkdir "$m"
_mounts+=("$m")
"$mkimage" "$T/img" 64 "$T/uuid"

# Daemonized: the command returns after the mount is live.
dlog=$T/famfsd.daemonized.log
"$FAMFSD" -u "$T/uuid" "$T/img" "$m" 2>"$dlog" || fail "start: $(cat "$dlog")"
grep -q " $m fuse.famfs " /proc/mounts || fail "not mounted on return"
grep -q "role=master" "$dlog" || fail "no startup line on stderr"
lock=
for f in /run/famfsd/*.lock; do
	p=$(cat "$f" 2>/dev/null) || continue
	[ -n "$p" ] && grep -qF -- "$T/img" "/proc/$p/cmdline" 2>/dev/null &&
		lock=$f
done
[ -n "$lock" ] || fail "no instance lock naming the daemon's pid"
dpid=$(cat "$lock")
_pids+=("$dpid")
echo hello >"$m/f"
[ "$(cat "$m/f")" = hello ] || fail "daemonized I/O"
fusermount3 -u "$m"
for _ in $(seq 100); do
	kill -0 "$dpid" 2>/dev/null || break
	sleep 0.1
done
kill -0 "$dpid" 2>/dev/null && fail "daemon still running after unmount"
[ -e "$lock" ] && fail "lock file left behind"

# Our own mount(2) through a given device node and file system type.
spawn_famfsd "$m" -f -u "$T/uuid" --fuse-dev /dev/fuse --fstype fuse.famfs \
	"$T/img" "$m"
grep -q "^$T/img $m fuse.famfs " /proc/mounts || fail "raw mount missing"
[ "$(cat "$m/f")" = hello ] || fail "data through the raw mount"
term_famfsd "$DPID"
grep -q " $m " /proc/mounts && fail "raw mount left behind"
echo PASS
