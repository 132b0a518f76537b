// SPDX-License-Identifier: Apache-2.0
/* Fuzz harness bodies: see harness.h for the input layouts. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "famfs/famfs.h"
#include "harness.h"

#define FZ_MAX_ENTRIES 64
#define FZ_MAX_PIECES 4096 /* per file; then jump to the last byte */
#define FZ_DEV_MASK (((uint64_t)1 << 40) - 1) /* see FZ_BIG_DEV */

void fz_fail(const char *file, int line, const char *what)
{
	fprintf(stderr, "fuzz invariant broken at %s:%d: %s\n", file, line,
		what);
	abort();
}

static uint64_t get64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

/* A rejection must name a field and a reason, and print. */
static void check_err(const struct famfs_err *err, int64_t index)
{
	char buf[320];

	FZ_ASSERT(err->field[0] != '\0');
	FZ_ASSERT(err->msg[0] != '\0');
	FZ_ASSERT(strnlen(err->field, sizeof(err->field)) < sizeof(err->field));
	FZ_ASSERT(strnlen(err->msg, sizeof(err->msg)) < sizeof(err->msg));
	if (index != -2)
		FZ_ASSERT(err->index == index);
	famfs_err_str(err, buf, sizeof(buf));
	FZ_ASSERT(buf[0] != '\0');
}

/* Every piece of @m for a file of @size bytes lies in a device and, on
 * device 0, outside the superblock and log (unless @meta). */
static void check_pieces(const struct famfs_fmap *m, uint64_t size,
			 const struct famfs_geom *g, int meta)
{
	uint64_t off = 0, steps = 0;

	if (m->type == FAMFS_FMAP_SIMPLE) {
		struct famfs_piece p;

		FZ_ASSERT(famfs_fmap_capacity(m) >= size);
		FZ_ASSERT(famfs_fmap_resolve(m, famfs_fmap_capacity(m), &p) ==
			  -ERANGE);
	}
	while (off < size) {
		struct famfs_piece p;
		uint64_t end;

		if (++steps == FZ_MAX_PIECES)
			off = size - 1;
		FZ_ASSERT(famfs_fmap_resolve(m, off, &p) == 0);
		FZ_ASSERT(p.len > 0);
		FZ_ASSERT(p.devindex < g->ndevs);
		FZ_ASSERT(!__builtin_add_overflow(p.dev_off, p.len, &end));
		FZ_ASSERT(end <= g->dev_size[p.devindex]);
		if (meta)
			FZ_ASSERT(p.devindex == 0 &&
				  end <= FAMFS_LOG_OFFSET + g->log_len);
		else if (p.devindex == 0)
			FZ_ASSERT(p.dev_off >= FAMFS_LOG_OFFSET + g->log_len);
		if (__builtin_add_overflow(off, p.len, &off))
			break;
	}
}

/* ---- (a) superblock + log header ---------------------------------------- */

int fz_header(const uint8_t *data, size_t size)
{
	uint8_t in[1 + 200 + 48 + 8] = { 0 };
	struct famfs_omf_superblock sb;
	struct famfs_omf_log_header h;
	struct famfs_err err;
	struct famfs_geom g;
	struct famfs_ns *ns;
	uint64_t avail;
	unsigned flags;
	int rc;

	memcpy(in, data, size < sizeof(in) ? size : sizeof(in));
	flags = in[0];
	memcpy(&sb, in + 1, sizeof(sb));
	if (!(flags & FZ_BIG_DEV))
		sb.daxdev.size &= FZ_DEV_MASK;
	memcpy(&h, in + 1 + sizeof(sb), sizeof(h));
	avail = get64(in + 1 + sizeof(sb) + sizeof(h));
	if (flags & FZ_FIX_LOGLEN) {
		sb.log_len = FZ_LOG_LEN;
		h.log_len = FZ_LOG_LEN;
	}
	if (flags & FZ_FIX_NEXT)
		h.next_seqnum = h.next_index;
	if (flags & FZ_FIX_SB_CRC)
		famfs_sb_seal(&sb);
	if (flags & FZ_FIX_HDR_CRC)
		h.crc = famfs_crc(&h, FAMFS_LOG_HDR_CRC_LEN);

	famfs_err_clear(&err);
	rc = famfs_sb_check(&sb, avail, &err);
	if (rc) {
		FZ_ASSERT(rc == -EINVAL || rc == -EPROTONOSUPPORT ||
			  rc == -EBADMSG);
		check_err(&err, -1);
		FZ_ASSERT(!strncmp(err.field, "superblock.", 11));
		/* Only the device-size check may depend on @avail. */
		rc = famfs_ns_create(&sb, &ns);
		FZ_ASSERT(rc == -EINVAL || (rc == 0 && avail &&
					    famfs_sb_check(&sb, 0, NULL) == 0));
		if (!rc)
			famfs_ns_free(ns);
		return 0;
	}
	FZ_ASSERT(sb.magic == FAMFS_SUPER_MAGIC);
	FZ_ASSERT(sb.version == 47 || sb.version == 48);
	FZ_ASSERT(sb.crc == famfs_crc(&sb, FAMFS_SB_CRC_LEN));
	FZ_ASSERT(sb.log_offset == FAMFS_LOG_OFFSET);
	FZ_ASSERT(sb.alloc_unit == FAMFS_ALLOC_UNIT);
	FZ_ASSERT(sb.log_len >= FAMFS_LOG_LEN_MIN &&
		  !(sb.log_len & (sb.log_len - 1)));
	FZ_ASSERT(sb.daxdev.size % FAMFS_ALLOC_UNIT == 0);
	FZ_ASSERT(sb.daxdev.size >= FAMFS_LOG_OFFSET + sb.log_len);
	FZ_ASSERT(sb.daxdev.size <= FAMFS_DEVICE_MAX);
	FZ_ASSERT(!avail || sb.daxdev.size <= avail);
	FZ_ASSERT(famfs_sb_check(&sb, 0, NULL) == 0);
	famfs_geom_from_sb(&g, &sb);
	FZ_ASSERT(g.ndevs == 1 && g.dev_size[0] == sb.daxdev.size);

	famfs_err_clear(&err);
	rc = famfs_log_header_check(&h, sb.log_len, &err);
	if (rc) {
		FZ_ASSERT(rc == -EINVAL || rc == -EBADMSG || rc == -EUCLEAN);
		check_err(&err, -1);
		FZ_ASSERT(!strncmp(err.field, "log.", 4));
	} else {
		FZ_ASSERT(h.magic == FAMFS_LOG_MAGIC);
		FZ_ASSERT(h.log_len == sb.log_len);
		FZ_ASSERT(h.last_index == famfs_log_last_index(sb.log_len));
		FZ_ASSERT(famfs_log_entry_offset(h.last_index) +
				  FAMFS_LOG_ENTRY_SIZE <=
			  sb.log_len);
		FZ_ASSERT(h.next_index <= h.last_index + 1);
		FZ_ASSERT(h.next_seqnum == h.next_index);
	}

	rc = famfs_ns_create(&sb, &ns);
	FZ_ASSERT(rc == 0);
	{
		struct famfs_ns_stats st;
		const struct famfs_node *n;

		famfs_ns_stats(ns, &st);
		FZ_ASSERT(st.total_units == sb.daxdev.size / FAMFS_ALLOC_UNIT);
		FZ_ASSERT(st.alloc_units ==
			  (FAMFS_LOG_OFFSET + sb.log_len) / FAMFS_ALLOC_UNIT);
		n = famfs_ns_resolve(ns, ".meta/.log");
		FZ_ASSERT(n && n->size == sb.log_len && n->fmap);
		check_pieces(n->fmap, n->size, famfs_ns_geom(ns), 1);
		n = famfs_ns_resolve(ns, ".meta/.superblock");
		FZ_ASSERT(n && n->fmap);
		check_pieces(n->fmap, n->size, famfs_ns_geom(ns), 1);
	}
	famfs_ns_free(ns);
	return 0;
}

/* ---- (b) whole image ---------------------------------------------------- */

struct fz_reports {
	uint64_t n;
	uint64_t limit; /* entry indices reported must be below this */
};

static void fz_report(void *arg, const struct famfs_err *err)
{
	struct fz_reports *r = arg;

	r->n++;
	check_err(err, -2);
	FZ_ASSERT(err->index >= -1 &&
		  (err->index < 0 || (uint64_t)err->index < r->limit));
}

static void fz_invalidate(const void *addr, size_t len)
{
	(void)addr;
	(void)len;
}

/* A device range [lo, hi) some served file maps. */
struct fz_span {
	uint64_t dev, lo, hi;
};

#define FZ_MAX_SPANS (FZ_MAX_ENTRIES * FAMFS_MAX_STRIPS)

struct fz_walk {
	const struct famfs_ns *ns;
	const struct famfs_geom *g;
	uint64_t nodes;
	uint64_t limit; /* log indices must be below */
	struct fz_span span[FZ_MAX_SPANS]; /* served files' extents */
	unsigned nspan;
};

static int span_cmp(const void *a, const void *b)
{
	const struct fz_span *x = a, *y = b;

	if (x->dev != y->dev)
		return x->dev < y->dev ? -1 : 1;
	return x->lo < y->lo ? -1 : x->lo > y->lo;
}

/* No unit of the device is mapped by two served files (or twice by one):
 * the allocation rule as every reader sees it. */
static void check_spans(struct fz_walk *w)
{
	qsort(w->span, w->nspan, sizeof(w->span[0]), span_cmp);
	for (unsigned i = 1; i < w->nspan; i++)
		if (w->span[i].dev == w->span[i - 1].dev)
			FZ_ASSERT(w->span[i].lo >= w->span[i - 1].hi);
}

static void add_spans(struct fz_walk *w, const struct famfs_fmap *m)
{
	for (unsigned i = 0; i < m->count; i++) {
		FZ_ASSERT(w->nspan < FZ_MAX_SPANS);
		w->span[w->nspan].dev = m->ext[i].devindex;
		w->span[w->nspan].lo = m->ext[i].offset / FAMFS_ALLOC_UNIT;
		w->span[w->nspan].hi =
			(m->ext[i].offset + m->ext[i].len) / FAMFS_ALLOC_UNIT;
		w->nspan++;
	}
}

static void walk_dir(struct fz_walk *w, const struct famfs_node *dir,
		     const char *prefix, unsigned depth)
{
	uint32_t subdirs = 0;

	FZ_ASSERT(depth < FAMFS_MAX_PATHLEN);
	FZ_ASSERT(dir->kind == FAMFS_NODE_DIR && S_ISDIR(dir->mode));
	FZ_ASSERT(!dir->fmap);
	for (uint32_t i = 0; i < dir->nchildren; i++) {
		const struct famfs_node *c =
			famfs_ns_get(w->ns, dir->children[i]);
		char path[2 * FAMFS_MAX_PATHLEN];

		FZ_ASSERT(c);
		w->nodes++;
		FZ_ASSERT(c->parent == dir->ino);
		FZ_ASSERT(c->name_len > 0 && c->name_len < FAMFS_MAX_PATHLEN);
		FZ_ASSERT(strlen(c->name) == c->name_len);
		FZ_ASSERT(!strchr(c->name, '/'));
		FZ_ASSERT(famfs_ns_lookup(w->ns, dir->ino, c->name) == c);
		snprintf(path, sizeof(path), "%s%s%s", prefix,
			 prefix[0] ? "/" : "", c->name);
		FZ_ASSERT(strlen(path) < FAMFS_MAX_PATHLEN);
		FZ_ASSERT(famfs_ns_resolve(w->ns, path) == c);
		if (c->log_index >= 0) {
			FZ_ASSERT((uint64_t)c->log_index < w->limit);
			FZ_ASSERT(c->ino ==
				  FAMFS_INO_LOG_BASE + (uint64_t)c->log_index);
			FZ_ASSERT((c->mode & 07777) == (c->mode & ~S_IFMT));
		} else {
			FZ_ASSERT(c->ino < FAMFS_INO_LOG_BASE);
		}
		switch (c->kind) {
		case FAMFS_NODE_DIR:
			subdirs++;
			walk_dir(w, c, path, depth + 1);
			break;
		case FAMFS_NODE_FILE:
			FZ_ASSERT(S_ISREG(c->mode) && c->fmap);
			FZ_ASSERT(c->log_index >= 0 && c->size > 0);
			FZ_ASSERT(c->nchildren == 0);
			check_pieces(c->fmap, c->size, w->g, 0);
			add_spans(w, c->fmap);
			break;
		case FAMFS_NODE_META:
			FZ_ASSERT(c->log_index < 0 && c->fmap);
			check_pieces(c->fmap, c->size, w->g, 1);
			break;
		default:
			FZ_ASSERT(!"unknown node kind");
		}
	}
	FZ_ASSERT(dir->nlink == 2 + subdirs);
}

/* Replay the image once; fills @st. Returns the replay result. */
static long replay_once(const struct famfs_omf_superblock *sb,
			const uint8_t *log,
			const struct famfs_omf_log_header *h,
			struct famfs_ns_stats *st)
{
	struct fz_reports rep = { 0, h->next_index };
	struct fz_walk w;
	struct famfs_ns *ns;
	uint64_t nrep;
	long r, r2;
	int rc;

	rc = famfs_ns_create(sb, &ns);
	if (rc) {
		FZ_ASSERT(rc == -EINVAL && famfs_sb_check(sb, 0, NULL));
		return rc;
	}
	/* The bitmap is sized from the device: bounded for any input. */
	FZ_ASSERT(sb->daxdev.size <= FAMFS_DEVICE_MAX);
	famfs_ns_set_reporter(ns, fz_report, &rep);
	r = famfs_ns_replay(ns, log, FZ_LOG_LEN, fz_invalidate);
	famfs_ns_stats(ns, st);
	if (r < 0) {
		FZ_ASSERT(r == -EINVAL || r == -EBADMSG || r == -EUCLEAN);
		FZ_ASSERT(rep.n > 0 ||
			  r == -EINVAL); /* bad length: no report */
	} else {
		FZ_ASSERT((uint64_t)r == h->next_index);
		FZ_ASSERT(st->next_index == h->next_index);
	}
	/* Waiting at a torn entry is the only partial read. */
	FZ_ASSERT(r != -EBADMSG || st->torn ||
		  famfs_log_header_check(h, FZ_LOG_LEN, NULL));
	FZ_ASSERT(!st->torn || r == -EBADMSG);
	FZ_ASSERT(famfs_ns_health(ns) == (st->torn    ? -EBADMSG :
					  st->corrupt ? -EUCLEAN :
							0));
	/* Each rejected entry reported once, a torn one once; a bad header
	 * once; a log of the wrong length (a caller bug) not at all. */
	if (sb->log_len != FZ_LOG_LEN)
		FZ_ASSERT(r == -EINVAL && rep.n == 0);
	else if (famfs_log_header_check(h, FZ_LOG_LEN, NULL))
		FZ_ASSERT(rep.n == 1 && st->next_index == 0);
	else
		FZ_ASSERT(rep.n == st->bad + st->torn);
	FZ_ASSERT(st->collisions + st->corrupt <= st->bad);
	FZ_ASSERT(st->next_index <= rep.limit);
	FZ_ASSERT(st->files + st->dirs + st->daxdevs + st->bad ==
		  st->next_index);
	FZ_ASSERT(st->alloc_units <= st->total_units);

	/* Replaying again changes nothing and reports nothing new. */
	nrep = rep.n;
	r2 = famfs_ns_replay(ns, log, FZ_LOG_LEN, NULL);
	if (r >= 0)
		FZ_ASSERT(r2 == 0);
	else
		FZ_ASSERT(r2 == r);
	if (r != -EINVAL && r != -EUCLEAN &&
	    !(r == -EBADMSG && famfs_log_header_check(h, FZ_LOG_LEN, NULL)))
		FZ_ASSERT(rep.n == nrep);

	w.ns = ns;
	w.g = famfs_ns_geom(ns);
	w.nodes = 0;
	w.limit = st->next_index;
	w.nspan = 0;
	walk_dir(&w, famfs_ns_get(ns, FAMFS_INO_ROOT), "", 0);
	FZ_ASSERT(w.nodes == st->files + st->dirs + 3);
	check_spans(&w);
	famfs_ns_free(ns);
	return r;
}

void fz_build(unsigned flags, unsigned torn, const uint8_t *data, size_t size,
	      struct fz_img *out)
{
	static uint8_t *img;
	static size_t dirty; /* log bytes written by the previous input */
	struct famfs_omf_superblock *sb;
	struct famfs_omf_log_header *h;
	uint64_t nent = 0, last = famfs_log_last_index(FZ_LOG_LEN);
	uint8_t *log;

	if (!img) {
		img = calloc(1, FZ_META_LEN);
		if (!img)
			abort();
	}
	sb = (struct famfs_omf_superblock *)img;
	log = img + FAMFS_LOG_OFFSET;
	h = (struct famfs_omf_log_header *)log;
	memset(img, 0, sizeof(*sb));
	memset(log, 0, dirty);

	memcpy(sb, data, size < sizeof(*sb) ? size : sizeof(*sb));
	if (!(flags & FZ_BIG_DEV))
		sb->daxdev.size &= FZ_DEV_MASK;
	if (size > sizeof(*sb)) {
		size_t n = size - sizeof(*sb);
		size_t max = sizeof(*h) + FZ_MAX_ENTRIES * FAMFS_LOG_ENTRY_SIZE;

		if (n > max)
			n = max;
		memcpy(log, data + sizeof(*sb), n);
		dirty = n;
		if (n > sizeof(*h))
			nent = (n - sizeof(*h) + FAMFS_LOG_ENTRY_SIZE - 1) /
			       FAMFS_LOG_ENTRY_SIZE;
	}
	if (flags & FZ_FIX_LOGLEN) {
		sb->log_len = FZ_LOG_LEN;
		h->log_len = FZ_LOG_LEN;
		h->last_index = last;
	}
	if (flags & FZ_FIX_NEXT) {
		h->next_index = nent;
		h->next_seqnum = nent;
	} else if (h->next_index > nent + 1 && h->next_index <= last + 1) {
		/* Keep replay short: slots past the input are zero anyway. */
		if (h->next_seqnum == h->next_index)
			h->next_seqnum = nent + 1;
		h->next_index = nent + 1;
	}
	for (uint64_t i = 0; i < nent; i++) {
		struct famfs_omf_log_entry *e =
			(void *)(log + famfs_log_entry_offset(i));

		if (i == torn)
			continue;
		if (flags & FZ_FIX_SEQNUM)
			e->seqnum = i;
		if (flags & FZ_FIX_ENTRY_CRC)
			e->crc = famfs_crc(e, FAMFS_LOG_ENTRY_CRC_LEN);
	}
	if (flags & FZ_FIX_SB_CRC)
		famfs_sb_seal(sb);
	if (flags & FZ_FIX_HDR_CRC)
		h->crc = famfs_crc(h, FAMFS_LOG_HDR_CRC_LEN);
	/* Replay works on the live buffer; keep the slots after it zero. */
	if (dirty < sizeof(*h))
		dirty = sizeof(*h);
	out->sb = sb;
	out->log = log;
	out->h = h;
	out->nent = nent;
	out->used = dirty;
}

int fz_image(const uint8_t *data, size_t size)
{
	struct famfs_ns_stats st;
	struct fz_img im;

	if (size < 2)
		return 0;
	fz_build(data[0], data[1], data + 2, size - 2, &im);
	replay_once(im.sb, im.log, im.h, &st);
	return 0;
}

/* ---- (c) one entry ------------------------------------------------------ */

static void entry_geom(unsigned sel, struct famfs_geom *g)
{
	memset(g, 0, sizeof(*g));
	g->version = (sel & 1) ? FAMFS_VERSION_47 : FAMFS_VERSION_48;
	g->log_len = (sel & 2) ? (16u << 20) : FZ_LOG_LEN;
	g->ndevs = 1 + (sel >> 2) % 3;
	g->dev_size[0] = 8ULL << 30;
	g->dev_size[1] = 16ULL << 30;
	g->dev_size[2] = (4ULL << 30) + FAMFS_ALLOC_UNIT;
	for (unsigned d = 0; d < g->ndevs; d++)
		memset(&g->dev_uuid[d], 0x11 * (int)(d + 1),
		       sizeof(g->dev_uuid[d]));
}

/* A valid entry re-encodes to the same bytes (canonical encoding). */
static void check_roundtrip(const struct famfs_omf_log_entry *e, uint64_t index,
			    const struct famfs_geom *g)
{
	struct famfs_omf_log_entry e2;
	struct famfs_fmap m;
	int rc;

	switch (e->type) {
	case FAMFS_OMF_LOG_FILE: {
		const struct famfs_omf_file *f = &e->u.file;

		FZ_ASSERT(famfs_path_check(f->relpath, NULL) == 0);
		FZ_ASSERT(famfs_fmap_decode(&f->fmap, &m, 0, NULL) == 0);
		FZ_ASSERT(famfs_fmap_check(&m, f->size, g, 0, NULL) == 0);
		check_pieces(&m, f->size, g, 0);
		rc = famfs_entry_make_file(&e2, index, f->relpath, f->mode,
					   f->uid, f->gid, f->size, &m);
		FZ_ASSERT(rc == 0);
		e2.u.file.flags = f->flags;
		e2.crc = famfs_crc(&e2, FAMFS_LOG_ENTRY_CRC_LEN);
		break;
	}
	case FAMFS_OMF_LOG_MKDIR:
		FZ_ASSERT(famfs_path_check(e->u.mkdir.relpath, NULL) == 0);
		rc = famfs_entry_make_mkdir(&e2, index, e->u.mkdir.relpath,
					    e->u.mkdir.mode, e->u.mkdir.uid,
					    e->u.mkdir.gid);
		FZ_ASSERT(rc == 0);
		break;
	case FAMFS_OMF_LOG_ADD_DAXDEV:
		FZ_ASSERT(g->version >= FAMFS_VERSION_48);
		FZ_ASSERT(e->u.daxdev.dd_index == g->ndevs);
		FZ_ASSERT(e->u.daxdev.dd_size <= FAMFS_DEVICE_MAX);
		rc = famfs_entry_make_daxdev(&e2, index, e->u.daxdev.dd_size,
					     &e->u.daxdev.dd_uuid,
					     e->u.daxdev.dd_index);
		FZ_ASSERT(rc == 0);
		break;
	default:
		FZ_ASSERT(!"accepted an unknown entry type");
		return;
	}
	FZ_ASSERT(!memcmp(&e2, e, sizeof(e2)));
}

int fz_entry(const uint8_t *data, size_t size)
{
	uint8_t in[3 + sizeof(struct famfs_omf_log_entry)] = { 0 };
	struct famfs_omf_log_entry e;
	struct famfs_err err;
	struct famfs_geom g;
	unsigned flags;
	uint64_t index;
	int rc;

	memcpy(in, data, size < sizeof(in) ? size : sizeof(in));
	flags = in[0];
	entry_geom(in[1], &g);
	index = in[2];
	memcpy(&e, in + 3, sizeof(e));
	if (flags & FZ_FIX_SEQNUM)
		e.seqnum = index;
	if (flags & FZ_FIX_ENTRY_CRC)
		e.crc = famfs_crc(&e, FAMFS_LOG_ENTRY_CRC_LEN);

	famfs_err_clear(&err);
	rc = famfs_entry_check(&e, index, &g, &err);
	if (rc) {
		FZ_ASSERT(rc == -EINVAL || rc == -EBADMSG ||
			  rc == -ENAMETOOLONG);
		check_err(&err, (int64_t)index);
		if (rc == -EBADMSG)
			FZ_ASSERT(!strcmp(err.field, "seqnum") ||
				  !strcmp(err.field, "crc"));
		return 0;
	}
	FZ_ASSERT(e.seqnum == index);
	FZ_ASSERT(e.crc == famfs_crc(&e, FAMFS_LOG_ENTRY_CRC_LEN));
	FZ_ASSERT(e.pad0 == 0);
	check_roundtrip(&e, index, &g);
	return 0;
}
