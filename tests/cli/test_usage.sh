#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Help, version and argument errors of the famfs dispatcher.
. "$(dirname "$0")/lib.sh"

ok famfs --version
grep -qE '^famfs [0-9]+\.[0-9]+' "$T/out" || fail version
ok famfs --help
cp "$T/out" "$T/help"
for c in mkfs fsck ls logdump mkdir creat cp verify cat; do
	grep -qE "^  $c " "$T/help" || fail "$c missing from --help"
	ok famfs "$c" --help
	grep -q "^Usage: famfs $c" "$T/out" || fail "$c --help"
	grep -q "Exit status" "$T/out" || fail "$c --help lacks exit codes"
	expect 1 "^famfs $c: bad option '--no-such-option'" \
		famfs "$c" --no-such-option
done
expect 1 "bad option or missing argument: -s" famfs creat x y -s
expect 1 "^famfs: unknown command 'frob'" famfs frob
expect 1 "^famfs: bad option '--frob'" famfs --frob
MULTILINE=1 expect 1 "Usage: famfs" famfs
echo "usage: ok"
