// SPDX-License-Identifier: Apache-2.0
/*
 * The raw-io shim between libfuse and the FUSE device
 * (fuse_session_custom_io), on /dev/fuse or the emulator's socket.
 * libfuse 3.14 can neither see nor request INIT bits it does not know, so
 * every request it reads passes the wire module first (wire.h: INIT,
 * FORGET, the replies an ABI must see), and every reply it writes passes
 * the transport (transport.c): the ring entry of a request that came from
 * an io_uring queue, else the wire module and the fd. READ and WRITE of
 * logged files are answered here before libfuse sees them (fastpath.c).
 * At debug level every request and every error reply is traced.
 */
#include <errno.h>
#include <linux/fuse.h>
#include <string.h>

#include "famfsd.h"
#include "wire.h"

/* Request names for the debug trace. */
static const char *const op_names[] = {
	[FUSE_LOOKUP] = "LOOKUP",
	[FUSE_FORGET] = "FORGET",
	[FUSE_GETATTR] = "GETATTR",
	[FUSE_SETATTR] = "SETATTR",
	[FUSE_READLINK] = "READLINK",
	[FUSE_SYMLINK] = "SYMLINK",
	[FUSE_MKNOD] = "MKNOD",
	[FUSE_MKDIR] = "MKDIR",
	[FUSE_UNLINK] = "UNLINK",
	[FUSE_RMDIR] = "RMDIR",
	[FUSE_RENAME] = "RENAME",
	[FUSE_LINK] = "LINK",
	[FUSE_OPEN] = "OPEN",
	[FUSE_READ] = "READ",
	[FUSE_WRITE] = "WRITE",
	[FUSE_STATFS] = "STATFS",
	[FUSE_RELEASE] = "RELEASE",
	[FUSE_FSYNC] = "FSYNC",
	[FUSE_SETXATTR] = "SETXATTR",
	[FUSE_GETXATTR] = "GETXATTR",
	[FUSE_LISTXATTR] = "LISTXATTR",
	[FUSE_REMOVEXATTR] = "REMOVEXATTR",
	[FUSE_FLUSH] = "FLUSH",
	[FUSE_INIT] = "INIT",
	[FUSE_OPENDIR] = "OPENDIR",
	[FUSE_READDIR] = "READDIR",
	[FUSE_RELEASEDIR] = "RELEASEDIR",
	[FUSE_FSYNCDIR] = "FSYNCDIR",
	[FUSE_GETLK] = "GETLK",
	[FUSE_SETLK] = "SETLK",
	[FUSE_SETLKW] = "SETLKW",
	[FUSE_ACCESS] = "ACCESS",
	[FUSE_CREATE] = "CREATE",
	[FUSE_INTERRUPT] = "INTERRUPT",
	[FUSE_BMAP] = "BMAP",
	[FUSE_DESTROY] = "DESTROY",
	[FUSE_IOCTL] = "IOCTL",
	[FUSE_POLL] = "POLL",
	[FUSE_NOTIFY_REPLY] = "NOTIFY_REPLY",
	[FUSE_BATCH_FORGET] = "BATCH_FORGET",
	[FUSE_FALLOCATE] = "FALLOCATE",
	[FUSE_READDIRPLUS] = "READDIRPLUS",
	[FUSE_RENAME2] = "RENAME2",
	[FUSE_LSEEK] = "LSEEK",
	[FUSE_COPY_FILE_RANGE] = "COPY_FILE_RANGE",
};

static const char *op_name(uint32_t op)
{
	if (op < sizeof(op_names) / sizeof(op_names[0]) && op_names[op])
		return op_names[op];
	return "?";
}

void fd_trace_request(const void *buf, size_t len, const char *via)
{
	struct fuse_in_header h;

	if (len < sizeof(h))
		return;
	memcpy(&h, buf, sizeof(h));
	fd_log(LOG_DEBUG, "op %s (%u) unique %llu ino %llu pid %u len %zu%s%s",
	       op_name(h.opcode), h.opcode, (unsigned long long)h.unique,
	       (unsigned long long)h.nodeid, h.pid, len, via ? " via " : "",
	       via ? via : "");
}

static void trace_reply(const struct iovec *iov, int count)
{
	struct fuse_out_header oh;

	if (count < 1 || iov[0].iov_len < sizeof(oh))
		return;
	memcpy(&oh, iov[0].iov_base, sizeof(oh));
	if (oh.error)
		fd_log(LOG_DEBUG, "reply unique %llu error %d",
		       (unsigned long long)oh.unique, oh.error);
}

static ssize_t shim_writev(int fd, struct iovec *iov, int count, void *ud)
{
	if (fd_log_enabled(LOG_DEBUG))
		trace_reply(iov, count);
	return fd_transport_writev(ud, fd, iov, count);
}

/*
 * Read the next request for libfuse. READ and WRITE of logged files are
 * answered right here (fastpath.c) and the next request is read, so the
 * hot path never enters libfuse; its worker pool counts a thread that is
 * in here as idle, which it is.
 */
static ssize_t shim_read(int fd, void *buf, size_t len, void *ud)
{
	struct fd_ctx *c = ud;
	struct fd_fast_reply r;
	ssize_t n;

	for (;;) {
		n = wire_io_read(c->wire, fd, buf, len);
		if (n == 0) {
			/* Peer closed (emulator socket): end the session the
			 * way an unmount ends it on /dev/fuse. */
			errno = ENODEV;
			return -1;
		}
		if (n > 0 && fd_log_enabled(LOG_DEBUG))
			fd_trace_request(buf, (size_t)n, NULL);
		if (n < 0 || !fd_fast_serve(c, buf, (size_t)n, &r))
			return n;
		if (fd_log_enabled(LOG_DEBUG))
			trace_reply(r.iov, r.count);
		/*
		 * Straight back to the fd it came from, like the ring's fast
		 * replies: no ABI looks at READ/WRITE replies. ENOENT: the
		 * request was interrupted; nothing to do.
		 */
		wire_writev_fd(fd, r.iov, r.count);
	}
}

static const struct fuse_custom_io shim_io = {
	.writev = shim_writev,
	.read = shim_read,
};

int fd_rawio_install(struct fd_ctx *c, struct fuse_session *se, int fd)
{
	wire_set_session(c->wire, se);
	return fuse_session_custom_io(se, &shim_io, fd);
}
