/* SPDX-License-Identifier: Apache-2.0 */
/* Shared helpers for the cmocka unit tests. */
#ifndef FAMFS_TESTUTIL_H
#define FAMFS_TESTUTIL_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "famfs/famfs.h"

/* Parse "ff 82 b2 ..." into @out; returns the byte count. */
size_t tu_hex(const char *text, uint8_t *out, size_t max);

/*
 * An in-memory file system image: @dev_size is what the superblock claims,
 * only the superblock + log region (@meta_len bytes) is backed.
 */
struct tu_image {
	uint8_t *meta; /* superblock region + log */
	uint64_t meta_len;
	struct famfs_omf_superblock *sb;
	uint8_t *log;
};

void tu_image_init(struct tu_image *im, uint64_t dev_size, uint64_t log_len,
		   unsigned version);
void tu_image_free(struct tu_image *im);
/* Append a raw entry (already sealed) at the next index. */
void tu_image_append(struct tu_image *im, const struct famfs_omf_log_entry *e);
/* Next free index. */
uint64_t tu_image_next(const struct tu_image *im);
/* Load a fixture's metadata (xz-compressed) into memory; NULL if absent. */
uint8_t *tu_fixture_meta(const char *name, uint64_t *len);

#endif
