// SPDX-License-Identifier: Apache-2.0
/* On-media format: the byte-level test vectors of spec/famfs-format.md. */
#include <errno.h>
#include <string.h>

#include "testutil.h"

static void test_crc_check_value(void **state)
{
	(void)state;
	assert_int_equal(famfs_crc("123456789", 9), 0xCBF43926u);
	assert_int_equal(famfs_crc("", 0), 0);
}

static void fill_vector_sb(struct famfs_omf_superblock *sb, unsigned version)
{
	memset(sb, 0, sizeof(*sb));
	sb->magic = FAMFS_SUPER_MAGIC;
	sb->version = version;
	sb->log_offset = FAMFS_LOG_OFFSET;
	sb->log_len = 8u << 20;
	sb->alloc_unit = FAMFS_ALLOC_UNIT;
	sb->omf_ver_major = 2;
	sb->omf_ver_minor = version == 48 ? 2 : 1;
	for (int i = 0; i < 16; i++) {
		sb->fs_uuid.b[i] = (uint8_t)(i * 0x11);
		sb->dev_uuid.b[i] = (uint8_t)(0x10 + i);
		sb->system_uuid.b[i] = (uint8_t)(0x20 + i);
	}
	sb->daxdev.size = 8ULL << 30;
	strcpy(sb->daxdev.name, "/dev/dax0.0");
	famfs_sb_seal(sb);
}

static void test_superblock_vector(void **state)
{
	static const char expect[] =
		"ff 82 b2 87 00 00 00 00 30 00 00 00 00 00 00 00 00 00 20 00 00 00 00 00 00 00 80 00 00 00 00 00"
		"00 00 20 00 00 00 00 00 02 00 00 00 02 00 00 00 00 11 22 33 44 55 66 77 88 99 aa bb cc dd ee ff"
		"10 11 12 13 14 15 16 17 18 19 1a 1b 1c 1d 1e 1f 20 21 22 23 24 25 26 27 28 29 2a 2b 2c 2d 2e 2f"
		"20 24 76 61 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 02 00 00 00 00 00 00 00 00 00 00 00";
	struct famfs_omf_superblock sb;
	uint8_t want[128];
	struct famfs_err err;

	(void)state;
	assert_int_equal(tu_hex(expect, want, sizeof(want)), 128);
	fill_vector_sb(&sb, 48);
	assert_int_equal(sb.crc, 0x61762420u);
	assert_memory_equal(&sb, want, 128);
	assert_string_equal((char *)&sb + 136, "/dev/dax0.0");
	assert_int_equal(famfs_sb_check(&sb, 0, &err), 0);

	fill_vector_sb(&sb, 47);
	assert_int_equal(sb.crc, 0x08b20665u);
	assert_int_equal(famfs_sb_check(&sb, 0, &err), 0);
}

static void test_log_header_vector(void **state)
{
	static const char expect[] =
		"0d f0 fe ca ad 0b 00 00 00 00 80 00 00 00 00 00 3b 3c 00 00 00 00 00 00 78 50 87 a5 00 00 00 00"
		"00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00";
	struct famfs_omf_log_header h;
	uint8_t want[48];

	(void)state;
	assert_int_equal(tu_hex(expect, want, sizeof(want)), 48);
	famfs_log_header_init(&h, 8u << 20);
	assert_int_equal(h.last_index, 15419);
	assert_int_equal(h.crc, 0xa5875078u);
	assert_memory_equal(&h, want, 48);
	assert_int_equal(famfs_log_header_check(&h, 8u << 20, NULL), 0);
}

static void test_log_capacity(void **state)
{
	(void)state;
	assert_int_equal(famfs_log_last_index(8ULL << 20) + 1, 15420);
	assert_int_equal(famfs_log_last_index(16ULL << 20) + 1, 30840);
	assert_int_equal(famfs_log_last_index(64ULL << 20) + 1, 123361);
	assert_int_equal(famfs_log_last_index(256ULL << 20) + 1, 493447);
	assert_int_equal(famfs_log_last_index(1ULL << 30) + 1, 1973790);
}

static void test_mkdir_entry_vector(void **state)
{
	static const char head[] =
		"00 00 00 00 00 00 00 00 01 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 ed 01 00 00 64 69 72 31";
	struct famfs_omf_log_entry e;
	uint8_t want[32], zero[536] = { 0 };
	const uint8_t *b = (const uint8_t *)&e;

	(void)state;
	tu_hex(head, want, sizeof(want));
	assert_int_equal(famfs_entry_make_mkdir(&e, 0, "dir1", 0755, 0, 0), 0);
	assert_memory_equal(b, want, 32);
	assert_memory_equal(b + 32, zero, 536 - 32);
	assert_int_equal(e.crc, 0xd6db820bu);
}

static void test_file_entry_vector(void **state)
{
	static const char head[] =
		"01 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 10 00 00 00 00 00 00 02 00 00 00 00 00 00 00"
		"00 00 00 00 a4 01 00 00 64 69 72 31 2f 66 69 6c 65 31 00 00";
	static const char fmap[] =
		"00 00 00 00 00 00 00 00 01 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 a0 00 00 00 00 00"
		"00 00 20 00 00 00 00 00";
	struct famfs_omf_log_entry e;
	struct famfs_fmap m = { .type = FAMFS_FMAP_SIMPLE, .count = 1 };
	uint8_t want[64];
	const uint8_t *b = (const uint8_t *)&e;
	size_t n;

	(void)state;
	m.ext[0].offset = 0xa00000;
	m.ext[0].len = 0x200000;
	assert_int_equal(famfs_entry_make_file(&e, 1, "dir1/file1", 0644, 0, 0,
					       4096, &m),
			 0);
	n = tu_hex(head, want, sizeof(want));
	assert_memory_equal(b, want, n);
	n = tu_hex(fmap, want, sizeof(want));
	assert_memory_equal(b + 120, want, n);
	for (size_t i = 160; i < 536; i++)
		assert_int_equal(b[i], 0);
	assert_int_equal(e.crc, 0x89142b32u);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_crc_check_value),
		cmocka_unit_test(test_superblock_vector),
		cmocka_unit_test(test_log_header_vector),
		cmocka_unit_test(test_log_capacity),
		cmocka_unit_test(test_mkdir_entry_vector),
		cmocka_unit_test(test_file_entry_vector),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
