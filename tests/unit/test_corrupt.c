// SPDX-License-Identifier: Apache-2.0
/*
 * Corruption corpus built from the fixtures at run time: bit flips in every
 * field of the superblock, the log header and the entries (with the CRC
 * recomputed, so semantic validation runs, and without, so the CRC check
 * runs), torn and truncated entries and images, bad header counters. Each
 * case asserts the exact errno, the entry index and the field named, and
 * that replay applied every other valid entry.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "testutil.h"

#define NFIX 3
#define MAX_REPORTS 8192

struct fx {
	const char *name;
	uint8_t *meta;
	uint64_t len;
	struct famfs_omf_superblock *sb;
	uint8_t *log;
	uint64_t nent; /* header next_index */
	uint64_t files, dirs; /* clean replay */
	struct famfs_ns *base; /* the clean namespace */
	uint8_t *pristine; /* meta as loaded */
};

static struct fx fixtures[NFIX] = {
	{ .name = "v48-basic" },
	{ .name = "v48-many2000" },
	{ .name = "v48-full" },
};

struct rep {
	uint64_t n;
	int64_t index[MAX_REPORTS];
	char field[MAX_REPORTS][48];
};

static struct rep rep;

static void on_report(void *arg, const struct famfs_err *err)
{
	(void)arg;
	assert_true(err->field[0] != '\0');
	assert_true(err->msg[0] != '\0');
	if (rep.n < MAX_REPORTS) {
		rep.index[rep.n] = err->index;
		snprintf(rep.field[rep.n], sizeof(rep.field[0]), "%s",
			 err->field);
	}
	rep.n++;
}

static struct famfs_omf_log_entry *ent(struct fx *f, uint64_t i)
{
	return (struct famfs_omf_log_entry *)(f->log +
					      famfs_log_entry_offset(i));
}

static struct famfs_omf_log_header *hdr(struct fx *f)
{
	return (struct famfs_omf_log_header *)f->log;
}

static const char *path_of(const struct famfs_omf_log_entry *e)
{
	return e->type == FAMFS_OMF_LOG_FILE ? e->u.file.relpath :
					       e->u.mkdir.relpath;
}

static void reseal(struct famfs_omf_log_entry *e)
{
	e->crc = famfs_crc(e, FAMFS_LOG_ENTRY_CRC_LEN);
}

/* Replay @f's log into a fresh namespace; reports go to rep. */
static long replay(struct fx *f, unsigned flags, struct famfs_ns **nsp,
		   struct famfs_ns_stats *st)
{
	struct famfs_ns *ns;
	long rc;

	memset(&rep, 0, sizeof(rep));
	assert_int_equal(famfs_ns_create(f->sb, &ns), 0);
	famfs_ns_set_reporter(ns, on_report, NULL);
	rc = famfs_ns_replay(ns, f->log, f->sb->log_len, flags, NULL);
	famfs_ns_stats(ns, st);
	*nsp = ns;
	return rc;
}

static int setup(void **state)
{
	(void)state;
	for (int i = 0; i < NFIX; i++) {
		struct fx *f = &fixtures[i];
		struct famfs_ns_stats st;
		struct famfs_ns *ns;

		f->meta = tu_fixture_meta(f->name, &f->len);
		if (!f->meta) {
			fprintf(stderr,
				"fixture %s not found (FAMFS_FIXTURES)\n",
				f->name);
			return -1;
		}
		f->pristine = malloc(f->len);
		if (!f->pristine)
			return -1;
		memcpy(f->pristine, f->meta, f->len);
		f->sb = (struct famfs_omf_superblock *)f->meta;
		f->log = f->meta + FAMFS_LOG_OFFSET;
		f->nent = hdr(f)->next_index;
		assert_int_equal(replay(f, 0, &ns, &st), (long)f->nent);
		assert_int_equal(st.bad, 0);
		f->files = st.files;
		f->dirs = st.dirs;
		f->base = ns;
	}
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	for (int i = 0; i < NFIX; i++) {
		famfs_ns_free(fixtures[i].base);
		free(fixtures[i].meta);
		free(fixtures[i].pristine);
	}
	return 0;
}

/* Undo whatever a failed test left behind. */
static int reset(void **state)
{
	(void)state;
	for (int i = 0; i < NFIX; i++) {
		struct fx *f = &fixtures[i];

		memcpy(f->meta, f->pristine, f->len);
		f->nent = hdr(f)->next_index;
	}
	return 0;
}

/* ---- checking replay results ------------------------------------------- */

/* Is entry @i inside directory path @dir (a descendant)? */
static bool under(struct fx *f, uint64_t i, const char *dir)
{
	size_t n = strlen(dir);
	const char *p = path_of(ent(f, i));

	return !strncmp(p, dir, n) && p[n] == '/';
}

/*
 * Expect: replay consumed everything; entry @k rejected with @field (NULL:
 * applied, at @newpath if not NULL); when @k is a directory that ends up
 * rejected or renamed, its descendants are rejected as "relpath"; every
 * other entry is applied at its path. @orig is @k's path before corruption.
 */
static void want_replay(struct fx *f, unsigned flags, uint64_t k,
			const char *field, const char *newpath,
			const char *orig)
{
	struct famfs_ns_stats st;
	struct famfs_ns *ns;
	const struct famfs_node *kn =
		famfs_ns_get(f->base, FAMFS_INO_LOG_BASE + k);
	bool dir = kn && kn->kind == FAMFS_NODE_DIR;
	bool lost = dir && (field || newpath);
	uint64_t r = 0, bad = 0;

	assert_int_equal(replay(f, flags, &ns, &st), (long)f->nent);
	for (uint64_t i = 0; i < f->nent; i++) {
		const struct famfs_node *n;
		bool rejected = (i == k && field) ||
				(i > k && lost && under(f, i, orig));

		if (rejected) {
			assert_true(r < rep.n);
			assert_int_equal(rep.index[r], (int64_t)i);
			assert_string_equal(rep.field[r],
					    i == k ? field : "relpath");
			r++;
			bad++;
			assert_null(famfs_ns_get(ns, FAMFS_INO_LOG_BASE + i));
			continue;
		}
		n = famfs_ns_resolve(
			ns, i == k && newpath ? newpath : path_of(ent(f, i)));
		assert_non_null(n);
		assert_int_equal(n->log_index, (int64_t)i);
	}
	if (newpath)
		assert_null(famfs_ns_resolve(ns, orig));
	assert_int_equal(rep.n, r);
	assert_int_equal(st.bad, bad);
	assert_int_equal(st.files + st.dirs + bad, f->nent);
	famfs_ns_free(ns);
}

/* Entry @k is torn (@field is "crc" or "seqnum"): default replay stops
 * there with everything before applied; SKIP_TORN rejects only it. */
static void want_torn(struct fx *f, uint64_t k, const char *field,
		      const char *orig)
{
	struct famfs_ns_stats st;
	struct famfs_ns *ns;
	struct famfs_geom g;
	struct famfs_err err;

	famfs_geom_from_sb(&g, f->sb);
	assert_int_equal(famfs_entry_check(ent(f, k), k, &g, &err), -EBADMSG);
	assert_int_equal(err.index, (int64_t)k);
	assert_string_equal(err.field, field);

	assert_int_equal(replay(f, 0, &ns, &st), -EBADMSG);
	assert_int_equal(st.next_index, k);
	assert_int_equal(rep.n, 1);
	assert_int_equal(rep.index[0], (int64_t)k);
	assert_string_equal(rep.field[0], field);
	for (uint64_t i = 0; i < f->nent; i++) {
		const struct famfs_node *n =
			famfs_ns_resolve(ns, path_of(ent(f, i)));

		if (i < k) {
			assert_non_null(n);
			assert_int_equal(n->log_index, (int64_t)i);
		} else {
			assert_null(famfs_ns_get(ns, FAMFS_INO_LOG_BASE + i));
		}
	}
	/* Asking again reports nothing new. */
	assert_int_equal(famfs_ns_replay(ns, f->log, f->sb->log_len, 0, NULL),
			 -EBADMSG);
	assert_int_equal(rep.n, 1);
	famfs_ns_free(ns);

	/* SKIP_TORN: the rest (bar k's descendants) is applied. */
	want_replay(f, FAMFS_REPLAY_SKIP_TORN, k, field, NULL, orig);
}

/* Entry check alone: @code and @field named at index @k. */
static void want_check(struct fx *f, uint64_t k, int code, const char *field)
{
	struct famfs_geom g;
	struct famfs_err err;

	famfs_geom_from_sb(&g, f->sb);
	famfs_err_clear(&err);
	assert_int_equal(famfs_entry_check(ent(f, k), k, &g, &err), code);
	if (code) {
		assert_int_equal(err.index, (int64_t)k);
		assert_string_equal(err.field, field);
	}
}

/* ---- entry corruptions -------------------------------------------------- */

enum op { XOR, SET, ADD };
enum want { REJECT, ACCEPT, TORN };

struct ecase {
	const char *what;
	unsigned off, width; /* bytes into the entry; 1, 4 or 8 */
	enum op op;
	uint64_t val;
	enum want want;
	int code;
	const char *field;
};

static void mutate(uint8_t *p, unsigned width, enum op op, uint64_t val)
{
	uint64_t v = 0;

	memcpy(&v, p, width);
	v = op == XOR ? v ^ val : op == SET ? val : v + val;
	memcpy(p, &v, width);
}

static const struct ecase common_cases[] = {
	{ "seqnum", 0, 8, XOR, 1ULL << 40, TORN, -EBADMSG, "seqnum" },
	{ "type", 8, 4, XOR, 0x10, REJECT, -EINVAL, "type" },
	{ "pad", 12, 4, XOR, 1, REJECT, -EINVAL, "pad" },
	{ "crc", 536, 8, XOR, 1, TORN, -EBADMSG, "crc" },
	{ "crc.high", 536, 8, XOR, 1ULL << 32, TORN, -EBADMSG, "crc" },
};

static const struct ecase file_cases[] = {
	{ "size.huge", 16, 8, XOR, 1ULL << 62, REJECT, -EINVAL, "fmap" },
	{ "size.zero", 16, 8, SET, 0, REJECT, -EINVAL, "size" },
	{ "flags.unknown", 24, 4, XOR, 4, REJECT, -EINVAL, "flags" },
	{ "flags.ro", 24, 4, XOR, 1, ACCEPT, 0, NULL },
	{ "uid", 28, 4, XOR, 1u << 31, ACCEPT, 0, NULL },
	{ "gid", 32, 4, XOR, 1u << 31, ACCEPT, 0, NULL },
	{ "mode.ifmt", 36, 4, XOR, 0x1000, REJECT, -EINVAL, "mode" },
	{ "mode.sticky", 36, 4, XOR, 01000, ACCEPT, 0, NULL },
	{ "fmap.ext_type", 120, 4, XOR, 2, REJECT, -EINVAL, "fmap.ext_type" },
	{ "fmap.pad0", 124, 4, XOR, 1, REJECT, -EINVAL, "fmap.pad" },
	{ "fmap.pad1", 132, 4, XOR, 1, REJECT, -EINVAL, "fmap.pad" },
};

/* Simple maps with one extent. */
static const struct ecase simple_cases[] = {
	{ "nextents.0", 128, 4, SET, 0, REJECT, -EINVAL, "fmap.nextents" },
	{ "nextents.17", 128, 4, SET, 17, REJECT, -EINVAL, "fmap.nextents" },
	{ "nextents+1", 128, 4, ADD, 1, REJECT, -EINVAL, "fmap.se[1]" },
	{ "se0.devindex", 136, 8, XOR, 1, REJECT, -EINVAL, "fmap.se[0]" },
	{ "se0.offset.align", 144, 8, XOR, 1 << 12, REJECT, -EINVAL,
	  "fmap.se[0]" },
	{ "se0.offset.end", 144, 8, XOR, 1ULL << 45, REJECT, -EINVAL,
	  "fmap.se[0]" },
	{ "se0.offset.sb", 144, 8, SET, 0, REJECT, -EINVAL, "fmap.se[0]" },
	{ "se0.offset.log", 144, 8, SET, 4 << 20, REJECT, -EINVAL,
	  "fmap.se[0]" },
	{ "se0.len.align", 152, 8, XOR, 1, REJECT, -EINVAL, "fmap.se[0]" },
	{ "se0.len.zero", 152, 8, SET, 0, REJECT, -EINVAL, "fmap.se[0]" },
	{ "se0.len.huge", 152, 8, XOR, 1ULL << 60, REJECT, -EINVAL,
	  "fmap.se[0]" },
	{ "se1.unused", 168, 8, XOR, 2 << 20, REJECT, -EINVAL, "fmap.se" },
	{ "se15.unused", 136 + 15 * 24 + 16, 8, XOR, 1, REJECT, -EINVAL,
	  "fmap.se" },
};

static const struct ecase ie_cases[] = {
	{ "ie.nextents", 128, 4, SET, 2, REJECT, -EINVAL, "fmap.nextents" },
	{ "ie.nstrips.0", 136, 8, SET, 0, REJECT, -EINVAL, "fmap.ie.nstrips" },
	{ "ie.nstrips.17", 136, 8, SET, 17, REJECT, -EINVAL,
	  "fmap.ie.nstrips" },
	{ "ie.chunk_size", 144, 8, SET, 3 << 20, REJECT, -EINVAL,
	  "fmap.ie.chunk_size" },
	{ "ie.s0.devindex", 152, 8, XOR, 1, REJECT, -EINVAL,
	  "fmap.ie.strips[0]" },
	{ "ie.s0.offset", 160, 8, XOR, 1 << 12, REJECT, -EINVAL,
	  "fmap.ie.strips[0]" },
	{ "ie.s0.len", 168, 8, XOR, 1, REJECT, -EINVAL, "fmap.ie.strips[0]" },
	{ "ie.s15.unused", 152 + 15 * 24 + 8, 8, XOR, 2 << 20, REJECT, -EINVAL,
	  "fmap.ie.strips" },
};

static const struct ecase mkdir_cases[] = {
	{ "mkdir.uid", 16, 4, XOR, 1, ACCEPT, 0, NULL },
	{ "mkdir.gid", 20, 4, XOR, 1u << 30, ACCEPT, 0, NULL },
	{ "mkdir.mode", 24, 4, XOR, 0x4000, REJECT, -EINVAL, "mode" },
	{ "mkdir.tail", 108, 1, XOR, 1, REJECT, -EINVAL, "mkdir" },
	{ "mkdir.tail.end", 535, 1, XOR, 0x80, REJECT, -EINVAL, "mkdir" },
};

/* After an accepted change the node carries the new value. */
static void check_accepted(struct fx *f, uint64_t k, const struct ecase *c)
{
	const struct famfs_omf_log_entry *e = ent(f, k);
	struct famfs_ns_stats st;
	struct famfs_ns *ns;
	const struct famfs_node *n;

	assert_int_equal(replay(f, 0, &ns, &st), (long)f->nent);
	n = famfs_ns_get(ns, FAMFS_INO_LOG_BASE + k);
	assert_non_null(n);
	if (e->type == FAMFS_OMF_LOG_FILE) {
		assert_int_equal(n->uid, e->u.file.uid);
		assert_int_equal(n->gid, e->u.file.gid);
		assert_int_equal(n->mode & 07777, e->u.file.mode);
	} else {
		assert_int_equal(n->uid, e->u.mkdir.uid);
		assert_int_equal(n->gid, e->u.mkdir.gid);
		assert_int_equal(n->mode & 07777, e->u.mkdir.mode);
	}
	(void)c;
	famfs_ns_free(ns);
}

/* Run one case on entry @k with and without a recomputed CRC. */
static void run_ecase(struct fx *f, uint64_t k, const struct ecase *c)
{
	struct famfs_omf_log_entry *e = ent(f, k), save = *e;
	char orig[FAMFS_MAX_PATHLEN];

	memcpy(orig, path_of(e), sizeof(orig));
	for (int fix = 0; fix < 2; fix++) {
		if (fix && c->off == 536)
			break; /* resealing would undo a CRC flip */
		mutate((uint8_t *)e + c->off, c->width, c->op, c->val);
		if (fix)
			reseal(e);
		if (!fix || c->want == TORN) {
			const char *fld = c->off < 8 ? "seqnum" : "crc";

			want_torn(f, k, fld, orig);
		} else if (c->want == REJECT) {
			want_check(f, k, c->code, c->field);
			want_replay(f, 0, k, c->field, NULL, orig);
		} else {
			want_check(f, k, 0, NULL);
			want_replay(f, 0, k, NULL, NULL, orig);
			check_accepted(f, k, c);
		}
		*e = save;
	}
}

static void run_table(struct fx *f, uint64_t k, const struct ecase *t, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (getenv("TEST_VERBOSE"))
			fprintf(stderr, "%s entry %lu: %s\n", f->name,
				(unsigned long)k, t[i].what);
		run_ecase(f, k, &t[i]);
	}
}

#define RUN_TABLE(f, k, t) run_table(f, k, t, sizeof(t) / sizeof(t[0]))

/* Does the parent directory of @path exist before entry @k? */
static bool parent_ok(struct fx *f, const char *path, uint64_t k)
{
	const char *slash = strrchr(path, '/');
	const struct famfs_node *n;
	char buf[FAMFS_MAX_PATHLEN];

	if (!slash)
		return true;
	memcpy(buf, path, (size_t)(slash - path));
	buf[slash - path] = '\0';
	n = famfs_ns_resolve(f->base, buf);
	return n && n->kind == FAMFS_NODE_DIR && n->log_index < (int64_t)k;
}

/*
 * Every relpath byte i of entry @k xor 0x80: inside the path it renames
 * the entry (or its parent, which then does not exist); on the NUL it
 * extends the name (or leaves no NUL at 79 bytes); after it, the zero
 * padding is broken.
 */
static void relpath_flips(struct fx *f, uint64_t k, unsigned stride)
{
	struct famfs_omf_log_entry *e = ent(f, k), save = *e;
	char *rp = (char *)path_of(e);
	char orig[FAMFS_MAX_PATHLEN];
	size_t len = strlen(rp);

	memcpy(orig, rp, sizeof(orig));
	for (size_t i = 0; i < FAMFS_MAX_PATHLEN; i++) {
		char np[FAMFS_MAX_PATHLEN + 1];

		if (stride > 1 && i % stride && i + 1 != len && i != len &&
		    i != len + 1)
			continue;
		rp[i] ^= (char)0x80;
		reseal(e);
		if (i > len || (i == len && len == FAMFS_MAX_PATHLEN - 1)) {
			want_check(f, k, -EINVAL, "relpath");
			want_replay(f, 0, k, "relpath", NULL, orig);
		} else {
			memcpy(np, rp, FAMFS_MAX_PATHLEN);
			np[FAMFS_MAX_PATHLEN] = '\0';
			want_check(f, k, 0, NULL);
			if (parent_ok(f, np, k))
				want_replay(f, 0, k, NULL, np, orig);
			else
				want_replay(f, 0, k, "relpath", NULL, orig);
		}
		*e = save;
	}
	/* Syntax: absolute, trailing '/', empty component, duplicate. */
	rp[0] = '/';
	reseal(e);
	want_check(f, k, -EINVAL, "relpath");
	want_replay(f, 0, k, "relpath", NULL, orig);
	*e = save;
	if (len < FAMFS_MAX_PATHLEN - 1) {
		rp[len] = '/';
		reseal(e);
		want_check(f, k, -EINVAL, "relpath");
		want_replay(f, 0, k, "relpath", NULL, orig);
		*e = save;
	}
	if (strchr(rp, '/')) {
		*(strchr(rp, '/') + 1) = '/';
		reseal(e);
		want_check(f, k, -EINVAL, "relpath");
		want_replay(f, 0, k, "relpath", NULL, orig);
		*e = save;
	}
	/* Same path as the entry before: a duplicate, found at replay. */
	for (uint64_t j = k; j-- > 0;) {
		const char *pj = path_of(ent(f, j));

		if (ent(f, j)->type == FAMFS_OMF_LOG_ADD_DAXDEV)
			continue;
		memset(rp, 0, FAMFS_MAX_PATHLEN);
		memcpy(rp, pj, strlen(pj));
		reseal(e);
		want_check(f, k, 0, NULL);
		want_replay(f, 0, k, "relpath", NULL, orig);
		*e = save;
		break;
	}
}

/* Pick the entries to corrupt in @f. */
struct picks {
	uint64_t file, longest, ie, dir;
};

static void pick(struct fx *f, struct picks *p)
{
	size_t best = 0;

	p->file = p->longest = p->ie = p->dir = UINT64_MAX;
	for (uint64_t i = 0; i < f->nent; i++) {
		const struct famfs_omf_log_entry *e = ent(f, i);

		if (e->type == FAMFS_OMF_LOG_MKDIR) {
			if (p->dir == UINT64_MAX || i <= f->nent / 2)
				p->dir = i;
			continue;
		}
		if (e->type != FAMFS_OMF_LOG_FILE)
			continue;
		if (strlen(e->u.file.relpath) > best) {
			best = strlen(e->u.file.relpath);
			p->longest = i;
		}
		if (e->u.file.fmap.ext_type == FAMFS_OMF_EXT_INTERLEAVE &&
		    p->ie == UINT64_MAX)
			p->ie = i;
		if (e->u.file.fmap.ext_type == FAMFS_OMF_EXT_SIMPLE &&
		    e->u.file.fmap.nextents == 1 &&
		    strchr(e->u.file.relpath, '/') &&
		    (p->file == UINT64_MAX || i <= f->nent / 2))
			p->file = i;
	}
	assert_true(p->file != UINT64_MAX && p->dir != UINT64_MAX);
}

static void test_entries(void **state)
{
	(void)state;
	for (int x = 0; x < NFIX; x++) {
		struct fx *f = &fixtures[x];
		unsigned stride = f->nent > 5000 ? 9 : 1;
		struct picks p;

		pick(f, &p);
		RUN_TABLE(f, p.file, common_cases);
		RUN_TABLE(f, p.file, file_cases);
		RUN_TABLE(f, p.file, simple_cases);
		RUN_TABLE(f, p.dir, common_cases);
		RUN_TABLE(f, p.dir, mkdir_cases);
		if (p.ie != UINT64_MAX)
			RUN_TABLE(f, p.ie, ie_cases);
		relpath_flips(f, p.file, stride);
		relpath_flips(f, p.dir, stride);
		if (p.longest != p.file)
			relpath_flips(f, p.longest, stride);
	}
}

/* Two files claiming the same units: applied, counted, reported. */
static void test_collision(void **state)
{
	(void)state;
	for (int x = 0; x < NFIX; x++) {
		struct fx *f = &fixtures[x];
		struct famfs_omf_log_entry *e, save;
		struct famfs_ns_stats st;
		struct famfs_ns *ns;
		struct picks p;
		uint64_t j;

		pick(f, &p);
		e = ent(f, p.file);
		save = *e;
		for (j = 0; j < p.file; j++)
			if (ent(f, j)->type == FAMFS_OMF_LOG_FILE)
				break;
		assert_true(j < p.file);
		e->u.file.fmap.u.se[0].offset =
			ent(f, j)->u.file.fmap.u.se[0].offset;
		reseal(e);
		want_check(f, p.file, 0, NULL);
		assert_int_equal(replay(f, 0, &ns, &st), (long)f->nent);
		assert_int_equal(st.bad, 0);
		assert_true(st.collisions >= 1);
		assert_int_equal(rep.n, 1);
		assert_int_equal(rep.index[0], (int64_t)p.file);
		assert_string_equal(rep.field[0], "fmap");
		assert_non_null(famfs_ns_get(ns, FAMFS_INO_LOG_BASE + p.file));
		famfs_ns_free(ns);
		*e = save;
	}
}

/* ---- superblock ---------------------------------------------------------- */

struct hcase {
	const char *what;
	unsigned off, width;
	enum op op;
	uint64_t val;
	int code_fixed; /* with the CRC recomputed (0 = accepted) */
	const char *field_fixed;
	int code_raw; /* without */
	const char *field_raw;
};

static const struct hcase sb_cases[] = {
	{ "magic", 0, 8, XOR, 1, -EINVAL, "superblock.magic", -EINVAL,
	  "superblock.magic" },
	{ "version", 8, 8, XOR, 1, -EPROTONOSUPPORT, "superblock.version",
	  -EPROTONOSUPPORT, "superblock.version" },
	{ "log_offset", 16, 8, XOR, 1 << 12, -EINVAL, "superblock.log_offset",
	  -EBADMSG, "superblock.crc" },
	{ "log_len", 24, 8, XOR, 1, -EINVAL, "superblock.log_len", -EBADMSG,
	  "superblock.crc" },
	{ "alloc_unit", 32, 8, XOR, 1 << 12, -EINVAL, "superblock.alloc_unit",
	  -EBADMSG, "superblock.crc" },
	{ "omf_ver_major", 40, 4, XOR, 1, 0, NULL, -EBADMSG, "superblock.crc" },
	{ "omf_ver_minor", 44, 4, XOR, 1, 0, NULL, -EBADMSG, "superblock.crc" },
	{ "fs_uuid", 48, 1, XOR, 1, 0, NULL, -EBADMSG, "superblock.crc" },
	{ "dev_uuid", 79, 1, XOR, 0x80, 0, NULL, -EBADMSG, "superblock.crc" },
	{ "system_uuid", 80, 8, XOR, 1, 0, NULL, -EBADMSG, "superblock.crc" },
	{ "crc", 96, 8, XOR, 1, -EBADMSG, "superblock.crc", -EBADMSG,
	  "superblock.crc" },
	{ "crc.high", 96, 8, XOR, 1ULL << 40, -EBADMSG, "superblock.crc",
	  -EBADMSG, "superblock.crc" },
	{ "sb_flags", 104, 4, XOR, 1, 0, NULL, 0, NULL },
	{ "pad0", 108, 4, XOR, 1, 0, NULL, 0, NULL },
	{ "daxdev.size.align", 112, 8, XOR, 1 << 12, -EINVAL,
	  "superblock.daxdev.size", -EINVAL, "superblock.daxdev.size" },
	{ "daxdev.size.huge", 112, 8, XOR, 1ULL << 62, -EINVAL,
	  "superblock.daxdev.size", -EINVAL, "superblock.daxdev.size" },
	{ "daxdev.size.small", 112, 8, SET, 8 << 20, -EINVAL,
	  "superblock.daxdev.size", -EINVAL, "superblock.daxdev.size" },
	{ "daxdev.uuid", 120, 8, XOR, 1, 0, NULL, 0, NULL },
	{ "daxdev.name", 136, 1, XOR, 0x40, 0, NULL, 0, NULL },
	{ "daxdev.name.end", 199, 1, XOR, 0x41, 0, NULL, 0, NULL },
};

static void test_superblock(void **state)
{
	(void)state;
	for (int x = 0; x < NFIX; x++) {
		struct fx *f = &fixtures[x];
		struct famfs_omf_superblock save = *f->sb;

		for (size_t i = 0; i < sizeof(sb_cases) / sizeof(sb_cases[0]);
		     i++) {
			const struct hcase *c = &sb_cases[i];

			for (int fix = 0; fix < 2; fix++) {
				int code = fix ? c->code_fixed : c->code_raw;
				const char *field =
					fix ? c->field_fixed : c->field_raw;
				struct famfs_ns *ns = NULL;
				struct famfs_err err;

				mutate((uint8_t *)f->sb + c->off, c->width,
				       c->op, c->val);
				if (fix && c->off != 96)
					famfs_sb_seal(f->sb);
				famfs_err_clear(&err);
				assert_int_equal(
					famfs_sb_check(f->sb, save.daxdev.size,
						       &err),
					code);
				if (code) {
					assert_int_equal(err.index, -1);
					assert_string_equal(err.field, field);
					assert_int_equal(
						famfs_ns_create(f->sb, &ns),
						-EINVAL);
				} else {
					want_replay(f, 0, UINT64_MAX, NULL,
						    NULL, NULL);
				}
				*f->sb = save;
			}
		}

		/* A device smaller than the superblock claims. */
		{
			struct famfs_err err;

			assert_int_equal(
				famfs_sb_check(f->sb,
					       save.daxdev.size -
						       FAMFS_ALLOC_UNIT,
					       &err),
				-EINVAL);
			assert_string_equal(err.field,
					    "superblock.daxdev.size");
		}

		/* Device just big enough for the log: every file is out. */
		{
			struct famfs_ns_stats st;
			struct famfs_ns *ns;

			f->sb->daxdev.size = FAMFS_LOG_OFFSET + f->sb->log_len;
			assert_int_equal(famfs_sb_check(f->sb, 0, NULL), 0);
			assert_int_equal(replay(f, 0, &ns, &st), (long)f->nent);
			assert_int_equal(st.files, 0);
			assert_int_equal(st.dirs, f->dirs);
			assert_int_equal(st.bad, f->files);
			for (uint64_t r = 0; r < rep.n && r < MAX_REPORTS; r++)
				assert_true(!strncmp(rep.field[r], "fmap.", 5));
			famfs_ns_free(ns);
			*f->sb = save;
		}

		/* A larger (valid) log length than the buffer holds. */
		{
			struct famfs_ns *ns;

			f->sb->log_len *= 2;
			famfs_sb_seal(f->sb);
			assert_int_equal(famfs_ns_create(f->sb, &ns), 0);
			assert_int_equal(famfs_ns_replay(ns, f->log,
							 save.log_len, 0, NULL),
					 -EINVAL);
			famfs_ns_free(ns);
			*f->sb = save;
		}
	}
}

/* ---- log header ---------------------------------------------------------- */

static void want_header(struct fx *f, int code, const char *field)
{
	struct famfs_ns_stats st;
	struct famfs_ns *ns;
	struct famfs_err err;

	famfs_err_clear(&err);
	assert_int_equal(famfs_log_header_check(hdr(f), f->sb->log_len, &err),
			 code);
	assert_int_equal(err.index, -1);
	assert_string_equal(err.field, field);
	for (int skip = 0; skip < 2; skip++) {
		assert_int_equal(
			replay(f, skip ? FAMFS_REPLAY_SKIP_TORN : 0, &ns, &st),
			code);
		assert_int_equal(st.next_index, 0);
		assert_int_equal(st.files + st.dirs, 0);
		assert_int_equal(rep.n, 1);
		assert_int_equal(rep.index[0], -1);
		assert_string_equal(rep.field[0], field);
		famfs_ns_free(ns);
	}
}

static void test_log_header(void **state)
{
	static const struct hcase cases[] = {
		{ "magic", 0, 8, XOR, 1, -EINVAL, "log.magic", -EINVAL,
		  "log.magic" },
		{ "log_len", 8, 8, XOR, 1 << 24, -EINVAL, "log.log_len",
		  -EBADMSG, "log.crc" },
		{ "last_index", 16, 8, XOR, 1, -EINVAL, "log.last_index",
		  -EBADMSG, "log.crc" },
		{ "crc", 24, 8, XOR, 1, -EBADMSG, "log.crc", -EBADMSG,
		  "log.crc" },
		{ "crc.high", 24, 8, XOR, 1ULL << 33, -EBADMSG, "log.crc",
		  -EBADMSG, "log.crc" },
		{ "next_seqnum", 32, 8, XOR, 1, -EUCLEAN, "log.next_seqnum",
		  -EUCLEAN, "log.next_seqnum" },
	};

	(void)state;
	for (int x = 0; x < NFIX; x++) {
		struct fx *f = &fixtures[x];
		struct famfs_omf_log_header save = *hdr(f);
		struct famfs_omf_log_header *h = hdr(f);
		struct famfs_ns_stats st;
		struct famfs_ns *ns;

		for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
			const struct hcase *c = &cases[i];

			for (int fix = 0; fix < 2; fix++) {
				mutate((uint8_t *)h + c->off, c->width, c->op,
				       c->val);
				if (fix && c->off != 24)
					h->crc = famfs_crc(
						h, FAMFS_LOG_HDR_CRC_LEN);
				want_header(
					f, fix ? c->code_fixed : c->code_raw,
					fix ? c->field_fixed : c->field_raw);
				*h = save;
			}
		}

		/* next_index past the last slot, or absurd. */
		h->next_index = h->next_seqnum = h->last_index + 2;
		want_header(f, -EUCLEAN, "log.next_index");
		h->next_index = h->next_seqnum = 1ULL << 63;
		want_header(f, -EUCLEAN, "log.next_index");
		*h = save;

		/* next_index past the written entries: the first empty slot
		 * is torn (seqnum 0); SKIP_TORN counts the empty ones. */
		if (save.next_index + 3 <= save.last_index + 1) {
			h->next_index = h->next_seqnum = save.next_index + 3;
			assert_int_equal(replay(f, 0, &ns, &st), -EBADMSG);
			assert_int_equal(st.next_index, f->nent);
			assert_int_equal(st.files, f->files);
			assert_int_equal(rep.n, 1);
			assert_int_equal(rep.index[0], (int64_t)f->nent);
			assert_string_equal(rep.field[0], "seqnum");
			famfs_ns_free(ns);
			assert_int_equal(
				replay(f, FAMFS_REPLAY_SKIP_TORN, &ns, &st),
				(long)f->nent + 3);
			assert_int_equal(st.bad, 3);
			assert_int_equal(st.files + st.dirs, f->nent);
			famfs_ns_free(ns);
			*h = save;
		}

		/* A shorter log: only its entries. */
		h->next_index = h->next_seqnum = save.next_index / 2;
		assert_int_equal(replay(f, 0, &ns, &st),
				 (long)(save.next_index / 2));
		assert_int_equal(st.files + st.dirs, save.next_index / 2);
		assert_int_equal(rep.n, 0);
		famfs_ns_free(ns);
		*h = save;
	}
}

/* ---- torn and truncated --------------------------------------------------- */

/*
 * The tail entry written partially: its first @k bytes new, the rest old
 * (@old, or zero). Replay stops there; once complete, it is applied.
 */
static void torn_tail(struct fx *f, const struct famfs_omf_log_entry *old)
{
	static const unsigned cuts[] = { 0, 1, 8, 16, 30, 120, 300, 536, 537 };
	struct famfs_omf_log_header *h = hdr(f), hsave = *h;
	uint64_t t = f->nent <= h->last_index ? f->nent : f->nent - 1;
	struct famfs_omf_log_entry *slot = ent(f, t), save = *slot, nw;
	uint64_t nent = f->nent;

	if (t == f->nent)
		assert_int_equal(
			famfs_entry_make_mkdir(&nw, t, "torn_new", 0755, 0, 0),
			0);
	else
		nw = save;
	h->next_index = h->next_seqnum = t + 1;
	f->nent = t + 1;
	for (size_t i = 0; i < sizeof(cuts) / sizeof(cuts[0]); i++) {
		struct famfs_ns_stats st;
		struct famfs_ns *ns;

		if (old)
			*slot = *old;
		else
			memset(slot, 0, sizeof(*slot));
		memcpy(slot, &nw, cuts[i]);
		if (!memcmp(slot, &nw, sizeof(nw)))
			continue; /* the cut left nothing different */
		want_torn(f, t, slot->seqnum == t ? "crc" : "seqnum", "");

		/* The write completes: the next replay picks it up. */
		assert_int_equal(replay(f, 0, &ns, &st), -EBADMSG);
		*slot = nw;
		assert_int_equal(
			famfs_ns_replay(ns, f->log, f->sb->log_len, 0, NULL),
			1);
		assert_non_null(famfs_ns_get(ns, FAMFS_INO_LOG_BASE + t));
		assert_non_null(famfs_ns_resolve(ns, path_of(&nw)));
		famfs_ns_free(ns);
	}
	*slot = save;
	*h = hsave;
	f->nent = nent;
}

static void test_torn(void **state)
{
	(void)state;
	for (int x = 0; x < NFIX; x++) {
		struct fx *f = &fixtures[x];
		struct famfs_omf_log_entry old = *ent(f, 1);
		struct picks p;

		torn_tail(f, NULL);
		/* The slot held other bytes (a stale entry) before. */
		torn_tail(f, &old);

		/* A torn entry in the middle (file and directory). */
		pick(f, &p);
		for (int d = 0; d < 2; d++) {
			uint64_t k = d ? p.dir : p.file;
			struct famfs_omf_log_entry *e = ent(f, k), save = *e;

			memset((uint8_t *)e + 200, 0, sizeof(*e) - 200);
			want_torn(f, k, "crc", path_of(&save));
			*e = save;
		}
	}
}

static void test_truncated(void **state)
{
	(void)state;
	for (int x = 0; x < NFIX; x++) {
		struct fx *f = &fixtures[x];
		uint64_t m = f->nent / 2;
		uint64_t cut = famfs_log_entry_offset(m) + 100;
		uint64_t keep = f->sb->log_len - cut;
		uint8_t *save = malloc(f->sb->log_len);
		struct famfs_ns_stats st;
		struct famfs_ns *ns;

		/* The log cut in the middle of entry m (the rest zero). */
		assert_non_null(save);
		memcpy(save, f->log, f->sb->log_len);
		memset(f->log + cut, 0, keep);
		assert_int_equal(replay(f, 0, &ns, &st), -EBADMSG);
		assert_int_equal(st.next_index, m);
		assert_int_equal(st.files + st.dirs, m);
		assert_int_equal(rep.n, 1);
		assert_int_equal(rep.index[0], (int64_t)m);
		assert_string_equal(rep.field[0], "crc");
		famfs_ns_free(ns);
		assert_int_equal(replay(f, FAMFS_REPLAY_SKIP_TORN, &ns, &st),
				 (long)f->nent);
		assert_int_equal(st.files + st.dirs, m);
		assert_int_equal(st.bad, f->nent - m);
		famfs_ns_free(ns);

		/* Only the superblock region: no log header at all. */
		memset(f->log, 0, f->sb->log_len);
		want_header(f, -EINVAL, "log.magic");
		memcpy(f->log, save, f->sb->log_len);
		free(save);
	}
	/* The caller passing fewer log bytes than the geometry says. */
	{
		struct fx *f = &fixtures[0];
		struct famfs_ns *ns;

		assert_int_equal(famfs_ns_create(f->sb, &ns), 0);
		assert_int_equal(famfs_ns_replay(ns, f->log, f->sb->log_len / 2,
						 0, NULL),
				 -EINVAL);
		famfs_ns_free(ns);
	}
}

/* ---- truncated image files through famfs_fs_open ------------------------- */

static int open_image(const char *path, struct famfs_err *err,
		      struct famfs_fs **fs)
{
	struct famfs_fs_opts o;

	famfs_fs_opts_init(&o);
	o.dev_flags = FAMFS_DEV_RDONLY;
	o.role = FAMFS_ROLE_CLIENT; /* no system UUID file needed */
	famfs_err_clear(err);
	return famfs_fs_open(path, &o, fs, err);
}

static void write_image(const char *path, const struct fx *f, uint64_t size)
{
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	uint64_t n = size < f->len ? size : f->len;

	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, (off_t)size), 0);
	assert_int_equal(pwrite(fd, f->meta, n, 0), (ssize_t)n);
	close(fd);
}

static void test_truncated_files(void **state)
{
	struct fx *f = &fixtures[0];
	uint64_t dev = f->sb->daxdev.size, meta = f->len;
	const struct {
		const char *what;
		uint64_t size;
		int code;
		const char *field;
	} cases[] = {
		{ "empty", 0, -EINVAL, "device" },
		{ "1 MiB", 1 << 20, -EINVAL, "device" },
		{ "superblock only", FAMFS_SUPERBLOCK_SIZE, -EINVAL,
		  "superblock.daxdev.size" },
		{ "cut inside an entry",
		  FAMFS_LOG_OFFSET + famfs_log_entry_offset(10) + 100, -EINVAL,
		  "device" },
		{ "cut inside the log", FAMFS_LOG_OFFSET + (4 << 20), -EINVAL,
		  "superblock.daxdev.size" },
		{ "metadata only", meta, -EINVAL, "superblock.daxdev.size" },
		{ "one unit short", dev - FAMFS_ALLOC_UNIT, -EINVAL,
		  "superblock.daxdev.size" },
		{ "complete", dev, 0, NULL },
	};
	char dir[] = "/tmp/famfs-corrupt-XXXXXX", path[64];

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/img", dir);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct famfs_fs *fs = NULL;
		struct famfs_err err;
		int rc;

		write_image(path, f, cases[i].size);
		rc = open_image(path, &err, &fs);
		if (rc != cases[i].code)
			fprintf(stderr, "%s: rc %d field %s\n", cases[i].what,
				rc, err.field);
		assert_int_equal(rc, cases[i].code);
		if (rc) {
			assert_string_equal(err.field, cases[i].field);
			assert_true(err.msg[0] != '\0');
		} else {
			struct famfs_ns_stats st;

			famfs_ns_stats(famfs_fs_ns(fs), &st);
			assert_int_equal(st.files, f->files);
			assert_int_equal(st.dirs, f->dirs);
			famfs_fs_close(fs);
		}
	}
	unlink(path);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_superblock, reset),
		cmocka_unit_test_setup(test_log_header, reset),
		cmocka_unit_test_setup(test_entries, reset),
		cmocka_unit_test_setup(test_collision, reset),
		cmocka_unit_test_setup(test_torn, reset),
		cmocka_unit_test_setup(test_truncated, reset),
		cmocka_unit_test_setup(test_truncated_files, reset),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
