// SPDX-License-Identifier: Apache-2.0
/* famfs_fmap_resolve / famfs_fmap_capacity against the spec 3.1 formula. */
#include <errno.h>
#include <string.h>

#include "testutil.h"

#define AU (2 * TU_MiB)

static void expect_piece(const struct famfs_fmap *m, uint64_t off, uint64_t dev,
			 uint64_t devoff, uint64_t len)
{
	struct famfs_piece p;

	memset(&p, 0xa5, sizeof(p));
	if (famfs_fmap_resolve(m, off, &p))
		fail_msg("offset 0x%llx did not resolve",
			 (unsigned long long)off);
	assert_int_equal(p.devindex, dev);
	assert_int_equal(p.dev_off, devoff);
	assert_int_equal(p.len, len);
}

/* Three extents: 4 MiB @ 10 MiB, 2 MiB @ 64 MiB (dev 1), 6 MiB @ 256 MiB. */
static void three(struct famfs_fmap *m)
{
	memset(m, 0, sizeof(*m));
	m->type = FAMFS_FMAP_SIMPLE;
	m->count = 3;
	m->ext[0] = (struct famfs_extent){ 0, 10 * TU_MiB, 4 * TU_MiB };
	m->ext[1] = (struct famfs_extent){ 1, 64 * TU_MiB, 2 * TU_MiB };
	m->ext[2] = (struct famfs_extent){ 0, 256 * TU_MiB, 6 * TU_MiB };
}

static void test_simple_one(void **state)
{
	struct famfs_fmap m;
	struct famfs_piece p;

	(void)state;
	tu_fmap1(&m, 10 * TU_MiB, AU);
	expect_piece(&m, 0, 0, 10 * TU_MiB, AU);
	expect_piece(&m, 4095, 0, 10 * TU_MiB + 4095, AU - 4095);
	expect_piece(&m, AU - 1, 0, 12 * TU_MiB - 1, 1);
	assert_int_equal(famfs_fmap_resolve(&m, AU, &p), -ERANGE);
	assert_int_equal(famfs_fmap_capacity(&m), AU);
}

static void test_simple_multi(void **state)
{
	struct famfs_fmap m;
	struct famfs_piece p;

	(void)state;
	three(&m);
	expect_piece(&m, 0, 0, 10 * TU_MiB, 4 * TU_MiB);
	expect_piece(&m, 4 * TU_MiB - 1, 0, 14 * TU_MiB - 1, 1);
	expect_piece(&m, 4 * TU_MiB, 1, 64 * TU_MiB, 2 * TU_MiB);
	expect_piece(&m, 5 * TU_MiB + 7, 1, 65 * TU_MiB + 7, TU_MiB - 7);
	expect_piece(&m, 6 * TU_MiB, 0, 256 * TU_MiB, 6 * TU_MiB);
	expect_piece(&m, 12 * TU_MiB - 1, 0, 262 * TU_MiB - 1, 1);
	assert_int_equal(famfs_fmap_resolve(&m, 12 * TU_MiB, &p), -ERANGE);
	assert_int_equal(famfs_fmap_resolve(&m, UINT64_MAX, &p), -ERANGE);
	assert_int_equal(famfs_fmap_capacity(&m), 12 * TU_MiB);
}

static void test_simple_empty(void **state)
{
	struct famfs_fmap m;
	struct famfs_piece p;

	(void)state;
	memset(&m, 0, sizeof(m));
	assert_int_equal(famfs_fmap_resolve(&m, 0, &p), -ERANGE);
	assert_int_equal(famfs_fmap_capacity(&m), 0);
}

/* The reference formula (spec 3.1, fixture README), computed here. */
static uint64_t ref_dev(const struct famfs_fmap *m, uint64_t off)
{
	uint64_t c = off / m->chunk_size;
	uint64_t s = c % m->count, r = c / m->count;

	return m->ext[s].offset + r * m->chunk_size + off % m->chunk_size;
}

static void ie_map(struct famfs_fmap *m, unsigned n, uint64_t cs, uint64_t slen,
		   const uint64_t *offs)
{
	memset(m, 0, sizeof(*m));
	m->type = FAMFS_FMAP_INTERLEAVE;
	m->count = (uint8_t)n;
	m->chunk_size = cs;
	for (unsigned i = 0; i < n; i++) {
		m->ext[i].offset = offs[i];
		m->ext[i].len = slen;
	}
}

/* Every chunk boundary +-1 and many pseudo-random offsets. */
static void sweep(const struct famfs_fmap *m)
{
	uint64_t cap = famfs_fmap_capacity(m), x = 12345;
	struct famfs_piece p;

	for (uint64_t c = 0; c * m->chunk_size < cap; c++) {
		uint64_t b = c * m->chunk_size;
		const uint64_t probe[] = { b, b + 1, b + m->chunk_size - 1,
					   b + m->chunk_size / 2 };

		for (unsigned i = 0; i < 4; i++)
			expect_piece(m, probe[i], 0, ref_dev(m, probe[i]),
				     m->chunk_size - probe[i] % m->chunk_size);
	}
	for (int i = 0; i < 5000; i++) {
		uint64_t off;

		x = x * 6364136223846793005ULL + 1442695040888963407ULL;
		off = (x >> 11) % cap;
		expect_piece(m, off, 0, ref_dev(m, off),
			     m->chunk_size - off % m->chunk_size);
	}
	assert_int_equal(famfs_fmap_resolve(m, cap, &p), -ERANGE);
	assert_int_equal(famfs_fmap_resolve(m, cap + m->chunk_size, &p),
			 -ERANGE);
}

static void test_ie_readme_example(void **state)
{
	/* 16 MiB, 2 strips, 2 MiB chunks: two 8 MiB strips (spec 3.1). */
	static const uint64_t offs[] = { 6 * TU_GiB, 2 * TU_GiB };
	struct famfs_fmap m;

	(void)state;
	ie_map(&m, 2, AU, 8 * TU_MiB, offs);
	assert_int_equal(famfs_fmap_capacity(&m), 16 * TU_MiB);
	/* chunk 0 -> strip 0 row 0; chunk 1 -> strip 1 row 0; ... */
	expect_piece(&m, 0, 0, 6 * TU_GiB, AU);
	expect_piece(&m, AU, 0, 2 * TU_GiB, AU);
	expect_piece(&m, 2 * AU, 0, 6 * TU_GiB + AU, AU);
	expect_piece(&m, 3 * AU + 5, 0, 2 * TU_GiB + AU + 5, AU - 5);
	expect_piece(&m, 16 * TU_MiB - 1, 0, 2 * TU_GiB + 8 * TU_MiB - 1, 1);
	sweep(&m);
}

static void test_ie_four_strips(void **state)
{
	/* v48-basic's s4_c4M_50MiB_plus layout. */
	static const uint64_t offs[] = { 1073741824, 7516192768, 146800640,
					 2155872256 };
	struct famfs_fmap m;

	(void)state;
	ie_map(&m, 4, 4 * TU_MiB, 16 * TU_MiB, offs);
	assert_int_equal(famfs_fmap_capacity(&m), 64 * TU_MiB);
	/* chunk 5 = strip 1, row 1. */
	expect_piece(&m, 5 * 4 * TU_MiB + 3, 0, 7516192768 + 4 * TU_MiB + 3,
		     4 * TU_MiB - 3);
	sweep(&m);
}

static void test_ie_three_strips(void **state)
{
	static const uint64_t offs[] = { 1090519040, 6450839552, 2172649472 };
	struct famfs_fmap m;

	(void)state;
	ie_map(&m, 3, AU, 4 * TU_MiB, offs);
	assert_int_equal(famfs_fmap_capacity(&m), 12 * TU_MiB);
	sweep(&m);
}

static void test_ie_big_chunk(void **state)
{
	uint64_t offs[16];
	struct famfs_fmap m;

	(void)state;
	for (unsigned i = 0; i < 16; i++)
		offs[i] = TU_GiB * (i + 1);
	ie_map(&m, 16, 64 * TU_MiB, 256 * TU_MiB, offs);
	assert_int_equal(famfs_fmap_capacity(&m), 16 * 256 * TU_MiB);
	sweep(&m);
}

static void test_ie_unequal_strips(void **state)
{
	static const uint64_t offs[] = { TU_GiB, 2 * TU_GiB };
	struct famfs_fmap m;
	struct famfs_piece p;

	(void)state;
	/* Strip 0 holds 3 chunks, strip 1 only 2: chunk 5 is unmapped. */
	ie_map(&m, 2, AU, 4 * TU_MiB, offs);
	m.ext[0].len = 6 * TU_MiB;
	expect_piece(&m, 4 * AU, 0, TU_GiB + 2 * AU, AU);
	assert_int_equal(famfs_fmap_resolve(&m, 5 * AU, &p), -ERANGE);
	assert_int_equal(famfs_fmap_capacity(&m), 10 * TU_MiB);
}

static void test_ie_degenerate(void **state)
{
	static const uint64_t offs[] = { TU_GiB };
	struct famfs_fmap m;
	struct famfs_piece p;

	(void)state;
	ie_map(&m, 1, AU, 4 * TU_MiB, offs);
	m.chunk_size = 0; /* never divides by zero */
	assert_int_equal(famfs_fmap_resolve(&m, 0, &p), -ERANGE);
	ie_map(&m, 1, AU, 4 * TU_MiB, offs);
	m.count = 0;
	assert_int_equal(famfs_fmap_resolve(&m, 0, &p), -ERANGE);
	m.type = 7;
	assert_int_equal(famfs_fmap_resolve(&m, 0, &p), -ERANGE);
}

static void test_ie_devindex(void **state)
{
	static const uint64_t offs[] = { TU_GiB, 2 * TU_GiB };
	struct famfs_fmap m;
	struct famfs_piece p;

	(void)state;
	ie_map(&m, 2, AU, 4 * TU_MiB, offs);
	m.ext[1].devindex = 1;
	assert_int_equal(famfs_fmap_resolve(&m, AU, &p), 0);
	assert_int_equal(p.devindex, 1);
	assert_int_equal(famfs_fmap_resolve(&m, 0, &p), 0);
	assert_int_equal(p.devindex, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_simple_one),
		cmocka_unit_test(test_simple_multi),
		cmocka_unit_test(test_simple_empty),
		cmocka_unit_test(test_ie_readme_example),
		cmocka_unit_test(test_ie_four_strips),
		cmocka_unit_test(test_ie_three_strips),
		cmocka_unit_test(test_ie_big_chunk),
		cmocka_unit_test(test_ie_unequal_strips),
		cmocka_unit_test(test_ie_degenerate),
		cmocka_unit_test(test_ie_devindex),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
