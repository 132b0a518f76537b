#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
#
# tests/fuzz/run.sh BUILD_DIR: build the libFuzzer targets with clang
# (ASan + UBSan, library instrumented for coverage), seed them from the
# fixtures, run them two at a time (one per core) and fail on any crash:
#   image   until FUZZ_IMAGE_RUNS executions (default 1,000,000; the run
#           fails if it stops short, at most FUZZ_IMAGE_MAX_SECONDS)
#   alloc   FUZZ_ALLOC_SECONDS (default 90), beside image
#   header, entry   FUZZ_SECONDS each (default 30), side by side
# A crashing input is left in BUILD_DIR/fuzz-artifacts/TARGET/; copy it to
# tests/fuzz/regress/TARGET/ once the bug is fixed.
set -euo pipefail
src=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-$src/build-fuzz}
secs=${FUZZ_SECONDS:-30}
alloc_secs=${FUZZ_ALLOC_SECONDS:-90}
image_runs=${FUZZ_IMAGE_RUNS:-1000000}
image_max=${FUZZ_IMAGE_MAX_SECONDS:-600}
fixtures=${FAMFS_FIXTURES:-$src/../shared/fixtures}
targets=(header image entry alloc)

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

# A small quarantine: each run frees its namespace at the end, so a use
# after free shows within one run; the default 256 MiB costs a third of
# the execution rate in recycling.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}:abort_on_error=1:quarantine_size_mb=16
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1

# fuzz TARGET ARGS...: one libFuzzer run; its summary to $build/fuzz-T.log.
fuzz() {
	local t=$1
	shift
	local corpus="$build/fuzz-corpus/$t" art="$build/fuzz-artifacts/$t"
	mkdir -p "$corpus" "$art"
	"$build/tests/fuzz/fuzz_$t" "$@" \
		-max_len=40000 -rss_limit_mb=2048 -timeout=20 \
		-print_final_stats=1 -artifact_prefix="$art/" \
		"$corpus" "$seeds/$t" "$src/tests/fuzz/regress/$t" \
		>"$build/fuzz-$t.log" 2>&1
}

# report TARGET STATUS [MIN_RUNS]: print the stats, 1 on failure.
report() {
	local t=$1 st=$2 min=${3:-0} log="$build/fuzz-$1.log" n
	if [ "$st" != 0 ]; then
		echo "fuzz: $t FAILED (log $log, inputs in $build/fuzz-artifacts/$t):"
		grep -E 'ERROR|invariant|SUMMARY|Test unit written' "$log" | head -20
		return 1
	fi
	n=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
	echo "fuzz: $t: $n executions, $(sed -n 's/^stat::average_exec_per_sec: *//p' "$log")/s," \
		"$(sed -n 's/^stat::peak_rss_mb: *//p' "$log") MiB peak," \
		"$(grep -o 'cov: [0-9]* ft: [0-9]*' "$log" | tail -1)"
	if [ "${n:-0}" -lt "$min" ]; then
		echo "fuzz: $t: only ${n:-0} executions, want at least $min"
		return 1
	fi
}

rc=0
echo "fuzz: image to $image_runs executions, alloc ${alloc_secs}s"
fuzz image -runs="$image_runs" -max_total_time="$image_max" &
pi=$!
fuzz alloc -max_total_time="$alloc_secs" &
pa=$!
si=0 sa=0
wait $pi || si=$?
wait $pa || sa=$?
report image $si "$image_runs" || rc=1
report alloc $sa || rc=1

echo "fuzz: header and entry for ${secs}s"
fuzz header -max_total_time="$secs" &
ph=$!
fuzz entry -max_total_time="$secs" &
pe=$!
sh_=0 se=0
wait $ph || sh_=$?
wait $pe || se=$?
report header $sh_ || rc=1
report entry $se || rc=1
exit $rc
