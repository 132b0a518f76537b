// SPDX-License-Identifier: Apache-2.0
/* The FUSE op table, INIT negotiation and the refusal helper. */
#include <errno.h>
#include <string.h>

#include "famfsd.h"

void fd_refuse(fuse_req_t req, int err, const char *op, uint64_t ino,
	       const char *name, const char *why)
{
	const struct fuse_ctx *who = fuse_req_ctx(req);

	fd_log(LOG_INFO, "refused %s (ino %llu%s%s, pid %d): %s: %s", op,
	       (unsigned long long)ino, name ? " name " : "", name ? name : "",
	       who ? (int)who->pid : 0, strerror(err), why);
	fuse_reply_err(req, err);
}

static void op_init(void *ud, struct fuse_conn_info *conn)
{
	struct fd_ctx *c = ud;

	/* Splicing from a dax mapping would only add a copy. */
	conn->want &= ~(FUSE_CAP_SPLICE_READ | FUSE_CAP_SPLICE_WRITE |
			FUSE_CAP_SPLICE_MOVE);
	/* Writes must reach the device at once (other hosts read it). */
	conn->want &= ~FUSE_CAP_WRITEBACK_CACHE;
	if (conn->capable & FUSE_CAP_ATOMIC_O_TRUNC)
		conn->want |= FUSE_CAP_ATOMIC_O_TRUNC;
	if (conn->capable & FUSE_CAP_PARALLEL_DIROPS)
		conn->want |= FUSE_CAP_PARALLEL_DIROPS;
	/*
	 * READDIRPLUS for every chunk, not only the first: logged names and
	 * attributes are cached for cache_timeout, so ls -l, find and rsync
	 * need no LOOKUP per entry after a listing.
	 */
	if (conn->capable & FUSE_CAP_READDIRPLUS)
		conn->want |= FUSE_CAP_READDIRPLUS;
	conn->want &= ~FUSE_CAP_READDIRPLUS_AUTO;
	if (conn->capable & FUSE_CAP_ASYNC_DIO)
		conn->want |= FUSE_CAP_ASYNC_DIO;
	conn->max_write = FD_MAX_IO;
	conn->max_readahead = FD_MAX_IO;
	conn->time_gran = 1;
	fd_log(LOG_DEBUG, "INIT: protocol %u.%u, max_write %u",
	       conn->proto_major, conn->proto_minor, conn->max_write);
	(void)c;
}

void fd_ops_fill(struct fuse_lowlevel_ops *ops)
{
	memset(ops, 0, sizeof(*ops));
	ops->init = op_init;
	fd_ops_attr(ops);
	fd_ops_dir(ops);
	fd_ops_file(ops);
	fd_ops_write(ops);
	/*
	 * No flock/getlk/setlk: the kernel then keeps BSD and POSIX locks
	 * itself, host-local, with full shared/exclusive semantics.
	 */
}
