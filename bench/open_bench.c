// SPDX-License-Identifier: Apache-2.0
/*
 * open_bench: OPEN+RELEASE latency of famfsd through the kernel emulator,
 * on each wire: a released kernel (the daemon's own path), famfs's
 * OPEN-reply form (records after fuse_open_out: type 33 with 1 and 16
 * extents, type 34 for 256 MiB and 16 GiB files interleaved over 16
 * strips) and the 7.47 extent-map ABI (a 24-byte open_out naming a map
 * pushed once; the "push" rows force a FORGET, so every open pushes the
 * map again with FUSE_NOTIFY_MAP and the forget closes it). famfs simple
 * maps hold at most 16 extents, so no famfs file gives a longer map.
 * The limit it is measured against: two GETATTR round trips (the cheapest
 * requests the daemon answers), i.e. the transport cost of OPEN+RELEASE.
 *
 * usage: open_bench FAMFSD [ITERATIONS]
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "img.h"
#include "proto.h"

#define MiB (1ULL << 20)
#define GiB (1ULL << 30)

static char dir[128], img[192], uuidf[192];
static uint8_t reply[1 << 17];

static double now_us(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec * 1e6 + (double)t.tv_nsec / 1e3;
}

static int build(void)
{
	struct famfs_fs *fs;
	struct famfs_fmap m;
	uint64_t ino;
	int rc;

	snprintf(dir, sizeof(dir), "/tmp/wire/bench-%d", (int)getpid());
	mkdir("/tmp/wire", 0755);
	mkdir(dir, 0755);
	snprintf(img, sizeof(img), "%s/dev0.img", dir);
	snprintf(uuidf, sizeof(uuidf), "%s/system_uuid", dir);
	/* 40 GiB sparse: 16 buckets of 2.5 GiB; "big" is 16 GiB striped. */
	if (img_create(img, 40 * GiB, uuidf, &fs))
		return -1;
	rc = img_file_simple(fs, "one", 1, 2 * MiB, &m, &ino) ||
	     img_file_simple(fs, "sixteen", 16, 32 * MiB, &m, &ino) ||
	     img_file_interleave(fs, "stripe", 16, 16, 256 * MiB, &m, &ino) ||
	     img_file_interleave(fs, "big", 16, 16, 16 * GiB, &m, &ino);
	famfs_fs_close(fs);
	return rc ? -1 : 0;
}

struct result {
	double us;
	size_t bytes;
	bool passthrough;
};

enum wire { W_STOCK, W_OPENREPLY, W_47 };

/* Decode an OPEN reply of @w: fh and passthrough, or -1. */
static int decode(enum wire w, size_t n, uint64_t *fh, bool *pt, char *why,
		  size_t wlen)
{
	static struct dec_open d;
	struct dec47_open d47;

	if (w == W_47) {
		if (dec47_open_reply(reply, n, false, &d47, why, wlen))
			return -1;
		*fh = d47.fh;
		*pt = d47.open_flags & DEC_FOPEN_PASSTHROUGH;
		return 0;
	}
	if (dec_open_reply(reply, n, false, w == W_STOCK ? 0 : 65536, 2 * MiB,
			   &d, why, wlen))
		return -1;
	*fh = d.fh;
	*pt = d.open_flags & DEC_FOPEN_PASSTHROUGH;
	return 0;
}

/*
 * @iters OPEN+RELEASE pairs of @name (with @push: LOOKUP, OPEN, RELEASE,
 * FORGET, so each open pushes its 7.47 map again); -1 on an error.
 */
static int run(struct emu *e, enum wire w, const char *name, bool push,
	       int iters, struct result *res)
{
	uint64_t nid = p_lookup(e, 1, name), fh;
	char why[256];
	double t0;

	if (!nid)
		return -1;
	t0 = now_us();
	/* A tenth untimed first: worker threads, caches. */
	for (int i = -iters / 10; i < iters; i++) {
		if (i == 0)
			t0 = now_us();
		if (push && i > -iters / 10 && p_lookup(e, 1, name) != nid)
			return -1;
		ssize_t n = p_open(e, nid, O_RDONLY, reply, sizeof(reply));

		if (n < 0 || decode(w, (size_t)n, &fh, &res->passthrough, why,
				    sizeof(why))) {
			fprintf(stderr, "%s: %s\n", name,
				n < 0 ? "no reply" : why);
			return -1;
		}
		res->bytes = (size_t)n;
		if (p_release(e, nid, fh))
			return -1;
		if (push)
			p_forget(e, nid, 1);
	}
	res->us = (now_us() - t0) / iters;
	if (push)
		p_lookup(e, 1, name); /* hold it again for later rows */
	return 0;
}

static double getattr_us(struct emu *e, int iters)
{
	uint8_t in[16] = { 0 };
	double t0 = now_us();

	for (int i = -iters / 10; i < iters; i++) {
		if (!i)
			t0 = now_us();
		if (emu_call(e, OP_GETATTR, 1, in, sizeof(in), NULL, 0, reply,
			     sizeof(reply)) < 0)
			return -1;
	}
	return (now_us() - t0) / iters;
}

static int session(const char *famfsd, enum wire w, int iters)
{
	static const char *const names[] = { "one", "sixteen", "stripe",
					     "big" };
	static const char *const desc[] = { "1 extent", "16 extents",
					    "256M 16 strips", "16G 16 strips" };
	static const char *const wname[] = { "7.45 kernel (daemon path)",
					     "famfuse, OPEN-reply form",
					     "7.47 kernel, extent maps" };
	struct emu_opts o = { .famfsd = famfsd,
			      .image = img,
			      .uuid_file = uuidf,
			      .data_path =
				      w == W_OPENREPLY ? "openreply" : "auto",
			      .kernel = w == W_STOCK	 ? EMU_K_STOCK :
					w == W_OPENREPLY ? EMU_K_FAMFUSE :
							   EMU_K_47,
			      .log_level = "error" };
	static struct emu e;
	struct dec_init di;
	struct result r = { 0 };
	char why[256];
	double base;

	if (emu_start(&e, &o))
		return -1;
	if (p_init(&e, PROTO_BASE_FLAGS | DEC_PASSTHROUGH,
		   w == W_47 ? PROTO_MINOR_47 : PROTO_MINOR_STOCK, &di, why,
		   sizeof(why))) {
		fprintf(stderr, "INIT: %s\n", why);
		emu_stop(&e);
		return -1;
	}
	base = getattr_us(&e, iters);
	printf("%s: %.2f us per 2 x GETATTR (limit)\n", wname[w], 2 * base);
	for (size_t i = 0; i < 4 + (w == W_47 ? 2 : 0); i++) {
		bool push = i >= 4;
		const char *n = names[push ? (i - 4) * 2 : i];

		if (run(&e, w, n, push, iters, &r))
			goto fail;
		printf("  %-8s %-16s %-11s %6zu B %9.2f us/open+release "
		       "%8.0f opens/s %6.2fx limit\n",
		       n,
		       push ? (i == 4 ? "push each open" : "push, strips") :
			      desc[i],
		       r.passthrough ? "passthrough" : "daemon", r.bytes, r.us,
		       1e6 / r.us, r.us / (2 * base));
	}
	emu_stop(&e);
	unlink(e.logpath);
	return 0;
fail:
	emu_stop(&e);
	return -1;
}

int main(int argc, char **argv)
{
	int iters = argc > 2 ? atoi(argv[2]) : 2000, rc;

	if (argc < 2 || iters < 1) {
		fprintf(stderr, "usage: %s FAMFSD [ITERATIONS]\n", argv[0]);
		return 2;
	}
	if (build()) {
		fprintf(stderr, "cannot build the image\n");
		return 1;
	}
	printf("open_bench: %d iterations, famfsd over a "
	       "SOCK_SEQPACKET emulator\n",
	       iters);
	rc = session(argv[1], W_STOCK, iters) ||
	     session(argv[1], W_OPENREPLY, iters) ||
	     session(argv[1], W_47, iters);
	unlink(img);
	unlink(uuidf);
	rmdir(dir);
	return rc ? 1 : 0;
}
