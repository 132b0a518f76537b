// SPDX-License-Identifier: Apache-2.0
/*
 * Who holds which units and names. Every entry whose CRC is good claims,
 * in log order, the units of each extent that lies inside a known device,
 * whether it is served or not: a reader that accepts an entry we reject
 * (upstream famfs, an older famfsd) counts those units as used, so they
 * are never handed out again. An entry that finds one of its units already held
 * loses (the earlier entry wins) and is not served. A rejected entry with
 * a well-formed path under a served directory keeps its name the same way.
 */
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "ns_internal.h"

/*
 * Units [*first, *first + *n) of @e when it lies wholly inside a known
 * device: every unit it touches (an unaligned extent touches one more).
 * An extent past the end, wrapping past 2^64 or on an unknown device
 * names nothing anyone could serve, so it holds nothing.
 */
static bool unit_span(const struct famfs_ns *ns, const struct famfs_extent *e,
		      uint64_t *first, uint64_t *n)
{
	uint64_t end;

	if (e->devindex >= ns->geom.ndevs || !e->len ||
	    __builtin_add_overflow(e->offset, e->len, &end) ||
	    end > ns->geom.dev_size[e->devindex])
		return false;
	*first = e->offset / FAMFS_ALLOC_UNIT;
	*n = (end + FAMFS_ALLOC_UNIT - 1) / FAMFS_ALLOC_UNIT - *first;
	return true;
}

int64_t ns_claim(struct famfs_ns *ns, const struct famfs_fmap *m,
		 uint64_t *fresh)
{
	uint64_t dup = 0, got = 0;

	for (unsigned i = 0; i < m->count; i++) {
		const struct famfs_extent *e = &m->ext[i];
		struct ns_bitmap *b;
		uint64_t first, n, d;

		if (!unit_span(ns, e, &first, &n))
			continue;
		b = &ns->bm[e->devindex];
		if (!b->w && ns_bitmap_init(b, ns->geom.dev_size[e->devindex]))
			return -ENOMEM;
		d = ns_bitmap_set(b, first, n);
		dup += d;
		got += n - d;
	}
	if (fresh)
		*fresh = got;
	return (int64_t)dup;
}

/*
 * A journaled map famfsd's allocator made (device 0, whole units) taking
 * its units back at start-up: the same units rule as replay (unit_span,
 * ns_claim), all or nothing.
 */
int famfs_ns_claim(struct famfs_ns *ns, const struct famfs_fmap *m)
{
	int64_t dup;

	if (m->type != FAMFS_FMAP_SIMPLE)
		return -EINVAL;
	for (unsigned i = 0; i < m->count; i++) {
		const struct famfs_extent *e = &m->ext[i];
		uint64_t first, n;

		if (e->devindex || e->offset % FAMFS_ALLOC_UNIT ||
		    e->len % FAMFS_ALLOC_UNIT || !unit_span(ns, e, &first, &n))
			return -EINVAL;
		for (uint64_t u = first; u < first + n; u++)
			if (ns_bitmap_test(&ns->bm[0], u))
				return -EEXIST;
	}
	dup = ns_claim(ns, m, NULL);
	if (dup < 0)
		return (int)dup;
	if (dup) {
		/* The map overlaps itself; every unit was free before. */
		famfs_ns_release(ns, m);
		return -EEXIST;
	}
	return 0;
}

static bool spans_meet(const struct famfs_ns *ns, const struct famfs_extent *a,
		       const struct famfs_extent *b)
{
	uint64_t fa, na, fb, nb;

	return a->devindex == b->devindex && unit_span(ns, a, &fa, &na) &&
	       unit_span(ns, b, &fb, &nb) && fa < fb + nb && fb < fa + na;
}

int64_t ns_find_holder(const struct famfs_ns *ns, const struct famfs_fmap *m,
		       uint64_t index)
{
	uint64_t reserved =
		(FAMFS_LOG_OFFSET + ns->geom.log_len) / FAMFS_ALLOC_UNIT;

	for (unsigned i = 0; i < m->count; i++) {
		uint64_t first, n;

		if (m->ext[i].devindex == 0 &&
		    unit_span(ns, &m->ext[i], &first, &n) && first < reserved)
			return -1;
	}
	/* Only on a collision: a linear scan is fine. */
	for (uint64_t ix = 0; ix < index; ix++) {
		const struct famfs_node *h =
			ns_node(ns, FAMFS_INO_LOG_BASE + ix);

		if (!h || h->kind != FAMFS_NODE_FILE)
			continue;
		for (unsigned i = 0; i < h->fmap->count; i++)
			for (unsigned j = 0; j < m->count; j++)
				if (spans_meet(ns, &h->fmap->ext[i],
					       &m->ext[j]))
					return (int64_t)ix;
	}
	return -2;
}

/* Whatever extents a raw map names, bounded by the slots it has. */
static void raw_map(const struct famfs_omf_fmap *om, struct famfs_fmap *m)
{
	unsigned n = 0;

	m->count = 0;
	if (om->ext_type == FAMFS_OMF_EXT_SIMPLE) {
		n = om->nextents < FAMFS_MAX_SIMPLE_EXTENTS ?
			    om->nextents :
			    FAMFS_MAX_SIMPLE_EXTENTS;
		for (unsigned i = 0; i < n; i++) {
			m->ext[i].devindex = om->u.se[i].devindex;
			m->ext[i].offset = om->u.se[i].offset;
			m->ext[i].len = om->u.se[i].len;
		}
	} else if (om->ext_type == FAMFS_OMF_EXT_INTERLEAVE) {
		const struct famfs_omf_interleave *ie = &om->u.ie[0];

		n = ie->nstrips < FAMFS_MAX_STRIPS ? (unsigned)ie->nstrips :
						     FAMFS_MAX_STRIPS;
		for (unsigned i = 0; i < n; i++) {
			m->ext[i].devindex = ie->strips[i].devindex;
			m->ext[i].offset = ie->strips[i].offset;
			m->ext[i].len = ie->strips[i].len;
		}
	}
	m->type = FAMFS_FMAP_SIMPLE;
	m->count = (uint8_t)n;
}

int ns_hold(struct famfs_ns *ns, struct famfs_node *dir, const char *name,
	    uint64_t index)
{
	struct famfs_node *n = ns_slot(ns, index);

	if (!n)
		return -ENOMEM;
	memset(n, 0, sizeof(*n));
	n->ino = FAMFS_INO_LOG_BASE + index;
	n->log_index = (int64_t)index;
	n->kind = FAMFS_NODE_REJECTED;
	n->name_len = (uint8_t)strlen(name);
	memcpy(n->name, name, n->name_len + 1);
	return ns_hold_name(ns, dir, n);
}

int ns_reject(struct famfs_ns *ns, const struct famfs_omf_log_entry *e,
	      uint64_t index)
{
	const char *path = NULL;
	struct famfs_node *dir;
	const char *name;

	/* An unknown type (DELETE is reserved) is read as a FILE: a reader
	 * that ignores the type would serve it as one. */
	if (e->type != FAMFS_OMF_LOG_MKDIR &&
	    e->type != FAMFS_OMF_LOG_ADD_DAXDEV) {
		struct famfs_fmap m;
		uint64_t fresh;
		int64_t rc;

		raw_map(&e->u.file.fmap, &m);
		rc = ns_claim(ns, &m, &fresh);
		if (rc < 0)
			return (int)rc;
		ns->st.rejected_units += fresh;
		path = e->u.file.relpath;
	} else if (e->type == FAMFS_OMF_LOG_MKDIR) {
		path = e->u.mkdir.relpath;
	}
	if (!path || strnlen(path, FAMFS_MAX_PATHLEN) == FAMFS_MAX_PATHLEN ||
	    famfs_path_check(path, NULL) ||
	    ns_find_parent(ns, path, &dir, &name, index, NULL) ||
	    ns_holder(ns, dir->ino, name, strlen(name)))
		return 0;
	return ns_hold(ns, dir, name, index);
}
