// SPDX-License-Identifier: Apache-2.0
/*
 * Fuzz harness (d): the allocator and the log writer on top of whatever
 * log the input holds (harness.h). The image lives in a memfd, so the
 * real famfs_fs_open, famfs_fs_lock and famfs_fs_mkfile run on it. The
 * allocation rule is restated here independently of lib/claim.c: every
 * extent that lies wholly inside device 0, of every entry whose seq and
 * CRC are good and that is not a MKDIR or ADD_DAXDEV, holds every unit it
 * touches; so do the superblock and the log. No allocation may return
 * such a unit, nor one this run already holds.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "harness.h"

#define AU FAMFS_ALLOC_UNIT
#define FZ_ALLOC_DEV_MASK (((uint64_t)1 << 36) - 1) /* at most 64 GiB */
#define FZ_MAX_UNITS ((FZ_ALLOC_DEV_MASK + 1) / AU)
#define FZ_MAX_OPS 32
#define FZ_MAX_MAPS 8

struct fz_alloc_run {
	uint8_t held[FZ_MAX_UNITS]; /* 1: some entry maps it; 2: ours */
	uint64_t nunits;
	struct famfs_fs *fs;
	struct famfs_fmap maps[FZ_MAX_MAPS]; /* reserved, not logged */
	unsigned nmaps;
	uint64_t logged[FZ_MAX_OPS]; /* log indices this run appended */
	unsigned nlogged;
};

static void count_report(void *arg, const struct famfs_err *err)
{
	(void)err;
	(*(uint64_t *)arg)++;
}

/* The units the log holds, by the rule restated (see the top). */
static uint64_t mark_log(struct fz_alloc_run *r, const struct fz_img *im,
			 uint64_t consumed)
{
	uint64_t n = 0, meta = (FAMFS_LOG_OFFSET + im->sb->log_len) / AU;

	for (uint64_t u = 0; u < meta && u < r->nunits; u++)
		r->held[u] = 1;
	for (uint64_t i = 0; i < consumed && i < im->nent; i++) {
		const struct famfs_omf_log_entry *e =
			(const void *)(im->log + famfs_log_entry_offset(i));
		const struct famfs_omf_fmap *om = &e->u.file.fmap;
		const struct famfs_omf_extent *x = om->u.se;
		uint64_t cnt = om->nextents;

		if (e->type == FAMFS_OMF_LOG_MKDIR ||
		    e->type == FAMFS_OMF_LOG_ADD_DAXDEV || e->seqnum != i ||
		    e->crc != famfs_crc(e, FAMFS_LOG_ENTRY_CRC_LEN))
			continue;
		if (om->ext_type == FAMFS_OMF_EXT_INTERLEAVE) {
			x = om->u.ie[0].strips;
			cnt = om->u.ie[0].nstrips;
		} else if (om->ext_type != FAMFS_OMF_EXT_SIMPLE) {
			continue;
		}
		for (uint64_t k = 0; k < cnt && k < FAMFS_MAX_STRIPS; k++) {
			uint64_t end;

			if (x[k].devindex || !x[k].len ||
			    __builtin_add_overflow(x[k].offset, x[k].len,
						   &end) ||
			    end > im->sb->daxdev.size)
				continue;
			for (uint64_t u = x[k].offset / AU; u * AU < end; u++)
				r->held[u] = 1;
		}
	}
	for (uint64_t u = 0; u < r->nunits; u++)
		n += r->held[u] != 0;
	return n;
}

/* Units of @m not in @old: each must be free by the rule, then ours. */
static void take(struct fz_alloc_run *r, const struct famfs_fmap *m,
		 const struct famfs_fmap *old)
{
	for (unsigned i = 0; i < m->count; i++) {
		const struct famfs_extent *e = &m->ext[i];

		FZ_ASSERT(e->devindex == 0 && e->len && !(e->offset % AU) &&
			  !(e->len % AU));
		FZ_ASSERT(e->offset + e->len <= r->nunits * AU);
		for (uint64_t u = e->offset / AU; u < (e->offset + e->len) / AU;
		     u++) {
			bool had = false;

			for (unsigned j = 0; old && j < old->count; j++)
				had |= u >= old->ext[j].offset / AU &&
				       u < (old->ext[j].offset +
					    old->ext[j].len) /
						       AU;
			if (had)
				continue;
			FZ_ASSERT(r->held[u] == 0);
			r->held[u] = 2;
		}
	}
}

/* Units of @old no longer in @m go back (trim, release). */
static void give(struct fz_alloc_run *r, const struct famfs_fmap *old,
		 const struct famfs_fmap *m)
{
	for (unsigned i = 0; i < old->count; i++)
		for (uint64_t u = old->ext[i].offset / AU;
		     u < (old->ext[i].offset + old->ext[i].len) / AU; u++) {
			bool kept = false;

			for (unsigned j = 0; m && j < m->count; j++)
				kept |= u >= m->ext[j].offset / AU &&
					u < (m->ext[j].offset + m->ext[j].len) /
							AU;
			if (!kept) {
				FZ_ASSERT(r->held[u] == 2);
				r->held[u] = 0;
			}
		}
}

static void drop_map(struct fz_alloc_run *r, unsigned i)
{
	r->maps[i] = r->maps[--r->nmaps];
}

static void op(struct fz_alloc_run *r, const uint8_t *o, unsigned seq)
{
	struct famfs_ns *ns = famfs_fs_ns(r->fs);
	struct famfs_alloc_req q = { .size = ((uint64_t)o[1] % 48 + 1) * AU -
					     (o[2] & 1 ? 1000 : 0) };
	struct famfs_fmap m, old;
	unsigned last = r->nmaps ? r->nmaps - 1 : 0;
	int rc;

	switch (o[0] % 6) {
	case 0: /* contiguous */
	case 1: /* interleaved */
		if (r->nmaps == FZ_MAX_MAPS)
			return;
		if (o[0] % 6 == 1) {
			q.nstrips = 1 + o[2] % 4;
			q.nbuckets = q.nstrips + (o[2] >> 2) % 4;
			q.chunk_size = (o[2] & 0x40) ? 2 * AU : AU;
			q.seed = o[1];
		}
		rc = famfs_ns_alloc(ns, &q, &m);
		FZ_ASSERT(rc == 0 || rc == -ENOSPC || rc == -EINVAL);
		if (rc)
			return;
		FZ_ASSERT(famfs_fmap_capacity(&m) >= q.size);
		take(r, &m, NULL);
		r->maps[r->nmaps++] = m;
		return;
	case 2: /* grow */
		if (!r->nmaps || r->maps[last].type != FAMFS_FMAP_SIMPLE)
			return;
		old = r->maps[last];
		rc = famfs_ns_alloc_grow(ns, &r->maps[last],
					 famfs_fmap_capacity(&old) + q.size);
		FZ_ASSERT(rc == 0 || rc == -ENOSPC || rc == -EFBIG);
		take(r, &r->maps[last], &old);
		return;
	case 3: /* trim */
		if (!r->nmaps || r->maps[last].type != FAMFS_FMAP_SIMPLE)
			return;
		old = r->maps[last];
		FZ_ASSERT(famfs_ns_alloc_trim(
				  ns, &r->maps[last],
				  q.size % (famfs_fmap_capacity(&old) + 1)) ==
			  0);
		give(r, &old, &r->maps[last]);
		if (!r->maps[last].count)
			drop_map(r, last);
		return;
	case 4: /* release */
		if (!r->nmaps)
			return;
		famfs_ns_release(ns, &r->maps[last]);
		give(r, &r->maps[last], NULL);
		drop_map(r, last);
		return;
	default: { /* log the oldest reservation with the real writer */
		char name[16];
		uint64_t ino, size;

		if (!r->nmaps)
			return;
		snprintf(name, sizeof(name), "fz%u", seq);
		size = famfs_fmap_capacity(&r->maps[0]) - (o[2] & 1 ? 7 : 0);
		rc = famfs_fs_mkfile(r->fs, name, 0644, 0, 0, size, &r->maps[0],
				     &ino);
		FZ_ASSERT(rc == 0 || rc == -ENOSPC || rc == -EEXIST);
		if (rc == -EEXIST)
			FZ_ASSERT(famfs_ns_name_held(ns, FAMFS_INO_ROOT,
						     name) != -2);
		if (rc)
			return;
		r->logged[r->nlogged++] = ino - FAMFS_INO_LOG_BASE;
		for (unsigned i = 0; i < r->maps[0].count; i++)
			for (uint64_t u = r->maps[0].ext[i].offset / AU;
			     u < (r->maps[0].ext[i].offset +
				  r->maps[0].ext[i].len) /
					 AU;
			     u++)
				r->held[u] = 1; /* logged: the log holds it */
		drop_map(r, 0);
		return;
	}
	}
}

/* The log this run wrote replays served, nothing newly rejected. */
static void reread(const char *path, const struct fz_alloc_run *r,
		   const struct famfs_ns_stats *before)
{
	struct famfs_fs_opts o;
	struct famfs_ns_stats st;
	struct famfs_fs *fs;
	uint64_t bad = 0;

	famfs_fs_opts_init(&o);
	o.role = FAMFS_ROLE_CLIENT;
	o.dev_flags = FAMFS_DEV_RDONLY;
	o.report = count_report;
	o.report_arg = &bad;
	FZ_ASSERT(famfs_fs_open(path, &o, &fs, NULL) == 0);
	famfs_ns_stats(famfs_fs_ns(fs), &st);
	FZ_ASSERT(st.bad == before->bad && st.collisions == before->collisions);
	FZ_ASSERT(st.files == before->files + r->nlogged);
	FZ_ASSERT(famfs_ns_health(famfs_fs_ns(fs)) == 0);
	for (unsigned i = 0; i < r->nlogged; i++) {
		const struct famfs_node *n = famfs_ns_get(
			famfs_fs_ns(fs), FAMFS_INO_LOG_BASE + r->logged[i]);

		FZ_ASSERT(n && n->kind == FAMFS_NODE_FILE);
	}
	famfs_fs_close(fs);
}

int fz_alloc(const uint8_t *data, size_t size)
{
	static struct fz_alloc_run r;
	static int mfd = -1;
	static char path[64];
	struct famfs_ns_stats st, before;
	struct famfs_fs_opts o;
	struct fz_img im;
	uint64_t bad = 0;
	unsigned nops;
	int rc, health;

	if (mfd < 0) {
		mfd = memfd_create("fz-alloc", MFD_CLOEXEC);
		if (mfd < 0)
			abort();
		snprintf(path, sizeof(path), "/proc/self/fd/%d", mfd);
	}
	if (size < 3)
		return 0;
	nops = data[2] % (FZ_MAX_OPS + 1);
	if (size < 3 + 3 * (size_t)nops)
		nops = (unsigned)((size - 3) / 3);
	fz_build(data[0], data[1], data + 3 + 3 * nops, size - 3 - 3 * nops,
		 &im);
	im.sb->daxdev.size &= FZ_ALLOC_DEV_MASK; /* not CRC-covered */
	if (famfs_sb_check(im.sb, 0, NULL))
		return 0; /* no file system: fz_image covers it */
	/* The memfd holds only what the input gave; the rest reads 0. */
	if (ftruncate(mfd, 0) || ftruncate(mfd, (off_t)im.sb->daxdev.size) ||
	    pwrite(mfd, im.sb, sizeof(*im.sb), 0) != sizeof(*im.sb) ||
	    pwrite(mfd, im.log, im.used, FAMFS_LOG_OFFSET) != (ssize_t)im.used)
		abort();

	famfs_fs_opts_init(&o);
	o.role = FAMFS_ROLE_MASTER;
	o.report = count_report;
	o.report_arg = &bad;
	rc = famfs_fs_open(path, &o, &r.fs, NULL);
	if (rc) {
		FZ_ASSERT(rc == -EINVAL || rc == -EBADMSG || rc == -EUCLEAN);
		return 0;
	}
	memset(r.held, 0, sizeof(r.held));
	r.nunits = im.sb->daxdev.size / AU;
	r.nmaps = r.nlogged = 0;
	famfs_ns_stats(famfs_fs_ns(r.fs), &before);
	/* The library holds exactly what the rule says: no less, no more. */
	FZ_ASSERT(mark_log(&r, &im, before.next_index) == before.alloc_units);

	health = famfs_ns_health(famfs_fs_ns(r.fs));
	rc = famfs_fs_lock(r.fs, true);
	if (health) {
		struct famfs_alloc_req q = { .size = AU };
		struct famfs_fmap m;

		FZ_ASSERT(rc == health);
		FZ_ASSERT(famfs_ns_alloc(famfs_fs_ns(r.fs), &q, &m) == health);
		famfs_fs_close(r.fs);
		return 0;
	}
	FZ_ASSERT(rc == 0);
	for (unsigned i = 0; i < nops; i++)
		op(&r, data + 3 + 3 * i, i);
	while (r.nmaps) {
		famfs_ns_release(famfs_fs_ns(r.fs), &r.maps[r.nmaps - 1]);
		give(&r, &r.maps[r.nmaps - 1], NULL);
		r.nmaps--;
	}
	/* All given back: the library holds exactly the log's units. */
	famfs_ns_stats(famfs_fs_ns(r.fs), &st);
	{
		uint64_t n = 0;

		for (uint64_t u = 0; u < r.nunits; u++)
			n += r.held[u] == 1;
		FZ_ASSERT(st.alloc_units == n);
	}
	famfs_fs_close(r.fs);
	if (r.nlogged)
		reread(path, &r, &before);
	return 0;
}
