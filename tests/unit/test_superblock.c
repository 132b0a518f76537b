// SPDX-License-Identifier: Apache-2.0
/* famfs_sb_check: one test per validation rule, errno and field. */
#include <errno.h>
#include <string.h>

#include "testutil.h"

/* A valid v48 superblock: 8 GiB device, 8 MiB log. */
static void good_sb(struct famfs_omf_superblock *sb, unsigned version)
{
	struct tu_image im;

	tu_image_init(&im, 8 * TU_GiB, 8 * TU_MiB, version);
	*sb = *im.sb;
	tu_image_free(&im);
}

static void test_valid_47_48(void **state)
{
	struct famfs_omf_superblock sb;
	struct famfs_err err;

	(void)state;
	good_sb(&sb, 48);
	assert_int_equal(famfs_sb_check(&sb, 0, &err), 0);
	assert_int_equal(famfs_sb_check(&sb, 8 * TU_GiB, &err), 0);
	assert_int_equal(famfs_sb_check(&sb, 0, NULL), 0);
	good_sb(&sb, 47);
	assert_int_equal(famfs_sb_check(&sb, 0, &err), 0);
}

static void test_bad_magic(void **state)
{
	struct famfs_omf_superblock sb;
	struct famfs_err err;

	(void)state;
	good_sb(&sb, 48);
	sb.magic = 0x87b282fe;
	famfs_sb_seal(&sb);
	assert_err(famfs_sb_check(&sb, 0, &err), -EINVAL, &err,
		   "superblock.magic");
	assert_int_equal(err.index, -1);
	/* The full 64-bit value is compared: junk in the upper half. */
	good_sb(&sb, 48);
	sb.magic |= 1ULL << 40;
	famfs_sb_seal(&sb);
	assert_err(famfs_sb_check(&sb, 0, &err), -EINVAL, &err,
		   "superblock.magic");
	/* A killed superblock (mkfs -k) has magic 0. */
	good_sb(&sb, 48);
	sb.magic = 0;
	assert_err(famfs_sb_check(&sb, 0, &err), -EINVAL, &err,
		   "superblock.magic");
	/* No err struct: same code, no crash. */
	assert_int_equal(famfs_sb_check(&sb, 0, NULL), -EINVAL);
}

static void test_bad_version(void **state)
{
	static const uint64_t bad[] = { 0, 46, 49, 100, 47ULL << 32 };
	struct famfs_omf_superblock sb;
	struct famfs_err err;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		good_sb(&sb, 48);
		sb.version = bad[i];
		famfs_sb_seal(&sb);
		assert_err(famfs_sb_check(&sb, 0, &err), -EPROTONOSUPPORT, &err,
			   "superblock.version");
	}
}

static void test_crc_flip(void **state)
{
	struct famfs_omf_superblock sb;
	struct famfs_err err;

	(void)state;
	/* Every covered byte, every field: one flipped bit is caught. */
	for (size_t off = 16; off < FAMFS_SB_CRC_LEN; off++) {
		good_sb(&sb, 48);
		((uint8_t *)&sb)[off] ^= 0x10;
		assert_err(famfs_sb_check(&sb, 0, &err), -EBADMSG, &err,
			   "superblock.crc");
	}
	/* The stored CRC itself, and its (zero) upper half. */
	good_sb(&sb, 48);
	sb.crc ^= 1;
	assert_err(famfs_sb_check(&sb, 0, &err), -EBADMSG, &err,
		   "superblock.crc");
	good_sb(&sb, 48);
	sb.crc |= 1ULL << 32;
	assert_err(famfs_sb_check(&sb, 0, &err), -EBADMSG, &err,
		   "superblock.crc");
}

static void test_uncovered_fields(void **state)
{
	struct famfs_omf_superblock sb;

	(void)state;
	/* sb_flags, daxdev uuid and name are not CRC-covered (as upstream). */
	good_sb(&sb, 48);
	sb.sb_flags = FAMFS_SB_FLAG_PRIMARY;
	memset(sb.daxdev.uuid.b, 0x5a, 16);
	memset(sb.daxdev.name, 'x', sizeof(sb.daxdev.name));
	assert_int_equal(famfs_sb_check(&sb, 0, NULL), 0);
}

static void test_alloc_unit(void **state)
{
	static const uint64_t bad[] = { 0, 4096, 1 << 20, 4 << 20 };
	struct famfs_omf_superblock sb;
	struct famfs_err err;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		good_sb(&sb, 48);
		sb.alloc_unit = bad[i];
		famfs_sb_seal(&sb);
		assert_err(famfs_sb_check(&sb, 0, &err), -EINVAL, &err,
			   "superblock.alloc_unit");
	}
}

static void test_log_offset(void **state)
{
	static const uint64_t bad[] = { 0, 4096, 4 << 20 };
	struct famfs_omf_superblock sb;
	struct famfs_err err;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		good_sb(&sb, 48);
		sb.log_offset = bad[i];
		famfs_sb_seal(&sb);
		assert_err(famfs_sb_check(&sb, 0, &err), -EINVAL, &err,
			   "superblock.log_offset");
	}
}

static void test_log_len(void **state)
{
	static const uint64_t bad[] = { 0, 12 << 20, (8 << 20) + 4096, 4 << 20,
					1 << 20 };
	static const uint64_t good[] = { 8 << 20, 16 << 20, 256 << 20 };
	struct famfs_omf_superblock sb;
	struct famfs_err err;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		good_sb(&sb, 48);
		sb.log_len = bad[i];
		famfs_sb_seal(&sb);
		assert_err(famfs_sb_check(&sb, 0, &err), -EINVAL, &err,
			   "superblock.log_len");
	}
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		good_sb(&sb, 48);
		sb.log_len = good[i];
		famfs_sb_seal(&sb);
		assert_int_equal(famfs_sb_check(&sb, 0, &err), 0);
	}
}

static void test_daxdev_size(void **state)
{
	struct famfs_omf_superblock sb;
	struct famfs_err err;

	(void)state;
	/* Not 2 MiB aligned. */
	good_sb(&sb, 48);
	sb.daxdev.size = 8 * TU_GiB + 4096;
	assert_err(famfs_sb_check(&sb, 0, &err), -EINVAL, &err,
		   "superblock.daxdev.size");
	/* Too small to hold the superblock and the log. */
	good_sb(&sb, 48);
	sb.daxdev.size = 8 * TU_MiB;
	assert_err(famfs_sb_check(&sb, 0, &err), -EINVAL, &err,
		   "superblock.daxdev.size");
	good_sb(&sb, 48);
	sb.daxdev.size = 0;
	assert_err(famfs_sb_check(&sb, 0, &err), -EINVAL, &err,
		   "superblock.daxdev.size");
	/* Exactly superblock + log is the (degenerate) minimum. */
	good_sb(&sb, 48);
	sb.daxdev.size = 10 * TU_MiB;
	assert_int_equal(famfs_sb_check(&sb, 0, &err), 0);
	/* Claims more than the device really has. */
	good_sb(&sb, 48);
	assert_err(famfs_sb_check(&sb, 4 * TU_GiB, &err), -EINVAL, &err,
		   "superblock.daxdev.size");
	assert_int_equal(famfs_sb_check(&sb, 8 * TU_GiB + 2 * TU_MiB, &err), 0);
}

static void test_err_str(void **state)
{
	struct famfs_omf_superblock sb;
	struct famfs_err err;
	char buf[300];

	(void)state;
	good_sb(&sb, 48);
	sb.version = 46;
	famfs_sb_seal(&sb);
	famfs_sb_check(&sb, 0, &err);
	famfs_err_str(&err, buf, sizeof(buf));
	/* No entry prefix for superblock errors; field then reason. */
	assert_non_null(strstr(buf, "superblock.version: "));
	assert_null(strstr(buf, "entry"));
	assert_non_null(strstr(buf, "46"));
	err.index = 17;
	famfs_err_str(&err, buf, sizeof(buf));
	assert_int_equal(strncmp(buf, "entry 17: superblock.version: ", 30), 0);
	famfs_err_str(NULL, buf, sizeof(buf));
	assert_string_equal(buf, "unknown error");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid_47_48),
		cmocka_unit_test(test_bad_magic),
		cmocka_unit_test(test_bad_version),
		cmocka_unit_test(test_crc_flip),
		cmocka_unit_test(test_uncovered_fields),
		cmocka_unit_test(test_alloc_unit),
		cmocka_unit_test(test_log_offset),
		cmocka_unit_test(test_log_len),
		cmocka_unit_test(test_daxdev_size),
		cmocka_unit_test(test_err_str),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
