#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# The wire module on the running (stock) kernel: -d auto mounts and picks
# the daemon's own data path (no dax bit offered, nothing registered, the
# daemon serves READ); -d passthrough on an image fails at startup with
# exit 2 and one message; -d daemon mounts.
# Usage: wire_kernel.sh FAMFSD MKIMAGE
set -euo pipefail
famfsd=$1
mkimage=$2

if [ "$(id -u)" != 0 ] || [ ! -c /dev/fuse ]; then
	echo "SKIP: needs root and /dev/fuse"
	exit 77
fi

work=$(mktemp -d /tmp/wire-kernel.XXXXXX)
pid=
cleanup() {
	grep -q " $work/m " /proc/mounts && { fusermount3 -u "$work/m" 2>/dev/null || umount -l "$work/m"; }
	[ -n "$pid" ] && kill "$pid" 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT
fail() {
	echo "FAIL: $*"
	tail -20 "$work"/*.log 2>/dev/null || true
	exit 1
}

start() { # LOG ARGS...
	local log=$1
	shift
	"$famfsd" -f -l debug -u "$work/uuid" --settle-ms 0 "$@" \
		"$work/img" "$work/m" >"$log" 2>&1 &
	pid=$!
	for _ in $(seq 100); do
		grep -q " $work/m fuse.famfs " /proc/mounts && return 0
		kill -0 "$pid" 2>/dev/null || fail "famfsd exited"
		sleep 0.1
	done
	fail "no mount"
}
stop() {
	kill -TERM "$pid"
	wait "$pid" || fail "exit status $?"
	pid=
}
stat_of() { awk -v k="$1" '$1 == k { print $2 }' "$work/m/.meta/.stats"; }

mkdir "$work/m"
"$mkimage" "$work/img" 4096 "$work/uuid" >/dev/null

# -d auto: INIT happens, the daemon path is chosen, reads work.
start "$work/auto.log" -d auto
head -c 3000000 /dev/urandom >"$work/src"
cp "$work/src" "$work/m/f"
stop
start "$work/auto2.log" -d auto
cmp "$work/src" "$work/m/f" || fail "data"
[ "$(stat_of data_path)" = daemon ] || fail "data_path $(stat_of data_path)"
[ "$(stat_of passthrough_opens)" = 0 ] || fail "passthrough_opens"
[ "$(stat_of backing_registrations)" = 0 ] || fail "registrations"
[ "$(stat_of read_upcalls)" -gt 0 ] || fail "read_upcalls"
grep -q "data path daemon" "$work/auto2.log" || fail "no INIT decision logged"
# A stock kernel must not be offered anything it did not negotiate: an
# OPEN reply it could not parse would have failed cmp with EIO above.
stop

# -d passthrough on an image: refused at startup, nothing mounted.
set +e
out=$("$famfsd" -f -u "$work/uuid" -d passthrough "$work/img" "$work/m" 2>&1)
st=$?
set -e
[ "$st" = 2 ] || fail "passthrough exit status $st: $out"
[[ $out == *"not a dax device"* ]] || fail "passthrough message: $out"
[ "$(echo "$out" | wc -l)" = 1 ] || fail "more than one line: $out"
grep -q " $work/m " /proc/mounts && fail "mounted anyway"

# famfs.conf daxdevN keys: 1..15 only, one-line error otherwise.
printf '[famfsd]\ndaxdev16 = /dev/null\n' >"$work/bad.conf"
set +e
out=$("$famfsd" -f -c "$work/bad.conf" "$work/img" "$work/m" 2>&1)
st=$?
set -e
[ "$st" = 1 ] || fail "daxdev16 exit status $st: $out"
[[ $out == *"daxdev16: device index must be 1..15"* ]] || fail "daxdev16: $out"
printf '[famfsd]\ndaxdev1 = /dev/null\n' >"$work/good.conf"

# -d daemon (with a daxdev1 key): mounts and serves.
start "$work/daemon.log" -d daemon -c "$work/good.conf"
cmp "$work/src" "$work/m/f" || fail "data (-d daemon)"
stop
echo "ok"
