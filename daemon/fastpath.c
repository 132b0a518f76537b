// SPDX-License-Identifier: Apache-2.0
/*
 * READ and WRITE of logged files without libfuse. Through libfuse 3.14
 * every request costs a calloc'ed fuse_req with its own mutex, the
 * session lock twice (interrupt bookkeeping) and, on /dev/fuse, the
 * worker-pool lock twice: four round trips on shared cache lines, and a
 * futex sleep whenever two CPUs meet there. A READ or WRITE of a logged
 * file needs none of it: the handle (fh, set by our OPEN reply) carries
 * the immutable map, the bytes are in our mapping of the device, and the
 * reply is a header plus pointers into that mapping. Anything else, and
 * every error or refusal (writes past EOF, read-only handles, pending
 * files, .meta/.stats), goes to libfuse and the ops as before.
 *
 * INTERRUPT: these requests are short and never wait, so like libfuse's
 * own read/write ops they ignore interrupts.
 */
#include <errno.h>
#include <string.h>

#include "famfsd.h"

static void reply_err(struct fd_fast_reply *r, int err)
{
	r->oh.error = -err;
	r->oh.len = sizeof(r->oh);
	r->count = 1;
}

static bool fast_read(struct fd_ctx *c, const struct fuse_read_in *in,
		      struct fd_fast_reply *r)
{
	struct fd_handle *h = (struct fd_handle *)(uintptr_t)in->fh;
	size_t total = 0;
	int n;

	if (!h || !h->fmap)
		return false;
	fd_count_read(c);
	n = fd_file_iov(c, h->fmap, h->fsize, in->size, in->offset, r->iov + 1);
	if (n < 0) {
		reply_err(r, EIO);
		return true;
	}
	for (int i = 1; i <= n; i++)
		total += r->iov[i].iov_len;
	r->oh.len = (uint32_t)(sizeof(r->oh) + total);
	r->count = 1 + n;
	return true;
}

static bool fast_write(struct fd_ctx *c, const struct fuse_write_in *in,
		       const char *data, size_t avail, struct fd_fast_reply *r)
{
	struct fd_handle *h = (struct fd_handle *)(uintptr_t)in->fh;
	uint64_t end;
	size_t size = in->size;
	int rc;

	/* Refusals (and their log lines) stay with fd_data_write. */
	if (!h || !h->fmap || !h->writable || size > avail || !size ||
	    in->offset >= h->fsize ||
	    __builtin_add_overflow(in->offset, (uint64_t)size, &end))
		return false;
	fd_count_write(c);
	if (end > h->fsize) /* crosses EOF: a short write */
		size = (size_t)(h->fsize - in->offset);
	rc = fd_file_copy_in(c, h->fmap, data, size, in->offset);
	if (rc) {
		reply_err(r, EIO);
		return true;
	}
	r->wo.size = (uint32_t)size;
	r->wo.padding = 0;
	r->iov[1].iov_base = &r->wo;
	r->iov[1].iov_len = sizeof(r->wo);
	r->oh.len = sizeof(r->oh) + sizeof(r->wo);
	r->count = 2;
	return true;
}

bool fd_fast_serve(struct fd_ctx *c, const void *msg, size_t len,
		   struct fd_fast_reply *r)
{
	const char *p = msg;
	struct fuse_in_header in;
	union {
		struct fuse_read_in rd;
		struct fuse_write_in wr;
	} arg;
	size_t hdr = sizeof(in) + sizeof(arg.rd);
	bool done;

	_Static_assert(sizeof(struct fuse_read_in) ==
			       sizeof(struct fuse_write_in),
		       "read_in and write_in share one size");
	if (len < hdr)
		return false;
	memcpy(&in, p, sizeof(in));
	if ((in.opcode != FUSE_READ && in.opcode != FUSE_WRITE) ||
	    in.len != len)
		return false;
	memcpy(&arg, p + sizeof(in), sizeof(arg.rd));
	r->oh.unique = in.unique;
	r->oh.error = 0;
	r->iov[0].iov_base = &r->oh;
	r->iov[0].iov_len = sizeof(r->oh);
	if (in.opcode == FUSE_READ)
		done = fast_read(c, &arg.rd, r);
	else
		done = fast_write(c, &arg.wr, p + hdr, len - hdr, r);
	if (done)
		fd_count_fast(c);
	return done;
}
