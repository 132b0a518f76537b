#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# concurrency.sh [NFILES]: parallel writers and readers over many files
# (tests/integration/stress.c, default 2000 files, 8 workers),
# then every byte again after a remount.
source "$(dirname "$0")/lib.sh"
require_fuse
STRESS=$FAMFS_BUILD/tests/integration/stress
[ -x "$STRESS" ] || skip "stress not built"
setup

NFILES=${1:-${ITEST_NFILES:-2000}}
NWORKERS=${ITEST_NWORKERS:-8}
img=$T/img
mnt=$T/mnt
# Every file takes at least one 2 MiB unit.
make_fs "$img" $((((NFILES * 2 >> 10) + 8) << 30)) "$T/uuid"
start_famfsd "$img" "$mnt" "$T/uuid"
mkdir "$mnt/s"
"$STRESS" "$mnt/s" "$NFILES" "$NWORKERS" || fail "stress"
[ "$(find "$mnt/s" -type f | wc -l)" = "$NFILES" ] || fail "file count"
stop_famfsd "$DPID" "$mnt" || fail "famfsd exited $?"
start_famfsd "$img" "$mnt" "$T/uuid"
"$STRESS" "$mnt/s" "$NFILES" "$NWORKERS" check || fail "stress check"
stop_famfsd "$DPID" "$mnt" || fail "famfsd exited $?"
fsck_image "$img" || fail "fsck"
log "ok"
