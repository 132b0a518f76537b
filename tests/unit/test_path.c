// SPDX-License-Identifier: Apache-2.0
/* famfs_path_check: the relative-path rules. */
#include <errno.h>
#include <string.h>

#include "testutil.h"

static void expect_bad(const char *path, int code)
{
	struct famfs_err err;

	famfs_err_clear(&err);
	if (famfs_path_check(path, &err) != code)
		fail_msg("\"%s\": expected %d", path, code);
	assert_string_equal(err.field, "relpath");
	assert_true(err.msg[0] != '\0');
	assert_int_equal(famfs_path_check(path, NULL), code);
}

static void expect_ok(const char *path)
{
	struct famfs_err err;
	char buf[300];

	famfs_err_clear(&err);
	if (famfs_path_check(path, &err))
		fail_msg("\"%s\": %s", path, famfs_err_str(&err, buf, 300));
}

static void test_empty(void **state)
{
	(void)state;
	expect_bad("", -EINVAL);
}

static void test_absolute(void **state)
{
	(void)state;
	expect_bad("/", -EINVAL);
	expect_bad("/a", -EINVAL);
	expect_bad("/a/b", -EINVAL);
}

static void test_trailing_slash(void **state)
{
	(void)state;
	expect_bad("a/", -EINVAL);
	expect_bad("a/b/", -EINVAL);
}

static void test_empty_component(void **state)
{
	(void)state;
	expect_bad("a//b", -EINVAL);
	expect_bad("a///", -EINVAL);
	expect_bad("a/b//c", -EINVAL);
}

static void test_dot_components(void **state)
{
	(void)state;
	expect_bad(".", -EINVAL);
	expect_bad("..", -EINVAL);
	expect_bad("./a", -EINVAL);
	expect_bad("../a", -EINVAL);
	expect_bad("a/.", -EINVAL);
	expect_bad("a/..", -EINVAL);
	expect_bad("a/./b", -EINVAL);
	expect_bad("a/../b", -EINVAL);
	/* Dots inside names are fine. */
	expect_ok("...");
	expect_ok(".hidden");
	expect_ok("a/..b");
	expect_ok("a/b.");
	expect_ok("file.tar.gz");
}

static void test_length(void **state)
{
	char p[200];

	(void)state;
	memset(p, 'x', sizeof(p));
	p[79] = '\0';
	expect_ok(p); /* 79 bytes: the longest famfs can store */
	p[79] = 'x';
	p[80] = '\0';
	expect_bad(p, -ENAMETOOLONG); /* 80 bytes */
	p[80] = 'x';
	p[199] = '\0';
	expect_bad(p, -ENAMETOOLONG);
	/* 79 bytes with components. */
	memset(p, 'y', 79);
	p[10] = '/';
	p[40] = '/';
	p[79] = '\0';
	expect_ok(p);
}

static void test_reserved_meta(void **state)
{
	(void)state;
	expect_bad(".meta", -EINVAL);
	expect_bad(".meta/x", -EINVAL);
	expect_bad(".meta/.log", -EINVAL);
	/* Only the top-level component is reserved. */
	expect_ok("a/.meta");
	expect_ok("a/.meta/b");
	expect_ok(".metadata");
	expect_ok(".met");
	expect_ok("x.meta");
}

static void test_allowed_names(void **state)
{
	(void)state;
	expect_ok("a");
	expect_ok("a/b/c");
	expect_ok("dir with space");
	expect_ok("dir with space/ten MiB.bin");
	expect_ok(" leading and trailing ");
	expect_ok("h\xc3\xa9llo/\xe6\x97\xa5\xe6\x9c\xac"); /* UTF-8 */
	expect_ok("tab\there");
	expect_ok("back\\slash");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_absolute),
		cmocka_unit_test(test_trailing_slash),
		cmocka_unit_test(test_empty_component),
		cmocka_unit_test(test_dot_components),
		cmocka_unit_test(test_length),
		cmocka_unit_test(test_reserved_meta),
		cmocka_unit_test(test_allowed_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
