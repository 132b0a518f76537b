// SPDX-License-Identifier: Apache-2.0
/* Diagnostics: every rejection names the entry, the field and the reason. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "famfs/famfs.h"

void famfs_err_clear(struct famfs_err *err)
{
	if (!err)
		return;
	err->index = -1;
	err->kind = FAMFS_ERR_INVALID;
	err->field[0] = '\0';
	err->msg[0] = '\0';
}

int famfs_err_set(struct famfs_err *err, int64_t index, const char *field,
		  int code, const char *fmt, ...)
{
	va_list ap;

	if (!err)
		return code;
	err->index = index;
	err->kind = FAMFS_ERR_INVALID;
	snprintf(err->field, sizeof(err->field), "%s", field ? field : "");
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	return code;
}

const char *famfs_err_str(const struct famfs_err *err, char *buf, size_t len)
{
	char where[32] = "";

	if (!len)
		return buf;
	if (!err) {
		snprintf(buf, len, "unknown error");
		return buf;
	}
	if (err->index >= 0)
		snprintf(where, sizeof(where),
			 "entry %lld: ", (long long)err->index);
	snprintf(buf, len, "%s%s%s%s", where, err->field,
		 err->field[0] ? ": " : "", err->msg);
	return buf;
}

const char *famfs_err_kind_str(int kind)
{
	switch (kind) {
	case FAMFS_ERR_COLLISION:
		return "collision: not served, the earlier entry keeps the "
		       "units";
	case FAMFS_ERR_CORRUPT:
		return "corrupt entry skipped; metadata is read-only";
	case FAMFS_ERR_TORN:
		return "torn entry: replay waits here and retries";
	default:
		return "not served";
	}
}
