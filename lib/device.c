// SPDX-License-Identifier: Apache-2.0
/*
 * Device access: a devdax character device or a regular image file, mapped
 * whole and MAP_SHARED. devdax has no read/write, only mmap with the
 * device's alignment, so everything goes through the mapping.
 */
#include <daxctl/libdaxctl.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "dev_internal.h"

/* Size and alignment of a dax char device, from libdaxctl. */
static int dax_geometry(dev_t rdev, uint64_t *size, uint64_t *align)
{
	struct daxctl_ctx *ctx;
	struct daxctl_region *region;
	struct daxctl_dev *dd;
	int rc = -ENODEV;

	if (daxctl_new(&ctx))
		return -ENOMEM;
	daxctl_region_foreach(ctx, region)
	{
		daxctl_dev_foreach(region, dd)
		{
			if ((unsigned)daxctl_dev_get_major(dd) != major(rdev) ||
			    (unsigned)daxctl_dev_get_minor(dd) != minor(rdev))
				continue;
			*size = daxctl_dev_get_size(dd);
			*align = daxctl_dev_get_align(dd);
			if (!*align)
				*align = FAMFS_ALLOC_UNIT;
			rc = 0;
			goto out;
		}
	}
out:
	daxctl_unref(ctx);
	return rc;
}

int famfs_dev_open(const char *path, unsigned flags, struct famfs_dev **out,
		   struct famfs_err *err)
{
	struct famfs_dev *dev;
	struct stat st;
	int prot, rc;

	dev = calloc(1, sizeof(*dev));
	if (!dev)
		return -ENOMEM;
	dev->rdonly = flags & FAMFS_DEV_RDONLY;
	dev->lockfd = -1;
	dev->path = strdup(path);
	if (!dev->path) {
		rc = -ENOMEM;
		goto err_free;
	}
	dev->fd = open(path, (dev->rdonly ? O_RDONLY : O_RDWR) | O_CLOEXEC);
	if (dev->fd < 0) {
		rc = -errno;
		famfs_err_set(err, -1, "device", rc, "%s: %s", path,
			      strerror(errno));
		goto err_free;
	}
	if (fstat(dev->fd, &st)) {
		rc = -errno;
		famfs_err_set(err, -1, "device", rc, "%s: %s", path,
			      strerror(errno));
		goto err_close;
	}
	if (S_ISCHR(st.st_mode)) {
		rc = dax_geometry(st.st_rdev, &dev->size, &dev->align);
		if (rc) {
			famfs_err_set(err, -1, "device", -ENODEV,
				      "%s: not a devdax character device",
				      path);
			rc = -ENODEV;
			goto err_close;
		}
		dev->dax = true;
	} else if (S_ISREG(st.st_mode)) {
		dev->size = (uint64_t)st.st_size;
		dev->align = FAMFS_ALLOC_UNIT;
	} else {
		rc = famfs_err_set(
			err, -1, "device", -ENODEV,
			"%s: neither a dax device nor a regular file", path);
		goto err_close;
	}
	dev->lockfd = famfs_lock_target(&st, dev->fd, dev->rdonly);
	if (dev->lockfd < 0) {
		rc = famfs_err_set(err, -1, "device", dev->lockfd,
				   "%s: lock file under " FAMFS_RUN_DIR ": %s",
				   path, strerror(-dev->lockfd));
		goto err_close;
	}
	/* Every user holds this; mkfs alone takes it exclusive. */
	rc = famfs_dev_lock(dev, FAMFS_LOCK_USE, false, true);
	if (rc) {
		rc = famfs_err_set(err, -1, "device", -EBUSY,
				   "%s: being formatted on this host", path);
		goto err_close;
	}
	if (dev->size < FAMFS_SUPERBLOCK_SIZE || dev->size % FAMFS_ALLOC_UNIT) {
		rc = famfs_err_set(err, -1, "device", -EINVAL,
				   "%s: size %" PRIu64
				   " is not a non-zero multiple of 2 MiB",
				   path, dev->size);
		goto err_close;
	}
	prot = PROT_READ | (dev->rdonly ? 0 : PROT_WRITE);
	dev->addr = mmap(NULL, dev->size, prot, MAP_SHARED, dev->fd, 0);
	if (dev->addr == MAP_FAILED) {
		rc = -errno;
		famfs_err_set(err, -1, "device", rc, "%s: mmap: %s", path,
			      strerror(errno));
		goto err_close;
	}
	*out = dev;
	return 0;

err_close:
	if (dev->lockfd >= 0 && dev->lockfd != dev->fd)
		close(dev->lockfd);
	close(dev->fd);
err_free:
	free(dev->path);
	free(dev);
	return rc;
}

void famfs_dev_close(struct famfs_dev *dev)
{
	if (!dev)
		return;
	munmap(dev->addr, dev->size);
	if (dev->lockfd != dev->fd)
		close(dev->lockfd);
	close(dev->fd);
	free(dev->path);
	free(dev);
}

void *famfs_dev_addr(const struct famfs_dev *dev)
{
	return dev->addr;
}

uint64_t famfs_dev_size(const struct famfs_dev *dev)
{
	return dev->size;
}

uint64_t famfs_dev_align(const struct famfs_dev *dev)
{
	return dev->align;
}

bool famfs_dev_is_dax(const struct famfs_dev *dev)
{
	return dev->dax;
}

bool famfs_dev_is_rdonly(const struct famfs_dev *dev)
{
	return dev->rdonly;
}

int famfs_dev_fd(const struct famfs_dev *dev)
{
	return dev->fd;
}

const char *famfs_dev_path(const struct famfs_dev *dev)
{
	return dev->path;
}

/*
 * An image file lives in the page cache, which every process on this host
 * sees coherently; only real shared memory needs cache maintenance.
 */
void famfs_dev_flush(const struct famfs_dev *dev, const void *addr, size_t len)
{
	if (dev->dax)
		famfs_cache_flush(addr, len);
}

void famfs_dev_invalidate(const struct famfs_dev *dev, const void *addr,
			  size_t len)
{
	if (dev->dax)
		famfs_cache_invalidate(addr, len);
}
