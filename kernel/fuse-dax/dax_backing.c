// SPDX-License-Identifier: GPL-2.0
/*
 * FUSE dax passthrough: devdax registrations, and famfs's OPEN-reply form
 * ioctls (FAMFUSE_IOC_PROBE / ENABLE / DAX_OPEN, include/famfs/fuse_dax.h
 * section 2). A registration is a struct fuse_backing whose file is a
 * devdax character device and whose dpt part caches the device's size
 * and alignment. The OPEN-reply form puts it in the passthrough idr
 * (32-bit ids); the 7.47 ABI in its 64-bit table (extmap.c).
 *
 * A 7.47 registration holds its device exclusively among all famfuse
 * connections, as fs_dax_get() does in the 7.47 dev tree (6.12 has no
 * holder for devdax). OPEN-reply form registrations of one device may be
 * several (read-only and read-write ones) but never beside a 7.47 holder.
 */
#include "fuse_i.h"
#include "dax-private.h"
#include "dax_internal.h"

#include <linux/dax.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/magic.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/xarray.h>

#include "famfs/fuse_dax.h"

static_assert(FAMFUSE_IOC_PROBE == _IOR(FAMFUSE_IOC_TYPE, 1, struct famfuse_probe));
static_assert(FAMFUSE_IOC_ENABLE ==
	      _IOW(FAMFUSE_IOC_TYPE, 2, struct famfuse_enable));
static_assert(FAMFUSE_IOC_DAX_OPEN ==
	      _IOW(FAMFUSE_IOC_TYPE, 3, struct famfuse_dax_map));
static_assert(FUSE_DPT_MAX_OPEN_EXT >= FUSE_DAX_MIN_OPEN_EXT);

/*
 * dev_dax pointers with registrations: value 0 = one exclusive (7.47)
 * holder, n > 0 = n OPEN-reply form registrations.
 */
static DEFINE_XARRAY(dpt_held);
static DEFINE_MUTEX(dpt_held_lock);

static int dpt_hold(struct dev_dax *dev_dax, bool exclusive)
{
	unsigned long key = (unsigned long)dev_dax;
	void *v;
	int res = 0;

	mutex_lock(&dpt_held_lock);
	v = xa_load(&dpt_held, key);
	if (v && (exclusive || !xa_to_value(v)))
		res = -EBUSY;
	else
		res = xa_err(xa_store(&dpt_held, key,
				      xa_mk_value(exclusive ? 0 :
						  (v ? xa_to_value(v) : 0) + 1),
				      GFP_KERNEL));
	mutex_unlock(&dpt_held_lock);
	return res;
}

static void dpt_unhold(struct dev_dax *dev_dax)
{
	unsigned long key = (unsigned long)dev_dax;
	unsigned long n;

	mutex_lock(&dpt_held_lock);
	n = xa_to_value(xa_load(&dpt_held, key));
	if (n > 1)
		xa_store(&dpt_held, key, xa_mk_value(n - 1), GFP_KERNEL);
	else
		xa_erase(&dpt_held, key);
	mutex_unlock(&dpt_held_lock);
}

/* devdax open() points f_mapping at the dax inode of the dax fs */
static struct inode *dax_host(struct file *file)
{
	struct inode *host = file->f_mapping ? file->f_mapping->host : NULL;

	if (!S_ISCHR(file_inode(file)->i_mode) || !host ||
	    host->i_sb->s_magic != DAXFS_MAGIC)
		return NULL;
	return host;
}

int dpt_dev_check(struct file *file)
{
	struct inode *host = dax_host(file);
	int id, res = -ENODEV;

	if (!host)
		return res;
	id = dax_read_lock();
	if (file->private_data && dax_alive(inode_dax(host)) &&
	    dax_get_private(inode_dax(host)) == file->private_data)
		res = 0;
	dax_read_unlock(id);
	return res;
}

int dpt_dev_new(struct file *file, bool exclusive, struct fuse_backing **out)
{
	struct fuse_dpt_dev *dd;
	struct fuse_backing *fb;
	struct dev_dax *dev_dax;
	struct inode *host = dax_host(file);
	int i, id, res;

	if (!host)
		return -ENODEV;
	dd = kzalloc(sizeof(*dd), GFP_KERNEL);
	fb = kzalloc(sizeof(*fb), GFP_KERNEL);
	res = -ENOMEM;
	if (!dd || !fb)
		goto out_free;
	dev_dax = file->private_data;
	id = dax_read_lock();
	if (!dev_dax || !dax_alive(inode_dax(host)) ||
	    dax_get_private(inode_dax(host)) != dev_dax) {
		dax_read_unlock(id);
		res = -ENODEV;
		goto out_free;
	}
	dd->dev_dax = dev_dax;
	dd->dax_dev = dev_dax->dax_dev;
	dd->align = max_t(u32, dev_dax->align, PAGE_SIZE);
	for (i = 0; i < dev_dax->nr_range; i++)
		dd->size += range_len(&dev_dax->ranges[i].range);
	dax_read_unlock(id);
	dd->writable = file->f_mode & FMODE_WRITE;
	fb->cred = prepare_creds();
	if (!fb->cred)
		goto out_free;
	res = dpt_hold(dev_dax, exclusive);
	if (res) {
		put_cred(fb->cred);
		goto out_free;
	}
	fb->file = get_file(file);
	fb->dpt = dd;
	refcount_set(&fb->count, 1);
	*out = fb;
	pr_info("dax passthrough: holding %s (%llu MiB, align %u)\n",
		file->f_path.dentry->d_name.name, dd->size >> 20, dd->align);
	return 0;
out_free:
	kfree(fb);
	kfree(dd);
	return res;
}

void fuse_dpt_backing_free(struct fuse_backing *fb)
{
	if (!fb->dpt)
		return;
	dpt_unhold(fb->dpt->dev_dax);
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

/* ---- famfs's OPEN-reply form: FAMFUSE_IOC_* ----------------------------- */

/*
 * FAMFUSE_IOC_DAX_OPEN: returns the backing id (> 0), or -EPERM (form not
 * enabled, missing CAP_SYS_ADMIN/CAP_SYS_RAWIO), -EINVAL (flags or
 * reserved), -EBADF, -ENODEV (not a live devdax device), -EBUSY (held),
 * -ENOMEM.
 */
static int dpt_ioc_dax_open(struct fuse_conn *fc,
			    const struct famfuse_dax_map *map)
{
	struct fuse_backing *fb;
	struct file *file;
	int res;

	if (!fc->passthrough_dax || !capable(CAP_SYS_ADMIN) ||
	    !capable(CAP_SYS_RAWIO))
		return -EPERM;
	if (map->flags || map->reserved)
		return -EINVAL;
	file = fget(map->fd);
	if (!file)
		return -EBADF;
	res = dpt_dev_new(file, false, &fb);
	if (res) {
		pr_warn_ratelimited("dax passthrough: fd %d: %s\n", map->fd,
				    res == -EBUSY ? "device already held" :
						    "not a live devdax device");
		goto out;
	}
	res = fuse_backing_id_alloc(fc, fb);
	if (res < 0)
		fuse_backing_put(fb); /* frees dpt, drops the file */
	else
		pr_info("dax passthrough: backing id %d\n", res);
out:
	fput(file);
	return res;
}

long famfuse_ioctl(struct fuse_conn *fc, unsigned int cmd, void __user *argp)
{
	union {
		struct famfuse_probe probe;
		struct famfuse_enable en;
		struct famfuse_dax_map map;
	} u;

	memset(&u, 0, sizeof(u));
	switch (cmd) {
	case FAMFUSE_IOC_PROBE:
		u.probe.version = FAMFUSE_ABI_VERSION;
		u.probe.max_open_ext = FUSE_DPT_MAX_OPEN_EXT;
		return copy_to_user(argp, &u.probe, sizeof(u.probe)) ? -EFAULT :
								       0;
	case FAMFUSE_IOC_ENABLE:
		if (copy_from_user(&u.en, argp, sizeof(u.en)))
			return -EFAULT;
		if (u.en.version != FAMFUSE_ABI_VERSION || u.en.flags ||
		    u.en.reserved)
			return -EINVAL;
		if (!fc->passthrough)
			return -EPERM;
		fc->passthrough_dax = 1;
		return 0;
	case FAMFUSE_IOC_DAX_OPEN:
		if (copy_from_user(&u.map, argp, sizeof(u.map)))
			return -EFAULT;
		return dpt_ioc_dax_open(fc, &u.map);
	default:
		return -ENOTTY;
	}
}
