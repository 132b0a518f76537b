/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The recovery journal's state, shared by its writer (journal.c) and its
 * start-up replay (journal_load.c). Nothing else looks inside.
 */
#ifndef FAMFSD_JOURNAL_INTERNAL_H
#define FAMFSD_JOURNAL_INTERNAL_H

#include "famfsd.h"

#define HDR_SIZE ((off_t)sizeof(struct famfs_omf_jnl_header))
#define REC_SIZE ((off_t)sizeof(struct famfs_omf_jnl_rec))
/* Rewrite the file when it holds this many records and 4x the live ones. */
#define COMPACT_MIN 4096

struct fd_journal {
	int fd;
	int dirfd;
	char path[4096];
	uint32_t gen; /* the file's generation (format.h) */
	uint64_t nrec; /* records in the file */
	uint64_t live; /* objects with a live PUT */
	struct famfs_omf_jnl_rec *q; /* queued, not written yet */
	size_t nq, capq;
	bool broken; /* a write failed: fsync reports EIO */
};

/* Write a fresh journal holding a PUT for every journaled object and
 * switch to it (tmp file, fdatasync, rename, directory fsync). Both locks
 * held. 0 or -errno. */
int fd_journal_rewrite(struct fd_ctx *c);

#endif
