#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# The wire module on the running (stock) kernel: -d auto mounts and picks
# the daemon's own data path (no dax bit offered, nothing registered, the
# daemon serves READ); -d passthrough on an image fails at startup with
# exit 2 and one message; -d daemon mounts.
# Usage: wire_kernel.sh FAMFSD MKIMAGE
FAMFSD=$1
mkimage=$2
source "$(dirname "$0")/../integration/lib.sh"
require_root_fuse
setup

start() { # ARGS...: the log is $DLOG
	spawn_famfsd "$T/m" -f -l debug -u "$T/uuid" --settle-ms 0 "$@" \
		"$T/img" "$T/m"
}
stat_of() { meta_stat "$T/m" "$1"; }

mkdir "$T/m"
"$mkimage" "$T/img" 4096 "$T/uuid" >/dev/null

# -d auto: INIT happens, the daemon path is chosen, reads work.
start -d auto
head -c 3000000 /dev/urandom >"$T/src"
cp "$T/src" "$T/m/f"
term_famfsd "$DPID"
start -d auto
cmp "$T/src" "$T/m/f" || fail "data"
[ "$(stat_of data_path)" = daemon ] || fail "data_path $(stat_of data_path)"
[ "$(stat_of passthrough_opens)" = 0 ] || fail "passthrough_opens"
[ "$(stat_of backing_registrations)" = 0 ] || fail "registrations"
[ "$(stat_of read_upcalls)" -gt 0 ] || fail "read_upcalls"
grep -q "data path daemon" "$DLOG" || fail "no INIT decision logged"
# A stock kernel must not be offered anything it did not negotiate: an
# OPEN reply it could not parse would have failed cmp with EIO above.
term_famfsd "$DPID"

# -d passthrough on an image: refused at startup, nothing mounted.
set +e
out=$("$FAMFSD" -f -u "$T/uuid" -d passthrough "$T/img" "$T/m" 2>&1)
st=$?
set -e
[ "$st" = 2 ] || fail "passthrough exit status $st: $out"
[[ $out == *"not a dax device"* ]] || fail "passthrough message: $out"
[ "$(echo "$out" | wc -l)" = 1 ] || fail "more than one line: $out"
grep -q " $T/m " /proc/mounts && fail "mounted anyway"

# famfs.conf daxdevN keys: 1..15 only, one-line error otherwise.
printf '[famfsd]\ndaxdev16 = /dev/null\n' >"$T/bad.conf"
set +e
out=$("$FAMFSD" -f -c "$T/bad.conf" "$T/img" "$T/m" 2>&1)
st=$?
set -e
[ "$st" = 1 ] || fail "daxdev16 exit status $st: $out"
[[ $out == *"daxdev16: device index must be 1..15"* ]] || fail "daxdev16: $out"
printf '[famfsd]\ndaxdev1 = /dev/null\n' >"$T/good.conf"

# -d daemon (with a daxdev1 key): mounts and serves.
start -d daemon -c "$T/good.conf"
cmp "$T/src" "$T/m/f" || fail "data (-d daemon)"
term_famfsd "$DPID"
echo "ok"
