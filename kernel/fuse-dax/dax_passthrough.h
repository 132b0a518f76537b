/* SPDX-License-Identifier: GPL-2.0 */
/*
 * FUSE dax passthrough for famfs: the daemon registers devdax character
 * devices and gives each file an extent map, either after the OPEN reply
 * (famfs's OPEN-reply form, FAMFUSE_IOC_*) or pushed beforehand with
 * FUSE_NOTIFY_MAP (the 7.47 extent-map ABI); data then moves between the
 * application and the device without any upcall.
 *
 * Included at the end of fuse_i.h (hook patch), so every fuse file sees
 * these declarations. The ABI numbers live in include/famfs/fuse_dax.h.
 */
#ifndef FUSE_DAX_PASSTHROUGH_H
#define FUSE_DAX_PASSTHROUGH_H

#include <linux/types.h>

#include "famfs/fuse_dax.h"

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

/* bytes of reply extension the OPEN-reply form accepts after open_out */
#define FUSE_DPT_MAX_OPEN_EXT 65536u
/* the largest FUSE_NOTIFY_MAP payload (FUSE47_MAX_EXTENTS extents) */
#define FUSE_X47_NOTIFY_MAX                     \
	(sizeof(struct fuse47_notify_map_out) + \
	 FUSE47_MAX_EXTENTS * sizeof(struct fuse47_extent))

/* famfs's OPEN-reply form: FAMFUSE_IOC_PROBE / ENABLE / DAX_OPEN */
long famfuse_ioctl(struct fuse_conn *fc, unsigned int cmd, void __user *argp);
/* drops the dax part of a backing (called when the backing is freed) */
void fuse_dpt_backing_free(struct fuse_backing *fb);
bool fuse_dpt_backing_is_dax(struct fuse_backing *fb);
/* true if backing_id names a dax registration of fc (32-bit ids) */
bool fuse_dpt_is_dax_id(struct fuse_conn *fc, int backing_id);

/*
 * OPEN/OPENDIR/CREATE: the out args after fuse_open_out: the OPEN-reply
 * form's variable-size record (OPEN, CREATE), or 7.47's backing_id_64
 * (fuse_open_out is 24 bytes once the server speaks minor 47)
 */
void fuse_dpt_open_args(struct fuse_conn *fc, struct fuse_file *ff,
			struct fuse_args *args, int opcode);
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

/* ---- the 7.47 extent-map ABI (extmap.c) ---- */

void fuse_x47_init(struct fuse_conn *fc);
void fuse_x47_free(struct fuse_conn *fc);
/* FUSE_DEV_IOC_BACKING_OPEN with IS_DEV and/or ID_64 in map->flags */
int fuse_x47_backing_open(struct fuse_conn *fc, struct fuse_backing_map *map);
/* FUSE_NOTIFY_MAP / FUSE_NOTIFY_BACKING_CLOSE, @size payload bytes */
int fuse_x47_notify(struct fuse_conn *fc, int code, const void *buf, u32 size);
/* FOPEN_PASSTHROUGH | FUSE_BACKING_ID_64 naming map @id */
int fuse_x47_file_open(struct inode *inode, struct file *file, u64 id);

#endif /* FUSE_DAX_PASSTHROUGH_H */
