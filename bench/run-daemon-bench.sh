#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
#
# bench/run-daemon-bench.sh [BUILD_DIR] [MIB_PER_FILE] [NFILES]
#
# Make a sparse image, mount it with famfsd (daemon data path), and run
# bench/daemon_bench: sequential 1 MiB and random 4 KiB reads and writes
# with 1 and 2 threads against memcpy on the same image mapping (ratios),
# file creation rate on the master, then stat and readdir rates over the
# created files after a remount (cold caches). When perf works, famfsd's
# task clock and context switches during the I/O run are printed too.
# Needs root and /dev/fuse. The image lives under $BENCH_DIR (default
# /tmp/itest): on a disk file system every first write to a 2 MiB unit
# faults in and zeroes page-cache folios of the sparse file; with
# BENCH_DIR=/dev/shm/itest (tmpfs) memory behaves more like a dax device.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
mib=${2:-256}
nfiles=${3:-10000}
famfsd=$build/daemon/famfsd
bench=$build/bench/daemon_bench
mkfs=$build/tools/famfs
for b in "$famfsd" "$bench" "$mkfs"; do
	[ -x "$b" ] || {
		echo "run-daemon-bench: $b not built (scripts/build.sh $build)"
		exit 1
	}
done
[ "$(id -u)" = 0 ] && [ -c /dev/fuse ] || {
	echo "run-daemon-bench: needs root and /dev/fuse"
	exit 1
}

bdir=${BENCH_DIR:-/tmp/itest}
mkdir -p "$bdir"
dir=$(mktemp -d "$bdir/bench.XXXXXX")
img=$dir/img
mnt=$dir/mnt
uuid=$dir/uuid
mkdir -p "$mnt"
dpid=""
cleanup() {
	set +e
	grep -q " $mnt fuse.famfs " /proc/mounts &&
		{ fusermount3 -u "$mnt" || umount -l "$mnt"; }
	[ -n "$dpid" ] && kill "$dpid" 2>/dev/null && wait "$dpid"
	rm -rf "$dir"
}
trap cleanup EXIT

# Each file takes at least one 2 MiB unit.
size_gib=$(((nfiles * 2 + 4 * mib * 2) / 1024 + 8))
truncate -s "${size_gib}G" "$img"
"$mkfs" mkfs --system-uuid-file "$uuid" "$img" >/dev/null

mount_famfsd() {
	"$famfsd" -f -u "$uuid" "$img" "$mnt" >>"$dir/famfsd.log" 2>&1 &
	dpid=$!
	for _ in $(seq 200); do
		grep -q " $mnt fuse.famfs " /proc/mounts && return 0
		sleep 0.05
	done
	cat "$dir/famfsd.log"
	exit 1
}
unmount_famfsd() {
	fusermount3 -u "$mnt"
	wait "$dpid"
	dpid=""
}

echo "# famfsd benchmark: $(uname -r), $(nproc) CPUs," \
	"max_pages_limit $(cat /proc/sys/fs/fuse/max_pages_limit 2>/dev/null || echo ?)"
echo "# image: ${size_gib} GiB sparse file on $(stat -f -c %T "$dir"), ${mib} MiB per file"
mount_famfsd
head -1 "$dir/famfsd.log"
perf=()
if perf stat -e task-clock true >/dev/null 2>&1; then
	perf=(perf stat -e task-clock,context-switches,cpu-migrations,page-faults
		-p "$dpid" --)
fi
"${perf[@]}" "$bench" io "$mnt" "$img" "$mib" 2>"$dir/perf.txt"
if [ ${#perf[@]} -gt 0 ]; then
	echo "# famfsd process during the I/O run (perf stat):"
	grep -E 'task-clock|context-switches|cpu-migrations|page-faults|elapsed' \
		"$dir/perf.txt" | sed 's/^/#   /'
fi
cat "$mnt/.meta/.stats" | sed 's/^/# stats: /'
"$bench" create "$mnt" "$nfiles"
unmount_famfsd
mount_famfsd
echo "# after a remount (cold kernel caches):"
"$bench" meta "$mnt" "$nfiles"
echo "# again (warm: logged names and attributes are cached for cache_timeout):"
"$bench" meta "$mnt" "$nfiles"
unmount_famfsd
