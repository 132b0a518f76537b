// SPDX-License-Identifier: Apache-2.0
/*
 * File data through the device mapping: walk a file's map piece by piece
 * (simple extents or interleaved chunks), zero what was never written, and
 * write the CPU cache back where the device needs it.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "cli.h"

int cli_for_each_piece(struct famfs_fs *fs, const struct famfs_fmap *m,
		       uint64_t off, uint64_t len, cli_piece_fn fn, void *arg)
{
	uint64_t end = off + len;

	while (off < end) {
		struct famfs_piece p;
		uint8_t *addr;
		uint64_t n;
		int rc;

		rc = famfs_fmap_resolve(m, off, &p);
		if (rc)
			return rc;
		if (p.devindex != 0)
			return -ENODEV;
		n = p.len < end - off ? p.len : end - off;
		addr = famfs_fs_ptr(fs, p.dev_off, n);
		if (!addr)
			return -ERANGE;
		rc = fn(arg, addr, off, n);
		if (rc)
			return rc;
		off += n;
	}
	return 0;
}

struct chunk_walk {
	struct famfs_fs *fs;
	struct cli_progress *prog;
	bool write;
	cli_piece_fn fn;
	void *arg;
};

static int chunk_piece(void *arg, uint8_t *addr, uint64_t off, uint64_t len)
{
	struct chunk_walk *w = arg;

	/* Chunks keep the progress line moving on huge extents. */
	for (uint64_t done = 0; done < len;) {
		uint64_t n = len - done < CLI_CHUNK ? len - done : CLI_CHUNK;
		int rc;

		cli_prefault(w->fs, addr + done, n, w->write);
		rc = w->fn(w->arg, addr + done, off + done, n);
		if (rc)
			return rc;
		done += n;
		cli_progress_add(w->prog, n);
	}
	return 0;
}

int cli_for_each_chunk(struct famfs_fs *fs, const struct famfs_fmap *m,
		       uint64_t len, bool write, struct cli_progress *prog,
		       cli_piece_fn fn, void *arg)
{
	struct chunk_walk w = { fs, prog, write, fn, arg };

	return cli_for_each_piece(fs, m, 0, len, chunk_piece, &w);
}

void cli_prefault(struct famfs_fs *fs, void *addr, uint64_t len, bool write)
{
#if defined(MADV_POPULATE_WRITE) && defined(MADV_POPULATE_READ)
	uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE);
	uintptr_t a = (uintptr_t)addr & ~(page - 1);
	uintptr_t end = (uintptr_t)addr + len;

	if (famfs_dev_is_dax(famfs_fs_dev(fs)) || !len)
		return;
	/* Best effort: on failure the accesses simply fault as usual. */
	(void)madvise((void *)a, end - a,
		      write ? MADV_POPULATE_WRITE : MADV_POPULATE_READ);
#else
	(void)fs;
	(void)addr;
	(void)len;
	(void)write;
#endif
}

struct zero_ctx {
	struct famfs_fs *fs;
	uint8_t *base;
};

/*
 * Image files: punching a hole reads back as zeros and keeps the image
 * sparse. dax (or a file system without hole punching): store zeros.
 */
static int zero_piece(void *arg, uint8_t *addr, uint64_t file_off, uint64_t len)
{
	struct zero_ctx *z = arg;
	struct famfs_dev *dev = famfs_fs_dev(z->fs);

	(void)file_off;
	if (!famfs_dev_is_dax(dev) &&
	    !fallocate(famfs_dev_fd(dev),
		       FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
		       (off_t)(addr - z->base), (off_t)len))
		return 0;
	memset(addr, 0, len);
	famfs_dev_flush(dev, addr, len);
	return 0;
}

int cli_zero_from(struct famfs_fs *fs, const struct famfs_fmap *m, uint64_t off)
{
	struct zero_ctx z = { fs, famfs_dev_addr(famfs_fs_dev(fs)) };
	uint64_t cap = famfs_fmap_capacity(m);

	if (off >= cap)
		return 0;
	return cli_for_each_piece(fs, m, off, cap - off, zero_piece, &z);
}

static int flush_piece(void *arg, uint8_t *addr, uint64_t file_off,
		       uint64_t len)
{
	(void)file_off;
	famfs_dev_flush(famfs_fs_dev(arg), addr, len);
	return 0;
}

void cli_flush_file(struct famfs_fs *fs, const struct famfs_fmap *m,
		    uint64_t len)
{
	cli_for_each_piece(fs, m, 0, len, flush_piece, fs);
}

int cli_check_new(const struct cli *c, struct famfs_fs *fs, const char *arg,
		  const char *rel, const struct famfs_node **existing)
{
	struct famfs_ns *ns = famfs_fs_ns(fs);
	const struct famfs_node *n;
	struct famfs_err e;
	char dir[FAMFS_MAX_PATHLEN], buf[300];
	const char *slash = strrchr(rel, '/');
	int rc;

	if (existing)
		*existing = NULL;
	famfs_err_clear(&e);
	rc = famfs_path_check(rel, &e);
	if (rc)
		return cli_err(c, EXIT_USAGE, "%s: %s", arg,
			       rel[0] ? famfs_err_str(&e, buf, sizeof(buf)) :
					"is the root directory");
	n = famfs_ns_resolve(ns, rel);
	if (n && n->kind == FAMFS_NODE_FILE && existing) {
		*existing = n;
		return 0;
	}
	if (n)
		return cli_err(c, EXIT_RUNTIME, "%s: %s", arg,
			       n->kind == FAMFS_NODE_DIR ? "is a directory" :
							   strerror(EEXIST));
	if (slash) {
		memcpy(dir, rel, (size_t)(slash - rel));
		dir[slash - rel] = '\0';
		n = famfs_ns_resolve(ns, dir);
		if (!n || n->kind != FAMFS_NODE_DIR)
			return cli_err(c, EXIT_RUNTIME, "%s: %s", arg,
				       !n && errno == ENOENT ?
					       "parent directory does not "
					       "exist" :
					       "a parent is not a directory");
	} else {
		n = famfs_ns_get(ns, FAMFS_INO_ROOT);
	}
	if (famfs_ns_name_held(ns, n->ino, slash ? slash + 1 : rel) != -2)
		return cli_err(c, EXIT_RUNTIME, "%s: %s", arg,
			       cli_log_strerror(-EEXIST));
	if (!famfs_fs_log_free(fs))
		return cli_err(c, EXIT_RUNTIME, "%s: log full", arg);
	return 0;
}

int cli_make_file(const struct cli *c, struct famfs_fs *fs, const char *rel,
		  uint32_t mode, uint32_t uid, uint32_t gid, uint64_t size,
		  const struct famfs_alloc_req *req, cli_fill_fn fill,
		  void *arg, bool *fatal)
{
	struct famfs_ns *ns = famfs_fs_ns(fs);
	struct famfs_fmap m;
	char a[32], b[32];
	int rc;

	rc = famfs_ns_alloc(ns, req, &m);
	if (rc == -ENOSPC) {
		*fatal = true;
		return cli_err(c, EXIT_RUNTIME,
			       "%s: no space left on device (%s wanted, %s "
			       "free%s)",
			       rel, cli_human(size, a, sizeof(a)),
			       cli_human(famfs_ns_free_bytes(ns), b, sizeof(b)),
			       req->nstrips ? " in the buckets" : "");
	}
	if (rc)
		return cli_err(c, EXIT_RUNTIME, "%s: allocation: %s", rel,
			       strerror(-rc));
	/* Data first, then the log entry: a logged file is never garbage. */
	rc = fill ? fill(arg, fs, &m, size) : cli_zero_from(fs, &m, 0);
	if (!rc && fill)
		rc = cli_zero_from(fs, &m, size);
	if (rc) {
		famfs_ns_release(ns, &m);
		return rc > 0 ? rc :
				cli_err(c, EXIT_RUNTIME, "%s: writing data: %s",
					rel, strerror(-rc));
	}
	cli_flush_file(fs, &m, size);
	rc = famfs_fs_mkfile(fs, rel, mode, uid, gid, size, &m, NULL);
	if (rc) {
		famfs_ns_release(ns, &m);
		*fatal = rc == -ENOSPC;
		return cli_err(c, EXIT_RUNTIME, "%s: %s", rel,
			       cli_log_strerror(rc));
	}
	return 0;
}
