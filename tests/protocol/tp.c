// SPDX-License-Identifier: Apache-2.0
/* The protocol tests' harness: the image, starting daemons, checks. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tp.h"

const char *famfsd;
char dir[128], img0[192], img1[192], uuidf[192], conf[192];
uint64_t log_len;
struct famfs_fmap m_one, m_sixteen, m_stripe, m_conc[NCONC], m_d1, m_mixed,
	m_big;
uint64_t s_stripe = 24 * MiB;
uint64_t s_big = 4 * GiB - 1 * MiB;
ino_t img1_ino, img0_ino;
char why[512];

struct emu_opts base_opts(const char *path, int kernel)
{
	struct emu_opts o = { .famfsd = famfsd,
			      .image = img0,
			      .uuid_file = uuidf,
			      .config = conf,
			      .data_path = path,
			      .kernel = kernel };
	return o;
}

int build_image(void)
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

struct emu *cur;
char logs[64][256];
int nlogs;

int start(struct emu *e, const struct emu_opts *o)
{
	cur = e;
	if (emu_start(e, o))
		return -1;
	if (nlogs < 64)
		snprintf(logs[nlogs++], sizeof(logs[0]), "%s", e->logpath);
	return 0;
}

/* start() then a successful INIT offering @offer; -1 (reported) if not. */
int start_init(struct emu *e, const struct emu_opts *o, uint64_t offer,
	       uint32_t minor, struct dec_init *di)
{
	if (start(e, o))
		return -1;
	CHECK(!p_init(e, offer, minor, di, why, sizeof(why)), "INIT: %s", why);
	return 0;
}

bool log_has(const struct emu *e, const char *s)
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
int open_dec(struct emu *e, uint64_t parent, const char *name, size_t max_ext,
	     struct dec_open *d, uint64_t *nodeid)
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

struct dec_open dop;

/* Open "one" with no extension room: it must take the daemon path. */
int open_one_daemon(struct emu *e, uint64_t *nid)
{
	CHECK(!open_dec(e, 1, "one", 0, &dop, nid), "%s", why);
	CHECK(!(dop.open_flags & DEC_FOPEN_PASSTHROUGH), "passthrough open");
	return 0;
}

/* Record of a simple map matches @m exactly (extents, offsets, ids). */
int same_simple(const struct dec_open *d, const struct famfs_fmap *m,
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

int read_matches(struct emu *e, uint64_t nodeid, uint64_t fh, uint64_t off,
		 uint32_t len, uint32_t seed)
{
	static uint8_t buf[1 << 20];
	ssize_t n = p_read(e, nodeid, fh, off, len, buf);

	CHECK(n == (ssize_t)len, "READ returned %zd, want %u", n, len);
	for (uint32_t i = 0; i < len; i++)
		CHECK(buf[i] == img_byte(seed, off + i), "byte %llu differs",
		      (unsigned long long)(off + i));
	return 0;
}

int lookup_conc(struct emu *e, uint64_t *nid)
{
	for (int i = 0; i < NCONC; i++) {
		char name[16];

		snprintf(name, sizeof(name), "c%02d", i);
		nid[i] = p_lookup(e, 1, name);
		CHECK(nid[i], "lookup %s", name);
	}
	return 0;
}

void send_opens(struct emu *e, const uint64_t *nid, int n, int rounds)
{
	/* All requests first, then all replies: the daemon's threads race. */
	for (int k = 0; k < rounds; k++)
		for (int i = 0; i < n; i++) {
			uint8_t in[8] = { 0 };

			emu_send(e, OP_OPEN, nid[i], in, sizeof(in), NULL, 0);
		}
}
