// SPDX-License-Identifier: Apache-2.0
/* famfs verify (compare with the seeded pattern) and famfs cat. */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

/*
 * Open DEV read-only and resolve the file operand after it. Prints errors;
 * returns an exit code (0: *fs open, *out set).
 */
static int open_file(const struct cli *c, char **argv, struct famfs_fs **fs,
		     const struct famfs_node **out)
{
	const char *arg = argv[optind + 1];
	const struct famfs_node *n;
	char rel[4096];
	int rc;

	rc = cli_open_ro(c, argv[optind], NULL, NULL, fs);
	if (rc)
		return rc;
	rc = cli_normpath(arg, rel, sizeof(rel));
	if (rc) {
		rc = cli_bad_path(c, arg, rc);
		goto fail;
	}
	n = famfs_ns_resolve(famfs_fs_ns(*fs), rel);
	if (!n) {
		rc = cli_err(c, EXIT_RUNTIME, "%s: %s", arg, strerror(errno));
		goto fail;
	}
	if (n->kind == FAMFS_NODE_DIR) {
		rc = cli_err(c, EXIT_RUNTIME, "%s: is a directory", arg);
		goto fail;
	}
	*out = n;
	return 0;
fail:
	famfs_fs_close(*fs);
	return rc;
}

static const char verify_usage[] =
	"Usage: %s -S SEED DEV PATH\n"
	"Check that PATH holds the pattern 'famfs creat -r -S SEED' "
	"writes.\n\n"
	"  -S, --seed SEED  the pattern seed\n"
	"  -h, --help       this help\n\n"
	"Exit status: 0 the file matches, 1 mismatch (the first bad "
	"offset is\nprinted) or usage error, 2 runtime error.\n";

struct verify_ctx {
	uint64_t seed;
	int64_t bad;
	bool seeded;
	struct cli_progress prog;
};

static int verify_chunk(void *arg, uint8_t *addr, uint64_t off, uint64_t len)
{
	struct verify_ctx *x = arg;

	x->bad = famfs_pattern_check(addr, len, x->seed, off);
	return x->bad >= 0;
}

static int verify_opt(struct cli *c, void *arg, int opt, const char *val)
{
	struct verify_ctx *x = arg;

	if (opt != 'S')
		return -1;
	if (cli_parse_u64(val, &x->seed))
		return cli_usage_err(c, "bad seed '%s'", val);
	x->seeded = true;
	return 0;
}

int cmd_verify(struct cli *c, int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "seed", required_argument, NULL, 'S' },
		{ NULL, 0, NULL, 0 },
	};
	struct verify_ctx x = { 0 };
	/* Operands are counted after the -S check. */
	const struct cli_optspec spec = {
		.lopts = lopts,
		.usage = verify_usage,
		.opt = verify_opt,
		.arg = &x,
	};
	const struct famfs_node *n;
	struct famfs_fs *fs;
	int rc;

	if (!cli_parse_opts(c, &spec, argc, argv, &rc))
		return rc;
	if (!x.seeded)
		return cli_usage_err(c, "-S SEED is required");
	rc = cli_nargs(c, argc, 2, 2, "DEV PATH");
	if (!rc)
		rc = open_file(c, argv, &fs, &n);
	if (rc)
		return rc;
	x.bad = -1;
	cli_progress_start(&x.prog, "verifying", n->size);
	rc = cli_for_each_chunk(fs, n->fmap, n->size, false, &x.prog,
				verify_chunk, &x);
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
	famfs_fs_close(fs);
	return rc;
}

static const char cat_usage[] =
	"Usage: %s DEV PATH\n"
	"Write the bytes of PATH (a file, or .meta/.superblock, "
	".meta/.log) to stdout.\n\n"
	"  -h, --help  this help\n\n" CLI_EXIT_HELP;

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
	const struct cli_optspec spec = {
		.args = { 2, 2, "DEV PATH" },
		.usage = cat_usage,
	};
	const struct famfs_node *n;
	struct famfs_fs *fs;
	int rc;

	if (!cli_parse_opts(c, &spec, argc, argv, &rc))
		return rc;
	rc = open_file(c, argv, &fs, &n);
	if (rc)
		return rc;
	rc = cli_for_each_piece(fs, n->fmap, 0, n->size, cat_piece, fs);
	if (rc)
		rc = cli_err(c, EXIT_RUNTIME, "%s: %s", argv[optind + 1],
			     strerror(-rc));
	famfs_fs_close(fs);
	return rc;
}
