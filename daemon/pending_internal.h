/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What the pending table (inode.c) lends the commit pass (commit.c).
 * pend_lock held for all of them.
 */
#ifndef FAMFSD_PENDING_INTERNAL_H
#define FAMFSD_PENDING_INTERNAL_H

#include "famfsd.h"

/* CLOCK_MONOTONIC in ns: the settle clock. Any locks. */
uint64_t fd_now_ns(void);
/* Move @p to @state; leaving FD_PEND_OPEN takes its name out of the name
 * table and its slot off the unlogged count. */
void fd_pend_set_state(struct fd_ctx *c, struct fd_pending *p, int state);
/* Pending children of @from now hang under @to (their parent was
 * logged as @to). */
void fd_pend_reparent(struct fd_ctx *c, uint64_t from, uint64_t to);
/* Free the entries nothing refers to any more (logged and closed; gone,
 * closed and forgotten), and re-find the list's tail. */
void fd_pend_reap(struct fd_ctx *c);

#endif
