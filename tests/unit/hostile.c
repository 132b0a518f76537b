// SPDX-License-Identifier: Apache-2.0
/* Hostile-entry corpus (see hostile.h): the cases and the image builder. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hostile.h"

#define AU FAMFS_ALLOC_UNIT
#define U(n) ((uint64_t)(n)*AU) /* device offset of unit n */

/* Legitimate files: unit numbers on device 0 (data starts at unit 5). */
#define GOOD_UNIT 5 /* d/good: 1 unit */
#define G2_UNIT 6 /* g2: 2 units, size 2 AU - 1000 (slack is sentinel) */
#define IE_UNIT 8 /* ie: 2 strips of 2 units, 2 MiB chunks, 8 MiB */
#define FREE_UNIT 12 /* hostile cases take units from here on */

struct bctx {
	uint64_t ix; /* index of the entry being built */
	uint64_t unit; /* next free unit */
	uint64_t dup_units; /* units of "dup" (held by a rejected entry) */
};

static uint64_t fresh(struct bctx *b, uint64_t n)
{
	uint64_t off = U(b->unit);

	b->unit += n;
	return off;
}

/* A FILE entry with one extent; @path copied raw (@plen bytes). */
static void file_raw(struct famfs_omf_log_entry *e, uint64_t ix,
		     const char *path, size_t plen, uint64_t size, uint64_t off,
		     uint64_t len)
{
	struct famfs_omf_file *f = &e->u.file;

	memset(e, 0, sizeof(*e));
	e->seqnum = ix;
	e->type = FAMFS_OMF_LOG_FILE;
	f->size = size;
	f->flags = FAMFS_FILE_FLAG_ALL_HOSTS_RW;
	f->mode = 0644;
	memcpy(f->relpath, path, plen);
	f->fmap.ext_type = FAMFS_OMF_EXT_SIMPLE;
	f->fmap.nextents = 1;
	f->fmap.u.se[0].offset = off;
	f->fmap.u.se[0].len = len;
}

static void file1(struct bctx *b, struct famfs_omf_log_entry *e,
		  const char *path)
{
	file_raw(e, b->ix, path, strlen(path), AU, fresh(b, 1), AU);
}

/* A FILE entry with no extent yet (the case sets the map). */
static void named(struct bctx *b, struct famfs_omf_log_entry *e,
		  const char *path)
{
	file_raw(e, b->ix, path, strlen(path), AU, 0, 0);
}

static void ie_map(struct famfs_omf_file *f, unsigned nstrips, uint64_t chunk,
		   uint64_t off, uint64_t strip_len)
{
	struct famfs_omf_interleave *ie = &f->fmap.u.ie[0];

	memset(&f->fmap, 0, sizeof(f->fmap));
	f->fmap.ext_type = FAMFS_OMF_EXT_INTERLEAVE;
	f->fmap.nextents = 1;
	ie->nstrips = nstrips;
	ie->chunk_size = chunk;
	for (unsigned s = 0; s < nstrips && s < FAMFS_MAX_STRIPS; s++) {
		ie->strips[s].offset = off + s * strip_len;
		ie->strips[s].len = strip_len;
	}
}

/* ---- the cases ------------------------------------------------------------ */

#define MK(name) static void name(struct bctx *b, struct famfs_omf_log_entry *e)

MK(dotdot_lead)
{
	file1(b, e, "../x");
}
MK(dotdot_mid)
{
	file1(b, e, "d/../x");
}
MK(dotdot_tail)
{
	file1(b, e, "d/..");
}
MK(dotdot_only)
{
	file1(b, e, "..");
}
MK(dot_mid)
{
	file1(b, e, "d/./x");
}
MK(absolute)
{
	file1(b, e, "/abs");
}
MK(empty)
{
	file1(b, e, "");
}
MK(empty_comp)
{
	file1(b, e, "d//x");
}
MK(trailing)
{
	file1(b, e, "d/");
}
MK(meta)
{
	file1(b, e, ".meta/x");
}
MK(no_nul)
{
	char p[FAMFS_MAX_PATHLEN];

	memset(p, 'n', sizeof(p));
	file_raw(e, b->ix, p, sizeof(p), AU, fresh(b, 1), AU);
}
MK(after_nul)
{
	file1(b, e, "after_nul");
	e->u.file.relpath[70] = 'z';
}
MK(file_under_file)
{
	file1(b, e, "d/good/x");
}
MK(no_parent)
{
	file1(b, e, "nodir/x");
}
MK(dup_name)
{
	/* Upstream writes these (it truncates long names): it serves the
	 * first and counts both files' units. */
	b->dup_units = b->unit;
	file1(b, e, "g2");
}
MK(past_end)
{
	file_raw(e, b->ix, "past_end", 8, AU, HOSTILE_DEV_SIZE, AU);
}
MK(over_end)
{
	file_raw(e, b->ix, "over_end", 8, AU, HOSTILE_DEV_SIZE - AU, 2 * AU);
}
MK(wrap)
{
	file_raw(e, b->ix, "wrap", 4, AU, UINT64_MAX - AU + 1, 2 * AU);
}
MK(over_sb)
{
	file_raw(e, b->ix, "over_sb", 7, AU, 0, AU);
}
MK(over_log)
{
	file_raw(e, b->ix, "over_log", 8, 2 * AU, U(4), 2 * AU);
}
MK(sh)
{
	file_raw(e, b->ix, "sh", 2, AU, U(GOOD_UNIT), AU);
}
MK(share_part)
{
	/* One unit of g2, one fresh: the fresh one stays held. */
	file_raw(e, b->ix, "share_part", 10, 2 * AU, U(G2_UNIT + 1), 2 * AU);
	e->u.file.fmap.nextents = 2;
	e->u.file.fmap.u.se[0].len = AU;
	e->u.file.fmap.u.se[1].offset = fresh(b, 1);
	e->u.file.fmap.u.se[1].len = AU;
}
MK(share_ie)
{
	file_raw(e, b->ix, "share_ie", 8, AU, U(IE_UNIT + 3), AU);
}
MK(size_past)
{
	file_raw(e, b->ix, "size_past", 9, 2 * AU + 1, fresh(b, 2), 2 * AU);
}
MK(ext0)
{
	file1(b, e, "ext0");
	e->u.file.fmap.nextents = 0;
	memset(&e->u.file.fmap.u, 0, sizeof(e->u.file.fmap.u));
}
MK(ext17)
{
	uint64_t off = fresh(b, 1);

	file_raw(e, b->ix, "ext17", 5, AU, off, AU);
	e->u.file.fmap.nextents = 17;
	for (unsigned i = 0; i < FAMFS_MAX_SIMPLE_EXTENTS; i++) {
		e->u.file.fmap.u.se[i].offset = off;
		e->u.file.fmap.u.se[i].len = AU;
	}
}
MK(unaligned_off)
{
	file_raw(e, b->ix, "unaligned_off", 13, AU, fresh(b, 2) + 4096, AU);
}
MK(unaligned_len)
{
	file_raw(e, b->ix, "unaligned_len", 13, AU, fresh(b, 1), AU + 1);
}
MK(zero_len)
{
	file_raw(e, b->ix, "zero_len", 8, AU, fresh(b, 1), 0);
}
MK(bad_dev)
{
	named(b, e, "bad_dev");
	e->u.file.fmap.u.se[0].len = AU;
	e->u.file.fmap.u.se[0].devindex = 1;
}
MK(self_overlap)
{
	file_raw(e, b->ix, "self_overlap", 12, 2 * AU, fresh(b, 1), AU);
	e->u.file.fmap.nextents = 2;
	e->u.file.fmap.u.se[1] = e->u.file.fmap.u.se[0];
}
MK(ie0)
{
	named(b, e, "ie0");
	ie_map(&e->u.file, 0, AU, fresh(b, 1), AU);
}
MK(ie17)
{
	struct famfs_omf_interleave *ie = &e->u.file.fmap.u.ie[0];

	named(b, e, "ie17");
	ie_map(&e->u.file, FAMFS_MAX_STRIPS, AU, fresh(b, 1), 0);
	ie->nstrips = FAMFS_MAX_STRIPS + 1;
	for (unsigned s = 0; s < FAMFS_MAX_STRIPS; s++)
		ie->strips[s].len = AU; /* all on the one unit */
}
MK(ie_chunk3)
{
	named(b, e, "ie_chunk3");
	ie_map(&e->u.file, 2, 3 * AU, fresh(b, 2), AU);
}
MK(ie_chunk1m)
{
	named(b, e, "ie_chunk1m");
	ie_map(&e->u.file, 2, AU / 2, fresh(b, 2), AU);
}
MK(ie_chunk0)
{
	named(b, e, "ie_chunk0");
	ie_map(&e->u.file, 2, 0, fresh(b, 2), AU);
}
MK(ie_short)
{
	named(b, e, "ie_short");
	e->u.file.size = 8 * AU;
	ie_map(&e->u.file, 2, AU, fresh(b, 2), AU);
}
MK(ie_shared)
{
	named(b, e, "ie_shared");
	e->u.file.size = 2 * AU;
	ie_map(&e->u.file, 2, AU, U(GOOD_UNIT), AU);
}
MK(ext_type)
{
	named(b, e, "ext_type");
	e->u.file.fmap.ext_type = 2;
}
MK(type_delete)
{
	file1(b, e, "type_delete"); /* its units stay held too */
	e->type = FAMFS_OMF_LOG_DELETE;
}
MK(type_unknown)
{
	file1(b, e, "type_unknown");
	e->type = 9;
}
MK(mode_ifmt)
{
	file1(b, e, "mode_ifmt");
	e->u.file.mode = 0120777; /* a symlink */
}
MK(flags)
{
	file1(b, e, "flags");
	e->u.file.flags = 0x80;
}
MK(pad)
{
	file1(b, e, "pad");
	e->pad0 = 1;
}
MK(mkdir_tail)
{
	file1(b, e, "mkdir_tail"); /* a FILE payload in a MKDIR entry */
	b->unit--; /* a MKDIR holds no units */
	e->type = FAMFS_OMF_LOG_MKDIR;
	memset(e->u.mkdir.relpath, 0, sizeof(e->u.mkdir.relpath));
	memcpy(e->u.mkdir.relpath, "mkdir_tail", 10);
	e->u.mkdir.mode = 0755;
}
MK(size_zero)
{
	file1(b, e, "size_zero");
	e->u.file.size = 0;
}
/* 79 bytes under d: the longest path famfs stores. */
#define LONG79 \
	"d/lllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllll"

MK(long79)
{
	file_raw(e, b->ix, LONG79, FAMFS_MAX_PATHLEN - 1, AU, fresh(b, 1), AU);
}
MK(ie_ok)
{
	named(b, e, "d/sub/ie_ok");
	e->u.file.size = 4 * AU - 3; /* 2 chunks: one per strip */
	ie_map(&e->u.file, 2, 2 * AU, fresh(b, 4), 2 * AU);
}
MK(late)
{
	/* After everything: maps a unit only the rejected "dup" holds. */
	file_raw(e, b->ix, "late", 4, AU, U(b->dup_units), AU);
}
MK(late2)
{
	file1(b, e, "d/late2");
}

typedef void (*hostile_mk)(struct bctx *, struct famfs_omf_log_entry *);

#define R(w, p, a, h, f)                                   \
	{                                                  \
		w, p, false, a, h, f, FAMFS_ERR_INVALID, 0 \
	}
#define C(w, p, h)                                                   \
	{                                                            \
		w, p, false, true, h, "fmap", FAMFS_ERR_COLLISION, 0 \
	}
#define OK(w, p)                                    \
	{                                           \
		w, p, true, true, false, NULL, 0, 0 \
	}

struct hostile_case hostile_cases[] = {
	R("../ first", "../x", false, false, "relpath"),
	R("../ inside", "d/../x", false, false, "relpath"),
	R("/.. last", "d/..", false, false, "relpath"),
	R("..", "..", false, false, "relpath"),
	R("/./", "d/./x", false, false, "relpath"),
	R("absolute", "/abs", false, false, "relpath"),
	R("empty name", "", false, false, "relpath"),
	R("empty component", "d//x", false, false, "relpath"),
	R("trailing /", "d/", false, false, "relpath"),
	R(".meta", ".meta/x", false, false, "relpath"),
	R("80 bytes, no NUL", "", false, false, "relpath"),
	R("bytes after the NUL", "after_nul", true, true, "relpath"),
	R("file under a file", "d/good/x", true, false, "relpath"),
	R("no parent", "nodir/x", true, false, "relpath"),
	R("duplicate name", "g2", true, true, "relpath"),
	R("extent past the end", "past_end", true, true, "fmap.se[0]"),
	R("extent over the end", "over_end", true, true, "fmap.se[0]"),
	R("extent wraps 2^64", "wrap", true, true, "fmap.se[0]"),
	R("over the superblock", "over_sb", true, true, "fmap.se[0]"),
	R("over the log", "over_log", true, true, "fmap.se[0]"),
	C("shares d/good (sh)", "sh", true),
	C("shares a unit of g2", "share_part", true),
	C("shares a strip of ie", "share_ie", true),
	R("size past the extents", "size_past", true, true, "fmap"),
	R("0 extents", "ext0", true, true, "fmap.nextents"),
	R("17 extents", "ext17", true, true, "fmap.nextents"),
	R("unaligned offset", "unaligned_off", true, true, "fmap.se[0]"),
	R("unaligned length", "unaligned_len", true, true, "fmap.se[0]"),
	R("zero length", "zero_len", true, true, "fmap.se[0]"),
	R("unknown device", "bad_dev", true, true, "fmap.se[0]"),
	R("extents overlap", "self_overlap", true, true, "fmap.se[1]"),
	R("0 strips", "ie0", true, true, "fmap.ie.nstrips"),
	R("17 strips", "ie17", true, true, "fmap.ie.nstrips"),
	R("chunk 6 MiB", "ie_chunk3", true, true, "fmap.ie.chunk_size"),
	R("chunk 1 MiB", "ie_chunk1m", true, true, "fmap.ie.chunk_size"),
	R("chunk 0", "ie_chunk0", true, true, "fmap.ie.chunk_size"),
	R("strips too short", "ie_short", true, true, "fmap.ie.strips"),
	C("strips share d/good", "ie_shared", true),
	R("unknown extent type", "ext_type", true, true, "fmap.ext_type"),
	R("DELETE entry", "type_delete", true, true, "type"),
	R("unknown entry type", "type_unknown", true, true, "type"),
	R("S_IFMT in mode", "mode_ifmt", true, true, "mode"),
	R("unknown flags", "flags", true, true, "flags"),
	R("padding", "pad", true, true, "pad"),
	R("MKDIR with a payload", "mkdir_tail", true, true, "mkdir"),
	R("size 0", "size_zero", true, true, "size"),
	OK("79-byte path", LONG79),
	OK("interleave, 4 MiB chunks", "d/sub/ie_ok"),
	C("maps the duplicate's unit", "late", true),
	OK("after everything", "d/late2"),
};

static const hostile_mk makers[] = {
	dotdot_lead,
	dotdot_mid,
	dotdot_tail,
	dotdot_only,
	dot_mid,
	absolute,
	empty,
	empty_comp,
	trailing,
	meta,
	no_nul,
	after_nul,
	file_under_file,
	no_parent,
	dup_name,
	past_end,
	over_end,
	wrap,
	over_sb,
	over_log,
	sh,
	share_part,
	share_ie,
	size_past,
	ext0,
	ext17,
	unaligned_off,
	unaligned_len,
	zero_len,
	bad_dev,
	self_overlap,
	ie0,
	ie17,
	ie_chunk3,
	ie_chunk1m,
	ie_chunk0,
	ie_short,
	ie_shared,
	ext_type,
	type_delete,
	type_unknown,
	mode_ifmt,
	flags,
	pad,
	mkdir_tail,
	size_zero,
	long79,
	ie_ok,
	late,
	late2,
};

const unsigned hostile_ncases =
	sizeof(hostile_cases) / sizeof(hostile_cases[0]);

_Static_assert(sizeof(makers) / sizeof(makers[0]) ==
		       sizeof(hostile_cases) / sizeof(hostile_cases[0]),
	       "one maker per case");

_Static_assert(sizeof(LONG79) == FAMFS_MAX_PATHLEN, "79 bytes + NUL");

uint64_t hostile_seed(const char *path)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	for (; *path; path++)
		h = (h ^ (uint8_t)*path) * 0x100000001b3ULL;
	return h;
}

/* Write @m's bytes [0, size) with the file's pattern (sentinel after). */
static int fill_file(uint8_t *dev, const struct famfs_fmap *m, uint64_t size,
		     const char *path)
{
	uint64_t seed = hostile_seed(path), off = 0;

	while (off < size) {
		struct famfs_piece p;
		uint64_t n;

		if (famfs_fmap_resolve(m, off, &p))
			return -ERANGE;
		n = p.len < size - off ? p.len : size - off;
		famfs_pattern_fill(dev + p.dev_off, n, seed, off);
		off += n;
	}
	return 0;
}

static int append(uint8_t *log, struct famfs_omf_log_entry *e)
{
	struct famfs_omf_log_header *h = (void *)log;

	e->crc = famfs_crc(e, FAMFS_LOG_ENTRY_CRC_LEN);
	memcpy(log + famfs_log_entry_offset(h->next_index), e, sizeof(*e));
	h->next_index++;
	h->next_seqnum = h->next_index;
	return 0;
}

/* The legitimate files, entries 0..4. */
static int legit(uint8_t *dev, uint8_t *log)
{
	struct famfs_omf_log_entry e;
	struct famfs_fmap m;
	int rc;

	rc = famfs_entry_make_mkdir(&e, 0, "d", 0755, 0, 0);
	if (!rc)
		append(log, &e);
	memset(&m, 0, sizeof(m));
	m.count = 1;
	m.ext[0].offset = U(GOOD_UNIT);
	m.ext[0].len = AU;
	if (!rc)
		rc = famfs_entry_make_file(&e, 1, "d/good", 0644, 0, 0, AU, &m);
	if (!rc) {
		append(log, &e);
		rc = fill_file(dev, &m, AU, "d/good");
	}
	m.ext[0].offset = U(G2_UNIT);
	m.ext[0].len = 2 * AU;
	if (!rc)
		rc = famfs_entry_make_file(&e, 2, "g2", 0600, 0, 0,
					   2 * AU - 1000, &m);
	if (!rc) {
		append(log, &e);
		rc = fill_file(dev, &m, 2 * AU - 1000, "g2");
	}
	m.type = FAMFS_FMAP_INTERLEAVE;
	m.count = 2;
	m.chunk_size = AU;
	m.ext[0].offset = U(IE_UNIT);
	m.ext[1].offset = U(IE_UNIT + 2);
	m.ext[1].len = 2 * AU;
	if (!rc)
		rc = famfs_entry_make_file(&e, 3, "ie", 0644, 0, 0, 4 * AU, &m);
	if (!rc) {
		append(log, &e);
		rc = fill_file(dev, &m, 4 * AU, "ie");
	}
	if (!rc)
		rc = famfs_entry_make_mkdir(&e, 4, "d/sub", 0755, 0, 0);
	if (!rc)
		append(log, &e);
	return rc;
}

int hostile_build(const char *path, const struct famfs_omf_uuid *sysuuid)
{
	struct famfs_mkfs_opts o = { .allow_small = true };
	struct bctx b = { .unit = FREE_UNIT };
	struct famfs_err err;
	struct famfs_dev *dev;
	uint8_t *base, *log;
	FILE *f;
	int rc;

	f = fopen(path, "w");
	if (!f || ftruncate(fileno(f), (off_t)HOSTILE_DEV_SIZE)) {
		fprintf(stderr, "hostile: %s: cannot create\n", path);
		if (f)
			fclose(f);
		return -EIO;
	}
	fclose(f);
	o.system_uuid = *sysuuid;
	famfs_err_clear(&err);
	rc = famfs_dev_open(path, 0, &dev, &err);
	if (!rc)
		rc = famfs_mkfs(dev, &o, &err);
	if (rc) {
		fprintf(stderr, "hostile: %s: mkfs: %s\n", path, err.msg);
		return rc;
	}
	base = famfs_dev_addr(dev);
	log = base + FAMFS_LOG_OFFSET;
	memset(base + FAMFS_LOG_OFFSET + FAMFS_LOG_LEN_DEFAULT,
	       HOSTILE_SENTINEL,
	       HOSTILE_DEV_SIZE - FAMFS_LOG_OFFSET - FAMFS_LOG_LEN_DEFAULT);
	rc = legit(base, log);
	for (unsigned i = 0; !rc && i < hostile_ncases; i++) {
		struct hostile_case *c = &hostile_cases[i];
		struct famfs_omf_log_entry e;

		b.ix = ((struct famfs_omf_log_header *)log)->next_index;
		c->index = b.ix;
		makers[i](&b, &e);
		if (c->served) {
			struct famfs_fmap m;

			rc = famfs_fmap_decode(&e.u.file.fmap, &m, 0, NULL);
			if (!rc)
				rc = fill_file(base, &m, e.u.file.size,
					       c->path);
		}
		if (!rc)
			rc = append(log, &e);
	}
	if (!rc && b.unit > HOSTILE_DEV_SIZE / AU)
		rc = -ENOSPC;
	((struct famfs_omf_log_header *)log)->crc =
		famfs_crc(log, FAMFS_LOG_HDR_CRC_LEN);
	famfs_dev_close(dev);
	if (rc)
		fprintf(stderr, "hostile: %s: build: %s\n", path,
			strerror(-rc));
	return rc;
}

/* Whose byte is device offset @off: the served file and its offset. */
static const struct famfs_node *owner(const struct famfs_ns *ns, uint64_t off,
				      uint64_t *file_off)
{
	struct famfs_ns_stats st;

	famfs_ns_stats(ns, &st);
	for (uint64_t i = 0; i < st.next_index; i++) {
		const struct famfs_node *n =
			famfs_ns_get(ns, FAMFS_INO_LOG_BASE + i);
		if (!n || n->kind != FAMFS_NODE_FILE)
			continue;
		/* Walk the file's pieces in chunk steps. */
		for (uint64_t fo = 0; fo < famfs_fmap_capacity(n->fmap);) {
			struct famfs_piece p;

			if (famfs_fmap_resolve(n->fmap, fo, &p))
				break;
			if (p.devindex == 0 && off >= p.dev_off &&
			    off < p.dev_off + p.len) {
				*file_off = fo + (off - p.dev_off);
				return n;
			}
			fo += p.len;
		}
	}
	return NULL;
}

/* The relpath of a served node, for its seed. */
static void path_of(const struct famfs_ns *ns, const struct famfs_node *n,
		    char *buf, size_t len)
{
	char tmp[FAMFS_MAX_PATHLEN * 2];

	buf[0] = '\0';
	while (n && n->ino != FAMFS_INO_ROOT) {
		snprintf(tmp, sizeof(tmp), "%s%s%s", n->name, buf[0] ? "/" : "",
			 buf);
		snprintf(buf, len, "%s", tmp);
		n = famfs_ns_get(ns, n->parent);
	}
}

int hostile_verify_bytes(const struct famfs_ns *ns, const uint8_t *dev,
			 uint64_t size)
{
	uint64_t data = FAMFS_LOG_OFFSET + famfs_ns_geom(ns)->log_len;

	/* Unit by unit: find the owner once per 4 KiB page. */
	for (uint64_t off = data; off < size; off += 4096) {
		char path[FAMFS_MAX_PATHLEN * 2];
		const struct famfs_node *n;
		uint64_t fo = 0;

		n = owner(ns, off, &fo);
		if (n)
			path_of(ns, n, path, sizeof(path));
		for (uint64_t i = 0; i < 4096; i++) {
			uint8_t want = HOSTILE_SENTINEL;

			if (n && fo + i < n->size)
				want = famfs_pattern_byte(hostile_seed(path),
							  fo + i);
			if (dev[off + i] != want) {
				fprintf(stderr,
					"hostile: device byte 0x%" PRIx64
					" is 0x%02x, want 0x%02x (%s)\n",
					off + i, dev[off + i], want,
					n ? path : "sentinel");
				return -EIO;
			}
		}
	}
	return 0;
}
