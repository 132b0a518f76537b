/* SPDX-License-Identifier: Apache-2.0 */
/*
 * How much of each 2 MiB allocation unit of a pending file is initialized:
 * written by the file, or zeroed for it. The unit's space may hold a
 * deleted file's bytes past its mark. Pure arithmetic, no locking (the
 * caller's: pend_lock in famfsd).
 */
#ifndef FAMFSD_MARKS_H
#define FAMFSD_MARKS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "famfs/format.h"

/* Unit u holds initialized bytes [u * UNIT, u * UNIT + mark[u]) (UNIT:
 * FAMFS_ALLOC_UNIT); units at
 * or past @n have mark 0. Zero-initialized = nothing initialized. */
struct fd_marks {
	uint32_t *mark;
	size_t n, cap;
};

/* A byte range of a file, and whether its bytes are initialized. */
struct fd_span {
	uint64_t off, len;
	bool data;
};

void fd_marks_free(struct fd_marks *k);
/*
 * The part of unit floor(@off / UNIT) below @off that a write starting at
 * @off must zero first: [*gap_off, *gap_off + returned length). Only that
 * unit can have one: the write covers every later unit it touches from
 * the unit's start.
 */
uint64_t fd_marks_gap(const struct fd_marks *k, uint64_t off,
		      uint64_t *gap_off);
/* [off, end) is initialized now (or claimed by a write that fills it):
 * raise the marks of the units it touches, after zeroing the gap. With
 * the gap zeroed first, every mark stays a prefix. -ENOMEM. */
int fd_marks_raise(struct fd_marks *k, uint64_t off, uint64_t end);
/* The file is @size bytes now: bytes past it are uninitialized again. */
void fd_marks_clamp(struct fd_marks *k, uint64_t size);
/*
 * Split [off, off + len) into at most @max spans of initialized (data)
 * and uninitialized bytes, neighbours of one kind merged. Returns the
 * count, or -E2BIG when @max is too small.
 */
int fd_marks_split(const struct fd_marks *k, uint64_t off, uint64_t len,
		   struct fd_span *out, int max);
/*
 * The uninitialized runs below @end, each as long as it goes (a run ends
 * where a unit starts that holds bytes, or at @end): the count; the first
 * @max in @out, the smallest (the first of equals) in *@smallest.
 */
int fd_marks_holes(const struct fd_marks *k, uint64_t end, struct fd_span *out,
		   int max, struct fd_span *smallest);
/* [off, end) is uninitialized (a journaled file's hole): so is the rest
 * of every unit it touches. */
void fd_marks_cut(struct fd_marks *k, uint64_t off, uint64_t end);
/* Where the last initialized byte ends (0: none); past it nothing is. */
uint64_t fd_marks_top(const struct fd_marks *k);
/* The first uninitialized range at or after @from below @size, inside one
 * unit: its length (0 when none) and *gap_off. */
uint64_t fd_marks_next_gap(const struct fd_marks *k, uint64_t from,
			   uint64_t size, uint64_t *gap_off);

#endif /* FAMFSD_MARKS_H */
