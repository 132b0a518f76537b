// SPDX-License-Identifier: Apache-2.0
/*
 * Protocol tests: the real famfsd, driven by the kernel emulator, checked
 * byte by byte with the independent decoder.
 *
 * usage: test_protocol FAMFSD
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "img.h"
#include "proto.h"

#define MiB (1ULL << 20)
#define GiB (1ULL << 30)
#define NCONC 32

static const char *famfsd;
static char dir[128], img0[192], img1[192], uuidf[192], conf[192];
static uint64_t log_len;

/* The files of the image and their maps. */
static struct famfs_fmap m_one, m_sixteen, m_stripe, m_conc[NCONC], m_d1,
	m_mixed, m_big;
static uint64_t s_stripe = 24 * MiB;
/* Two 2 GiB strips on devices 0 and 1: 2048 chunks, so unrolled it would
 * be 24 + 2048 * 32 = 65560 bytes, over the default max_open_ext. */
static uint64_t s_big = 4 * GiB - 1 * MiB;
static ino_t img1_ino, img0_ino;

static char why[512];

static struct emu_opts base_opts(const char *path)
{
	struct emu_opts o = { .famfsd = famfsd,
			      .image = img0,
			      .uuid_file = uuidf,
			      .config = conf,
			      .data_path = path };
	return o;
}

static int build_image(void)
{
	struct famfs_fs *fs;
	struct famfs_omf_uuid u1 = { .b = { 1, 2, 3 } }, u2 = { .b = { 4 } };
	struct stat st;
	uint64_t ino;
	FILE *f;
	int fd;

	snprintf(dir, sizeof(dir), "/tmp/wire/proto-%d", (int)getpid());
	mkdir("/tmp/wire", 0755);
	if (mkdir(dir, 0755) && errno != EEXIST)
		return -1;
	snprintf(img0, sizeof(img0), "%s/dev0.img", dir);
	snprintf(img1, sizeof(img1), "%s/dev1.img", dir);
	snprintf(uuidf, sizeof(uuidf), "%s/system_uuid", dir);
	snprintf(conf, sizeof(conf), "%s/famfs.conf", dir);
	/* 12 GiB: "stripe" takes the start of each 3 GiB bucket, which
	 * leaves [4 GiB, 6 GiB) free for "bigstripe". */
	if (img_create(img0, 12 * GiB, uuidf, &fs))
		return -1;
	log_len = famfs_fs_sb(fs)->log_len;
	if (img_file_simple(fs, "one", 1, 4 * MiB, &m_one, &ino) ||
	    img_file_simple(fs, "sixteen", 16, 32 * MiB, &m_sixteen, &ino) ||
	    img_file_interleave(fs, "stripe", 4, 4, s_stripe, &m_stripe, &ino))
		goto fail;
	img_fill(fs, &m_one, 4 * MiB, 1);
	img_fill(fs, &m_sixteen, 32 * MiB, 16);
	for (int i = 0; i < NCONC; i++) {
		char name[16];

		snprintf(name, sizeof(name), "c%02d", i);
		if (img_file_simple(fs, name, 1, 2 * MiB, &m_conc[i], &ino))
			goto fail;
	}
	/* Devices 1 (path configured) and 2 (no path). */
	if (famfs_fs_add_daxdev(fs, 4 * GiB, &u1) ||
	    famfs_fs_add_daxdev(fs, 4 * GiB, &u2))
		goto fail;
	m_d1 = (struct famfs_fmap){ .type = FAMFS_FMAP_SIMPLE, .count = 1 };
	m_d1.ext[0] = (struct famfs_extent){ 1, 64 * MiB, 2 * MiB };
	if (img_file_map(fs, "d1file", 2 * MiB, &m_d1, &ino))
		goto fail;
	{
		struct famfs_fmap m2 = m_d1;

		m2.ext[0].devindex = 2;
		if (img_file_map(fs, "d2file", 2 * MiB, &m2, &ino))
			goto fail;
	}
	/* Two extents on two devices: per-extent backing ids. */
	{
		struct famfs_alloc_req rq = { .size = 2 * MiB };

		if (famfs_ns_alloc(famfs_fs_ns(fs), &rq, &m_mixed))
			goto fail;
		m_mixed.count = 2;
		m_mixed.ext[1] = (struct famfs_extent){ 1, 66 * MiB, 2 * MiB };
		if (img_file_map(fs, "mixed", 4 * MiB, &m_mixed, &ino))
			goto fail;
	}
	/* Past everything allocated on device 0 (no unit shared with
	 * another file: famfsd would not serve it) and device 1's files. */
	m_big = (struct famfs_fmap){ .type = FAMFS_FMAP_INTERLEAVE,
				     .count = 2,
				     .chunk_size = 2 * MiB };
	m_big.ext[0] = (struct famfs_extent){ 0, 4 * GiB, 2 * GiB };
	m_big.ext[1] = (struct famfs_extent){ 1, 1 * GiB, 2 * GiB };
	if (img_file_map(fs, "bigstripe", s_big, &m_big, &ino))
		goto fail;
	famfs_fs_close(fs);
	fd = open(img1, O_RDWR | O_CREAT | O_TRUNC, 0644);
	if (fd < 0 || ftruncate(fd, (off_t)(4 * GiB)) || fstat(fd, &st))
		return -1;
	img1_ino = st.st_ino;
	close(fd);
	if (stat(img0, &st))
		return -1;
	img0_ino = st.st_ino;
	f = fopen(conf, "w");
	if (!f)
		return -1;
	fprintf(f, "[famfsd]\ndaxdev1 = %s\n", img1);
	fclose(f);
	return 0;
fail:
	famfs_fs_close(fs);
	return -1;
}

static struct emu *cur; /* the last daemon started: its log on failure */
static char logs[64][256];
static int nlogs;

static int start(struct emu *e, const struct emu_opts *o)
{
	cur = e;
	if (emu_start(e, o))
		return -1;
	if (nlogs < 64)
		snprintf(logs[nlogs++], sizeof(logs[0]), "%s", e->logpath);
	return 0;
}

/* start() then a successful INIT offering @offer; -1 (reported) if not. */
static int start_init(struct emu *e, const struct emu_opts *o, uint64_t offer,
		      uint32_t max_ext, struct dec_init *di)
{
	if (start(e, o))
		return -1;
	CHECK(!p_init(e, offer, max_ext, di, why, sizeof(why)), "INIT: %s",
	      why);
	return 0;
}

static bool log_has(const struct emu *e, const char *s)
{
	char line[1024];
	bool found = false;
	FILE *f = fopen(e->logpath, "r");

	if (!f)
		return false;
	while (!found && fgets(line, sizeof(line), f))
		found = strstr(line, s) != NULL;
	fclose(f);
	return found;
}

/* Open @name in the root; decode; return fh. -1 on failure. */
static int open_dec(struct emu *e, uint64_t parent, const char *name,
		    size_t max_ext, struct dec_open *d, uint64_t *nodeid)
{
	static uint8_t r[1 << 20];
	ssize_t n;

	*nodeid = p_lookup(e, parent, name);
	if (!*nodeid) {
		snprintf(why, sizeof(why), "LOOKUP %s failed", name);
		return -1;
	}
	n = p_open(e, *nodeid, O_RDONLY, r, sizeof(r));
	if (n < 0) {
		snprintf(why, sizeof(why), "no OPEN reply for %s", name);
		return -1;
	}
	return dec_open_reply(r, (size_t)n, false, max_ext, 2 * MiB, d, why,
			      sizeof(why));
}

static struct dec_open dop; /* large: static */

/* Open "one" with no extension room: it must take the daemon path. */
static int open_one_daemon(struct emu *e, uint64_t *nid)
{
	CHECK(!open_dec(e, 1, "one", 0, &dop, nid), "%s", why);
	CHECK(!(dop.open_flags & DEC_FOPEN_PASSTHROUGH), "passthrough open");
	return 0;
}

/* Record of a simple map matches @m exactly (extents, offsets, ids). */
static int same_simple(const struct dec_open *d, const struct famfs_fmap *m,
		       const int32_t *ids)
{
	uint64_t fo = 0;

	CHECK(d->rec_type == DEC_EXT_EXTENTS, "type %u", d->rec_type);
	CHECK(d->nr == m->count, "%u extents, map has %u", d->nr, m->count);
	for (unsigned i = 0; i < m->count; i++) {
		int32_t id = ids[m->ext[i].devindex];

		CHECK(d->ext[i].file_offset == fo, "ext %u file offset", i);
		CHECK(d->ext[i].dax_offset == m->ext[i].offset,
		      "ext %u dax offset", i);
		CHECK(d->ext[i].length == m->ext[i].len, "ext %u length", i);
		CHECK(d->ext[i].backing_id == (id == d->backing_id ? 0 : id),
		      "ext %u backing id %d", i, d->ext[i].backing_id);
		fo += m->ext[i].len;
	}
	return 0;
}

static int read_matches(struct emu *e, uint64_t nodeid, uint64_t fh,
			uint64_t off, uint32_t len, uint32_t seed)
{
	static uint8_t buf[1 << 20];
	ssize_t n = p_read(e, nodeid, fh, off, len, buf);

	CHECK(n == (ssize_t)len, "READ returned %zd, want %u", n, len);
	for (uint32_t i = 0; i < len; i++)
		CHECK(buf[i] == img_byte(seed, off + i), "byte %llu differs",
		      (unsigned long long)(off + i));
	return 0;
}

/* ---- cases ---------------------------------------------------------- */

/* A stock kernel (6.18: FUSE_PASSTHROUGH but no dax bit): nothing of the
 * extension is echoed or sent, the daemon serves READ. */
static int case_stock(void)
{
	static struct emu e;
	struct emu_opts o = base_opts("auto");
	struct dec_init di;
	struct pstats st;
	uint64_t nid;

	if (start_init(&e, &o,
		       PROTO_BASE_FLAGS | DEC_ALLOW_MMAP | DEC_PASSTHROUGH, 0,
		       &di))
		return -1;
	CHECK(!(di.flags & (DEC_PASSTHROUGH | DEC_PASSTHROUGH_DAX)),
	      "passthrough echoed to a stock kernel: 0x%llx",
	      (unsigned long long)di.flags);
	CHECK(di.flags & DEC_ALLOW_MMAP, "DIRECT_IO_ALLOW_MMAP not echoed");
	CHECK(di.max_stack_depth == 0, "max_stack_depth %u",
	      di.max_stack_depth);
	if (open_one_daemon(&e, &nid))
		return -1;
	CHECK(!read_matches(&e, nid, dop.fh, 2 * MiB - 4096, 8192, 1), "read");
	CHECK(!p_release(&e, nid, dop.fh), "release");
	/* A device without a configured path: ENXIO on this path too. */
	{
		static uint8_t r[256];
		uint64_t d2 = p_lookup(&e, 1, "d2file");
		ssize_t n = d2 ? p_open(&e, d2, O_RDONLY, r, sizeof(r)) : -1;
		int32_t err = 0;

		CHECK(n == 16, "d2file reply of %zd bytes", n);
		memcpy(&err, r + 4, 4);
		CHECK(err == -ENXIO, "d2file error %d", err);
		CHECK(log_has(&e, "device 2: no path configured"), "no log");
	}
	CHECK(!p_stats(&e, &st), "stats");
	CHECK(!strcmp(st.data_path, "daemon"), "data_path %s", st.data_path);
	CHECK(st.read_upcalls >= 1, "read_upcalls %llu", st.read_upcalls);
	CHECK(st.passthrough_opens == 0 && st.backing_registrations == 0,
	      "passthrough counters %llu %llu", st.passthrough_opens,
	      st.backing_registrations);
	CHECK(st.daemon_opens >= 1, "daemon_opens %llu", st.daemon_opens);
	CHECK(emu_stop(&e) == 0, "daemon exit status not 0");
	CHECK(e.nopen == 0 && e.nclose == 0, "ioctls on a stock kernel");
	return 0;
}

/* The kernel offers dax, but -d daemon: nothing is echoed. */
static int case_forced_daemon(void)
{
	static struct emu e;
	struct emu_opts o = base_opts("daemon");
	struct dec_init di;
	uint64_t nid;

	if (start_init(&e, &o,
		       PROTO_BASE_FLAGS | DEC_PASSTHROUGH | DEC_PASSTHROUGH_DAX,
		       65536, &di))
		return -1;
	CHECK(!(di.flags & (DEC_PASSTHROUGH | DEC_PASSTHROUGH_DAX)),
	      "echoed in daemon mode");
	if (open_one_daemon(&e, &nid))
		return -1;
	CHECK(emu_stop(&e) == 0, "daemon exit status not 0");
	CHECK(e.nopen == 0, "registered in daemon mode");
	return 0;
}

/* The dax bit without FUSE_PASSTHROUGH (no kernel should): not echoed. */
static int case_dax_without_passthrough(void)
{
	static struct emu e;
	struct emu_opts o = base_opts("auto");
	struct dec_init di;
	uint64_t nid;

	if (start_init(&e, &o, PROTO_BASE_FLAGS | DEC_PASSTHROUGH_DAX, 65536,
		       &di))
		return -1;
	CHECK(!(di.flags & (DEC_PASSTHROUGH | DEC_PASSTHROUGH_DAX)),
	      "echoed without FUSE_PASSTHROUGH");
	if (open_one_daemon(&e, &nid))
		return -1;
	CHECK(emu_stop(&e) == 0, "daemon exit status not 0");
	CHECK(e.nopen == 0, "registered");
	return 0;
}

/* A dax kernel: INIT bits, one registration, exact records. */
static int case_dax(void)
{
	static struct emu e;
	struct emu_opts o = base_opts("auto");
	struct dec_init di;
	struct pstats st;
	int32_t ids[FAMFS_MAX_DAXDEVS] = { 0 };
	uint64_t nid, meta;

	if (start_init(&e, &o,
		       PROTO_BASE_FLAGS | DEC_PASSTHROUGH |
			       DEC_PASSTHROUGH_DAX | DEC_ALLOW_MMAP,
		       65536, &di))
		return -1;
	CHECK((di.flags & DEC_PASSTHROUGH) && (di.flags & DEC_PASSTHROUGH_DAX),
	      "not echoed: 0x%llx", (unsigned long long)di.flags);
	CHECK(!(di.flags & DEC_WRITEBACK_CACHE), "WRITEBACK_CACHE");
	CHECK(di.max_stack_depth == 1, "max_stack_depth %u",
	      di.max_stack_depth);

	CHECK(!open_dec(&e, 1, "one", 65536, &dop, &nid), "one: %s", why);
	CHECK(e.ndevs == 1 && e.dev_st_ino[0] == img0_ino,
	      "device 0 not registered as the image");
	ids[0] = e.dev_id[0];
	CHECK(dop.open_flags == DEC_FOPEN_PASSTHROUGH, "open_flags 0x%x",
	      dop.open_flags);
	CHECK(dop.backing_id == ids[0], "backing_id %d", dop.backing_id);
	CHECK(!same_simple(&dop, &m_one, ids), "one");
	CHECK(!p_release(&e, nid, dop.fh), "release");

	CHECK(!open_dec(&e, 1, "sixteen", 65536, &dop, &nid), "16: %s", why);
	CHECK(!same_simple(&dop, &m_sixteen, ids), "sixteen");
	CHECK(!p_release(&e, nid, dop.fh), "release");

	CHECK(!open_dec(&e, 1, "stripe", 65536, &dop, &nid), "stripe: %s", why);
	/* Type 34: the four strips as allocated, file size whole chunks. */
	CHECK(dop.rec_type == DEC_EXT_STRIPES, "stripe type %u", dop.rec_type);
	CHECK(dop.nr == 4 && dop.chunk_size == 2 * MiB &&
		      dop.file_size == s_stripe,
	      "stripe: %u strips, chunk %llu, size %llu", dop.nr,
	      (unsigned long long)dop.chunk_size,
	      (unsigned long long)dop.file_size);
	for (unsigned i = 0; i < 4; i++)
		CHECK(dop.ext[i].dax_offset == m_stripe.ext[i].offset &&
			      dop.ext[i].length == m_stripe.ext[i].len &&
			      dop.ext[i].backing_id == 0,
		      "stripe strip %u", i);
	CHECK(!p_release(&e, nid, dop.fh), "release");

	meta = p_lookup(&e, 1, ".meta");
	CHECK(!open_dec(&e, meta, ".superblock", 65536, &dop, &nid), "sb: %s",
	      why);
	CHECK(dop.rec_type == DEC_EXT_EXTENTS && dop.nr == 1 &&
		      dop.ext[0].dax_offset == 0 &&
		      dop.ext[0].length == 2 * MiB,
	      ".superblock record");
	CHECK(!p_release(&e, nid, dop.fh), "release");
	CHECK(!open_dec(&e, meta, ".log", 65536, &dop, &nid), "log: %s", why);
	CHECK(dop.rec_type == DEC_EXT_EXTENTS && dop.nr == 1 &&
		      dop.ext[0].dax_offset == 2 * MiB &&
		      dop.ext[0].length == log_len,
	      ".log record");
	CHECK(!p_release(&e, nid, dop.fh), "release");

	CHECK(!p_stats(&e, &st), "stats");
	CHECK(!strcmp(st.data_path, "passthrough"), "data_path %s",
	      st.data_path);
	CHECK(st.passthrough_opens == 5, "passthrough_opens %llu",
	      st.passthrough_opens);
	CHECK(st.backing_registrations == 1, "backing_registrations %llu",
	      st.backing_registrations);
	CHECK(st.read_upcalls == 0,
	      "read_upcalls %llu: the kernel did not serve", st.read_upcalls);
	CHECK(emu_stop(&e) == 0, "daemon exit status not 0");
	CHECK(e.nopen == 1, "%u BACKING_OPENs", e.nopen);
	CHECK(e.nclose == 1, "%u BACKING_CLOSEs at unmount", e.nclose);
	return 0;
}

/* The registration fails with EINVAL (stock kernel): daemon path. */
static int case_einval(void)
{
	static struct emu e;
	struct emu_opts o = base_opts("auto");
	struct dec_init di;
	struct pstats st;
	uint64_t nid;

	o.policy = EMU_IOCTL_EINVAL;
	if (start_init(&e, &o,
		       PROTO_BASE_FLAGS | DEC_PASSTHROUGH | DEC_PASSTHROUGH_DAX,
		       65536, &di))
		return -1;
	if (open_one_daemon(&e, &nid))
		return -1;
	CHECK(!read_matches(&e, nid, dop.fh, 0, 65536, 1), "read");
	CHECK(!p_release(&e, nid, dop.fh), "release");
	CHECK(!p_stats(&e, &st), "stats");
	CHECK(!strcmp(st.data_path, "daemon"), "data_path %s", st.data_path);
	CHECK(st.passthrough_opens == 0 && st.backing_registrations == 0,
	      "counters");
	CHECK(log_has(&e, "using the daemon data path"), "no log line");
	CHECK(emu_stop(&e) == 0, "daemon exit status not 0");
	CHECK(e.nopen == 1, "%u registration attempts", e.nopen);
	return 0;
}

/* -d passthrough that the kernel cannot give: exit 2 with a message. */
static int case_forced_passthrough(void)
{
	static struct emu e;
	struct emu_opts o = base_opts("passthrough");
	struct dec_init di;
	int st;

	/* A stock INIT: the INIT itself is refused. */
	if (start(&e, &o))
		return -1;
	CHECK(p_init(&e, PROTO_BASE_FLAGS, 0, &di, why, sizeof(why)),
	      "INIT accepted");
	CHECK(strstr(why, "INIT failed"), "INIT reply: %s", why);
	st = emu_stop(&e);
	CHECK(st == 2, "exit status %d", st);
	CHECK(log_has(&e, "does not offer FUSE_PASSTHROUGH_DAX"), "no message");

	/* Offered, but the registration fails. */
	o.policy = EMU_IOCTL_EINVAL;
	if (start_init(&e, &o,
		       PROTO_BASE_FLAGS | DEC_PASSTHROUGH | DEC_PASSTHROUGH_DAX,
		       65536, &di))
		return -1;
	st = emu_stop(&e);
	CHECK(st == 2, "exit status %d", st);
	CHECK(log_has(&e, "FUSE_BACKING_DAX: Invalid argument"), "no message");

	/* No emulator seam: an image is no dax device, refused at start. */
	o.no_ioctl_seam = true;
	o.policy = EMU_IOCTL_OK;
	if (start(&e, &o))
		return -1;
	st = emu_stop(&e);
	CHECK(st == 2, "exit status %d", st);
	CHECK(log_has(&e, "not a dax device"), "no message");
	return 0;
}

/* max_open_ext too small for a map: that file takes the daemon path. */
static int case_overflow(void)
{
	static struct emu e;
	struct emu_opts o = base_opts("auto");
	struct dec_init di;
	struct pstats st;
	uint64_t nid;

	if (start_init(&e, &o,
		       PROTO_BASE_FLAGS | DEC_PASSTHROUGH | DEC_PASSTHROUGH_DAX,
		       128, &di))
		return -1;
	CHECK(!open_dec(&e, 1, "one", 128, &dop, &nid), "one: %s", why);
	CHECK(dop.open_flags & DEC_FOPEN_PASSTHROUGH, "one not passthrough");
	CHECK(!p_release(&e, nid, dop.fh), "release");
	/* 32 + 4 * 24 = 128 bytes: exactly fits (unrolled it was 408) */
	CHECK(!open_dec(&e, 1, "stripe", 128, &dop, &nid), "stripe: %s", why);
	CHECK((dop.open_flags & DEC_FOPEN_PASSTHROUGH) &&
		      dop.rec_type == DEC_EXT_STRIPES,
	      "stripe not passthrough");
	CHECK(!p_release(&e, nid, dop.fh), "release");
	/* 24 + 16 * 32 = 536 bytes > 128 */
	CHECK(!open_dec(&e, 1, "sixteen", 128, &dop, &nid), "16: %s", why);
	CHECK(!(dop.open_flags & DEC_FOPEN_PASSTHROUGH), "16 passthrough");
	CHECK(!read_matches(&e, nid, dop.fh, 30 * MiB, 4096, 16), "read");
	CHECK(!p_release(&e, nid, dop.fh), "release");
	CHECK(log_has(&e, "exceeds max_open_ext 128"), "no log line");
	CHECK(!p_stats(&e, &st), "stats");
	CHECK(st.passthrough_opens == 2, "passthrough_opens %llu",
	      st.passthrough_opens);
	CHECK(emu_stop(&e) == 0, "daemon exit status not 0");
	return 0;
}

/* Many pipelined opens of many files on two devices: one registration
 * per device; a device without a path gives ENXIO. */
static int case_concurrent(void)
{
	enum { ROUNDS = 3 };
	static uint8_t r[4096];
	static struct emu e;
	struct emu_opts o = base_opts("auto");
	struct dec_init di;
	uint64_t nid[NCONC + 2], d2;
	int32_t ids[FAMFS_MAX_DAXDEVS] = { 0 };
	int i0, i1;

	if (start_init(&e, &o,
		       PROTO_BASE_FLAGS | DEC_PASSTHROUGH | DEC_PASSTHROUGH_DAX,
		       65536, &di))
		return -1;
	for (int i = 0; i < NCONC; i++) {
		char name[16];

		snprintf(name, sizeof(name), "c%02d", i);
		nid[i] = p_lookup(&e, 1, name);
		CHECK(nid[i], "lookup %s", name);
	}
	nid[NCONC] = p_lookup(&e, 1, "d1file");
	nid[NCONC + 1] = p_lookup(&e, 1, "mixed");
	CHECK(nid[NCONC] && nid[NCONC + 1], "lookup");
	/* All requests first, then all replies: the daemon's threads race. */
	for (int k = 0; k < ROUNDS; k++)
		for (int i = 0; i < NCONC + 2; i++) {
			uint8_t in[8] = { 0 };

			emu_send(&e, OP_OPEN, nid[i], in, sizeof(in), NULL, 0);
		}
	for (int k = 0; k < ROUNDS * (NCONC + 2); k++) {
		ssize_t n = emu_recv(&e, r, sizeof(r));

		CHECK(n > 0, "reply %d missing", k);
		CHECK(!dec_open_reply(r, (size_t)n, false, 65536, 2 * MiB, &dop,
				      why, sizeof(why)),
		      "reply %d: %s", k, why);
		CHECK(dop.open_flags & DEC_FOPEN_PASSTHROUGH,
		      "reply %d not passthrough", k);
	}
	CHECK(emu_stop(&e) == 0, "daemon exit status not 0");
	i0 = emu_dev_by_ino(&e, img0_ino);
	i1 = emu_dev_by_ino(&e, img1_ino);
	CHECK(i0 >= 0 && i1 >= 0, "devices not both registered");
	CHECK(e.dev_count[i0] == 1 && e.dev_count[i1] == 1,
	      "registrations: dev0 %u, dev1 %u", e.dev_count[i0],
	      e.dev_count[i1]);
	CHECK(e.nopen == 2, "%u BACKING_OPENs", e.nopen);
	ids[0] = e.dev_id[i0];
	ids[1] = e.dev_id[i1];

	/* The two-device file and the unconfigured device, fresh daemon. */
	if (start_init(&e, &o,
		       PROTO_BASE_FLAGS | DEC_PASSTHROUGH | DEC_PASSTHROUGH_DAX,
		       65536, &di))
		return -1;
	CHECK(!open_dec(&e, 1, "d1file", 65536, &dop, &nid[0]), "%s", why);
	ids[0] = e.dev_id[emu_dev_by_ino(&e, img0_ino)];
	ids[1] = e.dev_id[emu_dev_by_ino(&e, img1_ino)];
	CHECK(dop.backing_id == ids[1], "d1file backing id %d", dop.backing_id);
	CHECK(!same_simple(&dop, &m_d1, ids), "d1file");
	CHECK(!open_dec(&e, 1, "mixed", 65536, &dop, &nid[1]), "%s", why);
	CHECK(dop.backing_id == ids[0], "mixed backing id %d", dop.backing_id);
	CHECK(!same_simple(&dop, &m_mixed, ids), "mixed");
	CHECK(dop.ext[1].backing_id == ids[1], "mixed ext 1 id");
	/* 4 GiB interleaved over devices 0 and 1: 80 bytes of type 34 at
	 * the kernel's minimum max_open_ext, strip 1 with device 1's id. */
	CHECK(!open_dec(&e, 1, "bigstripe", 4096, &dop, &nid[2]), "%s", why);
	CHECK(dop.open_flags & DEC_FOPEN_PASSTHROUGH, "bigstripe not dax");
	CHECK(dop.backing_id == ids[0], "bigstripe backing id %d",
	      dop.backing_id);
	CHECK(dop.rec_type == DEC_EXT_STRIPES && dop.nr == 2 &&
		      dop.chunk_size == 2 * MiB && dop.file_size == 4 * GiB,
	      "bigstripe record: type %u nr %u size %llu", dop.rec_type, dop.nr,
	      (unsigned long long)dop.file_size);
	CHECK(dop.ext[0].dax_offset == 4 * GiB &&
		      dop.ext[0].length == 2 * GiB &&
		      dop.ext[0].backing_id == 0,
	      "bigstripe strip 0");
	CHECK(dop.ext[1].dax_offset == 1 * GiB &&
		      dop.ext[1].length == 2 * GiB &&
		      dop.ext[1].backing_id == ids[1],
	      "bigstripe strip 1 id %d", dop.ext[1].backing_id);
	d2 = p_lookup(&e, 1, "d2file");
	CHECK(d2, "lookup d2file");
	{
		ssize_t n2 = p_open(&e, d2, O_RDONLY, r, sizeof(r));
		int32_t err;

		CHECK(n2 == 16, "d2file reply of %zd bytes", n2);
		memcpy(&err, r + 4, 4);
		CHECK(err == -ENXIO, "d2file error %d", err);
	}
	CHECK(log_has(&e, "device 2: no path configured"), "no log line");
	CHECK(emu_stop(&e) == 0, "daemon exit status not 0");
	return 0;
}

/* CREATE on the master: a growing file is answered without passthrough,
 * and stays so while any handle is open. */
static int case_create(void)
{
	static uint8_t r[4096], data[65536];
	static struct emu e;
	struct emu_opts o = base_opts("auto");

	o.extra[0] = "--settle-ms";
	o.extra[1] = "0";
	struct dec_init di;
	struct pstats st;
	uint8_t in[16] = { 0 };
	uint32_t v;
	uint64_t nid, fh1, fh2;
	ssize_t n;

	if (start_init(&e, &o,
		       PROTO_BASE_FLAGS | DEC_PASSTHROUGH | DEC_PASSTHROUGH_DAX,
		       65536, &di))
		return -1;
	v = O_RDWR | O_CREAT | O_EXCL;
	memcpy(in, &v, 4);
	v = S_IFREG | 0644;
	memcpy(in + 4, &v, 4);
	n = emu_call(&e, OP_CREATE, 1, in, sizeof(in), "newfile", 8, r,
		     sizeof(r));
	CHECK(n > 0, "no CREATE reply");
	CHECK(!dec_open_reply(r, (size_t)n, true, 65536, 2 * MiB, &dop, why,
			      sizeof(why)),
	      "CREATE: %s", why);
	CHECK(n == 16 + 128 + 16, "CREATE reply %zd bytes", n);
	CHECK(!(dop.open_flags & DEC_FOPEN_PASSTHROUGH), "pending passthrough");
	memcpy(&nid, r + 16, 8);
	fh1 = dop.fh;
	memset(data, 0xab, sizeof(data));
	CHECK(p_write(&e, nid, fh1, 0, data, sizeof(data)) == sizeof(data),
	      "write");
	n = p_open(&e, nid, O_RDONLY, r, sizeof(r));
	CHECK(n > 0 && !dec_open_reply(r, (size_t)n, false, 65536, 2 * MiB,
				       &dop, why, sizeof(why)),
	      "reopen: %s", why);
	CHECK(!(dop.open_flags & DEC_FOPEN_PASSTHROUGH), "pending reopen");
	fh2 = dop.fh;
	CHECK(!p_release(&e, nid, fh2), "release");
	CHECK(!p_release(&e, nid, fh1), "release");
	/*
	 * All handles closed: the daemon logs the file once it settles; until
	 * then opens stay on the daemon path, afterwards they are dax.
	 */
	for (int i = 0; i < 500; i++) {
		n = p_open(&e, nid, O_RDONLY, r, sizeof(r));
		CHECK(n > 0 && !dec_open_reply(r, (size_t)n, false, 65536,
					       2 * MiB, &dop, why, sizeof(why)),
		      "open after close: %s", why);
		if (dop.open_flags & DEC_FOPEN_PASSTHROUGH)
			break;
		CHECK(!p_release(&e, nid, dop.fh), "release");
		usleep(10000);
	}
	CHECK(dop.open_flags == DEC_FOPEN_PASSTHROUGH, "logged file not dax");
	CHECK(dop.rec_type == DEC_EXT_EXTENTS && dop.nr == 1 &&
		      dop.ext[0].length == 2 * MiB,
	      "logged file record");
	CHECK(!p_release(&e, nid, dop.fh), "release");
	CHECK(!p_stats(&e, &st), "stats");
	CHECK(st.write_upcalls >= 1, "write_upcalls %llu", st.write_upcalls);
	CHECK(st.passthrough_opens == 1, "passthrough_opens %llu",
	      st.passthrough_opens);
	CHECK(emu_stop(&e) == 0, "daemon exit status not 0");
	return 0;
}

struct tcase {
	const char *name;
	int (*fn)(void);
};

int main(int argc, char **argv)
{
	static const struct tcase cases[] = {
		{ "stock kernel: no extension, daemon READ", case_stock },
		{ "-d daemon on a dax kernel", case_forced_daemon },
		{ "dax bit without FUSE_PASSTHROUGH",
		  case_dax_without_passthrough },
		{ "dax kernel: INIT bits and records", case_dax },
		{ "registration EINVAL: daemon path", case_einval },
		{ "-d passthrough impossible: exit 2",
		  case_forced_passthrough },
		{ "map over max_open_ext: daemon path", case_overflow },
		{ "concurrent opens, several devices", case_concurrent },
		{ "CREATE/pending on the master", case_create },
	};
	const char *only = argc > 2 ? argv[2] : NULL;
	int fails = 0;

	if (argc < 2) {
		fprintf(stderr, "usage: %s FAMFSD [CASE-SUBSTRING]\n", argv[0]);
		return 2;
	}
	famfsd = argv[1];
	if (access(famfsd, X_OK)) {
		fprintf(stderr, "%s: not built\n", famfsd);
		return 1;
	}
	if (build_image()) {
		fprintf(stderr, "cannot build the test image\n");
		return 1;
	}
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int r;

		if (only && !strstr(cases[i].name, only))
			continue;
		cur = NULL;
		r = cases[i].fn();
		printf("%s - %s\n", r ? "FAIL" : "ok", cases[i].name);
		fflush(stdout);
		if (r && cur) {
			if (cur->pid > 0 && cur->fd >= 0)
				emu_stop(cur);
			emu_dump_log(cur);
		}
		fails += r != 0;
	}
	for (int i = 0; !fails && i < nlogs; i++)
		unlink(logs[i]);
	unlink(img0);
	unlink(img1);
	unlink(uuidf);
	unlink(conf);
	rmdir(dir);
	return fails ? 1 : 0;
}
