// SPDX-License-Identifier: Apache-2.0
/*
 * Log replay speed against its floor, zlib crc32 over the same entry bytes.
 *
 *   replay_bench [--smoke] [--log-mib N]... [--runs N]
 *   replay_bench --image PATH [--log-mib N]
 *
 * Builds a full log in memory (8 MiB = 15,420 entries and 256 MiB =
 * 493,447 entries by default) of realistic entries: directories holding
 * 100..1000 files, paths of 20..60 bytes, files of one to four extents.
 * Only the metadata region is allocated; the device is never touched.
 * Prints entries/s for the CRC and for famfs_ns_create + famfs_ns_replay
 * (best of several runs, process CPU time) and the ratio. --smoke: a tiny log, one run,
 * checks the result, no timing claims. --image: write that full log (8 MiB
 * by default) with its superblock into a sparse image file instead, for
 * timing a real mount (bench/run-bench.sh reports famfsd's mount-ready
 * time on it).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#include "famfs/famfs.h"

struct bench_log {
	struct famfs_omf_superblock sb;
	uint8_t *log;
	uint64_t log_len, nent, files, dirs;
};

static uint32_t rnd(uint32_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

static double now(void)
{
	struct timespec ts;

	/* CPU time of this process: the machine may be shared and busy;
	 * page faults taken by replay are charged here too. */
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int put(struct bench_log *b, const struct famfs_omf_log_entry *e)
{
	memcpy(b->log + famfs_log_entry_offset(b->nent), e, sizeof(*e));
	b->nent++;
	return 0;
}

/* Fill @limit entries (0 = the whole log). */
static int build(struct bench_log *b, uint64_t log_len, uint64_t limit)
{
	uint64_t cap = famfs_log_last_index(log_len) + 1;
	uint64_t unit = FAMFS_LOG_OFFSET + log_len; /* next free byte */
	struct famfs_omf_log_header *h;
	uint32_t seed = 12345, vol = 0, set = 0, left = 0;
	char dir[FAMFS_MAX_PATHLEN] = "";

	if (!limit || limit > cap)
		limit = cap;
	memset(b, 0, sizeof(*b));
	b->log_len = log_len;
	b->log = calloc(1, log_len);
	if (!b->log)
		return -ENOMEM;
	while (b->nent < limit) {
		struct famfs_omf_log_entry e;
		char path[FAMFS_MAX_PATHLEN];
		int rc;

		if (set % 50 == 0 && left == 0) {
			/* A new top-level volume every 50 sets. */
			snprintf(path, sizeof(path), "vol%03u", vol++);
			rc = famfs_entry_make_mkdir(&e, b->nent, path, 0755, 0,
						    0);
			memcpy(dir, path, sizeof(dir));
			set++;
		} else if (left == 0) {
			char *slash = strchr(dir, '/');

			if (slash)
				*slash = '\0';
			if (snprintf(path, sizeof(path), "%s/set_%05u", dir,
				     set++) >= (int)sizeof(path))
				return -ENAMETOOLONG;
			rc = famfs_entry_make_mkdir(&e, b->nent, path, 0750,
						    1000, 1000);
			memcpy(dir, path, sizeof(dir));
			left = 100 + rnd(&seed) % 901;
		} else {
			static const char pad[] = "abcdefghijklmnopqrstuvwxyz";
			struct famfs_fmap m;
			uint64_t size = 1 + rnd(&seed) % (6u << 20);
			unsigned next = 1 + rnd(&seed) % 4;

			memset(&m, 0, sizeof(m));
			m.type = FAMFS_FMAP_SIMPLE;
			m.count = (uint8_t)next;
			for (unsigned i = 0; i < next; i++) {
				uint64_t n = (size + next - 1) / next;

				n = (n + FAMFS_ALLOC_UNIT - 1) /
				    FAMFS_ALLOC_UNIT * FAMFS_ALLOC_UNIT;
				m.ext[i].offset = unit;
				m.ext[i].len = n;
				unit += n + FAMFS_ALLOC_UNIT; /* leave holes */
			}
			if (snprintf(path, sizeof(path), "%s/f%07u_%.*s.dat",
				     dir, (unsigned)b->nent,
				     (int)(rnd(&seed) % 22),
				     pad) >= (int)sizeof(path))
				return -ENAMETOOLONG;
			rc = famfs_entry_make_file(&e, b->nent, path, 0644,
						   1000, 100, size, &m);
			left--;
			b->files++;
		}
		if (rc)
			return rc;
		if (e.type == FAMFS_OMF_LOG_MKDIR)
			b->dirs++;
		put(b, &e);
	}
	famfs_log_header_init((void *)b->log, log_len);
	h = (void *)b->log;
	h->next_index = h->next_seqnum = b->nent;

	b->sb.magic = FAMFS_SUPER_MAGIC;
	b->sb.version = FAMFS_VERSION_48;
	b->sb.log_offset = FAMFS_LOG_OFFSET;
	b->sb.log_len = log_len;
	b->sb.alloc_unit = FAMFS_ALLOC_UNIT;
	b->sb.omf_ver_major = FAMFS_OMF_MAJOR;
	b->sb.omf_ver_minor = FAMFS_OMF_MINOR_48;
	b->sb.daxdev.size = unit;
	famfs_sb_seal(&b->sb);
	return 0;
}

/* The floor: crc32 of the same 536 bytes of every entry. */
static double time_crc(const struct bench_log *b, uint32_t *sink)
{
	double t = now();
	uint32_t x = 0;

	for (uint64_t i = 0; i < b->nent; i++)
		x ^= (uint32_t)crc32(0, b->log + famfs_log_entry_offset(i),
				     FAMFS_LOG_ENTRY_CRC_LEN);
	*sink ^= x;
	return now() - t;
}

static double time_replay(const struct bench_log *b, struct famfs_ns_stats *st)
{
	struct famfs_ns *ns;
	double t = now(), dt;
	long n;

	if (famfs_ns_create(&b->sb, &ns))
		return -1;
	n = famfs_ns_replay(ns, b->log, b->log_len, NULL);
	dt = now() - t;
	famfs_ns_stats(ns, st);
	famfs_ns_free(ns);
	return n == (long)b->nent ? dt : -1;
}

static int run(uint64_t log_mib, uint64_t limit, int runs, bool smoke)
{
	struct bench_log b;
	struct famfs_ns_stats st;
	double crc = 1e9, rep = 1e9, first = 0;
	uint32_t sink = 0;
	int rc;

	rc = build(&b, log_mib << 20, limit);
	if (rc) {
		fprintf(stderr, "replay_bench: building the log: %s\n",
			strerror(-rc));
		return 1;
	}
	for (int r = 0; r < runs; r++) {
		double c = time_crc(&b, &sink), p = time_replay(&b, &st);

		if (p < 0 || st.files != b.files || st.dirs != b.dirs ||
		    st.bad) {
			fprintf(stderr,
				"replay_bench: replay of %llu entries went "
				"wrong (files %llu/%llu dirs %llu/%llu bad "
				"%llu)\n",
				(unsigned long long)b.nent,
				(unsigned long long)st.files,
				(unsigned long long)b.files,
				(unsigned long long)st.dirs,
				(unsigned long long)b.dirs,
				(unsigned long long)st.bad);
			free(b.log);
			return 1;
		}
		if (!r)
			first = p;
		crc = c < crc ? c : crc;
		rep = p < rep ? p : rep;
	}
	printf("log %4llu MiB: %7llu entries (%llu files, %llu dirs)%s\n",
	       (unsigned long long)log_mib, (unsigned long long)b.nent,
	       (unsigned long long)b.files, (unsigned long long)b.dirs,
	       smoke ? " [smoke]" : "");
	printf("  crc32 floor : %10.0f entries/s (%.3f ms)\n",
	       (double)b.nent / crc, crc * 1e3);
	printf("  replay      : %10.0f entries/s (%.3f ms)\n",
	       (double)b.nent / rep, rep * 1e3);
	printf("  replay/crc  : %10.2fx  (best of %d; sink %08x)\n", rep / crc,
	       runs, sink);
	printf("  first replay: %10.0f entries/s (%.3f ms, cold heap)\n",
	       (double)b.nent / first, first * 1e3);
	free(b.log);
	return 0;
}

/* The superblock and the log at their offsets in a sparse image of the
 * device's size. */
static int write_image(const char *path, uint64_t log_mib)
{
	struct bench_log b;
	int fd, rc = build(&b, log_mib << 20, 0);

	if (rc) {
		fprintf(stderr, "replay_bench: building the log: %s\n",
			strerror(-rc));
		return 1;
	}
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
	if (fd < 0 ||
	    pwrite(fd, &b.sb, sizeof(b.sb), 0) != (ssize_t)sizeof(b.sb) ||
	    pwrite(fd, b.log, b.log_len, FAMFS_LOG_OFFSET) !=
		    (ssize_t)b.log_len ||
	    ftruncate(fd, (off_t)b.sb.daxdev.size) || fsync(fd)) {
		fprintf(stderr, "replay_bench: %s: %s\n", path,
			strerror(errno));
		if (fd >= 0)
			close(fd);
		free(b.log);
		return 1;
	}
	close(fd);
	printf("%s: %llu MiB log, %llu entries (%llu files, %llu dirs), "
	       "device %llu GiB\n",
	       path, (unsigned long long)log_mib, (unsigned long long)b.nent,
	       (unsigned long long)b.files, (unsigned long long)b.dirs,
	       (unsigned long long)(b.sb.daxdev.size >> 30));
	free(b.log);
	return 0;
}

int main(int argc, char **argv)
{
	const char *image = NULL;
	uint64_t sizes[8];
	int nsizes = 0, runs = 5, rc = 0;
	bool smoke = false;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--smoke")) {
			smoke = true;
		} else if (!strcmp(argv[i], "--log-mib") && i + 1 < argc &&
			   nsizes < 8) {
			sizes[nsizes++] = strtoull(argv[++i], NULL, 0);
		} else if (!strcmp(argv[i], "--runs") && i + 1 < argc) {
			runs = atoi(argv[++i]);
		} else if (!strcmp(argv[i], "--image") && i + 1 < argc) {
			image = argv[++i];
		} else {
			fprintf(stderr,
				"usage: replay_bench [--smoke] [--log-mib N]... "
				"[--runs N] | --image PATH [--log-mib N]\n");
			return 2;
		}
	}
	if (image)
		return write_image(image, nsizes ? sizes[0] : 8);
	if (smoke)
		return run(8, 2000, 1, true);
	if (!nsizes) {
		sizes[nsizes++] = 8;
		sizes[nsizes++] = 256;
	}
	for (int i = 0; i < nsizes && !rc; i++) {
		if (sizes[i] < 8 || sizes[i] & (sizes[i] - 1)) {
			fprintf(stderr, "replay_bench: log size must be a "
					"power of two >= 8 MiB\n");
			return 2;
		}
		rc = run(sizes[i], 0,
			 sizes[i] > 64 ? (runs < 3 ? runs : 3) : runs, false);
	}
	return rc;
}
