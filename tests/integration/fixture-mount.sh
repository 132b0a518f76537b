#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# fixture-mount.sh NAME: an image written by upstream famfs mounts, as
# master (the fixtures' own system uuid) and as a client, and shows exactly
# the tree, attributes and bytes its manifest describes; inode numbers
# agree.
source "$(dirname "$0")/lib.sh"
name=${1:?usage: fixture-mount.sh FIXTURE}
require_fuse
[ -n "${FAMFS_FIXTURES:-}" ] && [ -d "$FAMFS_FIXTURES" ] ||
	skip "FAMFS_FIXTURES not set or missing"
[ -e "$FAMFS_FIXTURES/$name.meta.xz" ] || fail "no fixture $name"
setup

img=$T/$name.img
$PY "$ITEST_DIR/fixture.py" build "$FAMFS_FIXTURES" "$name" "$img"
new_uuid "$T/master.uuid" "$FIXTURE_UUID"
new_uuid "$T/client.uuid"

for role in master client; do
	start_famfsd "$img" "$T/mnt-$role" "$T/$role.uuid"
	got=$(meta_stat "$T/mnt-$role" role)
	[ "$got" = "$role" ] || fail "role is '$got', want $role"
	$PY "$ITEST_DIR/fixture.py" check "$FAMFS_FIXTURES" "$name" \
		"$T/mnt-$role" "$T/inos.$role" || fail "$role mount differs"
	stop_famfsd "$DPID" "$T/mnt-$role" || fail "famfsd exited $?"
done
cmp "$T/inos.master" "$T/inos.client" ||
	fail "inode numbers differ between master and client"
# Mounting must not have changed the metadata.
xz -dc "$FAMFS_FIXTURES/$name.meta.xz" >"$T/meta"
cmp -n "$(stat -c %s "$T/meta")" "$T/meta" "$img" ||
	fail "the metadata region changed"
log "ok"
