/* SPDX-License-Identifier: GPL-2.0 */
/*
 * FUSE dax passthrough (famfs proposal, spec/fuse-api.md section 3.3):
 * the daemon registers a devdax character device as a backing object and
 * answers OPEN/CREATE with an extent list; data then moves between the
 * application and the device without any upcall.
 *
 * Included at the end of fuse_i.h (hook patch), so every fuse file sees
 * these declarations. The ABI numbers live in include/famfs/fuse_dax.h.
 */
#ifndef FUSE_DAX_PASSTHROUGH_H
#define FUSE_DAX_PASSTHROUGH_H

#include <linux/types.h>

struct fuse_conn;
struct fuse_file;
struct fuse_inode;
struct fuse_args;
struct fuse_backing;
struct fuse_backing_map;
struct inode;
struct file;
struct kiocb;
struct iov_iter;
struct vm_area_struct;

/* bytes of reply extension the kernel accepts after fuse_open_out */
#define FUSE_DPT_MAX_OPEN_EXT 65536u
/* fuse_backing_map.flags: the fd is a devdax device (FUSE_BACKING_DAX) */
#define FUSE_BACKING_DAX_FLAG (1u << 0)
/* INIT: offered bit (flags2 bit 12) */
#define FUSE_DPT_INIT_FLAG (1ULL << 44)

/* FUSE_DEV_IOC_BACKING_OPEN with FUSE_BACKING_DAX; returns an id > 0 */
int fuse_dpt_backing_open(struct fuse_conn *fc, struct fuse_backing_map *map);
/* drops the dax part of a backing (called when the backing is freed) */
void fuse_dpt_backing_free(struct fuse_backing *fb);
bool fuse_dpt_backing_is_dax(struct fuse_backing *fb);
/* true if backing_id names a dax registration of fc */
bool fuse_dpt_is_dax_id(struct fuse_conn *fc, int backing_id);

/* OPEN/CREATE: append the variable-size extension out arg */
void fuse_dpt_open_args(struct fuse_conn *fc, struct fuse_file *ff,
			struct fuse_args *args);
/* result of the OPEN/CREATE request: records the extension length */
int fuse_dpt_open_reply(struct fuse_file *ff, int err);
void fuse_dpt_ext_free(struct fuse_file *ff);

/* validates the extension and attaches the inode's map to ff */
int fuse_dpt_file_open(struct inode *inode, struct file *file);
void fuse_dpt_file_release(struct fuse_file *ff, struct inode *inode);
bool fuse_dpt_inode_mapped(struct fuse_inode *fi);
bool fuse_dpt_file(struct fuse_file *ff);

ssize_t fuse_dpt_read_iter(struct kiocb *iocb, struct iov_iter *to);
ssize_t fuse_dpt_write_iter(struct kiocb *iocb, struct iov_iter *from);
int fuse_dpt_mmap(struct file *file, struct vm_area_struct *vma);

#endif /* FUSE_DAX_PASSTHROUGH_H */
