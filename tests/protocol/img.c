// SPDX-License-Identifier: Apache-2.0
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "img.h"

#define MiB (1ULL << 20)

int img_create(const char *path, uint64_t size, const char *uuid_file,
	       struct famfs_fs **out)
{
	struct famfs_mkfs_opts mo = { 0 };
	struct famfs_fs_opts fo;
	struct famfs_err err;
	struct famfs_dev *dev;
	char why[320];
	int fd, rc;

	famfs_err_clear(&err);
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
	if (fd < 0 || ftruncate(fd, (off_t)size)) {
		fprintf(stderr, "img: %s: %s\n", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -errno;
	}
	close(fd);
	rc = famfs_system_uuid(uuid_file, true, &mo.system_uuid);
	if (rc)
		goto fail;
	mo.allow_small = true;
	rc = famfs_dev_open(path, 0, &dev, &err);
	if (rc)
		goto fail;
	rc = famfs_mkfs(dev, &mo, &err);
	famfs_dev_close(dev);
	if (rc)
		goto fail;
	famfs_fs_opts_init(&fo);
	fo.system_uuid_path = uuid_file;
	rc = famfs_fs_open(path, &fo, out, &err);
	if (rc)
		goto fail;
	rc = famfs_fs_lock(*out, false);
	if (rc) {
		famfs_fs_close(*out);
		goto fail;
	}
	return 0;
fail:
	fprintf(stderr, "img: %s: %s\n", path,
		err.msg[0] ? famfs_err_str(&err, why, sizeof(why)) :
			     strerror(-rc));
	return rc;
}

int img_file_map(struct famfs_fs *fs, const char *name, uint64_t size,
		 const struct famfs_fmap *m, uint64_t *ino)
{
	int rc = famfs_fs_mkfile(fs, name, 0644, 0, 0, size, m, ino);

	if (rc)
		fprintf(stderr, "img: mkfile %s: %s\n", name, strerror(-rc));
	return rc;
}

int img_file_simple(struct famfs_fs *fs, const char *name, unsigned nextents,
		    uint64_t size, struct famfs_fmap *m, uint64_t *ino)
{
	struct famfs_ns *ns = famfs_fs_ns(fs);
	uint64_t per = size / nextents;
	int rc;

	memset(m, 0, sizeof(*m));
	for (unsigned i = 0; i < nextents; i++) {
		struct famfs_alloc_req sp = { .size = 2 * MiB };
		struct famfs_fmap spacer;

		rc = famfs_ns_alloc_grow(ns, m, per * (i + 1));
		if (rc)
			goto fail;
		/* A hole after each extent forces a new one next time. */
		rc = famfs_ns_alloc(ns, &sp, &spacer);
		if (rc)
			goto fail;
	}
	if (m->count != nextents) {
		rc = -EINVAL;
		goto fail;
	}
	return img_file_map(fs, name, size, m, ino);
fail:
	fprintf(stderr, "img: alloc %s: %s\n", name, strerror(-rc));
	return rc;
}

int img_file_interleave(struct famfs_fs *fs, const char *name, unsigned nstrips,
			unsigned nbuckets, uint64_t size, struct famfs_fmap *m,
			uint64_t *ino)
{
	struct famfs_alloc_req r = { .size = size,
				     .nstrips = nstrips,
				     .nbuckets = nbuckets,
				     .chunk_size = 2 * MiB,
				     .seed = 7 };
	int rc = famfs_ns_alloc(famfs_fs_ns(fs), &r, m);

	if (rc) {
		fprintf(stderr, "img: alloc %s: %s\n", name, strerror(-rc));
		return rc;
	}
	return img_file_map(fs, name, size, m, ino);
}

uint8_t img_byte(uint32_t seed, uint64_t i)
{
	uint64_t x = (i >> 3) * 0x9E3779B97F4A7C15ULL + seed;

	x ^= x >> 29;
	return (uint8_t)(x >> (8 * (i & 7)));
}

void img_fill(struct famfs_fs *fs, const struct famfs_fmap *m, uint64_t size,
	      uint32_t seed)
{
	uint64_t off = 0;

	while (off < size) {
		struct famfs_piece p;
		uint8_t *dst;
		uint64_t n;

		if (famfs_fmap_resolve(m, off, &p) || p.devindex)
			return;
		n = p.len < size - off ? p.len : size - off;
		dst = famfs_fs_ptr(fs, p.dev_off, n);
		if (!dst)
			return;
		for (uint64_t i = 0; i < n; i++)
			dst[i] = img_byte(seed, off + i);
		off += n;
	}
}
