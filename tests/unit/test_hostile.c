// SPDX-License-Identifier: Apache-2.0
/*
 * Hostile entries with valid CRCs (hostile.c): for each case, replay serves
 * it or rejects it naming the field, once; served files hold only their own
 * bytes; rejected entries keep the units they map inside the device and,
 * when their path is clean, their names; the allocator and the writer on
 * top never hand out a unit any entry maps nor reuse a held name.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hostile.h"
#include "testutil.h"

#define AU FAMFS_ALLOC_UNIT
#define NUNITS (HOSTILE_DEV_SIZE / AU)

struct seen {
	unsigned n;
	int64_t index[256];
	char field[256][48];
	int kind[256];
};

static void reporter(void *arg, const struct famfs_err *err)
{
	struct seen *s = arg;

	if (s->n < 256) {
		s->index[s->n] = err->index;
		snprintf(s->field[s->n], sizeof(s->field[0]), "%s", err->field);
		s->kind[s->n] = err->kind;
	}
	s->n++;
}

struct ctx {
	char path[256];
	struct famfs_dev *dev;
	struct famfs_ns *ns;
	struct seen seen;
	bool mapped[NUNITS]; /* some CRC-good FILE entry maps the unit */
};

/*
 * The allocation rule restated from famfsd(8): every extent of every entry
 * whose CRC is good (read as a FILE unless it is a MKDIR or ADD_DAXDEV)
 * that lies wholly inside the device holds every unit it touches (the
 * superblock and log are held anyway).
 */
static void mark_mapped(struct ctx *c, const uint8_t *log, uint64_t n)
{
	for (uint64_t u = 0;
	     u < (FAMFS_LOG_OFFSET + FAMFS_LOG_LEN_DEFAULT) / AU; u++)
		c->mapped[u] = true;
	for (uint64_t i = 0; i < n; i++) {
		const struct famfs_omf_log_entry *e =
			(const void *)(log + famfs_log_entry_offset(i));
		const struct famfs_omf_extent *x;
		unsigned cnt;

		if (e->type == FAMFS_OMF_LOG_MKDIR ||
		    e->type == FAMFS_OMF_LOG_ADD_DAXDEV ||
		    !tu_entry_sealed(e, i))
			continue;
		cnt = tu_raw_extents(e, &x);
		for (unsigned k = 0; k < cnt; k++) {
			uint64_t end;

			if (x[k].devindex || !x[k].len ||
			    __builtin_add_overflow(x[k].offset, x[k].len,
						   &end) ||
			    end > HOSTILE_DEV_SIZE)
				continue;
			for (uint64_t u = x[k].offset / AU; u * AU < end; u++)
				c->mapped[u] = true;
		}
	}
}

static int setup(void **state)
{
	struct ctx *c = calloc(1, sizeof(*c));
	struct famfs_omf_uuid me;
	struct famfs_err err;
	const uint8_t *base;

	tu_uuid(&me, "00000000-1111-4222-8333-444444444444");
	tu_tmppath(c->path, sizeof(c->path), "hostile");
	assert_int_equal(hostile_build(c->path, &me), 0);
	assert_int_equal(
		famfs_dev_open(c->path, FAMFS_DEV_RDONLY, &c->dev, &err), 0);
	base = famfs_dev_addr(c->dev);
	assert_int_equal(famfs_ns_create((const void *)base, &c->ns), 0);
	famfs_ns_set_reporter(c->ns, reporter, &c->seen);
	assert_int_equal(famfs_ns_replay(c->ns, base + FAMFS_LOG_OFFSET,
					 FAMFS_LOG_LEN_DEFAULT, NULL),
			 (long)hostile_cases[hostile_ncases - 1].index + 1);
	mark_mapped(c, base + FAMFS_LOG_OFFSET,
		    hostile_cases[hostile_ncases - 1].index + 1);
	*state = c;
	return 0;
}

static int teardown(void **state)
{
	struct ctx *c = *state;

	famfs_ns_free(c->ns);
	famfs_dev_close(c->dev);
	unlink(c->path);
	free(c);
	return 0;
}

/* Parent directory (served) and last component of a clean path. */
static const struct famfs_node *parent_of(const struct famfs_ns *ns,
					  const char *path, const char **name)
{
	char dir[FAMFS_MAX_PATHLEN];
	const char *slash = strrchr(path, '/');

	if (!slash) {
		*name = path;
		return famfs_ns_get(ns, FAMFS_INO_ROOT);
	}
	memcpy(dir, path, (size_t)(slash - path));
	dir[slash - path] = '\0';
	*name = slash + 1;
	return famfs_ns_resolve(ns, dir);
}

/* Each case: served at its path, or rejected once with its field. */
static void test_cases(void **state)
{
	struct ctx *c = *state;
	unsigned rejected = 0, collisions = 0;
	struct famfs_ns_stats st;

	for (unsigned i = 0; i < hostile_ncases; i++) {
		const struct hostile_case *h = &hostile_cases[i];
		const struct famfs_node *n, *dir;
		unsigned reports = 0;
		const char *name;

		print_message("case %2u entry %3llu %s\n", i,
			      (unsigned long long)h->index, h->what);
		for (unsigned r = 0; r < c->seen.n && r < 256; r++) {
			if (c->seen.index[r] != (int64_t)h->index)
				continue;
			reports++;
			assert_non_null(h->field);
			assert_int_equal(strncmp(c->seen.field[r], h->field,
						 strlen(h->field)),
					 0);
			assert_int_equal(c->seen.kind[r], h->kind);
		}
		n = famfs_ns_get(c->ns, FAMFS_INO_LOG_BASE + h->index);
		if (h->served) {
			assert_int_equal(reports, 0);
			assert_non_null(n);
			assert_ptr_equal(famfs_ns_resolve(c->ns, h->path), n);
			continue;
		}
		assert_int_equal(reports, 1);
		assert_null(n);
		rejected++;
		collisions += h->kind == FAMFS_ERR_COLLISION;
		if (!h->addressable)
			continue;
		dir = parent_of(c->ns, h->path, &name);
		if (h->holds_name) {
			assert_non_null(dir);
			assert_int_not_equal(
				famfs_ns_name_held(c->ns, dir->ino, name), -2);
		}
		n = famfs_ns_resolve(c->ns, h->path);
		/* Only a served namesake may answer for a rejected entry. */
		if (n)
			assert_int_not_equal(n->log_index, (int64_t)h->index);
	}
	famfs_ns_stats(c->ns, &st);
	assert_int_equal(c->seen.n, rejected);
	assert_int_equal(st.bad, rejected);
	assert_int_equal(st.collisions, collisions);
	assert_int_equal(st.corrupt, 0);
	assert_int_equal(famfs_ns_health(c->ns), 0);
	/* Every unit anyone maps counts as used, nothing more. */
	{
		uint64_t used = 0;

		for (uint64_t u = 0; u < NUNITS; u++)
			used += c->mapped[u];
		assert_int_equal(st.alloc_units, used);
	}
}

/* Served files read only their own bytes; nothing else left the sentinel. */
static void test_bytes(void **state)
{
	struct ctx *c = *state;

	assert_int_equal(hostile_verify_bytes(c->ns, famfs_dev_addr(c->dev),
					      HOSTILE_DEV_SIZE),
			 0);
}

/* The allocator hands out exactly the units nobody maps. */
static void test_alloc(void **state)
{
	struct ctx *c = *state;
	struct famfs_alloc_req r = { .size = AU };
	uint64_t got = 0, free_units = 0;
	bool taken[NUNITS];
	struct famfs_fmap m;

	memcpy(taken, c->mapped, sizeof(taken));
	for (uint64_t u = 0; u < NUNITS; u++)
		free_units += !taken[u];
	assert_true(free_units > 0);
	while (famfs_ns_alloc(c->ns, &r, &m) == 0) {
		uint64_t u = m.ext[0].offset / AU;

		assert_false(taken[u]);
		taken[u] = true;
		got++;
	}
	assert_int_equal(got, free_units);
	assert_int_equal(famfs_ns_free_bytes(c->ns), 0);
}

/* The writer on top: new files on free units, held names refused. */
static void test_writer(void **state)
{
	struct ctx *c = *state;
	struct famfs_alloc_req r = { .size = 3 * AU };
	struct famfs_fs_opts o;
	struct famfs_ns_stats st0, st1;
	struct famfs_fs *fs;
	struct famfs_err err;
	struct famfs_fmap m;
	struct seen seen = { 0 };
	struct famfs_ns *ns;

	famfs_fs_opts_init(&o);
	o.role = FAMFS_ROLE_MASTER;
	assert_int_equal(famfs_fs_open(c->path, &o, &fs, &err), 0);
	assert_int_equal(famfs_fs_lock(fs, true), 0);
	famfs_ns_stats(famfs_fs_ns(fs), &st0);
	for (unsigned i = 0; i < hostile_ncases; i++) {
		const struct hostile_case *h = &hostile_cases[i];

		if (h->served || !h->holds_name)
			continue;
		assert_int_equal(famfs_fs_mkdir(fs, h->path, 0755, 0, 0, NULL),
				 -EEXIST);
	}
	assert_int_equal(famfs_ns_alloc(famfs_fs_ns(fs), &r, &m), 0);
	for (unsigned k = 0; k < m.count; k++)
		for (uint64_t u = m.ext[k].offset / AU;
		     u < (m.ext[k].offset + m.ext[k].len) / AU; u++)
			assert_false(c->mapped[u]);
	assert_int_equal(
		famfs_fs_mkfile(fs, "new", 0644, 0, 0, r.size, &m, NULL), 0);
	famfs_fs_close(fs);

	/* A fresh reader sees the new file and nothing newly rejected. */
	famfs_dev_close(c->dev);
	assert_int_equal(
		famfs_dev_open(c->path, FAMFS_DEV_RDONLY, &c->dev, &err), 0);
	assert_int_equal(famfs_ns_create(famfs_dev_addr(c->dev), &ns), 0);
	famfs_ns_set_reporter(ns, reporter, &seen);
	assert_true(famfs_ns_replay(ns,
				    (uint8_t *)famfs_dev_addr(c->dev) +
					    FAMFS_LOG_OFFSET,
				    FAMFS_LOG_LEN_DEFAULT, NULL) > 0);
	famfs_ns_stats(ns, &st1);
	assert_int_equal(st1.bad, st0.bad);
	assert_int_equal(st1.files, st0.files + 1);
	assert_non_null(famfs_ns_resolve(ns, "new"));
	assert_int_equal(seen.n, st0.bad);
	famfs_ns_free(ns);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cases),
		cmocka_unit_test(test_bytes),
		cmocka_unit_test(test_alloc),
		cmocka_unit_test(test_writer),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
