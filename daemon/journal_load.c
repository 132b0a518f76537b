// SPDX-License-Identifier: Apache-2.0
/*
 * The recovery journal at start-up (journal.c writes it): open it, move
 * a journal of another file system or device aside, restore the objects
 * it holds as pending ones (parents first, device space claimed again),
 * drop with a warning what the log now contradicts, then switch to a
 * fresh file with this run's ids. Runs before the mount.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "journal_internal.h"

struct idmap {
	uint64_t old, now; /* journal id -> ino in this run (0: unresolved) */
};

static int by_old(const void *a, const void *b)
{
	const struct idmap *x = *(struct idmap *const *)a;
	const struct idmap *y = *(struct idmap *const *)b;

	return x->old < y->old ? -1 : x->old > y->old;
}

/* @ref as this run knows it; @by: the map sorted by journal id (each id
 * appears once: the loader keeps the last record of each). */
static uint64_t resolve(struct idmap *const *by, size_t n, uint64_t ref)
{
	struct idmap key = { .old = ref }, *k = &key, *const * hit;

	if (!fd_is_pending_ino(ref))
		return ref;
	hit = bsearch(&k, by, n, sizeof(*by), by_old);
	return hit ? (*hit)->now : 0;
}

/* Restore one PUT under @parent. 1 restored (*now set: a pending ino,
 * or a logged directory's), 0 dropped, 2 found logged already. */
static int restore(struct fd_ctx *c, const struct famfs_omf_jnl_rec *r,
		   uint64_t parent, uint64_t *now)
{
	char path[FAMFS_MAX_PATHLEN + 2];
	const struct famfs_node *n = NULL;
	struct famfs_fmap m;
	struct fd_marks init = { 0 };
	struct fd_pending *p;
	bool dir = S_ISDIR(r->mode);
	const char *why = NULL;

	memset(&m, 0, sizeof(m));
	m.type = FAMFS_FMAP_SIMPLE;
	if (fd_path_of_locked(c, parent, r->name, path, sizeof(path)) ||
	    famfs_path_check(path, NULL) || strchr(r->name, '/'))
		why = "not a valid famfs path";
	if (!why && !fd_is_pending_ino(parent))
		n = famfs_ns_lookup(c->ns, parent, r->name);
	if (!why && !n && !fd_is_pending_ino(parent) &&
	    famfs_ns_name_held(c->ns, parent, r->name) != -2)
		why = "a rejected log entry holds that name";
	if (!why && n) {
		/* Logged before the crash (its LOGGED record was lost)? */
		if (dir && n->kind == FAMFS_NODE_DIR) {
			*now = n->ino;
			return 1;
		}
		if (!dir && n->fmap && n->size == r->size && r->next &&
		    n->fmap->ext[0].offset == r->ext[0].offset)
			return 2; /* yes: nothing to do */
		why = "the log has that name now";
	}
	if (!why && fd_pend_lookup(c, parent, r->name))
		why = "named twice in the journal";
	/* What reads as zeros: the record's unwritten tail and holes (the
	 * device holds zeros or the file's bytes elsewhere, journal.c). */
	if (!why && !dir && r->unwritten > r->size)
		why = "its unwritten tail is longer than its size";
	if (!why && !dir && fd_marks_raise(&init, 0, r->size - r->unwritten))
		why = "out of memory";
	for (unsigned i = r->next;
	     !why && !dir && i < FAMFS_MAX_SIMPLE_EXTENTS && r->ext[i].len;
	     i++) {
		uint64_t end;

		if (__builtin_add_overflow(r->ext[i].offset, r->ext[i].len,
					   &end) ||
		    end > r->size)
			why = "it has a hole past its size";
		else
			fd_marks_cut(&init, r->ext[i].offset, end);
	}
	if (!why && !dir) {
		m.count = (uint8_t)r->next;
		for (unsigned i = 0; i < r->next; i++) {
			m.ext[i].offset = r->ext[i].offset;
			m.ext[i].len = r->ext[i].len;
		}
		if (famfs_fmap_capacity(&m) < r->size)
			why = "its extents are shorter than its size";
		else if (m.count && famfs_ns_claim(c->ns, &m))
			why = "its space is in use now or outside the device";
	}
	if (!why &&
	    fd_pend_new(c, parent, r->name, r->mode, r->uid, r->gid, &p)) {
		famfs_ns_release(c->ns, &m);
		why = "out of memory";
	}
	if (why) {
		fd_marks_free(&init);
		fd_log(LOG_WARNING, "journal: %s: %s; dropped",
		       path[0] ? path : r->name, why);
		return 0;
	}
	p->mode = r->mode;
	p->size = dir ? 0 : r->size;
	p->init = init;
	p->map = m;
	p->ever_opened = true; /* a file to keep, not an unused mknod */
	p->jlive = true;
	*now = p->ino;
	return 1;
}

/* Restore the PUT records, parents before children (any file order). */
static void replay(struct fd_ctx *c, struct famfs_omf_jnl_rec *r, size_t n)
{
	struct idmap *m = calloc(n + 1, sizeof(*m));
	struct idmap **by = calloc(n + 1, sizeof(*by));
	size_t files = 0, dirs = 0, dropped = 0;
	bool progress = true;

	if (!m || !by) {
		fd_log(LOG_ERR, "journal: out of memory; nothing recovered");
		free(m);
		free(by);
		return;
	}
	for (size_t i = 0; i < n; i++) {
		m[i].old = r[i].id;
		/* LOGGED: children of a directory logged before the crash. */
		m[i].now = r[i].type == FAMFS_JNL_LOGGED ? r[i].ns_ino : 0;
		by[i] = &m[i];
	}
	qsort(by, n, sizeof(*by), by_old);
	while (progress) {
		progress = false;
		for (size_t i = 0; i < n; i++) {
			uint64_t parent, now = 0;

			if (r[i].type != FAMFS_JNL_PUT || m[i].now)
				continue;
			parent = resolve(by, n, r[i].parent);
			if (!parent)
				continue; /* a later pass, once it is back */
			r[i].type = 0; /* handled */
			progress = true;
			switch (restore(c, &r[i], parent, &now)) {
			case 1:
				m[i].now = now;
				S_ISDIR(r[i].mode) ? dirs++ : files++;
				break;
			case 0:
				dropped++;
				break;
			}
		}
	}
	for (size_t i = 0; i < n; i++)
		if (r[i].type == FAMFS_JNL_PUT) {
			fd_log(LOG_WARNING,
			       "journal: %s: its directory is gone; dropped",
			       r[i].name);
			dropped++;
		}
	if (files || dirs || dropped)
		fd_log(LOG_INFO,
		       "journal: recovered %zu files and %zu directories not "
		       "logged before famfsd stopped (%zu dropped)",
		       files, dirs, dropped);
	free(by);
	free(m);
}

const char *fd_journal_dir(const struct fd_ctx *c)
{
	const char *env = getenv("FAMFS_JOURNAL_DIR");

	if (c->opts->journal_dir)
		return c->opts->journal_dir;
	return env && *env ? env : NULL;
}

int fd_journal_open(struct fd_ctx *c)
{
	const char *dir =
		fd_journal_dir(c) ? fd_journal_dir(c) : FAMFS_JOURNAL_DIR;
	struct famfs_omf_jnl_rec *recs = NULL;
	struct fd_journal *j = calloc(1, sizeof(*j));
	uint64_t valid;
	size_t n = 0;
	int rc;

	if (!j)
		return -ENOMEM;
	j->fd = -1;
	j->dirfd = -1;
	c->journal = j;
	if (mkdir(dir, 0700) && errno != EEXIST) {
		rc = -errno;
		fprintf(stderr, "famfsd: journal directory %s: %s\n", dir,
			strerror(-rc));
		fd_journal_free(c);
		return rc;
	}
	j->dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	rc = j->dirfd < 0 ? -errno :
			    famfs_journal_path(dir, famfs_fs_sb(c->fs), j->path,
					       sizeof(j->path));
	if (!rc)
		rc = famfs_journal_load(j->path, famfs_fs_sb(c->fs), &recs, &n,
					&valid);
	if (rc == -ESTALE || rc == -EINVAL || rc == -EBADMSG) {
		char aside[sizeof(j->path) + 16];

		snprintf(aside, sizeof(aside), "%s.rejected", j->path);
		fd_log(LOG_WARNING,
		       "journal %s: %s; moved aside to %s, nothing recovered",
		       j->path,
		       rc == -ESTALE ? "written for another file system or "
				       "device" :
				       "not a famfsd journal or a bad header",
		       aside);
		rc = rename(j->path, aside) ? -errno : 0;
	}
	if (rc) {
		fprintf(stderr, "famfsd: journal %s: %s\n",
			j->path[0] ? j->path : dir, strerror(-rc));
		fd_journal_free(c);
		return rc;
	}
	pthread_rwlock_wrlock(&c->ns_lock);
	pthread_mutex_lock(&c->pend_lock);
	replay(c, recs, n);
	/* A fresh file with this run's ids (and no torn tail). */
	rc = fd_journal_rewrite(c);
	pthread_mutex_unlock(&c->pend_lock);
	pthread_rwlock_unlock(&c->ns_lock);
	free(recs);
	if (rc) {
		fprintf(stderr, "famfsd: journal %s: %s\n", j->path,
			strerror(-rc));
		fd_journal_free(c);
	}
	return rc;
}
