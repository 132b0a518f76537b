// SPDX-License-Identifier: Apache-2.0
/*
 * famfs's OPEN-reply form (fuse_dax.h section 2), spoken only with
 * famfuse.ko: FAMFUSE_IOC_PROBE when INIT arrives, FUSE_PASSTHROUGH in the
 * INIT reply, FAMFUSE_IOC_ENABLE and one FAMFUSE_IOC_DAX_OPEN per device
 * right after it; every OPEN/CREATE of a logged file is answered with
 * FOPEN_PASSTHROUGH, the backing id of its first device and the map record
 * (type 33 or 34) after the 16-byte fuse_open_out. One inode is never open
 * in both modes: later opens get the mode of the first open handle.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wire_internal.h"

/* Open handles of one kernel inode and the mode they were answered in. */
struct or_ino {
	uint64_t nodeid;
	unsigned nopen;
	bool passthrough;
	struct or_ino *next;
};

#define OR_BUCKETS 1024u

struct or_state {
	pthread_mutex_t lock;
	struct or_ino *ino[OR_BUCKETS];
};

static struct or_state *st_of(struct wire *w)
{
	return w->abi_priv;
}

/* ---- the record (pure) ------------------------------------------------ */

size_t wire_record_size(const struct wire_map *m)
{
	if (m->cyclic)
		return sizeof(struct fuse_dax_stripes) +
		       m->n * sizeof(struct fuse_dax_strip);
	return sizeof(struct fuse_dax_extents) +
	       m->n * sizeof(struct fuse_dax_extent);
}

static int32_t id_for(const int32_t *ids, int32_t dflt, uint32_t dev)
{
	return ids[dev] == dflt ? 0 : ids[dev];
}

ssize_t wire_build_record(const struct wire_map *m, const int32_t *ids,
			  int32_t dflt, void *buf, size_t cap)
{
	size_t need = wire_record_size(m);

	if (need > cap)
		return -E2BIG;
	memset(buf, 0, need);
	if (m->cyclic) {
		struct fuse_dax_stripes *r = buf;

		r->hdr.size = (uint32_t)need;
		r->hdr.type = FUSE_EXT_DAX_STRIPES;
		r->nstrips = m->n;
		r->chunk_size = m->chunk;
		r->file_size = m->mapped;
		for (unsigned i = 0; i < m->n; i++) {
			r->strip[i].dax_offset = m->ext[i].dev_off;
			r->strip[i].length = m->ext[i].len;
			r->strip[i].backing_id =
				id_for(ids, dflt, m->ext[i].dev);
		}
	} else {
		struct fuse_dax_extents *r = buf;

		r->hdr.size = (uint32_t)need;
		r->hdr.type = FUSE_EXT_DAX_EXTENTS;
		r->nr_extents = m->n;
		for (unsigned i = 0; i < m->n; i++) {
			r->ext[i].file_offset = m->ext[i].foff;
			r->ext[i].dax_offset = m->ext[i].dev_off;
			r->ext[i].length = m->ext[i].len;
			r->ext[i].backing_id = id_for(ids, dflt, m->ext[i].dev);
		}
	}
	return (ssize_t)need;
}

/* ---- negotiation ------------------------------------------------------ */

static bool or_offered(struct wire *w)
{
	struct famfuse_probe p;
	int r;

	if (!(w->init.flags & FUSE_DAX_PASSTHROUGH))
		return false;
	memset(&p, 0, sizeof(p));
	r = wire_ioctl(w, FAMFUSE_IOC_PROBE, &p, -1);
	if (r < 0 || p.version != FAMFUSE_ABI_VERSION ||
	    p.max_open_ext < FUSE_DAX_MIN_OPEN_EXT) {
		snprintf(w->why_not, sizeof(w->why_not),
			 "FAMFUSE_IOC_PROBE: %s",
			 r < 0 ? strerror(-r) : "unknown version");
		return false;
	}
	w->max_open_ext = p.max_open_ext;
	return true;
}

static void or_accept(struct wire *w, struct fuse_dax_init_out *out)
{
	(void)w;
	out->flags |= FUSE_DAX_INIT_EXT;
	out->flags &= ~FUSE_DAX_WRITEBACK_CACHE;
	out->flags2 |= (uint32_t)(FUSE_DAX_PASSTHROUGH >> 32);
	out->max_stack_depth = 1;
}

static int or_reg(struct wire *w, unsigned d, int fd)
{
	struct famfuse_dax_map m = { .fd = fd };
	int r = wire_ioctl(w, FAMFUSE_IOC_DAX_OPEN, &m, fd);

	if (r > 0) {
		w->dev[d].id32 = r;
		return 0;
	}
	return r ? r : -EPROTO;
}

static int or_register(struct wire *w)
{
	struct famfuse_enable en = { .version = FAMFUSE_ABI_VERSION };
	struct or_state *s = calloc(1, sizeof(*s));
	int r;

	if (!s)
		return -ENOMEM;
	pthread_mutex_init(&s->lock, NULL);
	w->abi_priv = s;
	r = wire_ioctl(w, FAMFUSE_IOC_ENABLE, &en, -1);
	if (r < 0)
		return r;
	return wire_devices_register(w, or_reg);
}

/* ---- opens ------------------------------------------------------------ */

/* Count one more open of @nodeid; the inode keeps its first mode. */
static int track_open(struct wire *w, uint64_t nodeid, bool want, bool *mode)
{
	struct or_state *s = st_of(w);
	struct or_ino **head = &s->ino[nodeid % OR_BUCKETS], *n;

	pthread_mutex_lock(&s->lock);
	for (n = *head; n && n->nodeid != nodeid; n = n->next)
		;
	if (!n) {
		n = calloc(1, sizeof(*n));
		if (!n) {
			pthread_mutex_unlock(&s->lock);
			return -ENOMEM;
		}
		n->nodeid = nodeid;
		n->next = *head;
		*head = n;
	}
	if (!n->nopen)
		n->passthrough = want;
	n->nopen++;
	*mode = n->passthrough;
	pthread_mutex_unlock(&s->lock);
	return 0;
}

static void or_release(struct wire *w, uint64_t nodeid)
{
	struct or_state *s = st_of(w);
	struct or_ino **pp = &s->ino[nodeid % OR_BUCKETS], *n;

	pthread_mutex_lock(&s->lock);
	for (; (n = *pp); pp = &n->next) {
		if (n->nodeid != nodeid)
			continue;
		if (n->nopen && --n->nopen == 0) {
			*pp = n->next;
			free(n);
		}
		break;
	}
	pthread_mutex_unlock(&s->lock);
}

/* Build and send the reply. 1 sent, 2 dropped by the kernel, -errno. */
static int send_pt(struct wire *w, fuse_req_t req, const struct wire_map *m,
		   const struct fuse_entry_param *e,
		   const struct fuse_file_info *fi)
{
	size_t pre = e ? sizeof(struct fuse_dax_entry_out) : 0;
	size_t cap = wire_record_size(m);
	int32_t ids[FAMFS_MAX_DAXDEVS] = { 0 };
	struct fuse_dax_open_out oo;
	char *buf;
	ssize_t rec;
	int r;

	for (unsigned d = 0; d < FAMFS_MAX_DAXDEVS; d++)
		ids[d] = w->dev[d].id32;
	buf = malloc(pre + sizeof(oo) + cap);
	if (!buf)
		return -ENOMEM;
	rec = wire_build_record(m, ids, ids[m->ext[0].dev],
				buf + pre + sizeof(oo), cap);
	if (e)
		wire_fill_entry((struct fuse_dax_entry_out *)(void *)buf, e);
	memset(&oo, 0, sizeof(oo));
	oo.fh = fi->fh;
	/* Never KEEP_CACHE or DIRECT_IO with dax: the kernel maps the device. */
	oo.open_flags =
		FOPEN_DAX_PASSTHROUGH | (fi->noflush ? FOPEN_DAX_NOFLUSH : 0);
	oo.backing_id = ids[m->ext[0].dev];
	memcpy(buf + pre, &oo, sizeof(oo));
	r = wire_send_reply(req, buf, pre + sizeof(oo) + (size_t)rec);
	free(buf);
	return r == -ENOENT ? 2 : 1;
}

static int or_reply_open(struct wire *w, fuse_req_t req,
			 const struct wire_file *f,
			 const struct fuse_entry_param *e,
			 const struct fuse_file_info *fi)
{
	struct wire_map m;
	bool want = false, mode;
	int r;

	if (f->fmap && f->logged && f->size && f->fmap->count) {
		r = wire_file_map(w, f, &m);
		if (!r)
			r = wire_devices_ready(w, &m);
		if (r)
			return r;
		want = wire_record_size(&m) <= w->max_open_ext;
		if (!want)
			wire_log(w, LOG_WARNING,
				 "nodeid %" PRIu64 ": map record exceeds "
				 "max_open_ext %u bytes: daemon data path",
				 f->nodeid, w->max_open_ext);
	}
	r = track_open(w, f->nodeid, want, &mode);
	if (r < 0)
		return r;
	if (!mode)
		return 0;
	if (!want) {
		/* Open in passthrough mode but this open cannot be: refuse. */
		or_release(w, f->nodeid);
		wire_log(w, LOG_ERR,
			 "nodeid %" PRIu64 ": open in passthrough mode, "
			 "this open cannot be: EBUSY",
			 f->nodeid);
		return -EBUSY;
	}
	/* Counted before the reply: whoever reads the reply sees the count. */
	atomic_fetch_add(w->o.passthrough_opens, 1);
	r = send_pt(w, req, &m, e, fi);
	if (r == 1)
		return 1;
	atomic_fetch_sub(w->o.passthrough_opens, 1);
	or_release(w, f->nodeid);
	return r;
}

/* ---- teardown --------------------------------------------------------- */

static void close_dev(struct wire *w, unsigned d)
{
	uint32_t id = (uint32_t)w->dev[d].id32;
	int r = wire_ioctl(w, FUSE_DAX_IOC_BACKING_CLOSE, &id, -1);

	if (r < 0)
		wire_log(w, LOG_DEBUG, "BACKING_CLOSE %u (device %u): %s", id,
			 d, strerror(-r));
	w->dev[d].id32 = 0;
}

static void or_unmount(struct wire *w)
{
	wire_devices_close(w, close_dev);
}

static void or_destroy(struct wire *w)
{
	struct or_state *s = st_of(w);

	if (!s)
		return;
	for (unsigned i = 0; i < OR_BUCKETS; i++)
		while (s->ino[i]) {
			struct or_ino *n = s->ino[i];

			s->ino[i] = n->next;
			free(n);
		}
	pthread_mutex_destroy(&s->lock);
	free(s);
	w->abi_priv = NULL;
}

const struct wire_abi wire_abi_openreply = {
	.id = WIRE_ABI_OPENREPLY,
	.name = "openreply",
	.offered = or_offered,
	.accept = or_accept,
	.register_devices = or_register,
	.reply_open = or_reply_open,
	.release = or_release,
	.unmount = or_unmount,
	.destroy = or_destroy,
};
