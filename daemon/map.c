// SPDX-License-Identifier: Apache-2.0
/* The ABI-neutral file map (map.h). */
#include <errno.h>
#include <string.h>

#include "map.h"

static bool aligned(uint64_t v)
{
	return !(v % WIRE_MAP_ALIGN);
}

static int build_simple(const struct famfs_fmap *m, struct wire_map *out)
{
	uint64_t foff = 0;

	for (unsigned i = 0; i < m->count; i++) {
		const struct famfs_extent *e = &m->ext[i];

		if (!e->len || !aligned(e->len) || !aligned(e->offset) ||
		    foff > UINT64_MAX - e->len)
			return -EINVAL;
		out->ext[i].foff = foff;
		foff += e->len;
	}
	out->mapped = foff;
	return foff < out->size ? -EINVAL : 0;
}

/*
 * Interleaved: strip s holds chunks s, s + n, s + 2n, ... one after the
 * other, so each strip must hold one row for every chunk of the file with
 * c % n == s (the kernel-side rule of both ABIs).
 */
static int build_cyclic(const struct famfs_fmap *m, struct wire_map *out)
{
	uint64_t cs = m->chunk_size, nchunks;

	if (!cs || (cs & (cs - 1)) || !aligned(cs) ||
	    out->size > UINT64_MAX - (cs - 1))
		return -EINVAL;
	nchunks = (out->size + cs - 1) / cs;
	for (unsigned i = 0; i < m->count; i++) {
		const struct famfs_extent *e = &m->ext[i];
		uint64_t rows =
			nchunks > i ? (nchunks - i - 1) / m->count + 1 : 0;

		if (!e->len || e->len % cs || e->len / cs < rows ||
		    !aligned(e->offset))
			return -EINVAL;
		out->ext[i].foff = (uint64_t)i * cs;
	}
	out->cyclic = true;
	out->chunk = cs;
	out->mapped = nchunks * cs;
	return 0;
}

int wire_map_build(const struct famfs_fmap *m, uint64_t size,
		   struct wire_map *out)
{
	memset(out, 0, sizeof(*out));
	if (!m->count || m->count > FAMFS_MAX_SIMPLE_EXTENTS || !size)
		return -EINVAL;
	for (unsigned i = 0; i < m->count; i++) {
		if (m->ext[i].devindex >= FAMFS_MAX_DAXDEVS)
			return -EINVAL;
		out->ext[i].len = m->ext[i].len;
		out->ext[i].dev_off = m->ext[i].offset;
		out->ext[i].dev = (uint32_t)m->ext[i].devindex;
	}
	out->n = m->count;
	out->size = size;
	if (m->type == FAMFS_FMAP_SIMPLE)
		return build_simple(m, out);
	if (m->type == FAMFS_FMAP_INTERLEAVE)
		return build_cyclic(m, out);
	return -EINVAL;
}

uint32_t wire_map_devices(const struct wire_map *m)
{
	uint32_t mask = 0;

	for (unsigned i = 0; i < m->n; i++)
		mask |= 1u << m->ext[i].dev;
	return mask;
}
