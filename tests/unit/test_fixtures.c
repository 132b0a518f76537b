// SPDX-License-Identifier: Apache-2.0
/*
 * Fixture conformance: every image upstream famfs wrote (shared/fixtures)
 * validates, replays clean, and matches its manifest field by field.
 * One cmocka test per fixture, discovered from $FAMFS_FIXTURES.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "manifest.h"
#include "testutil.h"

#define MAX_FIXTURES 64

static const char *fixtures_dir;
static char script[4096];

struct seen {
	uint64_t n;
	char first[300];
};

static void reporter(void *arg, const struct famfs_err *err)
{
	struct seen *s = arg;

	if (!s->n++)
		famfs_err_str(err, s->first, sizeof(s->first));
}

static void load_manifest(const char *name, struct manifest *m)
{
	char path[4096], why[300];
	struct stat st;

	snprintf(path, sizeof(path), "%s/%s.manifest.json", fixtures_dir, name);
	if (stat(path, &st))
		snprintf(path, sizeof(path), "%s/%s.manifest.json.xz",
			 fixtures_dir, name);
	if (mf_load(script, path, m, why, sizeof(why)))
		fail_msg("%s: %s", path, why);
	assert_string_equal(m->name, name);
}

static void check_superblock(const struct manifest *m,
			     const struct famfs_omf_superblock *sb)
{
	struct famfs_err err;
	char msg[300];

	assert_int_equal(sb->magic, m->magic);
	assert_int_equal(sb->magic, FAMFS_SUPER_MAGIC);
	assert_int_equal(sb->version, m->version);
	assert_int_equal(sb->log_offset, m->log_offset);
	assert_int_equal(sb->log_len, m->log_len);
	assert_int_equal(sb->alloc_unit, m->alloc_unit);
	assert_int_equal(sb->omf_ver_major, m->omf_major);
	assert_int_equal(sb->omf_ver_minor, m->omf_minor);
	assert_int_equal(sb->omf_ver_minor, m->version == 47 ? 1 : 2);
	assert_memory_equal(&sb->fs_uuid, &m->fs_uuid, 16);
	assert_memory_equal(&sb->dev_uuid, &m->dev_uuid, 16);
	assert_memory_equal(&sb->system_uuid, &m->system_uuid, 16);
	assert_int_equal(sb->crc, m->sb_crc);
	assert_int_equal(sb->sb_flags, m->sb_flags);
	assert_int_equal(sb->daxdev.size, m->daxdev_size);
	assert_int_equal(sb->daxdev.size, m->device_size);
	assert_memory_equal(&sb->daxdev.uuid, &m->daxdev_uuid, 16);
	assert_int_equal(strnlen(sb->daxdev.name, 64), strlen(m->daxdev_name));
	assert_memory_equal(sb->daxdev.name, m->daxdev_name,
			    strlen(m->daxdev_name));
	if (famfs_sb_check(sb, m->device_size, &err))
		fail_msg("%s", famfs_err_str(&err, msg, sizeof(msg)));
}

static void check_header(const struct manifest *m, const uint8_t *log)
{
	const struct famfs_omf_log_header *h = (const void *)log;
	struct famfs_err err;
	char msg[300];

	assert_int_equal(h->magic, m->lh_magic);
	assert_int_equal(h->magic, FAMFS_LOG_MAGIC);
	assert_int_equal(h->log_len, m->lh_log_len);
	assert_int_equal(h->last_index, m->lh_last_index);
	assert_int_equal(h->crc, m->lh_crc);
	assert_int_equal(h->next_seqnum, m->lh_next_seqnum);
	assert_int_equal(h->next_index, m->lh_next_index);
	assert_int_equal(h->last_index + 1, m->capacity);
	assert_int_equal(famfs_log_last_index(m->log_len) + 1, m->capacity);
	assert_int_equal(h->next_index, m->n);
	if (famfs_log_header_check(h, m->log_len, &err))
		fail_msg("%s", famfs_err_str(&err, msg, sizeof(msg)));
	/* Every slot after next_index is zero. */
	for (uint64_t off = famfs_log_entry_offset(h->next_index);
	     off < m->log_len; off++)
		if (log[off])
			fail_msg("log byte %llu after the last entry is not 0",
				 (unsigned long long)off);
}

/* The raw on-media entry against the manifest. */
static void check_raw_entry(const struct mf_entry *me, const uint8_t *log)
{
	const struct famfs_omf_log_entry *e =
		(const void *)(log + famfs_log_entry_offset(me->index));
	const struct famfs_omf_fmap *om;

	assert_int_equal(e->seqnum, me->seqnum);
	assert_int_equal(e->seqnum, me->index);
	assert_int_equal(e->type, me->type);
	assert_int_equal(e->crc, me->crc);
	assert_int_equal(e->crc, famfs_crc(e, FAMFS_LOG_ENTRY_CRC_LEN));
	switch (me->kind) {
	case 'D':
		assert_int_equal(e->type, FAMFS_OMF_LOG_MKDIR);
		assert_string_equal(e->u.mkdir.relpath, me->path);
		assert_int_equal(e->u.mkdir.mode, me->mode);
		assert_int_equal(e->u.mkdir.uid, me->uid);
		assert_int_equal(e->u.mkdir.gid, me->gid);
		break;
	case 'F':
		assert_int_equal(e->type, FAMFS_OMF_LOG_FILE);
		assert_string_equal(e->u.file.relpath, me->path);
		assert_int_equal(e->u.file.mode, me->mode);
		assert_int_equal(e->u.file.uid, me->uid);
		assert_int_equal(e->u.file.gid, me->gid);
		assert_int_equal(e->u.file.size, me->size);
		assert_int_equal(e->u.file.flags, me->flags);
		om = &e->u.file.fmap;
		assert_int_equal(om->nextents, me->nextents);
		if (me->interleave) {
			const struct famfs_omf_interleave *ie = &om->u.ie[0];

			assert_int_equal(om->ext_type,
					 FAMFS_OMF_EXT_INTERLEAVE);
			assert_int_equal(ie->nstrips, me->nstrips);
			assert_int_equal(ie->nstrips, me->nx);
			assert_int_equal(ie->chunk_size, me->chunk_size);
			for (unsigned i = 0; i < me->nx; i++) {
				assert_int_equal(ie->strips[i].devindex,
						 me->x[i].devindex);
				assert_int_equal(ie->strips[i].offset,
						 me->x[i].offset);
				assert_int_equal(ie->strips[i].len,
						 me->x[i].len);
			}
		} else {
			assert_int_equal(om->ext_type, FAMFS_OMF_EXT_SIMPLE);
			assert_int_equal(om->nextents, me->nx);
			for (unsigned i = 0; i < me->nx; i++) {
				assert_int_equal(om->u.se[i].devindex,
						 me->x[i].devindex);
				assert_int_equal(om->u.se[i].offset,
						 me->x[i].offset);
				assert_int_equal(om->u.se[i].len, me->x[i].len);
			}
		}
		break;
	case 'A':
		assert_int_equal(e->type, FAMFS_OMF_LOG_ADD_DAXDEV);
		assert_int_equal(e->u.daxdev.dd_size, me->dd_size);
		assert_int_equal(e->u.daxdev.dd_index, me->dd_index);
		assert_memory_equal(&e->u.daxdev.dd_uuid, &me->dd_uuid, 16);
		break;
	default:
		fail_msg("unknown kind %c", me->kind);
	}
}

/* The replayed node against the manifest. */
static void check_node(const struct mf_entry *me, const struct famfs_ns *ns)
{
	const struct famfs_node *n = famfs_ns_resolve(ns, me->path);

	if (!n)
		fail_msg("entry %llu: \"%s\" not in the namespace",
			 (unsigned long long)me->index, me->path);
	assert_int_equal(n->ino, FAMFS_INO_LOG_BASE + me->index);
	assert_ptr_equal(famfs_ns_get(ns, n->ino), n);
	assert_int_equal(n->log_index, me->index);
	assert_int_equal(n->uid, me->uid);
	assert_int_equal(n->gid, me->gid);
	if (me->kind == 'D') {
		assert_int_equal(n->kind, FAMFS_NODE_DIR);
		assert_int_equal(n->mode, S_IFDIR | me->mode);
		assert_null(n->fmap);
		return;
	}
	assert_int_equal(n->kind, FAMFS_NODE_FILE);
	assert_int_equal(n->mode, S_IFREG | me->mode);
	assert_int_equal(n->size, me->size);
	assert_int_equal(n->nlink, 1);
	assert_non_null(n->fmap);
	assert_int_equal(n->fmap->type, me->interleave ? FAMFS_FMAP_INTERLEAVE :
							 FAMFS_FMAP_SIMPLE);
	assert_int_equal(n->fmap->count, me->nx);
	if (me->interleave)
		assert_int_equal(n->fmap->chunk_size, me->chunk_size);
	for (unsigned i = 0; i < me->nx; i++) {
		assert_int_equal(n->fmap->ext[i].devindex, me->x[i].devindex);
		assert_int_equal(n->fmap->ext[i].offset, me->x[i].offset);
		assert_int_equal(n->fmap->ext[i].len, me->x[i].len);
	}
	assert_true(famfs_fmap_capacity(n->fmap) >= me->size);
}

/* The README's mapping, computed from the manifest alone. */
static uint64_t manifest_dev_off(const struct mf_entry *me, uint64_t off)
{
	uint64_t base = 0;

	if (me->interleave) {
		uint64_t c = off / me->chunk_size;

		return me->x[c % me->nstrips].offset +
		       c / me->nstrips * me->chunk_size + off % me->chunk_size;
	}
	for (unsigned i = 0; i < me->nx; i++) {
		if (off < base + me->x[i].len)
			return me->x[i].offset + (off - base);
		base += me->x[i].len;
	}
	fail_msg("offset %llu outside the manifest map",
		 (unsigned long long)off);
	return 0;
}

static void check_offset(const struct mf_entry *me, const struct famfs_node *n,
			 uint64_t off)
{
	struct famfs_piece p;

	if (famfs_fmap_resolve(n->fmap, off, &p))
		fail_msg("\"%s\" offset %llu does not resolve", me->path,
			 (unsigned long long)off);
	assert_int_equal(p.dev_off, manifest_dev_off(me, off));
	assert_int_equal(p.devindex, 0);
	assert_true(p.len > 0);
}

static void check_mapping(const struct mf_entry *me, const struct famfs_ns *ns)
{
	const struct famfs_node *n = famfs_ns_resolve(ns, me->path);
	uint64_t x = me->index + 1;

	check_offset(me, n, 0);
	check_offset(me, n, me->size - 1);
	check_offset(me, n, me->size / 2);
	if (me->interleave)
		for (uint64_t c = me->chunk_size; c < me->size;
		     c += me->chunk_size) {
			check_offset(me, n, c - 1);
			check_offset(me, n, c);
		}
	for (int i = 0; i < 16; i++) {
		x = x * 6364136223846793005ULL + 1442695040888963407ULL;
		check_offset(me, n, (x >> 13) % me->size);
	}
}

/* The whole open path on a sparse image holding just the metadata. */
static void check_fs_open(const struct manifest *m, const uint8_t *meta,
			  const struct famfs_ns_stats *want)
{
	struct famfs_fs_opts o;
	struct famfs_fs *fs;
	struct famfs_ns_stats st;
	struct famfs_err err;
	struct seen seen = { 0 };
	char path[256], msg[300];
	int fd;

	tu_tmppath(path, sizeof(path), m->name);
	tu_sparse_file(path, m->device_size);
	fd = open(path, O_WRONLY);
	assert_true(fd >= 0);
	assert_int_equal(pwrite(fd, meta, m->meta_len, 0),
			 (ssize_t)m->meta_len);
	close(fd);
	famfs_fs_opts_init(&o);
	o.role = FAMFS_ROLE_CLIENT;
	o.report = reporter;
	o.report_arg = &seen;
	if (famfs_fs_open(path, &o, &fs, &err))
		fail_msg("open: %s", famfs_err_str(&err, msg, sizeof(msg)));
	famfs_ns_stats(famfs_fs_ns(fs), &st);
	assert_int_equal(seen.n, 0);
	assert_memory_equal(&st, want, sizeof(st));
	assert_int_equal(famfs_fs_log_free(fs), m->capacity - m->n);
	assert_int_equal(famfs_fs_refresh(fs), 0);
	famfs_fs_close(fs);
	unlink(path);
}

/*
 * A damaged entry derived as the fixture README suggests (one byte flipped
 * at entry offset 100). In mid-log every reader skips it as corrupt (the
 * namespace is then read-only); made the tail, it is torn and replay stops.
 */
static void check_torn(const struct manifest *m, uint8_t *meta)
{
	uint8_t *log = meta + FAMFS_LOG_OFFSET;
	struct famfs_omf_log_header *h = (void *)log, hsave = *h;
	uint64_t k = m->n / 2;
	uint8_t *b = log + famfs_log_entry_offset(k) + 100;
	struct famfs_ns_stats st;
	struct seen seen = { 0 };
	struct famfs_ns *ns;

	*b ^= 0x01;
	if (k + 1 == m->n)
		goto tail; /* a two-entry log has no middle */
	assert_int_equal(famfs_ns_create((const void *)meta, &ns), 0);
	famfs_ns_set_reporter(ns, reporter, &seen);
	assert_int_equal(famfs_ns_replay(ns, log, m->log_len, NULL),
			 (long)m->n);
	famfs_ns_stats(ns, &st);
	assert_int_equal(st.next_index, m->n);
	assert_int_equal(st.corrupt, 1);
	assert_true(st.bad >= 1);
	assert_int_equal(seen.n, st.bad);
	assert_non_null(strstr(seen.first, ": crc: "));
	assert_null(famfs_ns_get(ns, FAMFS_INO_LOG_BASE + k));
	assert_int_equal(famfs_ns_health(ns), -EUCLEAN);
	famfs_ns_free(ns);
tail:
	seen.n = 0;
	h->next_index = h->next_seqnum = k + 1;
	assert_int_equal(famfs_ns_create((const void *)meta, &ns), 0);
	famfs_ns_set_reporter(ns, reporter, &seen);
	assert_int_equal(famfs_ns_replay(ns, log, m->log_len, NULL), -EBADMSG);
	famfs_ns_stats(ns, &st);
	assert_int_equal(st.next_index, k);
	assert_int_equal(st.torn, 1);
	assert_int_equal(st.bad, 0);
	assert_int_equal(seen.n, 1);
	assert_int_equal(famfs_ns_health(ns), -EBADMSG);
	famfs_ns_free(ns);
	*h = hsave;
	*b ^= 0x01;
}

static void test_fixture(void **state)
{
	const char *name = *state;
	struct manifest m;
	struct famfs_ns *ns;
	struct famfs_ns_stats st;
	struct seen seen = { 0 };
	uint64_t len = 0, files = 0, dirs = 0, dd = 0, ie = 0, bytes = 0;
	uint8_t *meta;
	const uint8_t *log;
	bool has79 = false;

	load_manifest(name, &m);
	meta = tu_fixture_meta(name, &len);
	if (!meta)
		fail_msg("%s: cannot read %s.meta.xz", fixtures_dir, name);
	assert_int_equal(len, m.meta_len);
	assert_int_equal(m.meta_len, FAMFS_LOG_OFFSET + m.log_len);
	log = meta + FAMFS_LOG_OFFSET;

	check_superblock(&m, (const void *)meta);
	check_header(&m, log);

	assert_int_equal(famfs_ns_create((const void *)meta, &ns), 0);
	famfs_ns_set_reporter(ns, reporter, &seen);
	assert_int_equal(famfs_ns_replay(ns, log, m.log_len, NULL), (long)m.n);
	if (seen.n)
		fail_msg("%llu bad entries, first: %s",
			 (unsigned long long)seen.n, seen.first);

	for (uint64_t i = 0; i < m.n; i++) {
		const struct mf_entry *me = &m.e[i];

		assert_int_equal(me->index, i);
		check_raw_entry(me, log);
		if (me->kind == 'A') {
			dd++;
			continue;
		}
		check_node(me, ns);
		has79 |= strlen(me->path) == FAMFS_MAX_PATHLEN - 1;
		if (me->kind == 'D') {
			dirs++;
			continue;
		}
		files++;
		bytes += me->size;
		ie += me->interleave;
		check_mapping(me, ns);
	}
	assert_int_equal(files, m.files);
	assert_int_equal(dirs, m.dirs);
	assert_int_equal(dd, m.add_daxdev);
	assert_int_equal(ie, m.interleaved_files);

	/* fsck-style statistics. */
	famfs_ns_stats(ns, &st);
	assert_int_equal(st.next_index, m.lh_next_index);
	assert_int_equal(st.files, m.files);
	assert_int_equal(st.dirs, m.dirs);
	assert_int_equal(st.daxdevs, m.add_daxdev);
	assert_int_equal(st.bad, 0);
	assert_int_equal(st.collisions, 0);
	assert_int_equal(st.rejected_units, 0);
	assert_int_equal(famfs_ns_health(ns), 0);
	assert_int_equal(st.bytes, bytes);
	assert_int_equal(st.total_units, m.device_size / (2 * TU_MiB));
	assert_int_equal(famfs_ns_geom(ns)->ndevs, 1 + m.add_daxdev);
	for (uint64_t i = 0; i < m.n; i++)
		if (m.e[i].kind == 'A')
			assert_int_equal(
				famfs_ns_geom(ns)->dev_size[m.e[i].dd_index],
				m.e[i].dd_size);

	/* What each fixture is there to exercise. */
	if (strstr(name, "-full"))
		assert_int_equal(m.capacity - m.lh_next_index, 0);
	if (strstr(name, "-add-daxdev"))
		assert_int_equal(st.daxdevs, 1);
	if (strstr(name, "-basic"))
		assert_true(has79);
	if (strstr(name, "-log16m"))
		assert_int_equal(m.log_len, 16 * TU_MiB);

	check_fs_open(&m, meta, &st);
	check_torn(&m, meta);
	famfs_ns_free(ns);
	free(meta);
	mf_free(&m);
}

static int by_name(const void *a, const void *b)
{
	return strcmp(((const struct CMUnitTest *)a)->name,
		      ((const struct CMUnitTest *)b)->name);
}

int main(void)
{
	static const char *const expected[] = {
		"v47-basic",	  "v47-many2000", "v47-minimal",
		"v48-add-daxdev", "v48-basic",	  "v48-full",
		"v48-log16m",	  "v48-many2000", "v48-minimal",
	};
	struct CMUnitTest tests[MAX_FIXTURES];
	char *names[MAX_FIXTURES];
	const char *src = getenv("FAMFS_SRC");
	struct dirent *d;
	size_t n = 0;
	DIR *dir;
	int rc;

	fixtures_dir = getenv("FAMFS_FIXTURES");
	if (!fixtures_dir || !(dir = opendir(fixtures_dir))) {
		printf("SKIP: no fixtures (FAMFS_FIXTURES=%s)\n",
		       fixtures_dir ? fixtures_dir : "unset");
		return 77;
	}
	snprintf(script, sizeof(script), "%s/tests/unit/manifest2txt.py",
		 src ? src : ".");
	while ((d = readdir(dir)) && n < MAX_FIXTURES) {
		size_t l = strlen(d->d_name);

		if (l <= 8 || strcmp(d->d_name + l - 8, ".meta.xz"))
			continue;
		names[n] = strndup(d->d_name, l - 8);
		tests[n] = (struct CMUnitTest){ .name = names[n],
						.test_func = test_fixture,
						.initial_state = names[n] };
		n++;
	}
	closedir(dir);
	qsort(tests, n, sizeof(tests[0]), by_name);
	/* A fixture silently missing would shrink coverage: count them. */
	for (size_t i = 0; i < sizeof(expected) / sizeof(expected[0]); i++) {
		bool found = false;

		for (size_t j = 0; j < n; j++)
			found |= !strcmp(tests[j].name, expected[i]);
		if (!found) {
			printf("fixture %s missing from %s\n", expected[i],
			       fixtures_dir);
			return 1;
		}
	}
	rc = _cmocka_run_group_tests("fixtures", tests, n, NULL, NULL);
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	return rc;
}
