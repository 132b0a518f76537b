// SPDX-License-Identifier: Apache-2.0
/*
 * Corruption corpus, metadata half (entries are in test_corrupt.c): every
 * superblock and log header field flipped with and without the CRC
 * recomputed, bad header counters, and truncated image files opened with
 * famfs_fs_open. Each case asserts the exact errno and the field named.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "corrupt.h"

/* ---- superblock ---------------------------------------------------------- */

struct hcase {
	const char *what;
	unsigned off, width;
	enum op op;
	uint64_t val;
	int code_fixed; /* with the CRC recomputed (0 = accepted) */
	const char *field_fixed;
	int code_raw; /* without */
	const char *field_raw;
};

static const struct hcase sb_cases[] = {
	{ "magic", 0, 8, XOR, 1, -EINVAL, "superblock.magic", -EINVAL,
	  "superblock.magic" },
	{ "version", 8, 8, XOR, 1, -EPROTONOSUPPORT, "superblock.version",
	  -EPROTONOSUPPORT, "superblock.version" },
	{ "log_offset", 16, 8, XOR, 1 << 12, -EINVAL, "superblock.log_offset",
	  -EBADMSG, "superblock.crc" },
	{ "log_len", 24, 8, XOR, 1, -EINVAL, "superblock.log_len", -EBADMSG,
	  "superblock.crc" },
	{ "alloc_unit", 32, 8, XOR, 1 << 12, -EINVAL, "superblock.alloc_unit",
	  -EBADMSG, "superblock.crc" },
	{ "omf_ver_major", 40, 4, XOR, 1, 0, NULL, -EBADMSG, "superblock.crc" },
	{ "omf_ver_minor", 44, 4, XOR, 1, 0, NULL, -EBADMSG, "superblock.crc" },
	{ "fs_uuid", 48, 1, XOR, 1, 0, NULL, -EBADMSG, "superblock.crc" },
	{ "dev_uuid", 79, 1, XOR, 0x80, 0, NULL, -EBADMSG, "superblock.crc" },
	{ "system_uuid", 80, 8, XOR, 1, 0, NULL, -EBADMSG, "superblock.crc" },
	{ "crc", 96, 8, XOR, 1, -EBADMSG, "superblock.crc", -EBADMSG,
	  "superblock.crc" },
	{ "crc.high", 96, 8, XOR, 1ULL << 40, -EBADMSG, "superblock.crc",
	  -EBADMSG, "superblock.crc" },
	{ "sb_flags", 104, 4, XOR, 1, 0, NULL, 0, NULL },
	{ "pad0", 108, 4, XOR, 1, 0, NULL, 0, NULL },
	{ "daxdev.size.align", 112, 8, XOR, 1 << 12, -EINVAL,
	  "superblock.daxdev.size", -EINVAL, "superblock.daxdev.size" },
	{ "daxdev.size.huge", 112, 8, XOR, 1ULL << 62, -EINVAL,
	  "superblock.daxdev.size", -EINVAL, "superblock.daxdev.size" },
	{ "daxdev.size.small", 112, 8, SET, 8 << 20, -EINVAL,
	  "superblock.daxdev.size", -EINVAL, "superblock.daxdev.size" },
	{ "daxdev.uuid", 120, 8, XOR, 1, 0, NULL, 0, NULL },
	{ "daxdev.name", 136, 1, XOR, 0x40, 0, NULL, 0, NULL },
	{ "daxdev.name.end", 199, 1, XOR, 0x41, 0, NULL, 0, NULL },
};

static void test_superblock(void **state)
{
	(void)state;
	for (int x = 0; x < NFIX; x++) {
		struct fx *f = &fixtures[x];
		struct famfs_omf_superblock save = *f->sb;

		for (size_t i = 0; i < sizeof(sb_cases) / sizeof(sb_cases[0]);
		     i++) {
			const struct hcase *c = &sb_cases[i];

			for (int fix = 0; fix < 2; fix++) {
				int code = fix ? c->code_fixed : c->code_raw;
				const char *field =
					fix ? c->field_fixed : c->field_raw;
				struct famfs_ns *ns = NULL;
				struct famfs_err err;

				mutate((uint8_t *)f->sb + c->off, c->width,
				       c->op, c->val);
				if (fix && c->off != 96)
					famfs_sb_seal(f->sb);
				famfs_err_clear(&err);
				assert_int_equal(
					famfs_sb_check(f->sb, save.daxdev.size,
						       &err),
					code);
				if (code) {
					assert_int_equal(err.index, -1);
					assert_string_equal(err.field, field);
					assert_int_equal(
						famfs_ns_create(f->sb, &ns),
						-EINVAL);
				} else {
					want_replay(f, UINT64_MAX, NULL, NULL,
						    NULL);
				}
				*f->sb = save;
			}
		}

		/* A device smaller than the superblock claims. */
		{
			struct famfs_err err;

			assert_int_equal(
				famfs_sb_check(f->sb,
					       save.daxdev.size -
						       FAMFS_ALLOC_UNIT,
					       &err),
				-EINVAL);
			assert_string_equal(err.field,
					    "superblock.daxdev.size");
		}

		/* Device just big enough for the log: every file is out. */
		{
			struct famfs_ns_stats st;
			struct famfs_ns *ns;

			f->sb->daxdev.size = FAMFS_LOG_OFFSET + f->sb->log_len;
			assert_int_equal(famfs_sb_check(f->sb, 0, NULL), 0);
			assert_int_equal(replay(f, &ns, &st), (long)f->nent);
			assert_int_equal(st.files, 0);
			assert_int_equal(st.dirs, f->dirs);
			assert_int_equal(st.bad, f->files);
			for (uint64_t r = 0; r < rep.n && r < MAX_REPORTS; r++)
				assert_true(!strncmp(rep.field[r], "fmap.", 5));
			famfs_ns_free(ns);
			*f->sb = save;
		}

		/* A larger (valid) log length than the buffer holds. */
		{
			struct famfs_ns *ns;

			f->sb->log_len *= 2;
			famfs_sb_seal(f->sb);
			assert_int_equal(famfs_ns_create(f->sb, &ns), 0);
			assert_int_equal(
				famfs_ns_replay(ns, f->log, save.log_len, NULL),
				-EINVAL);
			famfs_ns_free(ns);
			*f->sb = save;
		}
	}
}

/* ---- log header ---------------------------------------------------------- */

static void test_log_header(void **state)
{
	static const struct hcase cases[] = {
		{ "magic", 0, 8, XOR, 1, -EINVAL, "log.magic", -EINVAL,
		  "log.magic" },
		{ "log_len", 8, 8, XOR, 1 << 24, -EINVAL, "log.log_len",
		  -EBADMSG, "log.crc" },
		{ "last_index", 16, 8, XOR, 1, -EINVAL, "log.last_index",
		  -EBADMSG, "log.crc" },
		{ "crc", 24, 8, XOR, 1, -EBADMSG, "log.crc", -EBADMSG,
		  "log.crc" },
		{ "crc.high", 24, 8, XOR, 1ULL << 33, -EBADMSG, "log.crc",
		  -EBADMSG, "log.crc" },
		{ "next_seqnum", 32, 8, XOR, 1, -EUCLEAN, "log.next_seqnum",
		  -EUCLEAN, "log.next_seqnum" },
	};

	(void)state;
	for (int x = 0; x < NFIX; x++) {
		struct fx *f = &fixtures[x];
		struct famfs_omf_log_header save = *hdr(f);
		struct famfs_omf_log_header *h = hdr(f);
		struct famfs_ns_stats st;
		struct famfs_ns *ns;

		for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
			const struct hcase *c = &cases[i];

			for (int fix = 0; fix < 2; fix++) {
				mutate((uint8_t *)h + c->off, c->width, c->op,
				       c->val);
				if (fix && c->off != 24)
					h->crc = famfs_crc(
						h, FAMFS_LOG_HDR_CRC_LEN);
				want_header(
					f, fix ? c->code_fixed : c->code_raw,
					fix ? c->field_fixed : c->field_raw);
				*h = save;
			}
		}

		/* next_index past the last slot, or absurd. */
		h->next_index = h->next_seqnum = h->last_index + 2;
		want_header(f, -EUCLEAN, "log.next_index");
		h->next_index = h->next_seqnum = 1ULL << 63;
		want_header(f, -EUCLEAN, "log.next_index");
		*h = save;

		/* next_index past the written entries: the first empty slot
		 * is torn (seqnum 0) and nothing good follows: every reader
		 * stops there and no writer appends. */
		if (save.next_index + 3 <= save.last_index + 1) {
			h->next_index = h->next_seqnum = save.next_index + 3;
			assert_int_equal(replay(f, &ns, &st), -EBADMSG);
			assert_int_equal(st.next_index, f->nent);
			assert_int_equal(st.files, f->files);
			assert_int_equal(rep.n, 1);
			assert_int_equal(rep.index[0], (int64_t)f->nent);
			assert_string_equal(rep.field[0], "seqnum");
			assert_int_equal(rep.kind[0], FAMFS_ERR_TORN);
			assert_int_equal(st.torn, 1);
			assert_int_equal(famfs_ns_health(ns), -EBADMSG);
			famfs_ns_free(ns);
			*h = save;
		}

		/* A shorter log: only its entries. */
		h->next_index = h->next_seqnum = save.next_index / 2;
		assert_int_equal(replay(f, &ns, &st),
				 (long)(save.next_index / 2));
		assert_int_equal(st.files + st.dirs, save.next_index / 2);
		assert_int_equal(rep.n, 0);
		famfs_ns_free(ns);
		*h = save;
	}
}

/* ---- truncated image files through famfs_fs_open ------------------------- */

static int open_image(const char *path, struct famfs_err *err,
		      struct famfs_fs **fs)
{
	struct famfs_fs_opts o;

	famfs_fs_opts_init(&o);
	o.dev_flags = FAMFS_DEV_RDONLY;
	o.role = FAMFS_ROLE_CLIENT; /* no system UUID file needed */
	famfs_err_clear(err);
	return famfs_fs_open(path, &o, fs, err);
}

static void write_image(const char *path, const struct fx *f, uint64_t size)
{
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	uint64_t n = size < f->len ? size : f->len;

	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, (off_t)size), 0);
	assert_int_equal(pwrite(fd, f->meta, n, 0), (ssize_t)n);
	close(fd);
}

static void test_truncated_files(void **state)
{
	struct fx *f = &fixtures[0];
	uint64_t dev = f->sb->daxdev.size, meta = f->len;
	const struct {
		const char *what;
		uint64_t size;
		int code;
		const char *field;
	} cases[] = {
		{ "empty", 0, -EINVAL, "device" },
		{ "1 MiB", 1 << 20, -EINVAL, "device" },
		{ "superblock only", FAMFS_SUPERBLOCK_SIZE, -EINVAL,
		  "superblock.daxdev.size" },
		{ "cut inside an entry",
		  FAMFS_LOG_OFFSET + famfs_log_entry_offset(10) + 100, -EINVAL,
		  "device" },
		{ "cut inside the log", FAMFS_LOG_OFFSET + (4 << 20), -EINVAL,
		  "superblock.daxdev.size" },
		{ "metadata only", meta, -EINVAL, "superblock.daxdev.size" },
		{ "one unit short", dev - FAMFS_ALLOC_UNIT, -EINVAL,
		  "superblock.daxdev.size" },
		{ "complete", dev, 0, NULL },
	};
	char dir[] = "/tmp/famfs-corrupt-XXXXXX", path[64];

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/img", dir);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct famfs_fs *fs = NULL;
		struct famfs_err err;
		int rc;

		write_image(path, f, cases[i].size);
		rc = open_image(path, &err, &fs);
		if (rc != cases[i].code)
			fprintf(stderr, "%s: rc %d field %s\n", cases[i].what,
				rc, err.field);
		assert_int_equal(rc, cases[i].code);
		if (rc) {
			assert_string_equal(err.field, cases[i].field);
			assert_true(err.msg[0] != '\0');
		} else {
			struct famfs_ns_stats st;

			famfs_ns_stats(famfs_fs_ns(fs), &st);
			assert_int_equal(st.files, f->files);
			assert_int_equal(st.dirs, f->dirs);
			famfs_fs_close(fs);
		}
	}
	unlink(path);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_superblock, cr_reset),
		cmocka_unit_test_setup(test_log_header, cr_reset),
		cmocka_unit_test_setup(test_truncated_files, cr_reset),
	};

	return cmocka_run_group_tests(tests, cr_setup, cr_teardown);
}
