// SPDX-License-Identifier: Apache-2.0
/*
 * Requests and replies as buffers, whatever carried them. Requests: INIT
 * goes to wire.c, FORGET/BATCH_FORGET to the ABI, and the unique of every
 * request whose reply must be looked at is remembered. Replies: INIT is
 * patched (wire.c); a remembered reply is copied and handed to the ABI,
 * and on a 7.47 connection every OPEN/OPENDIR/CREATE reply gets the
 * 24-byte fuse_open_out the kernel sizes it at. Everything else passes
 * untouched (one atomic load when nothing is tracked).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "wire_internal.h"

#define BIT(op) (1ULL << (op))
#define OPEN_OPS                                            \
	(BIT(FUSE_DAX_OP_OPEN) | BIT(FUSE_DAX_OP_OPENDIR) | \
	 BIT(FUSE_DAX_OP_CREATE))

void wire_msg_settle(struct wire *w)
{
	uint64_t ops = w->open47 ? OPEN_OPS : 0;

	if (wire_dax_active(w) && w->abi->reply_seen)
		ops |= w->abi->reply_ops;
	atomic_store(&w->track_ops, ops);
}

static struct wire_track *stripe(struct wire *w, uint64_t unique)
{
	return &w->track[(unique >> 1) % WIRE_TRACK_STRIPES];
}

static void track_put(struct wire *w, uint64_t unique, uint32_t op,
		      uint64_t nodeid)
{
	struct wire_track *t = stripe(w, unique);
	unsigned h = (unsigned)((unique >> 5) % WIRE_TRACK_SLOTS);

	pthread_mutex_lock(&t->lock);
	for (unsigned i = 0; i < WIRE_TRACK_SLOTS; i++) {
		unsigned s = (h + i) % WIRE_TRACK_SLOTS;

		if (t->unique[s] && t->unique[s] != unique)
			continue;
		if (!t->unique[s])
			atomic_fetch_add(&t->used, 1);
		t->unique[s] = unique;
		t->opcode[s] = op;
		t->nodeid[s] = nodeid;
		break;
	}
	/* Full (thousands in flight): this reply goes out unpatched. */
	pthread_mutex_unlock(&t->lock);
}

/*
 * Most replies answer requests nobody tracks: an empty stripe costs one
 * load (the request's track_put happened before its reply), a full scan
 * stops once every slot in use was seen.
 */
static bool track_take(struct wire *w, uint64_t unique, uint32_t *op,
		       uint64_t *nodeid)
{
	struct wire_track *t = stripe(w, unique);
	unsigned h = (unsigned)((unique >> 5) % WIRE_TRACK_SLOTS), left;
	bool found = false;

	if (!atomic_load(&t->used))
		return false;
	pthread_mutex_lock(&t->lock);
	left = atomic_load(&t->used);
	for (unsigned i = 0; i < WIRE_TRACK_SLOTS && left && !found; i++) {
		unsigned s = (h + i) % WIRE_TRACK_SLOTS;

		if (!t->unique[s])
			continue;
		left--;
		if (t->unique[s] != unique)
			continue;
		*op = t->opcode[s];
		*nodeid = t->nodeid[s];
		t->unique[s] = 0;
		atomic_fetch_sub(&t->used, 1);
		found = true;
	}
	pthread_mutex_unlock(&t->lock);
	return found;
}

static void forgets(struct wire *w, const struct fuse_dax_in_header *ih,
		    const uint8_t *arg, size_t alen)
{
	uint64_t v[2];
	uint32_t count;

	if (ih->opcode == FUSE_DAX_OP_FORGET) {
		if (alen >= 8) {
			memcpy(v, arg, 8);
			w->abi->forget(w, ih->nodeid, v[0]);
		}
		return;
	}
	if (alen < 8)
		return;
	memcpy(&count, arg, 4);
	for (size_t i = 0; i < count && 8 + 16 * (i + 1) <= alen; i++) {
		memcpy(v, arg + 8 + 16 * i, 16);
		w->abi->forget(w, v[0], v[1]);
	}
}

void wire_request_seen(struct wire *w, const void *buf, size_t len)
{
	struct fuse_dax_in_header ih;
	uint64_t ops;

	if (len < sizeof(ih))
		return;
	if (!w->init_done) {
		wire_init_request(w, buf, len);
		return;
	}
	memcpy(&ih, buf, sizeof(ih));
	if ((ih.opcode == FUSE_DAX_OP_FORGET ||
	     ih.opcode == FUSE_DAX_OP_BATCH_FORGET) &&
	    wire_dax_active(w) && w->abi->forget) {
		forgets(w, &ih, (const uint8_t *)buf + sizeof(ih),
			len - sizeof(ih));
		return;
	}
	ops = atomic_load(&w->track_ops);
	if (ih.opcode < 64 && (ops & BIT(ih.opcode)))
		track_put(w, ih.unique, ih.opcode, ih.nodeid);
}

/* Gather @iov into one buffer with @extra spare bytes. */
static uint8_t *gather(const struct iovec *iov, int count, size_t *len,
		       size_t extra, struct wire_out *o)
{
	size_t n = 0;
	uint8_t *p;

	for (int i = 0; i < count; i++)
		n += iov[i].iov_len;
	p = n + extra <= sizeof(o->small) ? o->small : malloc(n + extra);
	if (!p)
		return NULL;
	if (p != o->small)
		o->heap = p;
	n = 0;
	for (int i = 0; i < count; i++) {
		memcpy(p + n, iov[i].iov_base, iov[i].iov_len);
		n += iov[i].iov_len;
	}
	*len = n;
	return p;
}

/* 7.47 sizes the OPEN/OPENDIR/CREATE reply at 24 bytes of open_out. */
static size_t pad_open_out(uint32_t op, uint8_t *msg, size_t len)
{
	size_t at =
		sizeof(struct fuse_dax_out_header) +
		(op == FUSE_DAX_OP_CREATE ? sizeof(struct fuse_dax_entry_out) :
					    0);
	uint32_t l;

	if (len != at + sizeof(struct fuse_dax_open_out))
		return len;
	memset(msg + len, 0, 8);
	len += 8;
	l = (uint32_t)len;
	memcpy(msg, &l, 4);
	return len;
}

int wire_reply_prepare(struct wire *w, struct iovec **iov, int *count,
		       struct wire_out *o)
{
	struct fuse_dax_out_header oh;
	uint64_t nodeid = 0;
	uint32_t op = 0;
	uint8_t *msg;
	size_t len;

	o->heap = NULL;
	o->opcode = 0;
	o->counted = 0;
	o->init = false;
	if (*count < 1 || (*iov)[0].iov_len < sizeof(oh))
		return 0;
	memcpy(&oh, (*iov)[0].iov_base, sizeof(oh));
	if (atomic_load(&w->init_pending) && oh.unique == w->init.unique) {
		msg = gather(*iov, *count, &len, 0, o);
		if (!msg ||
		    len > sizeof(oh) + sizeof(struct fuse_dax_init_out)) {
			free(o->heap);
			o->heap = NULL;
			wire_init_settle(w, false);
			return -EINVAL;
		}
		o->init = true;
		if (!wire_patch_init(w, msg, len)) {
			oh.len = sizeof(oh);
			oh.error = -EPROTO;
			memcpy(msg, &oh, sizeof(oh));
			len = sizeof(oh);
		}
		goto out;
	}
	if (!oh.unique || !atomic_load(&w->track_ops) ||
	    !track_take(w, oh.unique, &op, &nodeid) || oh.error)
		return 0;
	msg = gather(*iov, *count, &len, 8, o);
	if (!msg)
		return -ENOMEM;
	o->opcode = op;
	if (w->open47 && (BIT(op) & OPEN_OPS))
		len = pad_open_out(op, msg, len);
	if (wire_dax_active(w) && w->abi->reply_seen &&
	    (w->abi->reply_ops & BIT(op)))
		w->abi->reply_seen(w, op, nodeid, msg, len, o);
out:
	/* Header apart, as a transport that copies the payload expects. */
	o->iov[0].iov_base = msg;
	o->iov[0].iov_len = sizeof(oh);
	o->iov[1].iov_base = msg + sizeof(oh);
	o->iov[1].iov_len = len - sizeof(oh);
	*iov = o->iov;
	*count = len > sizeof(oh) ? 2 : 1;
	return 0;
}

void wire_reply_done(struct wire *w, struct wire_out *o, bool sent)
{
	if (o->init)
		wire_init_settle(w, sent);
	else if (!sent && o->counted && w->abi && w->abi->forget)
		w->abi->forget(w, o->counted, 1);
	free(o->heap);
	o->heap = NULL;
}

ssize_t wire_io_read(struct wire *w, int fd, void *buf, size_t len)
{
	ssize_t n;

	wire_init_wait(w);
	n = read(fd, buf, len);
	if (n > 0)
		wire_request_seen(w, buf, (size_t)n);
	return n;
}

/*
 * Replies go out with writev(2). Under ASan the interceptor checks the
 * iovec only after the call returned, when the peer (kernel or emulator)
 * may already have reacted, e.g. a RELEASE on another thread freeing the
 * buffer a READ reply came from: a false use-after-free. The raw syscall
 * is not intercepted.
 */
ssize_t wire_writev_fd(int fd, const struct iovec *iov, int count)
{
#ifdef __SANITIZE_ADDRESS__
	return syscall(SYS_writev, fd, iov, count);
#else
	return writev(fd, iov, count);
#endif
}

ssize_t wire_io_writev(struct wire *w, int fd, struct iovec *iov, int count)
{
	return wire_send(w, iov, count, NULL, &fd);
}

static ssize_t send_fd(void *arg, const struct iovec *iov, int count,
		       bool *sent)
{
	ssize_t n = wire_writev_fd(*(int *)arg, iov, count);

	*sent = n >= 0;
	return n;
}

ssize_t wire_send(struct wire *w, struct iovec *iov, int count,
		  wire_send_fn send, void *arg)
{
	struct wire_out o;
	struct iovec *v = iov;
	int n = count, r;
	bool sent = false;
	ssize_t ret;

	r = wire_reply_prepare(w, &v, &n, &o);
	if (r) {
		errno = -r;
		return -1;
	}
	ret = (send ? send : send_fd)(arg, v, n, &sent);
	wire_reply_done(w, &o, sent);
	if (ret >= 0 && v != iov) {
		ret = 0;
		for (int i = 0; i < count; i++)
			ret += (ssize_t)iov[i].iov_len;
	}
	return ret;
}
