// SPDX-License-Identifier: Apache-2.0
/*
 * Dax device registrations: FUSE_DEV_IOC_BACKING_OPEN with FUSE_BACKING_DAX,
 * once per device index, through ioctl(2) on the session fd or through the
 * test emulator's seam (a SOCK_SEQPACKET fd carrying the device fd).
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
static int seam_ioctl(struct wire *w, uint32_t cmd, const void *arg,
		      size_t arglen, int passfd)
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
	return a.result;
}

int wire_ioctl(struct wire *w, uint32_t cmd, void *arg, int passfd)
{
	size_t arglen = cmd == FUSE_DAX_IOC_BACKING_OPEN ?
				sizeof(struct fuse_dax_backing_map) :
				sizeof(uint32_t);
	int r;

	if (w->o.ioctl_fd >= 0)
		return seam_ioctl(w, cmd, arg, arglen, passfd);
	if (!w->se)
		return -ENOTCONN;
	r = ioctl(fuse_session_fd(w->se), cmd, arg);
	return r < 0 ? -errno : r;
}

/* Open device @dev's path for registration; index 0 is already open. */
static int open_dev(struct wire *w, unsigned dev, bool *close_it)
{
	const char *path = w->o.devpath[dev];
	struct stat st;
	int fd;

	*close_it = false;
	if (dev == 0)
		return w->o.dev0_fd;
	if (!path)
		return wire_devices_known(w, dev);
	fd = open(path, (w->o.rdonly ? O_RDONLY : O_RDWR) | O_CLOEXEC);
	if (fd < 0) {
		int e = errno;

		wire_log(w, LOG_ERR, "device %u: %s: %s", dev, path,
			 strerror(e));
		return -e;
	}
	/* The emulator decides for itself; a real kernel wants devdax. */
	if (w->o.ioctl_fd < 0 && (fstat(fd, &st) || !S_ISCHR(st.st_mode))) {
		wire_log(w, LOG_ERR,
			 "device %u: %s: not a dax character device", dev,
			 path);
		close(fd);
		return -ENODEV;
	}
	*close_it = true;
	return fd;
}

int wire_devices_known(struct wire *w, unsigned dev)
{
	if (dev == 0 || (dev < FAMFS_MAX_DAXDEVS && w->o.devpath[dev]))
		return 0;
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
		int r = wire_devices_known(w, (unsigned)m->ext[i].devindex);

		if (r)
			return r;
	}
	return 0;
}

int wire_backing_get(struct wire *w, unsigned dev, int32_t *id)
{
	struct wire_backing *b;
	struct fuse_dax_backing_map map;
	bool close_it;
	int fd, r;

	if (dev >= FAMFS_MAX_DAXDEVS)
		return -ENXIO;
	b = &w->bk[dev];
	pthread_mutex_lock(&w->bk_lock);
	if (b->state) {
		r = b->state > 0 ? 0 : b->state;
		*id = b->id;
		pthread_mutex_unlock(&w->bk_lock);
		return r;
	}
	fd = open_dev(w, dev, &close_it);
	if (fd < 0) {
		r = fd;
		goto out;
	}
	memset(&map, 0, sizeof(map));
	map.fd = fd;
	map.flags = FUSE_BACKING_DAX;
	r = wire_ioctl(w, FUSE_DAX_IOC_BACKING_OPEN, &map, fd);
	/* The kernel keeps its own reference; ids start at 1. */
	if (close_it)
		close(fd);
	if (r > 0) {
		b->id = r;
		r = 0;
		atomic_fetch_add(w->o.backing_registrations, 1);
	} else {
		if (r == 0)
			r = -EPROTO;
		if (dev != 0)
			wire_log(w, LOG_ERR,
				 "device %u: BACKING_OPEN with "
				 "FUSE_BACKING_DAX: %s",
				 dev, strerror(-r));
	}
out:
	b->state = r == 0 ? 1 : r;
	*id = b->id;
	pthread_mutex_unlock(&w->bk_lock);
	return r;
}

void wire_close_backings(struct wire *w)
{
	pthread_mutex_lock(&w->bk_lock);
	for (unsigned i = 0; i < FAMFS_MAX_DAXDEVS; i++) {
		struct wire_backing *b = &w->bk[i];
		uint32_t id = (uint32_t)b->id;
		int r;

		if (b->state != 1)
			continue;
		r = wire_ioctl(w, FUSE_DAX_IOC_BACKING_CLOSE, &id, -1);
		if (r < 0)
			wire_log(w, LOG_DEBUG,
				 "BACKING_CLOSE %u (device %u): %s", id, i,
				 strerror(-r));
		b->state = -ESHUTDOWN; /* never again after unmount */
		b->id = 0;
	}
	pthread_mutex_unlock(&w->bk_lock);
}
