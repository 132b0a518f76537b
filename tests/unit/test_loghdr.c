// SPDX-License-Identifier: Apache-2.0
/* famfs_log_header_check: one test per validation rule, errno and field. */
#include <errno.h>
#include <string.h>

#include "testutil.h"

#define LOG8 (8 * TU_MiB)

static void seal(struct famfs_omf_log_header *h)
{
	h->crc = famfs_crc(h, FAMFS_LOG_HDR_CRC_LEN);
}

static void test_fresh_header(void **state)
{
	struct famfs_omf_log_header h;
	struct famfs_err err;

	(void)state;
	famfs_log_header_init(&h, LOG8);
	assert_int_equal(h.magic, FAMFS_LOG_MAGIC);
	assert_int_equal(h.log_len, LOG8);
	assert_int_equal(h.last_index, 15419);
	assert_int_equal(h.next_index, 0);
	assert_int_equal(h.next_seqnum, 0);
	assert_int_equal(famfs_log_header_check(&h, LOG8, &err), 0);
	famfs_log_header_init(&h, 16 * TU_MiB);
	assert_int_equal(h.last_index, 30839);
	assert_int_equal(famfs_log_header_check(&h, 16 * TU_MiB, &err), 0);
}

static void test_bad_magic(void **state)
{
	struct famfs_omf_log_header h;
	struct famfs_err err;

	(void)state;
	famfs_log_header_init(&h, LOG8);
	h.magic = 0xbadcafef00e;
	seal(&h);
	assert_err(famfs_log_header_check(&h, LOG8, &err), -EINVAL, &err,
		   "log.magic");
	assert_int_equal(err.index, -1);
	memset(&h, 0, sizeof(h)); /* an unformatted log */
	assert_err(famfs_log_header_check(&h, LOG8, &err), -EINVAL, &err,
		   "log.magic");
}

static void test_bad_crc(void **state)
{
	struct famfs_omf_log_header h;
	struct famfs_err err;

	(void)state;
	for (size_t off = 8; off < FAMFS_LOG_HDR_CRC_LEN + 8; off++) {
		famfs_log_header_init(&h, LOG8);
		((uint8_t *)&h)[off] ^= 0x01;
		assert_err(famfs_log_header_check(&h, LOG8, &err), -EBADMSG,
			   &err, "log.crc");
	}
}

static void test_counters_not_covered(void **state)
{
	struct famfs_omf_log_header h;

	(void)state;
	/* next_seqnum / next_index move without re-sealing (as upstream). */
	famfs_log_header_init(&h, LOG8);
	h.next_index = h.next_seqnum = 1234;
	assert_int_equal(famfs_log_header_check(&h, LOG8, NULL), 0);
	/* A completely full log is valid. */
	h.next_index = h.next_seqnum = h.last_index + 1;
	assert_int_equal(famfs_log_header_check(&h, LOG8, NULL), 0);
}

static void test_log_len_mismatch(void **state)
{
	struct famfs_omf_log_header h;
	struct famfs_err err;

	(void)state;
	/* A self-consistent 16 MiB header under an 8 MiB superblock. */
	famfs_log_header_init(&h, 16 * TU_MiB);
	assert_err(famfs_log_header_check(&h, LOG8, &err), -EINVAL, &err,
		   "log.log_len");
	famfs_log_header_init(&h, LOG8);
	assert_err(famfs_log_header_check(&h, 16 * TU_MiB, &err), -EINVAL, &err,
		   "log.log_len");
}

static void test_last_index(void **state)
{
	struct famfs_omf_log_header h;
	struct famfs_err err;

	(void)state;
	famfs_log_header_init(&h, LOG8);
	h.last_index = 15420; /* the pre-2024 off-by-one */
	seal(&h);
	assert_err(famfs_log_header_check(&h, LOG8, &err), -EINVAL, &err,
		   "log.last_index");
	h.last_index = 0;
	seal(&h);
	assert_err(famfs_log_header_check(&h, LOG8, &err), -EINVAL, &err,
		   "log.last_index");
}

static void test_next_index_past_end(void **state)
{
	struct famfs_omf_log_header h;
	struct famfs_err err;

	(void)state;
	famfs_log_header_init(&h, LOG8);
	h.next_index = h.next_seqnum = h.last_index + 2;
	assert_err(famfs_log_header_check(&h, LOG8, &err), -EUCLEAN, &err,
		   "log.next_index");
	h.next_index = h.next_seqnum = UINT64_MAX;
	assert_err(famfs_log_header_check(&h, LOG8, &err), -EUCLEAN, &err,
		   "log.next_index");
}

static void test_next_seqnum(void **state)
{
	struct famfs_omf_log_header h;
	struct famfs_err err;

	(void)state;
	famfs_log_header_init(&h, LOG8);
	h.next_index = 5;
	h.next_seqnum = 4;
	assert_err(famfs_log_header_check(&h, LOG8, &err), -EUCLEAN, &err,
		   "log.next_seqnum");
	h.next_seqnum = 6;
	assert_err(famfs_log_header_check(&h, LOG8, &err), -EUCLEAN, &err,
		   "log.next_seqnum");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fresh_header),
		cmocka_unit_test(test_bad_magic),
		cmocka_unit_test(test_bad_crc),
		cmocka_unit_test(test_counters_not_covered),
		cmocka_unit_test(test_log_len_mismatch),
		cmocka_unit_test(test_last_index),
		cmocka_unit_test(test_next_index_past_end),
		cmocka_unit_test(test_next_seqnum),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
