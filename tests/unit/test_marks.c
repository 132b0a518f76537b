// SPDX-License-Identifier: Apache-2.0
/* famfsd's per-unit "initialized up to" marks of a pending file: what a
 * write must zero first, what a read serves as zeros, what logging must
 * zero. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "../../daemon/marks.h"

#define MB ((uint64_t)1 << 20)
#define UNIT FAMFS_ALLOC_UNIT

/* Sequential writes zero nothing; a write past the mark zeroes the gap
 * in its own unit only, never the units below it. */
static void test_write_gaps(void **state)
{
	struct fd_marks k = { 0 };
	uint64_t at;

	(void)state;
	assert_int_equal(fd_marks_gap(&k, 0, &at), 0);
	assert_int_equal(fd_marks_raise(&k, 0, 4096), 0);
	assert_int_equal(fd_marks_gap(&k, 4096, &at), 0);
	assert_int_equal(fd_marks_raise(&k, 4096, 3 * MB), 0);
	assert_int_equal(fd_marks_gap(&k, 3 * MB, &at), 0);
	/* Far away (unit 1000): only that unit's head, < one unit. */
	assert_int_equal(fd_marks_gap(&k, 1000 * UNIT + MB, &at), MB);
	assert_int_equal(at, 1000 * UNIT);
	assert_int_equal(fd_marks_raise(&k, 1000 * UNIT, 1000 * UNIT + 2 * MB),
			 0);
	/* Units 2..999 stay uninitialized. */
	assert_int_equal(fd_marks_gap(&k, 500 * UNIT + 10, &at), 10);
	assert_int_equal(at, 500 * UNIT);
	/* Below the mark: nothing (another write's range, or written). */
	assert_int_equal(fd_marks_gap(&k, 1000 * UNIT + 5, &at), 0);
	/* Unit 1 was written to 1 MiB: the gap starts there. */
	assert_int_equal(fd_marks_gap(&k, UNIT + MB + 100, &at), 100);
	assert_int_equal(at, UNIT + MB);
	fd_marks_free(&k);
}

static void test_split(void **state)
{
	struct fd_marks k = { 0 };
	struct fd_span s[8];
	int n;

	(void)state;
	/* Nothing written: one zero span, however long. */
	n = fd_marks_split(&k, 0, 8ULL << 30, s, 8);
	assert_int_equal(n, 1);
	assert_false(s[0].data);
	assert_true(s[0].len == 8ULL << 30);
	/* [0, 3 MiB) written: data to 3 MiB, zeros after. */
	assert_int_equal(fd_marks_raise(&k, 0, 3 * MB), 0);
	n = fd_marks_split(&k, MB, 4 * MB, s, 8);
	assert_int_equal(n, 2);
	assert_true(s[0].data && s[0].off == MB && s[0].len == 2 * MB);
	assert_true(!s[1].data && s[1].off == 3 * MB && s[1].len == 2 * MB);
	/* And a unit further: data, zeros, data, zeros. */
	assert_int_equal(fd_marks_raise(&k, 2 * UNIT, 2 * UNIT + 4096), 0);
	n = fd_marks_split(&k, 0, 3 * UNIT, s, 8);
	assert_int_equal(n, 4);
	assert_true(s[2].data && s[2].off == 2 * UNIT && s[2].len == 4096);
	assert_true(!s[3].data && s[3].off + s[3].len == 3 * UNIT);
	assert_int_equal(fd_marks_split(&k, 0, 3 * UNIT, s, 3), -E2BIG);
	assert_int_equal(fd_marks_split(&k, 0, 0, s, 8), 0);
	fd_marks_free(&k);
}

/* Shrinking makes what lies past the size old again; growing keeps it so. */
static void test_clamp(void **state)
{
	struct fd_marks k = { 0 };
	struct fd_span s[4];
	uint64_t at;

	(void)state;
	assert_int_equal(fd_marks_raise(&k, 0, 5 * MB), 0);
	fd_marks_clamp(&k, 1000);
	assert_int_equal(fd_marks_gap(&k, 2000, &at), 1000);
	assert_int_equal(at, 1000);
	/* Grown back: [1000, 5 MiB) reads as zeros. */
	assert_int_equal(fd_marks_split(&k, 0, 5 * MB, s, 4), 2);
	assert_true(s[0].data && s[0].len == 1000);
	assert_true(!s[1].data && s[1].len == 5 * MB - 1000);
	/* On a unit boundary, and to nothing. */
	assert_int_equal(fd_marks_raise(&k, 0, 5 * MB), 0);
	fd_marks_clamp(&k, UNIT);
	assert_int_equal(fd_marks_split(&k, 0, 2 * UNIT, s, 4), 2);
	assert_true(s[0].data && s[0].len == UNIT);
	fd_marks_clamp(&k, 0);
	assert_int_equal(fd_marks_split(&k, 0, 2 * UNIT, s, 4), 1);
	assert_false(s[0].data);
	/* Entries dropped by a clamp come back as 0 when raised again. */
	assert_int_equal(fd_marks_raise(&k, 3 * UNIT, 3 * UNIT + 1), 0);
	assert_int_equal(fd_marks_gap(&k, UNIT + 7, &at), 7);
	fd_marks_free(&k);
}

/* What logging must zero: every gap below the size, a unit at most each. */
static void test_next_gap(void **state)
{
	struct fd_marks k = { 0 };
	uint64_t at, len, total = 0, from = 0;
	unsigned gaps = 0;

	(void)state;
	assert_int_equal(fd_marks_next_gap(&k, 0, 0, &at), 0);
	assert_int_equal(fd_marks_top(&k), 0);
	assert_int_equal(fd_marks_raise(&k, 0, MB), 0);
	assert_int_equal(fd_marks_raise(&k, UNIT, 2 * UNIT), 0);
	/* size 5 MiB: [1M, 2M) and [4M, 5M) */
	while ((len = fd_marks_next_gap(&k, from, 5 * MB, &at))) {
		assert_true(len <= UNIT);
		assert_true(at == MB || at == 2 * UNIT);
		assert_int_equal(fd_marks_raise(&k, at, at + len), 0);
		total += len;
		from = at + len;
		gaps++;
	}
	assert_int_equal(gaps, 2);
	assert_int_equal(total, 2 * MB);
	assert_int_equal(fd_marks_next_gap(&k, 0, 5 * MB, &at), 0);
	/* What a journal record says reads as zeros starts at the top. */
	assert_int_equal(fd_marks_top(&k), 5 * MB);
	assert_int_equal(fd_marks_raise(&k, 9 * UNIT, 9 * UNIT + 10), 0);
	assert_int_equal(fd_marks_top(&k), 9 * UNIT + 10);
	fd_marks_clamp(&k, 3 * UNIT);
	assert_int_equal(fd_marks_top(&k), 5 * MB);
	/* A size inside a written unit: nothing past it counts. */
	assert_int_equal(fd_marks_next_gap(&k, 0, MB / 2, &at), 0);
	fd_marks_free(&k);
}

/* A journal record's holes: each run as long as it goes; restored by cut. */
static void test_holes(void **state)
{
	struct fd_marks k = { 0 }, r = { 0 };
	struct fd_span h[4], small, s[8];
	uint64_t top;

	(void)state;
	assert_int_equal(fd_marks_holes(&k, 0, h, 4, &small), 0);
	assert_int_equal(fd_marks_holes(&k, 8 * UNIT, h, 4, &small), 1);
	assert_true(h[0].off == 0 && h[0].len == 8 * UNIT);
	/* fallocate 8 GiB, a write at 6 GiB + 1 MiB, one 1 MiB in. */
	assert_int_equal(fd_marks_raise(&k, 0, MB), 0);
	assert_int_equal(fd_marks_raise(&k, 3072 * UNIT, 3072 * UNIT + MB + 4),
			 0);
	top = fd_marks_top(&k);
	assert_int_equal(top, 3072 * UNIT + MB + 4);
	assert_int_equal(fd_marks_holes(&k, top, h, 4, &small), 1);
	assert_true(h[0].off == MB && h[0].len == 3072 * UNIT - MB);
	/* Three holes: unit 5 half written, unit 9 a little. */
	assert_int_equal(fd_marks_raise(&k, 5 * UNIT, 5 * UNIT + MB), 0);
	assert_int_equal(fd_marks_raise(&k, 9 * UNIT, 9 * UNIT + 10), 0);
	assert_int_equal(fd_marks_holes(&k, top, h, 2, &small), 3);
	assert_true(h[0].off == MB && h[0].len == 5 * UNIT - MB);
	assert_true(h[1].off == 5 * UNIT + MB && h[1].len == 4 * UNIT - MB);
	assert_true(small.off == 5 * UNIT + MB);
	/* Restored from tail and holes: reads the same. */
	assert_int_equal(fd_marks_raise(&r, 0, top), 0);
	assert_int_equal(fd_marks_holes(&k, top, h, 4, &small), 3);
	for (int i = 0; i < 3; i++)
		fd_marks_cut(&r, h[i].off, h[i].off + h[i].len);
	assert_int_equal(fd_marks_split(&r, 0, 10 * UNIT, s, 8), 6);
	assert_true(s[1].off == MB && !s[1].data);
	assert_true(s[2].off == 5 * UNIT && s[2].len == MB && s[2].data);
	assert_true(s[4].off == 9 * UNIT && s[4].len == 10 && s[4].data);
	assert_int_equal(fd_marks_top(&r), top);
	fd_marks_free(&k);
	fd_marks_free(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_write_gaps),
		cmocka_unit_test(test_split),
		cmocka_unit_test(test_clamp),
		cmocka_unit_test(test_next_gap),
		cmocka_unit_test(test_holes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
