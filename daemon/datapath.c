// SPDX-License-Identifier: Apache-2.0
/*
 * The daemon's own data path (works on every kernel): files are opened
 * FOPEN_DIRECT_IO, so every read and write reaches us and is served
 * straight from our MAP_SHARED mapping of the device. Reads reply with one
 * iovec per extent piece (no copy in userspace); writes copy into the
 * mapping and flush. Shared mmap works through the kernel page cache when
 * FUSE_DIRECT_IO_ALLOW_MMAP was negotiated (wire.c); it is not
 * coherent across hosts. Its OPEN replies are built in openpath.c.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>

#include "famfsd.h"

#define FD_GROW_STEP_MAX ((uint64_t)1 << 30)

/* Map and size of the file behind @h; ns_lock held. -ENOENT. */
static int file_map(struct fd_ctx *c, struct fd_handle *h,
		    const struct famfs_fmap **m, uint64_t *size)
{
	if (h->kind == FD_H_PENDING) {
		pthread_mutex_lock(&c->pend_lock);
		*m = &h->pend->map;
		*size = h->pend->size;
		pthread_mutex_unlock(&c->pend_lock);
		return 0;
	}
	const struct famfs_node *n = famfs_ns_get(c->ns, h->ino);

	if (!n || !n->fmap)
		return -ENOENT;
	*m = n->fmap;
	*size = n->size;
	return 0;
}

/* Split [off, off+len) of @m into device pointers. ns_lock held. */
static int map_iov(struct fd_ctx *c, const struct famfs_fmap *m, uint64_t off,
		   uint64_t len, struct iovec *iov, int max)
{
	int n = 0;

	while (len) {
		struct famfs_piece p;
		uint64_t take;
		void *ptr;
		int rc = famfs_fmap_resolve(m, off, &p);

		if (rc)
			return rc;
		take = p.len < len ? p.len : len;
		/* Only device 0 is mapped by this daemon. */
		ptr = p.devindex ? NULL : famfs_fs_ptr(c->fs, p.dev_off, take);
		if (!ptr || n == max)
			return -EIO;
		iov[n].iov_base = ptr;
		iov[n].iov_len = take;
		n++;
		off += take;
		len -= take;
	}
	return n;
}

/* map_iov, the cache lines invalidated (dax): reads of the device. */
static int data_iov(struct fd_ctx *c, const struct famfs_fmap *m, uint64_t off,
		    uint64_t len, struct iovec *iov, int max)
{
	int n = map_iov(c, m, off, len, iov, max);

	/* The device mapping outlives the reply; no lock needed. */
	for (int i = 0; i < n; i++)
		famfs_dev_invalidate(c->dev, iov[i].iov_base, iov[i].iov_len);
	return n;
}

int fd_file_iov(struct fd_ctx *c, const struct famfs_fmap *m, uint64_t fsize,
		size_t size, uint64_t off, struct iovec *iov)
{
	if (off >= fsize)
		return 0;
	return data_iov(c, m, off, fsize - off < size ? fsize - off : size, iov,
			FD_MAX_IOV);
}

/* What a pending file never initialized is served from here (never
 * written: the kernel's zero page backs it). */
static char zero_buf[256 << 10];
/* Spans of one READ: 2 per unit it touches (FD_MAX_IO is 1 MiB). */
#define FD_READ_SPANS 16

/*
 * A pending file's bytes for a READ: what it initialized from the device,
 * the rest (its space may hold a deleted file's bytes) from zero_buf. The
 * spans are taken under pend_lock; a zeroing or a write after that only
 * turns a zero span into the same zeros or into the write's bytes, which
 * a read racing that write may see either way. ns_lock held.
 */
static int pend_iov(struct fd_ctx *c, struct fd_pending *p, size_t size,
		    uint64_t off, struct iovec *iov)
{
	struct fd_span sp[FD_READ_SPANS];
	uint64_t fsize;
	int ns, n = 0;

	pthread_mutex_lock(&c->pend_lock);
	fsize = p->size;
	if (p->state == FD_PEND_LOGGED) { /* all initialized (commit.c) */
		pthread_mutex_unlock(&c->pend_lock);
		return fd_file_iov(c, &p->map, fsize, size, off, iov);
	}
	if (off >= fsize)
		ns = 0;
	else
		ns = fd_marks_split(&p->init, off,
				    fsize - off < size ? fsize - off : size, sp,
				    FD_READ_SPANS);
	pthread_mutex_unlock(&c->pend_lock);
	for (int i = 0; i < ns; i++) {
		uint64_t o = sp[i].off, len = sp[i].len;
		int k;

		if (sp[i].data) {
			k = data_iov(c, &p->map, o, len, iov + n,
				     FD_MAX_IOV - n);
			if (k < 0)
				return k;
			n += k;
			continue;
		}
		for (; len; n++) {
			if (n == FD_MAX_IOV)
				return -EIO;
			iov[n].iov_base = zero_buf;
			iov[n].iov_len =
				len < sizeof(zero_buf) ? len : sizeof(zero_buf);
			len -= iov[n].iov_len;
		}
	}
	return ns < 0 ? -EIO : n;
}

void fd_data_read(fuse_req_t req, struct fd_ctx *c, struct fd_handle *h,
		  size_t size, off_t off)
{
	struct iovec iov[FD_MAX_IOV];
	const struct famfs_fmap *m;
	uint64_t fsize;
	int n;

	fd_count_read(c);
	if (h->fmap) {
		/* Logged file: immutable map, no lock (the hot path). */
		n = fd_file_iov(c, h->fmap, h->fsize, size, (uint64_t)off, iov);
	} else if (h->kind == FD_H_TEXT) {
		size_t o =
			(size_t)off < h->text_len ? (size_t)off : h->text_len;

		fuse_reply_buf(req, h->text + o,
			       size < h->text_len - o ? size : h->text_len - o);
		return;
	} else if (h->kind == FD_H_PENDING) {
		/* A pending file: its map grows under ns_lock. */
		pthread_rwlock_rdlock(&c->ns_lock);
		n = pend_iov(c, h->pend, size, (uint64_t)off, iov);
		pthread_rwlock_unlock(&c->ns_lock);
	} else {
		pthread_rwlock_rdlock(&c->ns_lock);
		n = file_map(c, h, &m, &fsize);
		if (!n)
			n = fd_file_iov(c, m, fsize, size, (uint64_t)off, iov);
		pthread_rwlock_unlock(&c->ns_lock);
	}
	if (n < 0) {
		fuse_reply_err(req, n == -ENOENT ? ENOENT : EIO);
		return;
	}
	fuse_reply_iov(req, iov, n);
}

int fd_pend_reserve(struct fd_ctx *c, struct fd_pending *p, uint64_t size)
{
	uint64_t cap, target;
	int rc = 0;

	pthread_rwlock_rdlock(&c->ns_lock);
	cap = famfs_fmap_capacity(&p->map);
	pthread_rwlock_unlock(&c->ns_lock);
	if (size <= cap)
		return 0;
	pthread_rwlock_wrlock(&c->ns_lock);
	cap = famfs_fmap_capacity(&p->map);
	if (size > cap) {
		/* Grow ahead (doubling, at most 1 GiB) to stay contiguous;
		 * the excess is trimmed when the file is logged. */
		uint64_t step = cap < FD_GROW_STEP_MAX ? cap : FD_GROW_STEP_MAX;

		target = cap + step > size ? cap + step : size;
		rc = famfs_ns_alloc_grow(c->ns, &p->map, target);
		if (rc && target > size)
			rc = famfs_ns_alloc_grow(c->ns, &p->map, size);
	}
	pthread_rwlock_unlock(&c->ns_lock);
	return rc;
}

/*
 * The space a new file reserves may hold a deleted file's bytes, so what
 * the file never wrote must read as zeros. Each unit has a mark (marks.h):
 * below it the file wrote, or we zeroed. READ serves zeros past it; sizing
 * the file zeroes nothing; a write zeroes only the gap between the mark
 * and its start in its first unit, then raises the marks past its end.
 *
 * Parallel writes (FUSE_PARALLEL_DIRECT_WRITES) claim their range here
 * under pend_lock, zeroing the gap in the same critical section, and copy
 * outside it. A mark only covers claimed or zeroed bytes and nothing above
 * it is claimed, so a zeroing (always above the mark, under the lock)
 * never lands on bytes another write has claimed, whether its copy is
 * done yet or not. Only a truncate below an in-flight write's range lets a
 * later gap cover it again, as any truncate racing a write may cut it.
 *
 * Zero [@off, @off + @len) of @p and mark it initialized. ns_lock (read)
 * and pend_lock held, the space reserved. 0, -EIO or -ENOMEM.
 */
static int zero_claim(struct fd_ctx *c, struct fd_pending *p, uint64_t off,
		      uint64_t len)
{
	int rc = len ? fd_file_zero(c, &p->map, len, off) : 0;

	return rc ? rc : fd_marks_raise(&p->init, off, off + len);
}

/* A write of [off, end) to @p: zero its gap, claim the range. Locks as
 * zero_claim. */
static int pend_claim(struct fd_ctx *c, struct fd_pending *p, uint64_t off,
		      uint64_t end)
{
	uint64_t g, len;
	int rc;

	if (end <= off)
		return 0; /* an empty write claims nothing */
	len = fd_marks_gap(&p->init, off, &g);
	rc = zero_claim(c, p, g, len);
	return rc ? rc : fd_marks_raise(&p->init, off, end);
}

void fd_pend_resize(struct fd_ctx *c, struct fd_pending *p, uint64_t size,
		    bool grow_only)
{
	pthread_mutex_lock(&c->pend_lock);
	if (!grow_only || size > p->size) {
		/* Bytes past a smaller size are old again. */
		fd_marks_clamp(&p->init, size);
		p->size = size;
		fd_pend_touch(c, p);
	}
	pthread_mutex_unlock(&c->pend_lock);
}

uint64_t fd_pend_top(const struct fd_pending *p)
{
	uint64_t top = fd_marks_top(&p->init);

	return top < p->size ? top : p->size;
}

unsigned fd_pend_hole_slots(const struct fd_pending *p)
{
	return FAMFS_MAX_SIMPLE_EXTENTS - p->map.count;
}

/*
 * The next piece (inside one unit) to zero before the device may be read
 * without us: with @all, every uninitialized byte below the size, from
 * @from on; else a piece of the smallest hole below the top while there
 * are more than a journal record can carry. Its length, 0 when done.
 * pend_lock held.
 */
static uint64_t next_chunk(const struct fd_pending *p, bool all, uint64_t from,
			   uint64_t *off)
{
	struct fd_span small;

	if (p->state != FD_PEND_OPEN || p->is_dir)
		return 0;
	if (all)
		return fd_marks_next_gap(&p->init, from, p->size, off);
	if (fd_marks_holes(&p->init, fd_pend_top(p), NULL, 0, &small) <=
	    (int)fd_pend_hole_slots(p))
		return 0;
	return fd_marks_next_gap(&p->init, small.off, small.off + small.len,
				 off);
}

int fd_pend_fill_locked(struct fd_ctx *c, struct fd_pending *p, bool all)
{
	uint64_t g = 0, len;
	int rc = 0;

	while (!rc && (len = next_chunk(p, all, g, &g)))
		rc = zero_claim(c, p, g, len);
	return rc;
}

int fd_pend_fill(struct fd_ctx *c, struct fd_pending *p, bool all)
{
	uint64_t g = 0, len;
	int rc = 0;

	do {
		/* One unit per turn: a create or another file's write waits
		 * at most that long. */
		pthread_rwlock_rdlock(&c->ns_lock);
		pthread_mutex_lock(&c->pend_lock);
		len = next_chunk(p, all, g, &g);
		rc = zero_claim(c, p, g, len);
		pthread_mutex_unlock(&c->pend_lock);
		pthread_rwlock_unlock(&c->ns_lock);
	} while (!rc && len);
	return rc;
}

int fd_file_zero(struct fd_ctx *c, const struct famfs_fmap *m, size_t size,
		 uint64_t off)
{
	struct iovec iov[FD_MAX_IOV];
	int n = map_iov(c, m, off, size, iov, FD_MAX_IOV);

	if (n < 0)
		return n;
	for (int i = 0; i < n; i++) {
		memset(iov[i].iov_base, 0, iov[i].iov_len);
		famfs_dev_flush(c->dev, iov[i].iov_base, iov[i].iov_len);
	}
	return 0;
}

int fd_file_copy_in(struct fd_ctx *c, const struct famfs_fmap *m,
		    const char *buf, size_t size, uint64_t off)
{
	struct iovec iov[FD_MAX_IOV];
	int n = map_iov(c, m, off, size, iov, FD_MAX_IOV);

	if (n < 0)
		return n;
	for (int i = 0; i < n; i++) {
		memcpy(iov[i].iov_base, buf, iov[i].iov_len);
		famfs_dev_flush(c->dev, iov[i].iov_base, iov[i].iov_len);
		buf += iov[i].iov_len;
	}
	return 0;
}

void fd_data_write(fuse_req_t req, struct fd_ctx *c, struct fd_handle *h,
		   const char *buf, size_t size, off_t off)
{
	const struct famfs_fmap *m;
	uint64_t fsize, end;
	int rc;

	fd_count_write(c);
	if (h->kind == FD_H_TEXT || !h->writable) {
		fuse_reply_err(req, EBADF);
		return;
	}
	if (off < 0 || __builtin_add_overflow((uint64_t)off, size, &end)) {
		fuse_reply_err(req, EINVAL);
		return;
	}
	if (h->kind == FD_H_PENDING && h->pend->state != FD_PEND_LOGGED) {
		rc = fd_pend_reserve(c, h->pend, end);
		if (rc) {
			fd_refuse(req, -rc, "write", h->ino, NULL,
				  rc == -EFBIG ? "would need more than 16 "
						 "extents" :
						 "no device space left");
			return;
		}
		pthread_rwlock_rdlock(&c->ns_lock);
		pthread_mutex_lock(&c->pend_lock);
		rc = pend_claim(c, h->pend, (uint64_t)off, end);
		pthread_mutex_unlock(&c->pend_lock);
		if (!rc)
			rc = fd_file_copy_in(c, &h->pend->map, buf, size,
					     (uint64_t)off);
		pthread_mutex_lock(&c->pend_lock);
		if (!rc && end > h->pend->size)
			h->pend->size = end;
		fd_pend_touch(c, h->pend);
		pthread_mutex_unlock(&c->pend_lock);
		pthread_rwlock_unlock(&c->ns_lock);
	} else {
		/* Logged files (the hot path) carry their map: no lock. */
		bool locked = !h->fmap;

		if (locked) {
			pthread_rwlock_rdlock(&c->ns_lock);
			rc = file_map(c, h, &m, &fsize);
		} else {
			m = h->fmap;
			fsize = h->fsize;
			rc = 0;
		}
		if (!rc && (uint64_t)off >= fsize && size) {
			if (locked)
				pthread_rwlock_unlock(&c->ns_lock);
			fd_refuse(req, EFBIG, "write", h->ino, NULL,
				  "past the end of a logged file (famfs files "
				  "never grow)");
			return;
		}
		/* A write that crosses EOF is cut there (short write). */
		if (!rc && end > fsize)
			size = (size_t)(fsize - (uint64_t)off);
		if (!rc)
			rc = fd_file_copy_in(c, m, buf, size, (uint64_t)off);
		if (locked)
			pthread_rwlock_unlock(&c->ns_lock);
	}
	if (rc)
		fuse_reply_err(req, rc == -ENOENT ? ENOENT : EIO);
	else
		fuse_reply_write(req, size);
}
