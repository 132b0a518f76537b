// SPDX-License-Identifier: Apache-2.0
/*
 * daemon_bench: famfsd data and metadata rates through a real mount,
 * against raw memcpy on the same bytes of the image file in the same run.
 *
 *   daemon_bench io MNT IMG [MIB]   sequential 1 MiB and random 4 KiB reads
 *                                   and writes, 1 and 2 threads, each on
 *                                   its own MIB-MiB file (default 256),
 *                                   then memcpy on the image mapping
 *   daemon_bench create MNT N       N files: create + write 4 KiB + close
 *   daemon_bench meta MNT N         stat and readdir over those N files
 *   daemon_bench stat MNT N         stat of each of them by path
 *   daemon_bench ls MNT N           ls -l of their directories: readdir,
 *                                   then lstat of every entry
 *   daemon_bench memcpy IMG REL PATTERN THREADS SECONDS
 *                                   the limit of a data row: PATTERN
 *                                   (randread, randwrite: 4 KiB; seqread,
 *                                   seqwrite: 1 MiB) with memcpy on the
 *                                   bytes of logged file REL in the image
 *                                   mapping
 *
 * Prints one "name value unit" line per measurement; ratios are
 * mount / memcpy. Driver: bench/run-bench.sh (which reads the value after
 * the name).
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <dirent.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "famfs/famfs.h"

#define MIB (1024 * 1024)
#define SEQ_IO MIB
#define RND_IO 4096
#define RND_OPS 20000
#define PER_DIR 100
#define MAX_THREADS 2

static double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void die(const char *what, const char *path)
{
	fprintf(stderr, "daemon_bench: %s %s: %s\n", what, path,
		strerror(errno));
	exit(2);
}

/* ---- through the mount ---------------------------------------------------- */

enum io_kind { SEQ_WRITE_NEW, SEQ_READ, SEQ_WRITE, RND_READ, RND_WRITE };

struct job {
	enum io_kind kind;
	char path[512];
	uint64_t size;
	/* memcpy baseline: the file's bytes in the image mapping */
	uint8_t *pieces[4096];
	unsigned npieces; /* 2 MiB pieces, in file order */
	bool raw;
	uint64_t ops;
};

static uint8_t *piece_ptr(struct job *j, uint64_t off)
{
	return j->pieces[off / (2 * MIB)] + off % (2 * MIB);
}

static void raw_io(struct job *j, uint8_t *buf)
{
	unsigned seed = 1;

	switch (j->kind) {
	case SEQ_READ:
	case SEQ_WRITE:
	case SEQ_WRITE_NEW:
		for (uint64_t off = 0; off < j->size; off += SEQ_IO) {
			/* 1 MiB never crosses a 2 MiB piece here */
			if (j->kind == SEQ_READ)
				memcpy(buf, piece_ptr(j, off), SEQ_IO);
			else
				memcpy(piece_ptr(j, off), buf, SEQ_IO);
		}
		j->ops = j->size / SEQ_IO;
		break;
	case RND_READ:
	case RND_WRITE:
		for (unsigned i = 0; i < RND_OPS; i++) {
			uint64_t off = (uint64_t)(rand_r(&seed) %
						  (int)(j->size / RND_IO)) *
				       RND_IO;

			if (j->kind == RND_READ)
				memcpy(buf, piece_ptr(j, off), RND_IO);
			else
				memcpy(piece_ptr(j, off), buf, RND_IO);
		}
		j->ops = RND_OPS;
		break;
	}
}

static void *run_job(void *arg)
{
	struct job *j = arg;
	uint8_t *buf = aligned_alloc(4096, SEQ_IO);
	unsigned seed = 1;
	int fd, flags;
	ssize_t n;

	if (!buf)
		die("malloc", "");
	memset(buf, 0x5a, SEQ_IO);
	if (j->raw) {
		raw_io(j, buf);
		free(buf);
		return NULL;
	}
	flags = j->kind == SEQ_WRITE_NEW ? O_CREAT | O_EXCL | O_WRONLY :
		j->kind == SEQ_READ || j->kind == RND_READ ? O_RDONLY :
							     O_WRONLY;
	fd = open(j->path, flags, 0644);
	if (fd < 0)
		die("open", j->path);
	j->ops = 0;
	if (j->kind <= SEQ_WRITE) {
		for (uint64_t off = 0; off < j->size; off += SEQ_IO) {
			n = j->kind == SEQ_READ ?
				    pread(fd, buf, SEQ_IO, (off_t)off) :
				    pwrite(fd, buf, SEQ_IO, (off_t)off);
			if (n != SEQ_IO)
				die("seq io", j->path);
			j->ops++;
		}
	} else {
		for (unsigned i = 0; i < RND_OPS; i++) {
			off_t off = (off_t)(rand_r(&seed) %
					    (int)(j->size / RND_IO)) *
				    RND_IO;

			n = j->kind == RND_READ ? pread(fd, buf, RND_IO, off) :
						  pwrite(fd, buf, RND_IO, off);
			if (n != RND_IO)
				die("random io", j->path);
			j->ops++;
		}
	}
	if (close(fd))
		die("close", j->path);
	free(buf);
	return NULL;
}

/* Run @nt jobs in parallel; return total bytes per second (or ops/s). */
static double run_jobs(struct job *jobs, unsigned nt, double *ops_per_s)
{
	pthread_t th[MAX_THREADS];
	uint64_t bytes = 0, ops = 0;
	double t0 = now(), dt;

	for (unsigned i = 0; i < nt; i++)
		if (pthread_create(&th[i], NULL, run_job, &jobs[i]))
			die("pthread_create", "");
	for (unsigned i = 0; i < nt; i++)
		pthread_join(th[i], NULL);
	dt = now() - t0;
	for (unsigned i = 0; i < nt; i++) {
		ops += jobs[i].ops;
		bytes += jobs[i].ops *
			 (jobs[i].kind <= SEQ_WRITE ? SEQ_IO : RND_IO);
	}
	*ops_per_s = (double)ops / dt;
	return (double)bytes / dt;
}

static uint64_t stat_counter(const char *mnt, const char *key)
{
	char path[512], line[128], k[64];
	unsigned long long v;
	uint64_t out = 0;
	FILE *f;

	snprintf(path, sizeof(path), "%s/.meta/.stats", mnt);
	f = fopen(path, "r");
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%63s %llu", k, &v) == 2 && !strcmp(k, key))
			out = v;
	fclose(f);
	return out;
}

/* The whole image, shared and writable; its fd and size. */
static uint8_t *map_image(const char *img, int *fd, struct stat *st)
{
	uint8_t *base;

	*fd = open(img, O_RDWR);
	if (*fd < 0 || fstat(*fd, st))
		die("open", img);
	base = mmap(NULL, (size_t)st->st_size, PROT_READ | PROT_WRITE,
		    MAP_SHARED, *fd, 0);
	if (base == MAP_FAILED)
		die("mmap", img);
	return base;
}

/* Find where the (logged) file lives in the image; waits for it to settle. */
static void map_file(struct famfs_fs **fsp, const char *img, uint8_t *base,
		     const char *rel, struct job *j)
{
	const struct famfs_node *n = NULL;
	struct famfs_fs_opts o;
	struct famfs_err err;

	if (!*fsp) {
		famfs_fs_opts_init(&o);
		o.dev_flags = FAMFS_DEV_RDONLY;
		o.role = FAMFS_ROLE_CLIENT;
		if (famfs_fs_open(img, &o, fsp, &err)) {
			fprintf(stderr, "daemon_bench: %s: cannot open\n", img);
			exit(2);
		}
	}
	for (int tries = 0; tries < 200 && !n; tries++) {
		famfs_fs_refresh(*fsp);
		n = famfs_ns_resolve(famfs_fs_ns(*fsp), rel);
		if (!n)
			usleep(50000);
	}
	if (!n || !n->fmap) {
		fprintf(stderr, "daemon_bench: %s never got logged\n", rel);
		exit(2);
	}
	if (!j->size) /* all of it, in whole 2 MiB pieces */
		j->size = n->size / (2 * MIB) * (2 * MIB);
	j->npieces = 0;
	for (uint64_t off = 0; off < j->size; off += 2 * MIB) {
		struct famfs_piece p;

		if (famfs_fmap_resolve(n->fmap, off, &p) || p.len < 2 * MIB ||
		    j->npieces == sizeof(j->pieces) / sizeof(j->pieces[0])) {
			fprintf(stderr, "daemon_bench: %s: odd map\n", rel);
			exit(2);
		}
		j->pieces[j->npieces++] = base + p.dev_off;
	}
}

static void report(const char *name, unsigned nt, double mount, double raw,
		   const char *unit, double scale)
{
	printf("%-28s %u thr %10.1f %-6s memcpy %10.1f %-6s ratio %.3f\n", name,
	       nt, mount / scale, unit, raw / scale, unit, mount / raw);
}

static int cmd_io(const char *mnt, const char *img, uint64_t mib)
{
	static const char *names[] = { "seq write 1M (new file)", "seq read 1M",
				       "seq write 1M (in place)",
				       "rand read 4K", "rand write 4K" };
	struct job jobs[MAX_THREADS];
	struct famfs_fs *fs = NULL;
	uint64_t size = mib * MIB;
	double mount_bps[5], ops;
	char dir[512];
	uint8_t *base;
	struct stat st;
	int fd;

	snprintf(dir, sizeof(dir), "%s/bench", mnt);
	if (mkdir(dir, 0755) && errno != EEXIST)
		die("mkdir", dir);
	base = map_image(img, &fd, &st);

	for (unsigned nt = 1; nt <= MAX_THREADS; nt++) {
		uint64_t r0 = 0, w0 = 0, r1, w1;

		memset(jobs, 0, sizeof(jobs));
		for (unsigned i = 0; i < nt; i++) {
			snprintf(jobs[i].path, sizeof(jobs[i].path),
				 "%s/bench/t%u_%u", mnt, nt, i);
			jobs[i].size = size;
		}
		for (int k = SEQ_WRITE_NEW; k <= RND_WRITE; k++) {
			for (unsigned i = 0; i < nt; i++)
				jobs[i].kind = (enum io_kind)k;
			r0 = stat_counter(mnt, "read_upcalls");
			w0 = stat_counter(mnt, "write_upcalls");
			mount_bps[k] = run_jobs(jobs, nt, &ops);
			r1 = stat_counter(mnt, "read_upcalls") - r0;
			w1 = stat_counter(mnt, "write_upcalls") - w0;
			if (k == SEQ_READ || k == SEQ_WRITE)
				printf("# %s: %.0f bytes per %s upcall\n",
				       names[k],
				       (double)(nt * size) /
					       (double)(k == SEQ_READ ? r1 :
									w1),
				       k == SEQ_READ ? "READ" : "WRITE");
			if (k >= RND_READ)
				mount_bps[k] = ops;
		}
		for (unsigned i = 0; i < nt; i++) {
			char rel[64];

			snprintf(rel, sizeof(rel), "bench/t%u_%u", nt, i);
			map_file(&fs, img, base, rel, &jobs[i]);
			jobs[i].raw = true;
		}
		for (int k = SEQ_WRITE_NEW; k <= RND_WRITE; k++) {
			double raw;

			for (unsigned i = 0; i < nt; i++)
				jobs[i].kind = (enum io_kind)k;
			/* Untimed pass first: no page faults in the baseline. */
			run_jobs(jobs, nt, &ops);
			raw = run_jobs(jobs, nt, &ops);
			if (k >= RND_READ)
				report(names[k], nt, mount_bps[k], ops, "kop/s",
				       1e3);
			else
				report(names[k], nt, mount_bps[k], raw, "MB/s",
				       1e6);
		}
	}
	famfs_fs_close(fs);
	munmap(base, (size_t)st.st_size);
	close(fd);
	return 0;
}

/* ---- metadata --------------------------------------------------------------- */

static int cmd_create(const char *mnt, unsigned n)
{
	char path[512];
	static char buf[4096];
	double t0;
	int fd;

	memset(buf, 0x33, sizeof(buf));
	snprintf(path, sizeof(path), "%s/meta", mnt);
	if (mkdir(path, 0755))
		die("mkdir", path);
	for (unsigned d = 0; d <= (n - 1) / PER_DIR; d++) {
		snprintf(path, sizeof(path), "%s/meta/d%03u", mnt, d);
		if (mkdir(path, 0755))
			die("mkdir", path);
	}
	t0 = now();
	for (unsigned i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "%s/meta/d%03u/f%05u", mnt,
			 i / PER_DIR, i);
		fd = open(path, O_CREAT | O_EXCL | O_WRONLY, 0644);
		if (fd < 0)
			die("create", path);
		if (write(fd, buf, sizeof(buf)) != sizeof(buf))
			die("write", path);
		if (close(fd))
			die("close", path);
	}
	printf("%-28s %10.0f files/s (create + write 4K + close)\n", "create",
	       n / (now() - t0));
	return 0;
}

static void stat_paths(const char *mnt, unsigned n)
{
	char path[512];
	struct stat st;
	double t0 = now();

	for (unsigned i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "%s/meta/d%03u/f%05u", mnt,
			 i / PER_DIR, i);
		if (stat(path, &st) || st.st_size != 4096)
			die("stat", path);
	}
	printf("%-28s %10.0f stat/s over %u files\n", "stat", n / (now() - t0),
	       n);
}

/* What ls -l does: list each directory, then lstat every name in it. */
static void ls_dirs(const char *mnt, unsigned n)
{
	unsigned ndirs = (n - 1) / PER_DIR + 1, stats = 0;
	char path[512];
	double t0 = now();

	for (unsigned d = 0; d < ndirs; d++) {
		struct dirent *de;
		struct stat st;
		DIR *dir;

		snprintf(path, sizeof(path), "%s/meta/d%03u", mnt, d);
		dir = opendir(path);
		if (!dir)
			die("opendir", path);
		while ((de = readdir(dir))) {
			if (de->d_name[0] == '.')
				continue;
			if (fstatat(dirfd(dir), de->d_name, &st,
				    AT_SYMLINK_NOFOLLOW))
				die("lstat", de->d_name);
			stats++;
		}
		closedir(dir);
	}
	printf("%-28s %10.0f stat/s (%u files, %u dirs)\n", "ls-l",
	       stats / (now() - t0), stats, ndirs);
}

static int cmd_meta(const char *mnt, unsigned n)
{
	unsigned ndirs = (n - 1) / PER_DIR + 1, entries = 0;
	char path[512];
	struct dirent *de;
	double t0, dt;
	DIR *dir;

	stat_paths(mnt, n);
	t0 = now();
	for (unsigned d = 0; d < ndirs; d++) {
		snprintf(path, sizeof(path), "%s/meta/d%03u", mnt, d);
		dir = opendir(path);
		if (!dir)
			die("opendir", path);
		while ((de = readdir(dir)))
			entries++;
		closedir(dir);
	}
	dt = now() - t0;
	printf("%-28s %10.0f entries/s (%u entries, %u dirs)\n", "readdir",
	       entries / dt, entries, ndirs);
	return 0;
}

struct mjob {
	struct job j;
	int pattern; /* RND_READ, RND_WRITE, SEQ_READ or SEQ_WRITE */
	double secs;
	unsigned seed;
};

/* @secs of @pattern with memcpy on the file's pieces; ops in j.ops. */
static void *mem_job(void *arg)
{
	struct mjob *m = arg;
	bool seq = m->pattern == SEQ_READ || m->pattern == SEQ_WRITE;
	bool rd = m->pattern == SEQ_READ || m->pattern == RND_READ;
	size_t len = seq ? SEQ_IO : RND_IO;
	uint8_t *buf = aligned_alloc(4096, SEQ_IO);
	uint64_t units = m->j.size / RND_IO, next = 0;
	double end = now() + m->secs;

	if (!buf)
		die("malloc", "");
	memset(buf, 0x5a, SEQ_IO);
	while (now() < end) {
		for (unsigned k = 0; k < 256; k++) {
			uint64_t off = next;

			if (seq)
				next = (next + SEQ_IO) % m->j.size;
			else
				off = (uint64_t)rand_r(&m->seed) % units *
				      RND_IO;
			if (rd)
				memcpy(buf, piece_ptr(&m->j, off), len);
			else
				memcpy(piece_ptr(&m->j, off), buf, len);
		}
		m->j.ops += 256;
	}
	free(buf);
	return NULL;
}

static int cmd_memcpy(const char *img, const char *rel, const char *pattern,
		      unsigned nt, double secs)
{
	static struct mjob jobs[MAX_THREADS * 4];
	pthread_t th[MAX_THREADS * 4];
	struct famfs_fs *fs = NULL;
	uint64_t ops = 0;
	struct stat st;
	uint8_t *base;
	double t0;
	int fd, pat;

	pat = !strcmp(pattern, "randread")  ? RND_READ :
	      !strcmp(pattern, "randwrite") ? RND_WRITE :
	      !strcmp(pattern, "seqread")   ? SEQ_READ :
	      !strcmp(pattern, "seqwrite")  ? SEQ_WRITE :
					      -1;
	if (pat < 0 || !nt || nt > MAX_THREADS * 4 || !(secs > 0)) {
		fprintf(stderr, "daemon_bench memcpy: bad arguments\n");
		return 1;
	}
	base = map_image(img, &fd, &st);
	for (unsigned i = 0; i < nt; i++) {
		struct mjob *m = &jobs[i];

		memset(m, 0, sizeof(*m));
		map_file(&fs, img, base, rel, &m->j);
		m->pattern = pat;
		m->secs = secs;
		m->seed = i + 1;
	}
	/* One untimed pass: no page faults in the limit. */
	for (uint64_t off = 0; off < jobs[0].j.size; off += 4096)
		(void)*(volatile uint8_t *)piece_ptr(&jobs[0].j, off);
	t0 = now();
	for (unsigned i = 0; i < nt; i++)
		if (pthread_create(&th[i], NULL, mem_job, &jobs[i]))
			die("pthread_create", "");
	for (unsigned i = 0; i < nt; i++) {
		pthread_join(th[i], NULL);
		ops += jobs[i].j.ops;
	}
	t0 = now() - t0;
	if (pat == SEQ_READ || pat == SEQ_WRITE)
		printf("%-28s %10.1f MB/s (%u threads)\n", pattern,
		       (double)ops * SEQ_IO / t0 / 1e6, nt);
	else
		printf("%-28s %10.1f kIOPS (%u threads)\n", pattern,
		       (double)ops / t0 / 1e3, nt);
	famfs_fs_close(fs);
	munmap(base, (size_t)st.st_size);
	close(fd);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc >= 4 && !strcmp(argv[1], "io"))
		return cmd_io(argv[2], argv[3],
			      argc > 4 ? strtoull(argv[4], NULL, 0) : 256);
	if (argc == 4 && !strcmp(argv[1], "create"))
		return cmd_create(argv[2], (unsigned)strtoul(argv[3], NULL, 0));
	if (argc == 4 && !strcmp(argv[1], "meta"))
		return cmd_meta(argv[2], (unsigned)strtoul(argv[3], NULL, 0));
	if (argc == 4 && !strcmp(argv[1], "stat")) {
		stat_paths(argv[2], (unsigned)strtoul(argv[3], NULL, 0));
		return 0;
	}
	if (argc == 4 && !strcmp(argv[1], "ls")) {
		ls_dirs(argv[2], (unsigned)strtoul(argv[3], NULL, 0));
		return 0;
	}
	if (argc == 7 && !strcmp(argv[1], "memcpy"))
		return cmd_memcpy(argv[2], argv[3], argv[4],
				  (unsigned)strtoul(argv[5], NULL, 0),
				  strtod(argv[6], NULL));
	fprintf(stderr, "usage: daemon_bench io MNT IMG [MIB] | "
			"create MNT N | meta|stat|ls MNT N |\n"
			"       memcpy IMG REL PATTERN THREADS SECONDS\n");
	return 1;
}
