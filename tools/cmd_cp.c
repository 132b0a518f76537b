// SPDX-License-Identifier: Apache-2.0
/*
 * famfs cp: copy host files (and with -r, trees) into an unmounted famfs.
 * Per file: allocate, copy into the device mapping (1 MiB preads), zero
 * the slack, flush, then log. Directories become MKDIR entries.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"

#define CP_CHUNK ((uint64_t)1 << 20)

static void usage(const struct cli *c, FILE *f)
{
	fprintf(f,
		"Usage: %s [-r] [-m MODE] [-u UID] [-g GID] DEV SRC... DST\n"
		"Copy host files into the file system on DEV (master only). "
		"DST is a path in\nthe file system ('/' is its root). With "
		"several SRCs, DST must be an existing\ndirectory. A file "
		"that exists with the same size is overwritten in place.\n"
		"Empty files, symlinks and special files are skipped with a "
		"warning.\n\n"
		"  -r, --recursive  copy directories (one MKDIR entry each; "
		"source modes)\n"
		"  -m, --mode MODE  octal mode for files (default: source "
		"mode & 0777)\n"
		"  -u, --uid UID, -g, --gid GID  owner (default: yours)\n"
		"  -v, --verbose    print each file copied\n"
		"      --system-uuid-file PATH  this host's UUID\n"
		"  -h, --help       this help\n\n" CLI_EXIT_HELP,
		c->prog);
}

struct cp {
	struct cli *c;
	struct famfs_fs *fs;
	bool recursive, verbose, fatal;
	bool have_mode;
	uint32_t mode, uid, gid;
	int ret; /* first failure's exit code */
	struct cli_progress prog;
};

static void fail(struct cp *x, int code)
{
	if (!x->ret)
		x->ret = code;
}

/* Bytes of regular files under @src, for the progress line. */
static uint64_t tree_bytes(const char *src, bool recursive)
{
	struct stat st;
	uint64_t sum = 0;
	DIR *d;
	struct dirent *de;

	if (lstat(src, &st))
		return 0;
	if (S_ISREG(st.st_mode))
		return (uint64_t)st.st_size;
	if (!S_ISDIR(st.st_mode) || !recursive)
		return 0;
	d = opendir(src);
	if (!d)
		return 0;
	while ((de = readdir(d))) {
		char p[PATH_MAX];

		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (snprintf(p, sizeof(p), "%s/%s", src, de->d_name) <
		    (int)sizeof(p))
			sum += tree_bytes(p, recursive);
	}
	closedir(d);
	return sum;
}

struct copy_src {
	struct cp *x;
	int fd;
	const char *src;
};

static int copy_piece(void *arg, uint8_t *addr, uint64_t off, uint64_t len)
{
	struct copy_src *s = arg;

	for (uint64_t done = 0; done < len;) {
		uint64_t want = len - done < CP_CHUNK ? len - done : CP_CHUNK;
		ssize_t n;

		cli_prefault(s->x->fs, addr + done, want, true);
		n = pread(s->fd, addr + done, want, (off_t)(off + done));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return cli_err(s->x->c, EXIT_RUNTIME, "%s: read: %s",
				       s->src, strerror(errno));
		if (n == 0)
			return cli_err(s->x->c, EXIT_RUNTIME,
				       "%s: file shrank while copying", s->src);
		done += (uint64_t)n;
		cli_progress_add(&s->x->prog, (uint64_t)n);
	}
	return 0;
}

static int copy_fill(void *arg, struct famfs_fs *fs, const struct famfs_fmap *m,
		     uint64_t size)
{
	return cli_for_each_piece(fs, m, 0, size, copy_piece, arg);
}

static void copy_file(struct cp *x, const char *src, const struct stat *st,
		      const char *rel)
{
	struct famfs_alloc_req req = { 0 };
	const struct famfs_node *old;
	struct copy_src s = { x, -1, src };
	uint64_t size = (uint64_t)st->st_size;
	int rc;

	if (!size) {
		cli_warn(x->c,
			 "%s: empty file skipped (famfs cannot log empty "
			 "files)",
			 src);
		return;
	}
	rc = cli_check_new(x->c, x->fs, rel, rel, &old);
	if (rc) {
		/* A full log ends the whole copy. */
		x->fatal = !famfs_fs_log_free(x->fs);
		return fail(x, rc);
	}
	if (old && old->size != size) {
		fail(x, cli_err(x->c, EXIT_RUNTIME,
				"%s: exists with size %llu, source has %llu",
				rel, (unsigned long long)old->size,
				(unsigned long long)size));
		return;
	}
	s.fd = open(src, O_RDONLY | O_CLOEXEC);
	if (s.fd < 0) {
		fail(x, cli_err(x->c, EXIT_RUNTIME, "%s: %s", src,
				strerror(errno)));
		return;
	}
	if (old) {
		rc = copy_fill(&s, x->fs, old->fmap, size);
		if (!rc)
			cli_flush_file(x->fs, old->fmap, size);
		else if (rc < 0)
			rc = cli_err(x->c, EXIT_RUNTIME, "%s: %s", rel,
				     strerror(-rc));
	} else {
		req.size = size;
		rc = cli_make_file(x->c, x->fs, rel,
				   x->have_mode ? x->mode : st->st_mode & 0777,
				   x->uid, x->gid, size, &req, copy_fill, &s,
				   &x->fatal);
	}
	close(s.fd);
	if (rc)
		return fail(x, rc);
	if (x->verbose)
		printf("%s -> %s\n", src, rel);
}

/* "DIR/NAME" inside the file system, or an error if it is too long. */
static int join(struct cp *x, const char *dir, const char *name, char *out)
{
	int n = snprintf(out, FAMFS_MAX_PATHLEN, "%s%s%s", dir, *dir ? "/" : "",
			 name);

	if (n >= FAMFS_MAX_PATHLEN) {
		fail(x, cli_err(x->c, EXIT_RUNTIME,
				"%s%s%s: name too long (famfs paths are at "
				"most 79 bytes)",
				dir, *dir ? "/" : "", name));
		return -ENAMETOOLONG;
	}
	return 0;
}

static void copy_tree(struct cp *x, const char *src, const struct stat *st,
		      const char *rel);

static void copy_any(struct cp *x, const char *src, const char *rel)
{
	struct stat st;

	if (lstat(src, &st)) {
		fail(x, cli_err(x->c, EXIT_RUNTIME, "%s: %s", src,
				strerror(errno)));
		return;
	}
	if (S_ISREG(st.st_mode))
		copy_file(x, src, &st, rel);
	else if (S_ISDIR(st.st_mode) && x->recursive)
		copy_tree(x, src, &st, rel);
	else if (S_ISDIR(st.st_mode))
		fail(x, cli_err(x->c, EXIT_USAGE, "%s: is a directory (use -r)",
				src));
	else
		cli_warn(x->c, "%s: %s skipped", src,
			 S_ISLNK(st.st_mode) ? "symbolic link" :
					       "special file");
}

static void copy_tree(struct cp *x, const char *src, const struct stat *st,
		      const char *rel)
{
	const struct famfs_node *n = famfs_ns_resolve(famfs_fs_ns(x->fs), rel);
	struct dirent **list;
	int cnt, rc;

	if (n && n->kind != FAMFS_NODE_DIR) {
		fail(x, cli_err(x->c, EXIT_RUNTIME,
				"%s: exists and is not a directory", rel));
		return;
	}
	if (!n) {
		rc = famfs_fs_mkdir(x->fs, rel, st->st_mode & 0777, x->uid,
				    x->gid, NULL);
		if (rc) {
			x->fatal = rc == -ENOSPC;
			fail(x, cli_err(x->c, EXIT_RUNTIME, "%s: %s", rel,
					rc == -ENOENT ?
						"parent directory does not "
						"exist" :
						cli_log_strerror(rc)));
			return;
		}
	}
	cnt = scandir(src, &list, NULL, alphasort);
	if (cnt < 0) {
		fail(x, cli_err(x->c, EXIT_RUNTIME, "%s: %s", src,
				strerror(errno)));
		return;
	}
	for (int i = 0; i < cnt; i++) {
		const char *name = list[i]->d_name;
		char child[PATH_MAX], crel[FAMFS_MAX_PATHLEN];

		if (x->fatal || !strcmp(name, ".") || !strcmp(name, ".."))
			continue;
		if (snprintf(child, sizeof(child), "%s/%s", src, name) >=
		    (int)sizeof(child)) {
			fail(x, cli_err(x->c, EXIT_RUNTIME,
					"%s/%s: path too long", src, name));
			continue;
		}
		if (!join(x, rel, name, crel))
			copy_any(x, child, crel);
	}
	for (int i = 0; i < cnt; i++)
		free(list[i]);
	free(list);
}

/* Last component of a host path, ignoring trailing slashes. */
static void base_name(const char *src, char *out, size_t len)
{
	size_t end = strlen(src), start;

	while (end > 1 && src[end - 1] == '/')
		end--;
	start = end;
	while (start > 0 && src[start - 1] != '/')
		start--;
	snprintf(out, len, "%.*s", (int)(end - start), src + start);
}

int cmd_cp(struct cli *c, int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "recursive", no_argument, NULL, 'r' },
		{ "mode", required_argument, NULL, 'm' },
		{ "uid", required_argument, NULL, 'u' },
		{ "gid", required_argument, NULL, 'g' },
		{ "verbose", no_argument, NULL, 'v' },
		CLI_COMMON_LONGOPTS,
		{ NULL, 0, NULL, 0 },
	};
	struct cp x = { .c = c, .uid = geteuid(), .gid = getegid() };
	const struct famfs_node *dst;
	char drel[4096];
	const char *darg;
	uint64_t total = 0;
	int opt, rc, nsrc;

	while ((opt = getopt_long(argc, argv, "rm:u:g:vh", lopts, NULL)) !=
	       -1) {
		if (cli_common_opt(c, opt, optarg))
			continue;
		switch (opt) {
		case 'r':
			x.recursive = true;
			break;
		case 'm':
			if (cli_parse_mode(optarg, &x.mode))
				return cli_usage_err(c, "bad mode '%s'",
						     optarg);
			x.have_mode = true;
			break;
		case 'u':
			if (cli_parse_u32(optarg, &x.uid))
				return cli_usage_err(c, "bad uid '%s'", optarg);
			break;
		case 'g':
			if (cli_parse_u32(optarg, &x.gid))
				return cli_usage_err(c, "bad gid '%s'", optarg);
			break;
		case 'v':
			x.verbose = true;
			break;
		case 'h':
			usage(c, stdout);
			return 0;
		default:
			return cli_bad_opt(c, argv);
		}
	}
	nsrc = argc - optind - 2;
	if (nsrc < 1)
		return cli_usage_err(c,
				     "expected DEV SRC... DST; try '%s "
				     "--help'",
				     c->prog);
	darg = argv[argc - 1];
	rc = cli_normpath(darg, drel, sizeof(drel));
	if (rc)
		return cli_bad_path(c, darg, rc);
	rc = cli_open_rw(c, argv[optind], &x.fs);
	if (rc)
		return rc;
	dst = famfs_ns_resolve(famfs_fs_ns(x.fs), drel);
	if (nsrc > 1 && (!dst || dst->kind != FAMFS_NODE_DIR)) {
		rc = cli_err(c, EXIT_RUNTIME,
			     "%s: not an existing directory (needed for "
			     "several sources)",
			     darg);
		goto out;
	}
	for (int i = 0; i < nsrc; i++)
		total += tree_bytes(argv[optind + 1 + i], x.recursive);
	cli_progress_start(&x.prog, "copying", total);
	for (int i = 0; i < nsrc && !x.fatal; i++) {
		const char *src = argv[optind + 1 + i];
		char name[NAME_MAX + 1], rel[FAMFS_MAX_PATHLEN];

		if (dst && dst->kind == FAMFS_NODE_DIR) {
			base_name(src, name, sizeof(name));
			if (!strcmp(name, "/") || !strcmp(name, ".") ||
			    !strcmp(name, "..")) {
				fail(&x, cli_err(c, EXIT_USAGE,
						 "%s: cannot name a copy of "
						 "it; give a DST path",
						 src));
				continue;
			}
			if (join(&x, drel, name, rel))
				continue;
		} else {
			memcpy(rel, drel, strlen(drel) + 1); /* < 80 */
		}
		copy_any(&x, src, rel);
	}
	cli_progress_end(&x.prog);
	rc = x.ret;
out:
	famfs_fs_close(x.fs);
	return rc;
}
