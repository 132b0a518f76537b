#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
#
# bench/run-bench.sh [--quick] [--rounds N] [--no-replay] [--no-pin] [BUILD_DIR]
#
# Every row next to its limit, measured in the same run, medians of N
# rounds (targets interleaved within each round so load spreads evenly):
#   data rows (fio, psync, one file): memcpy on the file's bytes in the
#     image mapping (daemon_bench memcpy), plain tmpfs through the same
#     syscalls, famfsd on /dev/fuse (-o uring=off) and on FUSE-over-io_uring
#     (-o uring=on), and libfuse's passthrough_hp over the same tmpfs files
#     as the reference FUSE server: 3.14 built against Debian's libfuse
#     ($FAMFS_BENCH_PTHP_314) and a 3.18 release run with -o io_uring
#     ($FAMFS_BENCH_PTHP_318, with --nopassthrough so the server moves
#     the data); a column prints "n/a" with the reason when a target is
#     missing;
#   each FUSE server's cost per I/O in the data rows: context switches of
#     all its threads and CPU time (/proc, so no perf is needed);
#   metadata rows over NFILES files in directories of 100 (daemon_bench):
#     stat by path on a fresh mount, ls -l (readdir + lstat) on a fresh
#     mount, stat again; tmpfs is the limit;
#   daemon_bench io on each famfsd transport, on a fresh image: new-file
#     and in-place sequential writes, sequential and random reads and
#     writes at 1 and 2 threads against memcpy, bytes per upcall;
#   replay (bench/replay_bench: replay against bare crc32 on 8 and 256 MiB
#     logs) and famfsd's mount-ready time on a full 256 MiB log.
# Needs root, /dev/fuse, fio and jq (scripts/deps.sh installs them). Files
# live under $BENCH_DIR (default /dev/shm/famfs-bench: tmpfs, so the
# image behaves like memory). The FUSE-over-io_uring module parameter is
# switched on for the run when it is off, and restored at exit.
# Client jobs are pinned, one CPU each (fio --cpus_allowed_policy=split,
# the stat rows under taskset -c 0): an unpinned job that the scheduler
# moves off its queue's CPU makes every reply a cross-CPU wake-up, which
# swung one job between 23k and 77k IOPS on either server. --no-pin
# measures unpinned.
# --quick: small sizes, 0.2 s per row, one round (CI runs it to keep the
# harness working; it asserts no timing). Exit status: 0, 1 when a
# measurement failed, 77 when root, /dev/fuse or fio is missing.
set -uo pipefail
cd "$(dirname "$0")/.."

quick=0
rounds=3
replay=1
pin=1
build=build
while [ $# -gt 0 ]; do
	case $1 in
	--quick) quick=1 ;;
	--rounds) rounds=$2; shift ;;
	--no-replay) replay=0 ;;
	--no-pin) pin=0 ;;
	-*) echo "usage: $0 [--quick] [--rounds N] [--no-replay] [--no-pin] [BUILD_DIR]"; exit 2 ;;
	*) build=$1 ;;
	esac
	shift
done
if [ "$quick" = 1 ]; then
	file_mib=64 nfiles=200 runtime_ms=200 ramp=0 rounds=1
else
	file_mib=1024 nfiles=10000 runtime_ms=3000 ramp=1
fi

famfsd=$build/daemon/famfsd
famfs=$build/tools/famfs
dbench=$build/bench/daemon_bench
rbench=$build/bench/replay_bench
for b in "$famfsd" "$famfs" "$dbench" "$rbench"; do
	[ -x "$b" ] || { echo "run-bench: $b not built"; exit 1; }
done
skip() { echo "run-bench: SKIP: $*"; exit 77; }
[ "$(id -u)" = 0 ] || skip "needs root"
[ -c /dev/fuse ] || skip "no /dev/fuse"
command -v fio >/dev/null || skip "fio not installed (scripts/deps.sh)"
command -v jq >/dev/null || skip "jq not installed (scripts/deps.sh)"

bdir=${BENCH_DIR:-/dev/shm/famfs-bench}
mkdir -p "$bdir"
D=$(mktemp -d "$bdir/run.XXXXXX")
src=$D/src
img=$D/img
mnt=$D/mnt
mkdir -p "$src" "$mnt"
dpid=""
uring_param=/sys/module/fuse/parameters/enable_uring
uring_saved=""

cleanup() {
	set +e
	stop_mount
	[ -n "$uring_saved" ] && echo "$uring_saved" >"$uring_param"
	rm -rf "$D"
}
trap cleanup EXIT

is_mounted() { grep -q " $1 fuse" /proc/mounts; }

stop_mount() {
	if is_mounted "$mnt"; then
		fusermount3 -u "$mnt" 2>/dev/null || umount -l "$mnt"
	fi
	if [ -n "$dpid" ]; then
		wait "$dpid" 2>/dev/null
		dpid=""
	fi
}

# start_mount LOG CMD...: run a FUSE server in the foreground, wait for
# its mount. 1 (with its log) when it exits or never mounts.
start_mount() {
	local log=$1
	shift
	"$@" >"$log" 2>&1 &
	dpid=$!
	for _ in $(seq 400); do
		is_mounted "$mnt" && return 0
		kill -0 "$dpid" 2>/dev/null || break
		sleep 0.025
	done
	kill "$dpid" 2>/dev/null
	wait "$dpid" 2>/dev/null
	dpid=""
	return 1
}

# ---- targets ------------------------------------------------------------

declare -A why_na # target -> why it has no column
targets=(tmpfs fuse uring pt314 pt318)
declare -A tname=([tmpfs]="tmpfs" [fuse]="famfsd /dev/fuse"
	[uring]="famfsd io_uring" [pt314]="passthrough_hp 3.14"
	[pt318]="passthrough_hp 3.18 io_uring")

# mount_famfsd fuse|uring IMAGE [OPTION...]: famfsd on $mnt.
mount_famfsd() {
	local t=$1 image=$2 o=()
	shift 2
	[ "$has_uring" = 1 ] && o=(-o "uring=off")
	[ "$t" = uring ] && o=(-o "uring=on")
	start_mount "$D/famfsd.log" "$famfsd" -f -u "$D/uuid" "${o[@]}" "$@" \
		"$image" "$mnt"
}

mount_target() { # TARGET: mount it on $mnt (tmpfs: nothing)
	case $1 in
	tmpfs) return 0 ;;
	fuse | uring) mount_famfsd "$1" "$img" ;;
	pt314) start_mount "$D/pt.log" "$FAMFS_BENCH_PTHP_314" \
		--foreground "$src" "$mnt" ;;
	pt318) start_mount "$D/pt.log" "$FAMFS_BENCH_PTHP_318" \
		--foreground --nopassthrough -o io_uring "$src" "$mnt" ;;
	esac
}

root_of() { [ "$1" = tmpfs ] && echo "$src" || echo "$mnt"; }

echo "# run-bench: $(uname -r), $(nproc) CPUs, $(date -u +%FT%TZ)"
echo "# load at start: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "# sizes: ${file_mib} MiB file, ${nfiles} files, ${runtime_ms} ms" \
	"per row, ${rounds} round(s), files on $(stat -f -c %T "$D")"
if [ "$pin" = 1 ]; then
	echo "# clients pinned: one CPU per fio job, stat rows on CPU 0"
else
	echo "# clients not pinned (--no-pin)"
fi

# FUSE-over-io_uring needs the module parameter (kernel >= 6.14). A full
# run switches it on (and back off at exit); --quick (CI, next to other
# tests that chose their transport) leaves it alone.
if [ -e "$uring_param" ] && [ "$(cat "$uring_param")" != Y ]; then
	if [ "$quick" = 0 ] && [ -w "$uring_param" ] &&
		echo Y >"$uring_param" 2>/dev/null; then
		uring_saved=N
		echo "# $uring_param set to Y for the run (restored at exit)"
	else
		why_na[uring]="$uring_param is N"
		why_na[pt318]="not run: $uring_param is N"
	fi
fi
[ -e "$uring_param" ] || why_na[uring]="kernel without FUSE-over-io_uring"
has_uring=1
"$famfsd" --help | grep -q 'uring=' || {
	has_uring=0
	why_na[uring]="famfsd has no -o uring (no io_uring transport)"
}
for v in 314 318; do
	var=FAMFS_BENCH_PTHP_$v
	if [ -z "${!var:-}" ]; then
		why_na[pt$v]="not available: set $var to a passthrough_hp binary"
	elif [ ! -x "${!var}" ]; then
		why_na[pt$v]="not available: $var=${!var} is not executable"
	fi
done
[ -e "$uring_param" ] || why_na[pt318]=${why_na[pt318]:-"kernel without FUSE-over-io_uring"}

# ---- the files ----------------------------------------------------------

# Each famfs file takes at least one 2 MiB unit.
size_gib=$(((nfiles * 2 + file_mib * 2) / 1024 + 8))
truncate -s "${size_gib}G" "$img"
"$famfs" mkfs --system-uuid-file "$D/uuid" "$img" >/dev/null ||
	{ echo "run-bench: mkfs failed"; exit 1; }
dd if=/dev/zero of="$src/data" bs=1M count="$file_mib" status=none
"$dbench" create "$src" "$nfiles" >/dev/null
start_mount "$D/famfsd.log" "$famfsd" -f -u "$D/uuid" "$img" "$mnt" || {
	cat "$D/famfsd.log"
	exit 1
}
cp "$src/data" "$mnt/data"
"$dbench" create "$mnt" "$nfiles" | sed 's/^/# famfsd /'
for _ in $(seq 600); do # logged once settled
	grep -q '^pending 0$' "$mnt/.meta/.stats" && break
	sleep 0.05
done
grep -q '^pending 0$' "$mnt/.meta/.stats" ||
	{ echo "run-bench: files never got logged"; exit 1; }
stop_mount

# ---- measurements ---------------------------------------------------------

declare -A val # "row target round" -> number
rows=(rr1 rr2 rr4 rrb sr srb rw1 rw2 sw mmap statc lsc statw)
declare -A rlabel=(
	[rr1]="random 4 KiB read, O_DIRECT, 1 job"
	[rr2]="random 4 KiB read, O_DIRECT, 2 jobs"
	[rr4]="random 4 KiB read, O_DIRECT, 4 jobs"
	[rrb]="random 4 KiB read, buffered, 1 job"
	[sr]="sequential 1 MiB read, O_DIRECT"
	[srb]="sequential 1 MiB read, buffered"
	[rw1]="random 4 KiB write, O_DIRECT, 1 job"
	[rw2]="random 4 KiB write, O_DIRECT, 2 jobs"
	[sw]="sequential 1 MiB write, O_DIRECT"
	[mmap]="mmap read, one pass, new mapping"
	[statc]="stat by path, fresh mount"
	[lsc]="ls -l (readdir + lstat), fresh mount"
	[statw]="stat again, warm"
)
declare -A unit=([rr1]=kIOPS [rr2]=kIOPS [rr4]=kIOPS [rrb]=kIOPS
	[sr]=MB/s [srb]=MB/s [rw1]=kIOPS [rw2]=kIOPS [sw]=MB/s [mmap]=MB/s
	[statc]=kstat/s [lsc]=kstat/s [statw]=kstat/s)
declare -A csw cpu # "row target round" -> per I/O of the server process
fails=0
tck=$(getconf CLK_TCK)

# "context-switches cpu-ticks" of the FUSE server (all its threads so
# far), nothing for tmpfs.
server_sample() {
	[ -n "$dpid" ] || return 0
	local cs ticks
	cs=$(cat /proc/"$dpid"/task/*/status 2>/dev/null |
		awk '/ctxt_switches/ {s += $2} END {print s + 0}')
	# utime and stime, fields 14 and 15 (the name may hold spaces)
	ticks=$(sed 's/^.*) //' /proc/"$dpid"/stat | awk '{print $12 + $13}')
	echo "$cs $ticks"
}

# fio ROW TARGET ROUND: one fio job on the target's copy of the file.
run_fio() {
	local row=$1 t=$2 r=$3 rw bs=4k direct=1 jobs=1 eng=psync dir=read
	local args=(--time_based "--runtime=${runtime_ms}ms"
		"--ramp_time=$ramp") pinning=()
	local s0 s1 ios c0 t0 c1 t1
	case $row in
	rr1) rw=randread ;;
	rr2) rw=randread jobs=2 ;;
	rr4) rw=randread jobs=4 ;;
	rrb) rw=randread direct=0 ;;
	sr) rw=read bs=1M ;;
	srb) rw=read bs=1M direct=0 ;;
	rw1) rw=randwrite dir=write ;;
	rw2) rw=randwrite jobs=2 dir=write ;;
	sw) rw=write bs=1M dir=write ;;
	mmap) rw=read bs=1M direct=0 eng=mmap args=() ;;
	esac
	[ "$pin" = 1 ] && pinning=("--cpus_allowed=0-$(($(nproc) - 1))"
		--cpus_allowed_policy=split)
	s0=$(server_sample)
	if ! fio "${pinning[@]}" --name=b --filename="$(root_of "$t")/data" \
		--size="${file_mib}M" --rw=$rw --bs=$bs --direct=$direct \
		--numjobs=$jobs --group_reporting --ioengine=$eng \
		--fallocate=none --allow_file_create=0 --iomem_align=4096 \
		"${args[@]}" \
		--output-format=json --output="$D/fio.json" >"$D/fio.err" 2>&1; then
		echo "run-bench: fio $row on ${tname[$t]} failed: $(tail -2 "$D/fio.err")"
		fails=$((fails + 1))
		return
	fi
	s1=$(server_sample)
	if [ -n "$s0" ]; then
		# fio counts no I/O during the ramp; the server works then too
		ios=$(jq ".jobs[0].$dir.total_ios" "$D/fio.json")
		[ ${#args[@]} -gt 0 ] && ios=$(awk "BEGIN {print $ios * \
			($runtime_ms / 1000 + $ramp) / ($runtime_ms / 1000)}")
		read -r c0 t0 c1 t1 <<<"$s0 $s1"
		csw[$row $t $r]=$(awk "BEGIN {if ($ios) print ($c1 - $c0) / $ios}")
		cpu[$row $t $r]=$(awk "BEGIN {if ($ios) print ($t1 - $t0) * 1e6 / $tck / $ios}")
	fi
	if [ "$bs" = 4k ]; then
		val[$row $t $r]=$(jq ".jobs[0].$dir.iops / 1000" "$D/fio.json")
	else
		val[$row $t $r]=$(jq ".jobs[0].$dir.bw_bytes / 1e6" "$D/fio.json")
	fi
}

# meta ROW TARGET ROUND CMD: daemon_bench CMD, its rate in thousands.
run_meta() {
	local out pinning=()
	[ "$pin" = 1 ] && pinning=(taskset -c 0)
	out=$("${pinning[@]}" "$dbench" "$4" "$(root_of "$2")" "$nfiles") || {
		echo "run-bench: daemon_bench $4 on ${tname[$2]} failed"
		fails=$((fails + 1))
		return
	}
	val[$1 $2 $3]=$(awk '{print $2 / 1000; exit}' <<<"$out")
}

measure_target() { # TARGET ROUND
	local t=$1 r=$2 row
	if [ "$t" != tmpfs ]; then
		# Fresh mounts: nothing of the tree is in the kernel's caches.
		mount_target "$t" || { mount_failed "$t"; return; }
		run_meta statc "$t" "$r" stat
		stop_mount
		mount_target "$t" || { mount_failed "$t"; return; }
		run_meta lsc "$t" "$r" ls
		run_meta statw "$t" "$r" stat
	else
		run_meta statc "$t" "$r" stat
		run_meta lsc "$t" "$r" ls
		run_meta statw "$t" "$r" stat
	fi
	for row in "${rows[@]}"; do
		case $row in stat* | lsc) continue ;; esac
		run_fio "$row" "$t" "$r"
	done
	if [ "$t" = uring ] && ! grep -q '^transport io_uring' "$mnt/.meta/.stats"; then
		why_na[uring]="famfsd fell back: $(grep '^transport' "$mnt/.meta/.stats")"
	fi
	stop_mount
}

# A reference server that does not mount loses its column; famfsd not
# mounting is a failure.
mount_failed() {
	local log=$D/famfsd.log
	[ "${1#pt}" != "$1" ] && log=$D/pt.log
	why_na[$1]="did not mount: $(tail -1 "$log")"
	echo "run-bench: ${tname[$1]} ${why_na[$1]}"
	[ "${1#pt}" != "$1" ] || fails=$((fails + 1))
}

# The limits: memcpy on the file's bytes in the image mapping.
declare -A lim
measure_limits() { # ROUND
	local rr=$1 secs
	secs=$(awk "BEGIN {print $runtime_ms / 1000}")
	for spec in "rr1 randread 1" "rr2 randread 2" "rr4 randread 4" \
		"rrb randread 1" "sr seqread 1" "srb seqread 1" \
		"rw1 randwrite 1" "rw2 randwrite 2" "sw seqwrite 1" \
		"mmap seqread 1"; do
		set -- $spec
		lim[$1 $rr]=$("$dbench" memcpy "$img" data "$2" "$3" "$secs" |
			awk '{print $2; exit}') || fails=$((fails + 1))
	done
}

for r in $(seq "$rounds"); do
	measure_limits "$r"
	for t in "${targets[@]}"; do
		[ -n "${why_na[$t]:-}" ] && continue
		measure_target "$t" "$r"
	done
	echo "# round $r done, load $(cut -d' ' -f1 /proc/loadavg)"
done

median() { # numbers on stdin -> median (empty if none)
	sort -g | awk '{v[NR] = $1} END {if (NR) print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'
}
medof() { # ARRAY ROW TARGET: median over the rounds
	local -n a=$1
	for r in $(seq "$rounds"); do
		[ -n "${a[$2 $3 $r]:-}" ] && echo "${a[$2 $3 $r]}"
	done | median
}
med() { medof val "$@"; }
medlim() {
	for r in $(seq "$rounds"); do
		[ -n "${lim[$1 $r]:-}" ] && echo "${lim[$1 $r]}"
	done | median
}
fmt() { [ -n "$1" ] && printf "%.1f" "$1" || printf "n/a"; }
ratio() { # A B -> A/B
	[ -n "$1" ] && [ -n "$2" ] && awk "BEGIN {printf \"%.2f\", $1 / $2}" || printf "n/a"
}

ge() { [ "$1" != n/a ] && awk "BEGIN {exit !($1 >= $2)}"; }
le() { [ "$1" != n/a ] && awk "BEGIN {exit !($1 <= $2)}"; }

echo
echo "| row | unit | memcpy | tmpfs | famfsd /dev/fuse | famfsd io_uring" \
	"| pthp 3.14 | pthp 3.18 io_uring | fuse/pthp3.14 | uring/pthp3.14" \
	"| uring/pthp3.18 | famfsd/limit | goal | met |"
echo "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"
for row in "${rows[@]}"; do
	declare -A m=()
	for t in "${targets[@]}"; do m[$t]=$(med "$row" "$t"); done
	l=$(medlim "$row")
	best=${m[uring]:-${m[fuse]}}
	f14=$(ratio "${m[fuse]}" "${m[pt314]}")
	u14=$(ratio "${m[uring]}" "${m[pt314]}")
	u18=$(ratio "${m[uring]}" "${m[pt318]}")
	case $row in
	stat* | lsc) # the limit is tmpfs: how many times slower
		l=""
		lr=$(ratio "${m[tmpfs]}" "$best") ;;
	*) lr=$(ratio "$best" "$l") ;;
	esac
	goal=- met=-
	case $row in
	rr*)
		goal="fuse/3.14 >= 1, uring/3.14 >= 2, uring/3.18 >= 1.5"
		met=no
		ge "$f14" 1 && ge "$u14" 2 && ge "$u18" 1.5 && met=yes ;;
	sr*)
		goal=">= 0.5 of memcpy"
		met=no
		ge "$lr" 0.5 && met=yes ;;
	statc | lsc)
		goal="<= 5x tmpfs"
		met=no
		le "$lr" 5 && met=yes ;;
	esac
	[ "$lr" != n/a ] && case $row in stat* | lsc) lr=${lr}x ;; esac
	echo "| ${rlabel[$row]} | ${unit[$row]} | $(fmt "$l") | $(fmt "${m[tmpfs]}")" \
		"| $(fmt "${m[fuse]}") | $(fmt "${m[uring]}") | $(fmt "${m[pt314]}")" \
		"| $(fmt "${m[pt318]}") | $f14 | $u14 | $u18 | $lr | $goal | $met |"
done
echo
echo "famfsd/limit: the io_uring column (else /dev/fuse) over memcpy; for the"
echo "metadata rows tmpfs over famfsd (how many times slower than tmpfs)."
for t in "${targets[@]}"; do
	[ -n "${why_na[$t]:-}" ] && echo "${tname[$t]}: ${why_na[$t]}"
done

echo
echo "Server cost per I/O, medians: context switches (all threads) /" \
	"CPU microseconds"
echo "| row | famfsd /dev/fuse | famfsd io_uring | pthp 3.14 | pthp 3.18 io_uring |"
echo "|---|---|---|---|---|"
for row in "${rows[@]}"; do
	case $row in stat* | lsc) continue ;; esac
	line="| ${rlabel[$row]} |"
	for t in fuse uring pt314 pt318; do
		c=$(medof csw "$row" "$t") u=$(medof cpu "$row" "$t")
		if [ -n "$c" ]; then
			line+=$(printf " %.2f / %.1f |" "$c" "$u")
		else
			line+=" n/a |"
		fi
	done
	echo "$line"
done

# ---- daemon_bench io ------------------------------------------------------

# Its own files (new ones, so new-file writes are measured too) on a fresh
# image for each famfsd transport, every rate next to memcpy on the same
# bytes of the image mapping.
dio_mib=64
[ "$quick" = 1 ] && dio_mib=8
for t in fuse uring; do
	[ -n "${why_na[$t]:-}" ] && continue
	echo
	echo "daemon_bench io, ${tname[$t]}, ${dio_mib} MiB per file:"
	dimg=$D/dio.img
	rm -f "$dimg"
	truncate -s 4G "$dimg"
	if ! "$famfs" mkfs --system-uuid-file "$D/uuid" "$dimg" >/dev/null ||
		! mount_famfsd "$t" "$dimg" --settle-ms 100; then
		echo "run-bench: daemon_bench io: ${tname[$t]} did not mount"
		fails=$((fails + 1))
		continue
	fi
	"$dbench" io "$mnt" "$dimg" "$dio_mib" || fails=$((fails + 1))
	stop_mount
	rm -f "$dimg"
done

# ---- replay ---------------------------------------------------------------

if [ "$replay" = 1 ]; then
	echo
	if [ "$quick" = 1 ]; then
		"$rbench" --smoke || fails=$((fails + 1))
		logmib=8
	else
		"$rbench" || fails=$((fails + 1))
		logmib=256
	fi
	"$rbench" --image "$D/full.img" --log-mib "$logmib" >/dev/null ||
		fails=$((fails + 1))
	for r in $(seq "$rounds"); do
		t0=$(date +%s%N)
		if start_mount "$D/full.log" "$famfsd" -f -u "$D/uuid2" -o ro \
			"$D/full.img" "$mnt"; then
			t1=$(date +%s%N)
			echo "famfsd mount-ready on a full $logmib MiB log:" \
				"$(((t1 - t0) / 1000000)) ms wall" \
				"($(grep -o 'files=[0-9]* dirs=[0-9]* replay=[0-9.]*ms' "$D/full.log"))"
			stop_mount
		else
			echo "run-bench: famfsd did not mount the full log: $(tail -1 "$D/full.log")"
			fails=$((fails + 1))
		fi
	done
	rm -f "$D/full.img"
fi

echo
echo "# load at end: $(cut -d' ' -f1-3 /proc/loadavg)"
[ "$fails" = 0 ] || { echo "run-bench: $fails measurement(s) failed"; exit 1; }
