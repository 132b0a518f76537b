#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# famfsd's command line and config file: exit codes (0 ok, 1 usage or
# config, 2 runtime) and one-line "famfsd: what: why" errors. No mount.
# Usage: options.sh FAMFSD
set -uo pipefail
famfsd=$1
work=$(mktemp -d /tmp/famfsd-options.XXXXXX)
trap 'rm -rf "$work"' EXIT
fails=0

expect() { # WANT_RC PATTERN ARGS...: run famfsd, check status and output
	local want=$1 pat=$2 out rc
	shift 2
	out=$("$famfsd" "$@" 2>&1)
	rc=$?
	if [ "$rc" != "$want" ] || [[ $out != *$pat* ]]; then
		echo "FAIL: famfsd $*: status $rc (want $want), output: $out"
		fails=$((fails + 1))
	fi
}

expect 0 "Usage: famfsd" --help
expect 0 "famfsd " --version
expect 1 "expected DEVICE MOUNTPOINT" onlyone
expect 1 "--role: bad value 'boss' (expected auto, master or client)" -r boss dev mnt
expect 1 "--data-path: bad value 'x' (expected auto, passthrough, extmap, openreply or daemon)" -d x dev mnt
expect 1 "--max-maps: bad value '0' (expected a count, 1 to 2^30)" --max-maps 0 dev mnt
expect 1 "--poll-ms: bad value '0'" -p 0 dev mnt
expect 1 "--log-level: bad value 'loud'" -l loud dev mnt
expect 1 "-o nosuchopt: unknown option" -o nosuchopt dev mnt
expect 1 "--attr-timeout: bad value '-1'" --attr-timeout -1 dev mnt
expect 1 "--cache-timeout: bad value 'x'" --cache-timeout x dev mnt
expect 0 "--cache-timeout SEC" --help
expect 1 "$work/none.conf: cannot open" -c "$work/none.conf"
printf '[famfsd]\ndevice = /x\nbogus = 1\n' >"$work/bad.conf"
expect 1 "$work/bad.conf:3: unknown key 'bogus'" -c "$work/bad.conf"
printf '[other]\ndevice = /x\n' >"$work/sec.conf"
expect 1 "unknown section" -c "$work/sec.conf"
printf '[famfsd]\nrole = boss\n' >"$work/role.conf"
expect 1 "role: bad value 'boss'" -c "$work/role.conf" dev mnt
printf '[famfsd]\ncache_timeout = -5\n' >"$work/cache.conf"
expect 1 "cache.conf:2" -c "$work/cache.conf" dev mnt
printf '[famfsd]\nlog_level = warn\n' >"$work/nodev.conf"
expect 1 "no device and mountpoint" -c "$work/nodev.conf"
mkdir "$work/mnt"
expect 2 "$work/nodev: No such file or directory" -f --emulator-fd 0 "$work/nodev" "$work/mnt"
truncate -s 64M "$work/junk"
# A config file supplies the device; the command line overrides role.
printf '[famfsd]\ndevice = %s\nmountpoint = %s\n' "$work/junk" "$work/mnt" >"$work/ok.conf"
if [ "$(id -u)" = 0 ]; then # real mounts take the lock in /run/famfsd
	expect 2 "no famfs superblock" -f -r client -c "$work/ok.conf"
fi
expect 2 "no famfs superblock" -f --emulator-fd 0 "$work/junk" "$work/mnt"
expect 2 "passthrough" -f -d passthrough --emulator-fd 0 "$work/junk" "$work/mnt"
[ "$fails" = 0 ] || exit 1
echo PASS
