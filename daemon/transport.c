// SPDX-License-Identifier: Apache-2.0
/*
 * Which transport carries requests: /dev/fuse (read/writev by libfuse's
 * worker pool) or FUSE-over-io_uring (transport_uring.c). `-o uring=`
 * auto (default) uses the rings when the kernel offers them at INIT, off
 * never does, on requires them (exit 2 otherwise).
 *
 * INIT itself always goes through /dev/fuse. When the kernel offered
 * FUSE_OVER_IO_URING and the rings and their buffers could be made, the
 * wire module echoes the flag in the INIT reply (wire_init_echo); once the
 * reply is written (the connection is initialized) the queue threads
 * start and REGISTER their entries. The kernel holds new requests until
 * every queue has an entry, then sends all but FORGET and INTERRUPT
 * through the rings. Any failure before the echo keeps /dev/fuse, with
 * one log line; a refused REGISTER makes the kernel fall back by itself.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/fuse.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "famfsd.h"
#include "wire.h"

#define ENABLE_URING "/sys/module/fuse/parameters/enable_uring"

static const char dev_fuse[] = "/dev/fuse";
static const char io_uring[] = "io_uring";

#ifndef HAVE_LIBURING
/* Built without liburing: never called (uring_wanted stays false). */
int fd_uring_new(struct fd_ctx *c, struct fuse_session *se, int fd,
		 struct fd_uring **out)
{
	(void)c;
	(void)se;
	(void)fd;
	*out = NULL;
	return -ENOTSUP;
}

int fd_uring_start(struct fd_uring *u)
{
	(void)u;
	return -ENOTSUP;
}

int fd_uring_reply(struct fd_uring *u, const struct iovec *iov, int count,
		   ssize_t *ret)
{
	(void)u;
	(void)iov;
	(void)count;
	(void)ret;
	return 0;
}

void fd_uring_stop(struct fd_uring *u)
{
	(void)u;
}

void fd_uring_free(struct fd_uring *u)
{
	(void)u;
}

unsigned fd_uring_queues(const struct fd_uring *u)
{
	(void)u;
	return 0;
}

unsigned fd_uring_depth(void)
{
	return 0;
}

unsigned long long fd_uring_served(const struct fd_uring *u)
{
	(void)u;
	return 0;
}

bool fd_uring_failed(const struct fd_uring *u)
{
	(void)u;
	return true;
}
#endif

int fd_parse_uring(const char *s)
{
	if (!strcmp(s, "auto"))
		return FD_URING_AUTO;
	if (!strcmp(s, "on"))
		return FD_URING_ON;
	if (!strcmp(s, "off"))
		return FD_URING_OFF;
	return -1;
}

/* The fuse module's enable_uring parameter: 1 Y, 0 N, -errno unknown. */
static int module_enabled(void)
{
	char v = 0;
	int fd = open(ENABLE_URING, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = read(fd, &v, 1);
	close(fd);
	if (n != 1)
		return -EIO;
	return v == 'Y' || v == 'y' || v == '1';
}

/* Why the rings cannot be used on this system, or NULL. */
static const char *uring_impossible(const struct fd_ctx *c)
{
#ifndef HAVE_LIBURING
	(void)c;
	return "famfsd was built without liburing (install liburing-dev "
	       "and rebuild)";
#else
	int m;

	if (c->opts->emulator_fd >= 0)
		return "the kernel emulator (--emulator-fd) has no rings";
	m = module_enabled();
	if (m == 0)
		return ENABLE_URING " is N";
	if (m < 0)
		return "this kernel has no FUSE-over-io_uring "
		       "(" ENABLE_URING " missing)";
	return NULL;
#endif
}

int fd_transport_precheck(struct fd_ctx *c)
{
	const char *why = NULL;

	c->transport = dev_fuse;
	if (c->opts->uring == FD_URING_OFF)
		return 0;
	why = uring_impossible(c);
	if (why && c->opts->uring == FD_URING_ON) {
		fprintf(stderr, "famfsd: -o uring=on: %s\n", why);
		return -1;
	}
	c->uring_wanted = !why;
	if (c->uring_wanted)
		c->transport = io_uring; /* expected; confirmed at INIT */
	return 0;
}

/* Keep /dev/fuse (auto), or end the session (uring=on). */
static void no_rings(struct fd_ctx *c, const char *why, int err)
{
	c->transport = dev_fuse;
	if (c->opts->uring == FD_URING_ON) {
		fd_log(LOG_ERR, "-o uring=on: %s%s%s", why, err ? ": " : "",
		       err ? strerror(-err) : "");
		c->transport_fatal = true;
		fuse_session_exit(c->se);
		return;
	}
	fd_log(LOG_WARNING,
	       "io_uring transport unavailable (%s%s%s): using "
	       "/dev/fuse",
	       why, err ? ": " : "", err ? strerror(-err) : "");
}

/*
 * The INIT reply: when the kernel offered FUSE_OVER_IO_URING and the rings
 * can be made, the wire module echoes the flag, and once the reply is out
 * the queue threads start.
 */
static ssize_t init_reply(struct fd_ctx *c, int fd, struct iovec *iov,
			  int count)
{
	struct wire_init_req seen;
	struct fd_uring *u = NULL;
	ssize_t n;
	int rc;

	wire_init_seen(c->wire, &seen);
	if (!(seen.flags & FUSE_DAX_OVER_IO_URING)) {
		no_rings(c, "the kernel did not offer it at INIT", 0);
		return wire_io_writev(c->wire, fd, iov, count);
	}
	rc = fd_uring_new(c, c->se, fd, &u);
	if (rc) {
		no_rings(c, "ring setup", rc);
		return wire_io_writev(c->wire, fd, iov, count);
	}
	wire_init_echo(c->wire, FUSE_DAX_OVER_IO_URING);
	/*
	 * Published before the reply: its settle releases the other readers,
	 * so every later request (and reply) is ordered after this store.
	 */
	c->uring = u;
	n = wire_io_writev(c->wire, fd, iov, count);
	if (n < 0 || wire_fatal(c->wire) ||
	    !(wire_init_echoed(c->wire) & FUSE_DAX_OVER_IO_URING)) {
		c->uring = NULL;
		fd_uring_free(u);
		if (n >= 0 && !wire_fatal(c->wire))
			no_rings(c, "INIT reply too short for flags2", 0);
		return n;
	}
	rc = fd_uring_start(u);
	if (rc) {
		/* The kernel waits for every queue: nothing can be served. */
		fd_log(LOG_ERR, "io_uring: cannot start the queue threads: %s",
		       strerror(-rc));
		c->transport_fatal = true;
		fuse_session_exit(c->se);
		return n;
	}
	c->transport = io_uring;
	fd_log(LOG_INFO,
	       "transport io_uring: %u queues (one per CPU), %u entries "
	       "of %u KiB each",
	       fd_uring_queues(u), fd_uring_depth(), FD_MAX_IO / 1024);
	return n;
}

struct ring_send {
	struct fd_ctx *c;
	int fd;
};

/* A reply the wire module has seen: into its ring entry, else the fd. */
static ssize_t ring_send(void *arg, const struct iovec *iov, int count,
			 bool *sent)
{
	struct ring_send *rs = arg;
	ssize_t n;

	if (fd_uring_reply(rs->c->uring, iov, count, &n)) {
		*sent = n >= 0;
		return n;
	}
	n = wire_writev_fd(rs->fd, iov, count);
	*sent = n >= 0;
	return n;
}

ssize_t fd_transport_writev(struct fd_ctx *c, int fd, struct iovec *iov,
			    int count)
{
	struct fuse_out_header oh;
	struct wire_init_req seen;

	if (c->uring) {
		struct ring_send rs = { .c = c, .fd = fd };

		return wire_send(c->wire, iov, count, ring_send, &rs);
	}
	if (c->uring_wanted && !c->uring && wire_init_pending(c->wire) &&
	    count >= 1 && iov[0].iov_len >= sizeof(oh)) {
		memcpy(&oh, iov[0].iov_base, sizeof(oh));
		wire_init_seen(c->wire, &seen);
		if (oh.unique == seen.unique)
			return init_reply(c, fd, iov, count);
	}
	return wire_io_writev(c->wire, fd, iov, count);
}

const char *fd_transport_name(const struct fd_ctx *c)
{
	if (c->uring && fd_uring_failed(c->uring))
		return dev_fuse;
	return c->transport ? c->transport : dev_fuse;
}

void fd_transport_stop(struct fd_ctx *c)
{
	if (c->uring)
		fd_uring_stop(c->uring);
}

void fd_transport_free(struct fd_ctx *c)
{
	fd_uring_free(c->uring);
	c->uring = NULL;
}
