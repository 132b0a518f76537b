// SPDX-License-Identifier: Apache-2.0
/*
 * open_bench: OPEN+RELEASE latency of famfsd through the kernel emulator,
 * for dax passthrough replies with 1 and 16 extents (type 33) and 256 MiB
 * and 16 GiB files interleaved over 16 strips (one 416-byte type-34
 * record each, whatever the size), and the daemon's own path for
 * contrast. famfs simple maps hold at most 16 extents, so no famfs file
 * gives a longer type-33 record.
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
#define OP_GETATTR 3u

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

/* @iters OPEN+RELEASE pairs of @name; -1 on a protocol error. */
static int run(struct emu *e, const char *name, int iters, size_t max_ext,
	       struct result *res)
{
	static struct dec_open d;
	uint64_t nid = p_lookup(e, 1, name);
	char why[256];
	double t0;

	if (!nid)
		return -1;
	t0 = now_us();
	/* A tenth untimed first: worker threads, caches. */
	for (int i = -iters / 10; i < iters; i++) {
		if (i == 0)
			t0 = now_us();
		ssize_t n = p_open(e, nid, O_RDONLY, reply, sizeof(reply));

		if (n < 0 || dec_open_reply(reply, (size_t)n, false, max_ext,
					    2 * MiB, &d, why, sizeof(why))) {
			fprintf(stderr, "%s: %s\n", name,
				n < 0 ? "no reply" : why);
			return -1;
		}
		res->bytes = (size_t)n;
		res->passthrough = d.open_flags & DEC_FOPEN_PASSTHROUGH;
		if (p_release(e, nid, d.fh))
			return -1;
	}
	res->us = (now_us() - t0) / iters;
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

static int session(const char *famfsd, bool dax, int iters)
{
	static const char *const names[] = { "one", "sixteen", "stripe",
					     "big" };
	static const char *const desc[] = { "1 extent", "16 extents",
					    "256M 16 strips", "16G 16 strips" };
	struct emu_opts o = { .famfsd = famfsd,
			      .image = img,
			      .uuid_file = uuidf,
			      .data_path = "auto",
			      .log_level = "error" };
	size_t max_ext = 65536; /* the kernel's default */
	struct dec_init di;
	struct result r = { 0 };
	struct emu e;
	char why[256];
	double base;

	if (emu_start(&e, &o))
		return -1;
	if (p_init(&e,
		   PROTO_BASE_FLAGS |
			   (dax ? DEC_PASSTHROUGH | DEC_PASSTHROUGH_DAX : 0),
		   dax ? (uint32_t)max_ext : 0, &di, why, sizeof(why))) {
		fprintf(stderr, "INIT: %s\n", why);
		emu_stop(&e);
		return -1;
	}
	base = getattr_us(&e, iters);
	printf("%s (max_open_ext %zu): %.2f us per 2 x GETATTR (limit)\n",
	       dax ? "dax kernel" : "stock kernel", dax ? max_ext : 0,
	       2 * base);
	for (size_t i = 0; i < 4; i++) {
		if (run(&e, names[i], iters, max_ext, &r))
			goto fail;
		printf("  %-8s %-16s %-11s %6zu B %9.2f us/open+release "
		       "%8.0f opens/s %6.2fx limit\n",
		       names[i], desc[i],
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
	rc = session(argv[1], false, iters) || session(argv[1], true, iters);
	unlink(img);
	unlink(uuidf);
	rmdir(dir);
	return rc ? 1 : 0;
}
