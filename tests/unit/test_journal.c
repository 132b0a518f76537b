// SPDX-License-Identifier: Apache-2.0
/* famfsd's recovery journal: naming, sealing, torn tails, foreign files,
 * last record wins, and the CLI's count of objects not logged yet. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <uuid/uuid.h>

#include "testutil.h"

struct ctx {
	struct tu_image im;
	char path[256];
	int fd;
	uint64_t seq;
	uint32_t gen;
};

static int setup(void **state)
{
	struct ctx *c = calloc(1, sizeof(*c));
	struct famfs_omf_jnl_header h;

	assert_non_null(c);
	tu_image_init(&c->im, 4ULL << 30, 8 << 20, 48);
	tu_tmppath(c->path, sizeof(c->path), "journal");
	c->fd = open(c->path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	assert_true(c->fd >= 0);
	famfs_journal_header_init(&h, c->im.sb, 0);
	assert_int_equal(write(c->fd, &h, sizeof(h)), (ssize_t)sizeof(h));
	*state = c;
	return 0;
}

static int teardown(void **state)
{
	struct ctx *c = *state;

	close(c->fd);
	unlink(c->path);
	tu_image_free(&c->im);
	free(c);
	return 0;
}

static void add(struct ctx *c, uint32_t type, uint64_t id, const char *name)
{
	struct famfs_omf_jnl_rec r;

	memset(&r, 0, sizeof(r));
	r.type = type;
	r.seq = ++c->seq;
	r.gen = c->gen;
	r.id = id;
	r.parent = FAMFS_INO_ROOT;
	r.mode = 0100644;
	r.size = 10;
	r.next = 1;
	r.ext[0].offset = 64ULL << 20;
	r.ext[0].len = 2 << 20;
	snprintf(r.name, sizeof(r.name), "%s", name);
	famfs_journal_rec_seal(&r);
	assert_int_equal(write(c->fd, &r, sizeof(r)), (ssize_t)sizeof(r));
}

#define ID(n) ((1ULL << 62) + (n))

static void test_path(void **state)
{
	struct ctx *c = *state;
	char buf[128], u[40];

	uuid_unparse(c->im.sb->fs_uuid.b, u);
	assert_int_equal(famfs_journal_path("/d", c->im.sb, buf, sizeof(buf)),
			 0);
	assert_true(!strncmp(buf, "/d/", 3) && strstr(buf, u) &&
		    strstr(buf, ".journal"));
	assert_int_equal(famfs_journal_path("/d", c->im.sb, buf, 10),
			 -ENAMETOOLONG);
}

/* Last record per object wins; DEL removes; LOGGED stays (an alias). */
static void test_last_wins(void **state)
{
	struct ctx *c = *state;
	struct famfs_omf_jnl_rec *r;
	uint64_t valid;
	size_t n;

	add(c, FAMFS_JNL_PUT, ID(1), "a");
	add(c, FAMFS_JNL_PUT, ID(2), "b");
	add(c, FAMFS_JNL_PUT, ID(1), "a2"); /* renamed */
	add(c, FAMFS_JNL_DEL, ID(2), "");
	add(c, FAMFS_JNL_PUT, ID(3), "c");
	add(c, FAMFS_JNL_LOGGED, ID(3), "");
	assert_int_equal(famfs_journal_load(c->path, c->im.sb, &r, &n, &valid),
			 0);
	assert_int_equal(n, 2);
	assert_int_equal(r[0].id, ID(1));
	assert_string_equal(r[0].name, "a2");
	assert_int_equal(r[1].type, FAMFS_JNL_LOGGED);
	assert_int_equal(valid, sizeof(struct famfs_omf_jnl_header) +
					6 * sizeof(struct famfs_omf_jnl_rec));
	free(r);
	assert_int_equal(famfs_journal_live(c->path, c->im.sb), 1);
}

/* A torn or corrupt record ends the journal: nothing after it counts. */
static void test_torn_tail(void **state)
{
	struct ctx *c = *state;
	struct famfs_omf_jnl_rec *r, bad;
	const off_t hs = sizeof(struct famfs_omf_jnl_header);
	uint64_t valid;
	size_t n;

	add(c, FAMFS_JNL_PUT, ID(1), "a");
	add(c, FAMFS_JNL_PUT, ID(2), "b");
	add(c, FAMFS_JNL_DEL, ID(1), "");
	/* Flip a byte of record 2: it and the DEL after it are void. */
	assert_int_equal(
		pread(c->fd, &bad, sizeof(bad), hs + (off_t)sizeof(bad)),
		(ssize_t)sizeof(bad));
	bad.name[0] ^= 1;
	assert_int_equal(
		pwrite(c->fd, &bad, sizeof(bad), hs + (off_t)sizeof(bad)),
		(ssize_t)sizeof(bad));
	assert_int_equal(famfs_journal_load(c->path, c->im.sb, &r, &n, &valid),
			 0);
	assert_int_equal(n, 1);
	assert_int_equal(r[0].id, ID(1)); /* its DEL was after the tear */
	assert_int_equal(valid, (uint64_t)hs + sizeof(bad));
	free(r);
	/* A half-written record at the end is ignored the same way. */
	assert_int_equal(ftruncate(c->fd, hs + (off_t)sizeof(bad) + 100), 0);
	assert_int_equal(famfs_journal_live(c->path, c->im.sb), 1);
}

/* A record out of sequence (a stale tail from an older file) ends it. */
static void test_sequence(void **state)
{
	struct ctx *c = *state;

	add(c, FAMFS_JNL_PUT, ID(1), "a");
	c->seq = 7;
	add(c, FAMFS_JNL_PUT, ID(2), "b");
	assert_int_equal(famfs_journal_live(c->path, c->im.sb), 1);
}

/* A journal cut back to its header (nothing journaled any more) starts a
 * new generation: a record of the old one left past the header by a lost
 * truncate ends the journal, though its sequence number fits. */
static void test_generation(void **state)
{
	struct ctx *c = *state;
	const off_t hs = sizeof(struct famfs_omf_jnl_header);
	struct famfs_omf_jnl_header h;
	struct famfs_omf_jnl_rec *r;
	uint64_t valid;
	size_t n;

	add(c, FAMFS_JNL_PUT, ID(1), "a");
	add(c, FAMFS_JNL_PUT, ID(2), "b");
	/* The cut: new header, new record 1 over the old; the truncate and
	 * the DELs before it never reached the disk. */
	famfs_journal_header_init(&h, c->im.sb, 1);
	assert_int_equal(pwrite(c->fd, &h, sizeof(h), 0), (ssize_t)sizeof(h));
	assert_int_equal(lseek(c->fd, hs, SEEK_SET), hs);
	c->seq = 0;
	c->gen = 1;
	add(c, FAMFS_JNL_PUT, ID(3), "c");
	assert_int_equal(famfs_journal_load(c->path, c->im.sb, &r, &n, &valid),
			 0);
	assert_int_equal(n, 1);
	assert_int_equal(r[0].id, ID(3));
	assert_int_equal(valid, hs + sizeof(*r));
	free(r);
	/* A record of the new generation after it counts. */
	add(c, FAMFS_JNL_PUT, ID(4), "d");
	assert_int_equal(famfs_journal_live(c->path, c->im.sb), 2);
}

/* Another file system's journal, or no journal at all. */
static void test_foreign(void **state)
{
	struct ctx *c = *state;
	struct famfs_omf_superblock other = *c->im.sb;
	struct famfs_omf_jnl_header h;

	add(c, FAMFS_JNL_PUT, ID(1), "a");
	other.fs_uuid.b[0] ^= 0xff;
	assert_int_equal(famfs_journal_live(c->path, &other), -ESTALE);
	other = *c->im.sb;
	other.daxdev.size += 2 << 20;
	assert_int_equal(famfs_journal_live(c->path, &other), -ESTALE);
	famfs_journal_header_init(&h, c->im.sb, 0);
	h.gen ^= 1; /* covered by the CRC */
	assert_int_equal(famfs_journal_header_check(&h, c->im.sb), -EBADMSG);
	h.magic ^= 1;
	assert_int_equal(famfs_journal_header_check(&h, c->im.sb), -EINVAL);
	unlink(c->path);
	assert_int_equal(famfs_journal_live(c->path, c->im.sb), 0);
}

/* Sealed records with bad fields are refused, not trusted. */
static void test_rec_fields(void **state)
{
	struct famfs_omf_jnl_rec r;

	(void)state;
	memset(&r, 0, sizeof(r));
	r.type = FAMFS_JNL_PUT;
	r.seq = 1;
	memset(r.name, 'x', sizeof(r.name)); /* no NUL */
	famfs_journal_rec_seal(&r);
	assert_int_equal(famfs_journal_rec_check(&r, 1, 0), -EINVAL);
	snprintf(r.name, sizeof(r.name), "ok");
	r.next = FAMFS_MAX_SIMPLE_EXTENTS + 1;
	famfs_journal_rec_seal(&r);
	assert_int_equal(famfs_journal_rec_check(&r, 1, 0), -EINVAL);
	r.next = 1;
	r.type = 9;
	famfs_journal_rec_seal(&r);
	assert_int_equal(famfs_journal_rec_check(&r, 1, 0), -EINVAL);
	r.type = FAMFS_JNL_PUT;
	famfs_journal_rec_seal(&r);
	assert_int_equal(famfs_journal_rec_check(&r, 1, 0), 0);
	assert_int_equal(famfs_journal_rec_check(&r, 2, 0), -EBADMSG);
}

/* famfs_ns_claim: all or nothing, used units refused. */
static void test_claim(void **state)
{
	struct ctx *c = *state;
	struct famfs_ns *ns;
	struct famfs_fmap m;
	uint64_t free0;

	assert_int_equal(famfs_ns_create(c->im.sb, &ns), 0);
	free0 = famfs_ns_free_bytes(ns);
	memset(&m, 0, sizeof(m));
	m.count = 2;
	m.ext[0].offset = 64ULL << 20;
	m.ext[0].len = 4 << 20;
	m.ext[1].offset = 128ULL << 20;
	m.ext[1].len = 2 << 20;
	assert_int_equal(famfs_ns_claim(ns, &m), 0);
	assert_int_equal(famfs_ns_free_bytes(ns), free0 - (6 << 20));
	m.ext[1].offset = 256ULL << 20; /* ext[0] now overlaps the claim */
	assert_int_equal(famfs_ns_claim(ns, &m), -EEXIST);
	assert_int_equal(famfs_ns_free_bytes(ns), free0 - (6 << 20));
	m.count = 1;
	m.ext[0].offset = 0; /* the superblock */
	assert_int_equal(famfs_ns_claim(ns, &m), -EEXIST);
	m.ext[0].offset = (64ULL << 20) + 4096;
	assert_int_equal(famfs_ns_claim(ns, &m), -EINVAL);
	m.ext[0].offset = 512ULL << 20;
	m.ext[1] = m.ext[0];
	m.count = 2; /* overlapping itself */
	assert_int_equal(famfs_ns_claim(ns, &m), -EEXIST);
	assert_int_equal(famfs_ns_free_bytes(ns), free0 - (6 << 20));
	famfs_ns_free(ns);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_path, setup, teardown),
		cmocka_unit_test_setup_teardown(test_last_wins, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_torn_tail, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_sequence, setup, teardown),
		cmocka_unit_test_setup_teardown(test_generation, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_foreign, setup, teardown),
		cmocka_unit_test(test_rec_fields),
		cmocka_unit_test_setup_teardown(test_claim, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
