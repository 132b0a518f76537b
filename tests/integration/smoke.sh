#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Smoke test: famfsd mounts an image for real, serves and writes files,
# keeps them across a remount, refuses a second instance, and a second
# "host" (other system UUID) follows the log as a client.
# Usage: smoke.sh FAMFSD MKIMAGE [FAMFS_CLI]
FAMFSD=$1
mkimage=$2
cli=${3:-}
source "$(dirname "$0")/lib.sh"
require_root_fuse
setup

# Start famfsd in the foreground (background job); wait for the mount.
start() { # MNT ARGS...: the log is $DLOG, the pid $DPID
	local mnt=$1
	shift
	spawn_famfsd "$mnt" -f "$@" "$T/img" "$mnt"
}

stop() { # PID MNT: SIGTERM must unmount and exit 0
	term_famfsd "$1"
	grep -q " $2 " /proc/mounts && fail "$2 still mounted"
	return 0
}

mkdir -p "$T/m1" "$T/m2"
"$mkimage" "$T/img" 4096 "$T/uuid-a"
head -c 5000000 /dev/urandom >"$T/src.bin"
tar cf "$T/t.tar" -C "$T" src.bin
m=$T/m1
c=$T/m2

# Phase 1: a master that logs new objects only at shutdown (long settle
# time), so everything below is checked while still pending.
start "$m" -u "$T/uuid-a" -p 100 --settle-ms 3600000
grep -q "role=master data=daemon (mmap not coherent across hosts)" \
	"$DLOG" || fail "startup line"
grep -q "^$T/img $m fuse.famfs " /proc/mounts || fail "fsname/type"
mkdir "$m/dir"
cp "$T/src.bin" "$m/dir/file"
cmp "$T/src.bin" "$m/dir/file" || fail "data differs after cp"
[ "$(stat -c %s "$m/dir/file")" = 5000000 ] || fail "size"
grep -qx "role master" "$m/.meta/.stats" || fail ".stats role"
grep -q "^read_upcalls [1-9]" "$m/.meta/.stats" || fail ".stats reads"
# Modes fixed after creation (tar, cp -a, rsync do this) are what is logged.
mkdir "$m/t"
tar xf "$T/t.tar" -C "$m/t" || fail "tar x"
chmod 0750 "$m/t" || fail "chmod of a pending dir"
[ "$(stat -c %a "$m/t")" = 750 ] || fail "chmod of a pending dir"
# Shared mmap (FUSE_DIRECT_IO_ALLOW_MMAP, requested through the INIT shim).
python3 - "$m/dir/file" "$T/src.bin" <<'PY' || fail "mmap"
import mmap, sys
with open(sys.argv[1], "r+b") as f, open(sys.argv[2], "rb") as g:
    m = mmap.mmap(f.fileno(), 0, mmap.MAP_SHARED)
    assert m[:] == g.read(), "mmap contents differ"
    m.close()
PY
long=$(printf 'n%.0s' $(seq 80))
out=$(touch "$m/$long" 2>&1) && fail "80-byte name accepted"
[[ $out == *"File name too long"* ]] || fail "long name errno: $out"
# One daemon per device and system UUID on a host.
out=$("$FAMFSD" -f -u "$T/uuid-a" "$T/img" "$c" 2>&1) &&
	fail "second daemon started"
[[ $out == *"lock"*"pid"* ]] || fail "second daemon message: $out"
# Still open at shutdown: logged then, not lost.
exec 3>"$m/dir/open"
echo open >&3
stop "$DPID" "$m"
exec 3>&-

# Phase 2: everything was logged; a master that logs at once (settle 0)
# and a second host (other system UUID) that follows the log as a client.
start "$m" -u "$T/uuid-a" -p 100 --settle-ms 0
mpid=$DPID
cmp "$T/src.bin" "$m/dir/file" || fail "data after remount"
cmp "$T/src.bin" "$m/t/src.bin" || fail "tar data after remount"
[ "$(stat -c %a "$m/t")" = 750 ] || fail "mode of t after remount"
[ "$(cat "$m/dir/open" 2>&1)" = open ] || fail "file open at shutdown"
# Refused operations keep their documented errno.
out=$(rm "$m/dir/file" 2>&1) && fail "unlink succeeded"
[[ $out == *"Operation not permitted"* ]] || fail "unlink errno: $out"
out=$(bash -c "echo x >>'$m/dir/file'" 2>&1) && fail "append succeeded"
[[ $out == *"File too large"* ]] || fail "append errno: $out"

start "$c" -u "$T/uuid-b" -p 100
grep -q "role=client" "$DLOG" || fail "client role"
cmp "$T/src.bin" "$c/dir/file" || fail "client data"
out=$(mkdir "$c/nope" 2>&1) && fail "client mkdir succeeded"
[[ $out == *"Read-only file system"* ]] || fail "client mkdir errno: $out"
ls "$c/dir" >/dev/null # cache the directory (and a negative entry)
[ -e "$c/dir/later" ] && fail "later exists early"
echo later >"$m/dir/later"
for _ in $(seq 200); do
	[ -e "$c/dir/later" ] && break
	sleep 0.05
done
[ "$(cat "$c/dir/later" 2>&1)" = later ] || fail "client did not follow"
ino=$(stat -c %i "$m/dir/file")
[ "$(stat -c %i "$c/dir/file")" = "$ino" ] || fail "ino differs across hosts"
stop "$DPID" "$c"

# A client that practically never polls still finds a new name at once:
# a lookup miss re-reads the log.
start "$c" -u "$T/uuid-c" -p 3600000
ls "$c/dir" >/dev/null
n=$(sed -n 's/^log_entries //p' "$m/.meta/.stats")
echo miss >"$m/dir/miss"
for _ in $(seq 200); do # wait until the master logged it
	[ "$(sed -n 's/^log_entries //p' "$m/.meta/.stats")" -gt "$n" ] && break
	sleep 0.05
done
[ "$(cat "$c/dir/miss" 2>&1)" = miss ] || fail "lookup miss did not refresh"
stop "$DPID" "$c"

# kill -9 with a file still being written: only that file is lost, and
# its space is free again after the next mount.
avail=$(df --output=avail "$m" | tail -1)
exec 4>"$m/dir/lost"
head -c 9000000 /dev/urandom >&4
kill -KILL "$mpid"
wait "$mpid" 2>/dev/null || true
exec 4>&-
umount -l "$m"
start "$m" -u "$T/uuid-a"
[ -e "$m/dir/lost" ] && fail "unlogged file survived a crash"
[ "$(df --output=avail "$m" | tail -1)" = "$avail" ] || fail "space leaked"
cmp "$T/src.bin" "$m/dir/file" || fail "data after crash"
stop "$DPID" "$m"
# The independent checker agrees: what famfsd logged is a clean famfs.
if [ -n "$cli" ]; then
	out=$("$cli" fsck "$T/img" 2>&1) || fail "famfs fsck: $out"
	[[ $out == *"clean"* ]] || fail "famfs fsck: $out"
fi
echo "PASS"
