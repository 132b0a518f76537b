// SPDX-License-Identifier: Apache-2.0
/*
 * How famfsd talks to a 7.47 kernel: the extent-map passthrough ABI of the
 * FUSE maintainer's development tree (fuse_dax.h section 1,
 * spec/fuse-extmap.md).
 *
 *  - INIT: chosen when the kernel's INIT says minor >= 47 and offers
 *    FUSE_PASSTHROUGH; the reply requests FUSE_PASSTHROUGH with
 *    max_stack_depth 1 and answers minor 47 (famfsd sends 7.47's 24-byte
 *    fuse_open_out in every OPEN/OPENDIR/CREATE reply, wire_msg.c).
 *  - Devices: right after the INIT reply each device with a path is
 *    registered with FUSE_DEV_IOC_BACKING_OPEN, IS_DEV | ID_64 and our id
 *    FAMFSD47_DEV_ID(d); device 0's success confirms the ABI (a kernel
 *    without it answers EINVAL). Closed with FUSE_NOTIFY_BACKING_CLOSE at
 *    unmount (the close ioctl takes only 32-bit ids).
 *  - S_DAX: the kernel fixes an inode's S_DAX from the attributes of the
 *    entry that creates it. famfsd counts every nodeid's lookups (entry
 *    replies: LOOKUP, CREATE, MKNOD, MKDIR, LINK, SYMLINK, each
 *    READDIRPLUS entry but . and ..; FORGET, BATCH_FORGET); when the
 *    count leaves 0 (a new kernel inode) it decides once whether the
 *    nodeid is a dax-mapped file (wire_opts.dax_node), and every reply
 *    with its attributes (also GETATTR, SETATTR) carries FUSE_ATTR_DAX
 *    accordingly until the count is 0 again. Opens follow the same
 *    decision: passthrough for S_DAX inodes, the daemon path for the
 *    rest, never mixed. A file created through the mount is made without
 *    S_DAX; once it is logged and the kernel has forgotten that inode,
 *    its next inode is S_DAX.
 *  - Maps: id = the file's namespace inode number. Pushed once with
 *    FUSE_NOTIFY_MAP (BACKING_CREATE; one extent per famfs extent, or
 *    FUSE_MAP_CYCLIC with one chunk-long extent per strip), before the
 *    first OPEN reply naming it; OPEN is answered FOPEN_PASSTHROUGH |
 *    FUSE_BACKING_ID_64 with the id. The map lives while any nodeid that
 *    opened it is known to the kernel (lookup counts from entry replies,
 *    FORGET/BATCH_FORGET), then FUSE_NOTIFY_BACKING_CLOSE.
 *  - Bound: at most wire_opts.max_maps live maps. At the bound the least
 *    recently opened map that no open file uses is closed (its next open
 *    pushes it again); if every live map is in use the open fails with
 *    ENFILE (one log line).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wire_internal.h"

#define XM_BUCKETS 4096u

struct xm_map;

/* A nodeid the kernel holds: its lookup count and its inode's S_DAX. */
struct xm_node {
	uint64_t nodeid;
	uint64_t nlookup;
	bool dax; /* decided when nlookup left 0 */
	struct xm_map *map; /* the map it opened, or NULL */
	struct xm_node *hnext; /* hash chain */
	struct xm_node *mnext; /* nodes of the same map */
};

/* A map the kernel holds under our id. */
struct xm_map {
	uint64_t id;
	unsigned nopen; /* open handles answered with it */
	struct xm_node *nodes;
	struct xm_map *hnext;
	struct xm_map *newer, *older; /* LRU of opens */
	bool linked; /* on the LRU list */
};

struct xm_state {
	pthread_mutex_t lock;
	struct xm_node *node[XM_BUCKETS];
	struct xm_map *map[XM_BUCKETS];
	struct xm_map *newest, *oldest; /* w->maps_live of them */
	bool full_logged;
};

static struct xm_state *st_of(struct wire *w)
{
	return w->abi_priv;
}

static unsigned bucket(uint64_t v)
{
	return (unsigned)((v ^ (v >> 17)) % XM_BUCKETS);
}

/* ---- messages (pure) -------------------------------------------------- */

ssize_t wire_build_notify_map(const struct wire_map *m, uint64_t id,
			      const uint64_t *dev_ids, void *buf, size_t cap)
{
	struct fuse_dax_out_header oh;
	struct fuse47_notify_map_out mo;
	size_t need =
		sizeof(oh) + sizeof(mo) + m->n * sizeof(struct fuse47_extent);
	uint8_t *p = buf;

	if (need > cap)
		return -E2BIG;
	memset(buf, 0, need);
	oh.len = (uint32_t)need;
	oh.error = FUSE47_NOTIFY_MAP;
	oh.unique = 0;
	memcpy(p, &oh, sizeof(oh));
	memset(&mo, 0, sizeof(mo));
	mo.backing_id = id;
	mo.num_extents = m->n;
	mo.flags =
		FUSE47_MAP_BACKING_CREATE | (m->cyclic ? FUSE47_MAP_CYCLIC : 0);
	memcpy(p + sizeof(oh), &mo, sizeof(mo));
	for (unsigned i = 0; i < m->n; i++) {
		struct fuse47_extent e;

		memset(&e, 0, sizeof(e));
		e.offset = m->ext[i].foff;
		/* Cyclic: each strip is one chunk of the cycle. */
		e.length = m->cyclic ? m->chunk : m->ext[i].len;
		e.backing_id = dev_ids[m->ext[i].dev];
		e.addr = m->ext[i].dev_off;
		memcpy(p + sizeof(oh) + sizeof(mo) + i * sizeof(e), &e,
		       sizeof(e));
	}
	return (ssize_t)need;
}

size_t wire_build_backing_close(uint64_t id, void *buf)
{
	struct fuse_dax_out_header oh = {
		.len = sizeof(oh) +
		       sizeof(struct fuse47_notify_backing_close_out),
		.error = FUSE47_NOTIFY_BACKING_CLOSE,
	};
	struct fuse47_notify_backing_close_out c = { .backing_id = id };

	memcpy(buf, &oh, sizeof(oh));
	memcpy((uint8_t *)buf + sizeof(oh), &c, sizeof(c));
	return oh.len;
}

static int send_close(struct wire *w, uint64_t id)
{
	uint8_t msg[32];
	int r = wire_notify(w, msg, wire_build_backing_close(id, msg));

	if (r)
		wire_log(w, LOG_DEBUG,
			 "FUSE_NOTIFY_BACKING_CLOSE %#" PRIx64 ": %s", id,
			 strerror(-r));
	return r;
}

/* ---- negotiation ------------------------------------------------------ */

static bool xm_offered(struct wire *w)
{
	uint64_t need = FUSE_DAX_INIT_EXT | FUSE_DAX_PASSTHROUGH;

	if (w->init.major == 7 && w->init.minor >= FUSE47_MINOR &&
	    (w->init.flags & need) == need)
		return true;
	snprintf(w->why_not, sizeof(w->why_not),
		 "7.47 extent maps need INIT minor >= 47 with "
		 "FUSE_PASSTHROUGH");
	return false;
}

static void xm_accept(struct wire *w, struct fuse_dax_init_out *out)
{
	out->flags |= FUSE_DAX_INIT_EXT;
	out->flags &= ~FUSE_DAX_WRITEBACK_CACHE;
	out->flags2 |= (uint32_t)(FUSE_DAX_PASSTHROUGH >> 32);
	out->max_stack_depth = 1;
	out->minor = FUSE47_MINOR;
	w->open47 = true;
}

static int xm_reg(struct wire *w, unsigned d, int fd)
{
	struct fuse47_backing_map m = {
		.fd = fd,
		.flags = FUSE47_BACKING_IS_DEV | FUSE47_BACKING_ID_64,
		.backing_id = FAMFSD47_DEV_ID(d),
	};
	int r = wire_ioctl(w, FUSE_DAX_IOC_BACKING_OPEN, &m, fd);

	if (r > 0) {
		/* A 32-bit registration: not the 7.47 semantics. */
		uint32_t id = (uint32_t)r;

		wire_ioctl(w, FUSE_DAX_IOC_BACKING_CLOSE, &id, -1);
		return -EPROTO;
	}
	if (!r)
		w->dev[d].id64 = m.backing_id;
	return r;
}

static int xm_register(struct wire *w)
{
	struct xm_state *s = calloc(1, sizeof(*s));

	if (!s)
		return -ENOMEM;
	pthread_mutex_init(&s->lock, NULL);
	w->abi_priv = s;
	return wire_devices_register(w, xm_reg);
}

/* ---- the tables (lock held) ------------------------------------------ */

static struct xm_node *node_get(struct xm_state *s, uint64_t nodeid,
				bool create)
{
	struct xm_node **head = &s->node[bucket(nodeid)], *n;

	for (n = *head; n; n = n->hnext)
		if (n->nodeid == nodeid)
			return n;
	if (!create)
		return NULL;
	n = calloc(1, sizeof(*n));
	if (!n)
		return NULL;
	n->nodeid = nodeid;
	n->hnext = *head;
	*head = n;
	return n;
}

static struct xm_map *map_find(struct xm_state *s, uint64_t id)
{
	struct xm_map *m;

	for (m = s->map[bucket(id)]; m; m = m->hnext)
		if (m->id == id)
			return m;
	return NULL;
}

static void lru_unlink(struct xm_state *s, struct xm_map *m)
{
	if (!m->linked)
		return;
	if (m->newer)
		m->newer->older = m->older;
	else
		s->newest = m->older;
	if (m->older)
		m->older->newer = m->newer;
	else
		s->oldest = m->newer;
	m->newer = m->older = NULL;
	m->linked = false;
}

static void lru_front(struct xm_state *s, struct xm_map *m)
{
	lru_unlink(s, m);
	m->older = s->newest;
	if (s->newest)
		s->newest->newer = m;
	s->newest = m;
	if (!s->oldest)
		s->oldest = m;
	m->linked = true;
}

/* Close @m in the kernel and forget it; its nodes lose their map. */
static void map_close(struct wire *w, struct xm_map *m)
{
	struct xm_state *s = st_of(w);
	struct xm_map **pp = &s->map[bucket(m->id)];

	send_close(w, m->id);
	for (struct xm_node *n = m->nodes; n; n = n->mnext)
		n->map = NULL;
	while (*pp != m)
		pp = &(*pp)->hnext;
	*pp = m->hnext;
	lru_unlink(s, m);
	atomic_fetch_sub(&w->maps_live, 1);
	atomic_fetch_add(&w->map_closes, 1);
	free(m);
}

static void node_detach(struct wire *w, struct xm_node *n)
{
	struct xm_map *m = n->map;
	struct xm_node **pp;

	if (!m)
		return;
	for (pp = &m->nodes; *pp != n; pp = &(*pp)->mnext)
		;
	*pp = n->mnext;
	n->mnext = NULL;
	n->map = NULL;
	if (!m->nodes)
		map_close(w, m);
}

/* Room for one more map: close the oldest unused one. -ENFILE if none. */
static int make_room(struct wire *w)
{
	struct xm_state *s = st_of(w);
	unsigned long long live = atomic_load(&w->maps_live);
	struct xm_map *m;

	if (live < w->o.max_maps)
		return 0;
	for (m = s->oldest; m && m->nopen; m = m->newer)
		;
	if (!m) {
		if (!s->full_logged)
			wire_log(w, LOG_ERR,
				 "%llu live maps (--max-maps) are all in use "
				 "by open files: ENFILE",
				 live);
		s->full_logged = true;
		return -ENFILE;
	}
	atomic_fetch_add(&w->map_evictions, 1);
	map_close(w, m);
	return 0;
}

static int map_push(struct wire *w, uint64_t id, const struct wire_map *wm)
{
	uint64_t dev_ids[FAMFS_MAX_DAXDEVS];
	uint8_t msg[sizeof(struct fuse_dax_out_header) +
		    sizeof(struct fuse47_notify_map_out) +
		    FAMFS_MAX_SIMPLE_EXTENTS * sizeof(struct fuse47_extent)];
	ssize_t n;

	for (unsigned d = 0; d < FAMFS_MAX_DAXDEVS; d++)
		dev_ids[d] = w->dev[d].id64;
	n = wire_build_notify_map(wm, id, dev_ids, msg, sizeof(msg));
	return n < 0 ? (int)n : wire_notify(w, msg, (size_t)n);
}

/* The live map @id for @nodeid, pushed if needed; one more open. */
static int map_for_open(struct wire *w, uint64_t nodeid, uint64_t id,
			const struct wire_map *wm)
{
	struct xm_state *s = st_of(w);
	struct xm_node *n;
	struct xm_map *m;
	int r = 0;

	pthread_mutex_lock(&s->lock);
	n = node_get(s, nodeid, true);
	if (!n) {
		r = -ENOMEM;
		goto out;
	}
	if (n->map && n->map->id != id)
		node_detach(w, n);
	m = n->map ? n->map : map_find(s, id);
	if (!m) {
		m = calloc(1, sizeof(*m));
		r = m ? make_room(w) : -ENOMEM;
		if (!r)
			r = map_push(w, id, wm);
		if (r) {
			free(m);
			wire_log(w, LOG_ERR,
				 "nodeid %" PRIu64 ": FUSE_NOTIFY_MAP %#" PRIx64
				 ": %s",
				 nodeid, id, strerror(-r));
			goto out;
		}
		m->id = id;
		m->hnext = s->map[bucket(id)];
		s->map[bucket(id)] = m;
		s->full_logged = false;
		atomic_fetch_add(&w->maps_live, 1);
		atomic_fetch_add(&w->map_pushes, 1);
	}
	if (n->map != m) {
		n->map = m;
		n->mnext = m->nodes;
		m->nodes = n;
	}
	m->nopen++;
	lru_front(s, m);
out:
	pthread_mutex_unlock(&s->lock);
	return r;
}

static void xm_release(struct wire *w, uint64_t nodeid)
{
	struct xm_state *s = st_of(w);
	struct xm_node *n;

	pthread_mutex_lock(&s->lock);
	n = node_get(s, nodeid, false);
	if (n && n->map && n->map->nopen)
		n->map->nopen--;
	pthread_mutex_unlock(&s->lock);
}

static void xm_forget(struct wire *w, uint64_t nodeid, uint64_t k)
{
	struct xm_state *s = st_of(w);
	struct xm_node **pp, *n;

	pthread_mutex_lock(&s->lock);
	for (pp = &s->node[bucket(nodeid)]; (n = *pp); pp = &n->hnext)
		if (n->nodeid == nodeid)
			break;
	if (n) {
		n->nlookup = k >= n->nlookup ? 0 : n->nlookup - k;
		if (!n->nlookup) {
			/* The kernel evicted the inode: its map goes. */
			node_detach(w, n);
			*pp = n->hnext;
			free(n);
		}
	}
	pthread_mutex_unlock(&s->lock);
}

/* ---- replies ---------------------------------------------------------- */

static bool dax_node(struct wire *w, uint64_t nodeid)
{
	return nodeid && w->o.dax_node && w->o.dax_node(w->o.arg, nodeid);
}

/*
 * S_DAX of @nodeid's kernel inode: decided when a new inode is made (the
 * lookup count leaves 0) and kept while the kernel holds it. With
 * @lookup, the caller's entry takes one more lookup reference.
 */
static bool node_dax(struct wire *w, uint64_t nodeid, bool lookup)
{
	struct xm_state *s = st_of(w);
	struct xm_node *n;
	bool dax;

	pthread_mutex_lock(&s->lock);
	n = node_get(s, nodeid, lookup);
	if (n && !n->nlookup && lookup)
		n->dax = dax_node(w, nodeid);
	if (n && lookup)
		n->nlookup++;
	dax = n ? n->dax : dax_node(w, nodeid);
	pthread_mutex_unlock(&s->lock);
	return dax;
}

/* The fuse_entry_out at @p takes a lookup reference (0 = negative entry):
 * FUSE_ATTR_DAX as its inode has it. Returns the nodeid counted, or 0. */
static uint64_t patch_entry(struct wire *w, uint8_t *p)
{
	struct fuse_dax_entry_out eo;

	memcpy(&eo, p, sizeof(eo));
	if (!eo.nodeid)
		return 0;
	if (node_dax(w, eo.nodeid, true)) {
		eo.attr.flags |= FUSE47_ATTR_DAX;
		memcpy(p, &eo, sizeof(eo));
	}
	return eo.nodeid;
}

static void patch_dirplus(struct wire *w, uint8_t *p, size_t len)
{
	size_t off = 0;

	while (off + FUSE_DAX_DIRENTPLUS_HDR <= len) {
		const char *name =
			(const char *)p + off + FUSE_DAX_DIRENTPLUS_HDR;
		uint32_t namelen;
		size_t rec;

		memcpy(&namelen, p + off + 128 + 16, 4);
		rec = (FUSE_DAX_DIRENTPLUS_HDR + namelen + 7) & ~(size_t)7;
		if (off + rec > len)
			break;
		/* The kernel takes no lookup reference for . and .. */
		if (!(namelen == 1 && name[0] == '.') &&
		    !(namelen == 2 && name[0] == '.' && name[1] == '.'))
			patch_entry(w, p + off);
		off += rec;
	}
}

static void xm_reply_seen(struct wire *w, uint32_t op, uint64_t nodeid,
			  uint8_t *msg, size_t len, struct wire_out *o)
{
	size_t h = sizeof(struct fuse_dax_out_header);

	switch (op) {
	case FUSE_DAX_OP_GETATTR:
	case FUSE_DAX_OP_SETATTR:
		if (len >= h + sizeof(struct fuse_dax_attr_out) &&
		    node_dax(w, nodeid, false)) {
			size_t at = h +
				    offsetof(struct fuse_dax_attr_out, attr) +
				    offsetof(struct fuse_dax_attr, flags);
			uint32_t fl;

			memcpy(&fl, msg + at, 4);
			fl |= FUSE47_ATTR_DAX;
			memcpy(msg + at, &fl, 4);
		}
		break;
	case FUSE_DAX_OP_READDIRPLUS:
		patch_dirplus(w, msg + h, len - h);
		break;
	default: /* entry replies */
		if (len >= h + sizeof(struct fuse_dax_entry_out))
			o->counted = patch_entry(w, msg + h);
		break;
	}
}

/* ---- opens ------------------------------------------------------------ */

static int send_open(struct wire *w, fuse_req_t req, uint64_t id,
		     const struct fuse_entry_param *e,
		     const struct fuse_file_info *fi)
{
	uint8_t buf[sizeof(struct fuse_dax_entry_out) +
		    sizeof(struct fuse47_open_out)];
	size_t pre = e ? sizeof(struct fuse_dax_entry_out) : 0;
	struct fuse47_open_out oo;

	(void)w;
	if (e)
		wire_fill_entry((struct fuse_dax_entry_out *)(void *)buf, e);
	memset(&oo, 0, sizeof(oo));
	oo.fh = fi->fh;
	/* Allowed with passthrough: DIRECT_IO, PARALLEL_DIRECT_WRITES,
	 * NOFLUSH. Never KEEP_CACHE: the kernel maps the device. */
	oo.open_flags = FOPEN_DAX_PASSTHROUGH | FUSE47_BACKING_ID_64 |
			(fi->noflush ? FOPEN_DAX_NOFLUSH : 0);
	oo.backing_id_64 = id;
	memcpy(buf + pre, &oo, sizeof(oo));
	return wire_send_reply(req, buf, pre + sizeof(oo)) == -ENOENT ? 2 : 1;
}

static int xm_reply_open(struct wire *w, fuse_req_t req,
			 const struct wire_file *f,
			 const struct fuse_entry_param *e,
			 const struct fuse_file_info *fi)
{
	struct wire_map m;
	int r;

	/* The inode's S_DAX decides: the open agrees with it. */
	if (!f->fmap || !f->logged || !node_dax(w, f->nodeid, false))
		return 0;
	r = wire_file_map(w, f, &m);
	if (!r)
		r = wire_devices_ready(w, &m);
	if (!r)
		r = map_for_open(w, f->nodeid, f->ns_ino, &m);
	if (r)
		return r;
	/* Counted before the reply: whoever reads the reply sees the count. */
	atomic_fetch_add(w->o.passthrough_opens, 1);
	r = send_open(w, req, f->ns_ino, e, fi);
	if (r == 2) {
		atomic_fetch_sub(w->o.passthrough_opens, 1);
		xm_release(w, f->nodeid);
	}
	return r;
}

/* ---- teardown --------------------------------------------------------- */

static void close_dev(struct wire *w, unsigned d)
{
	send_close(w, w->dev[d].id64);
	w->dev[d].id64 = 0;
}

static void xm_unmount(struct wire *w)
{
	struct xm_state *s = st_of(w);

	if (!s)
		return;
	pthread_mutex_lock(&s->lock);
	while (s->newest)
		map_close(w, s->newest);
	pthread_mutex_unlock(&s->lock);
	wire_devices_close(w, close_dev);
}

static void xm_destroy(struct wire *w)
{
	struct xm_state *s = st_of(w);

	if (!s)
		return;
	for (unsigned i = 0; i < XM_BUCKETS; i++) {
		while (s->node[i]) {
			struct xm_node *n = s->node[i];

			s->node[i] = n->hnext;
			free(n);
		}
		while (s->map[i]) {
			struct xm_map *m = s->map[i];

			s->map[i] = m->hnext;
			free(m);
		}
	}
	pthread_mutex_destroy(&s->lock);
	free(s);
	w->abi_priv = NULL;
}

#define BIT(op) (1ULL << (op))

const struct wire_abi wire_abi_extmap = {
	.id = WIRE_ABI_EXTMAP,
	.name = "extmap-7.47",
	.offered = xm_offered,
	.accept = xm_accept,
	.register_devices = xm_register,
	.reply_open = xm_reply_open,
	.reply_seen = xm_reply_seen,
	.reply_ops = BIT(FUSE_DAX_OP_LOOKUP) | BIT(FUSE_DAX_OP_GETATTR) |
		     BIT(FUSE_DAX_OP_SETATTR) | BIT(FUSE_DAX_OP_SYMLINK) |
		     BIT(FUSE_DAX_OP_MKNOD) | BIT(FUSE_DAX_OP_MKDIR) |
		     BIT(FUSE_DAX_OP_LINK) | BIT(FUSE_DAX_OP_CREATE) |
		     BIT(FUSE_DAX_OP_READDIRPLUS),
	.forget = xm_forget,
	.release = xm_release,
	.unmount = xm_unmount,
	.destroy = xm_destroy,
};
