// SPDX-License-Identifier: Apache-2.0
/*
 * mkimage IMAGE SIZE_MIB UUID_FILE: make a sparse famfs image whose master
 * is the host identified by UUID_FILE (created if missing). Test helper.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "famfs/famfs.h"

int main(int argc, char **argv)
{
	struct famfs_mkfs_opts o;
	struct famfs_err err;
	struct famfs_dev *dev;
	char why[320];
	unsigned long mib;
	int fd, rc;

	if (argc != 4) {
		fprintf(stderr, "usage: mkimage IMAGE SIZE_MIB UUID_FILE\n");
		return 1;
	}
	mib = strtoul(argv[2], NULL, 10);
	if (!mib) {
		fprintf(stderr, "mkimage: bad size '%s'\n", argv[2]);
		return 1;
	}
	memset(&o, 0, sizeof(o));
	o.allow_small = true;
	rc = famfs_system_uuid(argv[3], true, &o.system_uuid);
	if (rc) {
		fprintf(stderr, "mkimage: %s: %s\n", argv[3], strerror(-rc));
		return 1;
	}
	fd = open(argv[1], O_RDWR | O_CREAT | O_TRUNC, 0644);
	if (fd < 0 || ftruncate(fd, (off_t)(mib << 20))) {
		fprintf(stderr, "mkimage: %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	close(fd);
	famfs_err_clear(&err);
	rc = famfs_dev_open(argv[1], 0, &dev, &err);
	if (!rc) {
		rc = famfs_mkfs(dev, &o, &err);
		famfs_dev_close(dev);
	}
	if (rc) {
		fprintf(stderr, "mkimage: %s: %s\n", argv[1],
			famfs_err_str(&err, why, sizeof(why)));
		return 1;
	}
	return 0;
}
