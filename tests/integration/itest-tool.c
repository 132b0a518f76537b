// SPDX-License-Identifier: Apache-2.0
/*
 * itest-tool: offline image preparation and checks for the integration
 * tests, built straight on libfamfs so the suite does not depend on the
 * famfs CLI being present.
 *
 *   itest-tool mkfs IMG UUIDFILE [LOGLEN]   format as master UUIDFILE
 *   itest-tool fill-log IMG UUIDFILE KEEP   mkdir until KEEP log slots free
 *   itest-tool fill-space IMG UUIDFILE KEEP create one file leaving KEEP
 *                                           bytes (rounded to 2 MiB) free
 *   itest-tool fsck IMG                     replay everything; exit 0 only
 *                                           if no entry is bad or torn and
 *                                           no 2 MiB unit is claimed twice
 *   itest-tool stat IMG                     key value lines: files, dirs,
 *                                           log_free, free_bytes
 * Exit: 0 ok, 1 usage, 2 failure (one line on stderr).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "famfs/famfs.h"

static int fail(const char *what, int rc, const struct famfs_err *err)
{
	char buf[320];

	if (err && (err->field[0] || err->msg[0]))
		fprintf(stderr, "itest-tool: %s: %s\n", what,
			famfs_err_str(err, buf, sizeof(buf)));
	else
		fprintf(stderr, "itest-tool: %s: %s\n", what, strerror(-rc));
	return 2;
}

static int parse_u64(const char *s, uint64_t *out)
{
	char *end;

	errno = 0;
	*out = strtoull(s, &end, 0);
	if (errno || end == s || *end) {
		fprintf(stderr, "itest-tool: bad number '%s'\n", s);
		return -EINVAL;
	}
	return 0;
}

static int cmd_mkfs(const char *img, const char *uuidfile, const char *loglen)
{
	struct famfs_mkfs_opts o = { 0 };
	struct famfs_err err;
	struct famfs_dev *dev;
	int rc;

	famfs_err_clear(&err);
	if (loglen && parse_u64(loglen, &o.log_len))
		return 1;
	o.allow_small = true;
	rc = famfs_system_uuid(uuidfile, true, &o.system_uuid);
	if (rc)
		return fail(uuidfile, rc, NULL);
	rc = famfs_dev_open(img, 0, &dev, &err);
	if (rc)
		return fail(img, rc, &err);
	rc = famfs_mkfs(dev, &o, &err);
	famfs_dev_close(dev);
	if (rc)
		return fail(img, rc, &err);
	return 0;
}

static int open_master(const char *img, const char *uuidfile,
		       struct famfs_fs **fs)
{
	struct famfs_fs_opts o;
	struct famfs_err err;
	int rc;

	famfs_fs_opts_init(&o);
	o.system_uuid_path = uuidfile;
	famfs_err_clear(&err);
	rc = famfs_fs_open(img, &o, fs, &err);
	if (rc)
		return fail(img, rc, &err);
	rc = famfs_fs_lock(*fs, true);
	if (rc) {
		famfs_fs_close(*fs);
		return fail("lock", rc, NULL);
	}
	return 0;
}

static int cmd_fill_log(const char *img, const char *uuidfile,
			const char *keep_s)
{
	struct famfs_fs *fs;
	uint64_t keep, i = 0;
	char path[64];
	int rc;

	if (parse_u64(keep_s, &keep))
		return 1;
	if (open_master(img, uuidfile, &fs))
		return 2;
	rc = famfs_fs_mkdir(fs, "fill", 0755, 0, 0, NULL);
	while (!rc && famfs_fs_log_free(fs) > keep) {
		snprintf(path, sizeof(path), "fill/d%06" PRIu64, i++);
		rc = famfs_fs_mkdir(fs, path, 0755, 0, 0, NULL);
	}
	famfs_fs_close(fs);
	return rc ? fail("mkdir", rc, NULL) : 0;
}

static int cmd_fill_space(const char *img, const char *uuidfile,
			  const char *keep_s)
{
	struct famfs_alloc_req req = { 0 };
	struct famfs_fmap m;
	struct famfs_fs *fs;
	uint64_t keep, avail;
	int rc;

	if (parse_u64(keep_s, &keep))
		return 1;
	if (open_master(img, uuidfile, &fs))
		return 2;
	avail = famfs_ns_free_bytes(famfs_fs_ns(fs));
	keep = (keep + FAMFS_ALLOC_UNIT - 1) & ~(FAMFS_ALLOC_UNIT - 1);
	if (avail <= keep) {
		famfs_fs_close(fs);
		return fail("fill-space", -ENOSPC, NULL);
	}
	req.size = avail - keep;
	rc = famfs_ns_alloc(famfs_fs_ns(fs), &req, &m);
	if (!rc)
		rc = famfs_fs_mkfile(fs, "ballast", 0644, 0, 0, req.size, &m,
				     NULL);
	famfs_fs_close(fs);
	return rc ? fail("ballast", rc, NULL) : 0;
}

static void report(void *arg, const struct famfs_err *err)
{
	char buf[320];

	++*(unsigned *)arg;
	fprintf(stderr, "itest-tool: fsck: %s\n",
		famfs_err_str(err, buf, sizeof(buf)));
}

static int open_ro(const char *img, unsigned *bad, struct famfs_fs **fs)
{
	struct famfs_fs_opts o;
	struct famfs_err err;
	int rc;

	famfs_fs_opts_init(&o);
	o.dev_flags = FAMFS_DEV_RDONLY;
	o.role = FAMFS_ROLE_CLIENT;
	o.report = report;
	o.report_arg = bad;
	famfs_err_clear(&err);
	rc = famfs_fs_open(img, &o, fs, &err);
	return rc ? fail(img, rc, &err) : 0;
}

static int cmd_fsck(const char *img)
{
	struct famfs_ns_stats st;
	struct famfs_omf_log_header h;
	struct famfs_fs *fs;
	unsigned bad = 0;

	if (open_ro(img, &bad, &fs))
		return 2;
	famfs_ns_stats(famfs_fs_ns(fs), &st);
	famfs_fs_log_header(fs, &h);
	famfs_fs_close(fs);
	printf("entries %" PRIu64 " files %" PRIu64 " dirs %" PRIu64
	       " bad %" PRIu64 " collisions %" PRIu64 "\n",
	       h.next_index, st.files, st.dirs, st.bad, st.collisions);
	if (bad || st.bad || st.torn || st.next_index != h.next_index) {
		fprintf(stderr, "itest-tool: fsck: %s: not clean\n", img);
		return 2;
	}
	return 0;
}

static int cmd_stat(const char *img)
{
	struct famfs_ns_stats st;
	struct famfs_fs *fs;
	unsigned bad = 0;

	if (open_ro(img, &bad, &fs))
		return 2;
	famfs_ns_stats(famfs_fs_ns(fs), &st);
	printf("files %" PRIu64 "\ndirs %" PRIu64 "\nlog_free %" PRIu64
	       "\nfree_bytes %" PRIu64 "\n",
	       st.files, st.dirs, famfs_fs_log_free(fs),
	       famfs_ns_free_bytes(famfs_fs_ns(fs)));
	famfs_fs_close(fs);
	return 0;
}

int main(int argc, char **argv)
{
	const char *cmd = argc > 1 ? argv[1] : "";

	if (!strcmp(cmd, "mkfs") && (argc == 4 || argc == 5))
		return cmd_mkfs(argv[2], argv[3], argc == 5 ? argv[4] : NULL);
	if (!strcmp(cmd, "fill-log") && argc == 5)
		return cmd_fill_log(argv[2], argv[3], argv[4]);
	if (!strcmp(cmd, "fill-space") && argc == 5)
		return cmd_fill_space(argv[2], argv[3], argv[4]);
	if (!strcmp(cmd, "fsck") && argc == 3)
		return cmd_fsck(argv[2]);
	if (!strcmp(cmd, "stat") && argc == 3)
		return cmd_stat(argv[2]);
	fprintf(stderr, "usage: itest-tool mkfs IMG UUIDFILE [LOGLEN] | "
			"fill-log IMG UUIDFILE KEEP | "
			"fill-space IMG UUIDFILE KEEP | fsck IMG | stat IMG\n");
	return 1;
}
