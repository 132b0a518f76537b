// SPDX-License-Identifier: Apache-2.0
/*
 * The extended OPEN/CREATE reply: fuse_open_out with FOPEN_PASSTHROUGH and
 * a dax backing id, followed by the file's extent record (fuse_dax.h).
 * Also the per-inode rule that one inode is never open in both modes.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "wire_internal.h"

/* struct fuse_attr / fuse_entry_out (stock uapi, 7.9+), for CREATE. */
struct wire_attr {
	uint64_t ino, size, blocks, atime, mtime, ctime;
	uint32_t atimensec, mtimensec, ctimensec;
	uint32_t mode, nlink, uid, gid, rdev, blksize, flags;
};
_Static_assert(sizeof(struct wire_attr) == 88, "fuse_attr");

struct wire_entry_out {
	uint64_t nodeid, generation, entry_valid, attr_valid;
	uint32_t entry_valid_nsec, attr_valid_nsec;
	struct wire_attr attr;
};
_Static_assert(sizeof(struct wire_entry_out) == 128, "fuse_entry_out");

static int32_t id_for(const int32_t *ids, int32_t dflt, uint64_t dev)
{
	return ids[dev] == dflt ? 0 : ids[dev];
}

/* Bytes of a type-34 record with @n strips. */
static size_t stripes_size(unsigned n)
{
	return sizeof(struct fuse_dax_stripes) +
	       n * sizeof(struct fuse_dax_strip);
}

static ssize_t build_simple(const struct famfs_fmap *m, const int32_t *ids,
			    int32_t dflt, void *buf, size_t cap)
{
	size_t need = sizeof(struct fuse_dax_extents) +
		      m->count * sizeof(struct fuse_dax_extent);
	struct fuse_dax_extents *r = buf;
	uint64_t foff = 0;

	if (need > cap)
		return -E2BIG;
	memset(r, 0, need);
	r->hdr.size = (uint32_t)need;
	r->hdr.type = FUSE_EXT_DAX_EXTENTS;
	r->nr_extents = m->count;
	for (unsigned i = 0; i < m->count; i++) {
		const struct famfs_extent *e = &m->ext[i];

		r->ext[i].file_offset = foff;
		r->ext[i].dax_offset = e->offset;
		r->ext[i].length = e->len;
		r->ext[i].backing_id = id_for(ids, dflt, e->devindex);
		foff += e->len;
	}
	return (ssize_t)need;
}

/*
 * Interleaved: one type-34 record, one entry per strip. file_size is the
 * file size rounded up to whole chunks (the kernel wants a non-zero
 * multiple of chunk_size); strips are sent whole, as famfs allocated them.
 */
static ssize_t build_stripes(const struct famfs_fmap *m, uint64_t size,
			     const int32_t *ids, int32_t dflt, void *buf,
			     size_t cap)
{
	uint64_t cs = m->chunk_size, nchunks;
	size_t need = stripes_size(m->count);
	struct fuse_dax_stripes *r = buf;

	/* The kernel's rules (nstrips <= 16 < 64 is checked by the caller):
	 * a power-of-two chunk, strips of whole chunks, each holding a row
	 * for every chunk c < nchunks with c % nstrips == its index.
	 * famfs_fmap_check holds replayed maps to these; this keeps a bad
	 * map off the wire. */
	if (!size || (cs & (cs - 1)) || size > UINT64_MAX - (cs - 1))
		return -EINVAL;
	nchunks = (size + cs - 1) / cs;
	for (unsigned i = 0; i < m->count; i++) {
		uint64_t rows =
			nchunks > i ? (nchunks - i - 1) / m->count + 1 : 0;

		if (!m->ext[i].len || m->ext[i].len % cs ||
		    m->ext[i].len / cs < rows)
			return -EINVAL;
	}
	if (need > cap)
		return -E2BIG;
	memset(r, 0, need);
	r->hdr.size = (uint32_t)need;
	r->hdr.type = FUSE_EXT_DAX_STRIPES;
	r->nstrips = m->count;
	r->chunk_size = cs;
	r->file_size = nchunks * cs;
	for (unsigned i = 0; i < m->count; i++) {
		r->strip[i].dax_offset = m->ext[i].offset;
		r->strip[i].length = m->ext[i].len;
		r->strip[i].backing_id = id_for(ids, dflt, m->ext[i].devindex);
	}
	return (ssize_t)need;
}

ssize_t wire_build_record(const struct famfs_fmap *m, uint64_t size,
			  const int32_t *ids, int32_t dflt, void *buf,
			  size_t cap)
{
	if (!m->count || m->count > FAMFS_MAX_SIMPLE_EXTENTS)
		return -EINVAL;
	for (unsigned i = 0; i < m->count; i++)
		if (m->ext[i].devindex >= FAMFS_MAX_DAXDEVS)
			return -EINVAL;
	if (m->type == FAMFS_FMAP_SIMPLE)
		return build_simple(m, ids, dflt, buf, cap);
	if (m->type != FAMFS_FMAP_INTERLEAVE || !m->chunk_size)
		return -EINVAL;
	return build_stripes(m, size, ids, dflt, buf, cap);
}

static void fill_timeout(double t, uint64_t *sec, uint32_t *nsec)
{
	if (t < 0)
		t = 0;
	*sec = (uint64_t)t;
	*nsec = (uint32_t)((t - (double)*sec) * 1e9);
}

static void fill_entry(struct wire_entry_out *o,
		       const struct fuse_entry_param *e)
{
	const struct stat *st = &e->attr;

	memset(o, 0, sizeof(*o));
	o->nodeid = e->ino;
	o->generation = e->generation;
	fill_timeout(e->entry_timeout, &o->entry_valid, &o->entry_valid_nsec);
	fill_timeout(e->attr_timeout, &o->attr_valid, &o->attr_valid_nsec);
	o->attr.ino = st->st_ino;
	o->attr.size = (uint64_t)st->st_size;
	o->attr.blocks = (uint64_t)st->st_blocks;
	o->attr.atime = (uint64_t)st->st_atim.tv_sec;
	o->attr.mtime = (uint64_t)st->st_mtim.tv_sec;
	o->attr.ctime = (uint64_t)st->st_ctim.tv_sec;
	o->attr.atimensec = (uint32_t)st->st_atim.tv_nsec;
	o->attr.mtimensec = (uint32_t)st->st_mtim.tv_nsec;
	o->attr.ctimensec = (uint32_t)st->st_ctim.tv_nsec;
	o->attr.mode = st->st_mode;
	o->attr.nlink = (uint32_t)st->st_nlink;
	o->attr.uid = st->st_uid;
	o->attr.gid = st->st_gid;
	o->attr.rdev = (uint32_t)st->st_rdev;
	o->attr.blksize = (uint32_t)st->st_blksize;
}

/*
 * Count one more open of @ino. @want is the mode this open qualifies for;
 * an inode already open keeps its mode. Returns the mode to use.
 */
int wire_track_open(struct wire *w, uint64_t ino, bool want, bool *mode)
{
	struct wire_ino **head = &w->ino[ino % WIRE_INO_BUCKETS], *n;

	pthread_mutex_lock(&w->ino_lock);
	for (n = *head; n && n->ino != ino; n = n->next)
		;
	if (!n) {
		n = calloc(1, sizeof(*n));
		if (!n) {
			pthread_mutex_unlock(&w->ino_lock);
			return -ENOMEM;
		}
		n->ino = ino;
		n->next = *head;
		*head = n;
	}
	if (!n->nopen)
		n->passthrough = want;
	n->nopen++;
	*mode = n->passthrough;
	pthread_mutex_unlock(&w->ino_lock);
	return 0;
}

void wire_release(struct wire *w, uint64_t ino)
{
	struct wire_ino **pp = &w->ino[ino % WIRE_INO_BUCKETS], *n;

	pthread_mutex_lock(&w->ino_lock);
	for (; (n = *pp); pp = &n->next) {
		if (n->ino != ino)
			continue;
		if (n->nopen && --n->nopen == 0) {
			*pp = n->next;
			free(n);
		}
		break;
	}
	pthread_mutex_unlock(&w->ino_lock);
}

/* Register every device of @m; fills @ids. 0 or the first error. */
static int register_devs(struct wire *w, const struct famfs_fmap *m,
			 int32_t *ids)
{
	for (unsigned i = 0; i < m->count; i++) {
		int r = wire_backing_get(w, (unsigned)m->ext[i].devindex,
					 &ids[m->ext[i].devindex]);

		if (r == -ENXIO)
			return r;
		if (r < 0) /* logged by backing.c */
			return r;
	}
	return 0;
}

/* Bytes of this file's record (size only; no devices touched). */
static uint64_t record_size(const struct wire *w, const struct wire_file *f)
{
	const struct famfs_fmap *m = f->fmap;

	(void)w;
	if (m->type == FAMFS_FMAP_INTERLEAVE)
		return stripes_size(m->count);
	return sizeof(struct fuse_dax_extents) +
	       (uint64_t)m->count * sizeof(struct fuse_dax_extent);
}

/* Build and send the reply. 1 sent, 2 dropped by the kernel, -errno. */
static int send_pt(struct wire *w, fuse_req_t req, const struct wire_file *f,
		   const struct fuse_entry_param *e,
		   const struct fuse_file_info *fi, const int32_t *ids)
{
	size_t pre = e ? sizeof(struct wire_entry_out) : 0;
	size_t cap = (size_t)record_size(w, f); /* <= max_open_ext */
	struct fuse_dax_open_out oo;
	int32_t dflt = ids[f->fmap->ext[0].devindex];
	char *buf;
	ssize_t rec;
	int r;

	buf = malloc(pre + sizeof(oo) + cap);
	if (!buf)
		return -ENOMEM;
	rec = wire_build_record(f->fmap, f->size, ids, dflt,
				buf + pre + sizeof(oo), cap);
	if (rec < 0) {
		free(buf);
		return (int)rec;
	}
	if (e)
		fill_entry((struct wire_entry_out *)(void *)buf, e);
	memset(&oo, 0, sizeof(oo));
	oo.fh = fi->fh;
	/* Never KEEP_CACHE or DIRECT_IO with dax: the kernel maps the device. */
	oo.open_flags =
		FOPEN_DAX_PASSTHROUGH | (fi->noflush ? FOPEN_DAX_NOFLUSH : 0);
	oo.backing_id = dflt;
	memcpy(buf + pre, &oo, sizeof(oo));
	r = fuse_reply_buf(req, buf, pre + sizeof(oo) + (size_t)rec);
	free(buf);
	return r == -ENOENT ? 2 : 1;
}

int wire_reply_open(struct wire *w, fuse_req_t req, const struct wire_file *f,
		    const struct fuse_entry_param *e,
		    const struct fuse_file_info *fi)
{
	int32_t ids[FAMFS_MAX_DAXDEVS] = { 0 };
	bool want = false, mode;
	int r;

	if (!wire_dax_active(w))
		return 0;
	if (f->fmap && f->logged && f->size && f->fmap->count) {
		r = register_devs(w, f->fmap, ids);
		if (r < 0)
			return r;
		want = record_size(w, f) <= w->init.max_open_ext;
		if (!want)
			wire_log(w, LOG_WARNING,
				 "ino %" PRIu64 ": map record exceeds "
				 "max_open_ext %u bytes: daemon data path",
				 f->ino, w->init.max_open_ext);
	}
	r = wire_track_open(w, f->ino, want, &mode);
	if (r < 0)
		return r;
	if (!mode)
		return 0;
	if (!want) {
		/* Open in passthrough mode but this open cannot be: refuse. */
		wire_release(w, f->ino);
		wire_log(w, LOG_ERR,
			 "ino %" PRIu64 ": open in passthrough mode, "
			 "this open cannot be: EBUSY",
			 f->ino);
		return -EBUSY;
	}
	/* Counted before the reply: whoever reads the reply sees the count. */
	atomic_fetch_add(w->o.passthrough_opens, 1);
	r = send_pt(w, req, f, e, fi, ids);
	if (r == 1)
		return 1;
	atomic_fetch_sub(w->o.passthrough_opens, 1);
	wire_release(w, f->ino);
	return r;
}
