// SPDX-License-Identifier: Apache-2.0
/*
 * famfs creat: allocate and log a file of a given size, optionally filled
 * with the seeded pattern. The data is written (pattern or zeros) and
 * flushed BEFORE the log entry is appended, so a crash never leaves a
 * logged name over unwritten bytes (upstream logs first, then fills).
 */
#include <errno.h>
#include <getopt.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"

static void usage(const struct cli *c, FILE *f)
{
	fprintf(f,
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
		"  -h, --help           this help\n\n" CLI_EXIT_HELP,
		c->prog);
}

struct fill_ctx {
	struct famfs_fs *fs;
	uint64_t seed;
	struct cli_progress prog;
};

static int fill_piece(void *arg, uint8_t *addr, uint64_t off, uint64_t len)
{
	struct fill_ctx *x = arg;

	/* Chunks keep the progress line moving on huge extents. */
	for (uint64_t done = 0; done < len;) {
		uint64_t n = len - done < (64u << 20) ? len - done : 64u << 20;

		cli_prefault(x->fs, addr + done, n, true);
		famfs_pattern_fill(addr + done, n, x->seed, off + done);
		done += n;
		cli_progress_add(&x->prog, n);
	}
	return 0;
}

static int fill_file(void *arg, struct famfs_fs *fs, const struct famfs_fmap *m,
		     uint64_t size)
{
	struct fill_ctx *x = arg;
	int rc;

	x->fs = fs;
	cli_progress_start(&x->prog, "writing pattern", size);
	rc = cli_for_each_piece(fs, m, 0, size, fill_piece, x);
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
	uint32_t mode, uid, gid, nstrips, nbuckets;
	uint64_t chunk;
	bool fill, seeded, verbose;
};

static int parse(struct cli *c, int argc, char **argv, struct creat_args *a)
{
	static const struct option lopts[] = {
		{ "size", required_argument, NULL, 's' },
		{ "randomize", no_argument, NULL, 'r' },
		{ "seed", required_argument, NULL, 'S' },
		{ "mode", required_argument, NULL, 'm' },
		{ "uid", required_argument, NULL, 'u' },
		{ "gid", required_argument, NULL, 'g' },
		{ "nstrips", required_argument, NULL, 'N' },
		{ "nbuckets", required_argument, NULL, 'B' },
		{ "chunk", required_argument, NULL, 'C' },
		{ "verbose", no_argument, NULL, 'v' },
		CLI_COMMON_LONGOPTS,
		{ NULL, 0, NULL, 0 },
	};
	int opt;

	while ((opt = getopt_long(argc, argv, "s:rS:m:u:g:N:B:C:vh", lopts,
				  NULL)) != -1) {
		if (cli_common_opt(c, opt, optarg))
			continue;
		switch (opt) {
		case 's':
			if (cli_parse_size(optarg, &a->size))
				return cli_usage_err(c, "bad size '%s'",
						     optarg);
			break;
		case 'r':
			a->fill = true;
			break;
		case 'S':
			if (cli_parse_u64(optarg, &a->seed))
				return cli_usage_err(c, "bad seed '%s'",
						     optarg);
			a->fill = a->seeded = true;
			break;
		case 'm':
			if (cli_parse_mode(optarg, &a->mode))
				return cli_usage_err(c, "bad mode '%s'",
						     optarg);
			break;
		case 'u':
			if (cli_parse_u32(optarg, &a->uid))
				return cli_usage_err(c, "bad uid '%s'", optarg);
			break;
		case 'g':
			if (cli_parse_u32(optarg, &a->gid))
				return cli_usage_err(c, "bad gid '%s'", optarg);
			break;
		case 'N':
			if (cli_parse_u32(optarg, &a->nstrips) || !a->nstrips ||
			    a->nstrips > FAMFS_MAX_STRIPS)
				return cli_usage_err(
					c, "--nstrips %s: must be 1..16",
					optarg);
			break;
		case 'B':
			if (cli_parse_u32(optarg, &a->nbuckets) ||
			    !a->nbuckets || a->nbuckets > 64)
				return cli_usage_err(
					c, "--nbuckets %s: must be 1..64",
					optarg);
			break;
		case 'C':
			if (cli_parse_size(optarg, &a->chunk) || !a->chunk ||
			    a->chunk % FAMFS_ALLOC_UNIT ||
			    (a->chunk & (a->chunk - 1)))
				return cli_usage_err(
					c,
					"--chunk %s: must be a power of two "
					"and a multiple of 2 MiB",
					optarg);
			break;
		case 'v':
			a->verbose = true;
			break;
		case 'h':
			usage(c, stdout);
			return -1;
		default:
			return cli_bad_opt(c, argv);
		}
	}
	if (optind != argc - 2)
		return cli_usage_err(c, "expected DEV PATH; try '%s --help'",
				     c->prog);
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

int cmd_creat(struct cli *c, int argc, char **argv)
{
	struct creat_args a = { .mode = 0644,
				.uid = geteuid(),
				.gid = getegid() };
	struct famfs_alloc_req req = { 0 };
	const struct famfs_node *old;
	struct fill_ctx fx = { 0 };
	struct famfs_fs *fs;
	char rel[4096];
	const char *dev, *arg;
	bool fatal = false;
	int rc;

	rc = parse(c, argc, argv, &a);
	if (rc)
		return rc < 0 ? 0 : rc;
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
	rc = cli_make_file(c, fs, rel, a.mode, a.uid, a.gid, a.size, &req,
			   a.fill ? fill_file : NULL, &fx, &fatal);
	if (!rc && a.verbose)
		print_map(famfs_ns_resolve(famfs_fs_ns(fs), rel));
out:
	famfs_fs_close(fs);
	return rc;
}
