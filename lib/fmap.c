// SPDX-License-Identifier: Apache-2.0
/* File maps: decode, encode, validate, and resolve file offsets. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "famfs/famfs.h"
#include "util.h"

uint64_t famfs_fmap_capacity(const struct famfs_fmap *m)
{
	uint64_t sum = 0;

	for (unsigned i = 0; i < m->count; i++)
		sum += m->ext[i].len;
	return sum;
}

int famfs_fmap_resolve(const struct famfs_fmap *m, uint64_t off,
		       struct famfs_piece *p)
{
	if (m->type == FAMFS_FMAP_SIMPLE) {
		uint64_t base = 0;

		for (unsigned i = 0; i < m->count; i++) {
			const struct famfs_extent *e = &m->ext[i];

			if (off < base + e->len) {
				p->devindex = e->devindex;
				p->dev_off = e->offset + (off - base);
				p->len = e->len - (off - base);
				return 0;
			}
			base += e->len;
		}
		return -ERANGE;
	}
	if (m->type == FAMFS_FMAP_INTERLEAVE && m->count && m->chunk_size) {
		uint64_t chunk = off / m->chunk_size;
		uint64_t strip = chunk % m->count;
		uint64_t row = chunk / m->count;
		uint64_t in = off % m->chunk_size;
		const struct famfs_extent *s = &m->ext[strip];

		if (row >= s->len / m->chunk_size)
			return -ERANGE;
		p->devindex = s->devindex;
		p->dev_off = s->offset + row * m->chunk_size + in;
		p->len = m->chunk_size - in;
		return 0;
	}
	return -ERANGE;
}

int famfs_fmap_decode(const struct famfs_omf_fmap *om, struct famfs_fmap *m,
		      int64_t index, struct famfs_err *err)
{
	memset(m, 0, sizeof(*m));
	if (om->pad0 || om->pad1)
		return famfs_err_set(err, index, "fmap.pad", -EINVAL,
				     "padding is not zero");
	switch (om->ext_type) {
	case FAMFS_OMF_EXT_SIMPLE:
		if (om->nextents < 1 || om->nextents > FAMFS_MAX_SIMPLE_EXTENTS)
			return famfs_err_set(err, index, "fmap.nextents",
					     -EINVAL, "%u (must be 1..%d)",
					     om->nextents,
					     FAMFS_MAX_SIMPLE_EXTENTS);
		if (!famfs_all_zero(&om->u.se[om->nextents],
				    sizeof(om->u) -
					    om->nextents * sizeof(om->u.se[0])))
			return famfs_err_set(
				err, index, "fmap.se", -EINVAL,
				"unused extent slots are not zero");
		m->type = FAMFS_FMAP_SIMPLE;
		m->count = (uint8_t)om->nextents;
		for (unsigned i = 0; i < om->nextents; i++) {
			m->ext[i].devindex = om->u.se[i].devindex;
			m->ext[i].offset = om->u.se[i].offset;
			m->ext[i].len = om->u.se[i].len;
		}
		return 0;
	case FAMFS_OMF_EXT_INTERLEAVE: {
		const struct famfs_omf_interleave *ie = &om->u.ie[0];

		if (om->nextents != 1)
			return famfs_err_set(
				err, index, "fmap.nextents", -EINVAL,
				"%u interleaved extents (must be 1)",
				om->nextents);
		if (ie->nstrips < 1 || ie->nstrips > FAMFS_MAX_STRIPS)
			return famfs_err_set(err, index, "fmap.ie.nstrips",
					     -EINVAL,
					     "%" PRIu64 " (must be 1..%d)",
					     ie->nstrips, FAMFS_MAX_STRIPS);
		if (!famfs_all_zero(&ie->strips[ie->nstrips],
				    (FAMFS_MAX_STRIPS - ie->nstrips) *
					    sizeof(ie->strips[0])))
			return famfs_err_set(err, index, "fmap.ie.strips",
					     -EINVAL,
					     "unused strip slots are not zero");
		m->type = FAMFS_FMAP_INTERLEAVE;
		m->count = (uint8_t)ie->nstrips;
		m->chunk_size = ie->chunk_size;
		for (unsigned i = 0; i < ie->nstrips; i++) {
			m->ext[i].devindex = ie->strips[i].devindex;
			m->ext[i].offset = ie->strips[i].offset;
			m->ext[i].len = ie->strips[i].len;
		}
		return 0;
	}
	default:
		return famfs_err_set(err, index, "fmap.ext_type", -EINVAL,
				     "unknown extent type %u", om->ext_type);
	}
}

void famfs_fmap_encode(const struct famfs_fmap *m, struct famfs_omf_fmap *om)
{
	memset(om, 0, sizeof(*om));
	if (m->type == FAMFS_FMAP_INTERLEAVE) {
		om->ext_type = FAMFS_OMF_EXT_INTERLEAVE;
		om->nextents = 1;
		om->u.ie[0].nstrips = m->count;
		om->u.ie[0].chunk_size = m->chunk_size;
		for (unsigned i = 0; i < m->count && i < FAMFS_MAX_STRIPS;
		     i++) {
			om->u.ie[0].strips[i].devindex = m->ext[i].devindex;
			om->u.ie[0].strips[i].offset = m->ext[i].offset;
			om->u.ie[0].strips[i].len = m->ext[i].len;
		}
		return;
	}
	om->ext_type = FAMFS_OMF_EXT_SIMPLE;
	om->nextents = m->count;
	for (unsigned i = 0; i < m->count && i < FAMFS_MAX_SIMPLE_EXTENTS;
	     i++) {
		om->u.se[i].devindex = m->ext[i].devindex;
		om->u.se[i].offset = m->ext[i].offset;
		om->u.se[i].len = m->ext[i].len;
	}
}

/* Why an extent is bad (only called once one is). */
static int extent_error(const struct famfs_extent *e, const char *what,
			unsigned i, const struct famfs_geom *g, int64_t index,
			struct famfs_err *err)
{
	char field[48];
	uint64_t end;

	snprintf(field, sizeof(field), "fmap.%s[%u]", what, i);
	if (e->devindex >= g->ndevs)
		return famfs_err_set(err, index, field, -EINVAL,
				     "device index %" PRIu64
				     " is not a known device (%u known)",
				     e->devindex, g->ndevs);
	if (e->offset % FAMFS_ALLOC_UNIT)
		return famfs_err_set(err, index, field, -EINVAL,
				     "offset 0x%" PRIx64 " not 2 MiB aligned",
				     e->offset);
	if (e->len == 0 || e->len % FAMFS_ALLOC_UNIT)
		return famfs_err_set(err, index, field, -EINVAL,
				     "length 0x%" PRIx64
				     " not a non-zero multiple of 2 MiB",
				     e->len);
	if (__builtin_add_overflow(e->offset, e->len, &end) ||
	    end > g->dev_size[e->devindex])
		return famfs_err_set(err, index, field, -EINVAL,
				     "[0x%" PRIx64 ", +0x%" PRIx64
				     ") runs past the device end 0x%" PRIx64,
				     e->offset, e->len,
				     g->dev_size[e->devindex]);
	if (e->devindex == 0 && e->offset < FAMFS_LOG_OFFSET + g->log_len)
		return famfs_err_set(err, index, field, -EINVAL,
				     "offset 0x%" PRIx64
				     " overlaps the superblock or log (data "
				     "starts at 0x%" PRIx64 ")",
				     e->offset, FAMFS_LOG_OFFSET + g->log_len);
	return 0;
}

/* One extent or strip: aligned, non-empty, on a known device, in range. */
static int check_extent(const struct famfs_extent *e, const char *what,
			unsigned i, const struct famfs_geom *g, int64_t index,
			struct famfs_err *err)
{
	uint64_t end;

	/* The same tests as extent_error, without formatting a field name
	 * for every extent of every entry. */
	if (e->devindex < g->ndevs && !(e->offset % FAMFS_ALLOC_UNIT) &&
	    e->len && !(e->len % FAMFS_ALLOC_UNIT) &&
	    !__builtin_add_overflow(e->offset, e->len, &end) &&
	    end <= g->dev_size[e->devindex] &&
	    (e->devindex || e->offset >= FAMFS_LOG_OFFSET + g->log_len))
		return 0;
	return extent_error(e, what, i, g, index, err);
}

/* No two extents (strips) of one map share a byte: a write at one file
 * offset would change another. Extents are already checked in range. */
static int check_disjoint(const struct famfs_fmap *m, const char *what,
			  int64_t index, struct famfs_err *err)
{
	for (unsigned i = 1; i < m->count; i++) {
		const struct famfs_extent *a = &m->ext[i];

		for (unsigned j = 0; j < i; j++) {
			const struct famfs_extent *b = &m->ext[j];
			char field[48];

			if (a->devindex != b->devindex ||
			    a->offset >= b->offset + b->len ||
			    b->offset >= a->offset + a->len)
				continue;
			snprintf(field, sizeof(field), "fmap.%s[%u]", what, i);
			return famfs_err_set(err, index, field, -EINVAL,
					     "overlaps %s[%u] of the same file",
					     what, j);
		}
	}
	return 0;
}

int famfs_fmap_check(const struct famfs_fmap *m, uint64_t size,
		     const struct famfs_geom *g, int64_t index,
		     struct famfs_err *err)
{
	int rc;

	if (size == 0)
		return famfs_err_set(err, index, "size", -EINVAL,
				     "file size is 0");
	if (m->type == FAMFS_FMAP_SIMPLE) {
		uint64_t sum = 0;

		if (m->count < 1 || m->count > FAMFS_MAX_SIMPLE_EXTENTS)
			return famfs_err_set(err, index, "fmap.nextents",
					     -EINVAL, "%u extents", m->count);
		for (unsigned i = 0; i < m->count; i++) {
			rc = check_extent(&m->ext[i], "se", i, g, index, err);
			if (rc)
				return rc;
			sum += m->ext[i].len; /* each <= device: no overflow */
		}
		if (sum < size)
			return famfs_err_set(err, index, "fmap", -EINVAL,
					     "extents hold %" PRIu64
					     " bytes, file size is %" PRIu64,
					     sum, size);
		return check_disjoint(m, "se", index, err);
	}
	if (m->type == FAMFS_FMAP_INTERLEAVE) {
		uint64_t cs = m->chunk_size, nchunks;

		if (m->count < 1 || m->count > FAMFS_MAX_STRIPS)
			return famfs_err_set(err, index, "fmap.ie.nstrips",
					     -EINVAL, "%u strips", m->count);
		if (!famfs_is_pow2(cs) || cs % FAMFS_ALLOC_UNIT)
			return famfs_err_set(
				err, index, "fmap.ie.chunk_size", -EINVAL,
				"0x%" PRIx64 " (must be a power of two and a "
				"multiple of 2 MiB)",
				cs);
		nchunks = size / cs + (size % cs != 0);
		for (unsigned s = 0; s < m->count; s++) {
			uint64_t need;

			rc = check_extent(&m->ext[s], "ie.strips", s, g, index,
					  err);
			if (rc)
				return rc;
			if (m->ext[s].len % cs)
				return famfs_err_set(
					err, index, "fmap.ie.strips", -EINVAL,
					"strip %u length 0x%" PRIx64
					" is not a multiple of the chunk size",
					s, m->ext[s].len);
			/* chunks c < nchunks with c % nstrips == s */
			need = nchunks > s ? (nchunks - s - 1) / m->count + 1 :
					     0;
			if (m->ext[s].len / cs < need)
				return famfs_err_set(
					err, index, "fmap.ie.strips", -EINVAL,
					"strip %u holds %" PRIu64
					" chunks, the file needs %" PRIu64,
					s, m->ext[s].len / cs, need);
		}
		return check_disjoint(m, "ie.strips", index, err);
	}
	return famfs_err_set(err, index, "fmap.ext_type", -EINVAL,
			     "unknown map type %u", m->type);
}
