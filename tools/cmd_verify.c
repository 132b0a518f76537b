// SPDX-License-Identifier: Apache-2.0
/* famfs verify (compare with the seeded pattern) and famfs cat. */
#include <errno.h>
#include <getopt.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

/* Resolve a file argument; prints errors, returns an exit code. */
static int find_file(const struct cli *c, struct famfs_fs *fs, const char *arg,
		     const struct famfs_node **out)
{
	const struct famfs_node *n;
	char rel[4096];
	int rc;

	rc = cli_normpath(arg, rel, sizeof(rel));
	if (rc)
		return cli_bad_path(c, arg, rc);
	n = famfs_ns_resolve(famfs_fs_ns(fs), rel);
	if (!n)
		return cli_err(c, EXIT_RUNTIME, "%s: %s", arg, strerror(errno));
	if (n->kind == FAMFS_NODE_DIR)
		return cli_err(c, EXIT_RUNTIME, "%s: is a directory", arg);
	*out = n;
	return 0;
}

static void verify_usage(const struct cli *c, FILE *f)
{
	fprintf(f,
		"Usage: %s -S SEED DEV PATH\n"
		"Check that PATH holds the pattern 'famfs creat -r -S SEED' "
		"writes.\n\n"
		"  -S, --seed SEED  the pattern seed\n"
		"  -h, --help       this help\n\n"
		"Exit status: 0 the file matches, 1 mismatch (the first bad "
		"offset is\nprinted) or usage error, 2 runtime error.\n",
		c->prog);
}

struct verify_ctx {
	struct famfs_fs *fs;
	uint64_t seed;
	int64_t bad;
	struct cli_progress prog;
};

static int verify_piece(void *arg, uint8_t *addr, uint64_t off, uint64_t len)
{
	struct verify_ctx *x = arg;

	for (uint64_t done = 0; done < len;) {
		uint64_t n = len - done < (64u << 20) ? len - done : 64u << 20;

		cli_prefault(x->fs, addr + done, n, false);
		x->bad = famfs_pattern_check(addr + done, n, x->seed,
					     off + done);
		if (x->bad >= 0)
			return 1;
		done += n;
		cli_progress_add(&x->prog, n);
	}
	return 0;
}

int cmd_verify(struct cli *c, int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "seed", required_argument, NULL, 'S' },
		CLI_COMMON_LONGOPTS,
		{ NULL, 0, NULL, 0 },
	};
	struct verify_ctx x = { 0 };
	const struct famfs_node *n;
	struct famfs_fs *fs;
	bool seeded = false;
	int opt, rc;

	while ((opt = getopt_long(argc, argv, "S:h", lopts, NULL)) != -1) {
		if (cli_common_opt(c, opt, optarg))
			continue;
		switch (opt) {
		case 'S':
			if (cli_parse_u64(optarg, &x.seed))
				return cli_usage_err(c, "bad seed '%s'",
						     optarg);
			seeded = true;
			break;
		case 'h':
			verify_usage(c, stdout);
			return 0;
		default:
			return cli_bad_opt(c, argv);
		}
	}
	if (!seeded)
		return cli_usage_err(c, "-S SEED is required");
	if (optind != argc - 2)
		return cli_usage_err(c, "expected DEV PATH; try '%s --help'",
				     c->prog);
	rc = cli_open_ro(c, argv[optind], 0, NULL, NULL, &fs);
	if (rc)
		return rc;
	rc = find_file(c, fs, argv[optind + 1], &n);
	if (rc)
		goto out;
	x.bad = -1;
	x.fs = fs;
	cli_progress_start(&x.prog, "verifying", n->size);
	rc = cli_for_each_piece(fs, n->fmap, 0, n->size, verify_piece, &x);
	cli_progress_end(&x.prog);
	if (rc < 0)
		rc = cli_err(c, EXIT_RUNTIME, "%s: %s", argv[optind + 1],
			     strerror(-rc));
	else if (x.bad >= 0)
		rc = cli_err(c, EXIT_USAGE,
			     "%s: mismatch at offset %lld (of %llu bytes)",
			     argv[optind + 1], (long long)x.bad,
			     (unsigned long long)n->size);
	else
		printf("%s: %llu bytes match seed %llu\n", argv[optind + 1],
		       (unsigned long long)n->size, (unsigned long long)x.seed);
out:
	famfs_fs_close(fs);
	return rc;
}

static void cat_usage(const struct cli *c, FILE *f)
{
	fprintf(f,
		"Usage: %s DEV PATH\n"
		"Write the bytes of PATH (a file, or .meta/.superblock, "
		".meta/.log) to stdout.\n\n"
		"  -h, --help  this help\n\n" CLI_EXIT_HELP,
		c->prog);
}

static int cat_piece(void *arg, uint8_t *addr, uint64_t off, uint64_t len)
{
	(void)off;
	while (len) {
		uint64_t want = len < (8u << 20) ? len : 8u << 20;
		ssize_t n;

		cli_prefault(arg, addr, want, false);
		n = write(STDOUT_FILENO, addr, want);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -EIO;
		addr += n;
		len -= (uint64_t)n;
	}
	return 0;
}

int cmd_cat(struct cli *c, int argc, char **argv)
{
	static const struct option lopts[] = {
		CLI_COMMON_LONGOPTS,
		{ NULL, 0, NULL, 0 },
	};
	const struct famfs_node *n;
	struct famfs_fs *fs;
	int opt, rc;

	while ((opt = getopt_long(argc, argv, "h", lopts, NULL)) != -1) {
		if (cli_common_opt(c, opt, optarg))
			continue;
		if (opt == 'h') {
			cat_usage(c, stdout);
			return 0;
		}
		return cli_bad_opt(c, argv);
	}
	if (optind != argc - 2)
		return cli_usage_err(c, "expected DEV PATH; try '%s --help'",
				     c->prog);
	rc = cli_open_ro(c, argv[optind], 0, NULL, NULL, &fs);
	if (rc)
		return rc;
	rc = find_file(c, fs, argv[optind + 1], &n);
	if (!rc) {
		rc = cli_for_each_piece(fs, n->fmap, 0, n->size, cat_piece, fs);
		if (rc)
			rc = cli_err(c, EXIT_RUNTIME, "%s: %s",
				     argv[optind + 1], strerror(-rc));
	}
	famfs_fs_close(fs);
	return rc;
}
