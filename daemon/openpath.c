// SPDX-License-Identifier: Apache-2.0
/*
 * The one place that answers OPEN and CREATE. The kernel ABI in use
 * (wire.h) answers passthrough opens of dax-mapped files; every other
 * open gets the daemon path's reply: FOPEN_DIRECT_IO |
 * FOPEN_PARALLEL_DIRECT_WRITES (built by hand: libfuse 3.14 cannot set
 * the parallel-writes flag), so every read and write reaches datapath.c.
 */
#include <errno.h>
#include <string.h>

#include "famfsd.h"
#include "wire.h"

/*
 * The file behind @h as the wire module sees it; the map is copied into
 * @m (the namespace may change once the lock drops). False for handles
 * without a map (generated files).
 */
static bool handle_file(struct fd_ctx *c, struct fd_handle *h,
			struct famfs_fmap *m, struct wire_file *f)
{
	memset(f, 0, sizeof(*f));
	f->nodeid = h->nodeid;
	f->ns_ino = h->ino;
	if (h->kind == FD_H_TEXT)
		return false;
	if (h->fmap) {
		/* Logged: immutable, no lock (set at OPEN, ops_file.c). */
		m->type = h->fmap->type;
		m->count = h->fmap->count;
		m->chunk_size = h->fmap->chunk_size;
		memcpy(m->ext, h->fmap->ext, m->count * sizeof(m->ext[0]));
		f->size = h->fsize;
		f->logged = true;
		f->fmap = m;
		if (h->kind == FD_H_PENDING)
			f->ns_ino = fd_canon(c, h->nodeid);
		return true;
	}
	pthread_rwlock_rdlock(&c->ns_lock);
	if (h->kind == FD_H_PENDING) {
		pthread_mutex_lock(&c->pend_lock);
		/* Growing files stay on the daemon path until logged. */
		f->logged = h->pend->state == FD_PEND_LOGGED;
		if (f->logged)
			f->ns_ino = h->pend->logged_ino;
		*m = h->pend->map;
		f->size = h->pend->size;
		pthread_mutex_unlock(&c->pend_lock);
	} else {
		const struct famfs_node *n = famfs_ns_get(c->ns, h->ino);

		if (n && n->fmap) {
			m->type = n->fmap->type;
			m->count = n->fmap->count;
			m->chunk_size = n->fmap->chunk_size;
			memcpy(m->ext, n->fmap->ext,
			       n->fmap->count * sizeof(m->ext[0]));
			f->size = n->size;
			f->logged = true;
		}
	}
	pthread_rwlock_unlock(&c->ns_lock);
	f->fmap = m;
	return true;
}

/* The daemon path's reply. 0 sent, 1 the kernel dropped it. */
static int reply_daemon(fuse_req_t req, struct fd_ctx *c,
			const struct fuse_entry_param *e,
			struct fuse_file_info *fi)
{
	struct {
		struct fuse_dax_entry_out entry;
		struct fuse_dax_open_out open;
	} out;
	struct fuse_dax_open_out *o = e ? &out.open : (void *)&out;
	int rc;

	memset(&out, 0, sizeof(out));
	if (e)
		wire_fill_entry(&out.entry, e);
	o->fh = fi->fh;
	/* Every byte goes through the daemon; writes may run in parallel. */
	o->open_flags = FOPEN_DAX_DIRECT_IO | FOPEN_DAX_PARALLEL_DIRECT_WRITES;
	atomic_fetch_add(&c->stats.daemon_opens, 1);
	rc = fuse_reply_buf(req, (const char *)&out,
			    e ? sizeof(out) : sizeof(*o));
	if (rc) {
		/* The opener is gone (interrupted): no RELEASE will come. */
		fd_log(LOG_DEBUG, "open reply failed: %s", strerror(-rc));
		return 1;
	}
	return 0;
}

int fd_reply_open(fuse_req_t req, struct fd_ctx *c, struct fd_handle *h,
		  const struct fuse_entry_param *e, struct fuse_file_info *fi)
{
	struct famfs_fmap m;
	struct wire_file f;
	int rc;

	fi->fh = (uint64_t)(uintptr_t)h;
	if (!handle_file(c, h, &m, &f))
		return reply_daemon(req, c, e, fi);
	if (!wire_dax_active(c->wire)) {
		if (!f.logged || !wire_map_devices_known(c->wire, &m))
			return reply_daemon(req, c, e, fi);
		/* A device without a path: refused on every data path. */
		fuse_reply_err(req, ENXIO);
		return 1;
	}
	h->wire_tracked = true;
	rc = wire_reply_open(c->wire, req, &f, e, fi);
	if (rc == 0)
		return reply_daemon(req, c, e, fi); /* still tracked */
	if (rc == 1)
		return 0;
	/* Dropped by the kernel (rc 2) or failed before anything was
	 * counted: the wire module holds nothing for this handle. */
	h->wire_tracked = false;
	if (rc < 0)
		fuse_reply_err(req, -rc);
	return 1;
}

void fd_open_release(struct fd_ctx *c, struct fd_handle *h)
{
	if (h->wire_tracked && c->wire)
		wire_release(c->wire, h->nodeid);
	h->wire_tracked = false;
}
