#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# famfs creat + verify + cat: sizes, pattern, zeroing, interleave, ENOSPC.
. "$(dirname "$0")/lib.sh"

img=$(newimg a.img 8G)
# Junk where the first files will land: creat must never expose it.
head -c $((6 << 20)) /dev/urandom |
	dd of="$img" bs=1M seek=10 conv=notrunc status=none
famfs mkfs "$img" >/dev/null

ok famfs creat -s 4097 -S 42 "$img" f1
ok famfs verify -S 42 "$img" f1
expect 1 "f1: mismatch at offset 0 \(of 4097 bytes\)" \
	famfs verify -S 43 "$img" f1
# The slack after the file's last byte, up to its 2 MiB unit, is zeroed.
off=$(file_offset "$img" f1)
[ "$off" = $((10 << 20)) ] || fail "first file at 10 MiB, got $off"
slack=$(((2 << 20) - 4097))
cmp <(dd if="$img" iflag=skip_bytes,count_bytes skip=$((off + 4097)) \
	count=$slack bs=1M status=none) <(head -c $slack /dev/zero) ||
	fail "slack not zeroed"
# Without -r the file reads as zeros.
ok famfs creat -s 2m "$img" zeros
cmp <(famfs cat "$img" zeros) <(head -c $((2 << 20)) /dev/zero) ||
	fail "unfilled file is not zero"

# A byte changed behind famfs' back is found at its offset.
flip_byte "$img" $((off + 1234))
expect 1 "mismatch at offset 1234 " famfs verify -S 42 "$img" f1
# Same size again: -r refills it (repairs it here); other sizes fail.
ok famfs creat -s 4097 -S 42 "$img" f1
ok famfs verify -S 42 "$img" f1
n=$(nentries "$img")
ok famfs creat -s 4097 "$img" f1
[ "$(nentries "$img")" = "$n" ] || fail "re-creat logged"
expect 2 "exists with size 4097" famfs creat -s 4098 "$img" f1

# -r without -S picks a seed and prints it.
ok famfs creat -r -s 8k "$img" auto
seed=$(sed -n 's/^seed \([0-9]*\)$/\1/p' "$T/out")
[ -n "$seed" ] || fail "no seed printed: $(cat "$T/out")"
ok famfs verify -S "$seed" "$img" auto
grep -q "auto: 8192 bytes match seed $seed" "$T/out" || fail "verify line"

# Size suffixes are powers of 1024.
ok famfs creat -s 4k "$img" k
ok famfs creat -s 3M "$img" m
ok famfs creat -s 1g "$img" g
ok famfs creat -s 123 "$img" b
famfs ls --json "$img" >"$T/ls.json"
[ "$(jget "$T/ls.json" '{e["name"]: e["size"] for e in d}["k"]')" = 4096 ]
[ "$(jget "$T/ls.json" '{e["name"]: e["size"] for e in d}["m"]')" = 3145728 ]
[ "$(jget "$T/ls.json" '{e["name"]: e["size"] for e in d}["g"]')" = 1073741824 ]
[ "$(jget "$T/ls.json" '{e["name"]: e["size"] for e in d}["b"]')" = 123 ]

# Pattern across many units; cat gives the same bytes verify checks.
ok famfs creat -s 5m -S 7 -m 0600 -u 12 -g 34 "$img" big
ok famfs verify -S 7 "$img" big
famfs ls "$img" big | grep -qE '^-rw------- +12 +34 +5242880 ' || fail attrs
[ "$(famfs cat "$img" big | wc -c)" = 5242880 ] || fail "cat size"

# Argument errors.
expect 1 "must be > 0" famfs creat -s 0 "$img" z
expect 1 "must be > 0" famfs creat "$img" z
expect 1 "bad size" famfs creat -s 12x "$img" z
expect 1 "bad size" famfs creat -s -5 "$img" z
expect 1 "bad seed" famfs creat -s 1 -S x "$img" z
expect 1 "expected DEV PATH" famfs creat -s 1 "$img"
expect 1 "-S SEED is required" famfs verify "$img" f1
expect 2 "parent directory does not exist" famfs creat -s 1 "$img" no/f
ok famfs mkdir "$img" d
expect 2 "is a directory" famfs creat -s 1 "$img" d
expect 2 "is a directory" famfs verify -S 1 "$img" d
expect 2 "No such file" famfs verify -S 1 "$img" nope
expect 1 "name too long" famfs creat -s 1 "$img" "$(printf 'x%.0s' $(seq 80))"
expect 1 "reserved" famfs creat -s 1 "$img" .meta/x

# Device full: nothing is logged, nothing is leaked.
small=$(newfs s.img 4G)
expect 2 "no space left on device" famfs creat -s 5g "$small" huge
ok famfs creat -s 3g "$small" fits
expect 2 "no space left on device \(1.0 GiB wanted" \
	famfs creat -s 1g "$small" huge2
[ "$(nentries "$small")" = 1 ] || fail "ENOSPC logged"
ok famfs fsck "$small"

# Interleaved: 4 strips of 4 MiB chunks from 8 buckets of a 16 GiB image.
big=$(newfs i.img 16G)
ok famfs creat -N 4 -B 8 -C 4m -s $(((50 << 20) + 12345)) -S 5 -v "$big" il
grep -q interleaved "$T/out" || fail "-v map"
ok famfs verify -S 5 "$big" il
famfs logdump --json "$big" >"$T/d.json"
[ "$(jget "$T/d.json" 'd["entries"][0]["ext_type"], d["entries"][0]["nstrips"], d["entries"][0]["chunk_size"]')" = \
	"interleave 4 4194304" ] || fail "interleave map"
ok famfs creat -N 2 -B 2 -s 1m -S 6 "$big" small # < chunk: simple
ok famfs verify -S 6 "$big" small
ok famfs fsck "$big"
expect 1 "-N needs -B" famfs creat -N 4 -s 1m "$big" x
expect 1 "more than -B" famfs creat -N 4 -B 2 -s 1m "$big" x
expect 1 "--nstrips" famfs creat -N 17 -B 32 -s 1m "$big" x
expect 1 "--chunk" famfs creat -N 2 -B 4 -C 3m -s 1m "$big" x
expect 1 "smaller than 1 GiB" famfs creat -N 2 -B 32 -s 64m "$big" x
ok famfs fsck "$img"
echo "creat: ok"
