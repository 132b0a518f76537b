# SPDX-License-Identifier: Apache-2.0
# Sourced by the guest scenarios (busybox sh). check DESC CMD...: runs CMD,
# prints "OK DESC" or "FAIL DESC" with its output; finish: exit status.
nfail=0
check() {
	local desc=$1 out
	shift
	if out=$("$@" 2>&1); then
		echo "OK   $desc"
	else
		echo "FAIL $desc"
		nfail=$((nfail + 1))
	fi
	[ -n "$out" ] && echo "$out" | sed 's/^/INFO   /'
	return 0
}
# expect_dmesg DESC PATTERN: the kernel log explains a refusal
expect_dmesg() {
	if dmesg | grep -q "$2"; then
		echo "OK   $1: dmesg: $(dmesg | grep "$2" | tail -1 | sed 's/^\[[^]]*\] //')"
	else
		echo "FAIL $1: no dmesg line matching '$2'"
		nfail=$((nfail + 1))
	fi
}
# kmsg: the whole kernel log, including what scenarios cleared (dmesg -c)
kmsg() { cat /tmp/kmsg.saved 2>/dev/null; dmesg; }
clear_kmsg() { dmesg -c >>/tmp/kmsg.saved; }
no_oops() {
	if kmsg | grep -E -q 'BUG|WARNING|Oops|general protection|RIP:'; then
		echo "FAIL kernel log has BUG/WARNING/Oops:"
		kmsg | grep -E -A20 'BUG|WARNING|Oops|general protection' | head -60
		nfail=$((nfail + 1))
	else
		echo "OK   no BUG/WARNING/Oops in the kernel log"
	fi
}
wait_mount() { # MNT [PID]: gives up when PID (the daemon) exits
	local i=0
	while ! grep -q " $1 " /proc/mounts; do
		i=$((i + 1))
		[ $i -gt 300 ] && return 1
		[ -n "${2:-}" ] && ! kill -0 "$2" 2>/dev/null && return 1
		usleep 100000
	done
}
wait_log() { # FILE PATTERN: the daemon's log has the line (at most 10 s)
	local i=0
	while ! grep -q "$2" "$1" 2>/dev/null && [ $i -lt 100 ]; do
		usleep 100000
		i=$((i + 1))
	done
}
# pmd_faults DESC MIB LINE: a BENCH line faulted 2 MiB at a time
pmd_faults() {
	local want=$(($2 / 2))
	check "$1: $(echo "$3" | grep -o 'faults_[a-z]*=[0-9]*' | tr '\n' ' ')(want $want each: PMD)" \
		sh -c "echo '$3' | grep -q 'faults_read=$want ' && echo '$3' | grep -q 'faults_write=$want\$'"
}
finish() {
	no_oops
	echo "INFO scenario done: $nfail failure(s)"
	[ $nfail = 0 ]
}
# .meta/.stats snapshots. Reading .stats may itself count as a daemon
# READ, so no_data_upcalls compares against the cost of one read, measured
# by two back-to-back snapshots (a, b) before the work and one (c) after.
snap() { cat "$M/.meta/.stats" >/tmp/snap.$1; }
sval() { sed -n "s/^$2 //p" /tmp/snap.$1; }
no_data_upcalls() { # DESC: after snap a; snap b; <work>; snap c
	local r1 r2 w1 w2
	r1=$(($(sval b read_upcalls) - $(sval a read_upcalls)))
	r2=$(($(sval c read_upcalls) - $(sval b read_upcalls)))
	w1=$(($(sval b write_upcalls) - $(sval a write_upcalls)))
	w2=$(($(sval c write_upcalls) - $(sval b write_upcalls)))
	check "$1 (READ upcalls +$r2, WRITE +$w2; reading .stats costs +$r1/+$w1)" \
		[ "$r2/$w2" = "$r1/$w1" ]
}
