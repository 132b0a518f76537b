// SPDX-License-Identifier: Apache-2.0
/*
 * The log rules on images upstream famfs wrote (fixtures suite): a file
 * entry made to map an earlier file's unit (the colliding-extent image),
 * and one made to repeat an earlier path (the duplicate-name image, which
 * upstream's own tools can write), then appended to by this library's
 * allocator and writer. Upstream's fsck counts every good FILE entry's
 * units: after the append, no unit may be counted twice.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "testutil.h"

#define AU FAMFS_ALLOC_UNIT

struct img {
	uint8_t *meta;
	uint64_t len, nent, dev_size;
	uint8_t *log;
	char path[256];
};

/* Read the metadata back after the library wrote to the image. */
static void reload(struct img *im)
{
	int fd = open(im->path, O_RDONLY);

	assert_true(fd >= 0);
	assert_int_equal(pread(fd, im->meta, im->len, 0), (ssize_t)im->len);
	close(fd);
}

static struct famfs_omf_log_entry *ent(struct img *im, uint64_t i)
{
	return (void *)(im->log + famfs_log_entry_offset(i));
}

static void load(struct img *im, const char *name)
{
	im->meta = tu_fixture_meta(name, &im->len);
	if (!im->meta)
		fail_msg("fixture %s not found", name);
	im->log = im->meta + FAMFS_LOG_OFFSET;
	im->nent = ((struct famfs_omf_log_header *)im->log)->next_index;
	im->dev_size = ((struct famfs_omf_superblock *)im->meta)->daxdev.size;
	tu_tmppath(im->path, sizeof(im->path), name);
}

/* Write the metadata into a sparse image of the device's size. */
static void write_image(struct img *im)
{
	int fd;

	tu_sparse_file(im->path, im->dev_size);
	fd = open(im->path, O_WRONLY);
	assert_true(fd >= 0);
	assert_int_equal(pwrite(fd, im->meta, im->len, 0), (ssize_t)im->len);
	close(fd);
}

/* The first and the last FILE entry with one simple extent. */
static void pick(struct img *im, uint64_t *j, uint64_t *k)
{
	*j = *k = UINT64_MAX;
	for (uint64_t i = 0; i < im->nent; i++) {
		const struct famfs_omf_log_entry *e = ent(im, i);

		if (e->type != FAMFS_OMF_LOG_FILE ||
		    e->u.file.fmap.ext_type != FAMFS_OMF_EXT_SIMPLE ||
		    e->u.file.fmap.nextents != 1)
			continue;
		if (*j == UINT64_MAX)
			*j = i;
		*k = i;
	}
	assert_true(*j != UINT64_MAX && *k > *j);
}

/* Units counted twice by a reader that counts every good FILE entry. */
static uint64_t counted_twice(const uint8_t *log, uint64_t n, uint64_t size)
{
	uint64_t nunits = size / AU, dup = 0;
	uint8_t *seen = calloc(nunits, 1);

	assert_non_null(seen);
	for (uint64_t i = 0; i < n; i++) {
		const struct famfs_omf_log_entry *e =
			(const void *)(log + famfs_log_entry_offset(i));
		const struct famfs_omf_extent *x;
		unsigned cnt;

		/* Upstream checks the CRC only, and the type. */
		if (e->type != FAMFS_OMF_LOG_FILE ||
		    e->crc != famfs_crc(e, FAMFS_LOG_ENTRY_CRC_LEN))
			continue;
		cnt = tu_raw_extents(e, &x);
		for (unsigned s = 0; s < cnt; s++)
			for (uint64_t u = x[s].offset / AU;
			     u < (x[s].offset + x[s].len) / AU && u < nunits;
			     u++)
				dup += seen[u]++ != 0;
	}
	free(seen);
	return dup;
}

struct reports {
	unsigned n;
	struct famfs_err e[8];
};

static void collect(void *arg, const struct famfs_err *err)
{
	struct reports *r = arg;

	if (r->n < 8)
		r->e[r->n] = *err;
	r->n++;
}

static struct famfs_fs *open_fs(struct img *im, bool master, struct reports *r)
{
	struct famfs_fs_opts o;
	struct famfs_fs *fs;
	struct famfs_err err;

	famfs_fs_opts_init(&o);
	o.role = master ? FAMFS_ROLE_MASTER : FAMFS_ROLE_CLIENT;
	o.report = collect;
	o.report_arg = r;
	assert_int_equal(famfs_fs_open(im->path, &o, &fs, &err), 0);
	return fs;
}

/* The earlier entry wins; the loser is not served and keeps its name. */
static void check_collision(const char *name)
{
	struct img im;
	struct reports r = { 0 };
	struct famfs_ns_stats st;
	struct famfs_fs *fs;
	struct famfs_fmap m;
	struct famfs_alloc_req rq = { .size = 5 * AU };
	char loser[FAMFS_MAX_PATHLEN], msg[64];
	uint64_t j, k, shared;

	load(&im, name);
	pick(&im, &j, &k);
	ent(&im, k)->u.file.fmap.u.se[0].offset =
		ent(&im, j)->u.file.fmap.u.se[0].offset;
	tu_seal(ent(&im, k));
	memcpy(loser, ent(&im, k)->u.file.relpath, sizeof(loser));
	write_image(&im);
	shared = counted_twice(im.log, im.nent, im.dev_size);
	assert_true(shared > 0);

	fs = open_fs(&im, true, &r);
	famfs_ns_stats(famfs_fs_ns(fs), &st);
	assert_int_equal(st.bad, 1);
	assert_int_equal(st.collisions, 1);
	assert_int_equal(r.n, 1);
	assert_int_equal(r.e[0].index, (int64_t)k);
	assert_int_equal(r.e[0].kind, FAMFS_ERR_COLLISION);
	snprintf(msg, sizeof(msg), "held by entry %llu", (unsigned long long)j);
	assert_non_null(strstr(r.e[0].msg, msg));
	assert_null(famfs_ns_resolve(famfs_fs_ns(fs), loser));
	assert_non_null(
		famfs_ns_resolve(famfs_fs_ns(fs), ent(&im, j)->u.file.relpath));
	/* The writer refuses the loser's name, and allocates elsewhere. */
	assert_int_equal(famfs_fs_lock(fs, true), 0);
	assert_int_equal(famfs_ns_alloc(famfs_fs_ns(fs), &rq, &m), 0);
	assert_int_equal(
		famfs_fs_mkfile(fs, loser, 0644, 0, 0, rq.size, &m, NULL),
		-EEXIST);
	assert_int_equal(
		famfs_fs_mkfile(fs, "appended", 0644, 0, 0, rq.size, &m, NULL),
		0);
	famfs_fs_close(fs);
	reload(&im);
	/* Only the colliding pair shares units; nothing appended does. */
	assert_int_equal(counted_twice(im.log, im.nent + 1, im.dev_size),
			 shared);
	unlink(im.path);
	free(im.meta);
}

/* A duplicate path holds its units: appending never reuses them. */
static void check_dup_append(const char *name)
{
	struct img im;
	struct reports r = { 0 };
	struct famfs_ns_stats st;
	struct famfs_fs *fs;
	uint64_t j, k, added = 0;
	int rc = 0;

	load(&im, name);
	pick(&im, &j, &k);
	memcpy(ent(&im, k)->u.file.relpath, ent(&im, j)->u.file.relpath,
	       FAMFS_MAX_PATHLEN);
	tu_seal(ent(&im, k));
	write_image(&im);
	assert_int_equal(counted_twice(im.log, im.nent, im.dev_size), 0);

	fs = open_fs(&im, true, &r);
	assert_int_equal(r.n, 1);
	assert_int_equal(r.e[0].index, (int64_t)k);
	assert_string_equal(r.e[0].field, "relpath");
	assert_int_equal(famfs_fs_lock(fs, true), 0);
	/* Fill the device: every free unit gets used, none of k's. */
	while (rc == 0 && added < 64) {
		struct famfs_alloc_req rq = { .size = (added % 7 + 1) * AU };
		char path[32];
		struct famfs_fmap m;

		rc = famfs_ns_alloc(famfs_fs_ns(fs), &rq, &m);
		if (rc)
			break;
		snprintf(path, sizeof(path), "new%llu",
			 (unsigned long long)added);
		assert_int_equal(famfs_fs_mkfile(fs, path, 0644, 0, 0, rq.size,
						 &m, NULL),
				 0);
		added++;
	}
	assert_true(added > 0);
	famfs_fs_close(fs);

	reload(&im);
	/* What upstream's fsck would count: no allocation collision. */
	assert_int_equal(counted_twice(im.log, im.nent + added, im.dev_size),
			 0);
	r.n = 0;
	fs = open_fs(&im, false, &r);
	famfs_ns_stats(famfs_fs_ns(fs), &st);
	assert_int_equal(st.bad, 1);
	assert_int_equal(st.collisions, 0);
	assert_int_equal(r.n, 1);
	assert_non_null(famfs_ns_resolve(famfs_fs_ns(fs), "new0"));
	famfs_fs_close(fs);
	unlink(im.path);
	free(im.meta);
}

static void test_v48_basic(void **state)
{
	(void)state;
	check_collision("v48-basic");
	check_dup_append("v48-basic");
}

static void test_v47_basic(void **state)
{
	(void)state;
	check_collision("v47-basic");
	check_dup_append("v47-basic");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_v48_basic),
		cmocka_unit_test(test_v47_basic),
	};

	if (!getenv("FAMFS_FIXTURES")) {
		printf("SKIP: FAMFS_FIXTURES is not set\n");
		return 77;
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}
