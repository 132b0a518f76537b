/* SPDX-License-Identifier: GPL-2.0 */
/* Shared by dax_backing.c and dax_passthrough.c; not used by fuse itself. */
#ifndef FUSE_DAX_INTERNAL_H
#define FUSE_DAX_INTERNAL_H

struct dev_dax;
struct dax_device;

/* One FUSE_BACKING_DAX registration (hangs off struct fuse_backing). */
struct fuse_dpt_dev {
	struct dev_dax *dev_dax;
	struct dax_device *dax_dev;
	u64 size; /* bytes addressable through the device */
	u32 align; /* device alignment, >= PAGE_SIZE */
	bool writable; /* registered with an O_RDWR fd */
};

#define dpt_err(ino, fmt, ...)                                              \
	pr_warn_ratelimited("dax passthrough: nodeid %llu: " fmt "\n", ino, \
			    ##__VA_ARGS__)

/* Takes a reference; NULL if the id is unknown or not a dax registration. */
struct fuse_backing *dpt_lookup(struct fuse_conn *fc, int backing_id);

#endif /* FUSE_DAX_INTERNAL_H */
