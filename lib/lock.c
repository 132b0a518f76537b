// SPDX-License-Identifier: Apache-2.0
/*
 * Host-local locks on what a device is, not on what it is called: open
 * file description locks (F_OFD_SETLK) on bytes of the image file itself,
 * or of /run/famfs/dax-MAJ:MIN.lock for a devdax device, so hard links,
 * bind mounts, symlinks and second device nodes all meet on one lock,
 * and a same-named file elsewhere never does. They vanish with the holder.
 *
 *   FAMFS_LOCK_USE    shared by every open (famfs_dev_open), exclusive
 *                     for mkfs: nothing is formatted while in use
 *   FAMFS_LOCK_APPEND exclusive for a writer: the CLI per command, famfsd
 *                     on the master for its whole life
 *   FAMFS_LOCK_SERVE  shared by every famfsd serving the device
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "dev_internal.h"

int famfs_lock_target(const struct stat *st, int fd, bool rdonly)
{
	char path[64];
	int lfd;

	if (!S_ISCHR(st->st_mode))
		return fd;
	if (mkdir(FAMFS_RUN_DIR, 0755) && errno != EEXIST) {
		/* A reader without /run access locks the node itself. */
		return rdonly ? fd : -errno;
	}
	snprintf(path, sizeof(path), FAMFS_RUN_DIR "/dax-%u:%u.lock",
		 major(st->st_rdev), minor(st->st_rdev));
	lfd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (lfd < 0)
		return rdonly ? fd : -errno;
	return lfd;
}

static void range(struct flock *fl, short type, unsigned which)
{
	fl->l_type = type;
	fl->l_whence = SEEK_SET;
	fl->l_start = which;
	fl->l_len = 1;
	fl->l_pid = 0; /* OFD locks require 0 */
}

int famfs_dev_lock(struct famfs_dev *dev, unsigned which, bool excl,
		   bool nowait)
{
	struct flock fl;

	if (which > FAMFS_LOCK_SERVE)
		return -EINVAL;
	range(&fl, excl ? F_WRLCK : F_RDLCK, which);
	while (fcntl(dev->lockfd, nowait ? F_OFD_SETLK : F_OFD_SETLKW, &fl)) {
		if (errno == EINTR)
			continue;
		/* Held by someone else. A read-only image cannot take a
		 * write lock at all: the same answer (nothing is changed). */
		if (errno == EAGAIN || errno == EACCES || errno == EBADF)
			return errno == EBADF && excl ? -EROFS : -EWOULDBLOCK;
		return -errno;
	}
	return 0;
}

void famfs_dev_unlock(struct famfs_dev *dev, unsigned which)
{
	struct flock fl;

	range(&fl, F_UNLCK, which);
	(void)fcntl(dev->lockfd, F_OFD_SETLK, &fl);
}

bool famfs_dev_lock_held(struct famfs_dev *dev, unsigned which)
{
	struct flock fl;

	range(&fl, F_WRLCK, which);
	if (fcntl(dev->lockfd, F_OFD_GETLK, &fl))
		return false;
	return fl.l_type != F_UNLCK;
}
