/* SPDX-License-Identifier: Apache-2.0 */
/* Device internals shared by device.c and lock.c. */
#ifndef FAMFS_DEV_INTERNAL_H
#define FAMFS_DEV_INTERNAL_H

#include <sys/stat.h>

#include "famfs/famfs.h"

struct famfs_dev {
	int fd;
	int lockfd; /* host-local lock target (lock.c); may equal fd */
	bool dax;
	bool rdonly;
	uint64_t size;
	uint64_t align;
	void *addr;
	char *path;
};

/*
 * The file the host-local locks of the device described by @st (open as
 * @fd) live on: the image itself (its inode is its identity, whatever
 * path, hard link or bind mount names it), or for a character device a
 * file under FAMFS_RUN_DIR named after st_rdev (every node of the device
 * shares it). Returns an fd (possibly @fd itself) or -errno.
 */
int famfs_lock_target(const struct stat *st, int fd, bool rdonly);

#endif
