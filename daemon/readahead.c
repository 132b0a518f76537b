// SPDX-License-Identifier: Apache-2.0
/*
 * Readahead of the mount's backing device info. The kernel takes the INIT
 * reply's max_readahead only as an upper bound of the bdi default (128
 * KiB), so page-cache reads (shared mmap on the daemon path) would arrive
 * as 128 KiB READs: 8,192 upcalls per GiB. Raising the bdi's
 * read_ahead_kb to the request size (1 MiB, max_pages) cuts that by 8.
 * It needs root (sysfs); without it the default stays, with one line.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "famfsd.h"

/* "MAJ:MIN" of the file system mounted on @mnt (last mount wins). */
static int mount_devno(const char *mnt, char *devno, size_t len)
{
	char line[4096], point[4096], dev[64];
	FILE *f = fopen("/proc/self/mountinfo", "re");
	int rc = -ENOENT;

	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%*s %*s %63s %*s %4095s", dev, point) != 2)
			continue;
		famfs_mountinfo_unescape(point);
		if (strcmp(point, mnt))
			continue;
		snprintf(devno, len, "%s", dev);
		rc = 0;
	}
	fclose(f);
	return rc;
}

void fd_readahead_tune(struct fd_ctx *c, unsigned kib)
{
	char devno[64], path[128], val[16];
	int fd, rc, n;

	if (!c->mnt_abs || c->opts->emulator_fd >= 0)
		return;
	rc = mount_devno(c->mnt_abs, devno, sizeof(devno));
	if (rc) {
		fd_log(LOG_INFO, "readahead: %s not in mountinfo: %s",
		       c->mnt_abs, strerror(-rc));
		return;
	}
	snprintf(path, sizeof(path), "/sys/class/bdi/%s/read_ahead_kb", devno);
	n = snprintf(val, sizeof(val), "%u\n", kib);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0 || write(fd, val, (size_t)n) != n) {
		fd_log(LOG_INFO,
		       "readahead: %s: %s (mmap reads stay 128 KiB requests)",
		       path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return;
	}
	close(fd);
	fd_log(LOG_DEBUG, "readahead: %s = %u", path, kib);
}
