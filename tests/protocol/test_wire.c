// SPDX-License-Identifier: Apache-2.0
/*
 * The wire module without a daemon: the ABI-neutral map, the OPEN-reply
 * records (type 33 simple, type 34 interleaved) and the 7.47 messages
 * against the independent decoder, size limits, the raw INIT parser.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "decode.h"
#include "wcheck.h"
#include "wire.h"

#define MiB (1ULL << 20)

static uint8_t msg[1 << 20];
static struct dec_open d;
static char why[256];

/* Wrap a record in an OPEN reply and decode it. */
static int decode(const void *rec, size_t n, int32_t backing)
{
	uint32_t len = (uint32_t)(32 + n), fl = DEC_FOPEN_PASSTHROUGH;

	memset(msg, 0, 32);
	memcpy(msg, &len, 4);
	memcpy(msg + 24, &fl, 4);
	memcpy(msg + 28, &backing, 4);
	memcpy(msg + 32, rec, n);
	return dec_open_reply(msg, len, false, sizeof(msg), 2 * MiB, &d, why,
			      sizeof(why));
}

static void test_simple(void)
{
	struct famfs_fmap fm = { .type = FAMFS_FMAP_SIMPLE, .count = 3 };
	int32_t ids[FAMFS_MAX_DAXDEVS] = { 7, 9 };
	static uint8_t rec[4096];
	struct wire_map m;
	ssize_t n;

	fm.ext[0] = (struct famfs_extent){ 0, 10 * MiB, 4 * MiB };
	fm.ext[1] = (struct famfs_extent){ 1, 2 * MiB, 2 * MiB };
	fm.ext[2] = (struct famfs_extent){ 0, 40 * MiB, 6 * MiB };
	CHECK(!wire_map_build(&fm, 11 * MiB, &m), "build");
	CHECK(!m.cyclic && m.n == 3 && m.mapped == 12 * MiB &&
		      wire_map_devices(&m) == 3,
	      "map");
	n = wire_build_record(&m, ids, 7, rec, sizeof(rec));
	CHECK(n == 24 + 3 * 32 && (size_t)n == wire_record_size(&m), "size %zd",
	      n);
	CHECK(!decode(rec, (size_t)n, 7), "%s", why);
	CHECK(d.rec_type == DEC_EXT_EXTENTS && d.nr == 3, "type/nr");
	CHECK(d.ext[1].file_offset == 4 * MiB &&
		      d.ext[2].file_offset == 6 * MiB,
	      "file offsets not cumulative");
	CHECK(d.ext[0].backing_id == 0 && d.ext[1].backing_id == 9 &&
		      d.ext[2].backing_id == 0,
	      "backing ids %d %d %d", d.ext[0].backing_id, d.ext[1].backing_id,
	      d.ext[2].backing_id);
	CHECK(d.ext[2].dax_offset == 40 * MiB && d.ext[2].length == 6 * MiB,
	      "extent 2");
	/* One byte short of the record: E2BIG, never a partial record. */
	n = wire_build_record(&m, ids, 7, rec, 24 + 3 * 32 - 1);
	CHECK(n == -E2BIG, "cap: %zd", n);
}

static uint64_t get64(const uint8_t *p, size_t off)
{
	uint64_t v;

	memcpy(&v, p + off, 8);
	return v;
}

static uint32_t get32(const uint8_t *p, size_t off)
{
	uint32_t v;

	memcpy(&v, p + off, 4);
	return v;
}

/* wire_build_record of famfs map @fm for a file of @size bytes. */
static ssize_t rec_of(const struct famfs_fmap *fm, uint64_t size,
		      const int32_t *ids, int32_t dflt, void *buf, size_t cap)
{
	struct wire_map m;
	int r = wire_map_build(fm, size, &m);

	return r ? r : wire_build_record(&m, ids, dflt, buf, cap);
}

static void test_interleave(void)
{
	struct famfs_fmap m = { .type = FAMFS_FMAP_INTERLEAVE,
				.count = 4,
				.chunk_size = 2 * MiB };
	int32_t ids[FAMFS_MAX_DAXDEVS] = { 3 };
	static uint8_t rec[1 << 16];
	uint64_t size = 23 * MiB; /* 12 chunks, last one partly used */
	ssize_t n;

	for (unsigned i = 0; i < 4; i++)
		m.ext[i] = (struct famfs_extent){ 0, (100 + 10 * i) * MiB,
						  6 * MiB };
	/* Type 34, byte by byte: size 32 + 24 * 4, type, nstrips, flags,
	 * chunk_size, file_size (rounded up to 24 MiB), then per strip
	 * dax_offset, length, backing_id, flags. */
	n = rec_of(&m, size, ids, 3, rec, sizeof(rec));
	CHECK(n == 32 + 4 * 24, "stripes size %zd", n);
	CHECK(get32(rec, 0) == 128 && get32(rec, 4) == 34 &&
		      get32(rec, 8) == 4 && get32(rec, 12) == 0,
	      "header %u %u %u %u", get32(rec, 0), get32(rec, 4), get32(rec, 8),
	      get32(rec, 12));
	CHECK(get64(rec, 16) == 2 * MiB && get64(rec, 24) == 24 * MiB,
	      "chunk %llu file_size %llu", (unsigned long long)get64(rec, 16),
	      (unsigned long long)get64(rec, 24));
	for (unsigned i = 0; i < 4; i++) {
		const uint8_t *st = rec + 32 + 24 * i;

		CHECK(get64(st, 0) == (100 + 10 * i) * MiB &&
			      get64(st, 8) == 6 * MiB && get32(st, 16) == 0 &&
			      get32(st, 20) == 0,
		      "strip %u", i);
	}
	CHECK(!decode(rec, (size_t)n, 3), "%s", why);
	CHECK(d.rec_type == DEC_EXT_STRIPES && d.nr == 4 &&
		      d.chunk_size == 2 * MiB && d.file_size == 24 * MiB,
	      "decoded type %u nr %u", d.rec_type, d.nr);
	/* A whole-chunk size is not rounded further. */
	n = rec_of(&m, 24 * MiB, ids, 3, rec, sizeof(rec));
	CHECK(n == 128 && get64(rec, 24) == 24 * MiB, "24 MiB: %zd", n);
	n = rec_of(&m, 1, ids, 3, rec, sizeof(rec));
	CHECK(n == 128 && get64(rec, 24) == 2 * MiB, "1 byte: %zd", n);
	n = rec_of(&m, size, ids, 3, rec, 127);
	CHECK(n == -E2BIG, "stripes cap: %zd", n);
	/* Strips on device 1 carry device 1's id; device 0's carry 0. */
	m.ext[1].devindex = 1;
	m.ext[3].devindex = 1;
	ids[1] = 5;
	n = rec_of(&m, size, ids, 3, rec, sizeof(rec));
	CHECK(n == 128 && !decode(rec, (size_t)n, 3), "%s", why);
	for (unsigned i = 0; i < 4; i++) {
		CHECK(get32(rec, 32 + 24 * i + 16) == (i % 2 ? 5u : 0u),
		      "strip %u id %u", i, get32(rec, 32 + 24 * i + 16));
		CHECK(d.ext[i].backing_id == (i % 2 ? 5 : 0), "decoded id");
	}
	/* Strip 0 on device 1: fuse_open_out carries 5, device 0 gets 3. */
	m.ext[0].devindex = 1;
	m.ext[1].devindex = 0;
	n = rec_of(&m, size, ids, 5, rec, sizeof(rec));
	CHECK(n == 128, "dflt 5: %zd", n);
	CHECK(get32(rec, 32 + 16) == 0 && get32(rec, 56 + 16) == 3 &&
		      get32(rec, 80 + 16) == 3 && get32(rec, 104 + 16) == 0,
	      "ids with device 1 default");
	CHECK(rec_of(&m, 0, ids, 3, rec, sizeof(rec)) == -EINVAL,
	      "empty interleaved file");
	/* What the kernel would refuse never reaches the wire. */
	m.chunk_size = 6 * MiB;
	CHECK(rec_of(&m, size, ids, 3, rec, sizeof(rec)) == -EINVAL,
	      "chunk not a power of two");
	m.chunk_size = 4 * MiB;
	CHECK(rec_of(&m, size, ids, 3, rec, sizeof(rec)) == -EINVAL,
	      "strip not whole chunks");
	/* 25 MiB = 13 chunks: strip 0 would need 4 rows, it holds 3. */
	m.chunk_size = 2 * MiB;
	CHECK(rec_of(&m, 25 * MiB, ids, 3, rec, sizeof(rec)) == -EINVAL,
	      "strip too short for the file");
}

/* The decoder itself refuses what the kernel refuses in a type-34 record. */
static void test_decode_stripes(void)
{
	struct famfs_fmap m = { .type = FAMFS_FMAP_INTERLEAVE,
				.count = 2,
				.chunk_size = 2 * MiB };
	int32_t ids[FAMFS_MAX_DAXDEVS] = { 3 };
	static uint8_t rec[256], bad[256];
	uint64_t v;
	ssize_t n;

	m.ext[0] = (struct famfs_extent){ 0, 10 * MiB, 4 * MiB };
	m.ext[1] = (struct famfs_extent){ 0, 20 * MiB, 4 * MiB };
	n = rec_of(&m, 8 * MiB, ids, 3, rec, sizeof(rec));
	CHECK(n == 32 + 2 * 24 && !decode(rec, (size_t)n, 3), "good: %s", why);
	memcpy(bad, rec, (size_t)n);
	v = 10 * MiB; /* file_size needs 3 rows of strip 0 (2 held) */
	memcpy(bad + 24, &v, 8);
	CHECK(decode(bad, (size_t)n, 3) && strstr(why, "rows"), "rows: %s",
	      why);
	memcpy(bad, rec, (size_t)n);
	v = 3 * MiB; /* not a multiple of the chunk */
	memcpy(bad + 24, &v, 8);
	CHECK(decode(bad, (size_t)n, 3), "file size not whole chunks");
	memcpy(bad, rec, (size_t)n);
	bad[32 + 20] = 1; /* strip flags */
	CHECK(decode(bad, (size_t)n, 3), "strip flags");
	memcpy(bad, rec, (size_t)n);
	bad[8] = 3; /* nstrips 3, size still for 2 */
	CHECK(decode(bad, (size_t)n, 3) && strstr(why, "record size"),
	      "nstrips/size: %s", why);
}

static void test_bad_maps(void)
{
	struct famfs_fmap m = { .type = FAMFS_FMAP_SIMPLE, .count = 0 };
	struct wire_map w;

	CHECK(wire_map_build(&m, 1, &w) == -EINVAL, "empty map");
	m.count = 1;
	m.ext[0] = (struct famfs_extent){ FAMFS_MAX_DAXDEVS, 0, 2 * MiB };
	CHECK(wire_map_build(&m, 1, &w) == -EINVAL,
	      "device index out of range");
	m.ext[0].devindex = 0;
	CHECK(wire_map_build(&m, 0, &w) == -EINVAL, "empty file");
	CHECK(wire_map_build(&m, 2 * MiB + 1, &w) == -EINVAL,
	      "map shorter than the file");
	m.ext[0].offset = 512;
	CHECK(wire_map_build(&m, 1, &w) == -EINVAL, "unaligned offset");
	m.ext[0].offset = 0;
	m.ext[0].len = 2 * MiB + 512;
	CHECK(wire_map_build(&m, 1, &w) == -EINVAL, "unaligned length");
	m.ext[0].len = 2 * MiB;
	m.type = FAMFS_FMAP_INTERLEAVE; /* chunk_size 0 */
	CHECK(wire_map_build(&m, 1, &w) == -EINVAL,
	      "interleave without chunk size");
	m.type = 7;
	CHECK(wire_map_build(&m, 1, &w) == -EINVAL, "unknown type");
}

/* The 7.47 messages, byte by byte, and through the independent decoder. */
static void test_notify_map(void)
{
	struct famfs_fmap fm = { .type = FAMFS_FMAP_SIMPLE, .count = 2 };
	uint64_t ids[FAMFS_MAX_DAXDEVS] = { 1ULL << 63, (1ULL << 63) | 1 };
	static uint8_t nm[4096];
	static struct dec47_map dm;
	struct wire_map m;
	ssize_t n;

	fm.ext[0] = (struct famfs_extent){ 0, 10 * MiB, 4 * MiB };
	fm.ext[1] = (struct famfs_extent){ 1, 2 * MiB, 2 * MiB };
	CHECK(!wire_map_build(&fm, 5 * MiB, &m), "build");
	n = wire_build_notify_map(&m, 77, ids, nm, sizeof(nm));
	CHECK(n == 16 + 32 + 2 * 48, "size %zd", n);
	CHECK(get32(nm, 0) == (uint32_t)n && get32(nm, 4) == 11 &&
		      get64(nm, 8) == 0,
	      "out header");
	CHECK(get64(nm, 16) == 77 && get32(nm, 24) == 2 &&
		      get32(nm, 28) == DEC47_MAP_CREATE && !get64(nm, 32) &&
		      !get64(nm, 40),
	      "map header");
	CHECK(get64(nm, 48) == 0 && get64(nm, 56) == 4 * MiB &&
		      get64(nm, 64) == ids[0] && get64(nm, 72) == 10 * MiB &&
		      !get64(nm, 80) && !get64(nm, 88),
	      "extent 0");
	CHECK(get64(nm, 96) == 4 * MiB && get64(nm, 104) == 2 * MiB &&
		      get64(nm, 112) == ids[1] && get64(nm, 120) == 2 * MiB,
	      "extent 1");
	CHECK(!dec47_notify_map(nm, (size_t)n, &dm, why, sizeof(why)), "%s",
	      why);
	CHECK(wire_build_notify_map(&m, 77, ids, nm, (size_t)n - 1) == -E2BIG,
	      "cap");
	/* Interleaved: CYCLIC, one chunk-long extent per strip at i*chunk. */
	fm.type = FAMFS_FMAP_INTERLEAVE;
	fm.count = 3;
	fm.chunk_size = 2 * MiB;
	for (unsigned i = 0; i < 3; i++)
		fm.ext[i] = (struct famfs_extent){ i % 2, (20 + 8 * i) * MiB,
						   8 * MiB };
	CHECK(!wire_map_build(&fm, 23 * MiB, &m), "build cyclic");
	n = wire_build_notify_map(&m, 78, ids, nm, sizeof(nm));
	CHECK(n == 16 + 32 + 3 * 48, "cyclic size %zd", n);
	CHECK(get32(nm, 28) == (DEC47_MAP_CREATE | DEC47_MAP_CYCLIC),
	      "cyclic flags 0x%x", get32(nm, 28));
	for (unsigned i = 0; i < 3; i++) {
		const uint8_t *x = nm + 48 + 48 * i;

		CHECK(get64(x, 0) == i * 2 * MiB && get64(x, 8) == 2 * MiB &&
			      get64(x, 16) == ids[i % 2] &&
			      get64(x, 24) == (20 + 8 * i) * MiB,
		      "strip %u", i);
	}
	CHECK(!dec47_notify_map(nm, (size_t)n, &dm, why, sizeof(why)) &&
		      dm.cycle == 6 * MiB,
	      "%s", why);
	/* BACKING_CLOSE: 32 bytes, code 10, id, reserved 0. */
	CHECK(wire_build_backing_close(99, nm) == 32, "close size");
	CHECK(get32(nm, 0) == 32 && get32(nm, 4) == 10 && !get64(nm, 8) &&
		      get64(nm, 16) == 99 && !get64(nm, 24),
	      "close bytes");
}

static size_t init_msg(uint8_t *b, uint32_t opcode, uint32_t flags,
		       uint32_t flags2, uint32_t moe, size_t arglen)
{
	uint32_t len = (uint32_t)(40 + arglen), v;
	uint64_t unique = 42;

	memset(b, 0, 40 + 64);
	memcpy(b, &len, 4);
	memcpy(b + 4, &opcode, 4);
	memcpy(b + 8, &unique, 8);
	v = 7;
	memcpy(b + 40, &v, 4);
	v = 45;
	memcpy(b + 44, &v, 4);
	memcpy(b + 52, &flags, 4);
	memcpy(b + 56, &flags2, 4);
	memcpy(b + 60, &moe, 4);
	return len;
}

static void test_parse_init(void)
{
	uint8_t b[104];
	struct wire_init_req r;
	size_t n;

	n = init_msg(b, 26, 1u << 30, (1u << 5) | (1u << 12), 65536, 64);
	CHECK(wire_parse_init(b, n, &r) == 1, "not INIT");
	CHECK(r.unique == 42 && r.major == 7 && r.minor == 45, "header");
	CHECK(r.flags == ((1ULL << 30) | (1ULL << 37) | (1ULL << 44)),
	      "flags 0x%llx", (unsigned long long)r.flags);
	/* Without INIT_EXT, flags2 is not valid. */
	n = init_msg(b, 26, 1, (1u << 5) | (1u << 12), 65536, 64);
	CHECK(wire_parse_init(b, n, &r) == 1 && r.flags == 1,
	      "flags2 without INIT_EXT");
	/* An old kernel's 16-byte INIT. */
	n = init_msg(b, 26, 3, 0, 0, 16);
	CHECK(wire_parse_init(b, n, &r) == 1 && r.flags == 3, "short INIT");
	n = init_msg(b, 26, 3, 0, 0, 8);
	CHECK(wire_parse_init(b, n, &r) == -EPROTO, "truncated INIT");
	n = init_msg(b, 14, 3, 0, 0, 8);
	CHECK(wire_parse_init(b, n, &r) == 0, "OPEN taken for INIT");
}

int main(void)
{
	test_simple();
	test_interleave();
	test_decode_stripes();
	test_bad_maps();
	test_notify_map();
	test_parse_init();
	printf("%s\n", fails ? "FAIL" : "ok");
	return fails ? 1 : 0;
}
