// SPDX-License-Identifier: Apache-2.0
/*
 * famfs creat: allocate and log a file of a given size, optionally filled
 * with the seeded pattern. The data is written (pattern or zeros) and
 * flushed BEFORE the log entry is appended, so a crash never leaves a
 * logged name over unwritten bytes (upstream logs first, then fills).
 */
#include <errno.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"

static const char usage[] =
	"Usage: %s -s SIZE [-r] [-S SEED] [-m MODE] [-u UID] [-g GID]\n"
	"       [-N NSTRIPS -B NBUCKETS [-C CHUNK]] DEV PATH\n"
	"Create a file of SIZE bytes (master only). Without -r it "
	"reads as zeros.\nIf PATH exists with the same size, -r "
	"refills it; otherwise it is left alone.\n\n"
	"  -s, --size SIZE      bytes, with k/m/g suffixes (1024^n); "
	"> 0\n"
	"  -r, --randomize      fill with the seeded pattern (see "
	"famfs verify)\n"
	"  -S, --seed SEED      pattern seed (implies -r; default: "
	"printed)\n"
	"  -m, --mode MODE      octal permissions (default 0644)\n"
	"  -u, --uid UID, -g, --gid GID  owner (default: yours)\n"
	"  -N, --nstrips N      interleave over N strips (<= 16)\n"
	"  -B, --nbuckets N     ...picked from N equal buckets (<= 64, "
	">= 1 GiB each)\n"
	"  -C, --chunk SIZE     interleave chunk (power of two, 2m "
	"multiple; default 2m)\n"
	"  -v, --verbose        print the file's map\n"
	"      --system-uuid-file PATH  this host's UUID\n"
	"  -h, --help           this help\n\n" CLI_EXIT_HELP;

struct fill_ctx {
	uint64_t seed;
	struct cli_progress prog;
};

static int fill_chunk(void *arg, uint8_t *addr, uint64_t off, uint64_t len)
{
	struct fill_ctx *x = arg;

	famfs_pattern_fill(addr, len, x->seed, off);
	return 0;
}

static int fill_file(void *arg, struct famfs_fs *fs, const struct famfs_fmap *m,
		     uint64_t size)
{
	struct fill_ctx *x = arg;
	int rc;

	cli_progress_start(&x->prog, "writing pattern", size);
	rc = cli_for_each_chunk(fs, m, size, true, &x->prog, fill_chunk, x);
	cli_progress_end(&x->prog);
	return rc;
}

static void print_map(const struct famfs_node *n)
{
	const struct famfs_fmap *m = n->fmap;

	printf("%s: %llu bytes, ino %llu, %s", n->name,
	       (unsigned long long)n->size, (unsigned long long)n->ino,
	       m->type == FAMFS_FMAP_INTERLEAVE ? "interleaved" : "simple");
	if (m->type == FAMFS_FMAP_INTERLEAVE)
		printf(" (chunk %llu)", (unsigned long long)m->chunk_size);
	putchar('\n');
	for (unsigned i = 0; i < m->count; i++)
		printf("  [%u] offset 0x%llx len 0x%llx\n", i,
		       (unsigned long long)m->ext[i].offset,
		       (unsigned long long)m->ext[i].len);
}

struct creat_args {
	uint64_t size, seed;
	struct cli_owner own;
	uint32_t nstrips, nbuckets;
	uint64_t chunk;
	bool fill, seeded, verbose;
};

static int creat_opt(struct cli *c, void *arg, int opt, const char *val)
{
	struct creat_args *a = arg;

	switch (opt) {
	case 's':
		if (cli_parse_size(val, &a->size))
			return cli_usage_err(c, "bad size '%s'", val);
		return 0;
	case 'S':
		if (cli_parse_u64(val, &a->seed))
			return cli_usage_err(c, "bad seed '%s'", val);
		a->fill = a->seeded = true;
		return 0;
	case 'N':
		if (cli_parse_u32(val, &a->nstrips) || !a->nstrips ||
		    a->nstrips > FAMFS_MAX_STRIPS)
			return cli_usage_err(c, "--nstrips %s: must be 1..16",
					     val);
		return 0;
	case 'B':
		if (cli_parse_u32(val, &a->nbuckets) || !a->nbuckets ||
		    a->nbuckets > 64)
			return cli_usage_err(c, "--nbuckets %s: must be 1..64",
					     val);
		return 0;
	case 'C':
		if (cli_parse_size(val, &a->chunk) || !a->chunk ||
		    a->chunk % FAMFS_ALLOC_UNIT || (a->chunk & (a->chunk - 1)))
			return cli_usage_err(
				c,
				"--chunk %s: must be a power of two "
				"and a multiple of 2 MiB",
				val);
		return 0;
	default:
		return -1;
	}
}

/* Checks between options: 0 or EXIT_USAGE (printed). */
static int check(const struct cli *c, const struct creat_args *a)
{
	if (!a->size)
		return cli_usage_err(c, "-s SIZE is required and must be > 0 "
					"(famfs cannot log empty files)");
	if ((a->chunk || a->nbuckets) && !a->nstrips)
		return cli_usage_err(c, "-B/-C need -N NSTRIPS");
	if (a->nstrips && !a->nbuckets)
		return cli_usage_err(c, "-N needs -B NBUCKETS");
	if (a->nstrips > a->nbuckets)
		return cli_usage_err(c, "-N %u is more than -B %u", a->nstrips,
				     a->nbuckets);
	return 0;
}

/* Options and operands, then the checks between options. */
static bool parse(struct cli *c, int argc, char **argv, struct creat_args *a,
		  int *ret)
{
	static const struct option lopts[] = {
		{ "size", required_argument, NULL, 's' },
		{ "randomize", no_argument, NULL, 'r' },
		{ "seed", required_argument, NULL, 'S' },
		{ "nstrips", required_argument, NULL, 'N' },
		{ "nbuckets", required_argument, NULL, 'B' },
		{ "chunk", required_argument, NULL, 'C' },
		{ "verbose", no_argument, NULL, 'v' },
		{ NULL, 0, NULL, 0 },
	};
	const struct cli_flag flags[] = { { 'r', &a->fill },
					  { 'v', &a->verbose },
					  { 0, NULL } };
	const struct cli_optspec spec = {
		.lopts = lopts,
		.args = { 2, 2, "DEV PATH" },
		.usage = usage,
		.flags = flags,
		.opt = creat_opt,
		.arg = a,
		.owner = &a->own,
	};

	if (!cli_parse_opts(c, &spec, argc, argv, ret))
		return false;
	*ret = check(c, a);
	return !*ret;
}

int cmd_creat(struct cli *c, int argc, char **argv)
{
	struct creat_args a = { .size = 0 };
	struct famfs_alloc_req req = { 0 };
	const struct famfs_node *old;
	struct fill_ctx fx = { 0 };
	struct famfs_fs *fs;
	char rel[4096];
	const char *dev, *arg;
	bool fatal = false;
	int rc;

	cli_owner_init(&a.own, 0644);
	if (!parse(c, argc, argv, &a, &rc))
		return rc;
	dev = argv[optind];
	arg = argv[optind + 1];
	rc = cli_normpath(arg, rel, sizeof(rel));
	if (rc)
		return cli_bad_path(c, arg, rc);
	if (a.fill && !a.seeded) {
		a.seed = (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32);
		printf("seed %llu\n", (unsigned long long)a.seed);
	}
	fx.seed = a.seed;
	rc = cli_open_rw(c, dev, &fs);
	if (rc)
		return rc;
	rc = cli_check_new(c, fs, arg, rel, &old);
	if (rc)
		goto out;
	if (old) {
		/* Same size: the file is already what was asked for. */
		if (old->size != a.size) {
			rc = cli_err(c, EXIT_RUNTIME,
				     "%s: exists with size %llu (famfs files "
				     "cannot be resized)",
				     arg, (unsigned long long)old->size);
			goto out;
		}
		if (a.fill) {
			rc = fill_file(&fx, fs, old->fmap, a.size);
			if (rc)
				rc = cli_err(c, EXIT_RUNTIME, "%s: %s", arg,
					     strerror(-rc));
			else
				cli_flush_file(fs, old->fmap, a.size);
		}
		goto out;
	}
	req.size = a.size;
	req.nstrips = a.nstrips;
	req.nbuckets = a.nbuckets;
	req.chunk_size = a.chunk;
	req.seed = (uint32_t)(time(NULL) ^ getpid());
	if (a.nstrips &&
	    famfs_fs_sb(fs)->daxdev.size / a.nbuckets < (1u << 30)) {
		rc = cli_err(c, EXIT_USAGE,
			     "-B %u: buckets would be smaller than 1 GiB",
			     a.nbuckets);
		goto out;
	}
	rc = cli_make_file(c, fs, rel, a.own.mode, a.own.uid, a.own.gid, a.size,
			   &req, a.fill ? fill_file : NULL, &fx, &fatal);
	if (!rc && a.verbose)
		print_map(famfs_ns_resolve(famfs_fs_ns(fs), rel));
out:
	famfs_fs_close(fs);
	return rc;
}
