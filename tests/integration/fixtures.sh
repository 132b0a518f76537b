#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Upstream-written fixtures mount; writing the documented data pattern into
# every file through famfsd yields exactly upstream's image (SHA-256 from
# the manifest), so every byte lands where upstream's extent maps (simple
# and interleaved) put it. The full-log fixture refuses new names (ENOSPC).
# Usage: fixtures.sh FAMFSD
FAMFSD=$1
source "$(dirname "$0")/lib.sh"
here=$(cd "$(dirname "$0")" && pwd)
fx=${FAMFS_FIXTURES:?}
require_root_fuse
setup
# The fixtures were written by the master with this system UUID.
new_uuid "$T/uuid" "$FIXTURE_UUID"

mount_img() { # IMG
	start_famfsd "$1" "$T/m" "$T/uuid"
}

for name in v48-basic v47-basic; do
	man=$fx/$name.manifest.json
	size=$(python3 -c "import json,sys;print(json.load(open(sys.argv[1]))['device_size'])" "$man")
	want=$(python3 -c "import json,sys;print(json.load(open(sys.argv[1]))['image_sha256'])" "$man")
	xz -dc "$fx/$name.meta.xz" >"$T/img"
	truncate -s "$size" "$T/img"
	mount_img "$T/img"
	python3 "$here/fixture_pattern.py" "$man" "$T/m" fill || fail "$name fill"
	python3 "$here/fixture_pattern.py" "$man" "$T/m" check || fail "$name check"
	term_famfsd "$DPID"
	got=$(python3 "$here/sparse_sha256.py" "$T/img")
	[ "$got" = "$want" ] || fail "$name: image sha256 $got, upstream $want"
	rm -f "$T/img"
	echo "$name: image identical to upstream's"
done

xz -dc "$fx/v48-full.meta.xz" >"$T/img"
truncate -s $((64 << 30)) "$T/img"
mount_img "$T/img"
out=$(touch "$T/m/new" 2>&1) && fail "create on a full log"
[[ $out == *"No space left"* ]] || fail "create errno: $out"
out=$(mkdir "$T/m/newdir" 2>&1) && fail "mkdir on a full log"
[[ $out == *"No space left"* ]] || fail "mkdir errno: $out"
[ "$(df --output=iavail "$T/m" | tail -1 | tr -d ' ')" = 0 ] || fail "ifree"
term_famfsd "$DPID"
echo PASS
