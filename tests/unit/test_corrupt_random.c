// SPDX-License-Identifier: Apache-2.0
/*
 * Nothing from the media is trusted: corrupt entries at random (and re-seal
 * their CRC, so only the semantic checks stand between them and the
 * namespace), replay, and check that everything that was accepted is
 * consistent and maps only device bytes outside the superblock and log.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "testutil.h"

#define AU (2 * TU_MiB)
#define DEV (8 * TU_GiB)
#define LOGLEN (8 * TU_MiB)

static uint64_t rnd_state = 0x2545F4914F6CDD1DULL;

static uint64_t rnd(void)
{
	rnd_state ^= rnd_state << 13;
	rnd_state ^= rnd_state >> 7;
	rnd_state ^= rnd_state << 17;
	return rnd_state;
}

/* A log with dirs, simple files, multi-extent and interleaved files. */
static void build(struct tu_image *im)
{
	struct famfs_omf_log_entry e;
	struct famfs_omf_uuid u;
	struct famfs_fmap m;
	uint64_t unit = 5;

	tu_image_init(im, DEV, LOGLEN, 48);
	for (int i = 0; i < 6; i++) {
		static const char *dirs[] = { "a",     "a/b", "c",
					      "a/b/d", "e",   "c/f" };

		assert_int_equal(famfs_entry_make_mkdir(&e, tu_image_next(im),
							dirs[i], 0755, 0, 0),
				 0);
		tu_image_append(im, &e);
	}
	for (int i = 0; i < 12; i++) {
		static const char *dirs[] = { "", "a/", "a/b/", "c/", "c/f/" };
		char path[64];
		uint64_t size = (uint64_t)(i + 1) * 1234567;

		snprintf(path, sizeof(path), "%sfile%d", dirs[i % 5], i);
		memset(&m, 0, sizeof(m));
		if (i % 4 == 3) {
			m.type = FAMFS_FMAP_INTERLEAVE;
			m.count = 2;
			m.chunk_size = AU;
			for (int s = 0; s < 2; s++) {
				m.ext[s].offset = TU_GiB * (s + 1) + unit * AU;
				m.ext[s].len = 4 * AU;
			}
			size = 8 * AU;
		} else {
			m.type = FAMFS_FMAP_SIMPLE;
			m.count = (uint8_t)(i % 3 + 1);
			for (int x = 0; x < m.count; x++) {
				m.ext[x].offset = (unit + 4 * x) * AU;
				m.ext[x].len = 4 * AU;
			}
			size = m.count * 4 * AU - 1;
		}
		unit += 16;
		assert_int_equal(famfs_entry_make_file(&e, tu_image_next(im),
						       path, 0644, 1, 2, size,
						       &m),
				 0);
		tu_image_append(im, &e);
	}
	tu_uuid(&u, "11111111-2222-4333-8444-555555555555");
	assert_int_equal(famfs_entry_make_daxdev(&e, tu_image_next(im),
						 16 * TU_GiB, &u, 1),
			 0);
	tu_image_append(im, &e);
}

/* Undo the damage: only the header and the used slots ever change. */
static void restore(struct tu_image *im, const uint8_t *pristine, uint64_t n)
{
	memcpy(im->log, pristine + FAMFS_LOG_OFFSET, famfs_log_entry_offset(n));
}

static void reporter(void *arg, const struct famfs_err *err)
{
	(void)err;
	(*(uint64_t *)arg)++;
}

/* No two served files (or two extents of one) share a device byte. */
static void check_disjoint(const struct famfs_ns *ns, uint64_t n)
{
	for (uint64_t i = 0; i < n; i++) {
		const struct famfs_node *a =
			famfs_ns_get(ns, FAMFS_INO_LOG_BASE + i);

		if (!a || a->kind != FAMFS_NODE_FILE)
			continue;
		for (uint64_t j = 0; j <= i; j++) {
			const struct famfs_node *b =
				famfs_ns_get(ns, FAMFS_INO_LOG_BASE + j);

			if (!b || b->kind != FAMFS_NODE_FILE)
				continue;
			for (unsigned x = 0; x < a->fmap->count; x++)
				for (unsigned y = 0; y < b->fmap->count; y++) {
					const struct famfs_extent *p =
						&a->fmap->ext[x];
					const struct famfs_extent *q =
						&b->fmap->ext[y];

					if ((i == j && x == y) ||
					    p->devindex != q->devindex)
						continue;
					assert_true(p->offset >=
							    q->offset +
								    q->len ||
						    q->offset >=
							    p->offset + p->len);
				}
		}
	}
}

/* Every accepted node is consistent and safe to serve. */
static void check_ns(const struct famfs_ns *ns, uint64_t n)
{
	const struct famfs_geom *g = famfs_ns_geom(ns);

	check_disjoint(ns, n);
	for (uint64_t i = 0; i < n; i++) {
		const struct famfs_node *p, *node;
		struct famfs_piece pc;

		node = famfs_ns_get(ns, FAMFS_INO_LOG_BASE + i);
		if (!node)
			continue;
		assert_int_equal(node->log_index, i);
		assert_true(node->name_len > 0 &&
			    node->name_len < FAMFS_MAX_PATHLEN);
		assert_null(memchr(node->name, '/', node->name_len));
		assert_int_equal(node->mode & ~(uint32_t)(S_IFMT | 07777), 0);
		p = famfs_ns_get(ns, node->parent);
		assert_non_null(p);
		assert_int_equal(p->kind, FAMFS_NODE_DIR);
		assert_ptr_equal(famfs_ns_lookup(ns, p->ino, node->name), node);
		if (node->kind == FAMFS_NODE_DIR) {
			assert_int_equal(node->mode & S_IFMT, S_IFDIR);
			assert_null(node->fmap);
			continue;
		}
		assert_int_equal(node->kind, FAMFS_NODE_FILE);
		assert_int_equal(node->mode & S_IFMT, S_IFREG);
		assert_non_null(node->fmap);
		assert_true(node->size > 0);
		assert_int_equal(famfs_fmap_check(node->fmap, node->size, g,
						  (int64_t)i, NULL),
				 0);
		/* Last byte and a few others map inside the data area. */
		for (int k = 0; k < 4; k++) {
			uint64_t off = k ? rnd() % node->size : node->size - 1;

			assert_int_equal(
				famfs_fmap_resolve(node->fmap, off, &pc), 0);
			assert_true(pc.devindex < g->ndevs);
			assert_true(pc.dev_off < g->dev_size[pc.devindex]);
			if (pc.devindex == 0)
				assert_true(pc.dev_off >=
					    FAMFS_LOG_OFFSET + g->log_len);
		}
	}
}

static void test_random_resealed(void **state)
{
	struct tu_image im;
	uint8_t *pristine;
	uint64_t n, accepted = 0, rejected = 0;

	(void)state;
	build(&im);
	n = tu_image_next(&im);
	pristine = malloc(im.meta_len);
	assert_non_null(pristine);
	memcpy(pristine, im.meta, im.meta_len);
	for (int iter = 0; iter < 1500; iter++) {
		struct famfs_ns *ns;
		uint64_t bad = 0, k = rnd() % n;
		struct famfs_omf_log_entry *e =
			(void *)(im.log + famfs_log_entry_offset(k));
		int nflips = 1 + (int)(rnd() % 3);
		long rc;

		restore(&im, pristine, n);
		for (int f = 0; f < nflips; f++) {
			/* Half the time in the fields, else anywhere. */
			uint8_t *b = (uint8_t *)e + 8 +
				     rnd() % (rnd() & 1 ? 152 : 528);

			if (rnd() & 1)
				*b ^= (uint8_t)(1u << (rnd() % 8));
			else
				*b = (uint8_t)rnd();
		}
		tu_seal(e);
		assert_int_equal(famfs_ns_create(im.sb, &ns), 0);
		famfs_ns_set_reporter(ns, reporter, &bad);
		rc = famfs_ns_replay(ns, im.log, LOGLEN, NULL);
		assert_true(rc == (long)n);
		check_ns(ns, n);
		famfs_ns_free(ns);
		if (bad)
			rejected++;
		else
			accepted++;
	}
	/* Both paths were exercised (uid, size... changes are legal). */
	print_message("resealed: %llu accepted, %llu rejected\n",
		      (unsigned long long)accepted,
		      (unsigned long long)rejected);
	assert_true(accepted > 10);
	assert_true(rejected > 50);
	tu_image_free(&im);
	free(pristine);
}

static void test_random_raw(void **state)
{
	struct tu_image im;
	uint8_t *pristine;
	uint64_t n;

	(void)state;
	/* Unsealed damage anywhere in the used log, header included. */
	build(&im);
	n = tu_image_next(&im);
	pristine = malloc(im.meta_len);
	assert_non_null(pristine);
	memcpy(pristine, im.meta, im.meta_len);
	for (int iter = 0; iter < 1000; iter++) {
		struct famfs_ns *ns;
		uint64_t bad = 0, span = famfs_log_entry_offset(n);
		long rc;

		restore(&im, pristine, n);
		im.log[rnd() % span] ^= (uint8_t)(1 + rnd() % 255);
		assert_int_equal(famfs_ns_create(im.sb, &ns), 0);
		famfs_ns_set_reporter(ns, reporter, &bad);
		rc = famfs_ns_replay(ns, im.log, LOGLEN, NULL);
		/* A changed byte is always noticed (CRC or header rule). */
		assert_true(rc < 0 || bad > 0);
		check_ns(ns, n);
		famfs_ns_free(ns);
	}
	tu_image_free(&im);
	free(pristine);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_random_resealed),
		cmocka_unit_test(test_random_raw),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
