// SPDX-License-Identifier: Apache-2.0
/*
 * evil47 - a raw-protocol FUSE server for famfuse's 7.47 extent-map ABI.
 *
 *   evil47 DAXDEV MOUNTPOINT
 *
 * Mounts "famfuse.evil47" through /dev/famfuse, answers INIT with minor 47
 * and FUSE_PASSTHROUGH, registers the device with FUSE_DEV_IOC_BACKING_OPEN
 * (IS_DEV | ID_64) after a set of bad registrations, pushes good maps and
 * hostile FUSE_NOTIFY_MAP / FUSE_NOTIFY_BACKING_CLOSE messages (each
 * result printed as "REG|NOTE name -> errno OK|FAIL" against the dev
 * tree's documented errno), then serves files whose OPEN replies name
 * good, closed, missing and wrong-typed ids. "stats" (daemon path) counts
 * the READ/WRITE requests the server saw for the other files.
 * Exit: 0 after unmount when every expectation held, 1 otherwise, 2 setup.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/ioctl.h>

#include "evilsrv.h"
#include "famfs/fuse_dax.h"

#define BUFSZ (256 * 1024 + 4096)
#define DEV0 FAMFSD47_DEV_ID(0)

enum { M_GOOD = 0x100, M_STRIPED, M_HOLE, M_CLOSED, M_CLOSEOPEN };

/* one served file: the id its OPEN reply names, how */
struct efile {
	const char *name;
	unsigned long long size;
	uint64_t id; /* 0: daemon path (DIRECT_IO) */
	bool nodax; /* attributes without FUSE_ATTR_DAX */
	unsigned int extra_flags; /* more open_flags */
	bool short_reply; /* a 16-byte fuse_open_out */
};

static struct efile files[] = {
	{ "good", 8 * MIB, M_GOOD },
	{ "striped", 8 * MIB, M_STRIPED },
	{ "hole", 6 * MIB, M_HOLE },
	{ "closeopen", 2 * MIB, M_CLOSEOPEN },
	{ "plain", 4 * MIB, 0 },
	{ "closenow", 4096, 0 }, /* its OPEN closes closeopen's map */
	{ "stats", 4096, 0 },
	/* hostile opens: each must fail with EIO */
	{ "bad_closed", 2 * MIB, M_CLOSED },
	{ "bad_missing", 2 * MIB, 0x999 },
	{ "bad_devid", 2 * MIB, DEV0 },
	{ "bad_nodax", 8 * MIB, M_GOOD, true },
	{ "bad_keepcache", 8 * MIB, M_GOOD, false, FOPEN_DAX_KEEP_CACHE },
	{ "bad_short", 8 * MIB, M_GOOD, false, 0, true },
};
#define NFILES (sizeof(files) / sizeof(files[0]))
#define NODE(i) ((unsigned long long)(i) + 2)

static unsigned long long dev_size, rd_upcalls;
static int bad;
static const char *dax_path;
static struct evil_srv srv;

static void verdict(const char *kind, const char *name, int got, int want)
{
	printf("%s %-16s -> %s %s\n", kind, name, got ? strerror(-got) : "0",
	       got == want ? "OK" : "FAIL");
	fflush(stdout); /* the scenario reads the file while we run */
	bad += got != want;
}

static void reg(int ffd, const char *name, const char *path, int oflags,
		uint32_t flags, uint64_t id, int want)
{
	struct fuse47_backing_map m = { -1, flags, id };
	int got;

	m.fd = path ? open(path, oflags) : 12345;
	if (path && m.fd < 0) {
		fprintf(stderr, "evil47: open %s: %s\n", path, strerror(errno));
		bad++;
		return;
	}
	got = ioctl(ffd, FUSE_DAX_IOC_BACKING_OPEN, &m) < 0 ? -errno : 0;
	verdict("REG", name, got, want);
	if (path)
		close(m.fd);
}

/* A NOTIFY_MAP of @n extents (@e), @flags, reserved @res; @size_fix
 * bytes more or less on the wire. */
static void map(int ffd, const char *name, uint64_t id, uint32_t flags,
		const struct fuse47_extent *e, uint32_t n, uint64_t res,
		int size_fix, int want)
{
	static unsigned char buf[64 * 1024];
	struct fuse47_notify_map_out mo = { id, n, flags, { res, 0 } };
	size_t len = sizeof(mo) + (size_t)n * sizeof(*e);

	if (n > 16) /* only the header's count matters for these */
		len = sizeof(mo);
	memcpy(buf, &mo, sizeof(mo));
	if (len > sizeof(mo))
		memcpy(buf + sizeof(mo), e, len - sizeof(mo));
	verdict("NOTE", name,
		reply(ffd, 0, FUSE47_NOTIFY_MAP, buf, len + size_fix, NULL, 0),
		want);
}

static void close_id(int ffd, const char *name, uint64_t id, uint64_t res,
		     size_t size, int want)
{
	struct fuse47_notify_backing_close_out c = { id, res };

	verdict("NOTE", name,
		reply(ffd, 0, FUSE47_NOTIFY_BACKING_CLOSE, &c, size, NULL, 0),
		want);
}

#define X(o, l, a)                                 \
	{                                          \
		(o) * MIB, (l)*MIB, DEV0, (a)*MIB, \
		{                                  \
			0, 0                       \
		}                                  \
	}

/* Registrations and maps, right after the INIT reply. */
static void setup(int ffd, const char *dax)
{
	const uint32_t dev = FUSE47_BACKING_IS_DEV | FUSE47_BACKING_ID_64;
	const uint32_t cr = FUSE47_MAP_BACKING_CREATE;
	const uint32_t cyc = cr | FUSE47_MAP_CYCLIC;
	/* two extents in reverse device order: proves the translation */
	struct fuse47_extent good[2] = { X(0, 4, 64), X(4, 4, 32) };
	/* chunk c in strip c % 2, row c / 2 */
	struct fuse47_extent strip[2] = { X(0, 2, 200), X(2, 2, 160) };
	struct fuse47_extent hole[2] = { X(0, 2, 110), X(4, 2, 112) };
	struct fuse47_extent one[1] = { X(0, 2, 114) };
	struct fuse47_extent e[2];

	reg(ffd, "unknown-flag", dax, O_RDWR, dev | 2, DEV0, -EINVAL);
	reg(ffd, "id-without-64", dax, O_RDWR, FUSE47_BACKING_IS_DEV, 5,
	    -EINVAL);
	reg(ffd, "not-dax-chr", "/dev/zero", O_RDWR, dev, DEV0, -EINVAL);
	reg(ffd, "regular-as-dev", "/init", O_RDONLY, dev, DEV0, -EINVAL);
	reg(ffd, "bad-fd", NULL, 0, dev, DEV0, -EBADF);
	reg(ffd, "dax", dax, O_RDWR, dev, DEV0, 0);
	/* fs_dax_get: one holder per device */
	reg(ffd, "dax-again", dax, O_RDWR, dev, DEV0 + 1, -EBUSY);

	map(ffd, "good", M_GOOD, cr, good, 2, 0, 0, 0);
	map(ffd, "striped", M_STRIPED, cyc, strip, 2, 0, 0, 0);
	map(ffd, "hole", M_HOLE, cr, hole, 2, 0, 0, 0);
	map(ffd, "closed", M_CLOSED, cr, one, 1, 0, 0, 0);
	map(ffd, "closeopen", M_CLOSEOPEN, cr, one, 1, 0, 0, 0);
	/* the message rules: EINVAL */
	map(ffd, "hdr-short", 0x200, cr, NULL, 0, 0, -16, -EINVAL);
	map(ffd, "too-many", 0x201, cr, NULL, FUSE47_MAX_EXTENTS + 1, 0, 0,
	    -EINVAL);
	map(ffd, "size-mismatch", 0x202, cr, one, 1, 0, 8, -EINVAL);
	map(ffd, "reserved", 0x203, cr, one, 1, 1, 0, -EINVAL);
	map(ffd, "unknown-flag", 0x204, cr | 4, one, 1, 0, 0, -EINVAL);
	map(ffd, "no-create", 0x205, 0, one, 1, 0, 0, -EINVAL);
	map(ffd, "cyclic-empty", 0x206, cyc, NULL, 0, 0, 0, -EINVAL);
	e[0] = (struct fuse47_extent)X(0, 2, 120);
	e[1] = (struct fuse47_extent)X(4, 2, 122); /* not at 1 * chunk */
	map(ffd, "cyclic-offset", 0x207, cyc, e, 2, 0, 0, -EINVAL);
	e[1] = (struct fuse47_extent)X(2, 4, 122); /* not chunk long */
	map(ffd, "cyclic-length", 0x208, cyc, e, 2, 0, 0, -EINVAL);
	/* the extent rules: EIO */
	e[0] = (struct fuse47_extent)X(0, 2, 120);
	e[0].reserved[1] = 1;
	map(ffd, "ext-reserved", 0x209, cr, e, 1, 0, 0, -EIO);
	e[0] = (struct fuse47_extent)X(0, 2, 120);
	e[0].addr += 512;
	map(ffd, "unaligned-addr", 0x20a, cr, e, 1, 0, 0, -EIO);
	e[0] = (struct fuse47_extent)X(0, 2, 120);
	e[0].length += 512;
	map(ffd, "unaligned-len", 0x20b, cr, e, 1, 0, 0, -EIO);
	e[0] = (struct fuse47_extent)X(0, 4, 120);
	e[1] = (struct fuse47_extent)X(2, 2, 126);
	map(ffd, "overlap", 0x20c, cr, e, 2, 0, 0, -EIO);
	e[0] = (struct fuse47_extent)X(0, 2, 120);
	e[0].backing_id = 0x12345;
	map(ffd, "no-target", 0x20d, cr, e, 1, 0, 0, -EIO);
	e[0].backing_id = M_GOOD; /* a map, not a device */
	map(ffd, "target-is-map", 0x20e, cr, e, 1, 0, 0, -EIO);
	/* ids are unique across devices and maps */
	map(ffd, "dup-of-device", DEV0, cr, one, 1, 0, 0, -EEXIST);
	map(ffd, "dup-of-map", M_GOOD, cr, one, 1, 0, 0, -EEXIST);
	/* FUSE_NOTIFY_BACKING_CLOSE */
	close_id(ffd, "close-short", M_CLOSED, 0, 8, -EINVAL);
	close_id(ffd, "close-reserved", M_CLOSED, 1, 16, -EINVAL);
	close_id(ffd, "close-unknown", 0x777, 0, 16, -ENOENT);
	close_id(ffd, "close", M_CLOSED, 0, 16, 0);
	close_id(ffd, "close-again", M_CLOSED, 0, 16, -ENOENT);
	fflush(stdout);
}

static void fill_attr(struct fuse_attr *a, unsigned long long node)
{
	memset(a, 0, sizeof(*a));
	a->ino = node;
	a->nlink = 1;
	a->blksize = 4096;
	if (node == FUSE_ROOT_ID) {
		a->mode = S_IFDIR | 0755;
		a->nlink = 2;
		return;
	}
	a->mode = S_IFREG | 0644;
	a->size = files[node - 2].size;
	a->blocks = a->size / 512;
	if (files[node - 2].id && !files[node - 2].nodax)
		a->flags = FUSE47_ATTR_DAX;
}

static void do_open(int fd, struct fuse_in_header *ih)
{
	struct efile *f = &files[ih->nodeid - 2];
	unsigned long long unique = ih->unique;
	struct fuse47_open_out oo = { .fh = unique };
	int err;

	if (!f->id) {
		oo.open_flags = FOPEN_DAX_DIRECT_IO;
	} else {
		oo.open_flags = FOPEN_DAX_PASSTHROUGH | FUSE47_BACKING_ID_64 |
				f->extra_flags;
		oo.backing_id_64 = f->id;
	}
	err = reply(fd, unique, 0, &oo, f->short_reply ? 16 : sizeof(oo), NULL,
		    0);
	if (err)
		fprintf(stderr, "evil47: OPEN %s reply: %s\n", f->name,
			strerror(-err));
	/* the map goes while "closeopen" is open: the inode keeps it */
	if (!strcmp(f->name, "closenow"))
		close_id(fd, "close-while-open", M_CLOSEOPEN, 0, 16, 0);
}

static void do_read(int fd, struct fuse_in_header *ih, struct fuse_read_in *in)
{
	static char out[BUFSZ];
	struct efile *f = &files[ih->nodeid - 2];
	size_t n = in->size < sizeof(out) ? in->size : sizeof(out);

	if (f->id == 0 && strcmp(f->name, "plain")) {
		/* stats and closenow: the server's own, not counted */
		memset(out, 0, n);
		if (!strcmp(f->name, "stats")) {
			int l = snprintf(
				out, sizeof(out),
				"read_upcalls %llu\nwrite_upcalls %llu\n",
				rd_upcalls, srv.wr_upcalls);

			n = in->offset >= (unsigned long long)l ?
				    0 :
				    (size_t)l - in->offset;
			memmove(out, out + in->offset, n);
		}
	} else {
		rd_upcalls++;
		memset(out, 0, n);
	}
	reply(fd, ih->unique, 0, out, n, NULL, 0);
}

static void do_init(int ffd, struct fuse_in_header *ih, void *arg)
{
	struct fuse_init_in *in = arg;
	struct fuse_dax_init_out o = { 0 };

	printf("INIT kernel %u.%u passthrough=%d syncfs=%d\n", in->major,
	       in->minor, !!(in->flags2 & (FUSE_DAX_PASSTHROUGH >> 32)),
	       !!(in->flags2 & (FUSE47_HAS_SYNCFS >> 32)));
	if (in->minor < FUSE47_MINOR ||
	    !(in->flags2 & (FUSE_DAX_PASSTHROUGH >> 32)))
		bad++;
	o.major = 7;
	o.minor = FUSE47_MINOR;
	o.max_readahead = in->max_readahead;
	o.flags = FUSE_DAX_INIT_EXT;
	o.flags2 = FUSE_DAX_PASSTHROUGH >> 32;
	o.max_stack_depth = 1;
	o.max_background_congestion = 12 | (9 << 16);
	o.max_write = 128 * 1024;
	o.time_gran = 1;
	if (reply(ffd, ih->unique, 0, &o, sizeof(o), NULL, 0))
		bad++;
	else
		setup(ffd, dax_path);
}

static const char *name_of(unsigned int i)
{
	return files[i].name;
}

static struct evil_srv srv = {
	.nfiles = NFILES,
	.name = name_of,
	.attr = fill_attr,
	.init = do_init,
	.open = do_open,
	.read = do_read,
	.opendir24 = true,
};

int main(int argc, char **argv)
{
	dax_path = argv[1];
	if (evil_run(argc, argv, "famfuse.evil47", &srv, &dev_size))
		return 2;
	printf("evil47: exit status %d (read_upcalls %llu write_upcalls %llu)\n",
	       bad ? 1 : 0, rd_upcalls, srv.wr_upcalls);
	return bad ? 1 : 0;
}
