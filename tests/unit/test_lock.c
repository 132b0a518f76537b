// SPDX-License-Identifier: Apache-2.0
/*
 * Host-local locks on what a device is (lib/lock.c): every name of one
 * image (path, hard link, symlink) meets on one lock, a namesake does
 * not; mkfs refuses anything in use; writers exclude each other through
 * any name; a device node's lock follows st_rdev, not the node.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "dev_internal.h"
#include "testutil.h"

#define SIZE (64 * TU_MiB)

struct ctx {
	char img[256], hard[256], sym[256], other[256];
};

static int setup(void **state)
{
	struct ctx *c = calloc(1, sizeof(*c));
	struct famfs_omf_uuid u;

	tu_uuid(&u, "12345678-1111-4222-8333-444444444444");
	tu_tmppath(c->img, sizeof(c->img), "lock-img");
	tu_tmppath(c->hard, sizeof(c->hard), "lock-hard");
	tu_tmppath(c->sym, sizeof(c->sym), "lock-sym");
	tu_tmppath(c->other, sizeof(c->other), "lock-other");
	tu_mkfs_image(c->img, SIZE, 0, 0, &u);
	unlink(c->hard);
	unlink(c->sym);
	assert_int_equal(link(c->img, c->hard), 0);
	assert_int_equal(symlink(c->img, c->sym), 0);
	tu_sparse_file(c->other, SIZE);
	*state = c;
	return 0;
}

static int teardown(void **state)
{
	struct ctx *c = *state;

	unlink(c->img);
	unlink(c->hard);
	unlink(c->sym);
	unlink(c->other);
	free(c);
	return 0;
}

static struct famfs_dev *dev_open(const char *path, unsigned flags)
{
	struct famfs_dev *d = NULL;
	struct famfs_err err;

	assert_int_equal(famfs_dev_open(path, flags, &d, &err), 0);
	return d;
}

static int mkfs(struct famfs_dev *d, struct famfs_err *err)
{
	struct famfs_mkfs_opts o = { .force = true, .allow_small = true };

	famfs_err_clear(err);
	return famfs_mkfs(d, &o, err);
}

/* mkfs through any name is refused while another open holds the image. */
static void test_mkfs_in_use(void **state)
{
	struct ctx *c = *state;
	const char *names[] = { c->img, c->hard, c->sym };
	struct famfs_dev *user = dev_open(c->img, FAMFS_DEV_RDONLY);
	struct famfs_err err;

	for (unsigned i = 0; i < 3; i++) {
		struct famfs_dev *d = dev_open(names[i], 0);

		assert_int_equal(mkfs(d, &err), -EBUSY);
		assert_non_null(strstr(err.msg, "in use by another famfs"));
		famfs_dev_close(d);
	}
	/* The same name in another directory is another file. */
	{
		struct famfs_dev *d = dev_open(c->other, 0);

		assert_int_equal(mkfs(d, &err), 0);
		famfs_dev_close(d);
	}
	/* famfsd serving it: the message says so. */
	assert_int_equal(famfs_dev_lock(user, FAMFS_LOCK_SERVE, false, true),
			 0);
	{
		struct famfs_dev *d = dev_open(c->hard, 0);

		assert_true(famfs_dev_lock_held(d, FAMFS_LOCK_SERVE));
		assert_int_equal(mkfs(d, &err), -EBUSY);
		assert_non_null(strstr(err.msg, "served by famfsd"));
		famfs_dev_close(d);
	}
	famfs_dev_close(user);
	/* Nothing else open: mkfs goes ahead, and leaves the lock shared. */
	{
		struct famfs_dev *d = dev_open(c->sym, 0), *e;

		assert_int_equal(mkfs(d, &err), 0);
		e = dev_open(c->hard, FAMFS_DEV_RDONLY);
		famfs_dev_close(e);
		famfs_dev_close(d);
	}
}

/* An open during mkfs is refused: nothing reads a half-written log. */
static void test_open_during_mkfs(void **state)
{
	struct ctx *c = *state;
	struct famfs_dev *d = dev_open(c->img, 0), *e = NULL;
	struct famfs_err err;

	assert_int_equal(famfs_dev_lock(d, FAMFS_LOCK_USE, true, true), 0);
	famfs_err_clear(&err);
	assert_int_equal(famfs_dev_open(c->hard, FAMFS_DEV_RDONLY, &e, &err),
			 -EBUSY);
	assert_non_null(strstr(err.msg, "being formatted"));
	famfs_dev_close(d);
}

/* Two writers through two names: one append lock. */
static void test_append_any_name(void **state)
{
	struct ctx *c = *state;
	struct famfs_fs_opts o;
	struct famfs_fs *a, *b, *s;
	struct famfs_err err;

	famfs_fs_opts_init(&o);
	o.role = FAMFS_ROLE_MASTER;
	assert_int_equal(famfs_fs_open(c->img, &o, &a, &err), 0);
	assert_int_equal(famfs_fs_open(c->sym, &o, &b, &err), 0);
	assert_int_equal(famfs_fs_lock(a, true), 0);
	assert_int_equal(famfs_fs_lock(b, true), -EWOULDBLOCK);
	/* A serving master cannot start while a writer works... */
	o.serve = true;
	famfs_err_clear(&err);
	assert_int_equal(famfs_fs_open(c->hard, &o, &s, &err), -EBUSY);
	assert_non_null(strstr(err.msg, "a famfs command"));
	famfs_fs_unlock(a);
	/* ...and once it serves, it keeps the lock across sessions. */
	assert_int_equal(famfs_fs_open(c->hard, &o, &s, &err), 0);
	assert_int_equal(famfs_fs_lock(s, true), 0);
	famfs_fs_unlock(s);
	assert_int_equal(famfs_fs_lock(a, true), -EWOULDBLOCK);
	assert_true(famfs_dev_lock_held(famfs_fs_dev(a), FAMFS_LOCK_SERVE));
	famfs_err_clear(&err);
	{
		struct famfs_fs *s2;

		assert_int_equal(famfs_fs_open(c->img, &o, &s2, &err), -EBUSY);
		assert_non_null(strstr(err.msg, "a famfsd already serves"));
	}
	famfs_fs_close(s);
	assert_int_equal(famfs_fs_lock(b, true), 0);
	famfs_fs_close(b);
	famfs_fs_close(a);
}

/* A device node's lock is keyed by st_rdev: two nodes, one lock. */
static void test_devnode_identity(void **state)
{
	struct famfs_dev a = { .fd = -1 }, b = { .fd = -1 };
	char n1[256], n2[256], lock[64];
	struct stat s1, s2;

	(void)state;
	if (geteuid()) {
		print_message("skipped: mknod needs root\n");
		return;
	}
	tu_tmppath(n1, sizeof(n1), "lock-node1");
	tu_tmppath(n2, sizeof(n2), "lock-node2");
	unlink(n1);
	unlink(n2);
	/* /dev/null's numbers: any character device shows the rule. */
	assert_int_equal(mknod(n1, S_IFCHR | 0600, makedev(1, 3)), 0);
	assert_int_equal(mknod(n2, S_IFCHR | 0600, makedev(1, 3)), 0);
	a.fd = open(n1, O_RDWR);
	b.fd = open(n2, O_RDWR);
	assert_true(a.fd >= 0 && b.fd >= 0);
	assert_int_equal(fstat(a.fd, &s1), 0);
	assert_int_equal(fstat(b.fd, &s2), 0);
	assert_int_not_equal(s1.st_ino, s2.st_ino);
	a.lockfd = famfs_lock_target(&s1, a.fd, false);
	b.lockfd = famfs_lock_target(&s2, b.fd, false);
	assert_true(a.lockfd >= 0 && b.lockfd >= 0);
	assert_int_not_equal(a.lockfd, a.fd);
	assert_int_equal(famfs_dev_lock(&a, FAMFS_LOCK_APPEND, true, true), 0);
	assert_int_equal(famfs_dev_lock(&b, FAMFS_LOCK_APPEND, true, true),
			 -EWOULDBLOCK);
	assert_true(famfs_dev_lock_held(&b, FAMFS_LOCK_APPEND));
	famfs_dev_unlock(&a, FAMFS_LOCK_APPEND);
	assert_int_equal(famfs_dev_lock(&b, FAMFS_LOCK_APPEND, true, true), 0);
	close(a.lockfd);
	close(b.lockfd);
	close(a.fd);
	close(b.fd);
	unlink(n1);
	unlink(n2);
	snprintf(lock, sizeof(lock), FAMFS_RUN_DIR "/dax-1:3.lock");
	unlink(lock);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_mkfs_in_use),
		T(test_open_during_mkfs),
		T(test_append_any_name),
		T(test_devnode_identity),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
