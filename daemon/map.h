/* SPDX-License-Identifier: Apache-2.0 */
/*
 * One representation of a file's mapping for every kernel ABI: built once
 * from the famfs map (validated, file offsets resolved), then serialized
 * by the ABI that is in use (abi_extmap.c: FUSE_NOTIFY_MAP records;
 * abi_openreply.c: the type 33/34 record after fuse_open_out; the daemon
 * path needs none). Pure functions, no daemon state.
 */
#ifndef FAMFSD_MAP_H
#define FAMFSD_MAP_H

#include <stdbool.h>
#include <stdint.h>

#include "famfs/famfs.h"

/* Smallest alignment any kernel ABI accepts for lengths and addresses. */
#define WIRE_MAP_ALIGN 4096u

struct wire_map_ext {
	uint64_t
		foff; /* file offset: cumulative (simple), i * chunk (cyclic) */
	uint64_t len; /* simple: extent bytes; cyclic: the whole strip */
	uint64_t dev_off; /* offset in the device */
	uint32_t dev; /* device index (< FAMFS_MAX_DAXDEVS) */
};

struct wire_map {
	bool cyclic; /* famfs interleave: ext[i] is strip i */
	uint32_t n; /* extents or strips, 1..FAMFS_MAX_SIMPLE_EXTENTS */
	uint64_t chunk; /* cyclic: bytes per chunk (a power of two) */
	uint64_t size; /* file size in bytes (> 0) */
	uint64_t mapped; /* simple: sum of lengths; cyclic: size rounded up
			    to whole chunks */
	struct wire_map_ext ext[FAMFS_MAX_SIMPLE_EXTENTS];
};

/*
 * Build @out from the famfs map @m of a file of @size bytes. -EINVAL for a
 * map no ABI can express: no extents, an empty file, a device index >=
 * FAMFS_MAX_DAXDEVS, a length or offset not 4 KiB aligned, a map shorter
 * than the file; interleaved: a chunk size that is 0 or not a power of
 * two, a strip not made of whole chunks or too short for its rows.
 */
int wire_map_build(const struct famfs_fmap *m, uint64_t size,
		   struct wire_map *out);

/* Bitmask of the device indexes @m uses. */
uint32_t wire_map_devices(const struct wire_map *m);

#endif /* FAMFSD_MAP_H */
