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

/*
 * Run @expr (which fills @errp), then assert it returned @code and named
 * @fld. The struct is cleared first so a stale field cannot pass.
 */
#define assert_err(expr, code, errp, fld)                  \
	do {                                               \
		int rc_;                                   \
		famfs_err_clear(errp);                     \
		rc_ = (expr);                              \
		assert_int_equal(rc_, (code));             \
		assert_string_equal((errp)->field, (fld)); \
	} while (0)

/* Geometry of a file system with one device of @dev_size bytes. */
void tu_geom(struct famfs_geom *g, unsigned version, uint64_t dev_size,
	     uint64_t log_len);
/* Recompute an entry's CRC after a test edited it. */
void tu_seal(struct famfs_omf_log_entry *e);
/* A simple one-extent map on device 0. */
void tu_fmap1(struct famfs_fmap *m, uint64_t off, uint64_t len);
/* Parse a canonical UUID string (asserts it is valid). */
void tu_uuid(struct famfs_omf_uuid *u, const char *text);
/* "/tmp/unit/<tag>.<pid>" into @buf (directory created). */
void tu_tmppath(char *buf, size_t len, const char *tag);
/* Create (or truncate) a sparse file of @size bytes. */
void tu_sparse_file(const char *path, uint64_t size);
/* mkfs an image at @path (allow_small, default log) with @sysuuid. */
void tu_mkfs_image(const char *path, uint64_t size, uint64_t log_len,
		   unsigned version, const struct famfs_omf_uuid *sysuuid);

/* Seq and CRC of log entry @index are right. */
bool tu_entry_sealed(const struct famfs_omf_log_entry *e, uint64_t index);
/*
 * The extents (simple) or strips (interleaved) the FILE-layout map of @e
 * names, at most 16, in *x; 0 for an unknown extent type. No other check.
 */
unsigned tu_raw_extents(const struct famfs_omf_log_entry *e,
			const struct famfs_omf_extent **x);

#define TU_MiB ((uint64_t)1 << 20)
#define TU_GiB ((uint64_t)1 << 30)

#endif
