#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Smoke test: famfsd mounts an image for real, serves and writes files,
# keeps them across a remount, refuses a second instance, and a second
# "host" (other system UUID) follows the log as a client.
# Usage: smoke.sh FAMFSD MKIMAGE
set -euo pipefail
famfsd=$1
mkimage=$2

if [ "$(id -u)" != 0 ] || [ ! -c /dev/fuse ]; then
	echo "SKIP: needs root and /dev/fuse"
	exit 77
fi

work=$(mktemp -d /tmp/famfsd-smoke.XXXXXX)
pids=()
cleanup() {
	for m in "$work"/m1 "$work"/m2; do
		grep -q " $m " /proc/mounts && { fusermount3 -u "$m" 2>/dev/null || umount -l "$m"; }
	done
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	rm -rf "$work"
}
trap cleanup EXIT

fail() {
	echo "FAIL: $*"
	for f in "$work"/*.log; do echo "== $f"; tail -20 "$f"; done
	exit 1
}

# Start famfsd in the foreground (background job); wait for the mount.
start() { # LOG MNT ARGS...
	local log=$1 mnt=$2
	shift 2
	"$famfsd" -f "$@" "$work/img" "$mnt" >"$log" 2>&1 &
	pids+=($!)
	for _ in $(seq 100); do
		grep -q " $mnt fuse.famfs " /proc/mounts && return 0
		kill -0 $! 2>/dev/null || fail "famfsd exited: $(cat "$log")"
		sleep 0.1
	done
	fail "mount of $mnt did not appear"
}

stop() { # PID MNT: SIGTERM must unmount and exit 0
	kill -TERM "$1"
	wait "$1" || fail "famfsd exit status $? after SIGTERM"
	grep -q " $2 " /proc/mounts && fail "$2 still mounted"
	return 0
}

mkdir -p "$work/m1" "$work/m2"
"$mkimage" "$work/img" 4096 "$work/uuid-a"
head -c 5000000 /dev/urandom >"$work/src.bin"

start "$work/a.log" "$work/m1" -u "$work/uuid-a" -p 100
m=$work/m1
grep -q "role=master data=daemon (mmap not coherent across hosts)" \
	"$work/a.log" || fail "startup line"
grep -q "^$work/img $m fuse.famfs " /proc/mounts || fail "fsname/type"

mkdir "$m/dir"
cp "$work/src.bin" "$m/dir/file"
cmp "$work/src.bin" "$m/dir/file" || fail "data differs after cp"
[ "$(stat -c %s "$m/dir/file")" = 5000000 ] || fail "size"
grep -qx "role master" "$m/.meta/.stats" || fail ".stats role"
grep -q "^read_upcalls [1-9]" "$m/.meta/.stats" || fail ".stats reads"

# Refused operations keep their documented errno.
out=$(rm "$m/dir/file" 2>&1) && fail "unlink succeeded"
[[ $out == *"Operation not permitted"* ]] || fail "unlink errno: $out"
out=$(bash -c "echo x >>'$m/dir/file'" 2>&1) && fail "append succeeded"
[[ $out == *"File too large"* ]] || fail "append errno: $out"
long=$(printf 'n%.0s' $(seq 80))
out=$(touch "$m/$long" 2>&1) && fail "80-byte name accepted"
[[ $out == *"File name too long"* ]] || fail "long name errno: $out"

# One daemon per device and system UUID on a host.
out=$("$famfsd" -f -u "$work/uuid-a" "$work/img" "$work/m2" 2>&1) &&
	fail "second daemon started"
[[ $out == *"lock"*"pid"* ]] || fail "second daemon message: $out"

# A second host (other UUID) is a client that follows the log.
start "$work/b.log" "$work/m2" -u "$work/uuid-b" -p 100
c=$work/m2
grep -q "role=client" "$work/b.log" || fail "client role"
cmp "$work/src.bin" "$c/dir/file" || fail "client data"
out=$(mkdir "$c/nope" 2>&1) && fail "client mkdir succeeded"
[[ $out == *"Read-only file system"* ]] || fail "client mkdir errno: $out"
ls "$c/dir" >/dev/null # cache the directory (and a negative entry)
[ -e "$c/dir/later" ] && fail "later exists early"
echo later >"$m/dir/later"
for _ in $(seq 100); do
	[ -e "$c/dir/later" ] && break
	sleep 0.1
done
[ "$(cat "$c/dir/later")" = later ] || fail "client did not follow the log"
ino=$(stat -c %i "$m/dir/file")
[ "$(stat -c %i "$c/dir/file")" = "$ino" ] || fail "ino differs across hosts"

stop "${pids[1]}" "$c"
stop "${pids[0]}" "$m"

# Everything was logged: a fresh mount shows the same files and inodes.
start "$work/a2.log" "$work/m1" -u "$work/uuid-a"
cmp "$work/src.bin" "$m/dir/file" || fail "data after remount"
[ "$(stat -c %i "$m/dir/file")" = "$ino" ] || fail "ino after remount"
[ "$(cat "$m/dir/later")" = later ] || fail "later after remount"
stop "${pids[2]}" "$m"
echo "PASS"
