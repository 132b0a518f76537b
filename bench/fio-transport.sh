#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
#
# bench/fio-transport.sh [BUILD_DIR]
#
# fio through famfsd on both transports (/dev/fuse, io_uring) side by side
# with plain tmpfs through the same syscalls, memcpy (fio's mmap engine on
# tmpfs) and, when given, libfuse's passthrough_hp reference server over a
# tmpfs file: 1 GiB file, rows for 1, 2 and 4 jobs, ROUNDS rounds with the
# servers interleaved, medians printed with their ratios.
#
#   FAMFS_BENCH_PTHP_314=PATH passthrough_hp built against libfuse 3.14
#   FAMFS_BENCH_PTHP_318=PATH a 3.18 build (run with -o io_uring and
#                             --nopassthrough, so it serves the data itself)
#   ROUNDS (3), RUNTIME (seconds per fio row, 3), JOBS ("1 2 4")
#   DAEMON_BENCH=1            also run bench/daemon_bench io (1 and 2
#                             threads against memcpy on the image mapping)
#                             on each famfsd transport, in round 1
#
# Needs root, /dev/fuse and fio (apt-get install fio). io_uring columns
# need Linux 6.14+: /sys/module/fuse/parameters/enable_uring is set to Y
# for the run and restored at exit. Take numbers on a quiet machine: the
# load average is printed before and after.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
ROUNDS=${ROUNDS:-3}
RUNTIME=${RUNTIME:-3}
JOBS=${JOBS:-1 2 4}
famfsd=$build/daemon/famfsd
mkfs=$build/tools/famfs
command -v fio >/dev/null || {
	echo "fio-transport: needs fio (apt-get install fio)"
	exit 1
}
for b in "$famfsd" "$mkfs"; do
	[ -x "$b" ] || {
		echo "fio-transport: $b not built"
		exit 1
	}
done
[ "$(id -u)" = 0 ] && [ -c /dev/fuse ] || {
	echo "fio-transport: needs root and /dev/fuse"
	exit 1
}
param=/sys/module/fuse/parameters/enable_uring
saved=""
[ -w $param ] && saved=$(cat $param)

dir=$(mktemp -d /dev/shm/fio-transport.XXXXXX)
pid=""
cleanup() {
	set +e
	for m in "$dir"/mnt-*; do
		grep -q " $m " /proc/mounts && { fusermount3 -u "$m" || umount -l "$m"; }
	done
	[ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid"
	[ -n "$saved" ] && echo "$saved" >$param
	rm -rf "$dir"
}
trap cleanup EXIT

# Rows: name, fio arguments (psync unless said).
rows=()
for j in $JOBS; do
	rows+=("randread-4k-direct-j$j|--rw=randread --bs=4k --direct=1 --numjobs=$j")
done
rows+=("randread-4k-buffered-j1|--rw=randread --bs=4k --direct=0 --numjobs=1")
rows+=("seqread-1m-direct-j1|--rw=read --bs=1M --direct=1 --numjobs=1")
rows+=("seqread-1m-buffered-j1|--rw=read --bs=1M --direct=0 --numjobs=1 --iomem_align=4096")
for j in 1 2; do
	rows+=("randwrite-4k-direct-j$j|--rw=randwrite --bs=4k --direct=1 --numjobs=$j")
done
rows+=("seqwrite-1m-direct-j1|--rw=write --bs=1M --direct=1 --numjobs=1")

# fio_row DIR ARGS...: "IOPS MB/s" of one row.
fio_row() {
	local d=$1
	shift
	fio --name=r --directory="$d" --filename=f --size=1G --ioengine=psync \
		--time_based --runtime="$RUNTIME" --group_reporting \
		--output-format=json "$@" 2>/dev/null | python3 -c '
import json, sys
j = json.load(sys.stdin)["jobs"][0]
r = j["read"] if j["read"]["io_bytes"] else j["write"]
print("%.0f %.1f" % (r["iops"], r["bw_bytes"] / 1e6))'
}

# Context switches of process $1, all threads.
ctxsw() {
	cat /proc/"$1"/task/*/status 2>/dev/null |
		awk '/ctxt_switches/ { s += $2 } END { print s + 0 }'
}

wait_mount() {
	for _ in $(seq 200); do
		grep -q " $1 " /proc/mounts && return 0
		sleep 0.05
	done
	echo "fio-transport: $1 did not mount"
	exit 1
}

# start SERVER: mount it on $dir/mnt-SERVER with a 1 GiB file f; sets pid.
start() {
	local s=$1 m=$dir/mnt-$1
	mkdir -p "$m"
	pid=""
	case $s in
	tmpfs | memcpy)
		mount -t tmpfs -o size=2G tmpfs "$m"
		head -c 1G /dev/urandom >"$m/f"
		;;
	famfsd-dev | famfsd-uring)
		local u=off
		[ "$s" = famfsd-uring ] && u=on
		rm -f "$dir/img"
		truncate -s 4G "$dir/img"
		"$mkfs" mkfs --system-uuid-file "$dir/uuid" "$dir/img" >/dev/null
		"$famfsd" -f -u "$dir/uuid" --settle-ms 100 -o uring=$u \
			"$dir/img" "$m" >>"$dir/famfsd.log" 2>&1 &
		pid=$!
		wait_mount "$m"
		head -c 1G /dev/urandom >"$m/f"
		# Logged (immutable) before it is measured.
		for _ in $(seq 100); do
			grep -qx "pending 0" "$m/.meta/.stats" && break
			sleep 0.1
		done
		;;
	php314 | php318)
		local bin=$FAMFS_BENCH_PTHP_314 extra=()
		if [ "$s" = php318 ]; then
			bin=$FAMFS_BENCH_PTHP_318
			extra=(--nopassthrough -o io_uring)
		fi
		mkdir -p "$dir/src"
		head -c 1G /dev/urandom >"$dir/src/f"
		"$bin" --foreground "${extra[@]}" "$dir/src" "$m" \
			>>"$dir/php.log" 2>&1 &
		pid=$!
		wait_mount "$m"
		;;
	esac
}

stop() {
	local m=$dir/mnt-$1
	case $1 in
	tmpfs | memcpy) umount "$m" ;;
	*)
		fusermount3 -u "$m"
		wait "$pid" || true
		pid=""
		rm -rf "$dir/src" "$dir/img"
		;;
	esac
}

servers=(tmpfs memcpy famfsd-dev)
[ -n "$saved" ] && servers+=(famfsd-uring)
[ -n "${FAMFS_BENCH_PTHP_314:-}" ] && servers+=(php314)
[ -n "${FAMFS_BENCH_PTHP_318:-}" ] && [ -n "$saved" ] && servers+=(php318)
[ -n "$saved" ] && echo Y >$param

echo "# fio-transport: $(uname -r), $(nproc) CPUs, $ROUNDS rounds x" \
	"${RUNTIME}s per row, 1 GiB file; load before: $(cut -d' ' -f1-3 /proc/loadavg)"
res=$dir/results
: >"$res"
for r in $(seq "$ROUNDS"); do
	for s in "${servers[@]}"; do
		start "$s"
		for row in "${rows[@]}"; do
			name=${row%%|*}
			args=${row#*|}
			# memcpy: reads from a mapping of the tmpfs file.
			[ "$s" = memcpy ] && { [[ $name == *read* ]] || continue; }
			[ "$s" = memcpy ] &&
				args="${args/--direct=1/--direct=0} --ioengine=mmap"
			c0=0
			[ -n "$pid" ] && c0=$(ctxsw "$pid")
			# shellcheck disable=SC2086
			out=$(fio_row "$dir/mnt-$s" $args)
			c1=0
			[ -n "$pid" ] && c1=$(ctxsw "$pid")
			echo "$r $s $name $out $((c1 - c0))" >>"$res"
		done
		if [ "$r" = 1 ] && [ -n "${DAEMON_BENCH:-}" ] &&
			[[ $s == famfsd-* ]]; then
			"$build/bench/daemon_bench" io "$dir/mnt-$s" "$dir/img" 64 |
				sed "s/^/# daemon_bench $s: /" >>"$dir/daemon_bench.txt"
		fi
		stop "$s"
	done
done
echo "# load after: $(cut -d' ' -f1-3 /proc/loadavg)"
[ -s "$dir/daemon_bench.txt" ] && cat "$dir/daemon_bench.txt"
grep -h "transport" "$dir/famfsd.log" | sort -u | sed 's/^/# /'

python3 - "$res" "$RUNTIME" "${servers[@]}" <<'PY'
import statistics, sys
res, runtime, servers = sys.argv[1], float(sys.argv[2]), sys.argv[3:]
vals, names = {}, []
for line in open(res):
    r, s, name, iops, mbs, cs = line.split()
    if name not in names:
        names.append(name)
    vals.setdefault((s, name), []).append((float(iops), float(mbs), int(cs)))
def med(s, n, i):
    v = vals.get((s, n))
    return statistics.median(x[i] for x in v) if v else None
def fmt(s, n):
    v = med(s, n, 0)
    if v is None:
        return "-"
    big = n.startswith("seq")
    return "%.0f MB/s" % med(s, n, 1) if big else "%.1fk" % (v / 1e3)
def ratio(a, b, n):
    x, y = med(a, n, 0), med(b, n, 0)
    return "%.2f" % (x / y) if x and y else "-"
cols = [s for s in servers]
pairs = [("famfsd-dev", "tmpfs"), ("famfsd-dev", "php314"),
         ("famfsd-uring", "php314"), ("famfsd-uring", "php318"),
         ("famfsd-uring", "famfsd-dev"), ("famfsd-dev", "memcpy"),
         ("famfsd-uring", "memcpy")]
pairs = [p for p in pairs if p[0] in servers and p[1] in servers]
print("| row | " + " | ".join(cols) + " | " +
      " | ".join("%s/%s" % p for p in pairs) + " |")
print("|---" * (1 + len(cols) + len(pairs)) + "|")
for n in names:
    print("| %s | " % n + " | ".join(fmt(s, n) for s in cols) + " | " +
          " | ".join(ratio(a, b, n) for a, b in pairs) + " |")
print()
print("context switches per I/O (server process, all threads, medians):")
for s in servers:
    if s in ("tmpfs", "memcpy"):
        continue
    out = []
    for n in names:
        v = vals.get((s, n))
        if not v:
            continue
        per = statistics.median(x[2] / max(1.0, x[0] * runtime) for x in v)
        out.append("%s %.2f" % (n, per))
    print("  %s: %s" % (s, ", ".join(out)))
PY
