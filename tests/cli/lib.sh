# SPDX-License-Identifier: Apache-2.0
# Shared helpers for the CLI tests (sourced). Every test works in its own
# mktemp -d directory with sparse images and its own system UUID file.
set -euo pipefail

: "${FAMFS_BIN:?FAMFS_BIN must point at the famfs executable}"
T=$(mktemp -d "${TMPDIR:-/tmp}/famfs-cli.XXXXXX")
# Background jobs a failed test left behind are its own: stop them.
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$T"' EXIT
trap 'exit 143' TERM # a meson timeout still cleans up
trap 'exit 130' INT
export FAMFS_SYSTEM_UUID_FILE=$T/system_uuid
unset FAMFS_MOUNTINFO

famfs() { "$FAMFS_BIN" "$@"; }

# The distribution's python starts fast; version-manager shims do not.
PY=python3
[ -x /usr/bin/python3 ] && PY=/usr/bin/python3
py() { "$PY" "$@"; }

fail() {
	echo "FAIL: $*" >&2
	exit 1
}

# expect CODE REGEX CMD...: CMD exits with CODE; on failure its stderr is
# exactly one line matching REGEX (grep -E); stdout goes to $T/out.
expect() {
	local code=$1 pat=$2 rc=0
	shift 2
	"$@" >"$T/out" 2>"$T/err" || rc=$?
	[ "$rc" = "$code" ] ||
		fail "exit $rc, want $code: $*: $(cat "$T/err")"
	if [ -n "$pat" ]; then
		grep -qE -- "$pat" "$T/err" ||
			fail "stderr lacks /$pat/: $*: $(cat "$T/err")"
	fi
	if [ "$code" != 0 ] && [ -z "${MULTILINE:-}" ]; then
		[ "$(wc -l <"$T/err")" = 1 ] ||
			fail "want one error line: $*: $(cat "$T/err")"
	fi
	return 0
}

ok() { expect 0 "" "$@"; }

# newimg NAME [SIZE]: a sparse image file; prints its path.
newimg() {
	truncate -s "${2:-8G}" "$T/$1"
	echo "$T/$1"
}

# newfs NAME [SIZE] [mkfs options]: image + mkfs; prints its path.
newfs() {
	local name=$1 size=${2:-8G} img
	shift 2 || shift $#
	img=$(newimg "$name" "$size")
	famfs mkfs "$@" "$img" >/dev/null
	echo "$img"
}

# jq-like field access with python: jget FILE EXPR (EXPR uses d).
jget() { py -c "import json,sys; d=json.load(open(sys.argv[1])); print($2)" "$1"; }

# Number of log entries in use.
nentries() {
	famfs fsck --json "$1" >"$T/fsck.json" || true
	jget "$T/fsck.json" 'd["log"]["entries_used"]'
}

# Device offset of file PATH's first extent (simple files).
file_offset() {
	famfs logdump --json "$1" >"$T/dump.json"
	py -c "
import json,sys
d=json.load(open(sys.argv[1]))
for e in d['entries']:
    if e.get('path')==sys.argv[2] and e['kind']=='file':
        print(e['extents'][0]['offset'])
" "$T/dump.json" "$2"
}

# Flip one byte (XOR 0xff) at device offset OFF.
flip_byte() {
	local img=$1 off=$2 b
	b=$(dd if="$img" bs=1 skip="$off" count=1 status=none | od -An -tu1)
	printf "$(printf '\\%03o' $((b ^ 255)))" |
		dd of="$img" bs=1 seek="$off" count=1 conv=notrunc status=none
}

# Log entry K's device offset (default 8 MiB log at 2 MiB).
entry_off() { echo $((2097152 + 48 + 544 * $1)); }
