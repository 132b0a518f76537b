// SPDX-License-Identifier: Apache-2.0
/* The allocator: contiguous, interleaved, grow, trim, release, accounting. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

#define AU (2 * TU_MiB)
#define DATA0 (10 * TU_MiB)
#define RESERVED_UNITS 5 /* superblock + 8 MiB log */

struct ctx {
	struct tu_image im;
	struct famfs_ns *ns;
};

static struct ctx *make(uint64_t dev_size)
{
	struct ctx *c = calloc(1, sizeof(*c));

	assert_non_null(c);
	tu_image_init(&c->im, dev_size, 8 * TU_MiB, 48);
	assert_int_equal(famfs_ns_create(c->im.sb, &c->ns), 0);
	return c;
}

static int setup(void **state)
{
	*state = make(8 * TU_GiB);
	return 0;
}

static int teardown(void **state)
{
	struct ctx *c = *state;

	famfs_ns_free(c->ns);
	tu_image_free(&c->im);
	free(c);
	return 0;
}

static int alloc(struct ctx *c, uint64_t size, struct famfs_fmap *m)
{
	struct famfs_alloc_req r = { .size = size };

	return famfs_ns_alloc(c->ns, &r, m);
}

static void expect_one(const struct famfs_fmap *m, uint64_t off, uint64_t len)
{
	assert_int_equal(m->type, FAMFS_FMAP_SIMPLE);
	assert_int_equal(m->count, 1);
	assert_int_equal(m->ext[0].devindex, 0);
	assert_int_equal(m->ext[0].offset, off);
	assert_int_equal(m->ext[0].len, len);
}

static void test_contiguous_first(void **state)
{
	struct ctx *c = *state;
	struct famfs_fmap a, b, d;
	uint64_t free0 = famfs_ns_free_bytes(c->ns);

	assert_int_equal(free0, 8 * TU_GiB - RESERVED_UNITS * AU);
	/* First data unit right after the log, rounded up to 2 MiB. */
	assert_int_equal(alloc(c, 4096, &a), 0);
	expect_one(&a, DATA0, AU);
	assert_int_equal(alloc(c, 5 * TU_MiB, &b), 0);
	expect_one(&b, DATA0 + AU, 3 * AU);
	assert_int_equal(alloc(c, AU, &d), 0);
	expect_one(&d, DATA0 + 4 * AU, AU);
	assert_int_equal(famfs_ns_free_bytes(c->ns), free0 - 5 * AU);
	/* Maps are valid for their sizes. */
	assert_int_equal(famfs_fmap_check(&b, 5 * TU_MiB, famfs_ns_geom(c->ns),
					  -1, NULL),
			 0);
}

static void test_next_fit(void **state)
{
	struct ctx *c = *state;
	struct famfs_fmap a, b, d;

	assert_int_equal(alloc(c, AU, &a), 0);
	assert_int_equal(alloc(c, AU, &b), 0);
	famfs_ns_release(c->ns, &a);
	/* The cursor moves on: the hole at a is not reused yet. */
	assert_int_equal(alloc(c, AU, &d), 0);
	expect_one(&d, b.ext[0].offset + AU, AU);
	/* A request that fits nowhere after the cursor wraps to the hole. */
	famfs_ns_release(c->ns, &d);
	{
		uint64_t rest = famfs_ns_free_bytes(c->ns) - AU;
		struct famfs_fmap big, hole;

		assert_int_equal(alloc(c, rest, &big), 0);
		expect_one(&big, b.ext[0].offset + AU, rest);
		assert_int_equal(alloc(c, 1, &hole), 0);
		expect_one(&hole, DATA0, AU);
	}
	assert_int_equal(famfs_ns_free_bytes(c->ns), 0);
}

static void test_enospc(void **state)
{
	struct ctx *c = *state;
	struct famfs_fmap a, b;
	uint64_t free0 = famfs_ns_free_bytes(c->ns);

	assert_int_equal(alloc(c, 9 * TU_GiB, &a), -ENOSPC); /* > device */
	assert_int_equal(alloc(c, free0 + 1, &a), -ENOSPC);
	assert_int_equal(famfs_ns_free_bytes(c->ns), free0);
	assert_int_equal(alloc(c, free0, &a), 0);
	expect_one(&a, DATA0, free0);
	assert_int_equal(alloc(c, 1, &b), -ENOSPC);
	famfs_ns_release(c->ns, &a);
	assert_int_equal(famfs_ns_free_bytes(c->ns), free0);
	assert_int_equal(alloc(c, 0, &b), -EINVAL);
}

static void test_fragmented_enospc(void **state)
{
	struct ctx *c = *state;
	struct famfs_fmap m;
	uint64_t n = 0;

	/* Fill with 2 MiB allocations, free every other one. */
	while (!alloc(c, AU, &m)) {
		expect_one(&m, DATA0 + n * AU, AU);
		n++;
	}
	assert_int_equal(n, 8 * TU_GiB / AU - RESERVED_UNITS);
	for (uint64_t i = 0; i < n; i += 2) {
		tu_fmap1(&m, DATA0 + i * AU, AU);
		famfs_ns_release(c->ns, &m);
	}
	/* Plenty of free bytes, but no 4 MiB run. */
	assert_true(famfs_ns_free_bytes(c->ns) > TU_GiB);
	assert_int_equal(alloc(c, 2 * AU, &m), -ENOSPC);
	assert_int_equal(alloc(c, AU, &m), 0);
}

/* ---- interleave ---------------------------------------------------------- */

static int ialloc(struct ctx *c, uint64_t size, uint32_t nstrips,
		  uint32_t nbuckets, uint64_t chunk, uint32_t seed,
		  struct famfs_fmap *m)
{
	struct famfs_alloc_req r = { .size = size,
				     .nstrips = nstrips,
				     .nbuckets = nbuckets,
				     .chunk_size = chunk,
				     .seed = seed };

	return famfs_ns_alloc(c->ns, &r, m);
}

static void test_ie_rules(void **state)
{
	struct ctx *c = *state;
	struct famfs_fmap m;
	uint64_t free0 = famfs_ns_free_bytes(c->ns);

	assert_int_equal(ialloc(c, 16 * TU_MiB, 2, 0, AU, 1, &m), -EINVAL);
	assert_int_equal(ialloc(c, 16 * TU_MiB, 2, 65, AU, 1, &m), -EINVAL);
	assert_int_equal(ialloc(c, 16 * TU_MiB, 5, 4, AU, 1, &m), -EINVAL);
	/* 8 GiB / 9 buckets < 1 GiB per bucket. */
	assert_int_equal(ialloc(c, 16 * TU_MiB, 2, 9, AU, 1, &m), -EINVAL);
	assert_int_equal(ialloc(c, 16 * TU_MiB, 2, 8, AU, 1, &m), 0);
	famfs_ns_release(c->ns, &m);
	/* Chunk: power of two and a 2 MiB multiple. */
	assert_int_equal(ialloc(c, 16 * TU_MiB, 2, 8, TU_MiB, 1, &m), -EINVAL);
	assert_int_equal(ialloc(c, 16 * TU_MiB, 2, 8, 6 * TU_MiB, 1, &m),
			 -EINVAL);
	assert_int_equal(ialloc(c, 16 * TU_MiB, 2, 8, 4096, 1, &m), -EINVAL);
	assert_int_equal(famfs_ns_free_bytes(c->ns), free0);
}

static void test_ie_too_many_strips(void **state)
{
	struct ctx *c = make(64 * TU_GiB);
	struct famfs_fmap m;

	(void)state;
	/* 64 buckets of 1 GiB allow 17 strips by bucket count, not by map. */
	assert_int_equal(ialloc(c, 64 * TU_MiB, 17, 64, AU, 1, &m), -EINVAL);
	assert_int_equal(ialloc(c, 64 * TU_MiB, 16, 64, AU, 1, &m), 0);
	assert_int_equal(m.count, 16);
	*state = c;
	teardown(state);
}

static void test_ie_small_falls_back(void **state)
{
	struct ctx *c = *state;
	struct famfs_fmap a, m;

	assert_int_equal(alloc(c, AU, &a), 0);
	famfs_ns_release(c->ns, &a); /* hole at DATA0, cursor after it */
	assert_int_equal(ialloc(c, TU_MiB, 2, 8, 4 * TU_MiB, 1, &m), 0);
	/* Simple extent from a fresh first fit: fills the hole. */
	expect_one(&m, DATA0, AU);
}

/* Strips lie in distinct buckets, whole, and resolve by the spec formula. */
static void check_ie(struct ctx *c, const struct famfs_fmap *m, uint64_t size,
		     uint32_t nstrips, uint32_t nbuckets, uint64_t chunk,
		     uint64_t strip_len)
{
	uint64_t bucket = 8 * TU_GiB / AU / nbuckets * AU;
	bool used[64] = { false };

	assert_int_equal(m->type, FAMFS_FMAP_INTERLEAVE);
	assert_int_equal(m->count, nstrips);
	assert_int_equal(m->chunk_size, chunk);
	for (unsigned s = 0; s < nstrips; s++) {
		uint64_t b = m->ext[s].offset / bucket;

		assert_int_equal(m->ext[s].len, strip_len);
		assert_int_equal(m->ext[s].offset % AU, 0);
		assert_int_equal((m->ext[s].offset + strip_len - 1) / bucket,
				 b);
		assert_false(used[b]);
		used[b] = true;
	}
	assert_int_equal(
		famfs_fmap_check(m, size, famfs_ns_geom(c->ns), -1, NULL), 0);
	for (uint64_t off = 0; off < size; off += chunk) {
		struct famfs_piece p;
		uint64_t ch = off / chunk;

		assert_int_equal(famfs_fmap_resolve(m, off, &p), 0);
		assert_int_equal(p.dev_off, m->ext[ch % nstrips].offset +
						    ch / nstrips * chunk);
	}
}

static void test_ie_layout(void **state)
{
	struct ctx *c = *state;
	struct famfs_fmap m;
	uint64_t free0 = famfs_ns_free_bytes(c->ns);

	/* 16 MiB, 2 strips x 2 MiB: 4 stripes, two 8 MiB strips. */
	assert_int_equal(ialloc(c, 16 * TU_MiB, 2, 8, AU, 7, &m), 0);
	check_ie(c, &m, 16 * TU_MiB, 2, 8, AU, 8 * TU_MiB);
	/* 50 MiB + 12345, 4 strips x 4 MiB: 26 units -> 4 stripes of 16. */
	assert_int_equal(
		ialloc(c, 50 * TU_MiB + 12345, 4, 8, 4 * TU_MiB, 9, &m), 0);
	check_ie(c, &m, 50 * TU_MiB + 12345, 4, 8, 4 * TU_MiB, 16 * TU_MiB);
	/* 6 MiB + 1, 3 strips x 2 MiB: 4 units -> 2 stripes. */
	assert_int_equal(ialloc(c, 6 * TU_MiB + 1, 3, 4, AU, 11, &m), 0);
	check_ie(c, &m, 6 * TU_MiB + 1, 3, 4, AU, 4 * TU_MiB);
	/* Exactly nbuckets strips. */
	assert_int_equal(ialloc(c, 32 * TU_MiB, 8, 8, AU, 3, &m), 0);
	check_ie(c, &m, 32 * TU_MiB, 8, 8, AU, 4 * TU_MiB);
	assert_int_equal(famfs_ns_free_bytes(c->ns),
			 free0 - (16 + 64 + 12 + 32) * TU_MiB);
}

static void test_ie_seed_shuffles(void **state)
{
	struct ctx *c = *state;
	struct famfs_fmap a, b;
	bool differ = false;

	/* Different seeds pick different bucket orders (for some seed). */
	assert_int_equal(ialloc(c, 4 * TU_MiB, 2, 8, AU, 1, &a), 0);
	for (uint32_t seed = 2; seed < 10 && !differ; seed++) {
		assert_int_equal(ialloc(c, 4 * TU_MiB, 2, 8, AU, seed, &b), 0);
		differ = a.ext[0].offset / TU_GiB != b.ext[0].offset / TU_GiB ||
			 a.ext[1].offset / TU_GiB != b.ext[1].offset / TU_GiB;
	}
	assert_true(differ);
}

static void test_ie_enospc_rollback(void **state)
{
	struct ctx *c = *state;
	struct famfs_fmap rest, hole1, hole2, m;
	uint64_t free1;

	/* Everything used except 4 MiB at 1 GiB and 4 MiB at 3 GiB. */
	assert_int_equal(alloc(c, famfs_ns_free_bytes(c->ns), &rest), 0);
	tu_fmap1(&hole1, TU_GiB, 4 * TU_MiB);
	tu_fmap1(&hole2, 3 * TU_GiB, 4 * TU_MiB);
	famfs_ns_release(c->ns, &hole1);
	famfs_ns_release(c->ns, &hole2);
	free1 = famfs_ns_free_bytes(c->ns);
	assert_int_equal(free1, 8 * TU_MiB);
	/* Three 4 MiB strips: only two buckets have room; nothing leaks. */
	assert_int_equal(ialloc(c, 12 * TU_MiB, 3, 8, AU, 5, &m), -ENOSPC);
	assert_int_equal(famfs_ns_free_bytes(c->ns), free1);
	/* Two 4 MiB strips fit exactly in the two holes. */
	assert_int_equal(ialloc(c, 8 * TU_MiB, 2, 8, AU, 5, &m), 0);
	assert_int_equal(famfs_ns_free_bytes(c->ns), 0);
	assert_true(m.ext[0].offset == TU_GiB || m.ext[0].offset == 3 * TU_GiB);
	assert_true(m.ext[1].offset == TU_GiB || m.ext[1].offset == 3 * TU_GiB);
}

/* ---- grow, trim, release ------------------------------------------------- */

static void test_grow_in_place(void **state)
{
	struct ctx *c = *state;
	struct famfs_fmap m;
	uint64_t free0 = famfs_ns_free_bytes(c->ns);

	assert_int_equal(alloc(c, AU, &m), 0);
	assert_int_equal(famfs_ns_alloc_grow(c->ns, &m, AU), 0); /* no-op */
	expect_one(&m, DATA0, AU);
	assert_int_equal(famfs_ns_alloc_grow(c->ns, &m, 5 * TU_MiB), 0);
	expect_one(&m, DATA0, 3 * AU);
	assert_int_equal(famfs_ns_free_bytes(c->ns), free0 - 3 * AU);
	/* Growing to a smaller size does nothing. */
	assert_int_equal(famfs_ns_alloc_grow(c->ns, &m, 1), 0);
	expect_one(&m, DATA0, 3 * AU);
}

static void test_grow_empty_map(void **state)
{
	struct ctx *c = *state;
	struct famfs_fmap m;

	memset(&m, 0, sizeof(m));
	assert_int_equal(famfs_ns_alloc_grow(c->ns, &m, 3 * TU_MiB), 0);
	expect_one(&m, DATA0, 2 * AU);
}

static void test_grow_blocked(void **state)
{
	struct ctx *c = *state;
	struct famfs_fmap m, blocker;

	assert_int_equal(alloc(c, AU, &m), 0);
	assert_int_equal(alloc(c, AU, &blocker), 0);
	assert_int_equal(famfs_ns_alloc_grow(c->ns, &m, 3 * AU), 0);
	assert_int_equal(m.count, 2);
	assert_int_equal(m.ext[0].offset, DATA0);
	assert_int_equal(m.ext[0].len, AU);
	assert_int_equal(m.ext[1].offset, DATA0 + 2 * AU);
	assert_int_equal(m.ext[1].len, 2 * AU);
	assert_int_equal(famfs_fmap_capacity(&m), 3 * AU);
	assert_int_equal(
		famfs_fmap_check(&m, 3 * AU, famfs_ns_geom(c->ns), -1, NULL),
		0);
	/* Now the new last extent can grow in place. */
	assert_int_equal(famfs_ns_alloc_grow(c->ns, &m, 4 * AU), 0);
	assert_int_equal(m.count, 2);
	assert_int_equal(m.ext[1].len, 3 * AU);
}

static void test_grow_efbig(void **state)
{
	struct ctx *c = *state;
	struct famfs_fmap m, blocker;

	assert_int_equal(alloc(c, AU, &m), 0);
	for (unsigned i = 1; i < FAMFS_MAX_SIMPLE_EXTENTS; i++) {
		assert_int_equal(alloc(c, AU, &blocker), 0);
		assert_int_equal(famfs_ns_alloc_grow(c->ns, &m, (i + 1) * AU),
				 0);
		assert_int_equal(m.count, i + 1);
	}
	assert_int_equal(alloc(c, AU, &blocker), 0);
	assert_int_equal(famfs_ns_alloc_grow(c->ns, &m, 17 * AU), -EFBIG);
	assert_int_equal(m.count, 16);
	assert_int_equal(
		famfs_fmap_check(&m, 16 * AU, famfs_ns_geom(c->ns), -1, NULL),
		0);
}

static void test_grow_enospc_and_type(void **state)
{
	struct ctx *c = *state;
	struct famfs_fmap m, rest, ie;

	assert_int_equal(alloc(c, AU, &m), 0);
	assert_int_equal(alloc(c, famfs_ns_free_bytes(c->ns), &rest), 0);
	assert_int_equal(famfs_ns_alloc_grow(c->ns, &m, 2 * AU), -ENOSPC);
	famfs_ns_release(c->ns, &rest);
	assert_int_equal(ialloc(c, 8 * TU_MiB, 2, 8, AU, 1, &ie), 0);
	assert_int_equal(famfs_ns_alloc_grow(c->ns, &ie, 16 * TU_MiB), -EINVAL);
	assert_int_equal(famfs_ns_alloc_trim(c->ns, &ie, 1), -EINVAL);
}

/* A grow that fails leaves the map and the free space as they were, so a
 * smaller grow right after it (famfsd falls back from its grow-ahead to
 * what the write needs) still has all its extent slots. */
static void test_grow_failure_rolls_back(void **state)
{
	struct ctx *c = *state;
	struct famfs_fmap m, rest, hole;
	uint64_t free1;

	assert_int_equal(alloc(c, AU, &m), 0);
	assert_int_equal(alloc(c, famfs_ns_free_bytes(c->ns), &rest), 0);
	for (unsigned i = 0; i < 20; i++) { /* one-unit holes */
		if (i == 5) {
			/* 5 free: ENOSPC after taking every hole. */
			free1 = famfs_ns_free_bytes(c->ns);
			assert_int_equal(famfs_ns_alloc_grow(c->ns, &m, 7 * AU),
					 -ENOSPC);
			expect_one(&m, DATA0, AU);
			assert_int_equal(famfs_ns_free_bytes(c->ns), free1);
		}
		tu_fmap1(&hole, TU_GiB + i * 2 * AU, AU);
		famfs_ns_release(c->ns, &hole);
	}
	free1 = famfs_ns_free_bytes(c->ns);
	/* 20 free, but 1 + 20 extents: EFBIG after taking 15. */
	assert_int_equal(famfs_ns_alloc_grow(c->ns, &m, 21 * AU), -EFBIG);
	expect_one(&m, DATA0, AU);
	assert_int_equal(famfs_ns_free_bytes(c->ns), free1);
	/* What fits still fits. */
	assert_int_equal(famfs_ns_alloc_grow(c->ns, &m, 3 * AU), 0);
	assert_int_equal(m.count, 3);
	assert_int_equal(famfs_ns_free_bytes(c->ns), free1 - 2 * AU);
}

static void test_trim(void **state)
{
	struct ctx *c = *state;
	struct famfs_fmap m, blocker;
	uint64_t free0 = famfs_ns_free_bytes(c->ns);

	assert_int_equal(alloc(c, 2 * AU, &m), 0);
	assert_int_equal(alloc(c, AU, &blocker), 0);
	assert_int_equal(famfs_ns_alloc_grow(c->ns, &m, 4 * AU), 0);
	assert_int_equal(m.count, 2); /* 2 units + 2 units */
	/* Keep 3 units: the second extent loses one. */
	assert_int_equal(famfs_ns_alloc_trim(c->ns, &m, 2 * AU + 1), 0);
	assert_int_equal(m.count, 2);
	assert_int_equal(m.ext[1].len, AU);
	assert_int_equal(famfs_ns_free_bytes(c->ns), free0 - 4 * AU);
	/* Keep 1 unit: the second extent disappears. */
	assert_int_equal(famfs_ns_alloc_trim(c->ns, &m, 1), 0);
	expect_one(&m, DATA0, AU);
	assert_int_equal(m.ext[1].len, 0);
	assert_int_equal(m.ext[1].offset, 0);
	assert_int_equal(famfs_ns_free_bytes(c->ns), free0 - 2 * AU);
	/* The freed unit right after m is reusable in place. */
	assert_int_equal(famfs_ns_alloc_grow(c->ns, &m, 2 * AU), 0);
	expect_one(&m, DATA0, 2 * AU);
	famfs_ns_release(c->ns, &m);
	famfs_ns_release(c->ns, &blocker);
	assert_int_equal(famfs_ns_free_bytes(c->ns), free0);
}

static void test_release_interleaved(void **state)
{
	struct ctx *c = *state;
	struct famfs_fmap m;
	uint64_t free0 = famfs_ns_free_bytes(c->ns);

	assert_int_equal(ialloc(c, 64 * TU_MiB, 4, 8, 4 * TU_MiB, 2, &m), 0);
	assert_int_equal(famfs_ns_free_bytes(c->ns), free0 - 64 * TU_MiB);
	famfs_ns_release(c->ns, &m);
	assert_int_equal(famfs_ns_free_bytes(c->ns), free0);
}

static void test_replayed_space_is_used(void **state)
{
	struct ctx *c = *state;
	struct famfs_omf_log_entry e;
	struct famfs_fmap m;

	/* A file logged by another host occupies units 0..1 of the data. */
	tu_fmap1(&m, DATA0, 2 * AU);
	assert_int_equal(famfs_entry_make_file(&e, 0, "f", 0644, 0, 0, 1, &m),
			 0);
	tu_image_append(&c->im, &e);
	assert_int_equal(famfs_ns_replay(c->ns, c->im.log, 8 * TU_MiB, NULL),
			 1);
	assert_int_equal(alloc(c, AU, &m), 0);
	expect_one(&m, DATA0 + 2 * AU, AU);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_contiguous_first),
		T(test_next_fit),
		T(test_enospc),
		T(test_fragmented_enospc),
		T(test_ie_rules),
		cmocka_unit_test(test_ie_too_many_strips),
		T(test_ie_small_falls_back),
		T(test_ie_layout),
		T(test_ie_seed_shuffles),
		T(test_ie_enospc_rollback),
		T(test_grow_in_place),
		T(test_grow_empty_map),
		T(test_grow_blocked),
		T(test_grow_efbig),
		T(test_grow_enospc_and_type),
		T(test_grow_failure_rolls_back),
		T(test_trim),
		T(test_release_interleaved),
		T(test_replayed_space_is_used),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
