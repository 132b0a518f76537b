// SPDX-License-Identifier: Apache-2.0
/* famfs mkdir: one MKDIR log entry per directory created. */
#include <errno.h>
#include <getopt.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

static void usage(const struct cli *c, FILE *f)
{
	fprintf(f,
		"Usage: %s [-p] [-m MODE] [-u UID] [-g GID] DEV PATH...\n"
		"Create directories in an unmounted famfs (master only). "
		"PATH is relative to\nthe file system root; a leading '/' "
		"means the same. Paths are at most 79 bytes.\n\n"
		"  -p, --parents    create missing parents; existing "
		"directories are fine\n"
		"  -m, --mode MODE  octal permissions (default 0755)\n"
		"  -u, --uid UID    owner (default: your uid)\n"
		"  -g, --gid GID    group (default: your gid)\n"
		"      --system-uuid-file PATH  this host's UUID\n"
		"  -h, --help       this help\n\n" CLI_EXIT_HELP,
		c->prog);
}

/* Message for a path the CLI refuses before touching the log. */
int cli_bad_path(const struct cli *c, const char *arg, int rc)
{
	return cli_err(c, EXIT_USAGE, "%s: %s", arg,
		       rc == -ENAMETOOLONG ?
			       "name too long (famfs paths are at most 79 "
			       "bytes)" :
			       "'..' is not allowed");
}

struct mkdir_args {
	uint32_t mode, uid, gid;
	bool parents;
};

/* Create @rel (normalized); returns an exit code. */
static int mkdir_one(const struct cli *c, struct famfs_fs *fs,
		     const struct mkdir_args *a, const char *arg,
		     const char *rel, bool *fatal)
{
	struct famfs_ns *ns = famfs_fs_ns(fs);
	char prefix[FAMFS_MAX_PATHLEN], buf[300];
	const struct famfs_node *n;
	struct famfs_err e;
	size_t len = strlen(rel);
	int rc;

	if (!len) {
		if (a->parents)
			return 0;
		return cli_err(c, EXIT_RUNTIME, "%s: is the root", arg);
	}
	famfs_err_clear(&e);
	rc = famfs_path_check(rel, &e);
	if (rc)
		return cli_err(c, EXIT_USAGE, "%s: %s", arg,
			       famfs_err_str(&e, buf, sizeof(buf)));
	for (size_t i = 0; i <= len; i++) {
		if (rel[i] != '/' && rel[i] != '\0')
			continue;
		if (i < len && !a->parents)
			continue; /* only the last component is created */
		memcpy(prefix, rel, i);
		prefix[i] = '\0';
		n = famfs_ns_resolve(ns, prefix);
		if (n && n->kind == FAMFS_NODE_DIR && a->parents)
			continue;
		if (n && n->kind == FAMFS_NODE_DIR)
			return cli_err(c, EXIT_RUNTIME, "%s: %s", arg,
				       strerror(EEXIST));
		if (n)
			return cli_err(c, EXIT_RUNTIME, "%s: %s%s", arg,
				       i < len ? prefix : "",
				       i < len ? ": not a directory" :
						 strerror(EEXIST));
		rc = famfs_fs_mkdir(fs, prefix, a->mode, a->uid, a->gid, NULL);
		if (rc) {
			*fatal = rc == -ENOSPC;
			if (rc == -ENOENT)
				return cli_err(c, EXIT_RUNTIME,
					       "%s: parent directory does not "
					       "exist (use -p)",
					       arg);
			if (rc == -ENOTDIR)
				return cli_err(c, EXIT_RUNTIME,
					       "%s: a parent is not a "
					       "directory",
					       arg);
			return cli_err(c, EXIT_RUNTIME, "%s: %s", prefix,
				       cli_log_strerror(rc));
		}
	}
	return 0;
}

int cmd_mkdir(struct cli *c, int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "parents", no_argument, NULL, 'p' },
		{ "mode", required_argument, NULL, 'm' },
		{ "uid", required_argument, NULL, 'u' },
		{ "gid", required_argument, NULL, 'g' },
		CLI_COMMON_LONGOPTS,
		{ NULL, 0, NULL, 0 },
	};
	struct mkdir_args a = { 0755, geteuid(), getegid(), false };
	struct famfs_fs *fs;
	char rel[4096];
	bool fatal = false;
	int opt, rc, ret = 0;

	while ((opt = getopt_long(argc, argv, "pm:u:g:h", lopts, NULL)) != -1) {
		if (cli_common_opt(c, opt, optarg))
			continue;
		switch (opt) {
		case 'p':
			a.parents = true;
			break;
		case 'm':
			if (cli_parse_mode(optarg, &a.mode))
				return cli_usage_err(c, "bad mode '%s'",
						     optarg);
			break;
		case 'u':
			if (cli_parse_u32(optarg, &a.uid))
				return cli_usage_err(c, "bad uid '%s'", optarg);
			break;
		case 'g':
			if (cli_parse_u32(optarg, &a.gid))
				return cli_usage_err(c, "bad gid '%s'", optarg);
			break;
		case 'h':
			usage(c, stdout);
			return 0;
		default:
			return cli_bad_opt(c, argv);
		}
	}
	if (argc - optind < 2)
		return cli_usage_err(c, "expected DEV PATH...; try '%s --help'",
				     c->prog);
	/* Check every argument before the first entry is written. */
	for (int i = optind + 1; i < argc; i++) {
		rc = cli_normpath(argv[i], rel, sizeof(rel));
		if (rc)
			return cli_bad_path(c, argv[i], rc);
	}
	rc = cli_open_rw(c, argv[optind], &fs);
	if (rc)
		return rc;
	for (int i = optind + 1; i < argc && !fatal; i++) {
		cli_normpath(argv[i], rel, sizeof(rel));
		rc = mkdir_one(c, fs, &a, argv[i], rel, &fatal);
		if (rc && !ret)
			ret = rc;
	}
	famfs_fs_close(fs);
	return ret;
}
