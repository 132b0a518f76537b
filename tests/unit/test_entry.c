// SPDX-License-Identifier: Apache-2.0
/* famfs_entry_check and the entry encoders: every rule, errno and field. */
#include <errno.h>
#include <string.h>

#include "testutil.h"

#define DATA0 (10 * TU_MiB) /* first data byte with an 8 MiB log */
#define AU (2 * TU_MiB)
#define DEV (8 * TU_GiB)

static struct famfs_geom g48, g47;

static int setup(void **state)
{
	(void)state;
	tu_geom(&g48, 48, DEV, 8 * TU_MiB);
	tu_geom(&g47, 47, DEV, 8 * TU_MiB);
	return 0;
}

/* A valid FILE entry at index 7: "d/f", 4096 bytes, one extent. */
static void file7(struct famfs_omf_log_entry *e)
{
	struct famfs_fmap m;

	tu_fmap1(&m, DATA0, AU);
	assert_int_equal(
		famfs_entry_make_file(e, 7, "d/f", 0644, 1, 2, 4096, &m), 0);
}

static void mkdir7(struct famfs_omf_log_entry *e)
{
	assert_int_equal(famfs_entry_make_mkdir(e, 7, "d", 0755, 1, 2), 0);
}

/* Check @e as index 7 on @g: expect @code naming @field at index 7. */
static void expect(const struct famfs_omf_log_entry *e,
		   const struct famfs_geom *g, int code, const char *field)
{
	struct famfs_err err;

	assert_err(famfs_entry_check(e, 7, g, &err), code, &err, field);
	assert_int_equal(err.index, 7);
}

static void test_valid(void **state)
{
	struct famfs_omf_log_entry e;

	(void)state;
	file7(&e);
	assert_int_equal(famfs_entry_check(&e, 7, &g48, NULL), 0);
	assert_int_equal(famfs_entry_check(&e, 7, &g47, NULL), 0);
	mkdir7(&e);
	assert_int_equal(famfs_entry_check(&e, 7, &g48, NULL), 0);
}

static void test_seq(void **state)
{
	struct famfs_omf_log_entry e;
	struct famfs_err err;

	(void)state;
	file7(&e);
	assert_err(famfs_entry_check(&e, 8, &g48, &err), -EBADMSG, &err,
		   "seqnum");
	assert_int_equal(err.index, 8);
	assert_err(famfs_entry_check(&e, 6, &g48, &err), -EBADMSG, &err,
		   "seqnum");
	e.seqnum = 0; /* a zero (never written) slot */
	tu_seal(&e);
	expect(&e, &g48, -EBADMSG, "seqnum");
}

static void test_crc(void **state)
{
	struct famfs_omf_log_entry e;
	uint8_t *b = (uint8_t *)&e;

	(void)state;
	/* Every CRC-covered byte after the seqnum, including padding. */
	for (size_t off = 8; off < sizeof(e); off++) {
		file7(&e);
		b[off] ^= 0x80;
		expect(&e, &g48, -EBADMSG, "crc");
	}
}

static void test_pad(void **state)
{
	struct famfs_omf_log_entry e;

	(void)state;
	mkdir7(&e);
	e.pad0 = 1;
	tu_seal(&e);
	expect(&e, &g48, -EINVAL, "pad");
}

static void test_unknown_type(void **state)
{
	static const uint32_t bad[] = { 2, 4, 99, 0xffffffff };
	struct famfs_omf_log_entry e;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		mkdir7(&e);
		e.type = bad[i];
		tu_seal(&e);
		expect(&e, &g48, -EINVAL, "type");
	}
}

static void test_relpath_nul(void **state)
{
	struct famfs_omf_log_entry e;

	(void)state;
	file7(&e);
	memset(e.u.file.relpath, 'a', FAMFS_MAX_PATHLEN);
	tu_seal(&e);
	expect(&e, &g48, -EINVAL, "relpath");
	mkdir7(&e);
	memset(e.u.mkdir.relpath, 'a', FAMFS_MAX_PATHLEN);
	tu_seal(&e);
	expect(&e, &g48, -EINVAL, "relpath");
}

static void test_relpath_garbage(void **state)
{
	struct famfs_omf_log_entry e;

	(void)state;
	file7(&e);
	e.u.file.relpath[FAMFS_MAX_PATHLEN - 1] = 'x';
	tu_seal(&e);
	expect(&e, &g48, -EINVAL, "relpath");
	mkdir7(&e);
	e.u.mkdir.relpath[5] = 'z';
	tu_seal(&e);
	expect(&e, &g48, -EINVAL, "relpath");
}

static void test_relpath_rules(void **state)
{
	static const char *bad[] = { "",   "/abs",  "a//b",  "a/",
				     "..", "a/./b", ".meta", ".meta/x" };
	struct famfs_omf_log_entry e;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		file7(&e);
		memset(e.u.file.relpath, 0, FAMFS_MAX_PATHLEN);
		memcpy(e.u.file.relpath, bad[i], strlen(bad[i]));
		tu_seal(&e);
		expect(&e, &g48, -EINVAL, "relpath");
		mkdir7(&e);
		memset(e.u.mkdir.relpath, 0, FAMFS_MAX_PATHLEN);
		memcpy(e.u.mkdir.relpath, bad[i], strlen(bad[i]));
		tu_seal(&e);
		expect(&e, &g48, -EINVAL, "relpath");
	}
}

static void test_mode(void **state)
{
	struct famfs_omf_log_entry e;
	struct famfs_fmap m;

	(void)state;
	file7(&e);
	e.u.file.mode = 010000; /* S_IFIFO would be an S_IFMT bit */
	tu_seal(&e);
	expect(&e, &g48, -EINVAL, "mode");
	mkdir7(&e);
	e.u.mkdir.mode = 040755;
	tu_seal(&e);
	expect(&e, &g48, -EINVAL, "mode");
	/* All of 07777 is legal (sticky dirs in the fixtures). */
	mkdir7(&e);
	e.u.mkdir.mode = 07777;
	tu_seal(&e);
	assert_int_equal(famfs_entry_check(&e, 7, &g48, NULL), 0);
	/* The encoders refuse such modes too. */
	tu_fmap1(&m, DATA0, AU);
	assert_int_equal(famfs_entry_make_mkdir(&e, 0, "d", 040755, 0, 0),
			 -EINVAL);
	assert_int_equal(
		famfs_entry_make_file(&e, 0, "f", 0100644, 0, 0, 1, &m),
		-EINVAL);
}

static void test_file_flags(void **state)
{
	struct famfs_omf_log_entry e;

	(void)state;
	file7(&e);
	e.u.file.flags = 4;
	tu_seal(&e);
	expect(&e, &g48, -EINVAL, "flags");
	e.u.file.flags = FAMFS_FILE_FLAG_ALL_HOSTS_RO;
	tu_seal(&e);
	assert_int_equal(famfs_entry_check(&e, 7, &g48, NULL), 0);
}

static void test_mkdir_tail(void **state)
{
	struct famfs_omf_log_entry e;

	(void)state;
	mkdir7(&e);
	e.u.raw[sizeof(struct famfs_omf_mkdir)] = 1;
	tu_seal(&e);
	expect(&e, &g48, -EINVAL, "mkdir");
	mkdir7(&e);
	e.u.raw[519] = 1;
	tu_seal(&e);
	expect(&e, &g48, -EINVAL, "mkdir");
}

/* ---- ADD_DAXDEV ---------------------------------------------------------- */

static const struct famfs_omf_uuid dd_uuid = {
	{ 0x11, 0x11, 0x11, 0x11, 0x22, 0x22, 0x43, 0x33, 0x84, 0x44, 0x55,
	  0x55, 0x55, 0x55, 0x55, 0x55 }
};

static void daxdev7(struct famfs_omf_log_entry *e, uint64_t size,
		    const struct famfs_omf_uuid *u, uint32_t index)
{
	assert_int_equal(famfs_entry_make_daxdev(e, 7, size, u, index), 0);
}

static void test_daxdev_valid(void **state)
{
	struct famfs_omf_log_entry e;

	(void)state;
	daxdev7(&e, 16 * TU_GiB, &dd_uuid, 1);
	assert_int_equal(famfs_entry_check(&e, 7, &g48, NULL), 0);
}

static void test_daxdev_v47(void **state)
{
	struct famfs_omf_log_entry e;

	(void)state;
	daxdev7(&e, 16 * TU_GiB, &dd_uuid, 1);
	expect(&e, &g47, -EINVAL, "type");
}

static void test_daxdev_index(void **state)
{
	struct famfs_omf_log_entry e;
	struct famfs_geom g = g48;

	(void)state;
	daxdev7(&e, 16 * TU_GiB, &dd_uuid, 0); /* 0 is the primary */
	expect(&e, &g48, -EINVAL, "dd_index");
	daxdev7(&e, 16 * TU_GiB, &dd_uuid, 2); /* skips 1 */
	expect(&e, &g48, -EINVAL, "dd_index");
	/* Dense but beyond what the reader supports. */
	g.ndevs = FAMFS_MAX_DAXDEVS;
	daxdev7(&e, 16 * TU_GiB, &dd_uuid, FAMFS_MAX_DAXDEVS);
	expect(&e, &g, -EINVAL, "dd_index");
}

static void test_daxdev_uuid(void **state)
{
	static const struct famfs_omf_uuid zero;
	struct famfs_omf_log_entry e;
	struct famfs_geom g = g48;

	(void)state;
	daxdev7(&e, 16 * TU_GiB, &zero, 1);
	expect(&e, &g48, -EINVAL, "dd_uuid");
	/* Same uuid as the primary device. */
	daxdev7(&e, 16 * TU_GiB, &g48.dev_uuid[0], 1);
	expect(&e, &g48, -EINVAL, "dd_uuid");
	/* Same uuid as an earlier secondary. */
	g.ndevs = 2;
	g.dev_uuid[1] = dd_uuid;
	g.dev_size[1] = 16 * TU_GiB;
	daxdev7(&e, 16 * TU_GiB, &dd_uuid, 2);
	expect(&e, &g, -EINVAL, "dd_uuid");
}

static void test_daxdev_size(void **state)
{
	struct famfs_omf_log_entry e;

	(void)state;
	daxdev7(&e, 0, &dd_uuid, 1);
	expect(&e, &g48, -EINVAL, "dd_size");
	daxdev7(&e, 16 * TU_GiB + 4096, &dd_uuid, 1);
	expect(&e, &g48, -EINVAL, "dd_size");
}

static void test_daxdev_tail(void **state)
{
	struct famfs_omf_log_entry e;

	(void)state;
	daxdev7(&e, 16 * TU_GiB, &dd_uuid, 1);
	e.u.daxdev.pad0 = 1;
	tu_seal(&e);
	expect(&e, &g48, -EINVAL, "add_daxdev");
	daxdev7(&e, 16 * TU_GiB, &dd_uuid, 1);
	e.u.raw[100] = 1;
	tu_seal(&e);
	expect(&e, &g48, -EINVAL, "add_daxdev");
}

/* ---- FILE maps: simple --------------------------------------------------- */

/* A FILE entry at index 7 with @n simple extents from @x, size @size. */
static void file_se(struct famfs_omf_log_entry *e, uint64_t size, unsigned n,
		    const struct famfs_omf_extent *x)
{
	file7(e);
	e->u.file.size = size;
	memset(&e->u.file.fmap, 0, sizeof(e->u.file.fmap));
	e->u.file.fmap.ext_type = FAMFS_OMF_EXT_SIMPLE;
	e->u.file.fmap.nextents = n;
	for (unsigned i = 0; i < n; i++)
		e->u.file.fmap.u.se[i] = x[i];
	tu_seal(e);
}

static void expect_se1(uint64_t size, uint64_t dev, uint64_t off, uint64_t len,
		       int code, const char *field)
{
	struct famfs_omf_extent x = { dev, off, len };
	struct famfs_omf_log_entry e;

	file_se(&e, size, 1, &x);
	if (code)
		expect(&e, &g48, code, field);
	else
		assert_int_equal(famfs_entry_check(&e, 7, &g48, NULL), 0);
}

static void test_se_nextents(void **state)
{
	struct famfs_omf_extent x[17];
	struct famfs_omf_log_entry e;

	(void)state;
	for (unsigned i = 0; i < 17; i++)
		x[i] = (struct famfs_omf_extent){ 0, DATA0 + i * AU, AU };
	file_se(&e, 1, 0, x);
	expect(&e, &g48, -EINVAL, "fmap.nextents");
	file_se(&e, 1, 16, x);
	assert_int_equal(famfs_entry_check(&e, 7, &g48, NULL), 0);
	/* 17 does not fit the union; set the count alone. */
	e.u.file.fmap.nextents = 17;
	tu_seal(&e);
	expect(&e, &g48, -EINVAL, "fmap.nextents");
}

static void test_se_unused_slots(void **state)
{
	struct famfs_omf_extent x[2] = { { 0, DATA0, AU },
					 { 0, DATA0 + AU, AU } };
	struct famfs_omf_log_entry e;

	(void)state;
	file_se(&e, 1, 2, x);
	e.u.file.fmap.u.se[2].len = AU; /* stale third extent */
	tu_seal(&e);
	expect(&e, &g48, -EINVAL, "fmap.se");
	file_se(&e, 1, 2, x);
	e.u.raw[519] = 1; /* last byte of the union */
	tu_seal(&e);
	expect(&e, &g48, -EINVAL, "fmap.se");
}

static void test_fmap_pad_and_type(void **state)
{
	struct famfs_omf_log_entry e;

	(void)state;
	file7(&e);
	e.u.file.fmap.pad0 = 1;
	tu_seal(&e);
	expect(&e, &g48, -EINVAL, "fmap.pad");
	file7(&e);
	e.u.file.fmap.pad1 = 1;
	tu_seal(&e);
	expect(&e, &g48, -EINVAL, "fmap.pad");
	file7(&e);
	e.u.file.fmap.ext_type = 2;
	tu_seal(&e);
	expect(&e, &g48, -EINVAL, "fmap.ext_type");
}

static void test_se_offset(void **state)
{
	struct famfs_omf_extent x[2] = { { 0, DATA0, AU },
					 { 0, DATA0 + AU + 4096, AU } };
	struct famfs_omf_log_entry e;

	(void)state;
	expect_se1(1, 0, DATA0 + 4096, AU, -EINVAL, "fmap.se[0]");
	expect_se1(1, 0, DATA0 + TU_MiB, AU, -EINVAL, "fmap.se[0]");
	/* The field names the extent. */
	file_se(&e, AU + 1, 2, x);
	expect(&e, &g48, -EINVAL, "fmap.se[1]");
}

static void test_se_len(void **state)
{
	(void)state;
	expect_se1(1, 0, DATA0, 0, -EINVAL, "fmap.se[0]");
	expect_se1(1, 0, DATA0, 4096, -EINVAL, "fmap.se[0]");
	expect_se1(1, 0, DATA0, AU + 4096, -EINVAL, "fmap.se[0]");
}

static void test_se_devindex(void **state)
{
	(void)state;
	expect_se1(1, 1, DATA0, AU, -EINVAL, "fmap.se[0]");
	expect_se1(1, UINT64_MAX, DATA0, AU, -EINVAL, "fmap.se[0]");
}

static void test_se_device_end(void **state)
{
	(void)state;
	expect_se1(1, 0, DEV - AU, AU, 0, NULL); /* last unit: fine */
	expect_se1(1, 0, DEV, AU, -EINVAL, "fmap.se[0]");
	expect_se1(1, 0, DEV - AU, 2 * AU, -EINVAL, "fmap.se[0]");
	/* offset + len wraps around 2^64. */
	expect_se1(1, 0, UINT64_MAX - AU + 1, 2 * AU, -EINVAL, "fmap.se[0]");
	expect_se1(1, 0, AU * 4, UINT64_MAX - AU + 1, -EINVAL, "fmap.se[0]");
}

static void test_se_reserved(void **state)
{
	(void)state;
	expect_se1(1, 0, 0, AU, -EINVAL, "fmap.se[0]"); /* superblock */
	expect_se1(1, 0, 2 * TU_MiB, AU, -EINVAL, "fmap.se[0]"); /* log */
	expect_se1(1, 0, 8 * TU_MiB, AU, -EINVAL, "fmap.se[0]"); /* log end */
	expect_se1(1, 0, 8 * TU_MiB, 2 * AU, -EINVAL, "fmap.se[0]");
	expect_se1(1, 0, DATA0, AU, 0, NULL);
}

static void test_se_too_small(void **state)
{
	struct famfs_omf_extent x[3] = { { 0, DATA0, AU },
					 { 0, DATA0 + 4 * AU, 2 * AU },
					 { 0, DATA0 + 8 * AU, AU } };
	struct famfs_omf_log_entry e;

	(void)state;
	expect_se1(AU, 0, DATA0, AU, 0, NULL);
	expect_se1(AU + 1, 0, DATA0, AU, -EINVAL, "fmap");
	file_se(&e, 4 * AU, 3, x);
	assert_int_equal(famfs_entry_check(&e, 7, &g48, NULL), 0);
	file_se(&e, 4 * AU + 1, 3, x);
	expect(&e, &g48, -EINVAL, "fmap");
}

static void test_size_zero(void **state)
{
	struct famfs_fmap m;
	struct famfs_omf_log_entry e;

	(void)state;
	expect_se1(0, 0, DATA0, AU, -EINVAL, "size");
	tu_fmap1(&m, DATA0, AU);
	assert_int_equal(famfs_entry_make_file(&e, 0, "f", 0644, 0, 0, 0, &m),
			 -EINVAL);
}

/* ---- FILE maps: interleaved ---------------------------------------------- */

/* Interleaved FILE entry: @ns strips of @slen bytes, chunk @cs. */
static void file_ie(struct famfs_omf_log_entry *e, uint64_t size, uint64_t ns,
		    uint64_t cs, uint64_t slen)
{
	struct famfs_omf_interleave *ie = &e->u.file.fmap.u.ie[0];

	file7(e);
	e->u.file.size = size;
	memset(&e->u.file.fmap, 0, sizeof(e->u.file.fmap));
	e->u.file.fmap.ext_type = FAMFS_OMF_EXT_INTERLEAVE;
	e->u.file.fmap.nextents = 1;
	ie->nstrips = ns;
	ie->chunk_size = cs;
	for (unsigned i = 0; i < ns && i < FAMFS_MAX_STRIPS; i++) {
		ie->strips[i].offset = TU_GiB + i * 64 * TU_MiB;
		ie->strips[i].len = slen;
	}
	tu_seal(e);
}

static void test_ie_valid(void **state)
{
	struct famfs_omf_log_entry e;

	(void)state;
	file_ie(&e, 16 * TU_MiB, 2, AU, 8 * TU_MiB);
	assert_int_equal(famfs_entry_check(&e, 7, &g48, NULL), 0);
	file_ie(&e, 50 * TU_MiB + 12345, 4, 4 * TU_MiB, 16 * TU_MiB);
	assert_int_equal(famfs_entry_check(&e, 7, &g48, NULL), 0);
	file_ie(&e, 1, 16, AU, AU); /* 16 strips, mostly unused */
	assert_int_equal(famfs_entry_check(&e, 7, &g48, NULL), 0);
}

static void test_ie_nextents(void **state)
{
	struct famfs_omf_log_entry e;

	(void)state;
	file_ie(&e, 16 * TU_MiB, 2, AU, 8 * TU_MiB);
	e.u.file.fmap.nextents = 0;
	tu_seal(&e);
	expect(&e, &g48, -EINVAL, "fmap.nextents");
	e.u.file.fmap.nextents = 2;
	tu_seal(&e);
	expect(&e, &g48, -EINVAL, "fmap.nextents");
}

static void test_ie_nstrips(void **state)
{
	struct famfs_omf_log_entry e;

	(void)state;
	file_ie(&e, AU, 0, AU, AU);
	expect(&e, &g48, -EINVAL, "fmap.ie.nstrips");
	file_ie(&e, AU, 17, AU, AU);
	expect(&e, &g48, -EINVAL, "fmap.ie.nstrips");
}

static void test_ie_unused_strips(void **state)
{
	struct famfs_omf_log_entry e;

	(void)state;
	file_ie(&e, 16 * TU_MiB, 2, AU, 8 * TU_MiB);
	e.u.file.fmap.u.ie[0].strips[2].offset = 3 * TU_GiB;
	tu_seal(&e);
	expect(&e, &g48, -EINVAL, "fmap.ie.strips");
}

static void test_ie_chunk(void **state)
{
	static const uint64_t bad[] = { 0, 4096, 1 << 20, 6 << 20, 3 << 21 };
	struct famfs_omf_log_entry e;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		file_ie(&e, 24 * TU_MiB, 2, bad[i], 24 * TU_MiB);
		expect(&e, &g48, -EINVAL, "fmap.ie.chunk_size");
	}
	file_ie(&e, 32 * TU_MiB, 2, 8 * TU_MiB, 16 * TU_MiB);
	assert_int_equal(famfs_entry_check(&e, 7, &g48, NULL), 0);
}

static void test_ie_strip_len(void **state)
{
	struct famfs_omf_log_entry e;

	(void)state;
	/* 6 MiB strips with a 4 MiB chunk. */
	file_ie(&e, 8 * TU_MiB, 2, 4 * TU_MiB, 6 * TU_MiB);
	expect(&e, &g48, -EINVAL, "fmap.ie.strips");
}

static void test_ie_strip_short(void **state)
{
	struct famfs_omf_log_entry e;

	(void)state;
	/* 16 MiB + 1 over 2 strips of 2 MiB chunks needs 9 chunks: 5 + 4. */
	file_ie(&e, 16 * TU_MiB + 1, 2, AU, 8 * TU_MiB);
	expect(&e, &g48, -EINVAL, "fmap.ie.strips");
	/* Only strip 0 must be longer: 10 MiB + 8 MiB is enough. */
	file_ie(&e, 16 * TU_MiB + 1, 2, AU, 8 * TU_MiB);
	e.u.file.fmap.u.ie[0].strips[0].len = 10 * TU_MiB;
	tu_seal(&e);
	assert_int_equal(famfs_entry_check(&e, 7, &g48, NULL), 0);
	/* Strip 1 too short alone. */
	file_ie(&e, 16 * TU_MiB, 2, AU, 8 * TU_MiB);
	e.u.file.fmap.u.ie[0].strips[1].len = 6 * TU_MiB;
	tu_seal(&e);
	expect(&e, &g48, -EINVAL, "fmap.ie.strips");
}

static void test_ie_strip_extent(void **state)
{
	struct famfs_omf_log_entry e;

	(void)state;
	file_ie(&e, 16 * TU_MiB, 2, AU, 8 * TU_MiB);
	e.u.file.fmap.u.ie[0].strips[1].offset = 4 * TU_MiB; /* in the log */
	tu_seal(&e);
	expect(&e, &g48, -EINVAL, "fmap.ie.strips[1]");
	file_ie(&e, 16 * TU_MiB, 2, AU, 8 * TU_MiB);
	e.u.file.fmap.u.ie[0].strips[0].offset = DEV - 4 * TU_MiB;
	tu_seal(&e);
	expect(&e, &g48, -EINVAL, "fmap.ie.strips[0]");
	file_ie(&e, 16 * TU_MiB, 2, AU, 8 * TU_MiB);
	e.u.file.fmap.u.ie[0].strips[1].devindex = 3;
	tu_seal(&e);
	expect(&e, &g48, -EINVAL, "fmap.ie.strips[1]");
}

/* ---- round trips --------------------------------------------------------- */

static void same_fmap(const struct famfs_fmap *a, const struct famfs_fmap *b)
{
	assert_int_equal(a->type, b->type);
	assert_int_equal(a->count, b->count);
	if (a->type == FAMFS_FMAP_INTERLEAVE)
		assert_int_equal(a->chunk_size, b->chunk_size);
	for (unsigned i = 0; i < a->count; i++) {
		assert_int_equal(a->ext[i].devindex, b->ext[i].devindex);
		assert_int_equal(a->ext[i].offset, b->ext[i].offset);
		assert_int_equal(a->ext[i].len, b->ext[i].len);
	}
}

static void test_roundtrip_mkdir(void **state)
{
	struct famfs_omf_log_entry e;

	(void)state;
	assert_int_equal(famfs_entry_make_mkdir(&e, 3, "a/b c/\xc3\xa9", 01777,
						4000000000u, 65534),
			 0);
	assert_int_equal(famfs_entry_check(&e, 3, &g48, NULL), 0);
	assert_int_equal(e.type, FAMFS_OMF_LOG_MKDIR);
	assert_string_equal(e.u.mkdir.relpath, "a/b c/\xc3\xa9");
	assert_int_equal(e.u.mkdir.mode, 01777);
	assert_int_equal(e.u.mkdir.uid, 4000000000u);
	assert_int_equal(e.u.mkdir.gid, 65534);
	assert_int_equal(e.crc, famfs_crc(&e, FAMFS_LOG_ENTRY_CRC_LEN));
	assert_int_equal(e.crc >> 32, 0);
}

static void test_roundtrip_file_simple(void **state)
{
	struct famfs_omf_log_entry e;
	struct famfs_fmap m = { .type = FAMFS_FMAP_SIMPLE, .count = 16 }, d;

	(void)state;
	for (unsigned i = 0; i < 16; i++) {
		m.ext[i].offset = DATA0 + 2 * i * AU;
		m.ext[i].len = AU;
	}
	assert_int_equal(
		famfs_entry_make_file(&e, 9, "x/y", 0600, 7, 8, 16 * AU, &m),
		0);
	assert_int_equal(famfs_entry_check(&e, 9, &g48, NULL), 0);
	assert_int_equal(e.u.file.size, 16 * AU);
	assert_int_equal(e.u.file.flags, FAMFS_FILE_FLAG_ALL_HOSTS_RW);
	assert_int_equal(famfs_fmap_decode(&e.u.file.fmap, &d, 9, NULL), 0);
	same_fmap(&m, &d);
}

static void test_roundtrip_file_ie(void **state)
{
	struct famfs_omf_log_entry e;
	struct famfs_fmap m = { .type = FAMFS_FMAP_INTERLEAVE,
				.count = 3,
				.chunk_size = 4 * TU_MiB },
			  d;

	(void)state;
	for (unsigned i = 0; i < 3; i++) {
		m.ext[i].offset = TU_GiB * (3 - i);
		m.ext[i].len = 8 * TU_MiB;
	}
	assert_int_equal(
		famfs_entry_make_file(&e, 0, "s", 0644, 0, 0, 24 * TU_MiB, &m),
		0);
	assert_int_equal(famfs_entry_check(&e, 0, &g48, NULL), 0);
	assert_int_equal(e.u.file.fmap.ext_type, FAMFS_OMF_EXT_INTERLEAVE);
	assert_int_equal(e.u.file.fmap.nextents, 1);
	assert_int_equal(e.u.file.fmap.u.ie[0].nstrips, 3);
	assert_int_equal(famfs_fmap_decode(&e.u.file.fmap, &d, 0, NULL), 0);
	same_fmap(&m, &d);
}

static void test_roundtrip_daxdev(void **state)
{
	struct famfs_omf_log_entry e;

	(void)state;
	daxdev7(&e, 16 * TU_GiB, &dd_uuid, 1);
	assert_int_equal(e.type, FAMFS_OMF_LOG_ADD_DAXDEV);
	assert_int_equal(e.u.daxdev.dd_size, 16 * TU_GiB);
	assert_int_equal(e.u.daxdev.dd_index, 1);
	assert_memory_equal(&e.u.daxdev.dd_uuid, &dd_uuid, 16);
}

static void test_make_errors(void **state)
{
	struct famfs_omf_log_entry e;
	struct famfs_fmap m;
	char longp[100];

	(void)state;
	memset(longp, 'p', sizeof(longp));
	longp[80] = '\0';
	tu_fmap1(&m, DATA0, AU);
	assert_int_equal(famfs_entry_make_mkdir(&e, 0, "", 0755, 0, 0),
			 -EINVAL);
	assert_int_equal(famfs_entry_make_mkdir(&e, 0, "a/../b", 0755, 0, 0),
			 -EINVAL);
	assert_int_equal(famfs_entry_make_mkdir(&e, 0, longp, 0755, 0, 0),
			 -ENAMETOOLONG);
	assert_int_equal(famfs_entry_make_file(&e, 0, longp, 0644, 0, 0, 1, &m),
			 -ENAMETOOLONG);
	m.count = 0;
	assert_int_equal(famfs_entry_make_file(&e, 0, "f", 0644, 0, 0, 1, &m),
			 -EINVAL);
	m.count = 17;
	assert_int_equal(famfs_entry_make_file(&e, 0, "f", 0644, 0, 0, 1, &m),
			 -EINVAL);
	m.type = FAMFS_FMAP_INTERLEAVE;
	assert_int_equal(famfs_entry_make_file(&e, 0, "f", 0644, 0, 0, 1, &m),
			 -EINVAL);
}

static void test_encode_decode(void **state)
{
	struct famfs_fmap m, d;
	struct famfs_omf_fmap om;
	struct famfs_err err;

	(void)state;
	tu_fmap1(&m, DATA0, 3 * AU);
	m.ext[0].devindex = 2;
	famfs_fmap_encode(&m, &om);
	assert_int_equal(om.ext_type, FAMFS_OMF_EXT_SIMPLE);
	assert_int_equal(om.nextents, 1);
	assert_int_equal(om.u.se[0].devindex, 2);
	assert_int_equal(famfs_fmap_decode(&om, &d, 5, &err), 0);
	same_fmap(&m, &d);
	/* Decode reports its index. */
	om.nextents = 0;
	assert_err(famfs_fmap_decode(&om, &d, 5, &err), -EINVAL, &err,
		   "fmap.nextents");
	assert_int_equal(err.index, 5);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid),
		cmocka_unit_test(test_seq),
		cmocka_unit_test(test_crc),
		cmocka_unit_test(test_pad),
		cmocka_unit_test(test_unknown_type),
		cmocka_unit_test(test_relpath_nul),
		cmocka_unit_test(test_relpath_garbage),
		cmocka_unit_test(test_relpath_rules),
		cmocka_unit_test(test_mode),
		cmocka_unit_test(test_file_flags),
		cmocka_unit_test(test_mkdir_tail),
		cmocka_unit_test(test_daxdev_valid),
		cmocka_unit_test(test_daxdev_v47),
		cmocka_unit_test(test_daxdev_index),
		cmocka_unit_test(test_daxdev_uuid),
		cmocka_unit_test(test_daxdev_size),
		cmocka_unit_test(test_daxdev_tail),
		cmocka_unit_test(test_se_nextents),
		cmocka_unit_test(test_se_unused_slots),
		cmocka_unit_test(test_fmap_pad_and_type),
		cmocka_unit_test(test_se_offset),
		cmocka_unit_test(test_se_len),
		cmocka_unit_test(test_se_devindex),
		cmocka_unit_test(test_se_device_end),
		cmocka_unit_test(test_se_reserved),
		cmocka_unit_test(test_se_too_small),
		cmocka_unit_test(test_size_zero),
		cmocka_unit_test(test_ie_valid),
		cmocka_unit_test(test_ie_nextents),
		cmocka_unit_test(test_ie_nstrips),
		cmocka_unit_test(test_ie_unused_strips),
		cmocka_unit_test(test_ie_chunk),
		cmocka_unit_test(test_ie_strip_len),
		cmocka_unit_test(test_ie_strip_short),
		cmocka_unit_test(test_ie_strip_extent),
		cmocka_unit_test(test_roundtrip_mkdir),
		cmocka_unit_test(test_roundtrip_file_simple),
		cmocka_unit_test(test_roundtrip_file_ie),
		cmocka_unit_test(test_roundtrip_daxdev),
		cmocka_unit_test(test_make_errors),
		cmocka_unit_test(test_encode_decode),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
