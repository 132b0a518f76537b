/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What the raw-protocol test servers (evilfs: famfs's OPEN-reply form,
 * evil47: the 7.47 extent-map ABI) share: replies, the mount on
 * /dev/famfuse, the device's size. Header-only: each server is one static
 * binary built from its .c file.
 */
#ifndef EVILSRV_H
#define EVILSRV_H

#include <errno.h>
#include <fcntl.h>
#include <linux/fuse.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#define MIB (1024ULL * 1024ULL)

/* One reply (or, with @unique 0 and @err the code, a notification):
 * 0 or -errno of the write(2), the kernel's verdict on it. */
static inline int reply(int fd, unsigned long long unique, int err,
			const void *a, size_t alen, const void *b, size_t blen)
{
	struct fuse_out_header oh = { sizeof(oh) + alen + blen, err, unique };
	struct iovec iov[3] = { { &oh, sizeof(oh) },
				{ (void *)a, alen },
				{ (void *)b, blen } };

	if (writev(fd, iov, 3) < 0)
		return -errno;
	return 0;
}

/*
 * Check @dax is a devdax device, read its size, open /dev/famfuse and
 * mount @type on @mnt. Returns the fuse fd, or -1 after a message.
 */
static inline int evil_mount(const char *dax, const char *mnt, const char *type,
			     unsigned long long *dev_size)
{
	char sys[128], opts[128];
	struct stat st;
	FILE *sf;
	int ffd;

	snprintf(sys, sizeof(sys), "/sys/bus/dax/devices/%s/size",
		 strrchr(dax, '/') ? strrchr(dax, '/') + 1 : dax);
	sf = fopen(sys, "r");
	if (!sf || fscanf(sf, "%llu", dev_size) != 1) {
		fprintf(stderr, "%s: cannot read %s\n", type, sys);
		return -1;
	}
	fclose(sf);
	if (stat(dax, &st) < 0 || !S_ISCHR(st.st_mode)) {
		fprintf(stderr, "%s: %s is not a character device\n", type,
			dax);
		return -1;
	}
	ffd = open("/dev/famfuse", O_RDWR);
	if (ffd < 0) {
		perror("/dev/famfuse");
		return -1;
	}
	snprintf(opts, sizeof(opts),
		 "fd=%d,rootmode=40000,user_id=0,group_id=0", ffd);
	if (mount(type, mnt, type, MS_NOSUID | MS_NODEV, opts) < 0) {
		perror("mount");
		close(ffd);
		return -1;
	}
	return ffd;
}

/* What a server answers itself; the loop does the rest. */
struct evil_srv {
	unsigned int nfiles; /* nodeid 2 + i is file i */
	const char *(*name)(unsigned int i);
	void (*attr)(struct fuse_attr *a, unsigned long long node);
	void (*init)(int ffd, struct fuse_in_header *ih, void *arg);
	void (*open)(int ffd, struct fuse_in_header *ih);
	void (*read)(int ffd, struct fuse_in_header *ih,
		     struct fuse_read_in *in);
	bool opendir24; /* OPENDIR answered with 7.47's 24-byte open_out */
	unsigned long long wr_upcalls; /* WRITE requests seen */
};

/* Serve requests until the mount goes away (or DESTROY). */
static inline void evil_serve(int ffd, struct evil_srv *s)
{
	static char buf[256 * 1024 + 4096];

	for (;;) {
		struct fuse_in_header *ih = (void *)buf;
		void *arg = buf + sizeof(*ih);
		ssize_t n = read(ffd, buf, sizeof(buf));
		struct fuse_entry_out eo;
		struct fuse_attr_out ao;
		unsigned char oo[24] = { 0 };
		unsigned int i;

		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n < 0)
			return; /* ENODEV: unmounted */
		if ((size_t)n < sizeof(*ih))
			continue;
		switch (ih->opcode) {
		case FUSE_INIT:
			s->init(ffd, ih, arg);
			break;
		case FUSE_LOOKUP:
			for (i = 0; i < s->nfiles; i++)
				if (!strcmp(s->name(i), arg))
					break;
			if (ih->nodeid != FUSE_ROOT_ID || i == s->nfiles) {
				reply(ffd, ih->unique, -ENOENT, NULL, 0, NULL,
				      0);
				break;
			}
			memset(&eo, 0, sizeof(eo));
			eo.nodeid = i + 2;
			eo.entry_valid = 3600;
			eo.attr_valid = 3600;
			s->attr(&eo.attr, eo.nodeid);
			reply(ffd, ih->unique, 0, &eo, sizeof(eo), NULL, 0);
			break;
		case FUSE_GETATTR:
			memset(&ao, 0, sizeof(ao));
			ao.attr_valid = 3600;
			s->attr(&ao.attr, ih->nodeid);
			reply(ffd, ih->unique, 0, &ao, sizeof(ao), NULL, 0);
			break;
		case FUSE_OPEN:
			s->open(ffd, ih);
			break;
		case FUSE_OPENDIR:
			if (s->opendir24)
				reply(ffd, ih->unique, 0, oo, sizeof(oo), NULL,
				      0);
			else
				reply(ffd, ih->unique, -ENOSYS, NULL, 0, NULL,
				      0);
			break;
		case FUSE_READ:
			s->read(ffd, ih, arg);
			break;
		case FUSE_WRITE: {
			struct fuse_write_out wo = {
				((struct fuse_write_in *)arg)->size, 0
			};
			s->wr_upcalls++;
			reply(ffd, ih->unique, 0, &wo, sizeof(wo), NULL, 0);
			break;
		}
		case FUSE_RELEASE:
		case FUSE_FLUSH:
		case FUSE_RELEASEDIR:
			reply(ffd, ih->unique, 0, NULL, 0, NULL, 0);
			break;
		case FUSE_FORGET:
		case FUSE_BATCH_FORGET:
		case FUSE_INTERRUPT:
			break;
		case FUSE_DESTROY:
			reply(ffd, ih->unique, 0, NULL, 0, NULL, 0);
			return;
		default:
			reply(ffd, ih->unique, -ENOSYS, NULL, 0, NULL, 0);
		}
	}
}

/* main(): "NAME DAXDEV MOUNTPOINT", mount, serve until unmounted. 0, or
 * 2 after a message (usage, setup). */
static inline int evil_run(int argc, char **argv, const char *type,
			   struct evil_srv *s, unsigned long long *dev_size)
{
	int ffd;

	if (argc != 3) {
		fprintf(stderr, "usage: %s DAXDEV MOUNTPOINT\n", argv[0]);
		return 2;
	}
	ffd = evil_mount(argv[1], argv[2], type, dev_size);
	if (ffd < 0)
		return 2;
	evil_serve(ffd, s);
	return 0;
}

#endif /* EVILSRV_H */
