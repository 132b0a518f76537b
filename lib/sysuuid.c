// SPDX-License-Identifier: Apache-2.0
/*
 * Host identity: a text UUID in /opt/famfs/system_uuid, as upstream. The
 * master is the host whose UUID matches the superblock's system_uuid.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <uuid/uuid.h>

#include "famfs/famfs.h"

static int read_uuid(const char *path, struct famfs_omf_uuid *out)
{
	char buf[64];
	ssize_t n;
	int fd, rc = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, sizeof(buf) - 1);
	if (n < 0)
		rc = -errno;
	close(fd);
	if (rc)
		return rc;
	buf[n] = '\0';
	buf[strcspn(buf, "\r\n")] = '\0';
	if (strlen(buf) != 36 || uuid_parse(buf, out->b))
		return -EINVAL;
	return 0;
}

/* Create the parent directory (one level, as upstream) and the file. */
static int create_uuid(const char *path, struct famfs_omf_uuid *out)
{
	char dir[4096], text[40];
	char *slash;
	int fd, rc = 0;
	size_t len;

	snprintf(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	if (slash && slash != dir) {
		*slash = '\0';
		if (mkdir(dir, 0755) && errno != EEXIST)
			return -errno;
	}
	uuid_generate(out->b);
	uuid_unparse(out->b, text);
	len = strlen(text) + 1; /* upstream stores the NUL too */
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0444);
	if (fd < 0)
		return -errno;
	if (write(fd, text, len) != (ssize_t)len)
		rc = -EIO;
	if (close(fd) && !rc)
		rc = -errno;
	if (rc)
		unlink(path);
	return rc;
}

int famfs_system_uuid(const char *path, bool create, struct famfs_omf_uuid *out)
{
	int rc;

	if (!path)
		path = FAMFS_SYSTEM_UUID_PATH;
	rc = read_uuid(path, out);
	if (rc != -ENOENT || !create)
		return rc;
	rc = create_uuid(path, out);
	if (rc == -EEXIST) /* lost a race with another creator */
		return read_uuid(path, out);
	return rc;
}

const char *famfs_role_name(enum famfs_role role)
{
	return role == FAMFS_ROLE_MASTER ? "master" : "client";
}
