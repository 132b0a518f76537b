// SPDX-License-Identifier: Apache-2.0
/* famfs_ns_replay into a namespace: structure, rules, torn and bad entries. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "testutil.h"

#define AU (2 * TU_MiB)
#define DATA0 (10 * TU_MiB)
#define LOGLEN (8 * TU_MiB)

/* What the reporter callback saw. */
struct seen {
	int n;
	struct famfs_err e[32];
};

static void reporter(void *arg, const struct famfs_err *err)
{
	struct seen *s = arg;

	if (s->n < 32)
		s->e[s->n] = *err;
	s->n++;
}

struct ctx {
	struct tu_image im;
	struct famfs_ns *ns;
	struct seen seen;
};

static int setup(void **state)
{
	struct ctx *c = calloc(1, sizeof(*c));

	tu_image_init(&c->im, 8 * TU_GiB, LOGLEN, 48);
	assert_int_equal(famfs_ns_create(c->im.sb, &c->ns), 0);
	famfs_ns_set_reporter(c->ns, reporter, &c->seen);
	*state = c;
	return 0;
}

static int teardown(void **state)
{
	struct ctx *c = *state;

	famfs_ns_free(c->ns);
	tu_image_free(&c->im);
	free(c);
	return 0;
}

static long replay(struct ctx *c)
{
	return famfs_ns_replay(c->ns, c->im.log, LOGLEN, NULL);
}

static void add_dir(struct ctx *c, const char *path, uint32_t mode)
{
	struct famfs_omf_log_entry e;

	assert_int_equal(famfs_entry_make_mkdir(&e, tu_image_next(&c->im), path,
						mode, 10, 20),
			 0);
	tu_image_append(&c->im, &e);
}

/* A file of @size bytes at data unit @unit (2 MiB each from DATA0). */
static void add_file(struct ctx *c, const char *path, uint64_t size,
		     uint64_t unit)
{
	struct famfs_omf_log_entry e;
	struct famfs_fmap m;
	uint64_t len = (size + AU - 1) / AU * AU;

	tu_fmap1(&m, DATA0 + unit * AU, len);
	assert_int_equal(famfs_entry_make_file(&e, tu_image_next(&c->im), path,
					       0640, 30, 40, size, &m),
			 0);
	tu_image_append(&c->im, &e);
}

static struct famfs_omf_log_entry *slot(struct ctx *c, uint64_t i)
{
	return (void *)(c->im.log + famfs_log_entry_offset(i));
}

static void expect_seen(struct ctx *c, int k, int64_t index, const char *fld)
{
	assert_true(c->seen.n > k);
	assert_int_equal(c->seen.e[k].index, index);
	assert_string_equal(c->seen.e[k].field, fld);
}

static void test_structure(void **state)
{
	struct ctx *c = *state;
	const struct famfs_node *root, *a, *b, *f, *g, *n;
	struct famfs_ns_stats st;

	add_dir(c, "a", 0755); /* 0 */
	add_dir(c, "a/b", 0700); /* 1 */
	add_file(c, "a/f", 4096, 0); /* 2 */
	add_file(c, "g", 3 * TU_MiB, 1); /* 3 */
	add_dir(c, "z", 01777); /* 4 */
	assert_int_equal(replay(c), 5);
	assert_int_equal(c->seen.n, 0);

	root = famfs_ns_resolve(c->ns, "");
	assert_non_null(root);
	assert_int_equal(root->ino, FAMFS_INO_ROOT);
	a = famfs_ns_resolve(c->ns, "a");
	b = famfs_ns_resolve(c->ns, "a/b");
	f = famfs_ns_resolve(c->ns, "a/f");
	g = famfs_ns_resolve(c->ns, "g");
	assert_non_null(a);
	assert_non_null(b);
	assert_non_null(f);
	assert_non_null(g);
	/* Inode numbers are 16 + log index, lookups agree. */
	assert_int_equal(a->ino, 16);
	assert_int_equal(b->ino, 17);
	assert_int_equal(f->ino, 18);
	assert_int_equal(g->ino, 19);
	assert_ptr_equal(famfs_ns_get(c->ns, 18), f);
	assert_ptr_equal(famfs_ns_lookup(c->ns, 16, "f"), f);
	assert_ptr_equal(famfs_ns_lookup(c->ns, FAMFS_INO_ROOT, "g"), g);
	assert_null(famfs_ns_lookup(c->ns, FAMFS_INO_ROOT, "f"));
	assert_null(famfs_ns_get(c->ns, 21));
	assert_int_equal(f->log_index, 2);
	assert_int_equal(f->parent, 16);
	assert_int_equal(b->parent, 16);
	/* Attributes. */
	assert_int_equal(a->mode, S_IFDIR | 0755);
	assert_int_equal(b->mode, S_IFDIR | 0700);
	assert_int_equal(famfs_ns_resolve(c->ns, "z")->mode, S_IFDIR | 01777);
	assert_int_equal(f->mode, S_IFREG | 0640);
	assert_int_equal(f->kind, FAMFS_NODE_FILE);
	assert_int_equal(a->kind, FAMFS_NODE_DIR);
	assert_int_equal(f->uid, 30);
	assert_int_equal(f->gid, 40);
	assert_int_equal(a->uid, 10);
	assert_int_equal(a->gid, 20);
	assert_int_equal(f->size, 4096);
	assert_int_equal(g->size, 3 * TU_MiB);
	assert_int_equal(a->size, 0);
	assert_non_null(g->fmap);
	assert_int_equal(g->fmap->ext[0].offset, DATA0 + AU);
	assert_int_equal(g->fmap->ext[0].len, 2 * AU);
	assert_null(a->fmap);
	/* nlink: dirs 2 + subdirs, files 1; root counts .meta too. */
	assert_int_equal(a->nlink, 3);
	assert_int_equal(b->nlink, 2);
	assert_int_equal(f->nlink, 1);
	assert_int_equal(root->nlink, 2 + 3); /* .meta, a, z */
	/* readdir order = creation order. */
	assert_int_equal(root->nchildren, 4);
	assert_int_equal(root->children[0], FAMFS_INO_META);
	assert_int_equal(root->children[1], 16);
	assert_int_equal(root->children[2], 19);
	assert_int_equal(root->children[3], 20);
	assert_int_equal(a->nchildren, 2);
	assert_int_equal(a->children[0], 17);
	assert_int_equal(a->children[1], 18);
	/* Path errors from resolve. */
	errno = 0;
	assert_null(famfs_ns_resolve(c->ns, "a/nope"));
	assert_int_equal(errno, ENOENT);
	assert_null(famfs_ns_resolve(c->ns, "g/x"));
	assert_int_equal(errno, ENOTDIR);
	/* The .meta files. */
	n = famfs_ns_resolve(c->ns, ".meta/.log");
	assert_non_null(n);
	assert_int_equal(n->ino, FAMFS_INO_LOG);
	assert_int_equal(n->size, LOGLEN);
	assert_int_equal(n->fmap->ext[0].offset, FAMFS_LOG_OFFSET);
	n = famfs_ns_resolve(c->ns, ".meta/.superblock");
	assert_int_equal(n->ino, FAMFS_INO_SUPERBLOCK);
	assert_int_equal(n->size, 2 * TU_MiB);
	/* Stats. */
	famfs_ns_stats(c->ns, &st);
	assert_int_equal(st.next_index, 5);
	assert_int_equal(st.files, 2);
	assert_int_equal(st.dirs, 3);
	assert_int_equal(st.bad, 0);
	assert_int_equal(st.collisions, 0);
	assert_int_equal(st.bytes, 4096 + 3 * TU_MiB);
	assert_int_equal(st.total_units, 8 * TU_GiB / AU);
	assert_int_equal(st.alloc_units, 5 + 1 + 2); /* sb + log, files */
	assert_int_equal(famfs_ns_free_bytes(c->ns), 8 * TU_GiB - (5 + 3) * AU);
}

static void test_missing_parent(void **state)
{
	struct ctx *c = *state;
	struct famfs_ns_stats st;

	add_dir(c, "a", 0755); /* 0 */
	add_dir(c, "x/y", 0755); /* 1: no x */
	add_file(c, "x/f", 1, 0); /* 2: no x */
	add_dir(c, "a/c", 0755); /* 3: fine */
	assert_int_equal(replay(c), 4);
	assert_int_equal(c->seen.n, 2);
	expect_seen(c, 0, 1, "relpath");
	expect_seen(c, 1, 2, "relpath");
	assert_null(famfs_ns_get(c->ns, 17));
	assert_null(famfs_ns_get(c->ns, 18));
	assert_non_null(famfs_ns_resolve(c->ns, "a/c"));
	famfs_ns_stats(c->ns, &st);
	assert_int_equal(st.bad, 2);
	assert_int_equal(st.dirs, 2);
	assert_int_equal(st.files, 0);
	/* A rejected file still holds its space; its name has no parent. */
	assert_int_equal(st.alloc_units, 5 + 1);
	assert_int_equal(st.rejected_units, 1);
	assert_int_equal(c->seen.e[1].kind, FAMFS_ERR_INVALID);
}

static void test_parent_is_file(void **state)
{
	struct ctx *c = *state;

	add_file(c, "f", 1, 0); /* 0 */
	add_dir(c, "f/d", 0755); /* 1 */
	add_file(c, "f/g", 1, 1); /* 2 */
	add_dir(c, "f/d/e", 0755); /* 3 */
	assert_int_equal(replay(c), 4);
	assert_int_equal(c->seen.n, 3);
	expect_seen(c, 0, 1, "relpath");
	expect_seen(c, 1, 2, "relpath");
	expect_seen(c, 2, 3, "relpath");
	assert_non_null(strstr(c->seen.e[0].msg, "file"));
	assert_int_equal(famfs_ns_resolve(c->ns, "")->nchildren, 2);
}

static void test_duplicate(void **state)
{
	struct ctx *c = *state;
	const struct famfs_node *n;
	struct famfs_ns_stats st;

	add_dir(c, "d", 0755); /* 0 */
	add_file(c, "d/f", 100, 0); /* 1 */
	add_file(c, "d/f", 200, 1); /* 2: same path */
	add_dir(c, "d", 0700); /* 3: same path */
	add_dir(c, "d/f", 0700); /* 4: a dir over the file */
	assert_int_equal(replay(c), 5);
	assert_int_equal(c->seen.n, 3);
	expect_seen(c, 0, 2, "relpath");
	expect_seen(c, 1, 3, "relpath");
	expect_seen(c, 2, 4, "relpath");
	n = famfs_ns_resolve(c->ns, "d/f");
	assert_int_equal(n->ino, 17);
	assert_int_equal(n->size, 100);
	assert_int_equal(famfs_ns_resolve(c->ns, "d")->mode, S_IFDIR | 0755);
	assert_int_equal(famfs_ns_resolve(c->ns, "d")->nchildren, 1);
	famfs_ns_stats(c->ns, &st);
	assert_int_equal(st.bad, 3);
	/* Entry 2 is not served but keeps its unit (upstream serves it). */
	assert_int_equal(st.alloc_units, 5 + 2);
	assert_int_equal(st.rejected_units, 1);
	assert_int_equal(st.collisions, 0);
}

static void test_bad_entries_skipped(void **state)
{
	struct ctx *c = *state;
	struct famfs_omf_log_entry *e;
	struct famfs_ns_stats st;

	add_dir(c, "a", 0755); /* 0 */
	add_file(c, "a/unaligned", 1, 0); /* 1: made bad below */
	add_dir(c, "a/mode", 0755); /* 2: made bad below */
	add_dir(c, "placeholder", 0755); /* 3: replaced below */
	add_file(c, "ok", 1, 3); /* 4 */
	e = slot(c, 1);
	e->u.file.fmap.u.se[0].offset += 4096;
	tu_seal(e);
	e = slot(c, 2);
	e->u.mkdir.mode = 0100755;
	tu_seal(e);
	e = slot(c, 3);
	memset(e, 0, sizeof(*e));
	e->seqnum = 3;
	e->type = 2; /* DELETE: reserved, never written */
	tu_seal(e);
	assert_int_equal(replay(c), 5);
	assert_int_equal(c->seen.n, 3);
	expect_seen(c, 0, 1, "fmap.se[0]");
	expect_seen(c, 1, 2, "mode");
	expect_seen(c, 2, 3, "type");
	assert_null(famfs_ns_resolve(c->ns, "a/unaligned"));
	assert_null(famfs_ns_resolve(c->ns, "a/mode"));
	assert_int_equal(famfs_ns_resolve(c->ns, "ok")->ino, 20);
	famfs_ns_stats(c->ns, &st);
	assert_int_equal(st.bad, 3);
	assert_int_equal(st.next_index, 5);
	/* Not served, but the names are held and so are the units the
	 * unaligned extent touches (two: it straddles a boundary). */
	assert_int_equal(famfs_ns_name_held(c->ns, 16, "unaligned"), 1);
	assert_int_equal(famfs_ns_name_held(c->ns, 16, "mode"), 2);
	assert_int_equal(famfs_ns_name_held(c->ns, 16, "other"), -2);
	assert_null(famfs_ns_lookup(c->ns, 16, "unaligned"));
	assert_null(famfs_ns_get(c->ns, 17));
	assert_int_equal(famfs_ns_resolve(c->ns, "a")->nchildren, 0);
	assert_int_equal(famfs_ns_resolve(c->ns, "a")->nlink, 2);
	assert_int_equal(st.rejected_units, 2);
	assert_int_equal(st.alloc_units, 5 + 2 + 1);
	assert_int_equal(famfs_ns_health(c->ns), 0);
}

static void test_meta_path_rejected(void **state)
{
	struct ctx *c = *state;
	struct famfs_omf_log_entry *e;

	add_dir(c, "meta", 0755);
	e = slot(c, 0);
	memcpy(e->u.mkdir.relpath, ".meta", 5);
	tu_seal(e);
	assert_int_equal(replay(c), 1);
	expect_seen(c, 0, 0, "relpath");
	/* .meta is still the synthetic directory. */
	assert_int_equal(famfs_ns_resolve(c->ns, ".meta")->ino, FAMFS_INO_META);
}

static void test_torn_and_resume(void **state)
{
	struct ctx *c = *state;
	struct famfs_alloc_req r = { .size = 1 };
	struct famfs_omf_log_entry *e;
	struct famfs_ns_stats st;
	struct famfs_fmap m;

	add_dir(c, "a", 0755); /* 0 */
	add_dir(c, "b", 0755); /* 1 */
	add_dir(c, "c", 0755); /* 2: torn, the tail */
	e = slot(c, 2);
	e->u.mkdir.relpath[0] ^= 1; /* CRC no longer matches */
	assert_int_equal(replay(c), -EBADMSG);
	/* Entries before it are applied; it is not counted as bad. */
	famfs_ns_stats(c->ns, &st);
	assert_int_equal(st.next_index, 2);
	assert_int_equal(st.torn, 1);
	assert_int_equal(st.bad, 0);
	assert_non_null(famfs_ns_resolve(c->ns, "b"));
	assert_int_equal(c->seen.n, 1);
	expect_seen(c, 0, 2, "crc");
	assert_int_equal(c->seen.e[0].kind, FAMFS_ERR_TORN);
	/* Nothing is allocated on top of a log not read whole. */
	assert_int_equal(famfs_ns_health(c->ns), -EBADMSG);
	assert_int_equal(famfs_ns_alloc(c->ns, &r, &m), -EBADMSG);
	/* Still torn: same answer, reported only once. */
	assert_int_equal(replay(c), -EBADMSG);
	assert_int_equal(c->seen.n, 1);
	/* The writer finishes the entry: replay resumes at 2. */
	e->u.mkdir.relpath[0] ^= 1;
	add_dir(c, "d", 0755); /* 3 */
	assert_int_equal(replay(c), 2);
	assert_int_equal(famfs_ns_resolve(c->ns, "c")->ino, 18);
	assert_int_equal(famfs_ns_resolve(c->ns, "d")->ino, 19);
	famfs_ns_stats(c->ns, &st);
	assert_int_equal(st.bad, 0);
	assert_int_equal(st.torn, 0);
	assert_int_equal(st.dirs, 4);
	assert_int_equal(famfs_ns_health(c->ns), 0);
	assert_int_equal(famfs_ns_alloc(c->ns, &r, &m), 0);
}

/*
 * A torn entry that a later good entry follows can never be completed
 * (writers finish one entry before the next): it becomes corrupt, is
 * reported again as such, skipped, and the namespace turns read-only.
 */
static void test_torn_then_corrupt(void **state)
{
	struct ctx *c = *state;
	struct famfs_alloc_req r = { .size = 1 };
	struct famfs_ns_stats st;
	struct famfs_fmap m;

	add_dir(c, "a", 0755); /* 0 */
	add_dir(c, "b", 0755); /* 1: never completed */
	slot(c, 1)->crc ^= 1;
	assert_int_equal(replay(c), -EBADMSG);
	add_dir(c, "c", 0755); /* 2 */
	assert_int_equal(replay(c), 2);
	assert_int_equal(c->seen.n, 2);
	expect_seen(c, 0, 1, "crc");
	expect_seen(c, 1, 1, "crc");
	assert_int_equal(c->seen.e[0].kind, FAMFS_ERR_TORN);
	assert_int_equal(c->seen.e[1].kind, FAMFS_ERR_CORRUPT);
	assert_null(famfs_ns_resolve(c->ns, "b"));
	assert_int_equal(famfs_ns_resolve(c->ns, "c")->ino, 18);
	famfs_ns_stats(c->ns, &st);
	assert_int_equal(st.bad, 1);
	assert_int_equal(st.corrupt, 1);
	assert_int_equal(st.torn, 0);
	assert_int_equal(famfs_ns_health(c->ns), -EUCLEAN);
	assert_int_equal(famfs_ns_alloc(c->ns, &r, &m), -EUCLEAN);
	m.type = FAMFS_FMAP_SIMPLE;
	m.count = 0;
	assert_int_equal(famfs_ns_alloc_grow(c->ns, &m, 1), -EUCLEAN);
}

static void test_torn_seqnum(void **state)
{
	struct ctx *c = *state;
	struct famfs_omf_log_entry *e;

	add_dir(c, "a", 0755);
	add_dir(c, "b", 0755);
	/* Header visible before the entry: slot 1 still zero. */
	memset(slot(c, 1), 0, sizeof(*e));
	assert_int_equal(replay(c), -EBADMSG);
	expect_seen(c, 0, 1, "seqnum");
	assert_non_null(famfs_ns_resolve(c->ns, "a"));
}

static void test_incremental(void **state)
{
	struct ctx *c = *state;
	struct famfs_ns_stats st;

	assert_int_equal(replay(c), 0); /* empty log */
	add_dir(c, "a", 0755);
	add_file(c, "a/f", 1, 0);
	assert_int_equal(replay(c), 2);
	assert_int_equal(replay(c), 0); /* nothing new */
	add_dir(c, "a/b", 0755);
	add_file(c, "a/b/g", 1, 1);
	add_dir(c, "c", 0755);
	assert_int_equal(replay(c), 3);
	famfs_ns_stats(c->ns, &st);
	assert_int_equal(st.next_index, 5);
	assert_int_equal(st.dirs, 3);
	assert_int_equal(st.files, 2);
	assert_int_equal(st.bad, 0);
	assert_int_equal(st.collisions, 0);
	assert_int_equal(famfs_ns_resolve(c->ns, "a")->nchildren, 2);
	assert_int_equal(famfs_ns_resolve(c->ns, "a/b/g")->ino, 19);
}

/* A corrupt entry in mid-log (later ones good) is skipped by every reader;
 * a corrupt FILE entry holds nothing, since none of it can be trusted. */
static void test_corrupt_skipped(void **state)
{
	struct ctx *c = *state;
	struct famfs_ns_stats st;

	add_dir(c, "a", 0755);
	add_file(c, "b", 1, 0);
	add_dir(c, "c", 0755);
	slot(c, 1)->crc ^= 1;
	assert_int_equal(replay(c), 3);
	assert_int_equal(c->seen.n, 1);
	expect_seen(c, 0, 1, "crc");
	assert_int_equal(c->seen.e[0].kind, FAMFS_ERR_CORRUPT);
	assert_null(famfs_ns_resolve(c->ns, "b"));
	assert_int_equal(famfs_ns_name_held(c->ns, FAMFS_INO_ROOT, "b"), -2);
	assert_int_equal(famfs_ns_resolve(c->ns, "c")->ino, 18);
	famfs_ns_stats(c->ns, &st);
	assert_int_equal(st.bad, 1);
	assert_int_equal(st.corrupt, 1);
	assert_int_equal(st.next_index, 3);
	assert_int_equal(st.alloc_units, 5);
	/* A bad seqnum is the same class. */
	add_dir(c, "d", 0755);
	add_dir(c, "e", 0755);
	slot(c, 3)->seqnum = 7;
	tu_seal(slot(c, 3));
	assert_int_equal(replay(c), 2);
	expect_seen(c, 1, 3, "seqnum");
	assert_int_equal(c->seen.e[1].kind, FAMFS_ERR_CORRUPT);
}

/* Simulated non-coherent memory: the entry is complete after invalidate. */
static int inval_calls;

static void fix_on_invalidate(const void *addr, size_t len)
{
	struct famfs_omf_log_entry *e = (void *)addr;

	inval_calls++;
	if (len == sizeof(*e) && e->crc != famfs_crc(e, 536))
		e->u.mkdir.relpath[0] ^= 1;
}

static void test_invalidate_retry(void **state)
{
	struct ctx *c = *state;

	add_dir(c, "a", 0755);
	slot(c, 0)->u.mkdir.relpath[0] ^= 1;
	inval_calls = 0;
	assert_int_equal(
		famfs_ns_replay(c->ns, c->im.log, LOGLEN, fix_on_invalidate),
		1);
	assert_true(inval_calls >= 2); /* header, then the entry */
	assert_int_equal(c->seen.n, 0);
	assert_non_null(famfs_ns_resolve(c->ns, "a"));
}

/*
 * Collisions: the earlier entry wins; the loser is not served, keeps its
 * other units and its name, and is reported once, naming the winner.
 */
static void test_collision(void **state)
{
	struct ctx *c = *state;
	struct famfs_ns_stats st;

	add_file(c, "f1", 3 * AU, 0); /* 0: units 0..2 */
	add_file(c, "f2", 2 * AU, 2); /* 1: units 2..3: one shared */
	add_file(c, "f3", 4 * AU, 0); /* 2: units 0..3: all shared */
	add_file(c, "f4", 1 * AU, 3); /* 3: unit 3, held by the loser f2 */
	add_file(c, "f2", 1 * AU, 9); /* 4: the name the loser holds */
	add_file(c, "f5", 1 * AU, 8); /* 5: fine */
	assert_int_equal(replay(c), 6);
	famfs_ns_stats(c->ns, &st);
	assert_int_equal(c->seen.n, 4);
	expect_seen(c, 0, 1, "fmap");
	expect_seen(c, 1, 2, "fmap");
	expect_seen(c, 2, 3, "fmap");
	expect_seen(c, 3, 4, "relpath");
	assert_int_equal(c->seen.e[0].kind, FAMFS_ERR_COLLISION);
	assert_int_equal(c->seen.e[1].kind, FAMFS_ERR_COLLISION);
	assert_int_equal(c->seen.e[2].kind, FAMFS_ERR_COLLISION);
	assert_int_equal(c->seen.e[3].kind, FAMFS_ERR_INVALID);
	assert_non_null(strstr(c->seen.e[0].msg, "held by entry 0"));
	assert_non_null(strstr(c->seen.e[1].msg, "held by entry 0"));
	assert_non_null(strstr(c->seen.e[2].msg, "earlier rejected entry"));
	assert_non_null(strstr(c->seen.e[3].msg, "itself rejected"));
	assert_int_equal(st.files, 2);
	assert_int_equal(st.bad, 4);
	assert_int_equal(st.collisions, 3);
	/* f2 took unit 3 and f2 (entry 4) unit 9: no file serves them. */
	assert_int_equal(st.rejected_units, 2);
	assert_int_equal(st.alloc_units, 5 + 4 + 1 + 1);
	assert_null(famfs_ns_resolve(c->ns, "f2"));
	assert_null(famfs_ns_resolve(c->ns, "f3"));
	assert_int_equal(famfs_ns_name_held(c->ns, FAMFS_INO_ROOT, "f2"), 1);
	assert_int_equal(famfs_ns_resolve(c->ns, "f1")->ino, 16);
	assert_int_equal(famfs_ns_resolve(c->ns, "f5")->ino, 21);
	assert_int_equal(famfs_ns_resolve(c->ns, "")->nchildren, 3);
	assert_int_equal(famfs_ns_health(c->ns), 0);
}

/* A map that overlaps itself is invalid; so is one in the log area. */
static void test_collision_self_and_meta(void **state)
{
	struct ctx *c = *state;
	struct famfs_omf_log_entry e;
	struct famfs_fmap m;

	tu_fmap1(&m, DATA0, 2 * AU);
	m.count = 2;
	m.ext[1] = m.ext[0];
	m.ext[1].offset = DATA0 + AU;
	assert_int_equal(
		famfs_entry_make_file(&e, 0, "self", 0644, 0, 0, 3 * AU, &m),
		0);
	tu_image_append(&c->im, &e);
	tu_fmap1(&m, FAMFS_LOG_OFFSET, AU);
	assert_int_equal(
		famfs_entry_make_file(&e, 1, "log", 0644, 0, 0, AU, &m), 0);
	tu_image_append(&c->im, &e);
	add_file(c, "after", 1, 2); /* unit 2: held by "self" */
	assert_int_equal(replay(c), 3);
	assert_int_equal(c->seen.n, 3);
	expect_seen(c, 0, 0, "fmap.se[1]");
	assert_non_null(strstr(c->seen.e[0].msg, "overlaps se[0]"));
	expect_seen(c, 1, 1, "fmap.se[0]");
	expect_seen(c, 2, 2, "fmap");
	assert_non_null(strstr(c->seen.e[2].msg, "earlier rejected"));
}

static void test_bad_header(void **state)
{
	struct ctx *c = *state;
	struct famfs_omf_log_header *h = (void *)c->im.log;

	add_dir(c, "a", 0755);
	h->last_index++;
	assert_int_equal(replay(c), -EBADMSG);
	expect_seen(c, 0, -1, "log.crc");
	h->last_index--;
	h->next_seqnum++;
	assert_int_equal(replay(c), -EUCLEAN);
	expect_seen(c, 1, -1, "log.next_seqnum");
	h->next_seqnum--;
	/* A log of the wrong length. */
	assert_int_equal(famfs_ns_replay(c->ns, c->im.log, 2 * LOGLEN, NULL),
			 -EINVAL);
	assert_int_equal(replay(c), 1);
}

static void test_add_daxdev(void **state)
{
	struct ctx *c = *state;
	struct famfs_omf_log_entry e;
	struct famfs_omf_uuid u;
	struct famfs_fmap m;
	const struct famfs_geom *g;
	struct famfs_ns_stats st;

	tu_uuid(&u, "11111111-2222-4333-8444-555555555555");
	tu_fmap1(&m, 0, AU); /* offset 0 is fine on a secondary device */
	m.ext[0].devindex = 1;
	/* 0: a file on device 1 before the device exists. */
	assert_int_equal(
		famfs_entry_make_file(&e, 0, "early", 0644, 0, 0, 1, &m), 0);
	tu_image_append(&c->im, &e);
	/* 1: the device. */
	assert_int_equal(famfs_entry_make_daxdev(&e, 1, 16 * TU_GiB, &u, 1), 0);
	tu_image_append(&c->im, &e);
	/* 2: now it is valid. */
	assert_int_equal(
		famfs_entry_make_file(&e, 2, "late", 0644, 0, 0, 1, &m), 0);
	tu_image_append(&c->im, &e);
	/* 3: the same device again. */
	assert_int_equal(famfs_entry_make_daxdev(&e, 3, 16 * TU_GiB, &u, 2), 0);
	tu_image_append(&c->im, &e);
	assert_int_equal(replay(c), 4);
	assert_int_equal(c->seen.n, 2);
	expect_seen(c, 0, 0, "fmap.se[0]");
	expect_seen(c, 1, 3, "dd_uuid");
	g = famfs_ns_geom(c->ns);
	assert_int_equal(g->ndevs, 2);
	assert_int_equal(g->dev_size[1], 16 * TU_GiB);
	assert_memory_equal(&g->dev_uuid[1], &u, 16);
	assert_null(famfs_ns_resolve(c->ns, "early"));
	assert_int_equal(famfs_ns_resolve(c->ns, "late")->ino, 18);
	assert_int_equal(famfs_ns_resolve(c->ns, "late")->fmap->ext[0].devindex,
			 1);
	famfs_ns_stats(c->ns, &st);
	assert_int_equal(st.daxdevs, 1);
	assert_int_equal(st.files, 1);
	/* Device 1 space does not count against device 0. */
	assert_int_equal(st.alloc_units, 5);
}

static void test_apply_own(void **state)
{
	struct ctx *c = *state;
	struct famfs_alloc_req r = { .size = 5 * TU_MiB };
	struct famfs_omf_log_entry e;
	struct famfs_fmap m;
	struct famfs_ns_stats st;

	assert_int_equal(famfs_ns_alloc(c->ns, &r, &m), 0);
	assert_int_equal(
		famfs_entry_make_file(&e, 0, "mine", 0644, 0, 0, r.size, &m),
		0);
	assert_int_equal(famfs_ns_apply_own(c->ns, &e), 0);
	famfs_ns_stats(c->ns, &st);
	assert_int_equal(st.collisions, 0);
	assert_int_equal(st.files, 1);
	assert_int_equal(st.next_index, 1);
	assert_int_equal(famfs_ns_resolve(c->ns, "mine")->ino, 16);
	/* Not the next index. */
	assert_int_equal(famfs_entry_make_mkdir(&e, 5, "d", 0755, 0, 0), 0);
	assert_int_equal(famfs_ns_apply_own(c->ns, &e), -EINVAL);
	/* Duplicate path. */
	assert_int_equal(famfs_entry_make_mkdir(&e, 1, "mine", 0755, 0, 0), 0);
	assert_int_equal(famfs_ns_apply_own(c->ns, &e), -EEXIST);
	famfs_ns_stats(c->ns, &st);
	assert_int_equal(st.next_index, 1);
}

static void test_ns_create_bad_sb(void **state)
{
	struct ctx *c = *state;
	struct famfs_ns *ns = NULL;

	c->im.sb->version = 46;
	famfs_sb_seal(c->im.sb);
	assert_int_equal(famfs_ns_create(c->im.sb, &ns), -EINVAL);
	assert_null(ns);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_structure),	     T(test_missing_parent),
		T(test_parent_is_file),	     T(test_duplicate),
		T(test_bad_entries_skipped), T(test_meta_path_rejected),
		T(test_torn_and_resume),     T(test_torn_seqnum),
		T(test_incremental),	     T(test_corrupt_skipped),
		T(test_torn_then_corrupt),   T(test_collision_self_and_meta),
		T(test_invalidate_retry),    T(test_collision),
		T(test_bad_header),	     T(test_add_daxdev),
		T(test_apply_own),	     T(test_ns_create_bad_sb),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
