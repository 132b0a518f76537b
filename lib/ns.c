// SPDX-License-Identifier: Apache-2.0
/*
 * The in-memory namespace: nodes in an array indexed by log index (inode
 * number = FAMFS_INO_LOG_BASE + index, so numbers are stable and the same on
 * every host) and an open-addressing table of directory entries.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include "ns_internal.h"

/*
 * In-memory only (never stored): eight bytes per step, so a 40-byte name
 * costs 5 multiplies instead of 40. Names are at most 79 bytes.
 */
uint64_t ns_name_hash(uint64_t parent, const char *name, size_t len)
{
	uint64_t h = (parent + len) * 0x9e3779b97f4a7c15ULL, w;

	for (; len >= 8; name += 8, len -= 8) {
		memcpy(&w, name, 8);
		h = (h ^ w) * 0xff51afd7ed558ccdULL;
		h ^= h >> 32;
	}
	if (len) {
		w = 0;
		for (size_t i = 0; i < len; i++)
			w |= (uint64_t)(uint8_t)name[i] << (8 * i);
		h = (h ^ w) * 0xff51afd7ed558ccdULL;
	}
	h ^= h >> 29;
	h *= 0xc4ceb9fe1a85ec53ULL;
	h ^= h >> 32;
	return h ? h : 1;
}

void ns_report(struct famfs_ns *ns, const struct famfs_err *err)
{
	ns->st.bad++;
	if (ns->report)
		ns->report(ns->report_arg, err);
}

#ifdef __has_feature
#if __has_feature(address_sanitizer)
#define NS_ASAN 1
#endif
#endif
#ifdef __SANITIZE_ADDRESS__
#define NS_ASAN 1
#endif

/*
 * From NS_BIG on, ns_big_alloc maps pages (lazily zero, nothing paid for
 * what is never touched). Under ASan, big tables are mapped too, but end
 * against an inaccessible guard page (and start after one), so an overrun
 * still faults at once: a heap copy of a log-sized node array per open
 * would cost more than everything else a fuzz run does.
 */
#ifdef NS_ASAN
#define NS_BIG (1u << 20)
#define NS_GUARD 4096u
#else
#define NS_BIG (16u << 20)
#define NS_GUARD 0u
#endif

/* Pages mapped for @len bytes, and where in them the table starts. */
static size_t big_span(size_t len, size_t *lead)
{
	size_t pages = (len + 4095) & ~(size_t)4095;

	*lead = NS_GUARD + ((pages - len) & ~(size_t)7);
	return pages + 2 * NS_GUARD;
}

void *ns_big_alloc(size_t len)
{
	size_t lead, span;
	uint8_t *p;

	if (len < NS_BIG)
		return calloc(1, len);
	span = big_span(len, &lead);
	p = mmap(NULL, span, NS_GUARD ? PROT_NONE : PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (p == MAP_FAILED)
		return NULL;
	if (NS_GUARD && mprotect(p + NS_GUARD, span - 2 * NS_GUARD,
				 PROT_READ | PROT_WRITE)) {
		munmap(p, span);
		return NULL;
	}
	madvise(p, span, MADV_HUGEPAGE); /* a hint: fine if refused */
	return p + lead;
}

void ns_big_free(void *p, size_t len)
{
	size_t lead, span;

	if (!p)
		return;
	if (len < NS_BIG) {
		free(p);
		return;
	}
	span = big_span(len, &lead);
	munmap((uint8_t *)p - lead, span);
}

struct famfs_node *ns_node(const struct famfs_ns *ns, uint64_t ino)
{
	uint64_t ix;
	struct famfs_node *n;

	if (ino < FAMFS_INO_LOG_BASE) {
		n = (struct famfs_node *)&ns->fixed[ino];
		return n->ino ? n : NULL;
	}
	ix = ino - FAMFS_INO_LOG_BASE;
	if (ix >= ns->next_index)
		return NULL;
	n = &ns->nodes[ix];
	return n->ino ? n : NULL;
}

void ns_prefetch_slot(const struct famfs_ns *ns, uint64_t index)
{
	if (index < ns->nodes_cap) {
		__builtin_prefetch(&ns->nodes[index], 1);
		__builtin_prefetch((const char *)&ns->nodes[index] + 64, 1);
		__builtin_prefetch((const char *)&ns->nodes[index] + 128, 1);
	}
}

struct famfs_node *ns_slot(struct famfs_ns *ns, uint64_t index)
{
	return index < ns->nodes_cap ? &ns->nodes[index] : NULL;
}

static int ht_resize(struct famfs_ns *ns, uint64_t cap)
{
	struct ns_dent *t = ns_big_alloc(cap * sizeof(*t));

	if (!t)
		return -ENOMEM;
	for (uint64_t i = 0; i < ns->ht_cap; i++) {
		struct ns_dent *d = &ns->ht[i];
		uint64_t j;

		if (!d->ino)
			continue;
		for (j = d->hash & (cap - 1); t[j].ino; j = (j + 1) & (cap - 1))
			;
		t[j] = *d;
	}
	ns_big_free(ns->ht, ns->ht_cap * sizeof(*t));
	ns->ht = t;
	ns->ht_cap = cap;
	return 0;
}

static int ht_grow(struct famfs_ns *ns)
{
	return ht_resize(ns, ns->ht_cap ? ns->ht_cap * 2 : 1024);
}

int ns_reserve(struct famfs_ns *ns, uint64_t n)
{
	uint64_t cap = ns->ht_cap ? ns->ht_cap : 1024;

	if (n > (1ULL << 40))
		return -ENOMEM;
	while ((ns->ht_used + n + 1) * 10 >= cap * 7)
		cap *= 2;
	return cap == ns->ht_cap ? 0 : ht_resize(ns, cap);
}

size_t ns_fmap_size(unsigned count)
{
	size_t n = offsetof(struct famfs_fmap, ext) +
		   count * sizeof(struct famfs_extent);

	return (n + 7) & ~(size_t)7;
}

struct famfs_fmap *ns_fmap_new(struct famfs_ns *ns, unsigned count)
{
	size_t need = ns_fmap_size(count);
	uint8_t *p;

	if (!ns->nfmap_chunks || ns->fmap_used + need > NS_FMAP_CHUNK) {
		uint8_t **c, *chunk;

		c = realloc(ns->fmap_chunks,
			    (ns->nfmap_chunks + 1) * sizeof(*c));
		if (!c)
			return NULL;
		ns->fmap_chunks = c;
		/* Slack: reading a whole struct from the last map stays in
		 * the allocation. */
		/* Maps are written whole: no need to zero the chunk. */
		chunk = malloc(NS_FMAP_CHUNK + sizeof(struct famfs_fmap));
		if (!chunk)
			return NULL;
		c[ns->nfmap_chunks++] = chunk;
		ns->fmap_used = 0;
	}
	p = ns->fmap_chunks[ns->nfmap_chunks - 1] + ns->fmap_used;
	ns->fmap_used += need;
	ns->fmap_last = need;
	return (struct famfs_fmap *)p;
}

void ns_fmap_undo(struct famfs_ns *ns, struct famfs_fmap *m)
{
	if (ns->nfmap_chunks && ns->fmap_last &&
	    (uint8_t *)m == ns->fmap_chunks[ns->nfmap_chunks - 1] +
				    ns->fmap_used - ns->fmap_last) {
		ns->fmap_used -= ns->fmap_last;
		ns->fmap_last = 0;
	}
}

uint64_t ns_hash_hinted(const struct famfs_ns *ns, uint64_t parent,
			const char *name, size_t len)
{
	const struct ns_hint *h = &ns->hint;

	if (h->parent == parent && h->len == len && !memcmp(h->name, name, len))
		return h->hash;
	return ns_name_hash(parent, name, len);
}

void ns_prefetch(const struct famfs_ns *ns, uint64_t hash)
{
	if (ns->ht_cap)
		__builtin_prefetch(&ns->ht[hash & (ns->ht_cap - 1)]);
}

/* Add (dir, child->name) -> child, of name hash @h, to the name table. */
static int ht_insert(struct famfs_ns *ns, struct famfs_node *dir,
		     struct famfs_node *child, uint64_t h)
{
	uint64_t j;
	int rc;

	if ((ns->ht_used + 1) * 10 >= ns->ht_cap * 7) {
		rc = ht_grow(ns);
		if (rc)
			return rc;
	}
	for (j = h & (ns->ht_cap - 1); ns->ht[j].ino;
	     j = (j + 1) & (ns->ht_cap - 1))
		;
	ns->ht[j].ino = child->ino;
	ns->ht[j].hash = h;
	ns->ht_used++;
	child->parent = dir->ino;
	return 0;
}

int ns_link(struct famfs_ns *ns, struct famfs_node *dir,
	    struct famfs_node *child)
{
	return ns_link_hashed(
		ns, dir, child,
		ns_name_hash(dir->ino, child->name, child->name_len));
}

int ns_link_hashed(struct famfs_ns *ns, struct famfs_node *dir,
		   struct famfs_node *child, uint64_t hash)
{
	int rc;

	if (dir->nchildren == dir->children_cap) {
		uint32_t cap = dir->children_cap ? dir->children_cap * 2 : 8;
		uint64_t *c = realloc(dir->children, cap * sizeof(*c));

		if (!c)
			return -ENOMEM;
		dir->children = c;
		dir->children_cap = cap;
	}
	rc = ht_insert(ns, dir, child, hash);
	if (rc)
		return rc;
	dir->children[dir->nchildren++] = child->ino;
	if (child->kind == FAMFS_NODE_DIR)
		dir->nlink++;
	return 0;
}

int ns_hold_name(struct famfs_ns *ns, struct famfs_node *dir,
		 struct famfs_node *n)
{
	return ht_insert(ns, dir, n,
			 ns_name_hash(dir->ino, n->name, n->name_len));
}

/* The node named (parent, name), of name hash @h; rejected ones too when
 * @any. */
static const struct famfs_node *lookup_hashed(const struct famfs_ns *ns,
					      uint64_t parent, const char *name,
					      size_t len, uint64_t h, bool any)
{
	uint64_t j;

	if (!ns->ht_cap)
		return NULL;
	for (j = h & (ns->ht_cap - 1); ns->ht[j].ino;
	     j = (j + 1) & (ns->ht_cap - 1)) {
		const struct ns_dent *d = &ns->ht[j];
		const struct famfs_node *n;

		if (d->hash != h)
			continue;
		n = ns_node(ns, d->ino);
		if (n && n->parent == parent && n->name_len == len &&
		    !memcmp(n->name, name, len))
			return any || n->kind != FAMFS_NODE_REJECTED ? n : NULL;
	}
	return NULL;
}

static const struct famfs_node *lookup_len(const struct famfs_ns *ns,
					   uint64_t parent, const char *name,
					   size_t len, bool any)
{
	return lookup_hashed(ns, parent, name, len,
			     ns_name_hash(parent, name, len), any);
}

const struct famfs_node *ns_holder(const struct famfs_ns *ns, uint64_t parent,
				   const char *name, size_t len)
{
	return lookup_len(ns, parent, name, len, true);
}

const struct famfs_node *ns_holder_hashed(const struct famfs_ns *ns,
					  uint64_t parent, const char *name,
					  size_t len, uint64_t hash)
{
	return lookup_hashed(ns, parent, name, len, hash, true);
}

int64_t famfs_ns_name_held(const struct famfs_ns *ns, uint64_t parent,
			   const char *name)
{
	const struct famfs_node *n =
		lookup_len(ns, parent, name, strlen(name), true);

	return n ? n->log_index : -2;
}

const struct famfs_node *famfs_ns_lookup(const struct famfs_ns *ns,
					 uint64_t parent, const char *name)
{
	return lookup_len(ns, parent, name, strlen(name), false);
}

const struct famfs_node *famfs_ns_get(const struct famfs_ns *ns, uint64_t ino)
{
	const struct famfs_node *n = ns_node(ns, ino);

	return n && n->kind != FAMFS_NODE_REJECTED ? n : NULL;
}

const struct famfs_node *famfs_ns_resolve(const struct famfs_ns *ns,
					  const char *relpath)
{
	const struct famfs_node *n = ns_node(ns, FAMFS_INO_ROOT);
	const char *c = relpath;

	while (*c == '/')
		c++;
	while (*c) {
		const char *slash = strchr(c, '/');
		size_t len = slash ? (size_t)(slash - c) : strlen(c);

		if (len) {
			if (n->kind != FAMFS_NODE_DIR) {
				errno = ENOTDIR;
				return NULL;
			}
			n = lookup_len(ns, n->ino, c, len, false);
			if (!n) {
				errno = ENOENT;
				return NULL;
			}
		}
		if (!slash)
			break;
		c = slash + 1;
	}
	return n;
}

static struct famfs_fmap *one_extent(uint64_t off, uint64_t len)
{
	struct famfs_fmap *m = calloc(1, sizeof(*m));

	if (!m)
		return NULL;
	m->type = FAMFS_FMAP_SIMPLE;
	m->count = 1;
	m->ext[0].offset = off;
	m->ext[0].len = len;
	return m;
}

static void init_fixed(struct famfs_node *n, uint64_t ino, const char *name,
		       uint32_t mode, uint8_t kind)
{
	n->ino = ino;
	n->log_index = -1;
	n->mode = mode;
	n->nlink = kind == FAMFS_NODE_DIR ? 2 : 1;
	n->kind = kind;
	n->name_len = (uint8_t)strlen(name);
	memcpy(n->name, name, n->name_len);
}

int famfs_ns_create(const struct famfs_omf_superblock *sb,
		    struct famfs_ns **out)
{
	struct famfs_ns *ns;
	struct famfs_node *root, *meta, *sbf, *logf;
	int rc = -ENOMEM;

	if (famfs_sb_check(sb, 0, NULL))
		return -EINVAL;
	ns = calloc(1, sizeof(*ns));
	if (!ns)
		return -ENOMEM;
	famfs_geom_from_sb(&ns->geom, sb);
	ns->nodes_cap = famfs_log_last_index(sb->log_len) + 1;
	ns->nodes = ns_big_alloc(ns->nodes_cap * sizeof(*ns->nodes));
	if (!ns->nodes)
		goto err_free;
	ns->st.total_units = sb->daxdev.size / FAMFS_ALLOC_UNIT;
	if (ns_bitmap_init(&ns->bm[0], sb->daxdev.size))
		goto err_free;
	/* The superblock and the log are never data. */
	ns_bitmap_set(&ns->bm[0], 0,
		      (FAMFS_LOG_OFFSET + sb->log_len) / FAMFS_ALLOC_UNIT);

	root = &ns->fixed[FAMFS_INO_ROOT];
	meta = &ns->fixed[FAMFS_INO_META];
	sbf = &ns->fixed[FAMFS_INO_SUPERBLOCK];
	logf = &ns->fixed[FAMFS_INO_LOG];
	init_fixed(root, FAMFS_INO_ROOT, "", S_IFDIR | 0755, FAMFS_NODE_DIR);
	root->parent = FAMFS_INO_ROOT;
	/* Root-only: the log names every file, its owner and its extents,
	 * whatever the directory modes hide (famfs_ns_set_meta_perms). */
	init_fixed(meta, FAMFS_INO_META, FAMFS_META_DIR,
		   S_IFDIR | FAMFS_META_DIR_MODE, FAMFS_NODE_DIR);
	init_fixed(sbf, FAMFS_INO_SUPERBLOCK, ".superblock",
		   S_IFREG | FAMFS_META_FILE_MODE, FAMFS_NODE_META);
	init_fixed(logf, FAMFS_INO_LOG, ".log", S_IFREG | FAMFS_META_FILE_MODE,
		   FAMFS_NODE_META);
	sbf->size = FAMFS_SUPERBLOCK_SIZE;
	logf->size = sb->log_len;
	sbf->fmap = one_extent(0, FAMFS_SUPERBLOCK_SIZE);
	logf->fmap = one_extent(FAMFS_LOG_OFFSET, sb->log_len);
	if (!sbf->fmap || !logf->fmap)
		goto err_free;
	rc = ns_link(ns, root, meta);
	if (!rc)
		rc = ns_link(ns, meta, sbf);
	if (!rc)
		rc = ns_link(ns, meta, logf);
	if (rc)
		goto err_free;
	*out = ns;
	return 0;

err_free:
	famfs_ns_free(ns);
	return rc;
}

/* Log nodes' maps live in the chunks; only the fixed nodes own theirs. */
static void free_node(struct famfs_node *n, bool own_fmap)
{
	if (own_fmap)
		free(n->fmap);
	free(n->children);
}

void famfs_ns_free(struct famfs_ns *ns)
{
	if (!ns)
		return;
	for (unsigned i = 0; i < FAMFS_INO_LOG_BASE; i++)
		free_node(&ns->fixed[i], true);
	for (uint64_t i = 0; ns->nodes && i < ns->next_index; i++)
		free_node(&ns->nodes[i], false);
	ns_big_free(ns->nodes, ns->nodes_cap * sizeof(*ns->nodes));
	for (unsigned d = 0; d < FAMFS_MAX_DAXDEVS; d++)
		free(ns->bm[d].w);
	for (uint64_t c = 0; c < ns->nfmap_chunks; c++)
		free(ns->fmap_chunks[c]);
	free(ns->fmap_chunks);
	ns_big_free(ns->ht, ns->ht_cap * sizeof(*ns->ht));
	free(ns);
}

void famfs_ns_set_meta_perms(struct famfs_ns *ns, uint32_t dir_mode,
			     uint32_t file_mode, uint32_t uid, uint32_t gid)
{
	static const uint64_t inos[] = { FAMFS_INO_META, FAMFS_INO_SUPERBLOCK,
					 FAMFS_INO_LOG };

	for (unsigned i = 0; i < sizeof(inos) / sizeof(inos[0]); i++) {
		struct famfs_node *n = &ns->fixed[inos[i]];

		n->mode = (n->mode & S_IFMT) |
			  ((n->kind == FAMFS_NODE_DIR ? dir_mode : file_mode) &
			   07777);
		n->uid = uid;
		n->gid = gid;
	}
}

void famfs_ns_set_reporter(struct famfs_ns *ns, famfs_report_fn fn, void *arg)
{
	ns->report = fn;
	ns->report_arg = arg;
}

const struct famfs_geom *famfs_ns_geom(const struct famfs_ns *ns)
{
	return &ns->geom;
}

void famfs_ns_stats(const struct famfs_ns *ns, struct famfs_ns_stats *st)
{
	*st = ns->st;
	st->next_index = ns->next_index;
	st->torn = ns->torn;
	st->alloc_units = ns->bm[0].used;
	st->total_units = ns->bm[0].nbits;
}

int famfs_ns_health(const struct famfs_ns *ns)
{
	if (ns->torn)
		return -EBADMSG;
	if (ns->st.corrupt)
		return -EUCLEAN;
	return 0;
}

uint64_t famfs_ns_free_bytes(const struct famfs_ns *ns)
{
	return (ns->bm[0].nbits - ns->bm[0].used) * FAMFS_ALLOC_UNIT;
}
