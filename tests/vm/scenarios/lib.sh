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
finish() {
	no_oops
	echo "INFO scenario done: $nfail failure(s)"
	[ $nfail = 0 ]
}
