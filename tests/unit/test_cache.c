// SPDX-License-Identifier: Apache-2.0
/* CPU cache maintenance: real CLWB/CLFLUSH(OPT) must not alter data. */
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "testutil.h"

static void test_method_name(void **state)
{
	const char *m = famfs_cache_method();

	(void)state;
	assert_non_null(m);
	assert_true(!strcmp(m, "clwb") || !strcmp(m, "clflushopt") ||
		    !strcmp(m, "clflush") || !strcmp(m, "none"));
	/* Stable across calls. */
	assert_string_equal(famfs_cache_method(), m);
#if defined(__x86_64__)
	/* Every x86_64 CPU has at least CLFLUSH (SSE2 baseline). */
	assert_string_not_equal(m, "none");
#endif
	print_message("cache method: %s\n", m);
}

static void fill(uint8_t *p, size_t n, unsigned seed)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)(i * 131 + seed);
}

static void check(const uint8_t *p, size_t n, unsigned seed)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != (uint8_t)(i * 131 + seed))
			fail_msg("byte %zu changed", i);
}

static void test_heap_buffer(void **state)
{
	size_t n = 1 << 20;
	uint8_t *p = malloc(n + 64);

	(void)state;
	assert_non_null(p);
	fill(p, n + 64, 3);
	famfs_cache_flush(p, n);
	check(p, n + 64, 3);
	famfs_cache_invalidate(p, n);
	check(p, n + 64, 3);
	/* Unaligned start and length, one byte, zero bytes. */
	famfs_cache_flush(p + 13, 100);
	famfs_cache_invalidate(p + 63, 2);
	famfs_cache_flush(p + 5, 1);
	famfs_cache_invalidate(p + 5, 0);
	famfs_cache_flush(p, 0);
	check(p, n + 64, 3);
	/* Writes after a flush land as usual. */
	p[100] = 0;
	famfs_cache_flush(p + 100, 1);
	assert_int_equal(p[100], 0);
	free(p);
}

static void test_stack_and_shared(void **state)
{
	uint8_t buf[300];
	size_t n = 4 << 20;
	uint8_t *m;

	(void)state;
	fill(buf, sizeof(buf), 9);
	famfs_cache_invalidate(buf + 1, sizeof(buf) - 2);
	check(buf, sizeof(buf), 9);
	/* A shared mapping, as the device is mapped. */
	m = mmap(NULL, n, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
		 -1, 0);
	assert_true(m != MAP_FAILED);
	fill(m, n, 1);
	famfs_cache_flush(m, n);
	famfs_cache_invalidate(m, n);
	check(m, n, 1);
	munmap(m, n);
}

static void test_dev_flush_on_image(void **state)
{
	char path[256];
	struct famfs_dev *dev;
	uint8_t *p;

	(void)state;
	tu_tmppath(path, sizeof(path), "cache.img");
	tu_sparse_file(path, 4 * TU_MiB);
	assert_int_equal(famfs_dev_open(path, 0, &dev, NULL), 0);
	assert_false(famfs_dev_is_dax(dev));
	assert_int_equal(famfs_dev_size(dev), 4 * TU_MiB);
	assert_int_equal(famfs_dev_align(dev), 2 * TU_MiB);
	p = famfs_dev_addr(dev);
	fill(p, 8192, 4);
	famfs_dev_flush(dev, p, 8192);
	famfs_dev_invalidate(dev, p, 8192);
	check(p, 8192, 4);
	famfs_dev_close(dev);
	unlink(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_method_name),
		cmocka_unit_test(test_heap_buffer),
		cmocka_unit_test(test_stack_and_shared),
		cmocka_unit_test(test_dev_flush_on_image),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
