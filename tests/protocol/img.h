/* SPDX-License-Identifier: Apache-2.0 */
/* Build small famfs images with libfamfs for the protocol tests/bench. */
#ifndef PROTO_IMG_H
#define PROTO_IMG_H

#include "famfs/famfs.h"

/*
 * Create a sparse image of @size bytes at @path, format it with this
 * host's identity from @uuid_file (created if missing, so the daemon is
 * master) and open it locked for writing. 0 or -errno (message printed).
 */
int img_create(const char *path, uint64_t size, const char *uuid_file,
	       struct famfs_fs **out);
/*
 * A logged file of @size bytes whose map has @nextents simple extents
 * (1..16; spacer files keep the extents apart). Data: img_fill().
 */
int img_file_simple(struct famfs_fs *fs, const char *name, unsigned nextents,
		    uint64_t size, struct famfs_fmap *m, uint64_t *ino);
/* A logged interleaved file over @nstrips of 4 buckets, 2 MiB chunks. */
int img_file_interleave(struct famfs_fs *fs, const char *name, unsigned nstrips,
			unsigned nbuckets, uint64_t size, struct famfs_fmap *m,
			uint64_t *ino);
/* A logged file with a hand-made map (e.g. on another device). */
int img_file_map(struct famfs_fs *fs, const char *name, uint64_t size,
		 const struct famfs_fmap *m, uint64_t *ino);
/* Write the seeded pattern of file @m (size @size) into device 0. */
void img_fill(struct famfs_fs *fs, const struct famfs_fmap *m, uint64_t size,
	      uint32_t seed);
/* Byte @i of the seeded pattern. */
uint8_t img_byte(uint32_t seed, uint64_t i);

#endif /* PROTO_IMG_H */
