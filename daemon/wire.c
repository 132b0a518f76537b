// SPDX-License-Identifier: Apache-2.0
/*
 * The wire module's INIT half: the raw read/writev hooks that see the
 * kernel's offered capability bits and patch the daemon's INIT reply
 * (no libfuse release can see or request FUSE_PASSTHROUGH_DAX).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "wire_internal.h"

static void log_stderr(int level, const char *fmt, ...)
{
	va_list ap;

	(void)level;
	fputs("famfsd: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

int wire_new(const struct wire_opts *o, struct wire **out)
{
	struct wire *w;

	if (o->path < WIRE_PATH_AUTO || o->path > WIRE_PATH_DAEMON)
		return -EINVAL;
	/* Only a devdax character device can back dax passthrough. */
	if (o->path == WIRE_PATH_PASSTHROUGH && !o->dev0_is_dax &&
	    o->ioctl_fd < 0)
		return -ENODEV;
	w = calloc(1, sizeof(*w));
	if (!w)
		return -ENOMEM;
	w->o = *o;
	if (!w->o.log)
		w->o.log = log_stderr;
	if (!w->o.passthrough_opens)
		w->o.passthrough_opens = &w->own_pt_opens;
	if (!w->o.backing_registrations)
		w->o.backing_registrations = &w->own_regs;
	atomic_init(&w->dax_active, false);
	atomic_init(&w->init_pending, false);
	atomic_init(&w->nopath_logged, 0);
	pthread_mutex_init(&w->init_lock, NULL);
	pthread_cond_init(&w->init_cond, NULL);
	pthread_mutex_init(&w->bk_lock, NULL);
	pthread_mutex_init(&w->ino_lock, NULL);
	*out = w;
	return 0;
}

void wire_free(struct wire *w)
{
	if (!w)
		return;
	wire_close_backings(w);
	for (unsigned i = 0; i < WIRE_INO_BUCKETS; i++) {
		while (w->ino[i]) {
			struct wire_ino *n = w->ino[i];

			w->ino[i] = n->next;
			free(n);
		}
	}
	pthread_mutex_destroy(&w->init_lock);
	pthread_cond_destroy(&w->init_cond);
	pthread_mutex_destroy(&w->bk_lock);
	pthread_mutex_destroy(&w->ino_lock);
	free(w);
}

void wire_set_session(struct wire *w, struct fuse_session *se)
{
	w->se = se;
}

bool wire_dax_active(const struct wire *w)
{
	return atomic_load(&w->dax_active);
}

bool wire_allow_mmap(const struct wire *w)
{
	return w->allow_mmap;
}

const char *wire_fatal(const struct wire *w)
{
	return w->fatal[0] ? w->fatal : NULL;
}

bool wire_init_pending(const struct wire *w)
{
	return atomic_load(&w->init_pending);
}

void wire_init_seen(const struct wire *w, struct wire_init_req *out)
{
	*out = w->init;
}

int wire_parse_init(const void *buf, size_t len, struct wire_init_req *out)
{
	struct fuse_dax_in_header ih;
	struct fuse_dax_init_in in;
	size_t arg;

	if (len < sizeof(ih))
		return 0;
	memcpy(&ih, buf, sizeof(ih));
	if (ih.opcode != FUSE_DAX_OP_INIT)
		return 0;
	/* Pre-7.36 kernels send only major..flags (16 bytes). */
	arg = len - sizeof(ih);
	if (arg < 16 || ih.len != len)
		return -EPROTO;
	memset(&in, 0, sizeof(in));
	memcpy(&in, (const char *)buf + sizeof(ih),
	       arg < sizeof(in) ? arg : sizeof(in));
	memset(out, 0, sizeof(*out));
	out->unique = ih.unique;
	out->major = in.major;
	out->minor = in.minor;
	out->flags = in.flags;
	if ((in.flags & FUSE_DAX_INIT_EXT) && arg >= 20)
		out->flags |= (uint64_t)in.flags2 << 32;
	if ((out->flags & FUSE_PASSTHROUGH_DAX) && arg >= 24)
		out->max_open_ext = in.max_open_ext;
	return 1;
}

ssize_t wire_io_read(struct wire *w, int fd, void *buf, size_t len)
{
	struct wire_init_req req;
	ssize_t n;

	if (atomic_load(&w->init_pending)) {
		pthread_mutex_lock(&w->init_lock);
		while (atomic_load(&w->init_pending))
			pthread_cond_wait(&w->init_cond, &w->init_lock);
		pthread_mutex_unlock(&w->init_lock);
	}
	n = read(fd, buf, len);
	if (n > 0 && !w->init_done &&
	    wire_parse_init(buf, (size_t)n, &req) == 1) {
		w->init = req;
		atomic_store(&w->init_pending, true);
	}
	return n;
}

/* Kernel offered both bits and the configuration allows dax. */
static bool dax_possible(const struct wire *w)
{
	uint64_t need = FUSE_DAX_PASSTHROUGH | FUSE_PASSTHROUGH_DAX;

	if (w->o.path == WIRE_PATH_DAEMON)
		return false;
	if (!w->o.dev0_is_dax && w->o.ioctl_fd < 0)
		return false;
	return (w->init.flags & need) == need;
}

static void set_fatal(struct wire *w, const char *why)
{
	snprintf(w->fatal, sizeof(w->fatal), "data path passthrough: %s", why);
	wire_log(w, LOG_ERR, "%s", w->fatal);
	if (w->se)
		fuse_session_exit(w->se);
}

/*
 * Patch the INIT reply @msg (@len bytes, header included) in place.
 * Returns false when the reply must become an error instead.
 */
static bool patch_init(struct wire *w, char *msg, size_t len)
{
	struct fuse_dax_out_header oh;
	struct fuse_dax_init_out out;
	size_t arg = len - sizeof(oh);

	memcpy(&oh, msg, sizeof(oh));
	if (oh.error)
		return true; /* libfuse refused INIT itself: leave it */
	memset(&out, 0, sizeof(out));
	memcpy(&out, msg + sizeof(oh), sizeof(out) < arg ? sizeof(out) : arg);
	/* No flags2 (or a pre-7.23 reply without max_stack_depth): nothing of
	 * ours can be echoed. */
	if (!(w->init.flags & FUSE_DAX_INIT_EXT) ||
	    arg < offsetof(struct fuse_dax_init_out, unused))
		goto done_ext;
	if (dax_possible(w)) {
		out.flags |= FUSE_DAX_INIT_EXT;
		out.flags &= ~FUSE_DAX_WRITEBACK_CACHE;
		out.flags2 |= (uint32_t)(FUSE_DAX_PASSTHROUGH >> 32);
		out.flags2 |= (uint32_t)(FUSE_PASSTHROUGH_DAX >> 32);
		out.max_stack_depth = 1;
		w->want_dax = true;
	}
	if (w->o.allow_mmap &&
	    (w->init.flags & FUSE_DAX_DIRECT_IO_ALLOW_MMAP)) {
		out.flags |= FUSE_DAX_INIT_EXT;
		out.flags2 |= (uint32_t)(FUSE_DAX_DIRECT_IO_ALLOW_MMAP >> 32);
		w->allow_mmap = true;
	}
done_ext:
	if (w->o.path == WIRE_PATH_PASSTHROUGH && !w->want_dax) {
		set_fatal(w, "the kernel does not offer FUSE_PASSTHROUGH_DAX");
		return false;
	}
	memcpy(msg + sizeof(oh), &out, sizeof(out) < arg ? sizeof(out) : arg);
	return true;
}

/* INIT is answered: probe the primary device (never before: EPERM). */
static void after_init(struct wire *w)
{
	int32_t id;
	int r;

	if (!w->want_dax)
		return;
	r = wire_backing_get(w, 0, &id);
	if (r == 0) {
		atomic_store(&w->dax_active, true);
		wire_log(w, LOG_INFO,
			 "data path passthrough: device 0 registered "
			 "as backing id %d, max_open_ext %u",
			 id, w->init.max_open_ext);
		return;
	}
	if (w->o.path == WIRE_PATH_PASSTHROUGH) {
		char why[160];

		snprintf(why, sizeof(why),
			 "FUSE_DEV_IOC_BACKING_OPEN with FUSE_BACKING_DAX: %s",
			 strerror(-r));
		set_fatal(w, why);
		return;
	}
	wire_log(w, LOG_WARNING,
		 "dax passthrough unavailable (BACKING_OPEN with "
		 "FUSE_BACKING_DAX: %s): using the daemon data path",
		 strerror(-r));
}

/*
 * Replies go out with writev(2). Under ASan the interceptor checks the
 * iovec only after the call returned, when the peer (kernel or emulator)
 * may already have reacted, e.g. a RELEASE on another thread freeing the
 * buffer a READ reply came from: a false use-after-free. The raw syscall
 * is not intercepted.
 */
static ssize_t send_iov(int fd, struct iovec *iov, int count)
{
#ifdef __SANITIZE_ADDRESS__
	return syscall(SYS_writev, fd, iov, count);
#else
	return writev(fd, iov, count);
#endif
}

ssize_t wire_io_writev(struct wire *w, int fd, struct iovec *iov, int count)
{
	struct fuse_dax_out_header oh;
	char msg[sizeof(oh) + sizeof(struct fuse_dax_init_out)];
	size_t len = 0;
	ssize_t n;

	if (!atomic_load(&w->init_pending) || count < 1 ||
	    iov[0].iov_len < sizeof(oh))
		return send_iov(fd, iov, count);
	memcpy(&oh, iov[0].iov_base, sizeof(oh));
	if (oh.unique != w->init.unique)
		return send_iov(fd, iov, count);

	/* The INIT reply: gather, patch, send, then probe. */
	for (int i = 0; i < count; i++) {
		if (len + iov[i].iov_len > sizeof(msg)) {
			errno = EINVAL;
			return -1;
		}
		memcpy(msg + len, iov[i].iov_base, iov[i].iov_len);
		len += iov[i].iov_len;
	}
	w->init_done = true;
	if (!patch_init(w, msg, len)) {
		oh.len = sizeof(oh);
		oh.error = -EPROTO;
		memcpy(msg, &oh, sizeof(oh));
		len = sizeof(oh);
	}
	n = write(fd, msg, len);
	if (n >= 0 && !w->fatal[0])
		after_init(w);
	if (w->o.settled)
		w->o.settled(w->o.settled_arg);
	pthread_mutex_lock(&w->init_lock);
	atomic_store(&w->init_pending, false);
	pthread_cond_broadcast(&w->init_cond);
	pthread_mutex_unlock(&w->init_lock);
	return n;
}
