// SPDX-License-Identifier: Apache-2.0
/* Files: open/release (openpath.c answers), read/write (datapath.c),
 * flush/fsync. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "famfsd.h"

static bool wants_write(int flags)
{
	return (flags & O_ACCMODE) != O_RDONLY;
}

/*
 * A pending file that has been logged since (the kernel still knows it
 * by its temporary number): serve it from the logged node's immutable
 * map, like any logged file. ns_lock and pend_lock NOT held.
 */
static void adopt_logged(struct fd_ctx *c, struct fd_handle *h, uint64_t lino)
{
	const struct famfs_node *n;

	pthread_rwlock_rdlock(&c->ns_lock);
	n = famfs_ns_get(c->ns, lino);
	if (n && n->kind == FAMFS_NODE_FILE && n->fmap) {
		h->fmap = n->fmap;
		h->fsize = n->size;
	}
	pthread_rwlock_unlock(&c->ns_lock);
}

static int open_pending(struct fd_ctx *c, struct fd_handle *h, int flags)
{
	struct fd_pending *p;
	uint64_t lino = 0;
	int rc = 0;

	pthread_mutex_lock(&c->pend_lock);
	p = fd_pend_get(c, h->ino);
	if (!p || p->state == FD_PEND_GONE) {
		rc = -ENOENT;
	} else if (p->is_dir) {
		rc = -EISDIR;
	} else if ((flags & O_TRUNC) && p->size && p->state != FD_PEND_OPEN) {
		rc = -EPERM;
	} else {
		if ((flags & O_TRUNC) && p->state == FD_PEND_OPEN) {
			p->size = 0;
			fd_marks_clamp(&p->init, 0);
		}
		p->nopen++;
		p->ever_opened = true;
		fd_pend_touch(c, p);
		h->kind = FD_H_PENDING;
		h->pend = p;
		if (p->state == FD_PEND_LOGGED)
			lino = p->logged_ino;
	}
	pthread_mutex_unlock(&c->pend_lock);
	if (lino)
		adopt_logged(c, h, lino);
	return rc;
}

/* Open logged object h->ino. -ENOENT, -EISDIR, -EACCES, -EPERM (*why). */
static int open_logged(struct fd_ctx *c, struct fd_handle *h, int flags,
		       const char **why)
{
	const struct famfs_node *n;
	int rc = 0;

	pthread_rwlock_rdlock(&c->ns_lock);
	n = famfs_ns_get(c->ns, h->ino);
	if (!n) {
		rc = -ENOENT;
	} else if (n->kind == FAMFS_NODE_DIR) {
		rc = -EISDIR;
	} else if (n->kind == FAMFS_NODE_META && h->writable) {
		rc = -EACCES;
		*why = ".meta files are read-only";
	} else if ((flags & O_TRUNC) && n->size) {
		rc = -EPERM;
		*why = "size of a logged file is fixed (O_TRUNC)";
	} else if (n->fmap) {
		/* Immutable: READ and WRITE need no lock. */
		h->fmap = n->fmap;
		h->fsize = n->size;
	}
	pthread_rwlock_unlock(&c->ns_lock);
	return rc;
}

static void op_open(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct fd_ctx *c = fd_req_ctx(req);
	struct fd_handle *h = fd_handle_new(c);
	const char *why = NULL;
	int rc = 0;

	if (!h) {
		fuse_reply_err(req, ENOMEM);
		return;
	}
	/* A logged object is opened by its namespace ino (ident.c); the
	 * kernel's nodeid stays what the wire module counts. */
	h->nodeid = ino;
	ino = fd_canon(c, ino);
	h->ino = ino;
	h->writable = wants_write(fi->flags);
	if (h->writable && c->rdonly) {
		rc = -EROFS;
		why = "the device is read-only";
	} else if (ino == FD_INO_STATS) {
		if (h->writable) {
			rc = -EACCES;
			why = ".meta files are read-only";
		} else {
			h->kind = FD_H_TEXT;
			h->text = malloc(FD_STATS_MAX);
			if (!h->text)
				rc = -ENOMEM;
			else {
				pthread_rwlock_rdlock(&c->ns_lock);
				h->text_len = fd_stats_snapshot(c, h->text);
				pthread_rwlock_unlock(&c->ns_lock);
			}
		}
	} else if (fd_is_pending_ino(ino)) {
		rc = open_pending(c, h, fi->flags);
		if (rc == -EPERM)
			why = "size of a logged file is fixed (O_TRUNC)";
		/* Logged and its record reaped since fd_canon() above (the
		 * identity was added first): open what the log holds. */
		if (rc == -ENOENT && !fd_is_pending_ino(fd_canon(c, ino))) {
			ino = h->ino = fd_canon(c, ino);
			rc = open_logged(c, h, fi->flags, &why);
		}
	} else {
		rc = open_logged(c, h, fi->flags, &why);
	}
	if (rc) {
		fd_handle_free(c, h);
		if (why)
			fd_refuse(req, -rc, "open", ino, NULL, why);
		else
			fuse_reply_err(req, -rc);
		return;
	}
	if (fd_reply_open(req, c, h, NULL, fi))
		fd_handle_drop(c, h);
}

static void op_release(fuse_req_t req, fuse_ino_t ino,
		       struct fuse_file_info *fi)
{
	(void)ino;
	fd_handle_drop(fd_req_ctx(req), (struct fd_handle *)(uintptr_t)fi->fh);
	fuse_reply_err(req, 0);
}

static void op_read(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		    struct fuse_file_info *fi)
{
	(void)ino;
	fd_data_read(req, fd_req_ctx(req),
		     (struct fd_handle *)(uintptr_t)fi->fh, size, off);
}

static void op_write(fuse_req_t req, fuse_ino_t ino, const char *buf,
		     size_t size, off_t off, struct fuse_file_info *fi)
{
	(void)ino;
	fd_data_write(req, fd_req_ctx(req),
		      (struct fd_handle *)(uintptr_t)fi->fh, buf, size, off);
}

static void op_flush(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	(void)ino;
	(void)fi;
	fuse_reply_err(req, 0);
}

/*
 * On an image file the bytes sit in the host's page cache until written
 * back: push the file's extents to the image (a dax device has them once
 * each write returns: writes flush the CPU caches). ns_lock NOT held; the
 * map is copied under it and the flush runs without it (the device stays
 * mapped, and at worst a unit handed on meanwhile is flushed too).
 */
static int data_sync(struct fd_ctx *c, struct fd_handle *h)
{
	struct famfs_fmap m;
	int rc = 0;

	if (!h || h->kind == FD_H_TEXT || famfs_dev_is_dax(c->dev))
		return 0;
	memset(&m, 0, sizeof(m));
	pthread_rwlock_rdlock(&c->ns_lock);
	if (h->kind == FD_H_PENDING) {
		pthread_mutex_lock(&c->pend_lock);
		m = h->pend->map;
		pthread_mutex_unlock(&c->pend_lock);
	} else {
		const struct famfs_node *n = famfs_ns_get(c->ns, h->ino);

		if (n && n->fmap)
			for (unsigned i = 0; i < n->fmap->count; i++)
				m.ext[m.count++] = n->fmap->ext[i];
	}
	pthread_rwlock_unlock(&c->ns_lock);
	for (unsigned i = 0; !rc && i < m.count; i++) {
		void *p = m.ext[i].devindex ?
				  NULL :
				  famfs_fs_ptr(c->fs, m.ext[i].offset,
					       m.ext[i].len);

		if (p && msync(p, m.ext[i].len, MS_SYNC))
			rc = -errno;
	}
	return rc;
}

/*
 * Writes reach the device as they land. fsync makes a file that is not
 * logged yet durable on this host (the recovery journal, journal.c; it
 * stays renamable and deletable), and an image's bytes durable too.
 */
static void op_fsync(fuse_req_t req, fuse_ino_t ino, int datasync,
		     struct fuse_file_info *fi)
{
	struct fd_ctx *c = fd_req_ctx(req);
	struct fd_handle *h = (struct fd_handle *)(uintptr_t)fi->fh;
	int rc;

	(void)datasync;
	/* Journaled (or, without a journal, logged) next: the device must
	 * hold zeros where the file never wrote, before the image's msync
	 * (fd_pend_fill_locked; see prefill() in commit.c). */
	rc = h->kind == FD_H_PENDING ?
		     fd_pend_fill(c, h->pend, !fd_journal_on(c)) :
		     0;
	if (!rc)
		rc = data_sync(c, h);
	if (!rc)
		rc = fd_pend_sync(c, ino);
	fuse_reply_err(req, -rc);
}

static void op_fsyncdir(fuse_req_t req, fuse_ino_t ino, int datasync,
			struct fuse_file_info *fi)
{
	(void)datasync;
	(void)fi;
	fuse_reply_err(req, -fd_pend_sync(fd_req_ctx(req), ino));
}

void fd_ops_file(struct fuse_lowlevel_ops *ops)
{
	ops->open = op_open;
	ops->release = op_release;
	ops->read = op_read;
	ops->write = op_write;
	ops->flush = op_flush;
	ops->fsync = op_fsync;
	ops->fsyncdir = op_fsyncdir;
}
