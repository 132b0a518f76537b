// SPDX-License-Identifier: Apache-2.0
/*
 * evilfs - a raw-protocol FUSE server for the famfuse dax passthrough tests.
 *
 *   evilfs DAXDEV MOUNTPOINT
 *
 * Opens /dev/famfuse, mounts "famfuse.evilfs" on MOUNTPOINT, negotiates
 * FUSE_PASSTHROUGH + FUSE_PASSTHROUGH_DAX, tries a set of registrations
 * (good and bad; the results are printed as "REG name: errno ... OK/FAIL")
 * and serves a flat directory whose files answer OPEN with good and with
 * deliberately broken extent lists (names "bad_*"). The file "stats" (served
 * through the daemon, direct I/O) reports how many READ/WRITE requests the
 * server saw for the other files. Exits when the mount goes away.
 * Exit: 0 after unmount when every registration behaved, 1 otherwise,
 * 2 setup errors.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/fuse.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include "famfs/fuse_dax.h"

#define MIB (1024ULL * 1024ULL)
#define BUFSZ (256 * 1024 + 4096)
#define MAX_EXT 4096

enum { REC_EXTENTS, REC_NONE, REC_HUGE, REC_CHANGE, REC_STRIPES };

/* one served file; ext[] is the record sent at OPEN */
struct efile {
	const char *name;
	unsigned long long size;
	int mode; /* REC_* */
	unsigned int open_flags; /* 0: FOPEN_PASSTHROUGH */
	int id_sel; /* 0 good id, 1 read-only id, 2 bogus id */
	unsigned int nr, rec_flags, type, size_fix;
	unsigned long long reserved;
	struct fuse_dax_extent ext[4]; /* stripes: dax_offset, length */
	unsigned long long chunk; /* stripes: chunk size (MiB) */
	int opens;
};

static int id_good, id_good2, id_ro;
static unsigned long long dev_size;
static unsigned long long rd_upcalls, wr_upcalls, opens;

#define E(f, d, l, ...)                             \
	{                                           \
		f *MIB, d *MIB, l *MIB, __VA_ARGS__ \
	}
static struct efile files[] = {
	/* two extents, in reverse device order: proves the translation */
	{ "good",
	  8 * MIB,
	  REC_EXTENTS,
	  0,
	  0,
	  2,
	  0,
	  0,
	  0,
	  0,
	  { E(0, 64, 4), E(4, 32, 4) } },
	{ "bench",
	  256 * MIB,
	  REC_EXTENTS,
	  0,
	  0,
	  1,
	  0,
	  0,
	  0,
	  0,
	  { E(0, 512, 256) } },
	{ "multi",
	  4 * MIB,
	  REC_EXTENTS,
	  0,
	  0,
	  2,
	  0,
	  0,
	  0,
	  0,
	  { E(0, 96, 2), { 2 * MIB, 98 * MIB, 2 * MIB, -2, 0 } } },
	{ "ro", 2 * MIB, REC_EXTENTS, 0, 1, 1, 0, 0, 0, 0, { E(0, 100, 2) } },
	{ "cached", 2 * MIB, REC_NONE, 0, 0, 1, 0, 0, 0, 0, { E(0, 102, 2) } },
	{ "changed",
	  2 * MIB,
	  REC_CHANGE,
	  0,
	  0,
	  1,
	  0,
	  0,
	  0,
	  0,
	  { E(0, 104, 2) } },
	/* striped: chunk c in strip c % 2, row c / 2 */
	{ "striped",
	  8 * MIB,
	  REC_STRIPES,
	  0,
	  0,
	  2,
	  0,
	  0,
	  0,
	  0,
	  { E(0, 200, 4), E(0, 160, 4) },
	  2 },
	{ "plain", 4 * MIB, REC_EXTENTS, FOPEN_DIRECT_IO, 0, 0 },
	{ "stats", 4096, REC_EXTENTS, FOPEN_DIRECT_IO, 0, 0 },
	/* hostile maps: every open must fail with EIO */
	{ "bad_outside",
	  2 * MIB,
	  REC_EXTENTS,
	  0,
	  0,
	  1,
	  0,
	  0,
	  0,
	  0,
	  { { 0, 0 /* set to dev_size */, 2 * MIB, 0, 0 } } },
	{ "bad_misaligned",
	  2 * MIB,
	  REC_EXTENTS,
	  0,
	  0,
	  1,
	  0,
	  0,
	  0,
	  0,
	  { { 0, 4096, 2 * MIB, 0, 0 } } },
	{ "bad_overlap",
	  4 * MIB,
	  REC_EXTENTS,
	  0,
	  0,
	  2,
	  0,
	  0,
	  0,
	  0,
	  { E(0, 110, 4), E(2, 120, 2) } },
	{ "bad_hole",
	  6 * MIB,
	  REC_EXTENTS,
	  0,
	  0,
	  2,
	  0,
	  0,
	  0,
	  0,
	  { E(0, 110, 2), E(4, 120, 2) } },
	{ "bad_notzero",
	  4 * MIB,
	  REC_EXTENTS,
	  0,
	  0,
	  1,
	  0,
	  0,
	  0,
	  0,
	  { E(2, 110, 2) } },
	{ "bad_unsorted",
	  4 * MIB,
	  REC_EXTENTS,
	  0,
	  0,
	  2,
	  0,
	  0,
	  0,
	  0,
	  { E(2, 110, 2), E(0, 120, 2) } },
	{ "bad_toolong",
	  2 * MIB,
	  REC_HUGE,
	  0,
	  0,
	  1,
	  0,
	  0,
	  0,
	  0,
	  { E(0, 110, 2) } },
	{ "bad_nr0",
	  2 * MIB,
	  REC_EXTENTS,
	  0,
	  0,
	  0,
	  0,
	  0,
	  0,
	  0,
	  { E(0, 110, 2) } },
	{ "bad_type",
	  2 * MIB,
	  REC_EXTENTS,
	  0,
	  0,
	  1,
	  0,
	  35,
	  0,
	  0,
	  { E(0, 110, 2) } },
	{ "bad_reserved",
	  2 * MIB,
	  REC_EXTENTS,
	  0,
	  0,
	  1,
	  0,
	  0,
	  0,
	  1,
	  { E(0, 110, 2) } },
	{ "bad_recflags",
	  2 * MIB,
	  REC_EXTENTS,
	  0,
	  0,
	  1,
	  1,
	  0,
	  0,
	  0,
	  { E(0, 110, 2) } },
	{ "bad_extflags",
	  2 * MIB,
	  REC_EXTENTS,
	  0,
	  0,
	  1,
	  0,
	  0,
	  0,
	  0,
	  { { 0, 110 * MIB, 2 * MIB, 0, 1 } } },
	{ "bad_size",
	  2 * MIB,
	  REC_EXTENTS,
	  0,
	  0,
	  1,
	  0,
	  0,
	  8,
	  0,
	  { E(0, 110, 2) } },
	{ "bad_zerolen",
	  2 * MIB,
	  REC_EXTENTS,
	  0,
	  0,
	  2,
	  0,
	  0,
	  0,
	  0,
	  { E(0, 110, 2), { 2 * MIB, 112 * MIB, 0, 0, 0 } } },
	{ "bad_noext",
	  2 * MIB,
	  REC_NONE,
	  0,
	  0,
	  1,
	  0,
	  0,
	  0,
	  0,
	  { E(0, 110, 2) } },
	{ "bad_extid",
	  2 * MIB,
	  REC_EXTENTS,
	  0,
	  0,
	  1,
	  0,
	  0,
	  0,
	  0,
	  { { 0, 110 * MIB, 2 * MIB, 999, 0 } } },
	{ "bad_openid",
	  2 * MIB,
	  REC_EXTENTS,
	  0,
	  2,
	  1,
	  0,
	  0,
	  0,
	  0,
	  { E(0, 110, 2) } },
	{ "bad_s_short",
	  8 * MIB,
	  REC_STRIPES,
	  0,
	  0,
	  2,
	  0,
	  0,
	  0,
	  0,
	  { E(0, 200, 4), E(0, 160, 2) },
	  2 },
	{ "bad_s_chunk",
	  12 * MIB,
	  REC_STRIPES,
	  0,
	  0,
	  2,
	  0,
	  0,
	  0,
	  0,
	  { E(0, 200, 6), E(0, 160, 6) },
	  6 },
	{ "bad_s_n0",
	  8 * MIB,
	  REC_STRIPES,
	  0,
	  0,
	  0,
	  0,
	  0,
	  0,
	  0,
	  { E(0, 200, 4) },
	  2 },
	{ "bad_keepcache",
	  2 * MIB,
	  REC_EXTENTS,
	  FOPEN_DAX_PASSTHROUGH | FOPEN_KEEP_CACHE,
	  0,
	  1,
	  0,
	  0,
	  0,
	  0,
	  { E(0, 110, 2) } },
};
#define NFILES (sizeof(files) / sizeof(files[0]))
#define NODE(i) ((unsigned long long)(i) + 2)

static int reply(int fd, unsigned long long unique, int err, const void *a,
		 size_t alen, const void *b, size_t blen)
{
	struct fuse_out_header oh = { sizeof(oh) + alen + blen, err, unique };
	struct iovec iov[3] = { { &oh, sizeof(oh) },
				{ (void *)a, alen },
				{ (void *)b, blen } };

	if (writev(fd, iov, 3) < 0)
		return -errno;
	return 0;
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
}

static void do_open(int fd, unsigned long long unique, struct efile *f)
{
	static unsigned char buf[FUSE_DAX_DEFAULT_OPEN_EXT + 4096];
	struct fuse_dax_open_out *oo = (void *)buf;
	struct fuse_dax_extents *rec = (void *)(buf + sizeof(*oo));
	size_t len = sizeof(*oo);
	unsigned int i, nr = f->nr;
	int err;

	memset(buf, 0, sizeof(buf));
	oo->fh = unique;
	oo->open_flags = f->open_flags ? f->open_flags : FOPEN_DAX_PASSTHROUGH;
	oo->backing_id = f->id_sel == 1 ? id_ro :
			 f->id_sel == 2 ? 4242 :
					  id_good;
	f->opens++;
	opens++;
	if (!(oo->open_flags & FOPEN_DAX_PASSTHROUGH))
		goto send;
	if (f->mode == REC_NONE &&
	    (f->opens > 1 || !strcmp(f->name, "bad_noext")))
		goto send;
	if (f->mode == REC_STRIPES) {
		struct fuse_dax_stripes *sr = (void *)rec;

		sr->hdr.type = FUSE_EXT_DAX_STRIPES;
		sr->nstrips = nr;
		sr->chunk_size = f->chunk * MIB;
		sr->file_size = f->size;
		for (i = 0; i < nr; i++) {
			sr->strip[i].dax_offset = f->ext[i].dax_offset;
			sr->strip[i].length = f->ext[i].length;
		}
		sr->hdr.size =
			sizeof(*sr) + (nr ? nr : 1) * sizeof(sr->strip[0]);
		len += sr->hdr.size;
		goto send;
	}
	if (f->mode == REC_HUGE)
		nr = (FUSE_DAX_DEFAULT_OPEN_EXT - sizeof(*rec)) /
			     sizeof(rec->ext[0]) +
		     1;
	rec->hdr.type = f->type ? f->type : FUSE_EXT_DAX_EXTENTS;
	rec->nr_extents = nr;
	rec->flags = f->rec_flags;
	rec->reserved = f->reserved;
	for (i = 0; i < nr; i++) {
		rec->ext[i] = f->ext[f->mode == REC_HUGE ? 0 : i];
		if (rec->ext[i].backing_id == -2)
			rec->ext[i].backing_id = id_good2;
	}
	if (!strcmp(f->name, "bad_outside"))
		rec->ext[0].dax_offset = dev_size;
	if (f->mode == REC_CHANGE && f->opens > 1)
		rec->ext[0].dax_offset += 2 * MIB;
	rec->hdr.size = sizeof(*rec) + (nr ? nr : 1) * sizeof(rec->ext[0]) +
			f->size_fix;
	len += rec->hdr.size;
send:
	err = reply(fd, unique, 0, buf, len, NULL, 0);
	if (err)
		fprintf(stderr, "evilfs: OPEN %s reply (%zu bytes): %s\n",
			f->name, len, strerror(-err));
}

static void do_read(int fd, struct fuse_in_header *ih, struct fuse_read_in *in)
{
	static char out[BUFSZ];
	struct efile *f = &files[ih->nodeid - 2];
	size_t n = in->size < sizeof(out) ? in->size : sizeof(out);

	if (strcmp(f->name, "stats")) {
		rd_upcalls++;
		memset(out, 0, n);
	} else {
		int l = snprintf(
			out, sizeof(out),
			"read_upcalls %llu\nwrite_upcalls %llu\nopens %llu\n",
			rd_upcalls, wr_upcalls, opens);
		n = in->offset >= (unsigned long long)l ?
			    0 :
			    (size_t)l - in->offset;
		memmove(out, out + in->offset, n);
	}
	reply(fd, ih->unique, 0, out, n, NULL, 0);
}

static int try_reg(int ffd, const char *name, const char *path, int oflags,
		   unsigned int flags, unsigned long long pad, int want)
{
	struct fuse_dax_backing_map m = { -1, flags, pad };
	int got, ok;

	m.fd = path ? open(path, oflags) : 12345;
	if (path && m.fd < 0) {
		fprintf(stderr, "evilfs: open %s: %s\n", path, strerror(errno));
		return -1;
	}
	got = ioctl(ffd, FUSE_DAX_IOC_BACKING_OPEN, &m);
	got = got < 0 ? -errno : got;
	ok = want > 0 ? got > 0 : got == want;
	printf("REG %-16s -> %s%s %s\n", name, got > 0 ? "id " : "",
	       got > 0 ? "" : strerror(-got), ok ? "OK" : "FAIL");
	if (got > 0)
		printf("REG %-16s id=%d\n", name, got);
	if (path)
		close(m.fd);
	return ok ? (got > 0 ? got : 0) : -1;
}

static int do_init(int ffd, const char *dax, struct fuse_in_header *ih,
		   struct fuse_init_in *in)
{
	struct fuse_dax_init_in *di = (void *)in;
	struct fuse_dax_init_out o = { 0 };
	int bad = 0, r;

	printf("INIT kernel %u.%u flags2 0x%x passthrough_dax=%d max_open_ext=%u\n",
	       in->major, in->minor, in->flags2,
	       !!(in->flags2 & (FUSE_PASSTHROUGH_DAX >> 32)), di->max_open_ext);
	if (!(in->flags2 & (FUSE_PASSTHROUGH_DAX >> 32)) ||
	    di->max_open_ext < FUSE_DAX_MIN_OPEN_EXT)
		bad++;
	o.major = 7;
	o.minor = 40;
	o.max_readahead = in->max_readahead;
	o.flags = FUSE_DAX_INIT_EXT;
	o.flags2 = (FUSE_DAX_PASSTHROUGH | FUSE_PASSTHROUGH_DAX) >> 32;
	o.max_stack_depth = 1;
	o.max_background_congestion = 12 | (9 << 16);
	o.max_write = 128 * 1024;
	o.time_gran = 1;
	if (reply(ffd, ih->unique, 0, &o, sizeof(o), NULL, 0))
		return -1;

	/* negative cases first, then the registrations the files use */
	bad += try_reg(ffd, "unknown-flag", dax, O_RDWR, 2, 0, -EINVAL) < 0;
	bad += try_reg(ffd, "padding", dax, O_RDWR, FUSE_BACKING_DAX, 1,
		       -EINVAL) < 0;
	bad += try_reg(ffd, "not-dax-chr", "/dev/zero", O_RDWR,
		       FUSE_BACKING_DAX, 0, -ENODEV) < 0;
	bad += try_reg(ffd, "not-dax-reg", "/init", O_RDONLY, FUSE_BACKING_DAX,
		       0, -ENODEV) < 0;
	bad += try_reg(ffd, "bad-fd", NULL, 0, FUSE_BACKING_DAX, 0, -EBADF) < 0;
	bad += try_reg(ffd, "dax-as-regular", dax, O_RDWR, 0, 0, -EINVAL) < 0;
	id_good = try_reg(ffd, "dax", dax, O_RDWR, FUSE_BACKING_DAX, 0, 1);
	id_good2 =
		try_reg(ffd, "dax-second", dax, O_RDWR, FUSE_BACKING_DAX, 0, 1);
	id_ro = try_reg(ffd, "dax-readonly", dax, O_RDONLY, FUSE_BACKING_DAX, 0,
			1);
	r = id_good > 0 && id_good2 > 0 && id_ro > 0;
	fflush(stdout);
	return bad || !r ? 1 : 0;
}

int main(int argc, char **argv)
{
	static char buf[BUFSZ];
	char opts[128];
	int ffd, status = 2;
	struct stat st;
	char sys[128];
	FILE *sf;

	if (argc != 3) {
		fprintf(stderr, "usage: evilfs DAXDEV MOUNTPOINT\n");
		return 2;
	}
	snprintf(sys, sizeof(sys), "/sys/bus/dax/devices/%s/size",
		 strrchr(argv[1], '/') ? strrchr(argv[1], '/') + 1 : argv[1]);
	sf = fopen(sys, "r");
	if (!sf || fscanf(sf, "%llu", &dev_size) != 1) {
		fprintf(stderr, "evilfs: cannot read %s\n", sys);
		return 2;
	}
	fclose(sf);
	if (stat(argv[1], &st) < 0 || !S_ISCHR(st.st_mode)) {
		fprintf(stderr, "evilfs: %s is not a character device\n",
			argv[1]);
		return 2;
	}
	ffd = open("/dev/famfuse", O_RDWR);
	if (ffd < 0) {
		perror("evilfs: /dev/famfuse");
		return 2;
	}
	snprintf(opts, sizeof(opts),
		 "fd=%d,rootmode=40000,user_id=0,group_id=0", ffd);
	if (mount("evilfs", argv[2], "famfuse.evilfs", MS_NOSUID | MS_NODEV,
		  opts) < 0) {
		perror("evilfs: mount");
		return 2;
	}
	for (;;) {
		struct fuse_in_header *ih = (void *)buf;
		void *arg = buf + sizeof(*ih);
		ssize_t n = read(ffd, buf, sizeof(buf));
		struct fuse_entry_out eo;
		struct fuse_attr_out ao;
		unsigned int i;

		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n < 0)
			break; /* ENODEV: unmounted */
		if ((size_t)n < sizeof(*ih))
			continue;
		switch (ih->opcode) {
		case FUSE_INIT:
			status = do_init(ffd, argv[1], ih, arg);
			break;
		case FUSE_LOOKUP:
			for (i = 0; i < NFILES; i++)
				if (!strcmp(files[i].name, arg))
					break;
			if (ih->nodeid != FUSE_ROOT_ID || i == NFILES) {
				reply(ffd, ih->unique, -ENOENT, NULL, 0, NULL,
				      0);
				break;
			}
			memset(&eo, 0, sizeof(eo));
			eo.nodeid = NODE(i);
			eo.entry_valid = 3600;
			eo.attr_valid = 3600;
			fill_attr(&eo.attr, eo.nodeid);
			reply(ffd, ih->unique, 0, &eo, sizeof(eo), NULL, 0);
			break;
		case FUSE_GETATTR:
			memset(&ao, 0, sizeof(ao));
			ao.attr_valid = 3600;
			fill_attr(&ao.attr, ih->nodeid);
			reply(ffd, ih->unique, 0, &ao, sizeof(ao), NULL, 0);
			break;
		case FUSE_OPEN:
			do_open(ffd, ih->unique, &files[ih->nodeid - 2]);
			break;
		case FUSE_READ:
			do_read(ffd, ih, arg);
			break;
		case FUSE_WRITE: {
			struct fuse_write_out wo = {
				((struct fuse_write_in *)arg)->size, 0
			};
			wr_upcalls++;
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
			goto out;
		default:
			reply(ffd, ih->unique, -ENOSYS, NULL, 0, NULL, 0);
		}
	}
out:
	printf("evilfs: exit status %d (read_upcalls %llu write_upcalls %llu)\n",
	       status, rd_upcalls, wr_upcalls);
	return status;
}
