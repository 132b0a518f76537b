// SPDX-License-Identifier: Apache-2.0
/*
 * The commit pass: logging pending objects (inode.c) once they settle.
 * The follower thread runs it every poll interval, and with @force at
 * shutdown; fsync makes one object durable now (in the recovery journal,
 * journal.c, or without one by logging it). A directory is logged before
 * what it contains, whatever the creation order (renames can put a child
 * first: it waits for a later pass). A file's data is in place before its
 * entry, and its space is trimmed to its size, so a crash loses only
 * unlogged objects. An object famfs cannot log (an empty file, a log
 * error) is dropped, and the kernel told.
 */
#include <errno.h>
#include <inttypes.h>
#include <string.h>
#include <unistd.h>

#include "pending_internal.h"

/*
 * A dax mapping shows the whole last page of a file, past its size too,
 * and reused space may hold a deleted file's bytes there: zero them
 * before any host can map the file.
 */
static int zero_tail(struct fd_ctx *c, struct fd_pending *p)
{
	uint64_t page = (uint64_t)sysconf(_SC_PAGESIZE);
	uint64_t rest = p->size % page;

	if (!rest)
		return 0;
	return fd_file_zero(c, &p->map, page - rest, p->size);
}

/* Log one settled object. Both locks and the log lock held. */
static int commit_one(struct fd_ctx *c, struct fd_pending *p)
{
	char path[FAMFS_MAX_PATHLEN + 2];
	uint64_t ino = 0;
	int rc;

	rc = fd_path_of_locked(c, p->parent, p->name, path, sizeof(path));
	if (!rc && p->is_dir) {
		rc = famfs_fs_mkdir(c->fs, path, p->mode & 07777, p->uid,
				    p->gid, &ino);
	} else if (!rc) {
		/* Other hosts and dax mappings read the device, not us. */
		rc = fd_pend_fill_locked(c, p, true);
		if (!rc)
			rc = zero_tail(c, p);
		if (!rc)
			rc = famfs_ns_alloc_trim(c->ns, &p->map, p->size);
		if (!rc)
			rc = famfs_fs_mkfile(c->fs, path, p->mode & 07777,
					     p->uid, p->gid, p->size, &p->map,
					     &ino);
	}
	if (rc) {
		fd_log(LOG_ERR, "%s: cannot log it (%s); it is dropped",
		       path[0] ? path : p->name, strerror(-rc));
		return rc;
	}
	fd_pend_set_state(c, p, FD_PEND_LOGGED);
	fd_marks_free(&p->init); /* all initialized: read as logged */
	p->logged_ino = ino;
	fd_journal_logged(c, p, ino);
	/* The kernel keeps knowing it by its temporary number. */
	if (fd_ident_add(c, p->ino, ino))
		fd_log(LOG_WARNING, "%s: out of memory for its identity", path);
	fd_log(LOG_DEBUG, "%s: logged as ino %" PRIu64 " (%" PRIu64 " bytes)",
	       path, ino, p->size);
	/* Its children now hang under the logged directory. */
	if (p->is_dir)
		fd_pend_reparent(c, p->ino, ino);
	return 0;
}

static void drop_one(struct fd_ctx *c, struct fd_pending *p)
{
	fd_journal_logged(c, p, 0); /* forgotten: a DEL would say no more */
	fd_pend_set_state(c, p, FD_PEND_GONE);
	if (!p->nopen)
		fd_pend_release_space(c, p);
	/* The kernel still has the name: tell it the object is gone. */
	fd_notify_entry(c, fd_ident_nodeid(c, p->parent), p->name);
	/* Pending children of a dropped directory go with it. */
	for (struct fd_pending *q = c->pending; q; q = q->next)
		if (q->parent == p->ino && q->state == FD_PEND_OPEN)
			drop_one(c, q);
}

/* One pass over the pending list; see fd_pend_commit. *journaled: a
 * settled object was queued in the journal. Returns how many were logged
 * or dropped. */
static uint64_t commit_pass(struct fd_ctx *c, bool force, uint64_t now,
			    bool *locked, uint64_t *left, bool *journaled)
{
	uint64_t settle = (uint64_t)c->settle_ms * 1000000ULL, done = 0;

	*left = 0;
	for (struct fd_pending *p = c->pending; p; p = p->next) {
		bool open = p->nopen && !p->is_dir;
		bool settled = !open && p->touched_ns + settle <= now;
		int rc;

		if (p->state != FD_PEND_OPEN)
			continue;
		/* Parents first: a pending parent is logged earlier in this
		 * pass (when it was created first) or in a later one. A settled object
		 * under a busy new directory goes to the journal meanwhile,
		 * so it survives a crash. Open files are never logged while
		 * a journal can carry them over a shutdown. */
		if (fd_is_pending_ino(p->parent) || (!force && !settled) ||
		    (open && fd_journal_on(c))) {
			if (settled && fd_journal_on(c) &&
			    !fd_journal_settled(c, p))
				*journaled = true;
			(*left)++;
			continue;
		}
		done++;
		if (!p->is_dir && !p->size) {
			fd_log(LOG_INFO,
			       "%s: closed empty, not logged (famfs cannot log "
			       "empty files); it disappears",
			       p->name);
			drop_one(c, p);
			continue;
		}
		rc = *locked ? 0 : famfs_fs_lock(c->fs, false);
		if (!rc) {
			*locked = true;
			rc = commit_one(c, p);
		}
		if (rc)
			drop_one(c, p);
		else /* same nodeid, but now cached for long: refresh it */
			fd_notify_entry(c, fd_ident_nodeid(c, p->parent),
					p->name);
	}
	return done;
}

/* Settled files whose unwritten bytes prefill() zeroes in one pass. */
#define FD_FILL_BATCH 16

/*
 * A file is logged or journaled (commit_pass) only once the device holds
 * zeros where it never wrote (fd_pend_fill_locked). For a large file that
 * was sized and hardly written that takes seconds: do it first, without
 * the locks the pass holds, for the files that have settled (all closed
 * ones with @force), one unit at a time (fd_pend_fill). Each is pinned as
 * an open handle would pin it (nopen): a removal keeps its space until the
 * pin goes, and writes to it stay safe (the zeroing runs under pend_lock,
 * above the marks). The pass then finds nothing left to zero, unless the
 * file changed meanwhile.
 */
static void prefill(struct fd_ctx *c, bool force)
{
	struct fd_pending *todo[FD_FILL_BATCH];
	bool all[FD_FILL_BATCH];
	uint64_t settle = (uint64_t)c->settle_ms * 1000000ULL, now, g;
	unsigned n = 0;

	pthread_mutex_lock(&c->pend_lock);
	now = fd_now_ns();
	for (struct fd_pending *p = c->pending; p && n < FD_FILL_BATCH;
	     p = p->next) {
		/* Under a new directory it is journaled, not logged. */
		bool log = !fd_is_pending_ino(p->parent) || !fd_journal_on(c);

		if (p->state != FD_PEND_OPEN || p->is_dir || p->nopen ||
		    (!force && p->touched_ns + settle > now) ||
		    !fd_marks_next_gap(&p->init, 0, p->size, &g))
			continue;
		p->nopen++;
		all[n] = log;
		todo[n++] = p;
	}
	pthread_mutex_unlock(&c->pend_lock);
	for (unsigned i = 0; i < n; i++) {
		struct fd_pending *p = todo[i];
		int rc = fd_pend_fill(c, p, all[i]);

		if (rc)
			fd_log(LOG_WARNING,
			       "%s: zeroing what it never wrote: %s", p->name,
			       strerror(-rc));
		pthread_rwlock_wrlock(&c->ns_lock);
		pthread_mutex_lock(&c->pend_lock);
		/* Removed meanwhile: its space goes now (reaped by the pass). */
		if (!--p->nopen && p->state == FD_PEND_GONE)
			fd_pend_release_space(c, p);
		pthread_mutex_unlock(&c->pend_lock);
		pthread_rwlock_unlock(&c->ns_lock);
	}
}

uint64_t fd_pend_commit(struct fd_ctx *c, bool force)
{
	uint64_t now, left = 0;
	bool locked = false, journaled = false;
	int syncfd = -1;

	prefill(c, force);
	pthread_rwlock_wrlock(&c->ns_lock);
	pthread_mutex_lock(&c->pend_lock);
	now = fd_now_ns(); /* after the locks: no touch can be newer */
	/* At shutdown, until nothing more can go (renames may have put a
	 * child before its parent). */
	while (commit_pass(c, force, now, &locked, &left, &journaled) &&
	       force && left)
		;
	if (locked)
		famfs_fs_unlock(c->fs);
	if (fd_journal_on(c))
		fd_journal_pass_end(c, journaled, &syncfd);
	fd_pend_reap(c);
	pthread_mutex_unlock(&c->pend_lock);
	pthread_rwlock_unlock(&c->ns_lock);
	fd_journal_sync_end(c, syncfd); /* the disk flush, unlocked */
	return left;
}

/*
 * fsync of a pending object. With the journal: journal it (and its pending
 * ancestors); it stays an ordinary file. Without one: log it now, after
 * its pending ancestors, which seals a file at its current size (an empty
 * file has nothing famfs can log).
 */
int fd_pend_sync(struct fd_ctx *c, uint64_t ino)
{
	struct fd_pending *chain[FAMFS_MAX_PATHLEN];
	unsigned n = 0;
	bool locked = false;
	int rc = 0, syncfd = -1;

	ino = fd_canon(c, ino);
	pthread_rwlock_wrlock(&c->ns_lock);
	pthread_mutex_lock(&c->pend_lock);
	if (fd_journal_on(c)) {
		/* Durable, and still an ordinary file: journal, don't log. */
		struct fd_pending *p =
			fd_is_pending_ino(ino) ? fd_pend_get(c, ino) : NULL;

		/* Removed but still open: nothing to keep. */
		rc = !p || p->state != FD_PEND_OPEN ?
			     0 :
			     fd_journal_sync(c, p, &syncfd);
		goto out;
	}
	while (fd_is_pending_ino(ino)) {
		struct fd_pending *p = fd_pend_get(c, ino);

		if (!p || p->state == FD_PEND_GONE) {
			rc = -ENOENT;
			goto out;
		}
		if (p->state == FD_PEND_LOGGED)
			break;
		if (n == FAMFS_MAX_PATHLEN) {
			rc = -ENAMETOOLONG;
			goto out;
		}
		chain[n++] = p;
		ino = p->parent;
	}
	while (n--) {
		struct fd_pending *p = chain[n];

		if (!p->is_dir && !p->size) {
			fd_log(LOG_INFO,
			       "%s: fsync of an empty file: nothing to log",
			       p->name);
			continue;
		}
		if (!locked) {
			rc = famfs_fs_lock(c->fs, false);
			if (rc)
				goto out;
			locked = true;
		}
		rc = commit_one(c, p);
		if (rc) {
			drop_one(c, p);
			goto out;
		}
	}
out:
	if (locked)
		famfs_fs_unlock(c->fs);
	fd_pend_reap(c);
	pthread_mutex_unlock(&c->pend_lock);
	pthread_rwlock_unlock(&c->ns_lock);
	/* The journal's disk flush, without holding up everybody else. */
	if (!rc)
		rc = fd_journal_sync_end(c, syncfd);
	else if (syncfd >= 0)
		close(syncfd);
	return rc;
}
