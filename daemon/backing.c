// SPDX-License-Identifier: Apache-2.0
/*
 * The kernel channel shared by the ABIs: ioctls (through ioctl(2) on the
 * session fd, or the test emulator's seam, a SOCK_SEQPACKET fd carrying
 * the device fd), notifications (write(2) on the session fd, whatever
 * transport carries requests), the devices to register, and the pieces of
 * an OPEN reply every ABI builds the same way.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "wire_internal.h"

/* The emulator seam: one message out (with @passfd attached), one answer. */
static int seam_ioctl(struct wire *w, uint32_t cmd, void *arg, size_t arglen,
		      int passfd)
{
	struct wire_ioctl_msg m = { .magic = WIRE_IOCTL_MAGIC, .cmd = cmd };
	struct wire_ioctl_ans a;
	char cbuf[CMSG_SPACE(sizeof(int))];
	struct iovec v = { .iov_base = &m, .iov_len = sizeof(m) };
	struct msghdr h = { .msg_iov = &v, .msg_iovlen = 1 };
	ssize_t n;

	memcpy(m.arg, arg, arglen);
	if (passfd >= 0) {
		struct cmsghdr *c;

		memset(cbuf, 0, sizeof(cbuf));
		h.msg_control = cbuf;
		h.msg_controllen = sizeof(cbuf);
		c = CMSG_FIRSTHDR(&h);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(c), &passfd, sizeof(int));
	}
	if (sendmsg(w->o.ioctl_fd, &h, MSG_NOSIGNAL) != (ssize_t)sizeof(m))
		return -EIO;
	n = recv(w->o.ioctl_fd, &a, sizeof(a), 0);
	if (n != (ssize_t)sizeof(a))
		return -EIO;
	memcpy(arg, a.arg, arglen);
	return a.result;
}

int wire_ioctl(struct wire *w, uint32_t cmd, void *arg, int passfd)
{
	size_t arglen =
		cmd == FUSE_DAX_IOC_BACKING_CLOSE ? sizeof(uint32_t) : 16;
	int r;

	if (w->o.ioctl_fd >= 0)
		return seam_ioctl(w, cmd, arg, arglen, passfd);
	if (!w->se)
		return -ENOTCONN;
	r = ioctl(fuse_session_fd(w->se), cmd, arg);
	return r < 0 ? -errno : r;
}

int wire_notify(struct wire *w, const void *msg, size_t len)
{
	ssize_t n;

	if (!w->se)
		return -ENOTCONN;
	/* The kernel processes a notification inside write(2). */
	n = write(fuse_session_fd(w->se), msg, len);
	if (n < 0)
		return -errno;
	return n == (ssize_t)len ? 0 : -EIO;
}

static int nopath(struct wire *w, unsigned dev)
{
	if (dev < FAMFS_MAX_DAXDEVS &&
	    atomic_fetch_or(&w->nopath_logged, 1u << dev) & (1u << dev))
		return -ENXIO;
	wire_log(w, LOG_ERR,
		 "device %u: no path configured (famfs.conf key daxdev%u): "
		 "its files cannot be opened",
		 dev, dev);
	return -ENXIO;
}

int wire_map_devices_known(struct wire *w, const struct famfs_fmap *m)
{
	for (unsigned i = 0; i < m->count; i++) {
		uint64_t d = m->ext[i].devindex;

		if (d && (d >= FAMFS_MAX_DAXDEVS || !w->o.devpath[d]))
			return nopath(w, (unsigned)d);
	}
	return 0;
}

/* Open device @d's path for registration (device 0 is already open). */
static int open_dev(struct wire *w, unsigned d)
{
	const char *path = w->o.devpath[d];
	struct stat st;
	int fd = open(path, (w->o.rdonly ? O_RDONLY : O_RDWR) | O_CLOEXEC);

	if (fd < 0) {
		int e = errno;

		wire_log(w, LOG_ERR, "device %u: %s: %s", d, path, strerror(e));
		return -e;
	}
	/* The emulator decides for itself; a real kernel wants devdax. */
	if (w->o.ioctl_fd < 0 && (fstat(fd, &st) || !S_ISCHR(st.st_mode))) {
		wire_log(w, LOG_ERR,
			 "device %u: %s: not a dax character device", d, path);
		close(fd);
		return -ENODEV;
	}
	return fd;
}

int wire_devices_register(struct wire *w,
			  int (*reg)(struct wire *w, unsigned d, int fd))
{
	int r0 = 0;

	pthread_mutex_lock(&w->dev_lock);
	for (unsigned d = 0; d < FAMFS_MAX_DAXDEVS; d++) {
		int fd, r;

		if (d && !w->o.devpath[d])
			continue;
		fd = d ? open_dev(w, d) : w->o.dev0_fd;
		r = fd < 0 ? fd : reg(w, d, fd);
		if (d && fd >= 0)
			close(fd); /* the kernel holds its own reference */
		w->dev[d].state = r ? r : 1;
		if (!r)
			atomic_fetch_add(w->o.backing_registrations, 1);
		else if (d)
			wire_log(w, LOG_ERR,
				 "device %u: registration: %s: its files "
				 "cannot be opened",
				 d, strerror(-r));
		if (!d && r) {
			r0 = r;
			break;
		}
	}
	pthread_mutex_unlock(&w->dev_lock);
	return r0;
}

int wire_devices_ready(struct wire *w, const struct wire_map *m)
{
	int r = 0;

	pthread_mutex_lock(&w->dev_lock);
	for (unsigned i = 0; i < m->n && !r; i++) {
		unsigned d = m->ext[i].dev;

		if (d && !w->o.devpath[d])
			r = -ENXIO;
		else if (w->dev[d].state != 1)
			r = w->dev[d].state ? w->dev[d].state : -ENXIO;
	}
	pthread_mutex_unlock(&w->dev_lock);
	if (r == -ENXIO)
		for (unsigned i = 0; i < m->n; i++)
			if (m->ext[i].dev && !w->o.devpath[m->ext[i].dev])
				return nopath(w, m->ext[i].dev);
	return r;
}

void wire_devices_close(struct wire *w, void (*fn)(struct wire *w, unsigned d))
{
	pthread_mutex_lock(&w->dev_lock);
	for (unsigned d = 0; d < FAMFS_MAX_DAXDEVS; d++) {
		if (w->dev[d].state != 1)
			continue;
		fn(w, d);
		w->dev[d].state = -ESHUTDOWN; /* never again after unmount */
	}
	pthread_mutex_unlock(&w->dev_lock);
}

int wire_send_reply(fuse_req_t req, const void *buf, size_t len)
{
	int r = fuse_reply_buf(req, buf, len);

	return r == -ENOENT ? -ENOENT : 0;
}

int wire_file_map(struct wire *w, const struct wire_file *f, struct wire_map *m)
{
	int r = wire_map_build(f->fmap, f->size, m);

	if (r)
		wire_log(w, LOG_ERR,
			 "nodeid %llu: a map no kernel ABI can express: EIO",
			 (unsigned long long)f->nodeid);
	return r ? -EIO : 0;
}

static void fill_timeout(double t, uint64_t *sec, uint32_t *nsec)
{
	if (t < 0)
		t = 0;
	*sec = (uint64_t)t;
	*nsec = (uint32_t)((t - (double)*sec) * 1e9);
}

void wire_fill_entry(struct fuse_dax_entry_out *o,
		     const struct fuse_entry_param *e)
{
	const struct stat *st = &e->attr;

	memset(o, 0, sizeof(*o));
	o->nodeid = e->ino;
	o->generation = e->generation;
	fill_timeout(e->entry_timeout, &o->entry_valid, &o->entry_valid_nsec);
	fill_timeout(e->attr_timeout, &o->attr_valid, &o->attr_valid_nsec);
	o->attr.ino = st->st_ino;
	o->attr.size = (uint64_t)st->st_size;
	o->attr.blocks = (uint64_t)st->st_blocks;
	o->attr.atime = (uint64_t)st->st_atim.tv_sec;
	o->attr.mtime = (uint64_t)st->st_mtim.tv_sec;
	o->attr.ctime = (uint64_t)st->st_ctim.tv_sec;
	o->attr.atimensec = (uint32_t)st->st_atim.tv_nsec;
	o->attr.mtimensec = (uint32_t)st->st_mtim.tv_nsec;
	o->attr.ctimensec = (uint32_t)st->st_ctim.tv_nsec;
	o->attr.mode = st->st_mode;
	o->attr.nlink = (uint32_t)st->st_nlink;
	o->attr.uid = st->st_uid;
	o->attr.gid = st->st_gid;
	o->attr.rdev = (uint32_t)st->st_rdev;
	o->attr.blksize = (uint32_t)st->st_blksize;
}
