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

#include "corrupt.h"

/* ---- entry corruptions -------------------------------------------------- */

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

	assert_int_equal(replay(f, &ns, &st), (long)f->nent);
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
			want_replay(f, k, c->field, NULL, orig);
		} else {
			want_check(f, k, 0, NULL);
			want_replay(f, k, NULL, NULL, orig);
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
			want_replay(f, k, "relpath", NULL, orig);
		} else {
			memcpy(np, rp, FAMFS_MAX_PATHLEN);
			np[FAMFS_MAX_PATHLEN] = '\0';
			want_check(f, k, 0, NULL);
			if (parent_ok(f, np, k))
				want_replay(f, k, NULL, np, orig);
			else
				want_replay(f, k, "relpath", NULL, orig);
		}
		*e = save;
	}
	/* Syntax: absolute, trailing '/', empty component, duplicate. */
	rp[0] = '/';
	reseal(e);
	want_check(f, k, -EINVAL, "relpath");
	want_replay(f, k, "relpath", NULL, orig);
	*e = save;
	if (len < FAMFS_MAX_PATHLEN - 1) {
		rp[len] = '/';
		reseal(e);
		want_check(f, k, -EINVAL, "relpath");
		want_replay(f, k, "relpath", NULL, orig);
		*e = save;
	}
	if (strchr(rp, '/')) {
		*(strchr(rp, '/') + 1) = '/';
		reseal(e);
		want_check(f, k, -EINVAL, "relpath");
		want_replay(f, k, "relpath", NULL, orig);
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
		want_replay(f, k, "relpath", NULL, orig);
		*e = save;
		break;
	}
}

static void test_entries(void **state)
{
	(void)state;
	for (int x = 0; x < NFIX; x++) {
		struct fx *f = &fixtures[x];
		unsigned stride = f->nent > 1000 ? 9 : 1;
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

/* Two files claiming the same units: the earlier wins, the later one is
 * reported once and not served. */
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
		want_replay(f, p.file, "fmap", NULL, path_of(&save));
		assert_int_equal(rep.kind[0], FAMFS_ERR_COLLISION);
		assert_int_equal(replay(f, &ns, &st), (long)f->nent);
		assert_int_equal(st.collisions, 1);
		assert_null(famfs_ns_get(ns, FAMFS_INO_LOG_BASE + p.file));
		assert_null(famfs_ns_resolve(ns, path_of(e)));
		/* The winner is served, the loser's name stays taken. */
		assert_non_null(famfs_ns_get(ns, FAMFS_INO_LOG_BASE + j));
		assert_int_equal(
			famfs_ns_name_held(
				ns,
				famfs_ns_get(f->base,
					     FAMFS_INO_LOG_BASE + p.file)
					->parent,
				strrchr(path_of(e), '/') + 1),
			(int64_t)p.file);
		famfs_ns_free(ns);
		*e = save;
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
		assert_int_equal(replay(f, &ns, &st), -EBADMSG);
		*slot = nw;
		assert_int_equal(
			famfs_ns_replay(ns, f->log, f->sb->log_len, NULL), 1);
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

		/* A damaged entry in the middle (file and directory):
		 * corrupt, skipped; the same entry at the tail: torn. */
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
		/* Nothing good follows: a torn tail for every reader. */
		assert_int_equal(replay(f, &ns, &st), -EBADMSG);
		assert_int_equal(st.next_index, m);
		assert_int_equal(st.files + st.dirs, m);
		assert_int_equal(st.torn, 1);
		assert_int_equal(rep.n, 1);
		assert_int_equal(rep.index[0], (int64_t)m);
		assert_int_equal(rep.kind[0], FAMFS_ERR_TORN);
		assert_string_equal(rep.field[0], "crc");
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
		assert_int_equal(
			famfs_ns_replay(ns, f->log, f->sb->log_len / 2, NULL),
			-EINVAL);
		famfs_ns_free(ns);
	}
}

/* ---- ADD_DAXDEV (v48-add-daxdev, entry 2) ------------------------------- */

static void daxdev_case(struct fx *f, unsigned off, unsigned width, enum op op,
			uint64_t val, const char *field)
{
	struct famfs_omf_log_entry *e = ent(f, 2), save = *e;

	mutate((uint8_t *)e + off, width, op, val);
	want_torn(f, 2, "crc", ""); /* CRC not recomputed */
	reseal(e);
	if (field) {
		want_check(f, 2, -EINVAL, field);
		want_replay(f, 2, field, NULL, "");
	} else {
		want_check(f, 2, 0, NULL);
		want_replay(f, 2, NULL, NULL, "");
	}
	*e = save;
}

static void test_daxdev(void **state)
{
	struct fx fx = { .name = "v48-add-daxdev" }, *f = &fx;
	struct famfs_omf_log_entry *e, save;
	struct famfs_ns_stats st;
	struct famfs_ns *ns;

	(void)state;
	assert_int_equal(cr_load(f), 0);
	e = ent(f, 2);
	assert_int_equal(e->type, FAMFS_OMF_LOG_ADD_DAXDEV);
	daxdev_case(f, 16, 8, XOR, 1 << 12, "dd_size");
	daxdev_case(f, 16, 8, SET, 0, "dd_size");
	daxdev_case(f, 16, 8, XOR, 1ULL << 62, "dd_size");
	daxdev_case(f, 24, 8, XOR, 1, NULL); /* another uuid: fine */
	daxdev_case(f, 40, 4, SET, 2, "dd_index");
	daxdev_case(f, 40, 4, SET, 0, "dd_index");
	daxdev_case(f, 44, 4, XOR, 1, "add_daxdev");
	daxdev_case(f, 48, 1, XOR, 1, "add_daxdev");
	daxdev_case(f, 535, 1, XOR, 0x10, "add_daxdev");

	/* A zero uuid, and the primary device's uuid again. */
	save = *e;
	memset(&e->u.daxdev.dd_uuid, 0, sizeof(e->u.daxdev.dd_uuid));
	reseal(e);
	want_check(f, 2, -EINVAL, "dd_uuid");
	want_replay(f, 2, "dd_uuid", NULL, "");
	e->u.daxdev.dd_uuid = f->sb->dev_uuid;
	reseal(e);
	want_check(f, 2, -EINVAL, "dd_uuid");
	want_replay(f, 2, "dd_uuid", NULL, "");
	*e = save;

	/* A new size is taken into the geometry. */
	e->u.daxdev.dd_size ^= 1ULL << 33;
	reseal(e);
	assert_int_equal(replay(f, &ns, &st), (long)f->nent);
	assert_int_equal(st.daxdevs, 1);
	assert_int_equal(famfs_ns_geom(ns)->ndevs, 2);
	assert_int_equal(famfs_ns_geom(ns)->dev_size[1], e->u.daxdev.dd_size);
	famfs_ns_free(ns);
	*e = save;

	/* Not allowed in a version 47 file system. */
	f->sb->version = FAMFS_VERSION_47;
	famfs_sb_seal(f->sb);
	want_check(f, 2, -EINVAL, "type");
	want_replay(f, 2, "type", NULL, "");
	cr_unload(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_entries, cr_reset),
		cmocka_unit_test_setup(test_collision, cr_reset),
		cmocka_unit_test_setup(test_torn, cr_reset),
		cmocka_unit_test_setup(test_truncated, cr_reset),
		cmocka_unit_test(test_daxdev),
	};

	return cmocka_run_group_tests(tests, cr_setup, cr_teardown);
}
