// SPDX-License-Identifier: Apache-2.0
/*
 * Writer compatibility: libfamfs, given the same inputs as the upstream run
 * that produced v48-minimal / v47-minimal, writes the same bytes. Only the
 * random fs_uuid / dev_uuid (and so the superblock CRC) and the host-local
 * device name differ; with those substituted the whole superblock region
 * and the whole log must be byte-identical.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "testutil.h"

#define SYSUUID "5eed0000-fa3f-4000-8000-00000000cafe"
#define DEV_SIZE (8 * TU_GiB)

/* Build the minimal content with the library; returns its metadata. */
static uint8_t *build(unsigned version, const char *path, uint64_t meta_len)
{
	struct famfs_omf_uuid sys;
	struct famfs_alloc_req r = { .size = 4096 };
	struct famfs_fs_opts o;
	struct famfs_fs *fs;
	struct famfs_fmap m;
	uint8_t *copy = malloc(meta_len);

	assert_non_null(copy);
	tu_uuid(&sys, SYSUUID);
	tu_mkfs_image(path, DEV_SIZE, 0, version, &sys);
	famfs_fs_opts_init(&o);
	o.role = FAMFS_ROLE_MASTER;
	assert_int_equal(famfs_fs_open(path, &o, &fs, NULL), 0);
	assert_int_equal(famfs_fs_lock(fs, true), 0);
	assert_int_equal(famfs_fs_mkdir(fs, "dir1", 0755, 0, 0, NULL), 0);
	assert_int_equal(famfs_ns_alloc(famfs_fs_ns(fs), &r, &m), 0);
	assert_int_equal(m.ext[0].offset, 0xa00000);
	assert_int_equal(
		famfs_fs_mkfile(fs, "dir1/file1", 0644, 0, 0, 4096, &m, NULL),
		0);
	famfs_fs_unlock(fs);
	memcpy(copy, famfs_fs_ptr(fs, 0, meta_len), meta_len);
	famfs_fs_close(fs);
	return copy;
}

static uint64_t entry_crc(const uint8_t *meta, uint64_t i)
{
	const struct famfs_omf_log_entry *e =
		(const void *)(meta + FAMFS_LOG_OFFSET +
			       famfs_log_entry_offset(i));

	return e->crc;
}

static void compare(unsigned version, const char *fixture)
{
	uint64_t flen = 0, log_len = 8 * TU_MiB;
	uint64_t meta_len = FAMFS_LOG_OFFSET + log_len;
	struct famfs_omf_superblock *ours, *theirs;
	const struct famfs_omf_log_header *h;
	uint8_t *fix, *mine;
	char path[256];

	fix = tu_fixture_meta(fixture, &flen);
	if (!fix)
		fail_msg("fixture %s not readable (FAMFS_FIXTURES=%s)", fixture,
			 getenv("FAMFS_FIXTURES"));
	assert_int_equal(flen, meta_len);
	tu_tmppath(path, sizeof(path), fixture);
	mine = build(version, path, meta_len);
	unlink(path);
	ours = (void *)mine;
	theirs = (void *)fix;

	/* Superblock: every field but the random ones, one by one. */
	assert_int_equal(ours->magic, theirs->magic);
	assert_int_equal(ours->version, theirs->version);
	assert_int_equal(ours->version, version);
	assert_int_equal(ours->log_offset, theirs->log_offset);
	assert_int_equal(ours->log_len, theirs->log_len);
	assert_int_equal(ours->alloc_unit, theirs->alloc_unit);
	assert_int_equal(ours->omf_ver_major, theirs->omf_ver_major);
	assert_int_equal(ours->omf_ver_minor, theirs->omf_ver_minor);
	assert_memory_equal(&ours->system_uuid, &theirs->system_uuid, 16);
	assert_int_equal(ours->sb_flags, theirs->sb_flags);
	assert_int_equal(ours->pad0, theirs->pad0);
	assert_int_equal(ours->daxdev.size, theirs->daxdev.size);
	assert_memory_equal(&ours->daxdev.uuid, &theirs->daxdev.uuid, 16);
	assert_string_equal(ours->daxdev.name, path);
	assert_string_equal(theirs->daxdev.name, "/dev/dax0.0");
	/* Same uuids => same CRC as upstream computed. */
	assert_int_equal(famfs_sb_check(ours, DEV_SIZE, NULL), 0);
	ours->fs_uuid = theirs->fs_uuid;
	ours->dev_uuid = theirs->dev_uuid;
	famfs_sb_seal(ours);
	assert_int_equal(ours->crc, theirs->crc);
	/* With the name substituted too, the whole 2 MiB region matches. */
	memcpy(ours->daxdev.name, theirs->daxdev.name,
	       sizeof(ours->daxdev.name));
	assert_memory_equal(mine, fix, FAMFS_SUPERBLOCK_SIZE);

	/* Log header: byte-identical (CRC still the mkfs value). */
	h = (const void *)(mine + FAMFS_LOG_OFFSET);
	assert_int_equal(h->next_index, 2);
	assert_int_equal(h->next_seqnum, 2);
	assert_memory_equal(mine + FAMFS_LOG_OFFSET, fix + FAMFS_LOG_OFFSET,
			    FAMFS_LOG_HDR_SIZE);
	/* Both entries, CRCs included. */
	for (uint64_t i = 0; i < 2; i++) {
		uint64_t off = FAMFS_LOG_OFFSET + famfs_log_entry_offset(i);

		assert_memory_equal(mine + off, fix + off,
				    FAMFS_LOG_ENTRY_SIZE);
	}
	/* The spec 2.7 test vectors. */
	assert_int_equal(entry_crc(mine, 0), 0xd6db820bu);
	assert_int_equal(entry_crc(mine, 1), 0x89142b32u);
	/* Every slot after next_index is zero, in both. */
	for (uint64_t off = FAMFS_LOG_OFFSET + famfs_log_entry_offset(2);
	     off < meta_len; off++)
		if (mine[off] || fix[off])
			fail_msg("byte %llu after the last entry is not zero",
				 (unsigned long long)off);
	/* And so the whole metadata region is identical. */
	assert_memory_equal(mine, fix, meta_len);
	free(mine);
	free(fix);
}

static void test_v48_minimal(void **state)
{
	(void)state;
	compare(48, "v48-minimal");
}

static void test_v47_minimal(void **state)
{
	(void)state;
	compare(47, "v47-minimal");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_v48_minimal),
		cmocka_unit_test(test_v47_minimal),
	};

	if (!getenv("FAMFS_FIXTURES")) {
		printf("SKIP: FAMFS_FIXTURES is not set\n");
		return 77;
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}
