// SPDX-License-Identifier: Apache-2.0
/*
 * Raw-io shim between libfuse and the FUSE device (fuse_session_custom_io).
 *
 * libfuse 3.14 can neither see nor request INIT bits it does not know. The
 * wire module (wire.c) watches the INIT request go by and patches libfuse's
 * INIT reply in one place: FUSE_DIRECT_IO_ALLOW_MMAP (shared mmap on
 * FOPEN_DIRECT_IO files, kernel >= 6.6) and, when the kernel offers it and
 * the data path allows it, FUSE_PASSTHROUGH + FUSE_PASSTHROUGH_DAX. These
 * hooks only find the wire module from the session's userdata.
 */
#include <errno.h>

#include "famfsd.h"
#include "wire.h"

static ssize_t shim_read(int fd, void *buf, size_t len, void *ud)
{
	struct fd_ctx *c = ud;
	ssize_t n = wire_io_read(c->wire, fd, buf, len);

	if (n == 0) {
		/* Peer closed (emulator socket): end the session the way an
		 * unmount ends it on /dev/fuse. */
		errno = ENODEV;
		return -1;
	}
	return n;
}

static ssize_t shim_writev(int fd, struct iovec *iov, int count, void *ud)
{
	struct fd_ctx *c = ud;

	return wire_io_writev(c->wire, fd, iov, count);
}

static const struct fuse_custom_io shim_io = {
	.writev = shim_writev,
	.read = shim_read,
};

int fd_initpatch_install(struct fd_ctx *c, struct fuse_session *se, int fd)
{
	wire_set_session(c->wire, se);
	return fuse_session_custom_io(se, &shim_io, fd);
}
