// SPDX-License-Identifier: Apache-2.0
/*
 * Free space: one bit per 2 MiB unit, rebuilt from the log (nothing is
 * stored on media). Contiguous first/next fit, interleaved allocation over
 * buckets (spec section 3.1), growth of a reserved map for files that are
 * written before their size is known.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ns_internal.h"

int ns_bitmap_init(struct ns_bitmap *b, uint64_t dev_size)
{
	b->nbits = dev_size / FAMFS_ALLOC_UNIT;
	b->used = 0;
	b->w = calloc(b->nbits / 64 + 1, sizeof(uint64_t));
	return b->w ? 0 : -ENOMEM;
}

bool ns_bitmap_test(const struct ns_bitmap *b, uint64_t bit)
{
	return (b->w[bit / 64] >> (bit % 64)) & 1;
}

uint64_t ns_bitmap_set(struct ns_bitmap *b, uint64_t first, uint64_t n)
{
	uint64_t dup = 0;

	for (uint64_t i = first; i < first + n && i < b->nbits; i++) {
		uint64_t m = 1ULL << (i % 64);

		if (b->w[i / 64] & m) {
			dup++;
		} else {
			b->w[i / 64] |= m;
			b->used++;
		}
	}
	return dup;
}

void ns_bitmap_clear(struct ns_bitmap *b, uint64_t first, uint64_t n)
{
	for (uint64_t i = first; i < first + n && i < b->nbits; i++) {
		uint64_t m = 1ULL << (i % 64);

		if (b->w[i / 64] & m) {
			b->w[i / 64] &= ~m;
			b->used--;
		}
	}
}

uint64_t ns_bitmap_find(const struct ns_bitmap *b, uint64_t lo, uint64_t hi,
			uint64_t n)
{
	uint64_t run = 0, i = lo;

	if (hi > b->nbits)
		hi = b->nbits;
	while (i < hi) {
		/* Skip whole full words quickly. */
		if (run == 0 && i % 64 == 0 && i + 64 <= hi &&
		    b->w[i / 64] == ~0ULL) {
			i += 64;
			continue;
		}
		if (ns_bitmap_test(b, i)) {
			run = 0;
		} else if (++run == n) {
			return i + 1 - n;
		}
		i++;
	}
	return UINT64_MAX;
}

static uint64_t units_for(uint64_t bytes)
{
	return bytes / FAMFS_ALLOC_UNIT + (bytes % FAMFS_ALLOC_UNIT != 0);
}

/* First fit from the cursor, wrapping once. */
static int alloc_contig(struct famfs_ns *ns, uint64_t size,
			struct famfs_fmap *out)
{
	struct ns_bitmap *b = &ns->bm[0];
	uint64_t n = units_for(size), at;

	at = ns_bitmap_find(b, ns->cursor, b->nbits, n);
	if (at == UINT64_MAX)
		at = ns_bitmap_find(b, 0, b->nbits, n);
	if (at == UINT64_MAX)
		return -ENOSPC;
	ns_bitmap_set(b, at, n);
	ns->cursor = at + n;
	memset(out, 0, sizeof(*out));
	out->type = FAMFS_FMAP_SIMPLE;
	out->count = 1;
	out->ext[0].offset = at * FAMFS_ALLOC_UNIT;
	out->ext[0].len = n * FAMFS_ALLOC_UNIT;
	return 0;
}

static uint32_t xorshift(uint32_t *s)
{
	uint32_t x = *s ? *s : 0x9e3779b9u;

	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	*s = x;
	return x;
}

static int alloc_interleave(struct famfs_ns *ns,
			    const struct famfs_alloc_req *r,
			    struct famfs_fmap *out)
{
	struct ns_bitmap *b = &ns->bm[0];
	uint64_t cs = r->chunk_size ? r->chunk_size : FAMFS_ALLOC_UNIT;
	uint64_t chunk_u = cs / FAMFS_ALLOC_UNIT, bucket_u, strip_u, nstripes;
	unsigned order[64], found = 0;
	uint32_t seed = r->seed;

	if (cs % FAMFS_ALLOC_UNIT || cs & (cs - 1))
		return -EINVAL;
	if (!r->nbuckets || r->nbuckets > 64 || r->nstrips > r->nbuckets ||
	    r->nstrips > FAMFS_MAX_STRIPS)
		return -EINVAL;
	if (ns->geom.dev_size[0] / r->nbuckets < (1ULL << 30))
		return -EINVAL; /* buckets must be at least 1 GiB */
	if (r->size < cs) {
		ns->cursor = 0;
		return alloc_contig(ns, r->size, out);
	}
	bucket_u = b->nbits / r->nbuckets;
	nstripes = units_for(r->size);
	nstripes =
		(nstripes + r->nstrips * chunk_u - 1) / (r->nstrips * chunk_u);
	strip_u = nstripes * chunk_u;
	for (unsigned i = 0; i < r->nbuckets; i++)
		order[i] = i;
	for (unsigned i = r->nbuckets - 1; i > 0; i--) {
		unsigned j = xorshift(&seed) % (i + 1), t = order[i];

		order[i] = order[j];
		order[j] = t;
	}
	memset(out, 0, sizeof(*out));
	for (unsigned i = 0; i < r->nbuckets && found < r->nstrips; i++) {
		uint64_t lo = order[i] * bucket_u;
		uint64_t at = ns_bitmap_find(b, lo, lo + bucket_u, strip_u);

		if (at == UINT64_MAX)
			continue;
		ns_bitmap_set(b, at, strip_u);
		out->ext[found].offset = at * FAMFS_ALLOC_UNIT;
		out->ext[found].len = strip_u * FAMFS_ALLOC_UNIT;
		found++;
	}
	if (found < r->nstrips) {
		for (unsigned i = 0; i < found; i++)
			ns_bitmap_clear(b,
					out->ext[i].offset / FAMFS_ALLOC_UNIT,
					strip_u);
		return -ENOSPC;
	}
	out->type = FAMFS_FMAP_INTERLEAVE;
	out->count = (uint8_t)r->nstrips;
	out->chunk_size = cs;
	return 0;
}

int famfs_ns_alloc(struct famfs_ns *ns, const struct famfs_alloc_req *req,
		   struct famfs_fmap *out)
{
	int rc = famfs_ns_health(ns);

	/* Units of entries we could not read are unknown: hand out none. */
	if (rc)
		return rc;
	if (!req->size)
		return -EINVAL;
	if (req->size > ns->geom.dev_size[0])
		return -ENOSPC;
	if (req->nstrips)
		return alloc_interleave(ns, req, out);
	return alloc_contig(ns, req->size, out);
}

/* Give back what a failed grow took: the map is as it was before it. */
static int grow_undo(struct ns_bitmap *b, struct famfs_fmap *m, unsigned count,
		     uint64_t last_len, int rc)
{
	struct famfs_extent *e = &m->ext[count - 1];

	ns_bitmap_clear(b, (e->offset + last_len) / FAMFS_ALLOC_UNIT,
			(e->len - last_len) / FAMFS_ALLOC_UNIT);
	e->len = last_len;
	for (unsigned i = count; i < m->count; i++) {
		ns_bitmap_clear(b, m->ext[i].offset / FAMFS_ALLOC_UNIT,
				m->ext[i].len / FAMFS_ALLOC_UNIT);
		memset(&m->ext[i], 0, sizeof(m->ext[i]));
	}
	m->count = (uint8_t)count;
	return rc;
}

int famfs_ns_alloc_grow(struct famfs_ns *ns, struct famfs_fmap *m,
			uint64_t new_size)
{
	struct ns_bitmap *b = &ns->bm[0];
	uint64_t have, need, last_len;
	unsigned count;
	int rc = famfs_ns_health(ns);

	if (rc)
		return rc;
	if (m->type != FAMFS_FMAP_SIMPLE)
		return -EINVAL;
	if (!m->count) {
		struct famfs_alloc_req r = { .size = new_size };

		return famfs_ns_alloc(ns, &r, m);
	}
	have = famfs_fmap_capacity(m) / FAMFS_ALLOC_UNIT;
	if (units_for(new_size) <= have)
		return 0;
	need = units_for(new_size) - have;
	count = m->count;
	last_len = m->ext[count - 1].len;
	/* Extend the last extent in place as far as the units are free. */
	{
		struct famfs_extent *e = &m->ext[m->count - 1];
		uint64_t next = (e->offset + e->len) / FAMFS_ALLOC_UNIT;

		while (need && e->devindex == 0 && next < b->nbits &&
		       !ns_bitmap_test(b, next)) {
			ns_bitmap_set(b, next, 1);
			e->len += FAMFS_ALLOC_UNIT;
			next++;
			need--;
		}
	}
	while (need) {
		uint64_t at, n = need;

		if (m->count == FAMFS_MAX_SIMPLE_EXTENTS)
			return grow_undo(b, m, count, last_len, -EFBIG);
		/* Whole remainder in one run, else the largest run we find. */
		while ((at = ns_bitmap_find(b, ns->cursor, b->nbits, n)) ==
			       UINT64_MAX &&
		       (at = ns_bitmap_find(b, 0, b->nbits, n)) == UINT64_MAX) {
			n /= 2;
			if (!n)
				return grow_undo(b, m, count, last_len,
						 -ENOSPC);
		}
		ns_bitmap_set(b, at, n);
		ns->cursor = at + n;
		m->ext[m->count].devindex = 0;
		m->ext[m->count].offset = at * FAMFS_ALLOC_UNIT;
		m->ext[m->count].len = n * FAMFS_ALLOC_UNIT;
		m->count++;
		need -= n;
	}
	return 0;
}

void famfs_ns_release(struct famfs_ns *ns, const struct famfs_fmap *m)
{
	for (unsigned i = 0; i < m->count; i++) {
		struct ns_bitmap *b = &ns->bm[m->ext[i].devindex];

		if (b->w)
			ns_bitmap_clear(b, m->ext[i].offset / FAMFS_ALLOC_UNIT,
					m->ext[i].len / FAMFS_ALLOC_UNIT);
	}
}

int famfs_ns_alloc_trim(struct famfs_ns *ns, struct famfs_fmap *m,
			uint64_t size)
{
	uint64_t keep = units_for(size), seen = 0;
	unsigned i;

	if (m->type != FAMFS_FMAP_SIMPLE)
		return -EINVAL;
	for (i = 0; i < m->count; i++) {
		struct famfs_extent *e = &m->ext[i];
		uint64_t n = e->len / FAMFS_ALLOC_UNIT;

		if (seen + n <= keep) {
			seen += n;
			continue;
		}
		/* Keep (keep - seen) units of this extent, free the rest. */
		ns_bitmap_clear(&ns->bm[e->devindex],
				e->offset / FAMFS_ALLOC_UNIT + (keep - seen),
				n - (keep - seen));
		e->len = (keep - seen) * FAMFS_ALLOC_UNIT;
		seen = keep;
	}
	/* Drop emptied extents (only at the tail). */
	while (m->count && !m->ext[m->count - 1].len) {
		memset(&m->ext[m->count - 1], 0, sizeof(m->ext[0]));
		m->count--;
	}
	return 0;
}
