// SPDX-License-Identifier: Apache-2.0
/* Corruption corpus helpers (see corrupt.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "corrupt.h"

struct fx fixtures[NFIX] = {
	{ .name = "v48-basic" },
	{ .name = "v48-many2000" },
	{ .name = "v48-full" },
};

struct rep rep;

void on_report(void *arg, const struct famfs_err *err)
{
	(void)arg;
	assert_true(err->field[0] != '\0');
	assert_true(err->msg[0] != '\0');
	if (rep.n < MAX_REPORTS) {
		rep.index[rep.n] = err->index;
		rep.kind[rep.n] = err->kind;
		snprintf(rep.field[rep.n], sizeof(rep.field[0]), "%s",
			 err->field);
	}
	rep.n++;
}

struct famfs_omf_log_entry *ent(struct fx *f, uint64_t i)
{
	return (struct famfs_omf_log_entry *)(f->log +
					      famfs_log_entry_offset(i));
}

struct famfs_omf_log_header *hdr(struct fx *f)
{
	return (struct famfs_omf_log_header *)f->log;
}

const char *path_of(const struct famfs_omf_log_entry *e)
{
	return e->type == FAMFS_OMF_LOG_FILE ? e->u.file.relpath :
					       e->u.mkdir.relpath;
}

void reseal(struct famfs_omf_log_entry *e)
{
	e->crc = famfs_crc(e, FAMFS_LOG_ENTRY_CRC_LEN);
}

/* Replay @f's log into a fresh namespace; reports go to rep. */
long replay(struct fx *f, struct famfs_ns **nsp, struct famfs_ns_stats *st)
{
	struct famfs_ns *ns;
	long rc;

	memset(&rep, 0, sizeof(rep));
	assert_int_equal(famfs_ns_create(f->sb, &ns), 0);
	famfs_ns_set_reporter(ns, on_report, NULL);
	rc = famfs_ns_replay(ns, f->log, f->sb->log_len, NULL);
	famfs_ns_stats(ns, st);
	*nsp = ns;
	return rc;
}

int cr_load(struct fx *f)
{
	struct famfs_ns_stats st;
	struct famfs_ns *ns;

	f->meta = tu_fixture_meta(f->name, &f->len);
	if (!f->meta) {
		fprintf(stderr, "fixture %s not found (FAMFS_FIXTURES)\n",
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
	assert_int_equal(replay(f, &ns, &st), (long)f->nent);
	assert_int_equal(st.bad, 0);
	f->files = st.files;
	f->dirs = st.dirs;
	f->base_units = st.alloc_units;
	f->base = ns;
	return 0;
}

void cr_unload(struct fx *f)
{
	famfs_ns_free(f->base);
	free(f->meta);
	free(f->pristine);
	f->base = NULL;
	f->meta = f->pristine = NULL;
}

int cr_setup(void **state)
{
	(void)state;
	for (int i = 0; i < NFIX; i++)
		if (cr_load(&fixtures[i]))
			return -1;
	return 0;
}

int cr_teardown(void **state)
{
	(void)state;
	for (int i = 0; i < NFIX; i++)
		cr_unload(&fixtures[i]);
	return 0;
}

/* Undo whatever a failed test left behind. */
int cr_reset(void **state)
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
bool under(struct fx *f, uint64_t i, const char *dir)
{
	size_t n = strlen(dir);
	const char *p = path_of(ent(f, i));

	return !strncmp(p, dir, n) && p[n] == '/';
}

/* Units [*lo, *hi) of an extent wholly inside device @g (claim.c's rule,
 * restated independently for the tests). */
static bool span(const struct famfs_geom *g, uint64_t dev, uint64_t off,
		 uint64_t len, uint64_t *lo, uint64_t *hi)
{
	uint64_t end;

	if (dev >= g->ndevs || !len || __builtin_add_overflow(off, len, &end) ||
	    end > g->dev_size[dev])
		return false;
	*lo = off / FAMFS_ALLOC_UNIT;
	*hi = (end + FAMFS_ALLOC_UNIT - 1) / FAMFS_ALLOC_UNIT;
	return true;
}

/* Does entry @k as it is now (CRC good, raw extents) hold a unit of the
 * file @n of the clean namespace? */
static bool holds_unit_of(struct fx *f, uint64_t k, const struct famfs_node *n)
{
	const struct famfs_omf_log_entry *e = ent(f, k);
	const struct famfs_geom *g = famfs_ns_geom(f->base);
	const struct famfs_omf_extent *x;
	unsigned cnt;

	if (e->type == FAMFS_OMF_LOG_MKDIR ||
	    e->type == FAMFS_OMF_LOG_ADD_DAXDEV || !tu_entry_sealed(e, k))
		return false;
	cnt = tu_raw_extents(e, &x);
	for (unsigned a = 0; a < cnt; a++)
		for (unsigned b = 0; b < n->fmap->count; b++) {
			const struct famfs_extent *y = &n->fmap->ext[b];
			uint64_t l1, h1, l2, h2;

			if (x[a].devindex == y->devindex &&
			    span(g, x[a].devindex, x[a].offset, x[a].len, &l1,
				 &h1) &&
			    span(g, y->devindex, y->offset, y->len, &l2, &h2) &&
			    l1 < h2 && l2 < h1)
				return true;
		}
	return false;
}

/*
 * Expect: replay consumed everything; entry @k rejected with @field (NULL:
 * applied, at @newpath if not NULL); when @k is a directory that ends up
 * rejected or renamed, its descendants are rejected as "relpath"; a later
 * file whose units @k now holds loses the collision ("fmap"); every other
 * entry is applied at its path. @orig is @k's path before corruption.
 */
void want_replay(struct fx *f, uint64_t k, const char *field,
		 const char *newpath, const char *orig)
{
	struct famfs_ns_stats st;
	struct famfs_ns *ns;
	const struct famfs_node *kn =
		famfs_ns_get(f->base, FAMFS_INO_LOG_BASE + k);
	bool dir = kn && kn->kind == FAMFS_NODE_DIR;
	bool lost = dir && (field || newpath);
	uint64_t r = 0, bad = 0, coll = 0;

	assert_int_equal(replay(f, &ns, &st), (long)f->nent);
	for (uint64_t i = 0; i < f->nent; i++) {
		const struct famfs_node *n, *bn;
		const char *why = NULL;

		bn = famfs_ns_get(f->base, FAMFS_INO_LOG_BASE + i);
		if (i == k && field)
			why = field;
		else if (i > k && lost && under(f, i, orig))
			why = "relpath";
		else if (i > k && bn && bn->kind == FAMFS_NODE_FILE &&
			 holds_unit_of(f, k, bn))
			why = "fmap";
		if (why) {
			assert_true(r < rep.n);
			assert_int_equal(rep.index[r], (int64_t)i);
			assert_string_equal(rep.field[r], why);
			if (i != k && !strcmp(why, "fmap")) {
				assert_int_equal(rep.kind[r],
						 FAMFS_ERR_COLLISION);
				coll++;
			}
			r++;
			bad++;
			assert_null(famfs_ns_get(ns, FAMFS_INO_LOG_BASE + i));
			continue;
		}
		if (ent(f, i)->type == FAMFS_OMF_LOG_ADD_DAXDEV)
			continue; /* applied to the geometry, no node */
		n = famfs_ns_resolve(
			ns, i == k && newpath ? newpath : path_of(ent(f, i)));
		assert_non_null(n);
		assert_int_equal(n->log_index, (int64_t)i);
	}
	if (newpath)
		assert_null(famfs_ns_resolve(ns, orig));
	assert_int_equal(rep.n, r);
	assert_int_equal(st.bad, bad);
	assert_true(st.collisions >= coll);
	assert_int_equal(st.torn, 0);
	assert_int_equal(st.files + st.dirs + st.daxdevs + bad, f->nent);
	/* A rejected entry's units stay used: nothing frees space. */
	assert_true(st.alloc_units >=
		    f->base_units - (field ? kunits(f, k) : 0));
	famfs_ns_free(ns);
}

/*
 * Entry @k fails seq/CRC (@field "crc" or "seqnum"). Followed by good
 * entries it is corrupt: skipped by every reader (its descendants lose
 * their parent), the namespace read-only. As the last entry it is torn:
 * replay stops there, everything before applied, and waits.
 */
void want_torn(struct fx *f, uint64_t k, const char *field, const char *orig)
{
	struct famfs_omf_log_header *h = hdr(f), hsave = *h;
	struct famfs_ns_stats st;
	struct famfs_ns *ns;
	struct famfs_geom g;
	struct famfs_err err;
	uint64_t nent = f->nent;

	famfs_geom_from_sb(&g, f->sb);
	assert_int_equal(famfs_entry_check(ent(f, k), k, &g, &err), -EBADMSG);
	assert_int_equal(err.index, (int64_t)k);
	assert_string_equal(err.field, field);

	if (k + 1 < f->nent) {
		want_replay(f, k, field, NULL, orig);
		for (uint64_t r = 0; r < rep.n && r < MAX_REPORTS; r++)
			if (rep.index[r] == (int64_t)k)
				assert_int_equal(rep.kind[r],
						 FAMFS_ERR_CORRUPT);
		assert_int_equal(replay(f, &ns, &st), (long)f->nent);
		assert_int_equal(st.corrupt, 1);
		assert_int_equal(famfs_ns_health(ns), -EUCLEAN);
		famfs_ns_free(ns);
	}
	/* Make @k the tail. */
	h->next_index = h->next_seqnum = k + 1;
	f->nent = k + 1;
	assert_int_equal(replay(f, &ns, &st), -EBADMSG);
	assert_int_equal(st.next_index, k);
	assert_int_equal(st.torn, 1);
	assert_int_equal(st.bad, 0);
	assert_int_equal(famfs_ns_health(ns), -EBADMSG);
	assert_int_equal(rep.n, 1);
	assert_int_equal(rep.index[0], (int64_t)k);
	assert_int_equal(rep.kind[0], FAMFS_ERR_TORN);
	assert_string_equal(rep.field[0], field);
	for (uint64_t i = 0; i < k; i++) {
		const struct famfs_node *n;

		if (ent(f, i)->type == FAMFS_OMF_LOG_ADD_DAXDEV)
			continue;
		n = famfs_ns_resolve(ns, path_of(ent(f, i)));
		assert_non_null(n);
		assert_int_equal(n->log_index, (int64_t)i);
	}
	assert_null(famfs_ns_get(ns, FAMFS_INO_LOG_BASE + k));
	/* Asking again reports nothing new. */
	assert_int_equal(famfs_ns_replay(ns, f->log, f->sb->log_len, NULL),
			 -EBADMSG);
	assert_int_equal(rep.n, 1);
	famfs_ns_free(ns);
	*h = hsave;
	f->nent = nent;
}

/* Entry check alone: @code and @field named at index @k. */
void want_check(struct fx *f, uint64_t k, int code, const char *field)
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

void mutate(uint8_t *p, unsigned width, enum op op, uint64_t val)
{
	uint64_t v = 0;

	memcpy(&v, p, width);
	v = op == XOR ? v ^ val : op == SET ? val : v + val;
	memcpy(p, &v, width);
}

void pick(struct fx *f, struct picks *p)
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

void want_header(struct fx *f, int code, const char *field)
{
	struct famfs_ns_stats st;
	struct famfs_ns *ns;
	struct famfs_err err;

	famfs_err_clear(&err);
	assert_int_equal(famfs_log_header_check(hdr(f), f->sb->log_len, &err),
			 code);
	assert_int_equal(err.index, -1);
	assert_string_equal(err.field, field);
	assert_int_equal(replay(f, &ns, &st), code);
	assert_int_equal(st.next_index, 0);
	assert_int_equal(st.files + st.dirs, 0);
	assert_int_equal(rep.n, 1);
	assert_int_equal(rep.index[0], -1);
	assert_string_equal(rep.field[0], field);
	famfs_ns_free(ns);
}

/* Units entry @k holds in the clean namespace. */
uint64_t kunits(struct fx *f, uint64_t k)
{
	const struct famfs_node *n =
		famfs_ns_get(f->base, FAMFS_INO_LOG_BASE + k);

	if (!n || n->kind != FAMFS_NODE_FILE)
		return 0;
	return famfs_fmap_capacity(n->fmap) / FAMFS_ALLOC_UNIT;
}
