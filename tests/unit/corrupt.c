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
long replay(struct fx *f, unsigned flags, struct famfs_ns **nsp,
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
	assert_int_equal(replay(f, 0, &ns, &st), (long)f->nent);
	assert_int_equal(st.bad, 0);
	f->files = st.files;
	f->dirs = st.dirs;
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

/*
 * Expect: replay consumed everything; entry @k rejected with @field (NULL:
 * applied, at @newpath if not NULL); when @k is a directory that ends up
 * rejected or renamed, its descendants are rejected as "relpath"; every
 * other entry is applied at its path. @orig is @k's path before corruption.
 */
void want_replay(struct fx *f, unsigned flags, uint64_t k, const char *field,
		 const char *newpath, const char *orig)
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
	assert_int_equal(st.files + st.dirs + st.daxdevs + bad, f->nent);
	famfs_ns_free(ns);
}

/* Entry @k is torn (@field is "crc" or "seqnum"): default replay stops
 * there with everything before applied; SKIP_TORN rejects only it. */
void want_torn(struct fx *f, uint64_t k, const char *field, const char *orig)
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
		const struct famfs_node *n;

		if (ent(f, i)->type == FAMFS_OMF_LOG_ADD_DAXDEV)
			continue;
		n = famfs_ns_resolve(ns, path_of(ent(f, i)));

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
