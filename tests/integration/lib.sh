# SPDX-License-Identifier: Apache-2.0
# Shared helpers for the integration tests (sourced, not run).
#
# Every test gets its own temp dir ($T, under /tmp/itest), sparse images,
# its own system UUID files, and famfsd processes that a trap stops and
# unmounts even when the test fails. Tests exit 77 (skip) with a reason
# when a real FUSE mount is impossible here.

set -euo pipefail

ITEST_NAME=$(basename "${BASH_SOURCE[1]:-$0}" .sh)
FAMFS_BUILD=${FAMFS_BUILD:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../../build" && pwd)}
FAMFS_SRC=${FAMFS_SRC:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
FAMFSD=${FAMFSD:-$FAMFS_BUILD/daemon/famfsd}
FAMFS_CLI=${FAMFS_CLI:-$FAMFS_BUILD/tools/famfs}
ITOOL=${ITOOL:-$FAMFS_BUILD/tests/integration/itest-tool}
ITEST_DIR=$(dirname "${BASH_SOURCE[0]}")
# The uuid every fixture was written with: mounting with it makes us master.
FIXTURE_UUID=5eed0000-fa3f-4000-8000-00000000cafe
# The distribution's python3 (python3-yaml lives there); a python3 found
# first on PATH may be a slow wrapper (pyenv shims).
PY=/usr/bin/python3
[ -x $PY ] || PY=$(command -v python3)
# famfsd's default follow interval is 1 s; tests poll faster.
POLL_MS=${POLL_MS:-200}

_mounts=()
_pids=()
T=""

log() { printf '%s: %s\n' "$ITEST_NAME" "$*"; }
skip() {
	printf '%s: SKIP: %s\n' "$ITEST_NAME" "$*"
	exit 77
}
fail() {
	printf '%s: FAIL: %s\n' "$ITEST_NAME" "$*" >&2
	exit 1
}

# Skip unless this host allows FUSE mounts at all (root, /dev/fuse).
require_root_fuse() {
	[ "$(id -u)" = 0 ] || skip "needs root (FUSE mounts, /run/famfsd)"
	[ -c /dev/fuse ] || skip "/dev/fuse is missing"
}

# Skip unless a real FUSE mount by famfsd is possible on this host.
require_fuse() {
	require_root_fuse
	command -v fusermount3 >/dev/null || skip "fusermount3 is missing"
	[ -x "$FAMFSD" ] || skip "famfsd not built at $FAMFSD"
	[ -x "$ITOOL" ] || skip "itest-tool not built at $ITOOL"
}

have_cli() { [ -x "$FAMFS_CLI" ]; }

is_mounted() {
	awk -v m="$1" '$2 == m && $3 == "fuse.famfs" { f = 1 } END { exit !f }' \
		/proc/mounts
}

unmount() {
	local mnt=$1
	is_mounted "$mnt" || return 0
	fusermount3 -u "$mnt" 2>/dev/null || umount -l "$mnt" 2>/dev/null || true
}

_cleanup() {
	local rc=$? i pid n
	set +e
	for ((i = ${#_mounts[@]} - 1; i >= 0; i--)); do
		unmount "${_mounts[i]}"
	done
	for pid in "${_pids[@]}"; do
		kill -0 "$pid" 2>/dev/null || continue
		kill -TERM "$pid" 2>/dev/null
		for n in $(seq 50); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.1
		done
		kill -KILL "$pid" 2>/dev/null
	done
	for ((i = ${#_mounts[@]} - 1; i >= 0; i--)); do
		unmount "${_mounts[i]}"
	done
	if [ "$rc" != 0 ] && [ "$rc" != 77 ] && [ -n "$T" ]; then
		for f in "$T"/famfsd.*.log; do
			[ -s "$f" ] || continue
			if grep -q 'ERROR: AddressSanitizer\|runtime error:' "$f"; then
				echo "--- $f (sanitizer report)"
				grep -m1 -A30 'ERROR: AddressSanitizer\|runtime error:' "$f"
			else
				echo "--- $f (last 30 lines)"
				tail -n 30 "$f"
			fi
		done
	fi
	[ -n "$T" ] && [ -z "${ITEST_KEEP:-}" ] && rm -rf "$T"
	exit "$rc"
}

# Create $T and install the cleanup trap. Call once, after require_fuse.
setup() {
	mkdir -p /tmp/itest
	T=$(mktemp -d "/tmp/itest/$ITEST_NAME.XXXXXX")
	# famfsd's recovery journal and the CLI's check of it: per test.
	export FAMFS_JOURNAL_DIR=$T/journal
	trap _cleanup EXIT
	trap 'exit 130' INT TERM
}

# new_uuid FILE [UUID]: write a system uuid file (random when not given).
new_uuid() {
	local u=${2:-$(cat /proc/sys/kernel/random/uuid)}
	printf '%s\n' "$u" >"$1"
}

# make_fs IMG SIZE UUIDFILE [LOGLEN]: sparse image formatted as master
# UUIDFILE (created with a random uuid when missing).
make_fs() {
	local img=$1 size=$2 uuid=$3
	rm -f "$img"
	truncate -s "$size" "$img"
	[ -e "$uuid" ] || new_uuid "$uuid"
	"$ITOOL" mkfs "$img" "$uuid" ${4:+"$4"}
}

_daemon_seq=0
# spawn_famfsd MNT ARGS...: run "$FAMFSD ARGS..." in the background with
# its output in a new $T/famfsd.N.log (DLOG), stopped by the trap; wait
# until MNT is a live fuse.famfs mount. Sets DPID.
spawn_famfsd() {
	local mnt=$1 n
	shift
	_daemon_seq=$((_daemon_seq + 1))
	DLOG=$T/famfsd.$_daemon_seq.log
	mkdir -p "$mnt"
	"$FAMFSD" "$@" >"$DLOG" 2>&1 &
	DPID=$!
	_pids+=("$DPID")
	_mounts+=("$mnt")
	for n in $(seq 200); do
		if is_mounted "$mnt"; then
			# A live mount answers stat.
			stat "$mnt/.meta" >/dev/null 2>&1 && return 0
		fi
		kill -0 "$DPID" 2>/dev/null || {
			cat "$DLOG" >&2
			wait "$DPID" && fail "famfsd exited 0 before mounting" ||
				fail "famfsd exited $? before mounting $mnt"
		}
		sleep 0.05
	done
	cat "$DLOG" >&2
	fail "$mnt not mounted after 10 s"
}

# start_famfsd IMG MNT UUIDFILE [famfsd options...]: spawn_famfsd for
# famfsd -f with the test poll interval.
start_famfsd() {
	local img=$1 mnt=$2 uuid=$3
	shift 3
	spawn_famfsd "$mnt" -f -u "$uuid" -p "$POLL_MS" "$@" "$img" "$mnt"
}

# term_famfsd PID: SIGTERM must unmount and exit 0.
term_famfsd() {
	local rc=0
	kill -TERM "$1"
	wait "$1" || rc=$?
	[ "$rc" = 0 ] || fail "famfsd exit status $rc after SIGTERM"
}

# stop_famfsd PID MNT: unmount like an admin would and reap the daemon;
# returns the daemon's exit status.
stop_famfsd() {
	local pid=$1 mnt=$2 rc=0
	fusermount3 -u "$mnt" || fail "fusermount3 -u $mnt failed"
	wait "$pid" || rc=$?
	return "$rc"
}

# wait_for TIMEOUT_S CMD...: poll until CMD succeeds.
wait_for() {
	local tmo=$1 n
	shift
	for n in $(seq $((tmo * 20))); do
		"$@" && return 0
		sleep 0.05
	done
	return 1
}

# meta_stat MNT KEY: one value from .meta/.stats
meta_stat() {
	awk -v k="$2" '$1 == k { print $2 }' "$1/.meta/.stats"
}

# fsck IMG: the CLI's fsck when present, else itest-tool's replay check.
fsck_image() {
	if have_cli; then
		"$FAMFS_CLI" fsck "$1"
	else
		"$ITOOL" fsck "$1"
	fi
}

# errno_of OP ARGS...: print the errno name an operation fails with ("OK"
# when it succeeds); see errop.py.
errno_of() {
	$PY "$ITEST_DIR/errop.py" "$@"
}

# expect_errno NAME OP ARGS...
expect_errno() {
	local want=$1 got
	shift
	got=$(errno_of "$@")
	[ "$got" = "$want" ] || fail "$*: got $got, want $want"
	log "ok: $* -> $got"
}
