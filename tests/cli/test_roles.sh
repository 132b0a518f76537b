#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Master/client by system UUID, and refusal of a mounted device.
. "$(dirname "$0")/lib.sh"

master=$T/master_uuid
client=$T/client_uuid
echo 11111111-2222-4333-8444-555555555555 >"$master"
echo 66666666-7777-4888-9999-000000000000 >"$client"
img=$(newimg a.img 8G)
ok famfs mkfs --system-uuid-file "$master" "$img"
echo data >"$T/data"

# A client (env, global option, or subcommand option) may not write.
want="not the master \(system UUID 66666666-7777-4888-9999-000000000000, superblock says 11111111-2222-4333-8444-555555555555\)"
export FAMFS_SYSTEM_UUID_FILE=$client
expect 2 "$want" famfs mkdir "$img" d
expect 2 "$want" famfs creat -s 1 "$img" f
expect 2 "$want" famfs cp "$img" "$T/data" f
expect 2 "exists" famfs mkfs "$img"
# ... but may read.
ok famfs fsck "$img"
grep -q "(this host: client)" "$T/out" || fail "client role line"
ok famfs ls "$img"
ok famfs logdump "$img"
# The global option and the subcommand option override the environment.
ok famfs --system-uuid-file "$master" mkdir "$img" d1
ok famfs mkdir --system-uuid-file "$master" "$img" d2
ok famfs creat --system-uuid-file "$master" -s 4k -S 1 "$img" d1/f
ok famfs verify -S 1 "$img" d1/f
ok famfs cat "$img" d1/f
# A missing UUID file for a reader: created, and the host is a client.
ok famfs fsck --system-uuid-file "$T/fresh_uuid" "$img"
grep -q "(this host: client)" "$T/out" || fail "fresh uuid role"
[ -s "$T/fresh_uuid" ] || fail "uuid file not created"
export FAMFS_SYSTEM_UUID_FILE=$master
ok famfs fsck "$img"
grep -q "(this host: master)" "$T/out" || fail "master role line"

# Mounted (per mountinfo) as fuse.famfs: writers and mkfs refuse, readers
# work. Paths are compared by realpath; mountinfo escapes spaces.
mkdir "$T/with space"
ln -s "$img" "$T/with space/link.img"
info=$T/mountinfo
printf '%s\n' \
	"22 1 0:21 / /proc rw,nosuid - proc proc rw" \
	"40 22 0:40 / /mnt/other rw - fuse.sshfs $img rw" >"$info"
export FAMFS_MOUNTINFO=$info
ok famfs mkdir "$img" notmounted
echo "41 22 0:41 / /mnt/fam\\040x rw,nosuid - fuse.famfs $T/with\\040space/link.img rw,user_id=0" >>"$info"
expect 2 "is mounted on /mnt/fam x \(fuse.famfs\)" famfs mkdir "$img" d3
expect 2 "is mounted on /mnt/fam x" famfs creat -s 1 "$img" f3
expect 2 "is mounted on /mnt/fam x" famfs cp "$img" "$T/data" f3
expect 2 "is mounted on /mnt/fam x" famfs mkfs -f "$img"
expect 2 "is mounted" famfs mkdir "$T/with space/link.img" d3
ok famfs fsck "$img"
ok famfs ls "$img"
unset FAMFS_MOUNTINFO
ok famfs mkdir "$img" d3
ok famfs fsck "$img"

# Another writer holds the log lock (on the image's inode: a hard link
# meets it too): a writer says so and waits its turn.
ln "$img" "$T/hard.img"
"$PY" "$(dirname "$0")/holdlock.py" "$T/hard.img" 1 >"$T/hold.out" &
holder=$!
for _ in $(seq 100); do
	grep -q held "$T/hold.out" && break
	sleep 0.05
done
famfs mkdir "$img" after_lock >"$T/lock.out" 2>"$T/lock.err" &
writer=$!
for _ in $(seq 600); do
	grep -q "waiting for the log lock" "$T/lock.err" && break
	sleep 0.1
done
grep -q "^famfs mkdir: waiting for the log lock on $img$" "$T/lock.err" ||
	fail "no wait message: $(cat "$T/lock.err")"
famfs ls "$img" after_lock 2>/dev/null && fail "created while locked"
kill "$holder"
wait "$holder" 2>/dev/null || true
wait "$writer" || fail "writer failed after the lock was released"
ok famfs ls "$img" after_lock
echo "roles: ok"
