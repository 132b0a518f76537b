#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# How requests meet famfsd: a stable worker pool on /dev/fuse (no worker
# thread ends while the load comes and goes: libfuse's max_idle_threads
# churn), and page-cache reads (shared mmap) in 1 MiB requests, not the
# bdi default of 128 KiB.
source "$(dirname "$0")/lib.sh"
require_fuse
setup

make_fs "$T/img" 4G "$T/uuid"
m=$T/m
# The file stays pending: its READs go through libfuse's worker pool (a
# logged file's would be answered by the fast path, never reaching it).
start_famfsd "$T/img" "$m" "$T/uuid" -o uring=off --settle-ms 3600000
head -c $((64 << 20)) /dev/urandom >"$m/f"

# Every thread seen under a fluctuating load is still there at the end.
seen=$T/tids
: >"$seen"
for round in 1 2 3; do
	pids=()
	for i in $(seq $((round % 2 ? 2 : 4))); do
		dd if="$m/f" of=/dev/null bs=4k iflag=direct status=none &
		pids+=($!)
	done
	while kill -0 "${pids[0]}" 2>/dev/null; do
		ls "/proc/$DPID/task" >>"$seen"
		sleep 0.05
	done
	wait "${pids[@]}"
	sleep 0.3
done
ls "/proc/$DPID/task" | sort -u >"$T/alive"
sort -u "$seen" >"$T/seen"
gone=$(comm -23 "$T/seen" "$T/alive" | wc -l)
[ "$gone" = 0 ] || fail "$gone worker threads ended under load (churn)"
log "ok: $(wc -l <"$T/alive") threads, none ended"

# Shared mmap of 64 MiB: 1 MiB READs (the readahead window).
r0=$(meta_stat "$m" read_upcalls)
$PY - "$m/f" <<'PY' || fail "mmap read"
import mmap, sys
with open(sys.argv[1], "rb") as f:
    m = mmap.mmap(f.fileno(), 0, mmap.MAP_SHARED, mmap.PROT_READ)
    s = 0
    for off in range(0, len(m), 4096):
        s += m[off]
    m.close()
PY
r1=$(meta_stat "$m" read_upcalls)
n=$((r1 - r0))
# 64 with 1 MiB requests (a few more at the edges); 512 with 128 KiB.
[ "$n" -le 96 ] || fail "mmap of 64 MiB took $n READs (128 KiB readahead?)"
log "ok: mmap of 64 MiB in $n READs"
stop_famfsd "$DPID" "$m" || fail "exit $?"
