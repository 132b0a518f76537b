# SPDX-License-Identifier: Apache-2.0
# famfuse.ko against its own test servers, in one boot: evilfs (famfs's
# OPEN-reply form: the good path without famfsd, hostile extent lists and
# registrations, the mmap benchmark), then evil47 (the 7.47 extent-map
# ABI: registrations, hostile NOTIFY_MAP / BACKING_CLOSE, hostile opens).
. /etc/lib.sh
M=/mnt/evil
mkdir -p $M
evilfs /dev/dax0.0 $M >/tmp/evil.out 2>&1 &
epid=$!
wait_mount $M || { echo "FAIL evilfs did not mount"; cat /tmp/evil.out; exit 1; }
stat $M/good >/dev/null # waits for INIT and the registrations
sed 's/^/INFO evilfs: /' /tmp/evil.out
check "FAMFUSE_IOC_PROBE answers version 2, max_open_ext 65536" \
	grep -q 'famfuse version 2 max_open_ext=65536' /tmp/evil.out
check "registrations: bad ones refused with the documented errno, good ones get ids" \
	sh -c "! grep -q '^REG.*FAIL' /tmp/evil.out && [ \$(grep -c '^REG.*OK' /tmp/evil.out) = 15 ]"
expect_dmesg "not a devdax device is refused" "not a live devdax device"

# ---- good maps: data in the kernel, at the right device offsets
check "good: write(2) a pattern" dptest fill $M/good 11 write
check "good: read(2) it back" dptest check $M/good 11 read
check "good: mmap reads the same bytes" dptest check $M/good 11 mmap
check "good: file 0-4 MiB is at dax offset 64 MiB" dptest devcheck /dev/dax0.0 64 4 11 0
check "good: file 4-8 MiB is at dax offset 32 MiB" dptest devcheck /dev/dax0.0 32 4 11 4
check "good: mmap writes a new pattern" dptest fill $M/good 12 mmap
check "good: read(2) sees the mmap stores" dptest check $M/good 12 read
check "good: the device holds them" dptest devcheck /dev/dax0.0 32 4 12 4
check "good: read(2) from an offset in the second extent" dptest check $M/good 12 read 5 2
check "multi: extents on two registrations" dptest fill $M/multi 13 write
check "multi: second extent is at dax 98 MiB" dptest devcheck /dev/dax0.0 98 2 13 2
check "multi: mmap reads it back" dptest check $M/multi 13 mmap
check "striped: write(2) a pattern" dptest fill $M/striped 14 write
check "striped: chunk 0 (file 0-2 MiB) is strip 0 row 0 (dax 200 MiB)" dptest devcheck /dev/dax0.0 200 2 14 0
check "striped: chunk 1 (file 2-4 MiB) is strip 1 row 0 (dax 160 MiB)" dptest devcheck /dev/dax0.0 160 2 14 2
check "striped: chunk 2 (file 4-6 MiB) is strip 0 row 1 (dax 202 MiB)" dptest devcheck /dev/dax0.0 202 2 14 4
check "striped: chunk 3 (file 6-8 MiB) is strip 1 row 1 (dax 162 MiB)" dptest devcheck /dev/dax0.0 162 2 14 6
check "striped: mmap reads it back" dptest check $M/striped 14 mmap
check "striped: mmap write, read(2) back" sh -c "dptest fill $M/striped 15 mmap && dptest check $M/striped 15 read"
check "ro: read-only registration: read works" dd if=$M/ro of=/dev/null bs=1M
check "ro: read-only registration: write open fails (EIO)" dptest openerr $M/ro EIO
check "cached: a second open without an extent list reuses the map" \
	dptest reopen $M/cached ok
check "changed: a different map while open fails (EIO)" dptest reopen $M/changed EIO
expect_dmesg "changed" "differs from the cached"
check "past EOF: read returns 0 bytes" sh -c "[ -z \"\$(dd if=$M/good bs=4096 skip=2048 count=1 2>/dev/null)\" ]"
check "past EOF: write fails (no growth)" sh -c "! dd if=/dev/zero of=$M/good bs=4096 seek=2048 count=1 conv=notrunc 2>/dev/null"
cat $M/stats | sed 's/^/INFO stats before plain: /'
check "no READ/WRITE upcall for any dax passthrough file" \
	sh -c "grep -q '^read_upcalls 0' $M/stats && grep -q '^write_upcalls 0' $M/stats"
dd if=$M/plain of=/dev/null bs=64k count=4 2>/dev/null
check "a non-passthrough file still reaches the server (counter works)" \
	sh -c "! grep -q '^read_upcalls 0' $M/stats"

# ---- hostile extent lists: open fails with EIO and dmesg says why
bad() { # NAME DMESG-PATTERN: the open's own (latest) kernel message
	clear_kmsg
	check "bad_$1: open fails with EIO" dptest openerr $M/bad_$1 EIO
	[ -n "$2" ] && expect_dmesg "bad_$1" "$2"
}
bad outside "outside the device"
bad misaligned "not aligned to"
bad overlap "overlap or unsorted"
bad hole "(hole)"
bad notzero "does not start at 0"
bad unsorted "does not start at 0"
bad nr0 "nr_extents is 0"
bad type "unsupported extension type 35"
bad reserved "reserved fields"
bad recflags "reserved fields"
bad extflags "flags 0x1 not 0"
bad size "does not match"
bad zerolen "length 0"
bad noext "first dax open without an extent list"
bad extid "backing id 999 is not a dax"
bad s_short "rows of"
bad s_chunk "chunk size"
bad s_n0 "nstrips 0 outside"
bad openid ""
bad keepcache ""
bad toolong ""
check "bad_toolong: the over-size reply was refused at the write (EINVAL)" \
	grep -q 'OPEN bad_toolong reply.*Invalid argument' /tmp/evil.out
check "after all that, the good file still works" dptest check $M/good 12 mmap

# ---- benchmark: passthrough mmap against direct mmap of /dev/dax0.0
# same device range both ways; interleaved, so host noise hits both
dptest benchpair $M/bench 0 /dev/dax0.0 512 256
dptest benchpair /dev/dax0.0 512 $M/bench 0 256

umount $M
wait $epid
check "evilfs exited cleanly after unmount" sh -c "exit $?"
kmsg | grep -i 'dax passthrough' | tail -30 | sed 's/^/INFO dmesg: /'

# ---- 7.47: evil47 (the device is free again: evilfs's connection is gone)
M=/mnt/evil47
mkdir -p $M
clear_kmsg
evil47 /dev/dax0.0 $M >/tmp/evil47.out 2>&1 &
epid=$!
wait_mount $M || { echo "FAIL evil47 did not mount"; cat /tmp/evil47.out; exit 1; }
stat $M/good >/dev/null # waits for INIT, the registrations and the maps
sed 's/^/INFO evil47: /' /tmp/evil47.out
check "7.47: INIT minor 47 with FUSE_PASSTHROUGH, no SYNCFS bit" \
	grep -q 'INIT kernel 7.47 passthrough=1 syncfs=0' /tmp/evil47.out
check "7.47: registrations (IS_DEV|ID_64) with the documented errno" \
	sh -c "! grep -q '^REG.*FAIL' /tmp/evil47.out && [ \$(grep -c '^REG.*OK' /tmp/evil47.out) = 7 ]"
check "7.47: NOTIFY_MAP / BACKING_CLOSE, good and hostile, with the documented errno" \
	sh -c "! grep -q '^NOTE.*FAIL' /tmp/evil47.out && [ \$(grep -c "^NOTE.*OK" /tmp/evil47.out) = 27 ]"
expect_dmesg "7.47 extent reserved" "extent 0: reserved fields set"
expect_dmesg "7.47 overlap" "extent 1: overlap"
expect_dmesg "7.47 unknown target" "extent 0: backing not found"
check "7.47 good: write(2) a pattern" dptest fill $M/good 41 write
check "7.47 good: read(2) it back" dptest check $M/good 41 read
check "7.47 good: mmap reads the same bytes" dptest check $M/good 41 mmap
check "7.47 good: file 0-4 MiB is at dax offset 64 MiB" dptest devcheck /dev/dax0.0 64 4 41 0
check "7.47 good: file 4-8 MiB is at dax offset 32 MiB" dptest devcheck /dev/dax0.0 32 4 41 4
check "7.47 good: mmap writes a new pattern" dptest fill $M/good 42 mmap
check "7.47 good: the device holds them" dptest devcheck /dev/dax0.0 32 4 42 4
check "7.47 cyclic: write(2) a pattern" dptest fill $M/striped 43 write
check "7.47 cyclic: chunk 0 is strip 0 row 0 (dax 200 MiB)" dptest devcheck /dev/dax0.0 200 2 43 0
check "7.47 cyclic: chunk 1 is strip 1 row 0 (dax 160 MiB)" dptest devcheck /dev/dax0.0 160 2 43 2
check "7.47 cyclic: chunk 2 is strip 0 row 1 (dax 202 MiB)" dptest devcheck /dev/dax0.0 202 2 43 4
check "7.47 cyclic: chunk 3 is strip 1 row 1 (dax 162 MiB)" dptest devcheck /dev/dax0.0 162 2 43 6
check "7.47 cyclic: mmap reads it back" dptest check $M/striped 43 mmap
check "7.47 hole: the mapped part reads" dd if=$M/hole of=/dev/null bs=1M count=2
check "7.47 hole: the hole fails with EIO" sh -c "! dd if=$M/hole of=/dev/null bs=1M skip=2 count=1 2>/dev/null"
check "7.47 closed while open: the open file keeps its map, a new open fails (EIO)" \
	sh -c "exec 3<$M/closeopen && cat $M/closenow >/dev/null &&
		dd bs=1M count=2 <&3 >/dev/null 2>&1 &&
		! dd if=$M/closeopen of=/dev/null bs=1M count=1 2>/dev/null"
check "7.47 past EOF: read returns 0 bytes" sh -c "[ -z \"\$(dd if=$M/good bs=4096 skip=2048 count=1 2>/dev/null)\" ]"
bad47() { # NAME DMESG-PATTERN
	clear_kmsg
	check "7.47 bad_$1: open fails with EIO" dptest openerr $M/bad_$1 EIO
	[ -n "$2" ] && expect_dmesg "7.47 bad_$1" "$2"
}
bad47 closed "not found"
bad47 missing "not found"
bad47 devid "invalid backing type"
bad47 nodax "dax mode mismatch"
bad47 keepcache ""
bad47 short ""
check "7.47 bad_short: the 16-byte open_out was refused at the write (EINVAL)" \
	grep -q 'OPEN bad_short reply: Invalid argument' /tmp/evil47.out
check "7.47: no READ/WRITE upcall for any extent-map file" \
	sh -c "grep -q '^read_upcalls 0' $M/stats && grep -q '^write_upcalls 0' $M/stats"
check "7.47: after all that, the good file still works" dptest check $M/good 42 mmap
umount $M
wait $epid
check "evil47 exited cleanly after unmount" sh -c "exit $?"
kmsg | grep -i 'dax passthrough' | tail -30 | sed 's/^/INFO dmesg: /'
finish
