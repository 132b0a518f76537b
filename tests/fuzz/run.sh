#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
#
# tests/fuzz/run.sh BUILD_DIR: build the libFuzzer targets with clang
# (ASan + UBSan, library instrumented for coverage), seed them from the
# fixtures, run each for FUZZ_SECONDS (default 60) and fail on any crash.
# A crashing input is left in BUILD_DIR/fuzz-artifacts/TARGET/; copy it to
# tests/fuzz/regress/TARGET/ once the bug is fixed.
set -euo pipefail
src=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-$src/build-fuzz}
secs=${FUZZ_SECONDS:-60}
fixtures=${FAMFS_FIXTURES:-$src/../shared/fixtures}
targets=(header image entry)

command -v clang >/dev/null || {
	echo "fuzz: clang not found (scripts/deps.sh installs it)" >&2
	exit 1
}
if [ ! -f "$build/build.ninja" ]; then
	mkdir -p "$build"
	CC=clang meson setup "$build" -Dfuzz=true -Db_lundef=false \
		-Db_sanitize=address,undefined -Dbuildtype=debugoptimized \
		-Dc_args=-fsanitize=fuzzer-no-link \
		>"$build.setup.log" 2>&1 || {
		cat "$build.setup.log"
		exit 1
	}
fi
ninja -C "$build" -j2 "${targets[@]/#/tests/fuzz/fuzz_}" >/dev/null ||
	ninja -C "$build" -j1 "${targets[@]/#/tests/fuzz/fuzz_}"

seeds="$build/fuzz-seeds"
rm -rf "$seeds"
python3 "$src/tests/fuzz/seeds.py" "$fixtures" "$seeds"

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}:abort_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
rc=0
for t in "${targets[@]}"; do
	corpus="$build/fuzz-corpus/$t"
	art="$build/fuzz-artifacts/$t"
	log="$build/fuzz-$t.log"
	mkdir -p "$corpus" "$art"
	echo "fuzz: $t for ${secs}s"
	if "$build/tests/fuzz/fuzz_$t" -max_total_time="$secs" \
		-max_len=40000 -rss_limit_mb=2048 -timeout=20 \
		-print_final_stats=1 -artifact_prefix="$art/" \
		"$corpus" "$seeds/$t" "$src/tests/fuzz/regress/$t" \
		>"$log" 2>&1; then
		grep -E '^stat::number_of_executed_units|^stat::peak_rss' "$log" |
			sed "s/^/fuzz: $t: /"
		grep -o 'cov: [0-9]* ft: [0-9]* corp: [0-9]*' "$log" | tail -1 |
			sed "s/^/fuzz: $t: /" || true
	else
		echo "fuzz: $t FAILED (log $log, inputs in $art):"
		grep -E 'ERROR|invariant|SUMMARY|Test unit written' "$log" | head -20
		rc=1
	fi
done
exit $rc
