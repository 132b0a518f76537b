// SPDX-License-Identifier: Apache-2.0
/* Seeded pattern: position-only dependence, pieces agree, checks locate. */
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

#define N 4099

/* Filling any sub-range at its file offset gives the bytes of a whole fill. */
static void test_pieces_agree(void **state)
{
	uint8_t whole[N], part[N];

	(void)state;
	famfs_pattern_fill(whole, N, 42, 1000);
	for (size_t a = 0; a < 40; a++) {
		for (size_t len = 0; len < 40 && a + len <= N; len++) {
			memset(part, 0xee, sizeof(part));
			famfs_pattern_fill(part, len, 42, 1000 + a);
			assert_memory_equal(part, whole + a, len);
			assert_int_equal(famfs_pattern_check(whole + a, len, 42,
							     1000 + a),
					 -1);
		}
	}
	for (size_t i = 0; i < N; i++)
		assert_int_equal(whole[i], famfs_pattern_byte(42, 1000 + i));
}

static void test_seed_matters(void **state)
{
	uint8_t a[N], b[N];
	size_t same = 0;

	(void)state;
	famfs_pattern_fill(a, N, 1, 0);
	famfs_pattern_fill(b, N, 2, 0);
	for (size_t i = 0; i < N; i++)
		same += a[i] == b[i];
	/* Random bytes agree ~1/256 of the time. */
	assert_true(same < N / 64);
	assert_int_not_equal(famfs_pattern_check(a, N, 2, 0), -1);
	assert_int_equal(famfs_pattern_check(a, N, 2, 0), 0);
}

/* A single flipped byte is reported at its file offset, wherever it is. */
static void test_check_locates(void **state)
{
	uint8_t buf[N];

	(void)state;
	famfs_pattern_fill(buf, N, 7, 5);
	for (size_t i = 0; i < N; i += 97) {
		buf[i] ^= 0x10;
		assert_int_equal(famfs_pattern_check(buf, N, 7, 5),
				 (int64_t)(i + 5));
		buf[i] ^= 0x10;
	}
	buf[N - 1] ^= 1;
	assert_int_equal(famfs_pattern_check(buf, N, 7, 5), N - 1 + 5);
	assert_int_equal(famfs_pattern_check(buf, N - 1, 7, 5), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pieces_agree),
		cmocka_unit_test(test_seed_matters),
		cmocka_unit_test(test_check_locates),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
