// SPDX-License-Identifier: Apache-2.0
/*
 * Directories. The first readdir of a handle takes a snapshot of the
 * listing (names, inode numbers, types) so offsets stay stable while the
 * log grows; readdirplus refreshes attributes per entry as it replies.
 * Logged directories are opened with the kernel's readdir cache: it is
 * dropped when the directory changes locally (the kernel sees that) or in
 * the log (the follower invalidates the directory), so a repeated listing
 * costs no READDIR at all; the snapshot is taken lazily for that reason.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "famfsd.h"

struct dent {
	uint64_t ino;
	uint32_t mode;
	char name[FAMFS_MAX_PATHLEN];
};

struct fd_dsnap {
	uint64_t ino; /* the directory as the kernel knows it */
	bool built; /* taken at the first readdir */
	int err; /* of the snapshot: the directory went away */
	pthread_mutex_t lock; /* one builder */
	size_t n, cap;
	struct dent *e;
	struct fd_dsnap *prev, *next; /* open snapshots (shutdown frees) */
};

static int snap_add(struct fd_dsnap *s, uint64_t ino, uint32_t mode,
		    const char *name)
{
	size_t len;

	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 16;
		struct dent *e = realloc(s->e, cap * sizeof(*e));

		if (!e)
			return -ENOMEM;
		s->e = e;
		s->cap = cap;
	}
	s->e[s->n].ino = ino;
	s->e[s->n].mode = mode;
	len = strnlen(name, sizeof(s->e[0].name) - 1);
	memcpy(s->e[s->n].name, name, len);
	s->e[s->n].name[len] = '\0';
	s->n++;
	return 0;
}

/* Whether canonical @ino is a directory; its parent in @dotdot. ns_lock
 * held. 0, -ENOENT, -ENOTDIR. */
static int dir_check(struct fd_ctx *c, uint64_t ino, uint64_t *dotdot)
{
	const struct famfs_node *d;
	int rc;

	if (fd_is_pending_ino(ino)) {
		struct fd_pending *p;

		pthread_mutex_lock(&c->pend_lock);
		p = fd_pend_get(c, ino);
		rc = !p || p->state != FD_PEND_OPEN ? -ENOENT :
		     !p->is_dir			    ? -ENOTDIR :
						      0;
		*dotdot = p ? fd_ident_nodeid(c, p->parent) : 0;
		pthread_mutex_unlock(&c->pend_lock);
		return rc;
	}
	d = famfs_ns_get(c->ns, ino);
	if (!d)
		return ino == FD_INO_STATS ? -ENOTDIR : -ENOENT;
	if (d->kind != FAMFS_NODE_DIR)
		return -ENOTDIR;
	*dotdot = fd_ident_nodeid(c, d->parent); /* as the kernel knows it */
	return 0;
}

/* The listing of the directory @s is open on. ns_lock held. */
static int snap_build(struct fd_ctx *c, struct fd_dsnap *s)
{
	uint64_t ino = fd_canon(c, s->ino), dotdot;
	int rc = dir_check(c, ino, &dotdot);

	if (!rc)
		rc = snap_add(s, fd_ident_nodeid(c, ino), S_IFDIR, ".");
	if (!rc)
		rc = snap_add(s, dotdot, S_IFDIR, "..");
	if (!rc && !fd_is_pending_ino(ino)) {
		const struct famfs_node *d = famfs_ns_get(c->ns, ino);

		for (uint32_t i = 0; !rc && i < d->nchildren; i++) {
			const struct famfs_node *n =
				famfs_ns_get(c->ns, d->children[i]);

			if (n)
				rc = snap_add(s, fd_ident_nodeid(c, n->ino),
					      n->mode, n->name);
		}
		if (!rc && ino == FAMFS_INO_META)
			rc = snap_add(s, FD_INO_STATS, S_IFREG, ".stats");
	}
	pthread_mutex_lock(&c->pend_lock);
	for (struct fd_pending *p = c->pending; !rc && p; p = p->next)
		if (p->state == FD_PEND_OPEN && p->parent == ino)
			rc = snap_add(s, p->ino, p->mode, p->name);
	pthread_mutex_unlock(&c->pend_lock);
	return rc;
}

/* Snapshots the kernel never released (connection gone) are freed at
 * shutdown, so they are kept on a list like file handles. */
static void snap_link(struct fd_ctx *c, struct fd_dsnap *s)
{
	pthread_mutex_lock(&c->pend_lock);
	s->prev = NULL;
	s->next = c->dirs;
	if (c->dirs)
		c->dirs->prev = s;
	c->dirs = s;
	pthread_mutex_unlock(&c->pend_lock);
}

static void snap_free(struct fd_ctx *c, struct fd_dsnap *s)
{
	pthread_mutex_lock(&c->pend_lock);
	if (s->prev)
		s->prev->next = s->next;
	else if (c->dirs == s)
		c->dirs = s->next;
	if (s->next)
		s->next->prev = s->prev;
	pthread_mutex_unlock(&c->pend_lock);
	pthread_mutex_destroy(&s->lock);
	free(s->e);
	free(s);
}

void fd_dirs_free_all(struct fd_ctx *c)
{
	while (c->dirs)
		snap_free(c, c->dirs);
}

static void op_opendir(fuse_req_t req, fuse_ino_t ino,
		       struct fuse_file_info *fi)
{
	struct fd_ctx *c = fd_req_ctx(req);
	struct fd_dsnap *s = calloc(1, sizeof(*s));
	uint64_t dotdot;
	int rc;

	if (!s) {
		fuse_reply_err(req, ENOMEM);
		return;
	}
	pthread_rwlock_rdlock(&c->ns_lock);
	rc = dir_check(c, fd_canon(c, ino), &dotdot);
	pthread_rwlock_unlock(&c->ns_lock);
	if (rc) {
		free(s);
		fuse_reply_err(req, -rc);
		return;
	}
	s->ino = ino;
	pthread_mutex_init(&s->lock, NULL);
	fi->fh = (uint64_t)(uintptr_t)s;
	/* A directory the kernel knows by a temporary number is not
	 * invalidated when it is logged: no cache for it. */
	if (!fd_is_pending_ino(ino) && c->opts->cache_timeout > 0) {
		fi->cache_readdir = 1;
		fi->keep_cache = 1;
	}
	snap_link(c, s);
	if (fuse_reply_open(req, fi))
		snap_free(c, s);
}

static void op_releasedir(fuse_req_t req, fuse_ino_t ino,
			  struct fuse_file_info *fi)
{
	struct fd_dsnap *s = (struct fd_dsnap *)(uintptr_t)fi->fh;

	(void)ino;
	if (s)
		snap_free(fd_req_ctx(req), s);
	fuse_reply_err(req, 0);
}

/* Attributes for readdirplus entry @d of @s; a pending reference is taken
 * for a pending entry. ns_lock held. Nonzero: skip the entry. */
static int plus_entry(struct fd_ctx *c, struct fd_dsnap *s, size_t i,
		      struct fuse_entry_param *e)
{
	const struct dent *d = &s->e[i];
	struct stat st;
	int rc;

	/* No lookup reference for "." and ".."; logged objects never go
	 * away; a pending one may have gone since the snapshot. */
	if (i < 2 || !fd_is_pending_ino(d->ino))
		rc = fd_stat_ino(c, d->ino, &st);
	else
		rc = fd_lookup_locked(c, s->e[0].ino, d->name, &st);
	if (!rc)
		fd_entry_fill_in(c, e, &st, s->ino);
	return rc;
}

/* Give back the reference of an entry that was not sent. */
static void plus_unref(struct fd_ctx *c, uint64_t ino)
{
	struct fd_pending *p;

	if (!fd_is_pending_ino(ino))
		return;
	pthread_mutex_lock(&c->pend_lock);
	p = fd_pend_get(c, ino);
	if (p && p->nlookup)
		p->nlookup--;
	pthread_mutex_unlock(&c->pend_lock);
}

static void do_readdir(fuse_req_t req, size_t size, off_t off,
		       struct fuse_file_info *fi, bool plus)
{
	struct fd_ctx *c = fd_req_ctx(req);
	struct fd_dsnap *s = (struct fd_dsnap *)(uintptr_t)fi->fh;
	char *buf;
	size_t used = 0;

	if (size > 1u << 20)
		size = 1u << 20;
	buf = malloc(size);
	if (!buf) {
		fuse_reply_err(req, ENOMEM);
		return;
	}
	pthread_rwlock_rdlock(&c->ns_lock);
	pthread_mutex_lock(&s->lock);
	if (!s->built) {
		s->err = snap_build(c, s);
		s->built = true;
	}
	pthread_mutex_unlock(&s->lock);
	if (s->err && s->err != -ENOENT) {
		pthread_rwlock_unlock(&c->ns_lock);
		free(buf);
		fuse_reply_err(req, -s->err);
		return;
	}
	/* A directory gone since opendir lists as empty. */
	for (size_t i = off < 0 ? 0 : (size_t)off; !s->err && i < s->n; i++) {
		struct dent *d = &s->e[i];
		struct fuse_entry_param e;
		struct stat st;
		size_t len;

		if (!plus) {
			memset(&st, 0, sizeof(st));
			st.st_ino = d->ino;
			st.st_mode = d->mode;
			len = fuse_add_direntry(req, buf + used, size - used,
						d->name, &st, (off_t)i + 1);
		} else {
			if (plus_entry(c, s, i, &e))
				continue; /* gone since the snapshot */
			len = fuse_add_direntry_plus(req, buf + used,
						     size - used, d->name, &e,
						     (off_t)i + 1);
			if (len > size - used && i >= 2)
				plus_unref(c, e.ino);
		}
		if (len > size - used)
			break;
		used += len;
	}
	pthread_rwlock_unlock(&c->ns_lock);
	fuse_reply_buf(req, buf, used);
	free(buf);
}

static void op_readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		       struct fuse_file_info *fi)
{
	(void)ino;
	do_readdir(req, size, off, fi, false);
}

static void op_readdirplus(fuse_req_t req, fuse_ino_t ino, size_t size,
			   off_t off, struct fuse_file_info *fi)
{
	(void)ino;
	do_readdir(req, size, off, fi, true);
}

void fd_ops_dir(struct fuse_lowlevel_ops *ops)
{
	ops->opendir = op_opendir;
	ops->readdir = op_readdir;
	ops->readdirplus = op_readdirplus;
	ops->releasedir = op_releasedir;
}
