// SPDX-License-Identifier: Apache-2.0
/*
 * evilfs - a raw-protocol FUSE server for the famfuse dax passthrough tests.
 *
 *   evilfs DAXDEV MOUNTPOINT
 *
 * Opens /dev/famfuse, mounts "famfuse.evilfs" on MOUNTPOINT, negotiates
 * famfs's OPEN-reply form (FAMFUSE_IOC_PROBE, FUSE_PASSTHROUGH in the INIT
 * reply, FAMFUSE_IOC_ENABLE), tries a set of registrations with
 * FAMFUSE_IOC_DAX_OPEN (good and bad; the results are printed as
 * "REG name: errno ... OK/FAIL")
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
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include "evilsrv.h"
#include "famfs/fuse_dax.h"

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
static const char *dax_path;
static unsigned long long dev_size;
static unsigned long long rd_upcalls, opens;
static struct evil_srv srv;

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

static void do_open(int fd, struct fuse_in_header *ih)
{
	struct efile *f = &files[ih->nodeid - 2];
	unsigned long long unique = ih->unique;
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
			rd_upcalls, srv.wr_upcalls, opens);
		n = in->offset >= (unsigned long long)l ?
			    0 :
			    (size_t)l - in->offset;
		memmove(out, out + in->offset, n);
	}
	reply(fd, ih->unique, 0, out, n, NULL, 0);
}

/* FAMFUSE_IOC_DAX_OPEN, or with @stock the stock BACKING_OPEN (flags). */
static int try_reg(int ffd, const char *name, const char *path, int oflags,
		   bool stock, unsigned int flags, unsigned long long pad,
		   int want)
{
	struct famfuse_dax_map m = { -1, flags, pad };
	int got, ok;

	m.fd = path ? open(path, oflags) : 12345;
	if (path && m.fd < 0) {
		fprintf(stderr, "evilfs: open %s: %s\n", path, strerror(errno));
		return -1;
	}
	got = ioctl(ffd,
		    stock ? FUSE_DAX_IOC_BACKING_OPEN : FAMFUSE_IOC_DAX_OPEN,
		    &m);
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

/* One famfuse ioctl with the result checked: 0 as expected, 1 not. */
static int try_ioc(int ffd, const char *name, unsigned long cmd, void *arg,
		   int want)
{
	int got = ioctl(ffd, cmd, arg) < 0 ? -errno : 0;

	printf("REG %-16s -> %s %s\n", name, got ? strerror(-got) : "0",
	       got == want ? "OK" : "FAIL");
	return got != want;
}

static int do_init(int ffd, const char *dax, struct fuse_in_header *ih,
		   struct fuse_init_in *in)
{
	struct fuse_dax_init_out o = { 0 };
	struct famfuse_probe pr = { 0 };
	struct famfuse_enable en = { FAMFUSE_ABI_VERSION, 0, 0 };
	int bad = 0, r;

	bad += try_ioc(ffd, "probe", FAMFUSE_IOC_PROBE, &pr, 0);
	printf("INIT kernel %u.%u flags2 0x%x famfuse version %u max_open_ext=%u\n",
	       in->major, in->minor, in->flags2, pr.version, pr.max_open_ext);
	if (pr.version != FAMFUSE_ABI_VERSION ||
	    pr.max_open_ext < FUSE_DAX_MIN_OPEN_EXT ||
	    (in->flags2 & (1u << 12)))
		bad++; /* bit 44 (SYNCFS in 7.47) is never offered for us */
	/* FUSE_PASSTHROUGH is not negotiated yet */
	bad += try_ioc(ffd, "enable-early", FAMFUSE_IOC_ENABLE, &en, -EPERM);
	o.major = 7;
	o.minor = 40; /* < 47: 16-byte fuse_open_out, the record after it */
	o.max_readahead = in->max_readahead;
	o.flags = FUSE_DAX_INIT_EXT;
	o.flags2 = FUSE_DAX_PASSTHROUGH >> 32;
	o.max_stack_depth = 1;
	o.max_background_congestion = 12 | (9 << 16);
	o.max_write = 128 * 1024;
	o.time_gran = 1;
	if (reply(ffd, ih->unique, 0, &o, sizeof(o), NULL, 0))
		return -1;

	/* negative cases first, then the registrations the files use */
	bad += try_reg(ffd, "before-enable", dax, O_RDWR, false, 0, 0, -EPERM) <
	       0;
	en.version = 1;
	bad += try_ioc(ffd, "enable-version", FAMFUSE_IOC_ENABLE, &en, -EINVAL);
	en.version = FAMFUSE_ABI_VERSION;
	en.flags = 1;
	bad += try_ioc(ffd, "enable-flags", FAMFUSE_IOC_ENABLE, &en, -EINVAL);
	en.flags = 0;
	bad += try_ioc(ffd, "enable", FAMFUSE_IOC_ENABLE, &en, 0);
	bad += try_reg(ffd, "unknown-flag", dax, O_RDWR, false, 2, 0, -EINVAL) <
	       0;
	bad += try_reg(ffd, "reserved", dax, O_RDWR, false, 0, 1, -EINVAL) < 0;
	bad += try_reg(ffd, "not-dax-chr", "/dev/zero", O_RDWR, false, 0, 0,
		       -ENODEV) < 0;
	bad += try_reg(ffd, "not-dax-reg", "/init", O_RDONLY, false, 0, 0,
		       -ENODEV) < 0;
	bad += try_reg(ffd, "bad-fd", NULL, 0, false, 0, 0, -EBADF) < 0;
	bad += try_reg(ffd, "dax-as-regular", dax, O_RDWR, true, 0, 0,
		       -EINVAL) < 0;
	id_good = try_reg(ffd, "dax", dax, O_RDWR, false, 0, 0, 1);
	id_good2 = try_reg(ffd, "dax-second", dax, O_RDWR, false, 0, 0, 1);
	id_ro = try_reg(ffd, "dax-readonly", dax, O_RDONLY, false, 0, 0, 1);
	r = id_good > 0 && id_good2 > 0 && id_ro > 0;
	fflush(stdout);
	return bad || !r ? 1 : 0;
}

static int status = 2;

static const char *name_of(unsigned int i)
{
	return files[i].name;
}

static void srv_init(int ffd, struct fuse_in_header *ih, void *arg)
{
	status = do_init(ffd, dax_path, ih, arg);
}

static struct evil_srv srv = {
	.nfiles = NFILES,
	.name = name_of,
	.attr = fill_attr,
	.init = srv_init,
	.open = do_open,
	.read = do_read,
};

int main(int argc, char **argv)
{
	dax_path = argv[1];
	if (evil_run(argc, argv, "famfuse.evilfs", &srv, &dev_size))
		return 2;
	printf("evilfs: exit status %d (read_upcalls %llu write_upcalls %llu)\n",
	       status, rd_upcalls, srv.wr_upcalls);
	return status;
}
