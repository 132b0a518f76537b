// SPDX-License-Identifier: Apache-2.0
/*
 * The recovery journal: durability for objects that are not logged yet.
 *
 * Whatever the famfs log records is permanent, so fsync cannot log a file
 * (a lock file or a database journal that is fsynced and then deleted
 * would stay forever). Instead fsync, and the commit pass for files that
 * settled but cannot be logged yet (a busy new parent), write the object's
 * metadata (name, parent, mode, owner, size, extents) to a host-local file,
 * <journal_dir>/<fs uuid>.journal, and fdatasync it. The object stays an
 * ordinary pending file: unlink and rename append a record before they
 * return (so a kill -9 cannot undo them; the next fsync syncs them, as a
 * directory change on any file system). At the next start famfsd replays the journal before it
 * mounts: the objects come back as pending, with their device space
 * reserved again, and settle and get logged as usual.
 *
 * Crash consistency: records are fixed-size, sequence-numbered and
 * CRC-sealed, appended in order; the first bad one ends the journal (a
 * torn tail loses only what was not synced). File data is on the device
 * before its record is synced. A record whose space the log now uses, whose
 * name the log now has, or whose parent is gone, is dropped with a warning.
 * The famfs CLI refuses to append while a journal holds objects, so their
 * space is never handed out before famfsd has replayed them.
 *
 * Every function here runs with pend_lock held (and ns_lock for writing
 * where the space or namespace is touched). The start-up side (open,
 * restore, the first rewrite) is journal_load.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "journal_internal.h"

/* The record of @p's current state (seq and seal left to the writer). */
static void rec_of(const struct fd_pending *p, struct famfs_omf_jnl_rec *r)
{
	memset(r, 0, sizeof(*r));
	r->type = FAMFS_JNL_PUT;
	r->id = p->ino;
	r->parent = p->parent;
	r->size = p->is_dir ? 0 : p->size;
	r->mode = p->mode;
	r->uid = p->uid;
	r->gid = p->gid;
	snprintf(r->name, sizeof(r->name), "%s", p->name);
	if (!p->is_dir) {
		struct fd_span h[FAMFS_MAX_SIMPLE_EXTENTS], small;
		uint64_t top = fd_pend_top(p);
		int slots = (int)fd_pend_hole_slots(p);
		int n = fd_marks_holes(&p->init, top, h, slots, &small);

		r->next = p->map.count;
		for (unsigned i = 0; i < p->map.count; i++) {
			r->ext[i].offset = p->map.ext[i].offset;
			r->ext[i].len = p->map.ext[i].len;
		}
		/* What reads as zeros: the tail, and the holes below it in
		 * the slots the map leaves (fd_pend_fill_locked made them
		 * fit), as file ranges; a zero length ends them. */
		r->unwritten = p->size - top;
		for (int i = 0; i < n && i < slots; i++) {
			r->ext[p->map.count + i].offset = h[i].off;
			r->ext[p->map.count + i].len = h[i].len;
		}
	}
}

/*
 * rec_of, once the device holds what the record promises: a restored file
 * reads the device except in its unwritten tail and holes (journal_load.c),
 * so the holes past what the record can carry are zeroed first, also when
 * the record stays the same (a truncate down and up). fsync and the commit
 * pass did that already without the locks (fd_pend_fill). Both locks held.
 */
static int rec_now(struct fd_ctx *c, struct fd_pending *p,
		   struct famfs_omf_jnl_rec *r)
{
	int rc = p->is_dir ? 0 : fd_pend_fill_locked(c, p, false);

	rec_of(p, r);
	return rc;
}

static uint32_t rec_sum(const struct famfs_omf_jnl_rec *r)
{
	return famfs_crc(r, offsetof(struct famfs_omf_jnl_rec, crc));
}

static int queue(struct fd_journal *j, const struct famfs_omf_jnl_rec *r)
{
	if (j->nq == j->capq) {
		size_t cap = j->capq ? j->capq * 2 : 64;
		struct famfs_omf_jnl_rec *nq = realloc(j->q, cap * sizeof(*nq));

		if (!nq)
			return -ENOMEM;
		j->q = nq;
		j->capq = cap;
	}
	j->q[j->nq] = *r;
	j->q[j->nq].seq = j->nrec + j->nq + 1;
	j->q[j->nq].gen = j->gen;
	famfs_journal_rec_seal(&j->q[j->nq]);
	j->nq++;
	return 0;
}

static void broken(struct fd_journal *j, const char *what, int err)
{
	if (!j->broken)
		fd_log(LOG_ERR,
		       "journal %s: %s: %s; fsync fails with EIO from now on",
		       j->path, what, strerror(err));
	j->broken = true;
}

static int write_all(int fd, const void *buf, size_t len, off_t off)
{
	while (len) {
		ssize_t n = pwrite(fd, buf, len, off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -EIO;
		buf = (const char *)buf + n;
		len -= (size_t)n;
		off += n;
	}
	return 0;
}

static int sync_dir(struct fd_journal *j)
{
	return fsync(j->dirfd) ? -errno : 0;
}

/* See journal_internal.h. Counters and checksums are recomputed as the
 * records are queued: after a failure only a broken or freed journal is
 * left (flush and fd_journal_open see to it). */
int fd_journal_rewrite(struct fd_ctx *c)
{
	struct fd_journal *j = c->journal;
	struct famfs_omf_jnl_header h;
	char tmp[sizeof(j->path) + 8];
	int fd, rc;

	snprintf(tmp, sizeof(tmp), "%s.new", j->path);
	fd = open(tmp, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	famfs_journal_header_init(&h, famfs_fs_sb(c->fs), 0);
	rc = write_all(fd, &h, sizeof(h), 0);
	j->gen = 0;
	j->nq = 0;
	j->nrec = 0;
	j->live = 0;
	atomic_store(&c->stats.journaled_files, 0);
	for (struct fd_pending *p = c->pending; !rc && p; p = p->next) {
		struct famfs_omf_jnl_rec r;

		if (p->state != FD_PEND_OPEN || !p->jlive)
			continue;
		rc = rec_now(c, p, &r);
		if (rc)
			break;
		p->jsum = rec_sum(&r);
		j->live++;
		if (!p->is_dir)
			atomic_fetch_add(&c->stats.journaled_files, 1);
		rc = queue(j, &r);
	}
	if (!rc && j->nq)
		rc = write_all(fd, j->q, j->nq * sizeof(*j->q), HDR_SIZE);
	if (!rc && fdatasync(fd))
		rc = -errno;
	if (!rc && rename(tmp, j->path))
		rc = -errno;
	if (rc) {
		close(fd);
		unlink(tmp);
		return rc;
	}
	/* Renamed: this is the journal now, whatever the directory says. */
	rc = sync_dir(j);
	if (rc)
		fd_log(LOG_WARNING, "journal %s: directory fsync: %s", j->path,
		       strerror(-rc));
	if (j->fd >= 0)
		close(j->fd);
	j->fd = fd;
	j->nrec = j->nq;
	j->nq = 0;
	return 0;
}

/*
 * Nothing journaled any more: back to the bare header, of the next
 * generation, so that no record of this one can pass for a later record
 * of the same sequence number whatever a crash keeps of the truncate and
 * the writes after it. Synced with the next record.
 */
static int cut(struct fd_ctx *c)
{
	struct fd_journal *j = c->journal;
	struct famfs_omf_jnl_header h;
	int rc;

	if (j->gen == UINT32_MAX) {
		rc = fd_journal_rewrite(c); /* a new file starts at 0 */
		if (rc)
			broken(j, "rewrite", -rc);
		return rc ? -EIO : 0;
	}
	famfs_journal_header_init(&h, famfs_fs_sb(c->fs), j->gen + 1);
	rc = write_all(j->fd, &h, sizeof(h), 0);
	if (rc) {
		broken(j, "header", -rc);
		return -EIO;
	}
	j->gen++;
	j->nrec = 0;
	if (ftruncate(j->fd, HDR_SIZE)) {
		broken(j, "truncate", errno);
		return -EIO;
	}
	return 0;
}

/* Write what is queued; fdatasync with @sync. Then keep the file small. */
static int flush(struct fd_ctx *c, bool sync)
{
	struct fd_journal *j = c->journal;
	int rc = 0;

	if (j->broken)
		return -EIO;
	if (j->nq) {
		rc = write_all(j->fd, j->q, j->nq * sizeof(*j->q),
			       HDR_SIZE + (off_t)j->nrec * REC_SIZE);
		if (rc) {
			broken(j, "write", -rc);
			return -EIO;
		}
		j->nrec += j->nq;
		j->nq = 0;
	}
	if (sync && fdatasync(j->fd)) {
		broken(j, "fdatasync", errno);
		return -EIO;
	}
	if (!j->live && j->nrec) {
		rc = cut(c);
		if (rc)
			return rc;
	} else if (j->nrec > COMPACT_MIN && j->nrec > 4 * j->live) {
		rc = fd_journal_rewrite(c);
		if (rc) {
			broken(j, "compaction", -rc);
			return -EIO;
		}
	}
	return 0;
}

/* Queue a PUT for @p and its unlogged ancestors where theirs is stale. */
static int put_chain(struct fd_ctx *c, struct fd_pending *p)
{
	struct fd_journal *j = c->journal;
	unsigned depth = 0;
	int rc = 0;

	while (!rc && p && p->state == FD_PEND_OPEN &&
	       depth++ <= FAMFS_MAX_PATHLEN) {
		struct famfs_omf_jnl_rec r;
		uint32_t sum;

		rc = rec_now(c, p, &r);
		sum = rec_sum(&r);
		if (!rc && (!p->jlive || p->jsum != sum)) {
			rc = queue(j, &r);
			if (!rc && !p->jlive) {
				j->live++;
				if (!p->is_dir)
					atomic_fetch_add(
						&c->stats.journaled_files, 1);
			}
			if (!rc) {
				p->jlive = true;
				p->jsum = sum;
			}
		}
		p = fd_is_pending_ino(p->parent) ? fd_pend_get(c, p->parent) :
						   NULL;
	}
	return rc;
}

bool fd_journal_on(const struct fd_ctx *c)
{
	return c->journal != NULL;
}

int fd_journal_sync(struct fd_ctx *c, struct fd_pending *p, int *syncfd)
{
	int rc = put_chain(c, p);

	*syncfd = -1;
	if (rc) {
		broken(c->journal, "queue", -rc);
		return -EIO;
	}
	rc = flush(c, false);
	if (rc)
		return rc;
	/* The disk flush runs without the locks (fd_journal_sync_end). A
	 * compaction meanwhile writes and syncs a new file that holds @p
	 * too, so syncing the old one is then merely redundant. */
	*syncfd = fcntl(c->journal->fd, F_DUPFD_CLOEXEC, 0);
	return *syncfd < 0 ? flush(c, true) : 0;
}

int fd_journal_sync_end(struct fd_ctx *c, int syncfd)
{
	int err;

	if (syncfd < 0)
		return 0;
	err = fdatasync(syncfd) ? errno : 0;
	close(syncfd);
	if (!err)
		return 0;
	pthread_mutex_lock(&c->pend_lock);
	broken(c->journal, "fdatasync", err);
	pthread_mutex_unlock(&c->pend_lock);
	return -EIO;
}

int fd_journal_settled(struct fd_ctx *c, struct fd_pending *p)
{
	int rc = put_chain(c, p);

	if (rc)
		broken(c->journal, "queue", -rc);
	return rc;
}

int fd_journal_pass_end(struct fd_ctx *c, bool sync, int *syncfd)
{
	int rc = flush(c, false);

	*syncfd = -1;
	if (rc || !sync)
		return rc;
	/* Synced by the caller once the locks are dropped (as fsync). */
	*syncfd = fcntl(c->journal->fd, F_DUPFD_CLOEXEC, 0);
	return *syncfd < 0 ? flush(c, true) : 0;
}

/* Queue a DEL or LOGGED record for journaled @p. */
static void forget(struct fd_ctx *c, struct fd_pending *p, uint32_t type,
		   uint64_t ns_ino)
{
	struct famfs_omf_jnl_rec r;

	if (!p->jlive)
		return;
	memset(&r, 0, sizeof(r));
	r.type = type;
	r.id = p->ino;
	r.ns_ino = ns_ino;
	if (queue(c->journal, &r))
		broken(c->journal, "queue", ENOMEM);
	p->jlive = false;
	c->journal->live--;
	if (!p->is_dir)
		atomic_fetch_sub(&c->stats.journaled_files, 1);
}

void fd_journal_removed(struct fd_ctx *c, struct fd_pending *p)
{
	if (!c->journal || !p->jlive)
		return;
	forget(c, p, FAMFS_JNL_DEL, 0);
	/* Written before unlink returns: a kill -9 cannot bring the file
	 * back. Like a directory change elsewhere, it is synced by the next
	 * fsync (its space can be reused only by files synced after it). */
	flush(c, false);
}

void fd_journal_logged(struct fd_ctx *c, struct fd_pending *p, uint64_t ino)
{
	if (c->journal) /* ino 0: dropped, never logged */
		forget(c, p, ino ? FAMFS_JNL_LOGGED : FAMFS_JNL_DEL, ino);
}

void fd_journal_exchanged(struct fd_ctx *c, struct fd_pending *a,
			  struct fd_pending *b)
{
	bool any;

	if (!c->journal)
		return;
	any = a->jlive || b->jlive;
	if (any && (put_chain(c, a) || put_chain(c, b)))
		broken(c->journal, "queue", ENOMEM);
	if (any)
		flush(c, false); /* synced by the next fsync, as unlink */
}

void fd_journal_moved(struct fd_ctx *c, struct fd_pending *s,
		      struct fd_pending *t)
{
	bool any;

	if (!c->journal)
		return;
	/* The name now holds @s: keep it as durable as what it replaced. */
	any = s->jlive || (t && t->jlive);
	if (t)
		forget(c, t, FAMFS_JNL_DEL, 0);
	if (any && put_chain(c, s))
		broken(c->journal, "queue", ENOMEM);
	if (any)
		flush(c, false); /* synced by the next fsync, as unlink */
}

void fd_journal_free(struct fd_ctx *c)
{
	struct fd_journal *j = c->journal;

	if (!j)
		return;
	if (j->fd >= 0)
		close(j->fd);
	if (j->dirfd >= 0)
		close(j->dirfd);
	free(j->q);
	free(j);
	c->journal = NULL;
}

int fd_journal_close(struct fd_ctx *c)
{
	struct fd_journal *j = c->journal;
	int rc = 0;

	if (!j)
		return 0;
	pthread_rwlock_wrlock(&c->ns_lock);
	pthread_mutex_lock(&c->pend_lock);
	/* Files still open at shutdown are carried over, not logged. */
	for (struct fd_pending *p = c->pending; !rc && p; p = p->next)
		if (p->state == FD_PEND_OPEN)
			rc = put_chain(c, p);
	if (!rc)
		rc = flush(c, true);
	pthread_mutex_unlock(&c->pend_lock);
	pthread_rwlock_unlock(&c->ns_lock);
	if (!rc && !j->live) {
		if (unlink(j->path) && errno != ENOENT)
			rc = -errno;
		else
			sync_dir(j);
	} else if (!rc) {
		fd_log(LOG_INFO,
		       "journal %s: %" PRIu64 " objects still open at "
		       "shutdown carried over to the next start",
		       j->path, j->live);
	}
	fd_journal_free(c);
	return rc;
}
