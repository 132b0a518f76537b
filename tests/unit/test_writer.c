// SPDX-License-Identifier: Apache-2.0
/* The log writer on a real sparse image: locking, appends, crash safety. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "testutil.h"

#define IMG_SIZE (256 * TU_MiB)
#define AU (2 * TU_MiB)
#define DATA0 (10 * TU_MiB)

struct ctx {
	char path[256];
	struct famfs_fs *fs;
};

static struct famfs_fs *open_fs(const char *path, int role)
{
	struct famfs_fs_opts o;
	struct famfs_fs *fs = NULL;
	struct famfs_err err;
	char msg[300];

	famfs_fs_opts_init(&o);
	o.role = role;
	if (famfs_fs_open(path, &o, &fs, &err))
		fail_msg("open %s: %s", path, famfs_err_str(&err, msg, 300));
	return fs;
}

static int setup_version(void **state, unsigned version)
{
	struct ctx *c = calloc(1, sizeof(*c));

	assert_non_null(c);
	tu_tmppath(c->path, sizeof(c->path), "writer.img");
	tu_mkfs_image(c->path, IMG_SIZE, 0, version, NULL);
	c->fs = open_fs(c->path, FAMFS_ROLE_MASTER);
	*state = c;
	return 0;
}

static int setup(void **state)
{
	return setup_version(state, 48);
}

static int setup47(void **state)
{
	return setup_version(state, 47);
}

static int teardown(void **state)
{
	struct ctx *c = *state;

	famfs_fs_close(c->fs);
	unlink(c->path);
	free(c);
	return 0;
}

static uint64_t next_index(struct famfs_fs *fs)
{
	struct famfs_omf_log_header h;

	famfs_fs_log_header(fs, &h);
	return h.next_index;
}

/* Allocate and log a file of @size bytes. */
static int mkfile(struct famfs_fs *fs, const char *path, uint64_t size,
		  uint64_t *ino)
{
	struct famfs_alloc_req r = { .size = size };
	struct famfs_fmap m;
	int rc;

	rc = famfs_ns_alloc(famfs_fs_ns(fs), &r, &m);
	if (rc)
		return rc;
	rc = famfs_fs_mkfile(fs, path, 0644, 1000, 1000, size, &m, ino);
	if (rc)
		famfs_ns_release(famfs_fs_ns(fs), &m);
	return rc;
}

static void test_open_errors(void **state)
{
	struct famfs_fs *fs = NULL;
	struct famfs_err err;
	char p[256];

	(void)state;
	assert_err(famfs_fs_open("/nonexistent/famfs.img", NULL, &fs, &err),
		   -ENOENT, &err, "device");
	tu_tmppath(p, sizeof(p), "blank.img");
	tu_sparse_file(p, 64 * TU_MiB);
	assert_err(famfs_fs_open(p, NULL, &fs, &err), -EINVAL, &err,
		   "superblock.magic");
	/* Not a 2 MiB multiple. */
	tu_sparse_file(p, 64 * TU_MiB + 4096);
	assert_err(famfs_fs_open(p, NULL, &fs, &err), -EINVAL, &err, "device");
	assert_null(fs);
	unlink(p);
}

static void test_mkdir_mkfile(void **state)
{
	struct ctx *c = *state;
	const struct famfs_node *n;
	uint64_t ino;
	uint8_t *data;

	assert_int_equal(famfs_fs_role(c->fs), FAMFS_ROLE_MASTER);
	assert_int_equal(famfs_fs_lock(c->fs, true), 0);
	assert_int_equal(famfs_fs_lock(c->fs, true), 0); /* already held */
	assert_int_equal(famfs_fs_mkdir(c->fs, "a", 0750, 5, 6, &ino), 0);
	assert_int_equal(ino, 16);
	assert_int_equal(famfs_fs_mkdir(c->fs, "a/b", 0755, 0, 0, NULL), 0);
	assert_int_equal(mkfile(c->fs, "a/b/f", 3 * TU_MiB, &ino), 0);
	assert_int_equal(ino, 18);
	famfs_fs_unlock(c->fs);
	assert_int_equal(next_index(c->fs), 3);
	assert_int_equal(famfs_fs_log_free(c->fs), 15420 - 3);
	/* In this namespace already. */
	n = famfs_ns_resolve(famfs_fs_ns(c->fs), "a/b/f");
	assert_non_null(n);
	assert_int_equal(n->size, 3 * TU_MiB);
	assert_int_equal(n->fmap->ext[0].offset, DATA0);
	/* Data written through the mapping survives a reopen. */
	data = famfs_fs_ptr(c->fs, DATA0, 4 * TU_MiB);
	assert_non_null(data);
	memset(data, 0x5c, 3 * TU_MiB);
	assert_null(famfs_fs_ptr(c->fs, IMG_SIZE - 4096, 8192));
	assert_null(famfs_fs_ptr(c->fs, UINT64_MAX, 2));
	famfs_fs_close(c->fs);

	c->fs = open_fs(c->path, FAMFS_ROLE_CLIENT);
	n = famfs_ns_resolve(famfs_fs_ns(c->fs), "a");
	assert_non_null(n);
	assert_int_equal(n->ino, 16);
	assert_int_equal(n->mode, 040750);
	assert_int_equal(n->uid, 5);
	assert_int_equal(n->gid, 6);
	n = famfs_ns_resolve(famfs_fs_ns(c->fs), "a/b/f");
	assert_int_equal(n->ino, 18);
	assert_int_equal(n->mode, 0100644);
	assert_int_equal(n->uid, 1000);
	assert_int_equal(n->size, 3 * TU_MiB);
	data = famfs_fs_ptr(c->fs, DATA0, 3 * TU_MiB);
	assert_int_equal(data[0], 0x5c);
	assert_int_equal(data[3 * TU_MiB - 1], 0x5c);
}

static void test_enolck(void **state)
{
	struct ctx *c = *state;
	struct famfs_fmap m;

	tu_fmap1(&m, DATA0, AU);
	assert_int_equal(famfs_fs_mkdir(c->fs, "a", 0755, 0, 0, NULL), -ENOLCK);
	assert_int_equal(famfs_fs_mkfile(c->fs, "f", 0644, 0, 0, 1, &m, NULL),
			 -ENOLCK);
	assert_int_equal(famfs_fs_lock(c->fs, false), 0);
	famfs_fs_unlock(c->fs);
	assert_int_equal(famfs_fs_mkdir(c->fs, "a", 0755, 0, 0, NULL), -ENOLCK);
	assert_int_equal(next_index(c->fs), 0);
}

static void test_erofs(void **state)
{
	struct ctx *c = *state;
	struct famfs_fs_opts o;
	struct famfs_fs *ro;

	famfs_fs_close(c->fs);
	c->fs = open_fs(c->path, FAMFS_ROLE_CLIENT);
	assert_int_equal(famfs_fs_role(c->fs), FAMFS_ROLE_CLIENT);
	assert_int_equal(famfs_fs_lock(c->fs, true), -EROFS);
	assert_int_equal(famfs_fs_mkdir(c->fs, "a", 0755, 0, 0, NULL), -ENOLCK);
	/* A read-only open cannot write even as master. */
	famfs_fs_opts_init(&o);
	o.role = FAMFS_ROLE_MASTER;
	o.dev_flags = FAMFS_DEV_RDONLY;
	assert_int_equal(famfs_fs_open(c->path, &o, &ro, NULL), 0);
	assert_int_equal(famfs_fs_lock(ro, true), -EROFS);
	famfs_fs_close(ro);
}

static void test_namespace_errors(void **state)
{
	struct ctx *c = *state;
	struct famfs_fmap m;

	assert_int_equal(famfs_fs_lock(c->fs, true), 0);
	assert_int_equal(famfs_fs_mkdir(c->fs, "d", 0755, 0, 0, NULL), 0);
	assert_int_equal(mkfile(c->fs, "d/f", 1, NULL), 0);
	assert_int_equal(famfs_fs_mkdir(c->fs, "d", 0755, 0, 0, NULL), -EEXIST);
	assert_int_equal(mkfile(c->fs, "d/f", 1, NULL), -EEXIST);
	assert_int_equal(famfs_fs_mkdir(c->fs, "d/f", 0755, 0, 0, NULL),
			 -EEXIST);
	assert_int_equal(famfs_fs_mkdir(c->fs, "x/y", 0755, 0, 0, NULL),
			 -ENOENT);
	assert_int_equal(mkfile(c->fs, "x/y", 1, NULL), -ENOENT);
	assert_int_equal(famfs_fs_mkdir(c->fs, "d/f/g", 0755, 0, 0, NULL),
			 -ENOTDIR);
	assert_int_equal(mkfile(c->fs, "d/f/g/h", 1, NULL), -ENOTDIR);
	assert_int_equal(famfs_fs_mkdir(c->fs, ".meta", 0755, 0, 0, NULL),
			 -EINVAL);
	assert_int_equal(famfs_fs_mkdir(c->fs, "/abs", 0755, 0, 0, NULL),
			 -EINVAL);
	assert_int_equal(famfs_fs_mkdir(c->fs, "d/../e", 0755, 0, 0, NULL),
			 -EINVAL);
	/* 79 bytes is the longest path the log holds. */
	{
		char p[100];

		memset(p, 'x', sizeof(p));
		p[0] = 'd';
		p[1] = '/';
		p[80] = '\0';
		assert_int_equal(famfs_fs_mkdir(c->fs, p, 0755, 0, 0, NULL),
				 -ENAMETOOLONG);
		p[79] = '\0';
		assert_int_equal(mkfile(c->fs, p, 1, NULL), 0);
		assert_non_null(famfs_ns_resolve(famfs_fs_ns(c->fs), p));
	}
	/* A map that points into the log is refused before anything moves. */
	tu_fmap1(&m, 4 * TU_MiB, AU);
	assert_int_equal(famfs_fs_mkfile(c->fs, "bad", 0644, 0, 0, 1, &m, NULL),
			 -EINVAL);
	tu_fmap1(&m, DATA0 + 64 * AU, AU);
	assert_int_equal(
		famfs_fs_mkfile(c->fs, "big", 0644, 0, 0, AU + 1, &m, NULL),
		-EINVAL);
	assert_int_equal(next_index(c->fs), 3);
	famfs_fs_unlock(c->fs);
}

static void test_log_full(void **state)
{
	struct ctx *c = *state;
	struct famfs_omf_log_header h;
	struct famfs_ns_stats st;
	char name[32];
	uint64_t n = 0;
	int rc;

	famfs_fs_log_header(c->fs, &h);
	assert_int_equal(famfs_fs_lock(c->fs, true), 0);
	for (;;) {
		snprintf(name, sizeof(name), "d%05llu", (unsigned long long)n);
		rc = famfs_fs_mkdir(c->fs, name, 0755, 0, 0, NULL);
		if (rc)
			break;
		n++;
	}
	assert_int_equal(rc, -ENOSPC);
	assert_int_equal(n, h.last_index + 1);
	assert_int_equal(n, 15420);
	assert_int_equal(famfs_fs_log_free(c->fs), 0);
	assert_int_equal(mkfile(c->fs, "f", 1, NULL), -ENOSPC);
	assert_int_equal(famfs_fs_add_daxdev(c->fs, 16 * TU_GiB,
					     &famfs_fs_sb(c->fs)->fs_uuid),
			 -ENOSPC);
	famfs_fs_unlock(c->fs);
	famfs_fs_log_header(c->fs, &h);
	assert_int_equal(h.next_index, 15420);
	assert_int_equal(h.next_seqnum, 15420);
	assert_int_equal(famfs_log_header_check(&h, 8 * TU_MiB, NULL), 0);
	/* fsck-clean: a fresh replay finds every entry good. */
	famfs_fs_close(c->fs);
	c->fs = open_fs(c->path, FAMFS_ROLE_CLIENT);
	famfs_ns_stats(famfs_fs_ns(c->fs), &st);
	assert_int_equal(st.next_index, 15420);
	assert_int_equal(st.dirs, 15420);
	assert_int_equal(st.bad, 0);
	assert_int_equal(st.collisions, 0);
	assert_int_equal(famfs_ns_resolve(famfs_fs_ns(c->fs), "d15419")->ino,
			 16 + 15419);
}

static void test_crash_before_header(void **state)
{
	struct ctx *c = *state;
	struct famfs_omf_log_entry e, *slot;
	struct famfs_fs *other;
	struct famfs_ns_stats st;

	assert_int_equal(famfs_fs_lock(c->fs, true), 0);
	assert_int_equal(famfs_fs_mkdir(c->fs, "a", 0755, 0, 0, NULL), 0);
	/* Crash: entry 1 is in its slot, the header was never bumped. */
	assert_int_equal(famfs_entry_make_mkdir(&e, 1, "ghost", 0755, 0, 0), 0);
	slot = famfs_fs_ptr(c->fs, FAMFS_LOG_OFFSET + famfs_log_entry_offset(1),
			    sizeof(e));
	memcpy(slot, &e, sizeof(e));
	famfs_fs_unlock(c->fs);

	other = open_fs(c->path, FAMFS_ROLE_CLIENT);
	famfs_ns_stats(famfs_fs_ns(other), &st);
	assert_int_equal(st.next_index, 1);
	assert_int_equal(st.bad, 0);
	assert_null(famfs_ns_resolve(famfs_fs_ns(other), "ghost"));
	assert_non_null(famfs_ns_resolve(famfs_fs_ns(other), "a"));
	assert_int_equal(famfs_fs_refresh(other), 0);

	/* The next append simply takes the slot. */
	assert_int_equal(famfs_fs_lock(c->fs, true), 0);
	assert_int_equal(famfs_fs_mkdir(c->fs, "real", 0755, 0, 0, NULL), 0);
	famfs_fs_unlock(c->fs);
	assert_int_equal(famfs_fs_refresh(other), 1);
	assert_int_equal(famfs_ns_resolve(famfs_fs_ns(other), "real")->ino, 17);
	assert_null(famfs_ns_resolve(famfs_fs_ns(other), "ghost"));
	famfs_fs_close(other);
}

static void test_header_before_entry(void **state)
{
	struct ctx *c = *state;
	struct famfs_omf_log_header *h;
	struct famfs_fs *other;
	struct famfs_ns_stats st;

	/* The wrong order (header first) leaves a torn tail: never fatal. */
	assert_int_equal(famfs_fs_lock(c->fs, true), 0);
	assert_int_equal(famfs_fs_mkdir(c->fs, "a", 0755, 0, 0, NULL), 0);
	famfs_fs_unlock(c->fs);
	h = famfs_fs_ptr(c->fs, FAMFS_LOG_OFFSET, sizeof(*h));
	h->next_index = h->next_seqnum = 2;
	other = open_fs(c->path, FAMFS_ROLE_CLIENT);
	famfs_ns_stats(famfs_fs_ns(other), &st);
	assert_int_equal(st.next_index, 1);
	assert_int_equal(famfs_fs_refresh(other), -EBADMSG);
	famfs_fs_close(other);
}

static void test_header_crc_unchanged(void **state)
{
	struct ctx *c = *state;
	struct famfs_omf_log_header h0, h;

	famfs_fs_log_header(c->fs, &h0);
	assert_int_equal(h0.crc, 0xa5875078u); /* mkfs value, 8 MiB log */
	assert_int_equal(famfs_fs_lock(c->fs, true), 0);
	assert_int_equal(famfs_fs_mkdir(c->fs, "a", 0755, 0, 0, NULL), 0);
	assert_int_equal(mkfile(c->fs, "a/f", 10, NULL), 0);
	famfs_fs_unlock(c->fs);
	famfs_fs_log_header(c->fs, &h);
	assert_int_equal(h.next_index, 2);
	assert_int_equal(h.next_seqnum, 2);
	assert_int_equal(h.crc, h0.crc);
	assert_memory_equal(&h, &h0, FAMFS_LOG_HDR_CRC_LEN + 8);
}

static void test_second_handle_catches_up(void **state)
{
	struct ctx *c = *state;
	struct famfs_fs *b = open_fs(c->path, FAMFS_ROLE_MASTER);

	assert_int_equal(famfs_fs_lock(c->fs, true), 0);
	/* flock conflicts between two opens, even in one process. */
	assert_int_equal(famfs_fs_lock(b, true), -EWOULDBLOCK);
	assert_int_equal(famfs_fs_mkdir(c->fs, "one", 0755, 0, 0, NULL), 0);
	assert_int_equal(mkfile(c->fs, "one/f", AU, NULL), 0);
	famfs_fs_unlock(c->fs);
	/* b catches up when it takes the lock, then appends after. */
	assert_int_equal(famfs_fs_lock(b, true), 0);
	assert_non_null(famfs_ns_resolve(famfs_fs_ns(b), "one/f"));
	assert_int_equal(mkfile(b, "two", AU, NULL), 0);
	/* b's allocator saw one/f's space as used. */
	assert_int_equal(
		famfs_ns_resolve(famfs_fs_ns(b), "two")->fmap->ext[0].offset,
		DATA0 + AU);
	famfs_fs_unlock(b);
	assert_int_equal(famfs_fs_refresh(c->fs), 1);
	famfs_fs_close(b);
}

static void test_fork_flock(void **state)
{
	struct ctx *c = *state;
	int status;
	pid_t pid;

	assert_int_equal(famfs_fs_lock(c->fs, true), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct famfs_fs_opts o;
		struct famfs_fs *fs;
		int rc;

		famfs_fs_opts_init(&o);
		o.role = FAMFS_ROLE_MASTER;
		if (famfs_fs_open(c->path, &o, &fs, NULL))
			_exit(2);
		rc = famfs_fs_lock(fs, true);
		famfs_fs_close(fs);
		_exit(rc == -EWOULDBLOCK ? 0 : 1);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);

	/* A blocking child appends only after the parent's unlock. */
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct famfs_fs_opts o;
		struct famfs_fs *fs;
		int rc;

		famfs_fs_opts_init(&o);
		o.role = FAMFS_ROLE_MASTER;
		if (famfs_fs_open(c->path, &o, &fs, NULL))
			_exit(2);
		rc = famfs_fs_lock(fs, false);
		if (!rc)
			rc = famfs_fs_mkdir(fs, "child", 0755, 0, 0, NULL);
		famfs_fs_close(fs);
		_exit(rc ? 1 : 0);
	}
	assert_int_equal(famfs_fs_mkdir(c->fs, "parent", 0755, 0, 0, NULL), 0);
	famfs_fs_unlock(c->fs);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	assert_int_equal(famfs_fs_refresh(c->fs), 1);
	assert_int_equal(famfs_ns_resolve(famfs_fs_ns(c->fs), "parent")->ino,
			 16);
	assert_int_equal(famfs_ns_resolve(famfs_fs_ns(c->fs), "child")->ino,
			 17);
}

static void test_add_daxdev(void **state)
{
	struct ctx *c = *state;
	struct famfs_omf_uuid u;
	const struct famfs_geom *g;
	struct famfs_fs *other;

	tu_uuid(&u, "11111111-2222-4333-8444-555555555555");
	assert_int_equal(famfs_fs_add_daxdev(c->fs, 16 * TU_GiB, &u), -ENOLCK);
	assert_int_equal(famfs_fs_lock(c->fs, true), 0);
	assert_int_equal(famfs_fs_add_daxdev(c->fs, 16 * TU_GiB, &u), 0);
	assert_int_equal(famfs_fs_add_daxdev(c->fs, 16 * TU_GiB, &u), -EEXIST);
	assert_int_equal(famfs_fs_add_daxdev(c->fs, 16 * TU_GiB,
					     &famfs_fs_sb(c->fs)->dev_uuid),
			 -EEXIST);
	famfs_fs_unlock(c->fs);
	g = famfs_ns_geom(famfs_fs_ns(c->fs));
	assert_int_equal(g->ndevs, 2);
	other = open_fs(c->path, FAMFS_ROLE_CLIENT);
	g = famfs_ns_geom(famfs_fs_ns(other));
	assert_int_equal(g->ndevs, 2);
	assert_int_equal(g->dev_size[1], 16 * TU_GiB);
	famfs_fs_close(other);
}

static void test_add_daxdev_invalid(void **state)
{
	struct ctx *c = *state;
	static const struct famfs_omf_uuid zero;
	struct famfs_omf_uuid u;
	struct famfs_ns_stats st;

	/* A bad device record is refused before anything reaches the log. */
	tu_uuid(&u, "11111111-2222-4333-8444-555555555555");
	assert_int_equal(famfs_fs_lock(c->fs, true), 0);
	assert_int_equal(famfs_fs_add_daxdev(c->fs, 0, &u), -EINVAL);
	assert_int_equal(famfs_fs_add_daxdev(c->fs, 16 * TU_GiB + 4096, &u),
			 -EINVAL);
	assert_int_equal(famfs_fs_add_daxdev(c->fs, 16 * TU_GiB, &zero),
			 -EINVAL);
	assert_int_equal(next_index(c->fs), 0);
	/* The writer is still consistent: the next append works. */
	assert_int_equal(famfs_fs_mkdir(c->fs, "a", 0755, 0, 0, NULL), 0);
	famfs_ns_stats(famfs_fs_ns(c->fs), &st);
	assert_int_equal(st.next_index, 1);
	assert_int_equal(st.dirs, 1);
	famfs_fs_unlock(c->fs);
}

static void test_add_daxdev_v47(void **state)
{
	struct ctx *c = *state;
	struct famfs_omf_uuid u;

	tu_uuid(&u, "11111111-2222-4333-8444-555555555555");
	assert_int_equal(famfs_fs_sb(c->fs)->version, 47);
	assert_int_equal(famfs_fs_lock(c->fs, true), 0);
	assert_int_equal(famfs_fs_add_daxdev(c->fs, 16 * TU_GiB, &u),
			 -EPROTONOSUPPORT);
	assert_int_equal(famfs_fs_mkdir(c->fs, "a", 0755, 0, 0, NULL), 0);
	famfs_fs_unlock(c->fs);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_open_errors),
		T(test_mkdir_mkfile),
		T(test_enolck),
		T(test_erofs),
		T(test_namespace_errors),
		T(test_log_full),
		T(test_crash_before_header),
		T(test_header_before_entry),
		T(test_header_crc_unchanged),
		T(test_second_handle_catches_up),
		T(test_fork_flock),
		T(test_add_daxdev),
		T(test_add_daxdev_invalid),
		cmocka_unit_test_setup_teardown(test_add_daxdev_v47, setup47,
						teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
