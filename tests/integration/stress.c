// SPDX-License-Identifier: Apache-2.0
/*
 * stress: parallel writers and readers over many files in a famfs mount.
 *
 *   stress DIR NFILES NWORKERS [check]
 *
 * Half the workers create DIR/dNN/fNNNNN with known content (size and bytes
 * depend only on the file number) and publish each one after close(); the
 * other half keep reading published files back and checking every byte.
 * Then every worker re-reads and stats its share of all files. Exit 0 when
 * every check passed, 1 on any mismatch or error (first ones printed).
 * With "check", nothing is written: every worker only re-reads its share.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sched.h>
#include <sys/stat.h>
#include <unistd.h>

#define PER_DIR 100

static const char *top;
static unsigned nfiles, nworkers, nwriters;
static atomic_uchar *published;
static atomic_uint writers_left;
static atomic_ulong errors, reads_checked;

static size_t file_size(unsigned i)
{
	static const size_t sizes[] = {
		1, 100, 4096, 8191, 20000, 65537, 3000
	};

	return sizes[i % (sizeof(sizes) / sizeof(sizes[0]))];
}

static uint8_t file_byte(unsigned i, size_t off)
{
	return (uint8_t)((i * 2654435761u) >> 24) ^
	       (uint8_t)(off * 7 + off / 251);
}

static void path_of(unsigned i, char *buf, size_t len)
{
	snprintf(buf, len, "%s/d%02u/f%05u", top, i / PER_DIR, i);
}

static void report(const char *what, const char *path, int err)
{
	if (atomic_fetch_add(&errors, 1) < 20)
		fprintf(stderr, "stress: %s %s: %s\n", what, path,
			err ? strerror(err) : "content differs");
}

static void write_file(unsigned i, uint8_t *buf)
{
	size_t n = file_size(i), done = 0;
	char path[512];
	ssize_t w;
	int fd;

	path_of(i, path, sizeof(path));
	for (size_t k = 0; k < n; k++)
		buf[k] = file_byte(i, k);
	fd = open(path, O_CREAT | O_EXCL | O_WRONLY, 0644);
	if (fd < 0) {
		report("create", path, errno);
		return;
	}
	while (done < n) {
		w = write(fd, buf + done, n - done);
		if (w <= 0) {
			report("write", path, w < 0 ? errno : EIO);
			break;
		}
		done += (size_t)w;
	}
	if (close(fd)) {
		report("close", path, errno);
		return;
	}
	if (done == n)
		atomic_store(&published[i], 1);
}

static void check_file(unsigned i, uint8_t *buf, size_t cap)
{
	size_t n = file_size(i), got = 0;
	char path[512];
	struct stat st;
	ssize_t r;
	int fd;

	path_of(i, path, sizeof(path));
	if (stat(path, &st) || (size_t)st.st_size != n) {
		report("stat", path, errno ? errno : EINVAL);
		return;
	}
	fd = open(path, O_RDONLY);
	if (fd < 0) {
		report("open", path, errno);
		return;
	}
	/* Ask for more than the size: the read must stop at EOF. */
	while ((r = read(fd, buf + got, cap - got)) > 0)
		got += (size_t)r;
	if (r < 0)
		report("read", path, errno);
	close(fd);
	if (r < 0)
		return;
	if (got != n) {
		report("size", path, 0);
		return;
	}
	for (size_t k = 0; k < n; k++) {
		if (buf[k] != file_byte(i, k)) {
			report("check", path, 0);
			return;
		}
	}
	atomic_fetch_add(&reads_checked, 1);
}

static void *worker(void *arg)
{
	unsigned id = (unsigned)(uintptr_t)arg;
	size_t cap = 128 * 1024;
	unsigned seed = id * 7919u + 1;
	uint8_t *buf = malloc(cap);

	if (!buf) {
		report("malloc", "", ENOMEM);
		return NULL;
	}
	if (id < nwriters) {
		for (unsigned i = id; i < nfiles; i += nwriters)
			write_file(i, buf);
		atomic_fetch_sub(&writers_left, 1);
	} else {
		/* Read random published files while the writers run. */
		while (atomic_load(&writers_left)) {
			unsigned i = (unsigned)rand_r(&seed) % nfiles;

			if (atomic_load(&published[i]))
				check_file(i, buf, cap);
			else
				sched_yield();
		}
	}
	/* Everyone: a full pass over its share of the finished set. */
	for (unsigned i = id; i < nfiles; i += nworkers)
		check_file(i, buf, cap);
	free(buf);
	return NULL;
}

int main(int argc, char **argv)
{
	pthread_t *th;
	char path[512];

	if (argc != 4 && !(argc == 5 && !strcmp(argv[4], "check"))) {
		fprintf(stderr, "usage: stress DIR NFILES NWORKERS [check]\n");
		return 2;
	}
	top = argv[1];
	nfiles = (unsigned)strtoul(argv[2], NULL, 0);
	nworkers = (unsigned)strtoul(argv[3], NULL, 0);
	if (!nfiles || nworkers < 2 || nworkers > 256) {
		fprintf(stderr, "stress: need NFILES > 0 and 2..256 workers\n");
		return 2;
	}
	nwriters = argc == 5 ? 0 : nworkers / 2;
	atomic_store(&writers_left, nwriters);
	published = calloc(nfiles, sizeof(*published));
	th = calloc(nworkers, sizeof(*th));
	if (!published || !th) {
		fprintf(stderr, "stress: out of memory\n");
		return 2;
	}
	for (unsigned d = 0; nwriters && d <= (nfiles - 1) / PER_DIR; d++) {
		snprintf(path, sizeof(path), "%s/d%02u", top, d);
		if (mkdir(path, 0755) && errno != EEXIST) {
			perror(path);
			return 1;
		}
	}
	for (unsigned w = 0; w < nworkers; w++) {
		if (pthread_create(&th[w], NULL, worker,
				   (void *)(uintptr_t)w)) {
			fprintf(stderr, "stress: pthread_create failed\n");
			return 1;
		}
	}
	for (unsigned w = 0; w < nworkers; w++)
		pthread_join(th[w], NULL);
	printf("stress: %u files, %u workers, %lu reads checked, %lu errors\n",
	       nfiles, nworkers, atomic_load(&reads_checked),
	       atomic_load(&errors));
	free(published);
	free(th);
	return atomic_load(&errors) ? 1 : 0;
}
