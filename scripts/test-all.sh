#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
#
# Set up and run every test: the README's test command and what CI runs.
#   1. install the Debian packages (scripts/deps.sh)
#   2. -Werror build + every meson test suite (unit, fixtures, cli,
#      integration, protocol, ...) on the /dev/fuse transport, then the
#      integration suite again on FUSE-over-io_uring (the fuse module's
#      enable_uring parameter is set for each run and restored at the end;
#      the ASan build compiles meanwhile)
#   3. ASan+UBSan build + the same suites, on /dev/fuse
#   4. libFuzzer targets for a bounded time (clang)
#   5. formatting check (clang-format, kernel style)
#   6. the VM suite (tests/vm), when present
# Ends with one "N passed, N failed, N skipped" line.
set -uo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

passed=0
failed=0
skipped=0
failures=()

note() { printf '\n=== %s\n' "$*"; }

# Add the counts of a meson test log to the totals.
count_meson() {
	local log=$1 stage=$2 ok fail skip
	ok=$(sed -n 's/^Ok: *\([0-9]*\).*/\1/p' "$log" | tail -1)
	fail=$(sed -n 's/^Fail: *\([0-9]*\).*/\1/p' "$log" | tail -1)
	skip=$(sed -n 's/^Skipped: *\([0-9]*\).*/\1/p' "$log" | tail -1)
	tout=$(sed -n 's/^Timeout: *\([0-9]*\).*/\1/p' "$log" | tail -1)
	passed=$((passed + ${ok:-0}))
	failed=$((failed + ${fail:-0} + ${tout:-0}))
	skipped=$((skipped + ${skip:-0}))
	if [ "${fail:-0}" != 0 ] || [ "${tout:-0}" != 0 ]; then
		failures+=("$stage")
	fi
}

stage_fail() {
	failed=$((failed + 1))
	failures+=("$1")
}

run_meson_tests() {
	local dir=$1 stage=$2
	shift 2
	local log="$dir/test-all.log"
	meson test -C "$dir" --print-errorlogs --num-processes 2 "$@" 2>&1 |
		tee "$log" | grep -vE '^ *[0-9]+/[0-9]+ .* OK ' || true
	count_meson "$log" "$stage"
}

# The transport famfsd picks by default follows the fuse module's
# enable_uring parameter (kernel >= 6.14): N for /dev/fuse, Y for io_uring.
uring_param=/sys/module/fuse/parameters/enable_uring
uring_saved=""
[ -w "$uring_param" ] && uring_saved=$(cat "$uring_param")
set_uring() { [ -z "$uring_saved" ] || echo "$1" >"$uring_param"; }
restore_uring() { [ -z "$uring_saved" ] || echo "$uring_saved" >"$uring_param"; }
trap restore_uring EXIT

note "dependencies"
scripts/deps.sh || { echo "dependency install failed"; exit 1; }

note "build (-Werror)"
asan_opts=(-Dwerror=true -Db_sanitize=address,undefined -Db_lundef=false
	-Dbuildtype=debug)
asan_pid=""
if scripts/build.sh build-ci -Dwerror=true; then
	note "tests (-Werror build, /dev/fuse transport)"
	set_uring N
	run_meson_tests build-ci "tests"
	if [ -n "$uring_saved" ]; then
		# Compiling the ASan build does not care which transport runs.
		asan_log=$(mktemp)
		scripts/build.sh build-asan "${asan_opts[@]}" >"$asan_log" 2>&1 &
		asan_pid=$!
		note "integration tests (-Werror build, io_uring transport)"
		set_uring Y
		t0=$(date +%s)
		run_meson_tests build-ci "io_uring" --suite integration
		echo "io_uring integration run: $(($(date +%s) - t0)) s"
		restore_uring
	else
		echo "no $uring_param (kernel < 6.14 or not root): /dev/fuse only"
	fi
else
	stage_fail "build"
fi

note "build (ASan + UBSan)"
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
asan_ok=0
if [ -n "$asan_pid" ]; then
	wait "$asan_pid" || asan_ok=$?
	cat "$asan_log"
	rm -f "$asan_log"
else
	scripts/build.sh build-asan "${asan_opts[@]}" || asan_ok=$?
fi
if [ "$asan_ok" = 0 ]; then
	# On /dev/fuse, whatever the machine's enable_uring was left at: the
	# -Werror build covers io_uring above, and a run's result must not
	# depend on the module state an earlier run left behind.
	note "tests (ASan + UBSan build, /dev/fuse transport)"
	set_uring N
	run_meson_tests build-asan "asan" --no-suite slow
	restore_uring
else
	stage_fail "asan-build"
fi

if [ -x tests/fuzz/run.sh ]; then
	note "fuzz (bounded)"
	if tests/fuzz/run.sh "$root/build-fuzz"; then
		passed=$((passed + 1))
	else
		stage_fail "fuzz"
	fi
fi

note "clang-format (kernel style)"
drift=$(git ls-files '*.c' '*.h' | grep -v '^kernel/' | while read -r f; do
	clang-format "$f" | cmp -s - "$f" || echo "$f"
done)
if [ -z "$drift" ]; then
	passed=$((passed + 1))
else
	echo "clang-format would change:"
	echo "$drift"
	stage_fail "clang-format"
fi

if [ -x tests/vm/run.sh ]; then
	note "VM suite (QEMU, shared devdax)"
	tests/vm/run.sh
	rc=$?
	case $rc in
	0) passed=$((passed + 1)) ;;
	77) skipped=$((skipped + 1)) ;;
	*) stage_fail "vm" ;;
	esac
fi

echo
[ ${#failures[@]} -gt 0 ] && echo "failed stages: ${failures[*]}"
echo "test-all: $passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
