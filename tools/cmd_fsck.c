// SPDX-License-Identifier: Apache-2.0
/*
 * famfs fsck: validate the superblock and log header, replay the log with
 * the same rules as every reader (famfs_ns_replay), and report space,
 * usage, and each rejected entry once, by index, field, reason and what
 * the readers do with it. Exit 1 exactly when an error line is printed.
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <uuid/uuid.h>

#include "cli.h"

#define FSCK_MAX_KEPT 1000 /* bad entries listed; all are counted */

struct fsck_errs {
	struct famfs_err *v;
	size_t n, kept;
};

static void collect(void *arg, const struct famfs_err *err)
{
	struct fsck_errs *fe = arg;

	if (fe->kept < FSCK_MAX_KEPT) {
		if (!fe->v)
			fe->v = calloc(FSCK_MAX_KEPT, sizeof(*fe->v));
		if (fe->v)
			fe->v[fe->kept++] = *err;
	}
	fe->n++;
}

static const char usage[] =
	"Usage: %s [--json] [-v] DEV\n"
	"Check a famfs device or image: superblock, log header, every "
	"log entry,\ncollisions between files, free space.\n\n"
	"  -j, --json     machine-readable output\n"
	"  -v, --verbose  more superblock and log detail\n"
	"      --system-uuid-file PATH  used for the role line only\n"
	"  -h, --help     this help\n\n"
	"Exit status: 0 clean, 1 errors found, 2 could not check (no "
	"device,\nno valid superblock or log header).\n";

static double pct(uint64_t part, uint64_t whole)
{
	return whole ? 100.0 * (double)part / (double)whole : 0.0;
}

struct fsck_view {
	const struct famfs_omf_superblock *sb;
	struct famfs_omf_log_header h;
	struct famfs_ns_stats st;
	uint64_t capacity, used, free_b, slots;
	char fsu[40], devu[40], sysu[40], name[65];
	const char *role;
};

static void print_text(const struct fsck_view *v, const struct fsck_errs *fe,
		       const char *dev, bool verbose)
{
	char a[32], b[32], d[32];

	printf("%s: famfs version %llu (OMF %u.%u)\n", dev,
	       (unsigned long long)v->sb->version, v->sb->omf_ver_major,
	       v->sb->omf_ver_minor);
	printf("  fs uuid       %s\n  dev uuid      %s\n"
	       "  master uuid   %s (this host: %s)\n",
	       v->fsu, v->devu, v->sysu, v->role);
	printf("  device        %s, %llu bytes (recorded name \"%s\")\n",
	       cli_human(v->capacity, a, sizeof(a)),
	       (unsigned long long)v->capacity, v->name);
	printf("  log           %llu MiB at 2 MiB: %llu of %llu entries used, "
	       "%llu free\n",
	       (unsigned long long)(v->sb->log_len >> 20),
	       (unsigned long long)v->h.next_index,
	       (unsigned long long)v->slots,
	       (unsigned long long)(v->slots - v->h.next_index));
	if (verbose) {
		printf("  sb crc        0x%08llx, sb_flags 0x%x, alloc unit "
		       "%llu\n",
		       (unsigned long long)v->sb->crc, v->sb->sb_flags,
		       (unsigned long long)v->sb->alloc_unit);
		printf("  log header    crc 0x%08llx, next_seqnum %llu, "
		       "last_index %llu\n",
		       (unsigned long long)v->h.crc,
		       (unsigned long long)v->h.next_seqnum,
		       (unsigned long long)v->h.last_index);
		printf("  cache flush   %s\n", famfs_cache_method());
	}
	printf("  space         %s used (%.1f%%), %s free (%.1f%%), %s in "
	       "files\n",
	       cli_human(v->used, a, sizeof(a)), pct(v->used, v->capacity),
	       cli_human(v->free_b, b, sizeof(b)), pct(v->free_b, v->capacity),
	       cli_human(v->st.bytes, d, sizeof(d)));
	printf("  objects       %llu files, %llu directories, %llu daxdevs\n",
	       (unsigned long long)v->st.files, (unsigned long long)v->st.dirs,
	       (unsigned long long)v->st.daxdevs);
	printf("  bad entries   %llu (%llu collisions, %llu corrupt, %llu "
	       "invalid), holding %llu allocation units no file serves\n",
	       (unsigned long long)v->st.bad,
	       (unsigned long long)v->st.collisions,
	       (unsigned long long)v->st.corrupt,
	       (unsigned long long)(v->st.bad - v->st.collisions -
				    v->st.corrupt),
	       (unsigned long long)v->st.rejected_units);
	if (v->st.torn)
		printf("  torn entry    %llu: replay waits there (entries "
		       "after it are not checked)\n",
		       (unsigned long long)v->st.next_index);
	for (size_t i = 0; i < fe->kept; i++) {
		char buf[300];

		printf("  error: %s (%s)\n",
		       famfs_err_str(&fe->v[i], buf, sizeof(buf)),
		       famfs_err_kind_str(fe->v[i].kind));
	}
	if (fe->n > fe->kept)
		printf("  ... and %zu more errors\n", fe->n - fe->kept);
	if (!fe->n)
		printf("%s: clean\n", dev);
}

static const char *kind_name(int kind)
{
	switch (kind) {
	case FAMFS_ERR_COLLISION:
		return "collision";
	case FAMFS_ERR_CORRUPT:
		return "corrupt";
	case FAMFS_ERR_TORN:
		return "torn";
	default:
		return "invalid";
	}
}

static void print_json(const struct fsck_view *v, const struct fsck_errs *fe,
		       const char *dev)
{
	struct json j;

	json_init(&j, stdout);
	json_obj(&j, NULL);
	json_str(&j, "device", dev);
	json_bool(&j, "clean", fe->n == 0);
	json_obj(&j, "superblock");
	json_u64(&j, "version", v->sb->version);
	json_u64(&j, "omf_major", v->sb->omf_ver_major);
	json_u64(&j, "omf_minor", v->sb->omf_ver_minor);
	json_str(&j, "fs_uuid", v->fsu);
	json_str(&j, "dev_uuid", v->devu);
	json_str(&j, "system_uuid", v->sysu);
	json_str(&j, "role", v->role);
	json_u64(&j, "device_size", v->capacity);
	json_str(&j, "device_name", v->name);
	json_u64(&j, "alloc_unit", v->sb->alloc_unit);
	json_u64(&j, "crc", v->sb->crc);
	json_end_obj(&j);
	json_obj(&j, "log");
	json_u64(&j, "log_len", v->sb->log_len);
	json_u64(&j, "entries_used", v->h.next_index);
	json_u64(&j, "capacity", v->slots);
	json_u64(&j, "free_slots", v->slots - v->h.next_index);
	json_u64(&j, "next_seqnum", v->h.next_seqnum);
	json_end_obj(&j);
	json_obj(&j, "space");
	json_u64(&j, "capacity", v->capacity);
	json_u64(&j, "used", v->used);
	json_u64(&j, "free", v->free_b);
	json_dbl(&j, "used_pct", pct(v->used, v->capacity));
	json_dbl(&j, "free_pct", pct(v->free_b, v->capacity));
	json_u64(&j, "file_bytes", v->st.bytes);
	json_end_obj(&j);
	json_u64(&j, "files", v->st.files);
	json_u64(&j, "dirs", v->st.dirs);
	json_u64(&j, "daxdevs", v->st.daxdevs);
	json_u64(&j, "bad_entries", v->st.bad);
	json_u64(&j, "collisions", v->st.collisions);
	json_u64(&j, "corrupt", v->st.corrupt);
	json_u64(&j, "invalid", v->st.bad - v->st.collisions - v->st.corrupt);
	json_u64(&j, "rejected_units", v->st.rejected_units);
	json_bool(&j, "torn", v->st.torn != 0);
	json_u64(&j, "entries_checked", v->st.next_index);
	json_u64(&j, "errors_total", fe->n);
	json_arr(&j, "errors");
	for (size_t i = 0; i < fe->kept; i++) {
		json_obj(&j, NULL);
		json_i64(&j, "index", fe->v[i].index);
		json_str(&j, "kind", kind_name(fe->v[i].kind));
		json_str(&j, "field", fe->v[i].field);
		json_str(&j, "reason", fe->v[i].msg);
		json_end_obj(&j);
	}
	json_end_arr(&j);
	json_end_obj(&j);
	json_done(&j);
}

int cmd_fsck(struct cli *c, int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "verbose", no_argument, NULL, 'v' },
		{ NULL, 0, NULL, 0 },
	};
	bool json = false, verbose = false;
	const struct cli_flag flags[] = { { 'j', &json },
					  { 'v', &verbose },
					  { 0, NULL } };
	const struct cli_optspec spec = {
		.lopts = lopts,
		.args = { 1, 1, "one device" },
		.usage = usage,
		.flags = flags,
	};
	struct fsck_errs fe = { 0 };
	struct fsck_view v;
	struct famfs_fs *fs;
	int rc;

	if (!cli_parse_opts(c, &spec, argc, argv, &rc))
		return rc;
	rc = cli_open_ro(c, argv[optind], collect, &fe, &fs);
	if (rc) {
		free(fe.v);
		return EXIT_RUNTIME;
	}
	memset(&v, 0, sizeof(v));
	v.sb = famfs_fs_sb(fs);
	famfs_fs_log_header(fs, &v.h);
	famfs_ns_stats(famfs_fs_ns(fs), &v.st);
	v.slots = v.h.last_index + 1;
	v.capacity = v.sb->daxdev.size;
	v.free_b = famfs_ns_free_bytes(famfs_fs_ns(fs));
	v.used = v.capacity - v.free_b;
	uuid_unparse(v.sb->fs_uuid.b, v.fsu);
	uuid_unparse(v.sb->dev_uuid.b, v.devu);
	uuid_unparse(v.sb->system_uuid.b, v.sysu);
	memcpy(v.name, v.sb->daxdev.name, sizeof(v.sb->daxdev.name));
	v.role = famfs_role_name(famfs_fs_role(fs));
	if (json)
		print_json(&v, &fe, argv[optind]);
	else
		print_text(&v, &fe, argv[optind], verbose);
	rc = 0;
	if (fe.n) {
		fflush(stdout);
		rc = cli_err(c, EXIT_USAGE, "%s: %zu error%s found",
			     argv[optind], fe.n, fe.n == 1 ? "" : "s");
	}
	free(fe.v);
	famfs_fs_close(fs);
	return rc;
}
