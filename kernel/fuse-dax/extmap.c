// SPDX-License-Identifier: GPL-2.0
/*
 * The extent-map passthrough ABI of protocol 7.47, as the FUSE
 * maintainer's development tree defines it (include/famfs/fuse_dax.h
 * section 1): devices registered with FUSE_DEV_IOC_BACKING_OPEN and
 * IS_DEV | ID_64 under the server's 64-bit id, maps created whole with
 * FUSE_NOTIFY_MAP, ids dropped with FUSE_NOTIFY_BACKING_CLOSE, opens
 * answered FOPEN_PASSTHROUGH | FUSE_BACKING_ID_64 with a map's id in the
 * 24-byte fuse_open_out. Every validation rule and errno of the dev tree
 * is kept, in its order. Data then moves through dax_passthrough.c.
 *
 * Where famfuse differs (6.12 has no dax_operations on devdax, no
 * fs_dax_get): the device is held exclusively by famfuse itself
 * (dax_backing.c); S_DAX is recorded as fuse_inode.x47_attr_dax instead
 * of the inode flag (fuse routes IS_DAX inodes to virtiofs dax); a map
 * extent must target a device (the dev tree accepts a map id and WARNs on
 * the first access) and may not wrap around the 64-bit file offset; only
 * devices take the IS_DEV / ID_64 path (regular files keep 6.12's
 * passthrough).
 */
#include "fuse_i.h"
#include "dax_internal.h"

#include <linux/file.h>
#include <linux/fs.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/xarray.h>

#include "famfs/fuse_dax.h"

/* What the 64-bit table holds under an id. */
struct fuse_x47 {
	struct fuse_backing *dev; /* a device, or */
	struct fuse_dpt_map *map; /* a map */
};

void fuse_x47_init(struct fuse_conn *fc)
{
	xa_init(&fc->x47);
}

static void x47_put(struct fuse_x47 *x)
{
	if (x->map)
		dpt_map_put(x->map);
	if (x->dev)
		fuse_backing_put(x->dev);
	kfree(x);
}

void fuse_x47_free(struct fuse_conn *fc)
{
	struct fuse_x47 *x;
	unsigned long id;

	/* maps first: they hold references to the devices */
	xa_for_each(&fc->x47, id, x)
		if (x->map)
			x47_put(xa_erase(&fc->x47, id));
	xa_for_each(&fc->x47, id, x)
		x47_put(xa_erase(&fc->x47, id));
	xa_destroy(&fc->x47);
}

static int x47_insert(struct fuse_conn *fc, u64 id, struct fuse_x47 *x)
{
	int err = xa_insert(&fc->x47, id, x, GFP_KERNEL);

	return err == -EBUSY ? -EEXIST : err;
}

/* A reference to the device registered under @id, or NULL. */
static struct fuse_backing *x47_dev(struct fuse_conn *fc, u64 id)
{
	struct fuse_backing *fb = NULL;
	struct fuse_x47 *x;

	xa_lock(&fc->x47);
	x = xa_load(&fc->x47, id);
	if (x && x->dev)
		fb = fuse_backing_get(x->dev);
	xa_unlock(&fc->x47);
	return fb;
}

/* ---- FUSE_DEV_IOC_BACKING_OPEN with IS_DEV / ID_64 ---------------------- */

int fuse_x47_backing_open(struct fuse_conn *fc, struct fuse_backing_map *map)
{
	bool id64 = map->flags & FUSE47_BACKING_ID_64;
	u64 id = map->padding; /* 7.47: backing_id */
	struct fuse_backing *fb;
	struct fuse_x47 *x;
	struct file *file;
	int res;

	if (map->flags & ~(FUSE47_BACKING_IS_DEV | FUSE47_BACKING_ID_64))
		return -EINVAL;
	if (!id64 && id)
		return -EINVAL;
	file = fget_raw(map->fd);
	if (!file)
		return -EBADF;
	res = -EINVAL;
	if (!(map->flags & FUSE47_BACKING_IS_DEV)) {
		/* regular files under 64-bit ids: not in famfuse */
		res = S_ISREG(file_inode(file)->i_mode) ? -EOPNOTSUPP : -EINVAL;
		goto out;
	}
	if (!S_ISCHR(file_inode(file)->i_mode))
		goto out;
	/* dev tree: a character device dax_dev_find() does not know */
	if (dpt_dev_check(file))
		goto out;
	res = -EPERM;
	if (!capable(CAP_SYS_RAWIO))
		goto out;
	res = dpt_dev_new(file, true, &fb);
	if (res)
		goto out;
	if (!id64) {
		/* a 32-bit device id: opens naming it fail (wrong type) */
		res = fuse_backing_id_alloc(fc, fb);
		if (res < 0)
			fuse_backing_put(fb);
		goto out;
	}
	x = kzalloc(sizeof(*x), GFP_KERNEL);
	if (!x) {
		fuse_backing_put(fb);
		res = -ENOMEM;
		goto out;
	}
	x->dev = fb;
	res = x47_insert(fc, id, x);
	if (res)
		x47_put(x);
	else
		pr_info("dax passthrough: device registered as %#llx\n", id);
out:
	fput(file);
	return res;
}

/* ---- FUSE_NOTIFY_MAP ------------------------------------------------------ */

static int ext_cmp(const void *a, const void *b)
{
	const struct fuse_dpt_ext *x = a, *y = b;

	return x->foff < y->foff ? -1 : x->foff > y->foff;
}

/*
 * Build the map of @n extents at @ext; each extent is checked in order as
 * the dev tree does: the cyclic shape (EINVAL), then reserved, page
 * alignment, overlap with the extents before it, the target (EIO).
 */
static int x47_map_build(struct fuse_conn *fc,
			 const struct fuse47_notify_map_out *arg,
			 const struct fuse47_extent *ext, struct fuse_dpt_map **out)
{
	bool cyclic = arg->flags & FUSE47_MAP_CYCLIC;
	u64 chunk = cyclic ? ext[0].length : 0, end, max = 0;
	struct fuse_dpt_map *map = dpt_map_alloc(arg->num_extents);
	u32 i, j;

	if (!map)
		return -ENOMEM;
	for (i = 0; i < arg->num_extents; i++) {
		const struct fuse47_extent *e = &ext[i];
		struct fuse_dpt_ext *m = &map->ext[i];

		if (chunk && (e->offset != chunk * i || e->length != chunk))
			goto einval;
		if (e->reserved[0] || e->reserved[1]) {
			pr_warn_ratelimited("dax passthrough: map %#llx extent %u: reserved fields set\n",
					    arg->backing_id, i);
			goto eio;
		}
		if (!PAGE_ALIGNED(e->length) || !PAGE_ALIGNED(e->addr)) {
			pr_warn_ratelimited("dax passthrough: map %#llx extent %u: not page aligned\n",
					    arg->backing_id, i);
			goto eio;
		}
		if (check_add_overflow(e->offset, e->length, &end)) {
			pr_warn_ratelimited("dax passthrough: map %#llx extent %u: wraps\n",
					    arg->backing_id, i);
			goto eio;
		}
		for (j = 0; j < i; j++)
			if (e->offset < map->ext[j].foff + map->ext[j].len &&
			    map->ext[j].foff < end)
				break;
		if (j < i) {
			pr_warn_ratelimited("dax passthrough: map %#llx extent %u: overlap\n",
					    arg->backing_id, i);
			goto eio;
		}
		m->fb = x47_dev(fc, e->backing_id);
		if (!m->fb) {
			pr_warn_ratelimited("dax passthrough: map %#llx extent %u: backing not found\n",
					    arg->backing_id, i);
			goto eio;
		}
		map->nr = i + 1; /* from here on freed with the map */
		m->foff = e->offset;
		m->doff = e->addr;
		m->len = e->length;
		max = max(max, end);
	}
	if (chunk) {
		/* the cycle repeats for ever; i_size bounds every access */
		map->chunk = chunk;
		map->chunk_shift = is_power_of_2(chunk) ? ilog2(chunk) : 0;
		map->size = LLONG_MAX;
	} else {
		sort(map->ext, map->nr, sizeof(map->ext[0]), ext_cmp, NULL);
		map->size = max;
	}
	map->x47 = true;
	*out = map;
	return 0;
einval:
	dpt_map_put(map);
	return -EINVAL;
eio:
	dpt_map_put(map);
	return -EIO;
}

static int x47_notify_map(struct fuse_conn *fc, const void *buf, u32 size)
{
	const struct fuse47_notify_map_out *arg = buf;
	struct fuse_dpt_map *map;
	struct fuse_x47 *x;
	int err;

	if (size < sizeof(*arg))
		return -EINVAL;
	if (arg->num_extents > FUSE47_MAX_EXTENTS)
		return -EINVAL;
	if (size - sizeof(*arg) !=
	    (u64)arg->num_extents * sizeof(struct fuse47_extent))
		return -EINVAL;
	if (arg->reserved[0] || arg->reserved[1])
		return -EINVAL;
	if (arg->flags & ~(FUSE47_MAP_BACKING_CREATE | FUSE47_MAP_CYCLIC))
		return -EINVAL;
	/* adding extents to an existing map: not supported */
	if (!(arg->flags & FUSE47_MAP_BACKING_CREATE))
		return -EINVAL;
	if ((arg->flags & FUSE47_MAP_CYCLIC) && !arg->num_extents)
		return -EINVAL;
	err = x47_map_build(fc, arg, (const void *)(arg + 1), &map);
	if (err)
		return err;
	x = kzalloc(sizeof(*x), GFP_KERNEL);
	if (!x) {
		dpt_map_put(map);
		return -ENOMEM;
	}
	x->map = map;
	err = x47_insert(fc, arg->backing_id, x);
	if (err)
		x47_put(x);
	return err;
}

/* ---- FUSE_NOTIFY_BACKING_CLOSE -------------------------------------------- */

static int x47_notify_close(struct fuse_conn *fc, const void *buf, u32 size)
{
	const struct fuse47_notify_backing_close_out *arg = buf;
	struct fuse_x47 *x;

	if (size != sizeof(*arg) || arg->reserved)
		return -EINVAL;
	x = xa_erase(&fc->x47, arg->backing_id);
	if (!x)
		return -ENOENT;
	/* an open inode keeps its own reference to a map */
	x47_put(x);
	return 0;
}

int fuse_x47_notify(struct fuse_conn *fc, int code, const void *buf, u32 size)
{
	if (code == FUSE47_NOTIFY_MAP)
		return x47_notify_map(fc, buf, size);
	return x47_notify_close(fc, buf, size);
}

/* ---- OPEN with FUSE_BACKING_ID_64 ------------------------------------------ */

int fuse_x47_file_open(struct inode *inode, struct file *file, u64 id)
{
	struct fuse_inode *fi = get_fuse_inode(inode);
	struct fuse_dpt_map *map = NULL;
	struct fuse_conn *fc = get_fuse_conn(inode);
	struct fuse_x47 *x;
	int err;

	xa_lock(&fc->x47);
	x = xa_load(&fc->x47, id);
	if (x && x->map) {
		map = x->map;
		refcount_inc(&map->count);
	}
	xa_unlock(&fc->x47);
	if (!x) {
		dpt_err(fi->nodeid, "backing %#llx not found", id);
		return -EIO;
	}
	if (!map) {
		dpt_err(fi->nodeid, "backing %#llx: invalid backing type", id);
		return -EIO;
	}
	/* a map of devices is dax: the inode must have been made S_DAX */
	if (!fi->x47_attr_dax) {
		dpt_err(fi->nodeid, "dax mode mismatch");
		dpt_map_put(map);
		return -EIO;
	}
	err = dpt_attach(inode, file, map);
	dpt_map_put(map);
	if (err == -EBUSY)
		dpt_err(fi->nodeid, "failed to start uncached I/O: %d", err);
	return err == -EBUSY ? -EIO : err;
}
