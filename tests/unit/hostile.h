/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Hostile-entry corpus: an image with a few legitimate files (each filled
 * with its own seeded pattern), the rest of the data area filled with a
 * sentinel, and one log entry per hostile case, each with a valid CRC.
 * Shared by the unit test (test_hostile.c, replay in memory) and the
 * integration tool (tests/integration/hostile-tool.c, famfsd on it).
 */
#ifndef FAMFS_TEST_HOSTILE_H
#define FAMFS_TEST_HOSTILE_H

#include <stdbool.h>
#include <stdint.h>

#include "famfs/famfs.h"

#define HOSTILE_DEV_SIZE (128ULL << 20) /* 59 data units after sb + log */
#define HOSTILE_SENTINEL 0xa5

/* What replay must do with a case. */
struct hostile_case {
	const char *what; /* short name, also the comment in a report */
	const char *path; /* relpath as written ("" for none) */
	bool served; /* accepted: famfsd serves it at @path */
	bool addressable; /* @path names a clean path a tool could open */
	bool holds_name; /* rejected, but its name stays taken */
	const char *field; /* rejected: field named (prefix match) */
	int kind; /* enum famfs_err_kind when rejected */
	uint64_t index; /* log index (filled by hostile_build) */
};

extern struct hostile_case hostile_cases[];
extern const unsigned hostile_ncases;

/* Seed of the pattern that a legitimate file at @path holds. */
uint64_t hostile_seed(const char *path);

/*
 * Format the image at @path (a regular file of HOSTILE_DEV_SIZE bytes,
 * created), write the legitimate files and their bytes, the sentinel,
 * and every hostile case; fills each case's index. Master is @sysuuid.
 * Returns 0 or a negative errno (message on stderr).
 */
int hostile_build(const char *path, const struct famfs_omf_uuid *sysuuid);

/*
 * Check the device bytes of an image as replayed into @ns: every byte of
 * a served file's units holds its pattern up to its size and the sentinel
 * after it; every other data byte holds the sentinel. Returns 0, or -EIO
 * after printing the first bad offset.
 */
int hostile_verify_bytes(const struct famfs_ns *ns, const uint8_t *dev,
			 uint64_t size);

#endif
