// SPDX-License-Identifier: Apache-2.0
/* famfs_mkfs on sparse image files. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "testutil.h"

struct ctx {
	char path[256];
	struct famfs_dev *dev;
};

static struct famfs_dev *reopen(struct ctx *c, uint64_t size, unsigned flags)
{
	struct famfs_err err;

	famfs_dev_close(c->dev);
	c->dev = NULL;
	if (size)
		tu_sparse_file(c->path, size);
	assert_int_equal(famfs_dev_open(c->path, flags, &c->dev, &err), 0);
	return c->dev;
}

static int setup(void **state)
{
	struct ctx *c = calloc(1, sizeof(*c));

	assert_non_null(c);
	tu_tmppath(c->path, sizeof(c->path), "mkfs.img");
	reopen(c, 64 * TU_MiB, 0);
	*state = c;
	return 0;
}

static int teardown(void **state)
{
	struct ctx *c = *state;

	famfs_dev_close(c->dev);
	unlink(c->path);
	free(c);
	return 0;
}

static struct famfs_mkfs_opts small(void)
{
	struct famfs_mkfs_opts o = { .allow_small = true };

	tu_uuid(&o.system_uuid, "5eed0000-fa3f-4000-8000-00000000cafe");
	return o;
}

static const struct famfs_omf_superblock *sb_of(struct ctx *c)
{
	return famfs_dev_addr(c->dev);
}

static void test_fresh(void **state)
{
	struct ctx *c = *state;
	struct famfs_mkfs_opts o = small();
	const struct famfs_omf_superblock *sb = sb_of(c);
	const struct famfs_omf_log_header *h;
	struct famfs_err err;

	assert_int_equal(famfs_mkfs(c->dev, &o, &err), 0);
	assert_int_equal(famfs_sb_check(sb, 64 * TU_MiB, &err), 0);
	assert_int_equal(sb->version, 48);
	assert_int_equal(sb->omf_ver_major, 2);
	assert_int_equal(sb->omf_ver_minor, 2);
	assert_int_equal(sb->log_len, 8 * TU_MiB);
	assert_int_equal(sb->daxdev.size, 64 * TU_MiB);
	assert_string_equal(sb->daxdev.name, c->path);
	assert_int_equal(sb->sb_flags, 0);
	assert_memory_equal(&sb->system_uuid, &o.system_uuid, 16);
	assert_memory_not_equal(&sb->fs_uuid, &sb->dev_uuid, 16);
	h = (const void *)((const uint8_t *)sb + FAMFS_LOG_OFFSET);
	assert_int_equal(famfs_log_header_check(h, 8 * TU_MiB, &err), 0);
	assert_int_equal(h->next_index, 0);
}

static void test_existing_needs_force(void **state)
{
	struct ctx *c = *state;
	struct famfs_mkfs_opts o = small();
	struct famfs_omf_superblock before;
	struct famfs_err err;

	assert_int_equal(famfs_mkfs(c->dev, &o, &err), 0);
	before = *sb_of(c);
	assert_err(famfs_mkfs(c->dev, &o, &err), -EEXIST, &err, "superblock");
	assert_memory_equal(sb_of(c), &before, sizeof(before));
	/* A wrong-version superblock also counts as existing. */
	((struct famfs_omf_superblock *)sb_of(c))->version = 46;
	assert_err(famfs_mkfs(c->dev, &o, &err), -EEXIST, &err, "superblock");
	o.force = true;
	assert_int_equal(famfs_mkfs(c->dev, &o, &err), 0);
	assert_int_equal(famfs_sb_check(sb_of(c), 0, NULL), 0);
	assert_memory_not_equal(&sb_of(c)->fs_uuid, &before.fs_uuid, 16);
}

static void test_kill(void **state)
{
	struct ctx *c = *state;
	struct famfs_mkfs_opts o = small();
	uint64_t meta = FAMFS_LOG_OFFSET + 8 * TU_MiB;
	uint8_t *copy = malloc(meta);
	struct famfs_err err;

	assert_non_null(copy);
	/* --kill without --force on a device with no famfs. */
	o.kill = true;
	assert_err(famfs_mkfs(c->dev, &o, &err), -EINVAL, &err, "kill");
	o.kill = false;
	assert_int_equal(famfs_mkfs(c->dev, &o, &err), 0);
	memcpy(copy, famfs_dev_addr(c->dev), meta);
	o.kill = true;
	assert_err(famfs_mkfs(c->dev, &o, &err), -EEXIST, &err, "superblock");
	o.force = true;
	assert_int_equal(famfs_mkfs(c->dev, &o, &err), 0);
	/* Only the 8 magic bytes changed. */
	assert_int_equal(sb_of(c)->magic, 0);
	assert_memory_equal((uint8_t *)famfs_dev_addr(c->dev) + 8, copy + 8,
			    meta - 8);
	assert_err(famfs_sb_check(sb_of(c), 0, &err), -EINVAL, &err,
		   "superblock.magic");
	/* And now a plain mkfs works without force. */
	o.kill = o.force = false;
	assert_int_equal(famfs_mkfs(c->dev, &o, &err), 0);
	free(copy);
}

static void test_log_len(void **state)
{
	static const uint64_t bad[] = { 1, 4 << 20, 12 << 20,
					(8 << 20) + 4096 };
	struct ctx *c = *state;
	struct famfs_mkfs_opts o = small();
	struct famfs_err err;
	const struct famfs_omf_log_header *h;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		o.log_len = bad[i];
		assert_err(famfs_mkfs(c->dev, &o, &err), -EINVAL, &err,
			   "loglen");
		assert_int_equal(sb_of(c)->magic, 0); /* nothing written */
	}
	o.log_len = 16 * TU_MiB;
	assert_int_equal(famfs_mkfs(c->dev, &o, &err), 0);
	assert_int_equal(sb_of(c)->log_len, 16 * TU_MiB);
	h = (const void *)((const uint8_t *)sb_of(c) + FAMFS_LOG_OFFSET);
	assert_int_equal(h->last_index, 30839);
	assert_int_equal(famfs_log_header_check(h, 16 * TU_MiB, NULL), 0);
}

static void test_versions(void **state)
{
	struct ctx *c = *state;
	struct famfs_mkfs_opts o = small();
	struct famfs_err err;

	o.force = true;
	o.version = 47;
	assert_int_equal(famfs_mkfs(c->dev, &o, &err), 0);
	assert_int_equal(sb_of(c)->version, 47);
	assert_int_equal(sb_of(c)->omf_ver_major, 2);
	assert_int_equal(sb_of(c)->omf_ver_minor, 1);
	assert_int_equal(famfs_sb_check(sb_of(c), 0, NULL), 0);
	o.version = 48;
	assert_int_equal(famfs_mkfs(c->dev, &o, &err), 0);
	assert_int_equal(sb_of(c)->version, 48);
	assert_int_equal(sb_of(c)->omf_ver_minor, 2);
	o.version = 0; /* default */
	assert_int_equal(famfs_mkfs(c->dev, &o, &err), 0);
	assert_int_equal(sb_of(c)->version, 48);
	o.version = 46;
	assert_err(famfs_mkfs(c->dev, &o, &err), -EINVAL, &err, "omf-version");
	o.version = 49;
	assert_err(famfs_mkfs(c->dev, &o, &err), -EINVAL, &err, "omf-version");
}

static void test_device_size(void **state)
{
	struct ctx *c = *state;
	struct famfs_mkfs_opts o = small();
	struct famfs_err err;

	o.allow_small = false;
	assert_err(famfs_mkfs(c->dev, &o, &err), -ENOSPC, &err, "device");
	assert_int_equal(sb_of(c)->magic, 0);
	/* Exactly 4 GiB is accepted. */
	reopen(c, 4 * TU_GiB, 0);
	assert_int_equal(famfs_mkfs(c->dev, &o, &err), 0);
	assert_int_equal(sb_of(c)->daxdev.size, 4 * TU_GiB);
	/* Even allow_small needs one data unit after the log. */
	reopen(c, 10 * TU_MiB, 0);
	o.allow_small = true;
	assert_err(famfs_mkfs(c->dev, &o, &err), -ENOSPC, &err, "device");
	reopen(c, 12 * TU_MiB, 0);
	assert_int_equal(famfs_mkfs(c->dev, &o, &err), 0);
	reopen(c, 16 * TU_MiB, 0);
	o.log_len = 16 * TU_MiB;
	assert_err(famfs_mkfs(c->dev, &o, &err), -ENOSPC, &err, "device");
}

static void test_zeroes_log_and_sb(void **state)
{
	struct ctx *c = *state;
	struct famfs_mkfs_opts o = small();
	uint8_t *base = famfs_dev_addr(c->dev);
	uint64_t meta = FAMFS_LOG_OFFSET + 8 * TU_MiB;

	/* Junk everywhere, including past the log. */
	memset(base, 0xa5, meta + TU_MiB);
	memset(base, 0, 8); /* no magic: no force needed */
	assert_int_equal(famfs_mkfs(c->dev, &o, NULL), 0);
	for (uint64_t i = sizeof(struct famfs_omf_superblock);
	     i < FAMFS_LOG_OFFSET; i++)
		if (base[i])
			fail_msg("superblock region byte %llu not zero",
				 (unsigned long long)i);
	for (uint64_t i = FAMFS_LOG_OFFSET + FAMFS_LOG_HDR_SIZE; i < meta; i++)
		if (base[i])
			fail_msg("log byte %llu not zero",
				 (unsigned long long)(i - FAMFS_LOG_OFFSET));
	/* Data is not touched. */
	assert_int_equal(base[meta], 0xa5);
	assert_int_equal(sb_of(c)->sb_flags, 0);
	assert_int_equal(sb_of(c)->pad0, 0);
}

static void test_rdonly(void **state)
{
	struct ctx *c = *state;
	struct famfs_mkfs_opts o = small();
	struct famfs_err err;

	reopen(c, 0, FAMFS_DEV_RDONLY);
	assert_err(famfs_mkfs(c->dev, &o, &err), -EROFS, &err, "device");
}

static void test_opens_as_fs(void **state)
{
	struct ctx *c = *state;
	struct famfs_mkfs_opts o = small();
	struct famfs_fs_opts fo;
	struct famfs_fs *fs;
	struct famfs_ns_stats st;

	assert_int_equal(famfs_mkfs(c->dev, &o, NULL), 0);
	famfs_fs_opts_init(&fo);
	fo.role = FAMFS_ROLE_CLIENT;
	assert_int_equal(famfs_fs_open(c->path, &fo, &fs, NULL), 0);
	famfs_ns_stats(famfs_fs_ns(fs), &st);
	assert_int_equal(st.next_index, 0);
	assert_int_equal(st.total_units, 32);
	assert_int_equal(st.alloc_units, 5);
	assert_int_equal(famfs_ns_free_bytes(famfs_fs_ns(fs)), 54 * TU_MiB);
	assert_int_equal(famfs_fs_log_free(fs), 15420);
	famfs_fs_close(fs);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_fresh),
		T(test_existing_needs_force),
		T(test_kill),
		T(test_log_len),
		T(test_versions),
		T(test_device_size),
		T(test_zeroes_log_and_sb),
		T(test_rdonly),
		T(test_opens_as_fs),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
