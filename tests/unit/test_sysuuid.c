// SPDX-License-Identifier: Apache-2.0
/* Host identity file and the master/client decision. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <uuid/uuid.h>

#include "testutil.h"

#define SYSUUID "5eed0000-fa3f-4000-8000-00000000cafe"

struct ctx {
	char dir[256];
	char file[300];
	char img[256];
};

static int setup(void **state)
{
	struct ctx *c = calloc(1, sizeof(*c));

	assert_non_null(c);
	tu_tmppath(c->dir, sizeof(c->dir), "sysuuid");
	snprintf(c->file, sizeof(c->file), "%s/system_uuid", c->dir);
	tu_tmppath(c->img, sizeof(c->img), "sysuuid.img");
	*state = c;
	return 0;
}

static int teardown(void **state)
{
	struct ctx *c = *state;

	unlink(c->file);
	rmdir(c->dir);
	unlink(c->img);
	free(c);
	return 0;
}

static void write_file(const char *path, const void *data, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, len), (ssize_t)len);
	close(fd);
}

static void test_create(void **state)
{
	struct ctx *c = *state;
	struct famfs_omf_uuid u, again;
	struct stat st;
	char buf[64], text[40];
	int fd;
	ssize_t n;

	/* Missing file and missing directory: both created. */
	assert_int_equal(famfs_system_uuid(c->file, true, &u), 0);
	assert_int_equal(stat(c->dir, &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	assert_int_equal(stat(c->file, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0444);
	assert_int_equal(st.st_size, 37); /* 36 characters + NUL */
	fd = open(c->file, O_RDONLY);
	assert_true(fd >= 0);
	n = read(fd, buf, sizeof(buf));
	close(fd);
	assert_int_equal(n, 37);
	assert_int_equal(buf[36], '\0');
	uuid_unparse(u.b, text);
	assert_string_equal(buf, text);
	/* Read back: the same identity, not a new one. */
	assert_int_equal(famfs_system_uuid(c->file, true, &again), 0);
	assert_memory_equal(&u, &again, 16);
	assert_int_equal(famfs_system_uuid(c->file, false, &again), 0);
	assert_memory_equal(&u, &again, 16);
}

static void test_missing(void **state)
{
	struct ctx *c = *state;
	struct famfs_omf_uuid u;
	struct stat st;

	assert_int_equal(famfs_system_uuid(c->file, false, &u), -ENOENT);
	assert_int_equal(stat(c->file, &st), -1);
}

static void test_formats(void **state)
{
	static const char *junk[] = { "",
				      "hello",
				      "5eed0000-fa3f-4000-8000-00000000caf",
				      "5eed0000-fa3f-4000-8000-00000000cafe0",
				      "5eed0000+fa3f-4000-8000-00000000cafe",
				      "zeed0000-fa3f-4000-8000-00000000cafe" };
	struct ctx *c = *state;
	struct famfs_omf_uuid u, want;

	tu_uuid(&want, SYSUUID);
	assert_int_equal(mkdir(c->dir, 0755), 0);
	for (size_t i = 0; i < sizeof(junk) / sizeof(junk[0]); i++) {
		write_file(c->file, junk[i], strlen(junk[i]));
		assert_int_equal(famfs_system_uuid(c->file, true, &u), -EINVAL);
	}
	/* Accepted forms: with NUL (upstream), newline, or bare. */
	write_file(c->file, SYSUUID, 37);
	assert_int_equal(famfs_system_uuid(c->file, false, &u), 0);
	assert_memory_equal(&u, &want, 16);
	write_file(c->file, SYSUUID "\n", 37);
	assert_int_equal(famfs_system_uuid(c->file, false, &u), 0);
	assert_memory_equal(&u, &want, 16);
	write_file(c->file, SYSUUID, 36);
	assert_int_equal(famfs_system_uuid(c->file, false, &u), 0);
	assert_memory_equal(&u, &want, 16);
	/* Upper case is the same UUID. */
	write_file(c->file, "5EED0000-FA3F-4000-8000-00000000CAFE", 36);
	assert_int_equal(famfs_system_uuid(c->file, false, &u), 0);
	assert_memory_equal(&u, &want, 16);
}

static enum famfs_role role_for(struct ctx *c)
{
	struct famfs_fs_opts o;
	struct famfs_fs *fs;
	enum famfs_role r;

	famfs_fs_opts_init(&o);
	o.system_uuid_path = c->file;
	assert_int_equal(famfs_fs_open(c->img, &o, &fs, NULL), 0);
	r = famfs_fs_role(fs);
	famfs_fs_close(fs);
	return r;
}

static void test_role(void **state)
{
	struct ctx *c = *state;
	struct famfs_omf_uuid sys;
	struct famfs_fs_opts o;
	struct famfs_fs *fs;

	tu_uuid(&sys, SYSUUID);
	tu_mkfs_image(c->img, 64 * TU_MiB, 0, 48, &sys);
	assert_int_equal(mkdir(c->dir, 0755), 0);
	write_file(c->file, SYSUUID, 37);
	assert_int_equal(role_for(c), FAMFS_ROLE_MASTER);
	write_file(c->file, "5eed0000-fa3f-4000-8000-00000000caff", 37);
	assert_int_equal(role_for(c), FAMFS_ROLE_CLIENT);
	/* Unreadable identity: client. */
	write_file(c->file, "junk", 4);
	assert_int_equal(role_for(c), FAMFS_ROLE_CLIENT);
	/* Missing: created with a fresh random UUID, so client. */
	unlink(c->file);
	assert_int_equal(role_for(c), FAMFS_ROLE_CLIENT);
	assert_int_equal(access(c->file, R_OK), 0);
	/* A forced role wins over the file. */
	famfs_fs_opts_init(&o);
	o.system_uuid_path = c->file;
	o.role = FAMFS_ROLE_MASTER;
	assert_int_equal(famfs_fs_open(c->img, &o, &fs, NULL), 0);
	assert_int_equal(famfs_fs_role(fs), FAMFS_ROLE_MASTER);
	famfs_fs_close(fs);
	assert_string_equal(famfs_role_name(FAMFS_ROLE_MASTER), "master");
	assert_string_equal(famfs_role_name(FAMFS_ROLE_CLIENT), "client");
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_create),
		T(test_missing),
		T(test_formats),
		T(test_role),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
