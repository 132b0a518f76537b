#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# The hostile-entry corpus (tests/unit/hostile.c: bad paths, maps, types,
# shared extents, each entry with a valid CRC) served by famfsd as master
# and as client. The data area outside legitimate files holds a sentinel:
# every served file must read exactly its own bytes, nothing rejected may
# be served or opened for writing, and after all of it every device byte
# is still what it was. famfsd logs each rejected entry once; famfs fsck
# counts the same entries.
source "$(dirname "$0")/lib.sh"
require_fuse
HTOOL=${HTOOL:-$FAMFS_BUILD/tests/integration/hostile-tool}
[ -x "$HTOOL" ] || skip "hostile-tool not built at $HTOOL"
setup

img=$T/img
mnt=$T/mnt
new_uuid "$T/uuid"
"$HTOOL" build "$img" "$T/uuid" || fail "build"
read -r nrej ncoll < <("$HTOOL" rejected)
"$HTOOL" verify "$img" || fail "image wrong before any mount"

for role in master client; do
	if [ $role = master ]; then
		start_famfsd "$img" "$mnt" "$T/uuid"
		held=EEXIST
	else
		new_uuid "$T/uuid.client"
		start_famfsd "$img" "$mnt" "$T/uuid.client"
		held=EROFS
	fi
	grep -q "role=$role" "$DLOG" || fail "not $role: $(cat "$DLOG")"
	"$HTOOL" check "$mnt" || fail "$role: served bytes"
	# The collision the issue found: d/good's unit mapped again by "sh".
	good=$(sha256sum <"$mnt/d/good")
	[ ! -e "$mnt/sh" ] || fail "$role: the loser sh is served"
	printf XXXXXXXX | dd of="$mnt/sh" conv=notrunc status=none 2>/dev/null &&
		fail "$role: wrote through sh"
	[ "$(sha256sum <"$mnt/d/good")" = "$good" ] ||
		fail "$role: d/good changed"
	"$HTOOL" attack "$mnt" $held || fail "$role: attack"
	n=$(grep -c "famfsd: log: entry [0-9]*:" "$DLOG" || true)
	[ "$n" = "$nrej" ] || fail "$role: $n rejection lines, want $nrej"
	[ "$(grep -c "(collision: not served" "$DLOG")" = "$ncoll" ] ||
		fail "$role: collision lines"
	grep -q "entry skipped" "$DLOG" && fail "$role: wrong policy named"
	stop_famfsd "$DPID" "$mnt" || fail "famfsd exited $?"
	"$HTOOL" verify "$img" || fail "$role: a device byte changed"
	log "ok: $role"
done

if have_cli; then
	rc=0
	"$FAMFS_CLI" fsck --json "$img" >"$T/fsck.json" 2>/dev/null || rc=$?
	[ $rc = 1 ] || fail "fsck exit $rc, want 1"
	got=$($PY -c 'import json,sys; d=json.load(open(sys.argv[1]))
print(d["bad_entries"], d["collisions"], d["errors_total"], d["clean"])' \
		"$T/fsck.json")
	[ "$got" = "$nrej $ncoll $nrej False" ] || fail "fsck says $got"
fi
log "ok"
