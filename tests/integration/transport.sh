#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# The request transport: -o uring=auto|on|off and famfs.conf's uring key,
# what the startup line and .meta/.stats say, I/O through the rings (ring
# requests counted, data intact, shared mmap), the fallback to /dev/fuse
# when the kernel does not offer rings, and a clean teardown on SIGTERM
# and on unmount while requests are in flight. Needs a kernel with
# FUSE-over-io_uring; toggles /sys/module/fuse/parameters/enable_uring
# and restores it.
source "$(dirname "$0")/lib.sh"
require_fuse
PARAM=/sys/module/fuse/parameters/enable_uring
[ -e $PARAM ] || skip "kernel without FUSE-over-io_uring ($PARAM missing)"
setup
saved=$(cat $PARAM)
restore() { echo "$saved" >$PARAM; }
trap 'restore; _cleanup' EXIT
echo Y >$PARAM || skip "cannot set $PARAM"

make_fs "$T/img" 4G "$T/uuid"
head -c 3000000 /dev/urandom >"$T/data"
m=$T/m

# on: the rings serve; the startup line and .stats say so.
start_famfsd "$T/img" "$m" "$T/uuid" -o uring=on
grep -q "transport=io_uring" "$DLOG" || fail "startup line: $(head -1 "$DLOG")"
wait_for 5 grep -q "transport io_uring: [0-9]* queues" "$DLOG" ||
	fail "no ring line: $(cat "$DLOG")"
[ "$(meta_stat "$m" transport)" = io_uring ] || fail ".stats transport"
r0=$(meta_stat "$m" ring_requests)
[ "$r0" -gt 0 ] || fail "ring_requests $r0 with uring=on"
mkdir "$m/d"
cp "$T/data" "$m/d/f"
cmp "$T/data" "$m/d/f" || fail "data through the ring"
dd if="$m/d/f" of="$T/back" bs=1M iflag=direct status=none
cmp "$T/data" "$T/back" || fail "O_DIRECT reads through the ring"
$PY - "$m/d/f" "$T/data" <<'PY' || fail "mmap through the ring"
import mmap, sys
with open(sys.argv[1], "r+b") as f, open(sys.argv[2], "rb") as g:
    m = mmap.mmap(f.fileno(), 0, mmap.MAP_SHARED)
    assert m[:] == g.read(), "mmap contents differ"
    m.close()
PY
ls -l "$m/d" >/dev/null
r1=$(meta_stat "$m" ring_requests)
[ "$r1" -gt "$r0" ] || fail "ring_requests did not grow ($r0 -> $r1)"
# A lazy unmount while readers are busy: once the last reader lets go the
# connection ends, the rings with it, and famfsd exits 0.
for i in 1 2 3 4; do
	(while cat "$m/d/f" >/dev/null 2>&1; do :; done) &
done
sleep 0.5
fusermount3 -u -z "$m" || fail "lazy unmount"
rc=0
wait "$DPID" || rc=$?
[ "$rc" = 0 ] || fail "exit status $rc after the unmount on io_uring"
wait
grep -qi "error" "$DLOG" && fail "errors logged: $(grep -i error "$DLOG")"
log "ok: uring=on serves, unmounts cleanly ($r1 ring requests)"

# SIGTERM with readers in flight: pending data is logged, exit 0.
start_famfsd "$T/img" "$m" "$T/uuid" --settle-ms 3600000
grep -q "transport=io_uring" "$DLOG" || fail "auto did not pick io_uring"
cp "$T/data" "$m/g"
for i in 1 2; do
	(while cat "$m/d/f" >/dev/null 2>&1; do :; done) &
done
sleep 0.5
term_famfsd "$DPID"
wait
is_mounted "$m" && fail "still mounted after SIGTERM"
fsck_image "$T/img" >/dev/null || fail "fsck after SIGTERM on io_uring"
start_famfsd "$T/img" "$m" "$T/uuid" -o uring=off
grep -q "transport=/dev/fuse" "$DLOG" || fail "uring=off: $(head -1 "$DLOG")"
[ "$(meta_stat "$m" transport)" = /dev/fuse ] || fail ".stats /dev/fuse"
cmp "$T/data" "$m/g" || fail "file written on io_uring, read on /dev/fuse"
[ "$(meta_stat "$m" ring_requests)" = 0 ] || fail "ring used with off"
stop_famfsd "$DPID" "$m" || fail "exit $? (uring=off)"
log "ok: SIGTERM on io_uring, then uring=off reads the data"

# famfs.conf: uring = off, and the command line wins over it.
printf '[famfsd]\nuring = off\n' >"$T/conf"
start_famfsd "$T/img" "$m" "$T/uuid" -c "$T/conf"
[ "$(meta_stat "$m" transport)" = /dev/fuse ] || fail "conf uring = off"
stop_famfsd "$DPID" "$m" || fail "exit $? (conf)"
start_famfsd "$T/img" "$m" "$T/uuid" -c "$T/conf" -o uring=on
[ "$(meta_stat "$m" transport)" = io_uring ] || fail "-o over conf"
stop_famfsd "$DPID" "$m" || fail "exit $? (conf + -o)"
log "ok: famfs.conf uring key, command line wins"

# The kernel does not offer rings: auto falls back, on refuses.
echo N >$PARAM
start_famfsd "$T/img" "$m" "$T/uuid"
grep -q "transport=/dev/fuse" "$DLOG" || fail "auto with N: $(head -1 "$DLOG")"
cmp "$T/data" "$m/g" || fail "data on the fallback"
stop_famfsd "$DPID" "$m" || fail "exit $? (fallback)"
rc=0
out=$("$FAMFSD" -f -u "$T/uuid" -o uring=on "$T/img" "$m" 2>&1) || rc=$?
[ "$rc" = 2 ] || fail "uring=on with N: exit $rc, want 2"
grep -q "uring=on: .*enable_uring is N" <<<"$out" || fail "message: $out"
is_mounted "$m" && fail "mounted although uring=on was impossible"
rc=0
out=$("$FAMFSD" -f -u "$T/uuid" -o uring=maybe "$T/img" "$m" 2>&1) || rc=$?
[ "$rc" = 1 ] || fail "uring=maybe: exit $rc, want 1"
grep -q "expected uring=auto, uring=on or uring=off" <<<"$out" ||
	fail "message: $out"
log "ok: fallback with N, uring=on refused (exit 2), bad value (exit 1)"
