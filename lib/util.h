/* SPDX-License-Identifier: Apache-2.0 */
/* Small helpers shared by the library's validators. */
#ifndef FAMFS_LIB_UTIL_H
#define FAMFS_LIB_UTIL_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "famfs/format.h"

static inline bool famfs_is_pow2(uint64_t v)
{
	return v && !(v & (v - 1));
}

/* Zero-padding checks run on every entry: compare against zeros. */
static inline bool famfs_all_zero(const void *p, size_t n)
{
	static const uint8_t zeros[sizeof(struct famfs_omf_log_entry)];
	const uint8_t *b = p;

	if (n <= sizeof(zeros))
		return !memcmp(b, zeros, n);
	for (size_t i = 0; i < n; i++)
		if (b[i])
			return false;
	return true;
}

#endif
