// SPDX-License-Identifier: Apache-2.0
/*
 * Metadata changes. Only the master writes the log. New directories and
 * files stay pending (files reserve space as they grow) and are logged
 * once they settle (inode.c). Everything famfs cannot express is
 * refused with one log line; see fd_refuse() callers for the errno table.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/falloc.h>
#include <stdlib.h>
#include <string.h>

#include "famfsd.h"

/*
 * Checks for a new name under @parent (canonical; logged or pending):
 * the parent is a directory outside .meta, the name is free, the path
 * fits, and the log has a slot for it after every pending object.
 * ns_lock held.
 */
static int new_name_check(struct fd_ctx *c, uint64_t parent, const char *name,
			  char *path, size_t len, const char **why)
{
	uint64_t lfree;
	bool busy;
	int rc;

	*why = NULL;
	if (fd_is_pending_ino(parent)) {
		struct fd_pending *p;

		pthread_mutex_lock(&c->pend_lock);
		p = fd_pend_get(c, parent);
		rc = !p || p->state != FD_PEND_OPEN ? -ENOENT :
		     !p->is_dir			    ? -ENOTDIR :
						      0;
		pthread_mutex_unlock(&c->pend_lock);
		if (rc)
			return rc;
	} else {
		const struct famfs_node *d = famfs_ns_get(c->ns, parent);

		if (!d)
			return -ENOENT;
		if (d->kind != FAMFS_NODE_DIR)
			return -ENOTDIR;
		if (parent == FAMFS_INO_META) {
			*why = ".meta is reserved";
			return -EPERM;
		}
		if (famfs_ns_name_held(c->ns, parent, name) != -2) {
			/* Not served, but another reader may serve it. */
			if (!famfs_ns_lookup(c->ns, parent, name))
				*why = "a rejected log entry holds the name "
				       "(see famfs fsck)";
			return -EEXIST;
		}
	}
	rc = fd_path_of(c, parent, name, path, len);
	if (rc) {
		if (rc == -ENAMETOOLONG)
			*why = "famfs paths are at most 79 bytes";
		return rc;
	}
	rc = famfs_path_check(path, NULL);
	if (rc) {
		*why = "not a valid famfs path";
		return rc;
	}
	lfree = famfs_fs_log_free(c->fs);
	pthread_mutex_lock(&c->pend_lock);
	busy = fd_pend_lookup(c, parent, name) != NULL;
	/* Every pending object will need a log slot. */
	lfree = lfree > fd_pend_unlogged(c) ? lfree - fd_pend_unlogged(c) : 0;
	pthread_mutex_unlock(&c->pend_lock);
	if (busy)
		return -EEXIST;
	if (!lfree) {
		*why = "the metadata log is full";
		return -ENOSPC;
	}
	return 0;
}

/*
 * Creating needs a host that may append to the log: EROFS on a client, on
 * a read-only device, and while the log cannot be read whole (a torn or
 * corrupt entry: the space it holds is unknown, so nothing is allocated).
 */
static bool master_only(fuse_req_t req, struct fd_ctx *c, const char *op,
			uint64_t parent, const char *name)
{
	int health;

	if (c->role != FAMFS_ROLE_MASTER || c->rdonly) {
		fd_refuse(req, EROFS, op, parent, name,
			  c->rdonly ? "the device is read-only" :
				      "this host is a client: metadata is "
				      "read-only");
		return false;
	}
	pthread_rwlock_rdlock(&c->ns_lock);
	health = famfs_ns_health(c->ns);
	pthread_rwlock_unlock(&c->ns_lock);
	if (!health)
		return true;
	fd_refuse(req, EROFS, op, parent, name,
		  health == -EBADMSG ? "the log ends in a torn entry: metadata "
				       "is read-only until it is complete" :
				       "the log has a corrupt entry: metadata "
				       "is read-only (see famfs fsck)");
	return false;
}

/* A new pending object; @open: also count an open handle (CREATE). */
static int new_pending(fuse_req_t req, struct fd_ctx *c, fuse_ino_t parent,
		       const char *name, mode_t mode, bool open,
		       struct stat *st)
{
	const struct fuse_ctx *who = fuse_req_ctx(req);
	char path[FAMFS_MAX_PATHLEN + 2];
	struct fd_pending *p;
	const char *why;
	int rc;

	parent = fd_canon(c, parent);
	pthread_rwlock_rdlock(&c->ns_lock);
	rc = new_name_check(c, parent, name, path, sizeof(path), &why);
	if (!rc) {
		pthread_mutex_lock(&c->pend_lock);
		/* Re-check under the lock: two creates may race. */
		if (fd_pend_lookup(c, parent, name)) {
			rc = -EEXIST;
		} else {
			rc = fd_pend_new(c, parent, name, mode, who->uid,
					 who->gid, &p);
			if (!rc) {
				p->nlookup = 1;
				p->nopen = open;
				p->ever_opened = open;
				fd_stat_pending(c, p, st);
			}
		}
		pthread_mutex_unlock(&c->pend_lock);
	}
	pthread_rwlock_unlock(&c->ns_lock);
	if (rc && why) {
		fd_refuse(req, -rc,
			  S_ISDIR(mode) ? "mkdir" :
			  open		? "create" :
					  "mknod",
			  parent, name, why);
		return 1;
	}
	return rc;
}

/* A new pending (not yet logged) object, answered with an ENTRY reply;
 * the kernel's lookup reference is dropped again if the reply fails. */
static void reply_new_entry(fuse_req_t req, struct fd_ctx *c, fuse_ino_t parent,
			    const char *name, mode_t mode)
{
	struct fuse_entry_param e;
	struct stat st;
	int rc;

	rc = new_pending(req, c, parent, name, mode, false, &st);
	if (rc) {
		if (rc < 0)
			fuse_reply_err(req, -rc);
		return;
	}
	fd_entry_fill(c, &e, &st);
	if (fuse_reply_entry(req, &e))
		fd_pend_forget(c, st.st_ino, 1);
}

static void op_mkdir(fuse_req_t req, fuse_ino_t parent, const char *name,
		     mode_t mode)
{
	struct fd_ctx *c = fd_req_ctx(req);

	if (!master_only(req, c, "mkdir", parent, name))
		return;
	/* Logged once it settles (tools fix modes right after mkdir). */
	reply_new_entry(req, c, parent, name, S_IFDIR | (mode & 07777));
}

static void op_create(fuse_req_t req, fuse_ino_t parent, const char *name,
		      mode_t mode, struct fuse_file_info *fi)
{
	struct fd_ctx *c = fd_req_ctx(req);
	struct fuse_entry_param e;
	struct fd_handle *h;
	struct stat st;
	int rc;

	if (!master_only(req, c, "create", parent, name))
		return;
	h = fd_handle_new(c);
	if (!h) {
		fuse_reply_err(req, ENOMEM);
		return;
	}
	rc = new_pending(req, c, parent, name, mode, true, &st);
	if (rc) {
		fd_handle_free(c, h);
		if (rc < 0)
			fuse_reply_err(req, -rc);
		return;
	}
	h->kind = FD_H_PENDING;
	h->ino = st.st_ino;
	h->nodeid = st.st_ino;
	h->writable = true; /* created files may always be written */
	pthread_mutex_lock(&c->pend_lock);
	h->pend = fd_pend_get(c, st.st_ino);
	pthread_mutex_unlock(&c->pend_lock);
	fd_entry_fill(c, &e, &st);
	if (fd_reply_open(req, c, h, &e, fi))
		fd_handle_drop(c, h);
}

static void op_mknod(fuse_req_t req, fuse_ino_t parent, const char *name,
		     mode_t mode, dev_t rdev)
{
	struct fd_ctx *c = fd_req_ctx(req);

	(void)rdev;
	/* Impossible on every host: EPERM whatever the role. */
	if (!S_ISREG(mode)) {
		fd_refuse(req, EPERM, "mknod", parent, name,
			  "famfs holds only regular files and directories");
		return;
	}
	if (!master_only(req, c, "mknod", parent, name))
		return;
	reply_new_entry(req, c, parent, name, mode);
}

static void op_fallocate(fuse_req_t req, fuse_ino_t ino, int mode, off_t off,
			 off_t len, struct fuse_file_info *fi)
{
	struct fd_ctx *c = fd_req_ctx(req);
	struct fd_handle *h = (struct fd_handle *)(uintptr_t)fi->fh;
	uint64_t end;
	struct stat st;
	int rc;

	if (mode & ~FALLOC_FL_KEEP_SIZE) {
		fd_refuse(req, EOPNOTSUPP, "fallocate", ino, NULL,
			  "only plain allocation is supported");
		return;
	}
	if (off < 0 || len <= 0 ||
	    __builtin_add_overflow((uint64_t)off, (uint64_t)len, &end)) {
		fuse_reply_err(req, EINVAL);
		return;
	}
	if (h->kind == FD_H_PENDING && h->pend->state != FD_PEND_LOGGED) {
		rc = fd_pend_reserve(c, h->pend, end);
		if (rc) {
			fd_refuse(req, -rc, "fallocate", ino, NULL,
				  rc == -EFBIG ? "would need more than 16 "
						 "extents" :
						 "no device space left");
			return;
		}
		if (!(mode & FALLOC_FL_KEEP_SIZE))
			fd_pend_resize(c, h->pend, end, true);
		fuse_reply_err(req, 0);
		return;
	}
	pthread_rwlock_rdlock(&c->ns_lock);
	rc = fd_stat_ino(c, ino, &st);
	pthread_rwlock_unlock(&c->ns_lock);
	if (rc) {
		fuse_reply_err(req, -rc);
		return;
	}
	/* Already allocated up to the size: nothing to do. */
	if (end <= (uint64_t)st.st_size)
		fuse_reply_err(req, 0);
	else
		fd_refuse(req, EFBIG, "fallocate", ino, NULL,
			  "size of a logged file is fixed");
}

/*
 * unlink, rmdir, rename: objects not logged yet are ordinary (rename.c).
 * A logged name is refused with EPERM and a log line, on the master and
 * on clients alike (one errno table for both roles, famfsd(8) ERRORS);
 * only the master has objects that are not logged.
 */
static bool ns_change(fuse_req_t req, struct fd_ctx *c, const char *op,
		      fuse_ino_t parent, const char *name)
{
	if (c->role == FAMFS_ROLE_MASTER && !c->rdonly)
		return true;
	fd_refuse(req, EPERM, op, parent, name,
		  "famfs is append-only: names are never removed or moved");
	return false;
}

static void reply_ns(fuse_req_t req, const char *op, fuse_ino_t parent,
		     const char *name, int rc, const char *why)
{
	if (rc && why)
		fd_refuse(req, -rc, op, parent, name, why);
	else
		fuse_reply_err(req, -rc);
}

static void remove_op(fuse_req_t req, fuse_ino_t parent, const char *name,
		      bool rmdir)
{
	struct fd_ctx *c = fd_req_ctx(req);
	const char *op = rmdir ? "rmdir" : "unlink", *why;
	int rc;

	if (!ns_change(req, c, op, parent, name))
		return;
	rc = fd_ns_remove(c, parent, name, rmdir, &why);
	reply_ns(req, op, parent, name, rc, why);
}

static void op_unlink(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	remove_op(req, parent, name, false);
}

static void op_rmdir(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	remove_op(req, parent, name, true);
}

static void op_rename(fuse_req_t req, fuse_ino_t parent, const char *name,
		      fuse_ino_t newparent, const char *newname,
		      unsigned int flags)
{
	struct fd_ctx *c = fd_req_ctx(req);
	const char *why;
	int rc;

	if (!ns_change(req, c, "rename", parent, name))
		return;
	rc = fd_ns_rename(c, parent, name, newparent, newname, flags, &why);
	reply_ns(req, "rename", parent, name, rc, why);
}

static void op_link(fuse_req_t req, fuse_ino_t ino, fuse_ino_t newparent,
		    const char *newname)
{
	(void)ino;
	fd_refuse(req, EPERM, "link", newparent, newname,
		  "famfs has no hard links");
}

static void op_symlink(fuse_req_t req, const char *link, fuse_ino_t parent,
		       const char *name)
{
	(void)link;
	fd_refuse(req, EPERM, "symlink", parent, name,
		  "famfs has no symbolic links");
}

static void op_setxattr(fuse_req_t req, fuse_ino_t ino, const char *name,
			const char *value, size_t size, int flags)
{
	(void)value;
	(void)size;
	(void)flags;
	fd_refuse(req, ENOTSUP, "setxattr", ino, name,
		  "famfs stores no extended attributes");
}

static void op_removexattr(fuse_req_t req, fuse_ino_t ino, const char *name)
{
	fd_refuse(req, ENOTSUP, "removexattr", ino, name,
		  "famfs stores no extended attributes");
}

void fd_ops_write(struct fuse_lowlevel_ops *ops)
{
	ops->mkdir = op_mkdir;
	ops->create = op_create;
	ops->mknod = op_mknod;
	ops->fallocate = op_fallocate;
	ops->unlink = op_unlink;
	ops->rmdir = op_rmdir;
	ops->rename = op_rename;
	ops->link = op_link;
	ops->symlink = op_symlink;
	ops->setxattr = op_setxattr;
	ops->removexattr = op_removexattr;
}
