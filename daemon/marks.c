// SPDX-License-Identifier: Apache-2.0
/*
 * Per-unit "initialized up to" marks of a pending file (marks.h). A mark
 * is always a prefix of its unit: a write that starts past it zeroes the
 * gap first, so sequential writes zero nothing and any write zeroes less
 * than one unit. Sizing a file touches no mark but the ones it cuts.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "marks.h"

#define U FAMFS_ALLOC_UNIT

static uint64_t mark_of(const struct fd_marks *k, uint64_t u)
{
	return u < k->n ? k->mark[u] : 0;
}

static uint64_t min64(uint64_t a, uint64_t b)
{
	return a < b ? a : b;
}

void fd_marks_free(struct fd_marks *k)
{
	free(k->mark);
	memset(k, 0, sizeof(*k));
}

uint64_t fd_marks_gap(const struct fd_marks *k, uint64_t off, uint64_t *gap_off)
{
	uint64_t u = off / U, rel = off - u * U, m = mark_of(k, u);

	*gap_off = u * U + m;
	return m < rel ? rel - m : 0;
}

int fd_marks_raise(struct fd_marks *k, uint64_t off, uint64_t end)
{
	uint64_t last;

	if (end <= off)
		return 0;
	last = (end - 1) / U;
	if (last >= k->cap) {
		size_t cap = k->cap ? k->cap : 16;
		uint32_t *m;

		while (cap <= last)
			cap *= 2;
		m = realloc(k->mark, cap * sizeof(*m));
		if (!m)
			return -ENOMEM;
		k->mark = m;
		k->cap = cap;
	}
	for (; k->n <= last; k->n++)
		k->mark[k->n] = 0;
	for (uint64_t u = off / U; u <= last; u++) {
		uint64_t b = min64(end - u * U, U);

		if (k->mark[u] < b)
			k->mark[u] = (uint32_t)b;
	}
	return 0;
}

void fd_marks_clamp(struct fd_marks *k, uint64_t size)
{
	uint64_t units = size / U + (size % U != 0);

	if (k->n > units)
		k->n = units;
	if (size % U && units <= k->n && k->mark[units - 1] > size % U)
		k->mark[units - 1] = (uint32_t)(size % U);
}

int fd_marks_split(const struct fd_marks *k, uint64_t off, uint64_t len,
		   struct fd_span *out, int max)
{
	uint64_t pos = off, end = off + len;
	int n = 0;

	while (pos < end) {
		uint64_t u = pos / U, m = mark_of(k, u), stop;
		bool data = pos - u * U < m;

		if (u >= k->n)
			stop = end; /* nothing written from here on */
		else if (data)
			stop = min64(end, u * U + m);
		else
			stop = min64(end, (u + 1) * U);
		if (n && out[n - 1].data == data &&
		    out[n - 1].off + out[n - 1].len == pos) {
			out[n - 1].len += stop - pos;
		} else {
			if (n == max)
				return -E2BIG;
			out[n].off = pos;
			out[n].len = stop - pos;
			out[n].data = data;
			n++;
		}
		pos = stop;
	}
	return n;
}

int fd_marks_holes(const struct fd_marks *k, uint64_t end, struct fd_span *out,
		   int max, struct fd_span *smallest)
{
	struct fd_span s[2], run;
	uint64_t pos = 0;
	int n = 0;

	memset(smallest, 0, sizeof(*smallest));
	while (pos < end) {
		/* A run, or what is written and the run after it. */
		int got = fd_marks_split(k, pos, end - pos, s, 2);

		if (!s[0].data)
			run = s[0];
		else if (got == 2 || got == -E2BIG)
			run = s[1];
		else
			break; /* written up to @end */
		if (n < max)
			out[n] = run;
		if (!n || run.len < smallest->len)
			*smallest = run;
		n++;
		pos = run.off + run.len;
	}
	return n;
}

void fd_marks_cut(struct fd_marks *k, uint64_t off, uint64_t end)
{
	for (uint64_t u = off / U; u * U < end && u < k->n; u++) {
		uint64_t rel = off > u * U ? off - u * U : 0;

		if (k->mark[u] > rel)
			k->mark[u] = (uint32_t)rel;
	}
}

uint64_t fd_marks_top(const struct fd_marks *k)
{
	for (size_t u = k->n; u--;)
		if (k->mark[u])
			return u * U + k->mark[u];
	return 0;
}

uint64_t fd_marks_next_gap(const struct fd_marks *k, uint64_t from,
			   uint64_t size, uint64_t *gap_off)
{
	for (uint64_t u = from / U; u * U < size; u++) {
		uint64_t start = u * U + mark_of(k, u);
		uint64_t stop = min64(u * U + U, size);

		if (start < from)
			start = from;
		if (start < stop) {
			*gap_off = start;
			return stop - start;
		}
	}
	*gap_off = size;
	return 0;
}
