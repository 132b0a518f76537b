// SPDX-License-Identifier: Apache-2.0
/* famfs mkfs / mkfs.famfs: write a superblock and an empty log. */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <string.h>
#include <uuid/uuid.h>

#include "cli.h"

static const char usage[] =
	"Usage: %s [OPTIONS] DEV\n"
	"Format DEV (a devdax device or an existing image file; make "
	"one with\n'truncate -s 8G FILE') as famfs. This host becomes "
	"the master.\n\n"
	"  -f, --force              overwrite an existing famfs "
	"superblock\n"
	"  -k, --kill               with --force: only invalidate the "
	"superblock\n"
	"  -l, --loglen LEN         log size, a power of two >= 8m "
	"(default 8m)\n"
	"      --omf-version 47|48  superblock version (default 48; 47 "
	"for famfs\n"
	"                           releases before 2026-06)\n"
	"      --system-uuid-file PATH  this host's UUID (default "
	"$FAMFS_SYSTEM_UUID_FILE,\n"
	"                           else " FAMFS_SYSTEM_UUID_PATH
	"; created if missing)\n"
	"  -h, --help               this help\n\n"
	"Sizes take k, m, g suffixes (powers of 1024). Devices must "
	"have at least 4 GiB.\n" CLI_EXIT_HELP;

static int mkfs_opt(struct cli *c, void *arg, int opt, const char *val)
{
	struct famfs_mkfs_opts *o = arg;
	uint32_t ver;

	switch (opt) {
	case 'f':
		o->force = true;
		return 0;
	case 'k':
		o->kill = true;
		return 0;
	case 'l':
		if (cli_parse_size(val, &o->log_len))
			return cli_usage_err(c, "bad log length '%s'", val);
		if (o->log_len < FAMFS_LOG_LEN_MIN ||
		    o->log_len & (o->log_len - 1))
			return cli_usage_err(
				c,
				"log length %s: must be a power of "
				"two >= 8 MiB",
				val);
		return 0;
	case OPT_OMF_VERSION:
		if (cli_parse_u32(val, &ver) ||
		    (ver != FAMFS_VERSION_47 && ver != FAMFS_VERSION_48))
			return cli_usage_err(
				c, "--omf-version %s: must be 47 or 48", val);
		o->version = ver;
		return 0;
	case OPT_ALLOW_SMALL:
		o->allow_small = true;
		return 0;
	default:
		return -1;
	}
}

int cmd_mkfs(struct cli *c, int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "force", no_argument, NULL, 'f' },
		{ "kill", no_argument, NULL, 'k' },
		{ "loglen", required_argument, NULL, 'l' },
		{ "omf-version", required_argument, NULL, OPT_OMF_VERSION },
		{ "allow-small", no_argument, NULL, OPT_ALLOW_SMALL },
		{ NULL, 0, NULL, 0 },
	};
	struct famfs_mkfs_opts o = { 0 };
	const struct cli_optspec spec = {
		.lopts = lopts,
		.args = { 1, 1, "one device" },
		.usage = usage,
		.opt = mkfs_opt,
		.arg = &o,
	};
	struct famfs_dev *dev = NULL;
	struct famfs_err e;
	char buf[300], mnt[PATH_MAX], fsu[40], sysu[40], hs[32];
	const char *path;
	int rc;

	if (!cli_parse_opts(c, &spec, argc, argv, &rc))
		return rc;
	path = argv[optind];
	if (o.kill && !o.force)
		return cli_usage_err(c, "--kill needs --force");

	rc = cli_dev_mounted(path, mnt, sizeof(mnt));
	if (rc > 0)
		return cli_err(c, EXIT_RUNTIME,
			       "%s is mounted on %s: served by famfsd on this "
			       "host; unmount it first",
			       path, mnt);
	if (rc == -ENOENT)
		return cli_err(c, EXIT_RUNTIME,
			       "%s: no such device or file (create an image "
			       "with 'truncate -s 8G %s')",
			       path, path);
	if (rc < 0)
		return cli_err(c, EXIT_RUNTIME, "%s: %s", path, strerror(-rc));
	if (!o.kill) {
		rc = famfs_system_uuid(c->uuid_file, true, &o.system_uuid);
		if (rc)
			return cli_err(
				c, EXIT_RUNTIME, "system UUID file %s: %s",
				c->uuid_file ? c->uuid_file :
					       FAMFS_SYSTEM_UUID_PATH,
				rc == -EINVAL ? "not a UUID" : strerror(-rc));
	}
	famfs_err_clear(&e);
	rc = famfs_dev_open(path, 0, &dev, &e);
	if (rc && e.msg[0]) /* the message names the path */
		return cli_err(c, EXIT_RUNTIME, "%s", e.msg);
	if (rc)
		return cli_err(c, EXIT_RUNTIME, "%s: %s", path, strerror(-rc));
	rc = famfs_mkfs(dev, &o, &e);
	if (rc == -EBUSY) { /* e.g. a mount in another namespace */
		famfs_dev_close(dev);
		return cli_err(c, EXIT_RUNTIME, "%s: %s", path, e.msg);
	}
	if (rc) {
		cli_err(c, rc == -EINVAL ? EXIT_USAGE : EXIT_RUNTIME, "%s: %s",
			path, famfs_err_str(&e, buf, sizeof(buf)));
		famfs_dev_close(dev);
		return rc == -EINVAL ? EXIT_USAGE : EXIT_RUNTIME;
	}
	if (o.kill) {
		printf("%s: superblock invalidated\n", path);
	} else {
		const struct famfs_omf_superblock *sb = famfs_dev_addr(dev);

		uuid_unparse(sb->fs_uuid.b, fsu);
		uuid_unparse(sb->system_uuid.b, sysu);
		printf("%s: famfs version %llu (OMF %u.%u), %s, log %llu MiB "
		       "(%llu entries)\n  fs uuid %s, master %s\n",
		       path, (unsigned long long)sb->version, sb->omf_ver_major,
		       sb->omf_ver_minor,
		       cli_human(sb->daxdev.size, hs, sizeof(hs)),
		       (unsigned long long)(sb->log_len >> 20),
		       (unsigned long long)famfs_log_last_index(sb->log_len) +
			       1,
		       fsu, sysu);
	}
	famfs_dev_close(dev);
	return 0;
}
