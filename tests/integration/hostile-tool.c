// SPDX-License-Identifier: Apache-2.0
/*
 * hostile-tool: the hostile-entry corpus (tests/unit/hostile.c) against a
 * real famfsd mount.
 *
 *   hostile-tool build IMG UUIDFILE  write the image (sentinel, legit files,
 *                                    one entry per case, valid CRCs)
 *   hostile-tool rejected            print how many cases are rejected and
 *                                    how many of those are collisions
 *   hostile-tool check MNT           the mount serves exactly the legit
 *                                    files and accepted cases, each with
 *                                    its own bytes and nothing else
 *   hostile-tool attack MNT ERRNO    open(O_CREAT|O_WRONLY) + write through
 *                                    every rejected clean path must fail;
 *                                    held names with ERRNO (EEXIST/EROFS)
 *   hostile-tool verify IMG          offline: every data byte is its
 *                                    file's pattern or the sentinel
 * Exit: 0 ok, 1 usage, 2 a check failed (one line per problem on stderr).
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hostile.h"

static const char *legit_files[] = { "d/good", "g2", "ie" };
static const char *legit_dirs[] = { "d", "d/sub" };

static size_t mnt_len;
static unsigned problems, files_seen;

static bool expected_file(const char *rel)
{
	for (size_t i = 0; i < sizeof(legit_files) / sizeof(*legit_files); i++)
		if (!strcmp(rel, legit_files[i]))
			return true;
	for (unsigned i = 0; i < hostile_ncases; i++)
		if (hostile_cases[i].served &&
		    !strcmp(rel, hostile_cases[i].path))
			return true;
	return false;
}

static bool expected_dir(const char *rel)
{
	for (size_t i = 0; i < sizeof(legit_dirs) / sizeof(*legit_dirs); i++)
		if (!strcmp(rel, legit_dirs[i]))
			return true;
	return false;
}

static void problem(const char *what, const char *path)
{
	fprintf(stderr, "hostile-tool: %s: %s\n", path, what);
	problems++;
}

/* Read the whole file; every byte is the file's own pattern. */
static void check_bytes(const char *full, const char *rel, off_t size)
{
	static uint8_t buf[1 << 20];
	uint64_t seed = hostile_seed(rel), off = 0;
	int fd = open(full, O_RDONLY);

	if (fd < 0) {
		problem(strerror(errno), rel);
		return;
	}
	for (;;) {
		ssize_t n = pread(fd, buf, sizeof(buf), (off_t)off);
		int64_t bad;

		if (n < 0) {
			problem(strerror(errno), rel);
			break;
		}
		if (n == 0)
			break;
		bad = famfs_pattern_check(buf, (size_t)n, seed, off);
		if (bad >= 0) {
			fprintf(stderr,
				"hostile-tool: %s: byte %lld is not its own "
				"(0x%02x%s)\n",
				rel, (long long)bad, buf[bad - (int64_t)off],
				buf[bad - (int64_t)off] == HOSTILE_SENTINEL ?
					", the sentinel" :
					"");
			problems++;
			break;
		}
		off += (uint64_t)n;
	}
	if (off != (uint64_t)size)
		problem("read length differs from st_size", rel);
	close(fd);
}

static int visit(const char *full, const struct stat *st, int flag,
		 struct FTW *ftw)
{
	const char *rel = full + mnt_len + (full[mnt_len] == '/');

	(void)ftw;
	if (!*rel)
		return 0;
	if (!strcmp(rel, ".meta") || !strncmp(rel, ".meta/", 6))
		return 0;
	if (flag == FTW_D) {
		if (!expected_dir(rel))
			problem("directory served that should not be", rel);
		return 0;
	}
	if (flag != FTW_F || !S_ISREG(st->st_mode)) {
		problem("not a regular file or directory", rel);
		return 0;
	}
	files_seen++;
	if (!expected_file(rel)) {
		problem("served, but its entry was rejected", rel);
		return 0;
	}
	check_bytes(full, rel, st->st_size);
	return 0;
}

static int cmd_check(const char *mnt)
{
	unsigned want = sizeof(legit_files) / sizeof(*legit_files);

	for (unsigned i = 0; i < hostile_ncases; i++)
		want += hostile_cases[i].served;
	mnt_len = strlen(mnt);
	if (nftw(mnt, visit, 16, FTW_PHYS)) {
		perror("hostile-tool: nftw");
		return 2;
	}
	if (files_seen != want) {
		fprintf(stderr, "hostile-tool: %u files served, want %u\n",
			files_seen, want);
		problems++;
	}
	return problems ? 2 : 0;
}

static const char *errno_name(int e)
{
	switch (e) {
	case EEXIST:
		return "EEXIST";
	case EROFS:
		return "EROFS";
	case ENOENT:
		return "ENOENT";
	case ENOTDIR:
		return "ENOTDIR";
	case EACCES:
		return "EACCES";
	case EPERM:
		return "EPERM";
	case EINVAL:
		return "EINVAL";
	default:
		return strerror(e);
	}
}

/* Writing through a rejected entry's name must reach nothing. */
static int cmd_attack(const char *mnt, const char *want_held)
{
	static const char x[] = "XXXXXXXX";

	for (unsigned i = 0; i < hostile_ncases; i++) {
		const struct hostile_case *c = &hostile_cases[i];
		char full[4096];
		int fd, e;

		if (c->served || !c->addressable || expected_file(c->path))
			continue;
		snprintf(full, sizeof(full), "%s/%s", mnt, c->path);
		fd = open(full, O_WRONLY | O_CREAT, 0644);
		if (fd >= 0) {
			ssize_t n = write(fd, x, sizeof(x) - 1);

			close(fd);
			fprintf(stderr,
				"hostile-tool: %s: opened for writing (wrote "
				"%zd) through a rejected entry\n",
				c->path, n);
			problems++;
			continue;
		}
		e = errno;
		if (c->holds_name && strcmp(errno_name(e), want_held)) {
			fprintf(stderr,
				"hostile-tool: %s: %s, want %s (name held)\n",
				c->path, errno_name(e), want_held);
			problems++;
		}
	}
	return problems ? 2 : 0;
}

static int cmd_verify(const char *img)
{
	struct famfs_dev *dev;
	struct famfs_ns *ns;
	struct famfs_err err;
	const uint8_t *base;
	int rc;

	famfs_err_clear(&err);
	rc = famfs_dev_open(img, FAMFS_DEV_RDONLY, &dev, &err);
	if (rc) {
		fprintf(stderr, "hostile-tool: %s: %s\n", img, err.msg);
		return 2;
	}
	base = famfs_dev_addr(dev);
	rc = famfs_ns_create((const void *)base, &ns);
	if (!rc && famfs_ns_replay(ns, base + FAMFS_LOG_OFFSET,
				   famfs_ns_geom(ns)->log_len, NULL) < 0)
		rc = -EIO;
	if (!rc)
		rc = hostile_verify_bytes(ns, base, famfs_dev_size(dev));
	famfs_ns_free(ns);
	famfs_dev_close(dev);
	return rc ? 2 : 0;
}

int main(int argc, char **argv)
{
	if (argc == 4 && !strcmp(argv[1], "build")) {
		struct famfs_omf_uuid u;

		if (famfs_system_uuid(argv[3], true, &u)) {
			fprintf(stderr, "hostile-tool: %s: bad uuid file\n",
				argv[3]);
			return 2;
		}
		return hostile_build(argv[2], &u) ? 2 : 0;
	}
	if (argc == 2 && !strcmp(argv[1], "rejected")) {
		unsigned r = 0, c = 0;

		for (unsigned i = 0; i < hostile_ncases; i++) {
			r += !hostile_cases[i].served;
			c += !hostile_cases[i].served &&
			     hostile_cases[i].kind == FAMFS_ERR_COLLISION;
		}
		printf("%u %u\n", r, c);
		return 0;
	}
	if (argc == 3 && !strcmp(argv[1], "check"))
		return cmd_check(argv[2]);
	if (argc == 4 && !strcmp(argv[1], "attack"))
		return cmd_attack(argv[2], argv[3]);
	if (argc == 3 && !strcmp(argv[1], "verify"))
		return cmd_verify(argv[2]);
	fprintf(stderr, "usage: hostile-tool build IMG UUIDFILE | rejected | "
			"check MNT | attack MNT ERRNO | verify IMG\n");
	return 1;
}
