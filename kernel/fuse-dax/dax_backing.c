// SPDX-License-Identifier: GPL-2.0
/*
 * FUSE dax passthrough: FUSE_BACKING_DAX registrations. A registration is
 * a struct fuse_backing (same idr and ids as backing files) whose file is
 * a devdax character device and whose dpt part caches the device's size
 * and alignment.
 */
#include "fuse_i.h"
#include "dax-private.h"
#include "dax_internal.h"

#include <linux/dax.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/magic.h>
#include <linux/slab.h>

/* ---- registration ------------------------------------------------------ */

/*
 * Returns the backing id (> 0), or -EPERM (not negotiated, missing
 * CAP_SYS_ADMIN/CAP_SYS_RAWIO), -EINVAL (padding), -EBADF, -ENODEV (not a
 * live devdax device), -ENOMEM.
 */
int fuse_dpt_backing_open(struct fuse_conn *fc, struct fuse_backing_map *map)
{
	struct fuse_dpt_dev *dd = NULL;
	struct fuse_backing *fb = NULL;
	struct dev_dax *dev_dax;
	struct file *file;
	struct inode *host;
	int i, id, res;

	if (!fc->passthrough_dax || !capable(CAP_SYS_ADMIN) ||
	    !capable(CAP_SYS_RAWIO))
		return -EPERM;
	if (map->padding)
		return -EINVAL;
	file = fget(map->fd);
	if (!file)
		return -EBADF;

	/* devdax open() points f_mapping at the dax inode of the dax fs */
	res = -ENODEV;
	host = file->f_mapping ? file->f_mapping->host : NULL;
	if (!S_ISCHR(file_inode(file)->i_mode) || !host ||
	    host->i_sb->s_magic != DAXFS_MAGIC) {
		pr_warn_ratelimited("dax passthrough: fd %d is not a devdax device\n",
				    map->fd);
		goto out_fput;
	}
	dev_dax = file->private_data;
	id = dax_read_lock();
	if (!dev_dax || !dax_alive(inode_dax(host)) ||
	    dax_get_private(inode_dax(host)) != dev_dax) {
		dax_read_unlock(id);
		pr_warn_ratelimited("dax passthrough: fd %d: devdax device not live\n",
				    map->fd);
		goto out_fput;
	}
	res = -ENOMEM;
	dd = kzalloc(sizeof(*dd), GFP_KERNEL);
	if (!dd) {
		dax_read_unlock(id);
		goto out_fput;
	}
	dd->dev_dax = dev_dax;
	dd->dax_dev = dev_dax->dax_dev;
	dd->align = max_t(u32, dev_dax->align, PAGE_SIZE);
	for (i = 0; i < dev_dax->nr_range; i++)
		dd->size += range_len(&dev_dax->ranges[i].range);
	dax_read_unlock(id);
	dd->writable = file->f_mode & FMODE_WRITE;

	fb = kzalloc(sizeof(*fb), GFP_KERNEL);
	if (!fb)
		goto out_free;
	fb->file = file;
	fb->cred = prepare_creds();
	if (!fb->cred)
		goto out_free;
	fb->dpt = dd;
	refcount_set(&fb->count, 1);

	res = fuse_backing_id_alloc(fc, fb);
	if (res < 0) {
		/* fuse_backing_put frees dd and drops the file */
		fuse_backing_put(fb);
		return res;
	}
	pr_info("dax passthrough: registered %s (%llu MiB, align %u) as backing id %d\n",
		file->f_path.dentry->d_name.name, dd->size >> 20, dd->align,
		res);
	return res;

out_free:
	kfree(fb);
	kfree(dd);
out_fput:
	fput(file);
	return res;
}

void fuse_dpt_backing_free(struct fuse_backing *fb)
{
	kfree(fb->dpt);
	fb->dpt = NULL;
}

bool fuse_dpt_backing_is_dax(struct fuse_backing *fb)
{
	return fb && fb->dpt;
}

bool fuse_dpt_is_dax_id(struct fuse_conn *fc, int backing_id)
{
	struct fuse_backing *fb;
	bool dax;

	if (backing_id <= 0)
		return false;
	rcu_read_lock();
	fb = idr_find(&fc->backing_files_map, backing_id);
	dax = fb && fb->dpt;
	rcu_read_unlock();
	return dax;
}

/* Takes a reference; NULL if the id is unknown or not a dax registration. */
struct fuse_backing *dpt_lookup(struct fuse_conn *fc, int backing_id)
{
	struct fuse_backing *fb;

	if (backing_id <= 0)
		return NULL;
	rcu_read_lock();
	fb = fuse_backing_get(idr_find(&fc->backing_files_map, backing_id));
	rcu_read_unlock();
	if (fb && !fb->dpt) {
		fuse_backing_put(fb);
		fb = NULL;
	}
	return fb;
}

