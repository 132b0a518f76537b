// SPDX-License-Identifier: Apache-2.0
/* famfs ls (the namespace, like ls -l) and famfs logdump (the raw log). */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <uuid/uuid.h>

#include "cli.h"

/* ---- ls ----------------------------------------------------------------- */

static const char ls_usage[] =
	"Usage: %s [-R] [--json] DEV [PATH]\n"
	"List PATH (default: the root) like 'ls -l': mode, uid, gid, "
	"size, inode,\nname. Directories list their entries (sorted); "
	"-R lists whole trees with\npaths relative to PATH. .meta "
	"(superblock and log) is included.\n\n"
	"  -R, --recursive  list subdirectories too\n"
	"  -j, --json       a JSON array of objects\n"
	"  -h, --help       this help\n\n" CLI_EXIT_HELP;

struct ls_ctx {
	const struct famfs_ns *ns;
	bool recursive;
	struct json *j; /* NULL: text */
};

static const char *kind_name(const struct famfs_node *n)
{
	switch (n->kind) {
	case FAMFS_NODE_DIR:
		return "dir";
	case FAMFS_NODE_FILE:
		return "file";
	default:
		return "meta";
	}
}

static void ls_print(struct ls_ctx *x, const struct famfs_node *n,
		     const char *path)
{
	char ms[12], oct[8];

	if (x->j) {
		json_obj(x->j, NULL);
		json_str(x->j, "path", path);
		json_str(x->j, "name", n->name);
		json_str(x->j, "type", kind_name(n));
		json_u64(x->j, "mode", n->mode & 07777);
		snprintf(oct, sizeof(oct), "%04o", n->mode & 07777);
		json_str(x->j, "mode_octal", oct);
		json_u64(x->j, "uid", n->uid);
		json_u64(x->j, "gid", n->gid);
		json_u64(x->j, "size", n->size);
		json_u64(x->j, "ino", n->ino);
		json_i64(x->j, "log_index", n->log_index);
		json_end_obj(x->j);
		return;
	}
	printf("%s %5u %5u %12llu %8llu %s\n", cli_mode_str(n->mode, ms),
	       n->uid, n->gid, (unsigned long long)n->size,
	       (unsigned long long)n->ino, path);
}

static int by_name(const void *a, const void *b)
{
	const struct famfs_node *const *x = a, *const *y = b;

	return strcmp((*x)->name, (*y)->name);
}

/* List a directory's children; @prefix is the path shown before names. */
static int ls_dir(struct ls_ctx *x, const struct famfs_node *d,
		  const char *prefix)
{
	const struct famfs_node **kids;
	uint32_t n = d->nchildren;
	int rc = 0;

	if (!n)
		return 0;
	kids = calloc(n, sizeof(*kids));
	if (!kids)
		return -ENOMEM;
	for (uint32_t i = 0; i < n; i++)
		kids[i] = famfs_ns_get(x->ns, d->children[i]);
	qsort(kids, n, sizeof(*kids), by_name);
	for (uint32_t i = 0; i < n && !rc; i++) {
		char path[4096];

		if (!kids[i])
			continue;
		snprintf(path, sizeof(path), "%s%s%s", prefix,
			 *prefix ? "/" : "", kids[i]->name);
		ls_print(x, kids[i], path);
		if (x->recursive && kids[i]->kind == FAMFS_NODE_DIR)
			rc = ls_dir(x, kids[i], path);
	}
	free(kids);
	return rc;
}

int cmd_ls(struct cli *c, int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "recursive", no_argument, NULL, 'R' },
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 },
	};
	struct ls_ctx x = { 0 };
	bool json = false;
	const struct cli_flag flags[] = { { 'R', &x.recursive },
					  { 'j', &json },
					  { 0, NULL } };
	const struct cli_optspec spec = {
		.lopts = lopts,
		.args = { 1, 2, "DEV [PATH]" },
		.usage = ls_usage,
		.flags = flags,
	};
	struct famfs_fs *fs;
	const struct famfs_node *n;
	struct json j;
	char path[4096];
	int rc;

	if (!cli_parse_opts(c, &spec, argc, argv, &rc))
		return rc;
	rc = cli_normpath(optind == argc - 2 ? argv[optind + 1] : "", path,
			  sizeof(path));
	if (rc)
		return cli_usage_err(c, "%s: %s", argv[optind + 1],
				     rc == -ENAMETOOLONG ? "name too long" :
							   "'..' not allowed");
	rc = cli_open_ro(c, argv[optind], NULL, NULL, &fs);
	if (rc)
		return rc;
	x.ns = famfs_fs_ns(fs);
	n = famfs_ns_resolve(x.ns, path);
	if (!n) {
		rc = cli_err(c, EXIT_RUNTIME, "%s: %s", argv[optind + 1],
			     strerror(errno));
		goto out;
	}
	if (json) {
		json_init(&j, stdout);
		json_arr(&j, NULL);
		x.j = &j;
	}
	if (n->kind == FAMFS_NODE_DIR)
		rc = ls_dir(&x, n, path);
	else
		ls_print(&x, n, path);
	if (json) {
		json_end_arr(&j);
		json_done(&j);
	}
	if (rc)
		rc = cli_err(c, EXIT_RUNTIME, "%s", strerror(-rc));
out:
	famfs_fs_close(fs);
	return rc;
}

/* ---- logdump ------------------------------------------------------------ */

static const char dump_usage[] =
	"Usage: %s [--json] DEV\n"
	"Print every log entry in log order: index, seqnum, type, "
	"path, mode, uid,\ngid, size, extents or strips, CRC, and why "
	"an entry is rejected if it is.\n\n"
	"  -j, --json  machine-readable output\n"
	"  -h, --help  this help\n\n" CLI_EXIT_HELP;

struct dump_errs {
	char **msg; /* per index; first reason only */
	uint64_t n; /* slots in msg */
};

static void dump_collect(void *arg, const struct famfs_err *err)
{
	struct dump_errs *d = arg;
	char buf[300];

	if (err->index < 0)
		return;
	if ((uint64_t)err->index >= d->n) {
		uint64_t n = (uint64_t)err->index * 2 + 16;
		char **m = realloc(d->msg, n * sizeof(*m));

		if (!m)
			return; /* the entry is still shown, without reason */
		memset(m + d->n, 0, (n - d->n) * sizeof(*m));
		d->msg = m;
		d->n = n;
	}
	if (d->msg[err->index])
		return;
	snprintf(buf, sizeof(buf), "%s%s%s", err->field,
		 err->field[0] ? ": " : "", err->msg);
	d->msg[err->index] = strdup(buf);
}

/*
 * A bounded copy of an on-media path (which may lack its NUL); for text
 * output control characters become '?' (JSON escapes them instead).
 */
static void safe_path(const char *src, char *out, bool text)
{
	size_t i;

	for (i = 0; i < FAMFS_MAX_PATHLEN - 1 && src[i]; i++) {
		unsigned char ch = (unsigned char)src[i];

		out[i] = text && (ch < 0x20 || ch == 0x7f) ? '?' : (char)ch;
	}
	out[i] = '\0';
}

static const char *type_name(uint32_t t)
{
	switch (t) {
	case FAMFS_OMF_LOG_FILE:
		return "file";
	case FAMFS_OMF_LOG_MKDIR:
		return "mkdir";
	case FAMFS_OMF_LOG_DELETE:
		return "delete";
	case FAMFS_OMF_LOG_ADD_DAXDEV:
		return "add_daxdev";
	default:
		return "unknown";
	}
}

static void dump_extents(const struct famfs_omf_fmap *f, struct json *j)
{
	const struct famfs_omf_extent *se;
	unsigned n;

	if (f->ext_type == FAMFS_OMF_EXT_INTERLEAVE) {
		const struct famfs_omf_interleave *ie = &f->u.ie[0];

		n = ie->nstrips > FAMFS_MAX_STRIPS ? FAMFS_MAX_STRIPS :
						     (unsigned)ie->nstrips;
		se = ie->strips;
		if (j) {
			json_str(j, "ext_type", "interleave");
			json_u64(j, "nstrips", ie->nstrips);
			json_u64(j, "chunk_size", ie->chunk_size);
			json_arr(j, "strips");
		} else {
			printf("      interleave: %llu strips, chunk %llu\n",
			       (unsigned long long)ie->nstrips,
			       (unsigned long long)ie->chunk_size);
		}
	} else {
		n = f->nextents > FAMFS_MAX_SIMPLE_EXTENTS ?
			    FAMFS_MAX_SIMPLE_EXTENTS :
			    f->nextents;
		se = f->u.se;
		if (j) {
			json_str(j, "ext_type",
				 f->ext_type ? "unknown" : "simple");
			json_u64(j, "nextents", f->nextents);
			json_arr(j, "extents");
		}
	}
	for (unsigned i = 0; i < n; i++) {
		if (j) {
			json_obj(j, NULL);
			json_u64(j, "devindex", se[i].devindex);
			json_u64(j, "offset", se[i].offset);
			json_u64(j, "len", se[i].len);
			json_end_obj(j);
		} else {
			printf("      [%u] dev %llu offset 0x%llx len 0x%llx\n",
			       i, (unsigned long long)se[i].devindex,
			       (unsigned long long)se[i].offset,
			       (unsigned long long)se[i].len);
		}
	}
	if (j)
		json_end_arr(j);
}

static void dump_entry(const struct famfs_omf_log_entry *e, uint64_t i,
		       const char *bad, struct json *j)
{
	char path[FAMFS_MAX_PATHLEN], u[40];
	uint32_t mode = 0, uid = 0, gid = 0;
	uint64_t size = 0;

	path[0] = '\0';
	if (e->type == FAMFS_OMF_LOG_FILE) {
		safe_path(e->u.file.relpath, path, !j);
		mode = e->u.file.mode;
		uid = e->u.file.uid;
		gid = e->u.file.gid;
		size = e->u.file.size;
	} else if (e->type == FAMFS_OMF_LOG_MKDIR) {
		safe_path(e->u.mkdir.relpath, path, !j);
		mode = e->u.mkdir.mode;
		uid = e->u.mkdir.uid;
		gid = e->u.mkdir.gid;
	}
	if (j) {
		json_obj(j, NULL);
		json_u64(j, "index", i);
		json_u64(j, "seqnum", e->seqnum);
		json_u64(j, "type", e->type);
		json_str(j, "kind", type_name(e->type));
		json_u64(j, "crc", e->crc);
		json_bool(j, "valid", !bad);
		if (bad)
			json_str(j, "error", bad);
	} else {
		printf("%6llu seq %llu %-6s crc 0x%08llx",
		       (unsigned long long)i, (unsigned long long)e->seqnum,
		       type_name(e->type), (unsigned long long)e->crc);
	}
	if (e->type == FAMFS_OMF_LOG_FILE || e->type == FAMFS_OMF_LOG_MKDIR) {
		if (j) {
			char oct[16];

			json_str(j, "path", path);
			json_u64(j, "mode", mode);
			snprintf(oct, sizeof(oct), "%04o", mode);
			json_str(j, "mode_octal", oct);
			json_u64(j, "uid", uid);
			json_u64(j, "gid", gid);
		} else {
			printf(" %04o %u:%u %s", mode, uid, gid, path);
		}
	}
	if (e->type == FAMFS_OMF_LOG_FILE) {
		if (j) {
			json_u64(j, "size", size);
			json_u64(j, "flags", e->u.file.flags);
		} else {
			printf(" size %llu\n", (unsigned long long)size);
		}
		dump_extents(&e->u.file.fmap, j);
	} else if (e->type == FAMFS_OMF_LOG_ADD_DAXDEV) {
		uuid_unparse(e->u.daxdev.dd_uuid.b, u);
		if (j) {
			json_u64(j, "dd_size", e->u.daxdev.dd_size);
			json_str(j, "dd_uuid", u);
			json_u64(j, "dd_index", e->u.daxdev.dd_index);
		} else {
			printf(" dev %u size %llu uuid %s\n",
			       e->u.daxdev.dd_index,
			       (unsigned long long)e->u.daxdev.dd_size, u);
		}
	} else if (!j) {
		putchar('\n');
	}
	if (j)
		json_end_obj(j);
	else if (bad)
		printf("      BAD: %s\n", bad);
}

int cmd_logdump(struct cli *c, int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 },
	};
	bool json = false;
	const struct cli_flag flags[] = { { 'j', &json }, { 0, NULL } };
	const struct cli_optspec spec = {
		.lopts = lopts,
		.args = { 1, 1, "one device" },
		.usage = dump_usage,
		.flags = flags,
	};
	struct famfs_omf_log_header h;
	struct dump_errs d = { 0 };
	struct famfs_fs *fs;
	struct json j;
	const uint8_t *log;
	uint64_t n, log_len;
	int rc;

	if (!cli_parse_opts(c, &spec, argc, argv, &rc))
		return rc;
	rc = cli_open_ro(c, argv[optind], dump_collect, &d, &fs);
	if (rc)
		goto out_free;
	famfs_fs_log_header(fs, &h);
	log_len = famfs_fs_sb(fs)->log_len;
	log = famfs_fs_ptr(fs, FAMFS_LOG_OFFSET, log_len);
	n = h.next_index;
	if (json) {
		json_init(&j, stdout);
		json_obj(&j, NULL);
		json_u64(&j, "log_len", log_len);
		json_u64(&j, "last_index", h.last_index);
		json_u64(&j, "next_index", h.next_index);
		json_u64(&j, "next_seqnum", h.next_seqnum);
		json_arr(&j, "entries");
	} else {
		printf("log: %llu bytes, %llu of %llu entries used, "
		       "next_seqnum %llu\n",
		       (unsigned long long)log_len,
		       (unsigned long long)h.next_index,
		       (unsigned long long)h.last_index + 1,
		       (unsigned long long)h.next_seqnum);
	}
	for (uint64_t i = 0; i < n; i++) {
		struct famfs_omf_log_entry e;

		memcpy(&e, log + famfs_log_entry_offset(i), sizeof(e));
		dump_entry(&e, i, i < d.n ? d.msg[i] : NULL, json ? &j : NULL);
	}
	if (json) {
		json_end_arr(&j);
		json_end_obj(&j);
		json_done(&j);
	}
	famfs_fs_close(fs);
out_free:
	for (uint64_t i = 0; i < d.n; i++)
		free(d.msg[i]);
	free(d.msg);
	return rc;
}
