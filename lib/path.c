// SPDX-License-Identifier: Apache-2.0
/* Relative path rules shared by the log reader and every writer. */
#include <errno.h>
#include <string.h>

#include "famfs/famfs.h"

int famfs_path_check(const char *path, struct famfs_err *err)
{
	size_t len = strnlen(path, FAMFS_MAX_PATHLEN);
	const char *c = path;

	if (len == 0)
		return famfs_err_set(err, -1, "relpath", -EINVAL, "empty path");
	if (len >= FAMFS_MAX_PATHLEN)
		return famfs_err_set(err, -1, "relpath", -ENAMETOOLONG,
				     "longer than %d bytes",
				     FAMFS_MAX_PATHLEN - 1);
	if (path[0] == '/')
		return famfs_err_set(err, -1, "relpath", -EINVAL,
				     "absolute path \"%s\"", path);
	while (*c) {
		const char *slash = strchr(c, '/');
		size_t n = slash ? (size_t)(slash - c) : strlen(c);

		if (n == 0)
			return famfs_err_set(err, -1, "relpath", -EINVAL,
					     "empty component in \"%s\"", path);
		if ((n == 1 && c[0] == '.') ||
		    (n == 2 && c[0] == '.' && c[1] == '.'))
			return famfs_err_set(
				err, -1, "relpath", -EINVAL,
				"\".\" or \"..\" component in \"%s\"", path);
		if (c == path && n == strlen(FAMFS_META_DIR) &&
		    !memcmp(c, FAMFS_META_DIR, n))
			return famfs_err_set(err, -1, "relpath", -EINVAL,
					     "\"%s\" is reserved",
					     FAMFS_META_DIR);
		if (!slash)
			break;
		c = slash + 1;
		if (!*c)
			return famfs_err_set(err, -1, "relpath", -EINVAL,
					     "trailing '/' in \"%s\"", path);
	}
	return 0;
}
