// SPDX-License-Identifier: Apache-2.0
/* famfs_dev_open on image files and on things that are not devices. */
#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "testutil.h"

static void test_image(void **state)
{
	struct famfs_dev *dev;
	char path[256];
	uint8_t *p;

	(void)state;
	tu_tmppath(path, sizeof(path), "dev.img");
	tu_sparse_file(path, 6 * TU_MiB);
	assert_int_equal(famfs_dev_open(path, 0, &dev, NULL), 0);
	assert_false(famfs_dev_is_dax(dev));
	assert_false(famfs_dev_is_rdonly(dev));
	assert_int_equal(famfs_dev_size(dev), 6 * TU_MiB);
	assert_int_equal(famfs_dev_align(dev), 2 * TU_MiB);
	assert_true(famfs_dev_fd(dev) >= 0);
	assert_string_equal(famfs_dev_path(dev), path);
	p = famfs_dev_addr(dev);
	p[6 * TU_MiB - 1] = 0x42; /* the whole file is mapped, shared */
	famfs_dev_close(dev);

	assert_int_equal(famfs_dev_open(path, FAMFS_DEV_RDONLY, &dev, NULL), 0);
	assert_true(famfs_dev_is_rdonly(dev));
	p = famfs_dev_addr(dev);
	assert_int_equal(p[6 * TU_MiB - 1], 0x42);
	famfs_dev_close(dev);
	unlink(path);
}

static void test_bad_sizes(void **state)
{
	struct famfs_dev *dev = NULL;
	struct famfs_err err;
	char path[256];

	(void)state;
	tu_tmppath(path, sizeof(path), "devsize.img");
	tu_sparse_file(path, 4 * TU_MiB + 4096);
	assert_err(famfs_dev_open(path, 0, &dev, &err), -EINVAL, &err,
		   "device");
	tu_sparse_file(path, TU_MiB);
	assert_err(famfs_dev_open(path, 0, &dev, &err), -EINVAL, &err,
		   "device");
	tu_sparse_file(path, 0);
	assert_err(famfs_dev_open(path, 0, &dev, &err), -EINVAL, &err,
		   "device");
	assert_null(dev);
	unlink(path);
}

static void test_not_a_device(void **state)
{
	struct famfs_dev *dev = NULL;
	struct famfs_err err;
	char dir[256];

	(void)state;
	assert_err(famfs_dev_open("/nonexistent/dax0.0", 0, &dev, &err),
		   -ENOENT, &err, "device");
	/* A character device that is not devdax. */
	assert_err(famfs_dev_open("/dev/null", 0, &dev, &err), -ENODEV, &err,
		   "device");
	/* A directory. */
	tu_tmppath(dir, sizeof(dir), "devdir");
	assert_int_equal(mkdir(dir, 0755), 0);
	assert_err(famfs_dev_open(dir, FAMFS_DEV_RDONLY, &dev, &err), -ENODEV,
		   &err, "device");
	assert_err(famfs_dev_open(dir, 0, &dev, &err), -EISDIR, &err, "device");
	rmdir(dir);
	assert_null(dev);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_image),
		cmocka_unit_test(test_bad_sizes),
		cmocka_unit_test(test_not_a_device),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
