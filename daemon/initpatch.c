// SPDX-License-Identifier: Apache-2.0
/*
 * Raw-io shim between libfuse and the FUSE device (fuse_session_custom_io).
 *
 * libfuse 3.14 can neither see nor request INIT bits it does not know. The
 * shim watches the INIT request go by, remembers what the kernel offered,
 * and patches libfuse's INIT reply: today it turns on
 * FUSE_DIRECT_IO_ALLOW_MMAP (so shared mmap works on FOPEN_DIRECT_IO files,
 * kernel >= 6.6). The dax passthrough negotiation extends this module.
 * Everything else passes through untouched.
 */
#include <errno.h>
#include <linux/fuse.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#include "famfsd.h"

/* Kernel INIT bits not in the installed uapi header (Linux 6.6+). */
#define FD_INIT_EXT (1ULL << 30)
#define FD_DIRECT_IO_ALLOW_MMAP (1ULL << 36)

/* fuse_init_in / fuse_init_out offsets (stable since 7.36). */
#define FD_INIT_IN_FLAGS 12
#define FD_INIT_IN_FLAGS2 16
#define FD_INIT_OUT_FLAGS 12
#define FD_INIT_OUT_FLAGS2 32

static uint32_t get32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return v;
}

static void put32(uint8_t *p, uint32_t v)
{
	memcpy(p, &v, 4);
}

static ssize_t shim_read(int fd, void *buf, size_t len, void *ud)
{
	struct fd_ctx *c = ud;
	const size_t hl = sizeof(struct fuse_in_header);
	ssize_t n = read(fd, buf, len);
	struct fuse_in_header h;
	const uint8_t *in;

	if (n < (ssize_t)hl)
		return n;
	memcpy(&h, buf, hl);
	if (h.opcode != FUSE_INIT || (size_t)n < hl + 16)
		return n;
	in = (const uint8_t *)buf + hl;
	c->init_offered = get32(in + FD_INIT_IN_FLAGS);
	if ((c->init_offered & FD_INIT_EXT) && (size_t)n >= hl + 20)
		c->init_offered |= (uint64_t)get32(in + FD_INIT_IN_FLAGS2)
				   << 32;
	atomic_store(&c->init_unique, h.unique);
	return n;
}

/* Patch the INIT reply in @msg (whole message, @len bytes). */
static void patch_init(struct fd_ctx *c, uint8_t *msg, size_t len)
{
	const size_t ol = sizeof(struct fuse_out_header);
	struct fuse_out_header oh;
	uint8_t *out = msg + ol;
	uint32_t flags, flags2;

	memcpy(&oh, msg, ol);
	if (oh.error || len < ol + FD_INIT_OUT_FLAGS2 + 4)
		return;
	flags = get32(out + FD_INIT_OUT_FLAGS);
	flags2 = get32(out + FD_INIT_OUT_FLAGS2);
	if ((c->init_offered & FD_INIT_EXT) &&
	    (c->init_offered & FD_DIRECT_IO_ALLOW_MMAP)) {
		flags |= (uint32_t)FD_INIT_EXT;
		flags2 |= (uint32_t)(FD_DIRECT_IO_ALLOW_MMAP >> 32);
		c->init_allow_mmap = true;
	}
	put32(out + FD_INIT_OUT_FLAGS, flags);
	put32(out + FD_INIT_OUT_FLAGS2, flags2);
}

static ssize_t shim_writev(int fd, struct iovec *iov, int count, void *ud)
{
	struct fd_ctx *c = ud;
	uint64_t want = atomic_load(&c->init_unique);
	struct fuse_out_header oh;
	uint8_t msg[512];
	size_t len = 0;

	if (!want || count < 1 || iov[0].iov_len < sizeof(oh))
		return writev(fd, iov, count);
	memcpy(&oh, iov[0].iov_base, sizeof(oh));
	if (oh.unique != want)
		return writev(fd, iov, count);
	/* The INIT reply: flatten it (small), patch, send, forget. */
	for (int i = 0; i < count; i++) {
		if (len + iov[i].iov_len > sizeof(msg)) {
			errno = EINVAL;
			return -1;
		}
		memcpy(msg + len, iov[i].iov_base, iov[i].iov_len);
		len += iov[i].iov_len;
	}
	patch_init(c, msg, len);
	atomic_store(&c->init_unique, 0);
	fd_log(LOG_DEBUG, "INIT: kernel offered 0x%llx, mmap on direct_io %s",
	       (unsigned long long)c->init_offered,
	       c->init_allow_mmap ? "enabled" : "unavailable");
	return write(fd, msg, len);
}

static const struct fuse_custom_io shim_io = {
	.writev = shim_writev,
	.read = shim_read,
};

int fd_initpatch_install(struct fd_ctx *c, struct fuse_session *se, int fd)
{
	(void)c;
	return fuse_session_custom_io(se, &shim_io, fd);
}
