/* SPDX-License-Identifier: Apache-2.0 */
/* famfs CLI internals: shared by the subcommands in tools/. */
#ifndef FAMFS_CLI_H
#define FAMFS_CLI_H

#include <stdbool.h>
#include <stdint.h>
#include <getopt.h>
#include <stdio.h>

#include "famfs/famfs.h"

/* Exit codes (documented in every --help). */
#define EXIT_USAGE 1 /* bad arguments, or a check failed */
#define EXIT_RUNTIME 2 /* device, metadata or I/O failure */

/* Long-only options shared by every subcommand. */
enum {
	OPT_UUID_FILE = 0x100,
	OPT_JOURNAL_DIR,
	OPT_ALLOW_SMALL,
	OPT_OMF_VERSION,
	OPT_JSON,
};

struct cli {
	const char *prog; /* "famfs mkfs" or "mkfs.famfs": error prefix */
	const char *uuid_file; /* system UUID file; NULL = default */
	const char *journal_dir; /* famfsd's journals; NULL = default */
};

/* "PROG: message" on stderr; returns @code so callers can return it. */
int cli_err(const struct cli *c, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void cli_warn(const struct cli *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* "--help for usage" hint after a usage error; returns EXIT_USAGE. */
int cli_usage_err(const struct cli *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* After getopt returned '?': name the bad option; returns EXIT_USAGE. */
int cli_bad_opt(const struct cli *c, char **argv);

/* -m MODE, -u UID, -g GID of the commands that create entries. */
struct cli_owner {
	uint32_t mode, uid, gid;
	bool have_mode; /* -m was given */
};

/* Default @mode, the effective uid and gid. */
void cli_owner_init(struct cli_owner *o, uint32_t mode);

/* A no-argument option that sets a bool. */
struct cli_flag {
	int opt;
	bool *set;
};

/* Operands: lo..hi (hi < 0: no limit); "WHAT" for the error. */
struct cli_operands {
	int lo, hi;
	const char *what; /* NULL: the command counts them itself */
};

/*
 * How a subcommand reads its options and operands. The shared rows
 * (-h, --system-uuid-file and, with ->owner, -m/-u/-g) are added by
 * cli_parse_opts: list only the command's own. A row whose value is a
 * character is also that short option (OPT_* values are long-only).
 */
struct cli_optspec {
	const struct option *lopts; /* NULL row last; may be NULL */
	struct cli_operands args;
	const char *usage; /* --help text; %s is the program name */
	const struct cli_flag *flags; /* may be NULL; { 0 } row last */
	/* The command's own options: 0, an exit code (printed), -1 unknown. */
	int (*opt)(struct cli *c, void *arg, int opt, const char *val);
	void *arg;
	struct cli_owner *owner; /* non-NULL: -m/-u/-g are parsed into it */
};

/*
 * getopt_long over a subcommand's arguments, then the operand count.
 * --system-uuid-file, -h, ->flags and (with ->owner) -m/-u/-g are
 * handled here; the rest goes to ->opt. Returns true with optind at the
 * first operand, or false when the command must return *ret: 0 after
 * --help, else the exit code of an error already printed.
 */
bool cli_parse_opts(struct cli *c, const struct cli_optspec *s, int argc,
		    char **argv, int *ret);

/*
 * Check that lo <= operands <= hi (hi < 0: no limit); otherwise
 * "expected WHAT; try 'PROG --help'". Returns 0 or EXIT_USAGE.
 */
int cli_nargs(const struct cli *c, int argc, int lo, int hi, const char *what);

/* Parsers: 0 or -EINVAL / -ERANGE. */
int cli_parse_size(const char *s, uint64_t *out); /* k/m/g/t: 1024^n */
int cli_parse_u64(const char *s, uint64_t *out); /* decimal or 0x hex */
int cli_parse_u32(const char *s, uint32_t *out);
int cli_parse_mode(const char *s, uint32_t *out); /* octal <= 07777 */

/* "8.0 GiB" style, into buf. */
const char *cli_human(uint64_t bytes, char *buf, size_t len);
/* "drwxr-xr-x" from S_IFMT | permission bits; buf >= 11 bytes. */
const char *cli_mode_str(uint32_t mode, char *buf);

/*
 * Normalize a path inside the file system: a leading '/' means the fs root,
 * repeated '/' and "." components are dropped, ".." is refused (-EINVAL),
 * longer than 79 bytes is -ENAMETOOLONG. "" is the root.
 */
int cli_normpath(const char *in, char *out, size_t outlen);

/*
 * 1 if /proc/self/mountinfo (or $FAMFS_MOUNTINFO, for tests) shows @dev
 * mounted as fuse.famfs (the source is the same inode, or the same device
 * number for a device node), 0 if not, -errno. @mnt (may be NULL) gets
 * the mount point. The host-local locks (famfs_dev_lock) are what really
 * guard a device; this names the mount point for the message.
 */
int cli_dev_mounted(const char *dev, char *mnt, size_t mntlen);

/*
 * Open for reading; prints errors, returns an exit code (0 = opened).
 * Entries replay rejects go to @fn, or (NULL) to cli_report_entry.
 */
int cli_open_ro(const struct cli *c, const char *dev, famfs_report_fn fn,
		void *arg, struct famfs_fs **out);
/* "PROG: DEV: entry N: field: reason (what replay did)" on stderr. */
void cli_report_entry(void *arg, const struct famfs_err *err);
/*
 * Open for writing: refuse a mounted device, open read-write, require the
 * master role, take the log lock and refuse a log with a torn entry.
 * Prints errors, returns an exit code (0 = opened and locked).
 */
int cli_open_rw(const struct cli *c, const char *dev, struct famfs_fs **out);

/* "ARG: name too long" / "'..' is not allowed"; returns EXIT_USAGE. */
int cli_bad_path(const struct cli *c, const char *arg, int rc);

/* Short reason for an errno from the writer (ENOSPC = "log full"). */
const char *cli_log_strerror(int rc);

/* ---- file data through the device mapping ------------------------------- */

/* Called per contiguous device piece of a file range. */
typedef int (*cli_piece_fn)(void *arg, uint8_t *addr, uint64_t file_off,
			    uint64_t len);
/*
 * Visit file bytes [off, off + len) of map @m piece by piece. Stops at the
 * first non-zero return of @fn. Errors: -ERANGE past the map, -ENODEV for
 * a device other than 0 (the CLI maps device 0 only).
 */
int cli_for_each_piece(struct famfs_fs *fs, const struct famfs_fmap *m,
		       uint64_t off, uint64_t len, cli_piece_fn fn, void *arg);
/*
 * Visit file bytes [0, len) in chunks of at most CLI_CHUNK inside each
 * piece: prefault (for @write or reading), call @fn, then count the chunk
 * in @prog. Stops at the first non-zero return; errors as above.
 */
#define CLI_CHUNK ((uint64_t)64 << 20)
struct cli_progress;
int cli_for_each_chunk(struct famfs_fs *fs, const struct famfs_fmap *m,
		       uint64_t len, bool write, struct cli_progress *prog,
		       cli_piece_fn fn, void *arg);
/*
 * Check that a new file may be created at @rel: parent is a directory, the
 * name is free, a log slot is left. Prints the reason; returns an exit
 * code. With @existing, an existing file is returned there instead.
 */
int cli_check_new(const struct cli *c, struct famfs_fs *fs, const char *arg,
		  const char *rel, const struct famfs_node **existing);
/*
 * Allocate, fill (via @fill, may be NULL = zeros), zero the slack, flush
 * and log one file. @fill gets the map and writes bytes [0, size).
 * Prints errors; returns an exit code, and sets *fatal when no further
 * file can succeed (log or device full).
 */
typedef int (*cli_fill_fn)(void *arg, struct famfs_fs *fs,
			   const struct famfs_fmap *m, uint64_t size);
int cli_make_file(const struct cli *c, struct famfs_fs *fs, const char *rel,
		  uint32_t mode, uint32_t uid, uint32_t gid, uint64_t size,
		  const struct famfs_alloc_req *req, cli_fill_fn fill,
		  void *arg, bool *fatal);

/*
 * Populate the page tables for [addr, addr + len) of an image file in one
 * call (4 KiB faults one by one cost more than the copy itself). A no-op
 * on dax (huge pages) and where the kernel lacks MADV_POPULATE_*.
 */
void cli_prefault(struct famfs_fs *fs, void *addr, uint64_t len, bool write);

/* Zero file bytes [off, capacity) (slack or a whole unfilled file). */
int cli_zero_from(struct famfs_fs *fs, const struct famfs_fmap *m,
		  uint64_t off);
/* Write back the CPU cache over file bytes [0, len). */
void cli_flush_file(struct famfs_fs *fs, const struct famfs_fmap *m,
		    uint64_t len);

/* ---- progress on a terminal --------------------------------------------- */

struct cli_progress {
	bool on;
	const char *what;
	uint64_t total, done;
	uint64_t last_ns;
};

/* Shown only when stderr is a terminal and @total is large. */
void cli_progress_start(struct cli_progress *p, const char *what,
			uint64_t total);
void cli_progress_add(struct cli_progress *p, uint64_t n);
void cli_progress_end(struct cli_progress *p);

/* ---- JSON output -------------------------------------------------------- */

struct json {
	FILE *f;
	int depth;
	bool first[32]; /* nothing written yet at this depth */
};

void json_init(struct json *j, FILE *f);
/* Containers; @key NULL inside arrays or at top level. */
void json_obj(struct json *j, const char *key);
void json_arr(struct json *j, const char *key);
void json_end_obj(struct json *j);
void json_end_arr(struct json *j);
void json_str(struct json *j, const char *key, const char *v);
void json_u64(struct json *j, const char *key, uint64_t v);
void json_i64(struct json *j, const char *key, int64_t v);
void json_dbl(struct json *j, const char *key, double v);
void json_bool(struct json *j, const char *key, bool v);
/* Finish the document with a newline. */
void json_done(struct json *j);

/* ---- subcommands -------------------------------------------------------- */

int cmd_mkfs(struct cli *c, int argc, char **argv);
int cmd_fsck(struct cli *c, int argc, char **argv);
int cmd_ls(struct cli *c, int argc, char **argv);
int cmd_logdump(struct cli *c, int argc, char **argv);
int cmd_mkdir(struct cli *c, int argc, char **argv);
int cmd_creat(struct cli *c, int argc, char **argv);
int cmd_cp(struct cli *c, int argc, char **argv);
int cmd_verify(struct cli *c, int argc, char **argv);
int cmd_cat(struct cli *c, int argc, char **argv);

#define CLI_EXIT_HELP                                                       \
	"Exit status: 0 success, 1 usage error or failed check, 2 runtime " \
	"error.\n"

#endif
