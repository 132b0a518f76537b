#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Device-full and empty-file behaviour through a real mount: writes and
# fallocate past the free space fail with ENOSPC (what fits is kept and
# logged); a file closed empty is not logged and disappears.
# Usage: limits.sh FAMFSD MKIMAGE
FAMFSD=$1
mkimage=$2
source "$(dirname "$0")/lib.sh"
require_root_fuse
setup
m=$T/m
# 64 MiB: 2 MiB superblock + 8 MiB log + 54 MiB of data space.
"$mkimage" "$T/img" 64 "$T/uuid"
start_famfsd "$T/img" "$m" "$T/uuid" --settle-ms 0 -p 100

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
grep -q "empty: closed empty, not logged" "$DLOG" || fail "no log line"
grep -qx "log_entries 1" <(cat "$m/.meta/.stats") || fail "log entries"
term_famfsd "$DPID"
echo PASS
