/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Shared by dax_backing.c, dax_passthrough.c and extmap.c; not used by
 * fuse itself (fuse sees dax_passthrough.h).
 */
#ifndef FUSE_DAX_INTERNAL_H
#define FUSE_DAX_INTERNAL_H

#include <linux/refcount.h>
#include <linux/types.h>

struct dev_dax;
struct dax_device;
struct fuse_backing;
struct fuse_conn;
struct file;

/* One devdax registration (hangs off struct fuse_backing). */
struct fuse_dpt_dev {
	struct dev_dax *dev_dax;
	struct dax_device *dax_dev;
	u64 size; /* bytes addressable through the device */
	u32 align; /* device alignment, >= PAGE_SIZE */
	bool writable; /* registered with an O_RDWR fd */
};

/* A piece of a file on a device; fb holds a reference. */
struct fuse_dpt_ext {
	u64 foff, doff, len;
	struct fuse_backing *fb;
};

/*
 * A file's map, either nr extents sorted by file offset (chunk == 0; may
 * have holes: those read as EIO), or nr strips rotating chunk-sized
 * pieces: file chunk c is in strip c % nr, row c / nr (famfs interleave,
 * 7.47 FUSE_MAP_CYCLIC). One reference per holder: the 7.47 id table,
 * the inode while dax files are open, each open dax file.
 */
struct fuse_dpt_map {
	refcount_t count;
	u32 nr;
	u32 chunk_shift; /* log2(chunk) when chunk is a power of two, else 0 */
	u64 chunk; /* strips: chunk size; 0 for an extent list */
	u64 size; /* bytes mapped (a bound for reads) */
	bool x47; /* a 7.47 map: writes at or past EOF write 0 bytes */
	struct fuse_dpt_ext ext[];
};

#define dpt_err(ino, fmt, ...)                                              \
	pr_warn_ratelimited("dax passthrough: nodeid %llu: " fmt "\n", ino, \
			    ##__VA_ARGS__)

/* ---- dax_backing.c ---- */

/* 0 when @file is a live devdax character device, else -ENODEV. */
int dpt_dev_check(struct file *file);
/*
 * A new backing for the devdax device open as @file (not consumed):
 * -ENODEV not a live devdax device, -EBUSY held (by an @exclusive, 7.47,
 * registration, or any registration when @exclusive), -ENOMEM.
 */
int dpt_dev_new(struct file *file, bool exclusive, struct fuse_backing **out);
/* Takes a reference; NULL if the id is unknown or not a dax registration. */
struct fuse_backing *dpt_lookup(struct fuse_conn *fc, int backing_id);

/* ---- dax_passthrough.c ---- */

struct fuse_dpt_map *dpt_map_alloc(u32 nr);
void dpt_map_put(struct fuse_dpt_map *map);
/*
 * Attach @map to the inode and the open file (takes the references):
 * -EBUSY another map or a regular backing on the inode, -EACCES write
 * open of a read-only registration.
 */
int dpt_attach(struct inode *inode, struct file *file,
	       struct fuse_dpt_map *map);

#endif /* FUSE_DAX_INTERNAL_H */
