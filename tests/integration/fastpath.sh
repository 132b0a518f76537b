#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# READ and WRITE of logged files are answered without libfuse (fastpath.c,
# counted as fast_upcalls) on the transport famfsd picks, with the same
# results as the ops: reads cut at EOF, a write that crosses EOF is short
# and leaves the bytes around it alone; a write at EOF (EFBIG) still
# reaches the ops, and a pending file's I/O never takes the fast path.
source "$(dirname "$0")/lib.sh"
require_fuse
setup

make_fs "$T/img" 4G "$T/uuid"
m=$T/m
size=$((3 * 1048576 + 100))
head -c $size /dev/urandom >"$T/ref"
start_famfsd "$T/img" "$m" "$T/uuid" --settle-ms 100
cp "$T/ref" "$m/f"
wait_for 10 bash -c "grep -qx 'pending 0' '$m/.meta/.stats'" ||
	fail "f not logged"
stop_famfsd "$DPID" "$m" || fail "exit $?"
start_famfsd "$T/img" "$m" "$T/uuid" --settle-ms 3600000
log "transport $(meta_stat "$m" transport)"

f0=$(meta_stat "$m" fast_upcalls)
$PY - "$m/f" "$T/ref" $size <<'PY' || fail "reads and writes of a logged file"
import os, sys
path, ref, size = sys.argv[1], open(sys.argv[2], "rb").read(), int(sys.argv[3])
fd = os.open(path, os.O_RDWR | os.O_DIRECT)
import mmap
buf = mmap.mmap(-1, 1 << 20)
n = os.preadv(fd, [buf], 0)
assert n == 1 << 20 and buf[:n] == ref[:n], "first MiB"
os.close(fd)
fd = os.open(path, os.O_RDWR)
assert os.pread(fd, 8192, size - 100) == ref[-100:], "read across EOF"
assert os.pread(fd, 4096, size) == b"", "read at EOF"
new = os.urandom(200)
assert os.pwrite(fd, new, size - 100) == 100, "write across EOF is short"
got = os.pread(fd, 300, size - 300)
assert got == ref[-300:-100] + new[:100], "bytes around the short write"
os.close(fd)
PY
f1=$(meta_stat "$m" fast_upcalls)
[ $((f1 - f0)) -ge 5 ] || fail "fast path not taken ($f0 -> $f1)"
expect_errno EFBIG writeat "$m/f" "$size"
[ "$(stat -c %s "$m/f")" = $size ] || fail "size changed"

# A pending file (settles only at unmount) never takes the fast path.
f2=$(meta_stat "$m" fast_upcalls)
head -c 100000 /dev/urandom >"$T/g"
cp "$T/g" "$m/g"
cmp "$T/g" "$m/g" || fail "pending file data"
[ "$(meta_stat "$m" fast_upcalls)" = "$f2" ] ||
	fail "pending file I/O took the fast path"
stop_famfsd "$DPID" "$m" || fail "exit $?"
log "ok: fast path ($((f1 - f0)) requests), refusals and pending files unchanged"
