// SPDX-License-Identifier: Apache-2.0
/* famfsd's parser of kernel CPU lists (io_uring queues per possible CPU,
 * full depth for online ones). */
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <cmocka.h>

#include "../../daemon/cpulist.h"

static void test_forms(void **state)
{
	cpu_set_t s;

	(void)state;
	assert_int_equal(fd_cpulist_parse("0\n", &s), 1);
	assert_true(CPU_ISSET(0, &s));
	assert_int_equal(CPU_COUNT(&s), 1);
	assert_int_equal(fd_cpulist_parse("0-1\n", &s), 2);
	assert_int_equal(CPU_COUNT(&s), 2);
	/* Hotplug slots: possible 0-7, online 0-1,4 */
	assert_int_equal(fd_cpulist_parse("0-1,4", &s), 5);
	assert_true(CPU_ISSET(4, &s));
	assert_false(CPU_ISSET(2, &s));
	assert_int_equal(CPU_COUNT(&s), 3);
	assert_int_equal(fd_cpulist_parse("0-3,8-11\n", &s), 12);
	assert_int_equal(CPU_COUNT(&s), 8);
	assert_false(CPU_ISSET(7, &s));
}

static void test_bad(void **state)
{
	static const char *const bad[] = { "",	 "\n",	 "x",	"1-", "3-1",
					   "0,", "0-1 ", "0;1", "-1", "0-1x" };
	cpu_set_t s;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(fd_cpulist_parse(bad[i], &s), 0);
		assert_int_equal(CPU_COUNT(&s), 0);
	}
}

static void test_file(void **state)
{
	char path[] = "/tmp/test_cpulist.XXXXXX";
	int fd = mkstemp(path);
	cpu_set_t s;

	(void)state;
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "0-2,5\n", 6), 6);
	close(fd);
	assert_int_equal(fd_cpulist_read(path, &s), 6);
	assert_int_equal(CPU_COUNT(&s), 4);
	unlink(path);
	assert_int_equal(fd_cpulist_read(path, &s), 0);
	/* This machine's own list parses (whatever it holds). */
	assert_true(fd_cpulist_read("/sys/devices/system/cpu/possible", &s) >=
		    1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_forms),
		cmocka_unit_test(test_bad),
		cmocka_unit_test(test_file),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
