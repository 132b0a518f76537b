// SPDX-License-Identifier: Apache-2.0
/* Attributes: lookup, getattr, setattr, statfs, and the stat builders. */
#include <errno.h>
#include <string.h>
#include <sys/statvfs.h>

#include "famfsd.h"

#define FD_BLKSIZE (2u << 20) /* famfs allocation unit */

static void stat_common(struct fd_ctx *c, struct stat *st)
{
	/* famfs keeps no timestamps: every object shows the mount time. */
	st->st_atim = c->mount_time;
	st->st_mtim = c->mount_time;
	st->st_ctim = c->mount_time;
	st->st_blksize = FD_BLKSIZE;
}

void fd_stat_node(struct fd_ctx *c, const struct famfs_node *n, struct stat *st)
{
	memset(st, 0, sizeof(*st));
	st->st_ino = fd_ident_nodeid(c, n->ino); /* stable: ident.c */
	st->st_mode = n->mode;
	st->st_nlink = n->nlink;
	st->st_uid = n->uid;
	st->st_gid = n->gid;
	st->st_size = (off_t)n->size;
	if (n->fmap)
		st->st_blocks = (blkcnt_t)(famfs_fmap_capacity(n->fmap) / 512);
	stat_common(c, st);
}

void fd_stat_pending(struct fd_ctx *c, const struct fd_pending *p,
		     struct stat *st)
{
	memset(st, 0, sizeof(*st));
	st->st_ino = p->ino;
	st->st_mode = p->mode;
	st->st_nlink = p->state == FD_PEND_GONE ? 0 : p->is_dir ? 2 : 1;
	st->st_uid = p->uid;
	st->st_gid = p->gid;
	st->st_size = (off_t)p->size;
	st->st_blocks = (blkcnt_t)(famfs_fmap_capacity(&p->map) / 512);
	stat_common(c, st);
}

static void stat_stats(struct fd_ctx *c, struct stat *st)
{
	const struct famfs_node *log = famfs_ns_get(c->ns, FAMFS_INO_LOG);

	memset(st, 0, sizeof(*st));
	st->st_ino = FD_INO_STATS;
	/* The same modes and owner as the other .meta files. */
	st->st_mode = log->mode;
	st->st_uid = log->uid;
	st->st_gid = log->gid;
	st->st_nlink = 1;
	st->st_size = (off_t)fd_stats_attr(c);
	stat_common(c, st);
}

int fd_stat_ino(struct fd_ctx *c, uint64_t ino, struct stat *st)
{
	const struct famfs_node *n;

	if (ino == FD_INO_STATS) {
		stat_stats(c, st);
		return 0;
	}
	ino = fd_canon(c, ino);
	if (fd_is_pending_ino(ino)) {
		struct fd_pending *p;
		int rc = -ENOENT;

		pthread_mutex_lock(&c->pend_lock);
		p = fd_pend_get(c, ino);
		if (p && p->state != FD_PEND_LOGGED) {
			fd_stat_pending(c, p, st);
			rc = 0;
		}
		pthread_mutex_unlock(&c->pend_lock);
		return rc;
	}
	n = famfs_ns_get(c->ns, ino);
	if (!n)
		return -ENOENT;
	fd_stat_node(c, n, st);
	return 0;
}

double fd_attr_ttl(const struct fd_ctx *c, uint64_t ino)
{
	if (ino == FD_INO_STATS)
		return 0; /* its size follows the counters */
	/* A logged object keeps its temporary nodeid (ident.c). */
	return fd_is_pending_ino(fd_ident_ns(c, ino)) ? c->opts->attr_timeout :
							c->opts->cache_timeout;
}

/*
 * A name is as stable as both ends: under a pending directory, or naming
 * a pending object, it may still be renamed or removed. Once logged, an
 * object keeps its nodeid (ident.c) and its names get the long timeout.
 * Negative names under logged directories are invalidated by the follower
 * when the log gains an entry of that name. .meta/.stats is looked up
 * again at every open, so that the LOOKUP reply sizes the text that OPEN
 * serves (stats.c).
 */
double fd_entry_ttl(const struct fd_ctx *c, uint64_t parent, uint64_t ino)
{
	if (ino == FD_INO_STATS)
		return 0;
	if (fd_is_pending_ino(fd_ident_ns(c, parent)) ||
	    fd_is_pending_ino(fd_ident_ns(c, ino)))
		return c->opts->entry_timeout;
	return c->opts->cache_timeout;
}

void fd_entry_fill_in(struct fd_ctx *c, struct fuse_entry_param *e,
		      const struct stat *st, uint64_t parent)
{
	memset(e, 0, sizeof(*e));
	e->ino = st->st_ino;
	e->generation = 1;
	e->attr = *st;
	e->attr_timeout = fd_attr_ttl(c, e->ino);
	e->entry_timeout = fd_entry_ttl(c, parent, e->ino);
}

void fd_entry_fill(struct fd_ctx *c, struct fuse_entry_param *e,
		   const struct stat *st)
{
	fd_entry_fill_in(c, e, st, 0);
}

int fd_lookup_locked(struct fd_ctx *c, uint64_t parent, const char *name,
		     struct stat *st)
{
	const struct famfs_node *dir, *n;
	struct fd_pending *p;
	int rc = -ENOENT;

	parent = fd_canon(c, parent);
	if (fd_is_pending_ino(parent)) {
		/* A directory that is not logged yet: only pending children. */
		pthread_mutex_lock(&c->pend_lock);
		p = fd_pend_get(c, parent);
		if (!p || p->state != FD_PEND_OPEN)
			rc = -ENOENT;
		else if (!p->is_dir)
			rc = -ENOTDIR;
		pthread_mutex_unlock(&c->pend_lock);
		if (rc != -ENOENT || !p)
			return rc;
	} else {
		dir = famfs_ns_get(c->ns, parent);
		if (!dir)
			return parent == FD_INO_STATS ? -ENOTDIR : -ENOENT;
		if (dir->kind != FAMFS_NODE_DIR)
			return -ENOTDIR;
		if (parent == FAMFS_INO_META && !strcmp(name, ".stats")) {
			stat_stats(c, st);
			return 0;
		}
		n = famfs_ns_lookup(c->ns, parent, name);
		if (n) {
			fd_stat_node(c, n, st);
			return 0;
		}
	}
	pthread_mutex_lock(&c->pend_lock);
	p = fd_pend_lookup(c, parent, name);
	if (p) {
		p->nlookup++;
		fd_stat_pending(c, p, st);
	}
	pthread_mutex_unlock(&c->pend_lock);
	return p ? 0 : -ENOENT;
}

static void op_lookup(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	struct fd_ctx *c = fd_req_ctx(req);
	struct fuse_entry_param e;
	struct stat st;
	int rc;

	if (strlen(name) >= FAMFS_MAX_PATHLEN) {
		fuse_reply_err(req, ENAMETOOLONG);
		return;
	}
	pthread_rwlock_rdlock(&c->ns_lock);
	rc = fd_lookup_locked(c, parent, name, &st);
	pthread_rwlock_unlock(&c->ns_lock);
	/* A client may be behind the log: catch up once and retry. */
	if (rc == -ENOENT && c->role == FAMFS_ROLE_CLIENT &&
	    fd_refresh_on_miss(c)) {
		pthread_rwlock_rdlock(&c->ns_lock);
		rc = fd_lookup_locked(c, parent, name, &st);
		pthread_rwlock_unlock(&c->ns_lock);
	}
	if (rc == -ENOENT) {
		/* Negative entry: the name can only appear in the log. */
		memset(&e, 0, sizeof(e));
		e.entry_timeout = fd_entry_ttl(c, parent, 0);
		fuse_reply_entry(req, &e);
		return;
	}
	if (rc) {
		fuse_reply_err(req, -rc);
		return;
	}
	fd_entry_fill_in(c, &e, &st, parent);
	if (fuse_reply_entry(req, &e) && fd_is_pending_ino(e.ino))
		fd_pend_forget(c, e.ino, 1);
}

static void op_forget(fuse_req_t req, fuse_ino_t ino, uint64_t nlookup)
{
	if (fd_is_pending_ino(ino))
		fd_pend_forget(fd_req_ctx(req), ino, nlookup);
	fuse_reply_none(req);
}

static void op_forget_multi(fuse_req_t req, size_t count,
			    struct fuse_forget_data *forgets)
{
	for (size_t i = 0; i < count; i++)
		if (fd_is_pending_ino(forgets[i].ino))
			fd_pend_forget(fd_req_ctx(req), forgets[i].ino,
				       forgets[i].nlookup);
	fuse_reply_none(req);
}

static void op_getattr(fuse_req_t req, fuse_ino_t ino,
		       struct fuse_file_info *fi)
{
	struct fd_ctx *c = fd_req_ctx(req);
	struct stat st;
	int rc;

	(void)fi;
	pthread_rwlock_rdlock(&c->ns_lock);
	rc = fd_stat_ino(c, ino, &st);
	pthread_rwlock_unlock(&c->ns_lock);
	if (rc)
		fuse_reply_err(req, -rc);
	else
		fuse_reply_attr(req, &st, fd_attr_ttl(c, ino));
}

/*
 * Pending files take mode/owner/size changes (they are logged at close).
 * Logged objects cannot change: a request that would change nothing
 * succeeds (tar, cp -p and rsync restore what is already there), times are
 * accepted and ignored (famfs stores none), anything else is refused.
 */
static void op_setattr(fuse_req_t req, fuse_ino_t ino, struct stat *attr,
		       int to_set, struct fuse_file_info *fi)
{
	struct fd_ctx *c = fd_req_ctx(req);
	struct stat st;
	const char *why = NULL;
	uint64_t kino = ino; /* as the kernel knows it */
	int rc, err = EPERM;

	(void)fi;
	ino = fd_canon(c, ino);
	if (fd_is_pending_ino(ino) && (to_set & FUSE_SET_ATTR_SIZE)) {
		struct fd_pending *p;

		pthread_mutex_lock(&c->pend_lock);
		p = fd_pend_get(c, ino);
		/* Unlogged (also removed but still open) files resize. */
		if (p && (p->state == FD_PEND_LOGGED || p->is_dir))
			p = NULL;
		pthread_mutex_unlock(&c->pend_lock);
		if (p) {
			rc = fd_pend_reserve(c, p, (uint64_t)attr->st_size);
			if (rc) {
				fd_refuse(req, -rc, "truncate", ino, NULL,
					  rc == -EFBIG ?
						  "would need more than 16 "
						  "extents" :
						  "no device space");
				return;
			}
			fd_pend_resize(c, p, (uint64_t)attr->st_size, false);
		}
	}
	pthread_rwlock_rdlock(&c->ns_lock);
	if (fd_is_pending_ino(ino)) {
		struct fd_pending *p;

		pthread_mutex_lock(&c->pend_lock);
		p = fd_pend_get(c, ino);
		rc = p ? 0 : -ENOENT;
		if (p && p->state == FD_PEND_OPEN) {
			if (to_set & FUSE_SET_ATTR_MODE)
				p->mode = (p->mode & S_IFMT) |
					  (attr->st_mode & 07777);
			if (to_set & FUSE_SET_ATTR_UID)
				p->uid = attr->st_uid;
			if (to_set & FUSE_SET_ATTR_GID)
				p->gid = attr->st_gid;
			to_set = 0;
			fd_pend_touch(c, p);
		}
		if (p)
			fd_stat_pending(c, p, &st);
		pthread_mutex_unlock(&c->pend_lock);
	} else {
		rc = fd_stat_ino(c, ino, &st);
	}
	if (rc) {
		pthread_rwlock_unlock(&c->ns_lock);
		fuse_reply_err(req, -rc);
		return;
	}
	if ((to_set & FUSE_SET_ATTR_MODE) &&
	    (attr->st_mode & 07777) != (st.st_mode & 07777))
		why = "mode of a logged object is fixed";
	else if ((to_set & FUSE_SET_ATTR_UID) && attr->st_uid != st.st_uid)
		why = "owner of a logged object is fixed";
	else if ((to_set & FUSE_SET_ATTR_GID) && attr->st_gid != st.st_gid)
		why = "group of a logged object is fixed";
	else if ((to_set & FUSE_SET_ATTR_SIZE) && attr->st_size != st.st_size) {
		err = attr->st_size > st.st_size ? EFBIG : EPERM;
		why = "size of a logged file is fixed";
	}
	pthread_rwlock_unlock(&c->ns_lock);
	if (why) {
		fd_refuse(req, err, "setattr", ino, NULL, why);
		return;
	}
	fuse_reply_attr(req, &st, fd_attr_ttl(c, kino));
}

static void op_statfs(fuse_req_t req, fuse_ino_t ino)
{
	struct fd_ctx *c = fd_req_ctx(req);
	struct famfs_omf_log_header h;
	struct statvfs sv;
	uint64_t unit = FAMFS_ALLOC_UNIT, nfree, lfree;

	(void)ino;
	memset(&sv, 0, sizeof(sv));
	pthread_rwlock_rdlock(&c->ns_lock);
	nfree = famfs_ns_free_bytes(c->ns);
	famfs_fs_log_header(c->fs, &h);
	lfree = famfs_fs_log_free(c->fs);
	pthread_rwlock_unlock(&c->ns_lock);
	pthread_mutex_lock(&c->pend_lock);
	lfree = lfree > fd_pend_unlogged(c) ? lfree - fd_pend_unlogged(c) : 0;
	pthread_mutex_unlock(&c->pend_lock);
	sv.f_bsize = unit;
	sv.f_frsize = unit;
	sv.f_blocks = famfs_dev_size(c->dev) / unit;
	sv.f_bfree = nfree / unit;
	sv.f_bavail = sv.f_bfree;
	sv.f_files = h.last_index + 1;
	sv.f_ffree = lfree;
	sv.f_favail = lfree;
	sv.f_namemax = FAMFS_MAX_PATHLEN - 1;
	fuse_reply_statfs(req, &sv);
}

void fd_ops_attr(struct fuse_lowlevel_ops *ops)
{
	ops->lookup = op_lookup;
	ops->forget = op_forget;
	ops->forget_multi = op_forget_multi;
	ops->getattr = op_getattr;
	ops->setattr = op_setattr;
	ops->statfs = op_statfs;
}
