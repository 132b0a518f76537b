/* SPDX-License-Identifier: Apache-2.0 */
/*
 * famfsd internals shared by the daemon's source files.
 *
 * Locking: ctx->ns_lock (rwlock) protects the libfamfs namespace and the
 * reserved maps of pending files. Every op that reads nodes holds it for
 * reading; replay, log appends and allocation hold it for writing.
 * ctx->pend_lock (mutex) protects the pending table's counters and sizes;
 * it nests inside ns_lock.
 */
#ifndef FAMFSD_H
#define FAMFSD_H

#define FUSE_USE_VERSION 314

#include <fuse_lowlevel.h>
#include <linux/fuse.h>
#include <pthread.h>
#include <stdio.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <syslog.h>
#include <time.h>

#include "famfs/famfs.h"
#include "marks.h"

/* ---- options (main.c, config.c) ----------------------------------------- */

enum fd_role_opt { FD_ROLE_AUTO = 0, FD_ROLE_MASTER, FD_ROLE_CLIENT };
/* Same numbering as enum wire_path. */
enum fd_path_opt {
	FD_PATH_AUTO = 0,
	FD_PATH_PASSTHROUGH,
	FD_PATH_DAEMON,
	FD_PATH_EXTMAP,
	FD_PATH_OPENREPLY,
};
/* -o uring=: FUSE-over-io_uring transport (transport_uring.c). */
enum fd_uring_opt { FD_URING_AUTO = 0, FD_URING_ON, FD_URING_OFF };

struct fd_opts {
	char *device;
	char *mountpoint;
	char *config;
	char *uuid_file;
	int role; /* enum fd_role_opt */
	int data_path; /* enum fd_path_opt */
	unsigned poll_ms;
	unsigned settle_ms; /* pending objects are logged this long after
			       their last change */
	unsigned max_maps; /* live 7.47 maps (0 = default) */
	char *mount_opts; /* comma-separated -o list */
	double attr_timeout; /* pending objects (they still change) */
	double entry_timeout; /* names of and under pending objects */
	double cache_timeout; /* logged objects: invalidated by the log */
	int log_level; /* LOG_* from syslog.h */
	char *fuse_dev;
	char *fstype;
	char *journal_dir; /* NULL = FAMFS_JOURNAL_DIR */
	int emulator_fd; /* -1 = none */
	int emulator_ioctl_fd; /* -1 = none: backing ioctls to the kernel */
	char *daxdev[FAMFS_MAX_DAXDEVS]; /* [1..]: famfs.conf daxdevN paths */
	bool foreground;
	bool allow_other;
	bool read_only; /* -o ro: mount and device read-only */
	bool default_permissions;
	bool default_permissions_implied; /* by allow_other (access.c) */
	bool no_default_permissions; /* operator: allow_other, no checks */
	bool meta_public; /* .meta world-readable (default root-only) */
	int uring; /* enum fd_uring_opt */
	bool uring_set; /* uring= given on the command line */
};

void fd_opts_init(struct fd_opts *o);
void fd_opts_free(struct fd_opts *o);
/* Parse argv; returns 0 to run, 1 usage error, -1 for --help/--version. */
int fd_opts_parse(struct fd_opts *o, int argc, char **argv);
/* Load an INI file into @o (only keys not already set on the command line).
 * Returns 0 or -1 after printing "famfsd: FILE:LINE: why". */
int fd_config_load(struct fd_opts *o, const char *path, const uint32_t *set);
int fd_parse_role(const char *s);
int fd_parse_path(const char *s);
int fd_parse_level(const char *s);
int fd_parse_uring(const char *s);
int fd_parse_uint(const char *s, unsigned long max, unsigned long *out);
int fd_parse_secs(const char *s, double *out);
/* Split a comma list of -o options into @o (allow_other, ...). 0 or -1. */
int fd_mount_opts_add(struct fd_opts *o, const char *list);

/* Bits in the "set on the command line" mask that config.c honours. */
enum {
	FD_SET_UUID = 1u << 0,
	FD_SET_ROLE = 1u << 1,
	FD_SET_PATH = 1u << 2,
	FD_SET_POLL = 1u << 3,
	FD_SET_ATTR = 1u << 4,
	FD_SET_ENTRY = 1u << 5,
	FD_SET_LEVEL = 1u << 6,
	FD_SET_FUSEDEV = 1u << 7,
	FD_SET_FSTYPE = 1u << 8,
	FD_SET_FG = 1u << 9,
	FD_SET_SETTLE = 1u << 10,
	FD_SET_CACHE = 1u << 11,
	FD_SET_JOURNAL = 1u << 12,
	FD_SET_MAXMAPS = 1u << 13,
};

#define FD_CACHE_TIMEOUT_DEFAULT 3600.0 /* seconds; see fd_attr_ttl() */

/* ---- access (access.c) --------------------------------------------------- */

struct fd_ctx;
/* After all options: allow_other implies default_permissions unless
 * no_default_permissions. 0, or 1 after a usage error. */
int fd_access_resolve(struct fd_opts *o);
/* "all users, modes checked (...)": the startup line's access=. */
const char *fd_access_desc(const struct fd_opts *o);
/* Give .meta its modes and the daemon as owner (after the fs is open). */
void fd_access_apply(struct fd_ctx *c);

/* ---- logging (log.c) ---------------------------------------------------- */

void fd_log_init(int level);
/* Switch from stderr to syslog (after daemonizing). */
void fd_log_to_syslog(void);
void fd_log(int level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
bool fd_log_enabled(int level);

/* ---- per-host instance lock (instance.c) -------------------------------- */

/*
 * Take /run/famfsd/<hash>.lock for (device, system UUID). Returns an fd
 * (kept open for the daemon's life) or -1 after printing why; the message
 * names the lock file and the holder's pid.
 */
int fd_instance_lock(const char *device, const char *uuid_file);
/* Record our pid in the lock file (after daemonizing). */
void fd_instance_set_pid(int fd);
/* Remove the lock file and release the lock (exit). */
void fd_instance_unlock(int fd);

/* ---- pending objects (inode.c) ----------------------------------------- */

#define FD_INO_STATS 5ULL /* .meta/.stats (free slot below LOG_BASE) */
#define FD_INO_PENDING_BASE (1ULL << 62)
#define FD_SETTLE_MS_DEFAULT 1000
#define FD_PEND_BUCKETS 4096

enum fd_pend_state { FD_PEND_OPEN = 0, FD_PEND_LOGGED, FD_PEND_GONE };

/*
 * A file or directory created through the mount and not logged yet. Tools
 * create things and then fix their mode, owner and times (tar, cp -a,
 * rsync), so an object is logged only once it has settled: closed, and
 * untouched (itself and everything pending below it) for settle_ms.
 */
struct fd_pending {
	uint64_t ino; /* temporary inode number */
	uint64_t parent; /* a logged directory, or a pending one */
	char name[FAMFS_MAX_PATHLEN];
	uint32_t mode, uid, gid; /* mode includes S_IFREG / S_IFDIR */
	uint64_t size;
	/* What of each unit the file wrote or had zeroed; past that its
	 * space may hold a deleted file's bytes (datapath.c) */
	struct fd_marks init;
	struct famfs_fmap map; /* reserved space (under ns_lock) */
	uint64_t nlookup; /* kernel references */
	unsigned nopen; /* open handles */
	bool ever_opened; /* else made by MKNOD/MKDIR */
	bool is_dir;
	int state; /* enum fd_pend_state */
	uint64_t logged_ino; /* namespace ino once logged */
	uint64_t touched_ns; /* CLOCK_MONOTONIC of the last change */
	bool jlive; /* a PUT of it is in the recovery journal */
	uint32_t jsum; /* checksum of that PUT: re-journal when it differs */
	struct fd_pending *next; /* creation order: parents first */
	struct fd_pending *ino_next; /* hash chain by ino */
	struct fd_pending *name_next; /* hash chain by (parent, name); only
					 unlogged objects are in it */
};

/* ---- stable identity (ident.c) ------------------------------------------ */

/*
 * The kernel's nodeid of an object created through the mount is its
 * temporary number, for the mount's life, also once it is logged. These
 * relate nodeids and namespace inos; no lock of the caller's is needed.
 */
struct fd_ctx;
int fd_ident_init(struct fd_ctx *c);
void fd_ident_free(struct fd_ctx *c);
/* @nodeid (temporary) was logged as namespace @ns_ino. -ENOMEM, -EINVAL. */
int fd_ident_add(struct fd_ctx *c, uint64_t nodeid, uint64_t ns_ino);
/* Namespace ino behind a kernel nodeid (itself unless logged from a
 * temporary number; a still-pending nodeid is returned unchanged). */
uint64_t fd_ident_ns(const struct fd_ctx *c, uint64_t nodeid);
/* The nodeid the kernel knows a namespace ino by (itself unless the
 * object was created through this mount). */
uint64_t fd_ident_nodeid(const struct fd_ctx *c, uint64_t ns_ino);

/* ---- daemon context ----------------------------------------------------- */

struct fd_notify {
	uint64_t parent;
	char name[FAMFS_MAX_PATHLEN];
	struct fd_notify *next;
};

/*
 * READ and WRITE counters, sharded so that the hot path never bounces one
 * cache line between CPUs; .meta/.stats adds the shards up.
 */
#define FD_IO_SHARDS 16
struct fd_io_shard {
	atomic_ullong reads;
	atomic_ullong writes;
	atomic_ullong fast; /* of those, answered by fastpath.c */
} __attribute__((aligned(64)));

#define FD_STATS_MAX 1024 /* .meta/.stats text, NUL included */

struct fd_stats {
	struct fd_io_shard io[FD_IO_SHARDS];
	atomic_ullong passthrough_opens;
	atomic_ullong daemon_opens;
	atomic_ullong backing_registrations;
	atomic_ullong refreshes;
	atomic_ullong journaled_files; /* files durable only in the journal */
	/*
	 * The text the last LOOKUP/GETATTR sized. OPEN serves this copy, not
	 * a new render: a splice or sendfile read goes through the page cache
	 * and stops at the i_size that reply set, so a longer text rendered
	 * later would lose its tail.
	 */
	pthread_mutex_t snap_lock;
	size_t snap_len;
	char snap[FD_STATS_MAX];
};

struct fd_dsnap;
struct fd_uring;

struct fd_ctx {
	struct fd_opts *opts;
	struct famfs_fs *fs;
	struct famfs_ns *ns;
	struct famfs_dev *dev;
	enum famfs_role role;
	bool rdonly; /* device opened read-only: no data or log writes */
	struct fuse_session *se;
	struct timespec mount_time;
	uid_t uid; /* daemon's credentials */
	pthread_rwlock_t ns_lock;
	pthread_mutex_t pend_lock;
	struct fd_pending *pending; /* in creation order */
	struct fd_pending **pending_tail;
	struct fd_pending **pend_by_ino; /* FD_PEND_BUCKETS chains */
	struct fd_pending **pend_by_name;
	uint64_t pend_unlogged;
	struct fd_handle *handles; /* under pend_lock */
	struct fd_dsnap *dirs; /* open directory snapshots, under pend_lock */
	uint64_t next_pending_ino;
	unsigned settle_ms;
	struct fd_ident *ident; /* nodeid <-> namespace ino (ident.c) */
	struct fd_journal *journal; /* recovery journal, NULL = none */
	/* log follower */
	pthread_t follower;
	bool follower_running;
	pthread_mutex_t follow_lock;
	pthread_cond_t follow_cond;
	bool follow_stop;
	bool follow_kick; /* a pending object was closed: commit pass soon */
	struct fd_notify *notify_head;
	bool follow_wake; /* the log grew (lookup miss): notify soon */
	uint64_t notified_index; /* log entries the kernel was told about */
	struct timespec last_miss_refresh;
	struct fd_stats stats;
	bool mounted_by_us; /* mount(2) done here (--fuse-dev/--fstype) */
	char *mnt_abs; /* absolute mount point */
	double replay_ms; /* initial replay time */
	struct wire *wire; /* dax passthrough wire module (wire_glue.c) */
	struct fd_uring *uring; /* io_uring transport, NULL = /dev/fuse */
	const char *transport; /* "/dev/fuse" or "io_uring" (.meta/.stats) */
	bool uring_wanted; /* uring=auto|on and the system has rings */
	bool transport_fatal; /* uring=on and no rings: exit 2 */
};

static inline struct fd_ctx *fd_req_ctx(fuse_req_t req)
{
	return fuse_req_userdata(req);
}

/* inode.c: pend_lock held unless noted */
/* Allocate the pending tables (before the session). -ENOMEM. */
int fd_pend_init(struct fd_ctx *c);
bool fd_is_pending_ino(uint64_t ino);
struct fd_pending *fd_pend_get(struct fd_ctx *c, uint64_t ino);
/* Unlogged pending object named @name under @parent (canonical ino). */
struct fd_pending *fd_pend_lookup(struct fd_ctx *c, uint64_t parent,
				  const char *name);
/* New pending object, appended in creation order. -ENOMEM. */
int fd_pend_new(struct fd_ctx *c, uint64_t parent, const char *name,
		uint32_t mode, uint32_t uid, uint32_t gid,
		struct fd_pending **out);
/* Unlogged objects (each will need a log slot). */
uint64_t fd_pend_unlogged(struct fd_ctx *c);
/* Mark @p and its pending ancestors as just changed. */
void fd_pend_touch(struct fd_ctx *c, struct fd_pending *p);
/* The ino to use for kernel nodeid @ino: a logged object created through
 * the mount maps to its namespace ino (fd_ident_ns). Any locks held. */
uint64_t fd_canon(struct fd_ctx *c, uint64_t ino);
/* Give a pending file's reserved space back (idempotent). ns_lock held
 * for writing. */
void fd_pend_release_space(struct fd_ctx *c, struct fd_pending *p);
/* Move unlogged @p to (@parent, @name); both locks held. */
void fd_pend_move(struct fd_ctx *c, struct fd_pending *p, uint64_t parent,
		  const char *name);
/* Unlogged @p is removed (unlink, rmdir, replaced by a rename): its name
 * and log slot go at once, its space once nothing has it open. Both
 * locks held (ns_lock for writing). */
void fd_pend_remove(struct fd_ctx *c, struct fd_pending *p);
/* Whether unlogged @p has unlogged children. pend_lock held. */
bool fd_pend_has_children(struct fd_ctx *c, const struct fd_pending *p);
/* Whether @ino is @anc or below it (pending chain). pend_lock held. */
bool fd_pend_is_below(struct fd_ctx *c, uint64_t ino, uint64_t anc);
/* Longest path suffix (bytes, with the leading '/') of anything pending
 * below @p. pend_lock held. */
size_t fd_pend_subtree_extra(struct fd_ctx *c, const struct fd_pending *p);
/* Drop @n kernel references; frees what nothing refers to. pend_lock and
 * ns_lock NOT held. */
void fd_pend_forget(struct fd_ctx *c, uint64_t ino, uint64_t n);
/* commit.c: log every settled object (all unlogged ones with @force).
 * pend_lock and ns_lock NOT held. Returns how many stay unlogged. */
uint64_t fd_pend_commit(struct fd_ctx *c, bool force);
/* fsync: make pending @ino (and its pending ancestors) durable: in the
 * recovery journal, or without one (--emulator-fd tests) by logging it.
 * pend_lock and ns_lock NOT held. 0 when nothing is pending. -EIO journal
 * unwritable; without a journal -ENOSPC log full, errors of
 * famfs_fs_mkfile/_mkdir. */
int fd_pend_sync(struct fd_ctx *c, uint64_t ino);

/* Whether the data path is settled before INIT (image or -d daemon);
 * otherwise the startup line defers it to a line after INIT. */
bool fd_data_path_known(const struct fd_ctx *c);
void fd_pend_free_all(struct fd_ctx *c);
/* Relative path of directory @dir (logged or pending) plus "/" @name
 * (when not NULL). ns_lock held, pend_lock NOT held. -ENAMETOOLONG,
 * -ENOENT. */
int fd_path_of(struct fd_ctx *c, uint64_t dir, const char *name, char *buf,
	       size_t len);
/* The same with pend_lock held. */
int fd_path_of_locked(struct fd_ctx *c, uint64_t dir, const char *name,
		      char *buf, size_t len);

/* ---- recovery journal (journal.c): both locks held unless noted -------- */

struct fd_journal;
/* Master start-up, before the mount (locks NOT held): open the journal
 * for this file system, restore what it holds as pending objects, and
 * write it afresh. Prints why and returns -errno when it cannot. */
int fd_journal_open(struct fd_ctx *c);
/* Clean shutdown, after the final commit pass (locks NOT held): journal
 * what is still pending (files open at shutdown), remove an empty
 * journal, free it. */
int fd_journal_close(struct fd_ctx *c);
void fd_journal_free(struct fd_ctx *c);
bool fd_journal_on(const struct fd_ctx *c);
/* --journal-dir, else $FAMFS_JOURNAL_DIR, else NULL (the default). */
const char *fd_journal_dir(const struct fd_ctx *c);
/* fsync: write @p's and its unlogged ancestors' records; they are durable
 * once fd_journal_sync_end(@syncfd), called after both locks are dropped,
 * returns 0. -EIO when the journal cannot be written. */
int fd_journal_sync(struct fd_ctx *c, struct fd_pending *p, int *syncfd);
int fd_journal_sync_end(struct fd_ctx *c, int syncfd);
/* Commit pass: @p settled but cannot be logged yet; queue it (and its
 * ancestors). fd_journal_pass_end writes the queue; with @sync, *@syncfd
 * is to be passed to fd_journal_sync_end once the locks are dropped. */
int fd_journal_settled(struct fd_ctx *c, struct fd_pending *p);
int fd_journal_pass_end(struct fd_ctx *c, bool sync, int *syncfd);
/* @p was logged as @ino, or dropped (@ino 0); the record is queued and
 * written at the pass end. */
void fd_journal_logged(struct fd_ctx *c, struct fd_pending *p, uint64_t ino);
/* @p is being removed: a journaled one is forgotten (written, synced by
 * the next fsync). */
void fd_journal_removed(struct fd_ctx *c, struct fd_pending *p);
/* @s was renamed (over @t, or NULL); called after the move, before @t is
 * removed. */
void fd_journal_moved(struct fd_ctx *c, struct fd_pending *s,
		      struct fd_pending *t);
void fd_journal_exchanged(struct fd_ctx *c, struct fd_pending *a,
			  struct fd_pending *b);

/* ---- namespace changes of unlogged objects (rename.c) ------------------- */

/* unlink (@rmdir false) or rmdir of (@parent, @name), nodeids. Locks NOT
 * held. -EPERM with *why for a logged name, -ENOENT, -EISDIR, -ENOTDIR,
 * -ENOTEMPTY. */
int fd_ns_remove(struct fd_ctx *c, uint64_t parent, const char *name,
		 bool rmdir, const char **why);
/* rename(2) with RENAME_NOREPLACE / RENAME_EXCHANGE of an unlogged object;
 * a pending target is replaced atomically. Locks NOT held. -EPERM with
 * *why (logged source or target, .meta), -ENOENT, -EEXIST, -EINVAL (into
 * itself, flags), -ENOTDIR, -EISDIR, -ENOTEMPTY, -ENAMETOOLONG. */
int fd_ns_rename(struct fd_ctx *c, uint64_t parent, const char *name,
		 uint64_t newparent, const char *newname, unsigned flags,
		 const char **why);

/* ---- attributes (ops_attr.c) -------------------------------------------- */

void fd_stat_node(struct fd_ctx *c, const struct famfs_node *n,
		  struct stat *st);
void fd_stat_pending(struct fd_ctx *c, const struct fd_pending *p,
		     struct stat *st);
/* Attributes of any inode; ns_lock held. -ENOENT. */
int fd_stat_ino(struct fd_ctx *c, uint64_t ino, struct stat *st);
/*
 * Cache times handed to the kernel. Logged objects never change except
 * through the log (new names in a directory, a directory's nlink), and the
 * follower invalidates those, so they get cache_timeout; pending objects
 * (master) change under the daemon (reserved space, being logged) and get
 * attr_timeout / entry_timeout; .meta/.stats changes all the time: 0.
 */
double fd_attr_ttl(const struct fd_ctx *c, uint64_t ino);
/* For a name @ino (0: negative) in directory @parent as the kernel knows
 * it (0: unknown, e.g. a new object). */
double fd_entry_ttl(const struct fd_ctx *c, uint64_t parent, uint64_t ino);
/* Entry reply for @st found in @parent (0 if unknown). */
void fd_entry_fill_in(struct fd_ctx *c, struct fuse_entry_param *e,
		      const struct stat *st, uint64_t parent);
void fd_entry_fill(struct fd_ctx *c, struct fuse_entry_param *e,
		   const struct stat *st);
/* Resolve (parent, name) to attributes; takes a pending reference when the
 * result is pending. ns_lock held. -ENOENT, -ENOTDIR. */
int fd_lookup_locked(struct fd_ctx *c, uint64_t parent, const char *name,
		     struct stat *st);

/* ---- stats (stats.c) ---------------------------------------------------- */

/* Render .meta/.stats as the text the kernel's next OPEN will get; returns
 * its length (st_size). ns_lock held for reading. */
size_t fd_stats_attr(struct fd_ctx *c);
/* A copy of the text last sized by fd_stats_attr() (rendered now if none
 * was) into buf of FD_STATS_MAX bytes; returns its length. ns_lock held
 * for reading. */
size_t fd_stats_snapshot(struct fd_ctx *c, char *buf);
/* Count one READ / WRITE upcall (this thread's shard). */
void fd_count_read(struct fd_ctx *c);
void fd_count_write(struct fd_ctx *c);
void fd_count_fast(struct fd_ctx *c);

/* ---- handles (handle.c), opens (openpath.c), data path (datapath.c) ----- */

struct fd_handle {
	int kind; /* FD_H_* */
	uint64_t ino; /* namespace ino (fd_canon), or the pending one */
	uint64_t nodeid; /* the kernel's nodeid (may differ once logged) */
	/* FD_H_FILE: the logged file's map and size, set at OPEN. Logged
	 * files never change and their maps live as long as the namespace,
	 * so READ and WRITE use these without any lock. */
	const struct famfs_fmap *fmap;
	uint64_t fsize;
	struct fd_pending *pend; /* FD_H_PENDING */
	char *text; /* FD_H_TEXT: snapshot of a generated file */
	size_t text_len;
	bool writable;
	bool wire_tracked; /* counted by the wire module (openpath.c) */
	struct fd_handle *prev, *next; /* all live handles (shutdown frees) */
};

enum { FD_H_FILE = 0, FD_H_PENDING, FD_H_TEXT };

/*
 * The one place that answers FUSE_OPEN and FUSE_CREATE (@e NULL for OPEN):
 * passthrough through the kernel ABI in use, else the daemon path. It
 * always replies; returns 0 when the kernel holds the handle now (RELEASE
 * will come), 1 when the caller must fd_handle_drop() it (error reply, or
 * the kernel dropped the reply).
 */
int fd_reply_open(fuse_req_t req, struct fd_ctx *c, struct fd_handle *h,
		  const struct fuse_entry_param *e, struct fuse_file_info *fi);
/* A handle is going away: end what the wire module counted for it. */
void fd_open_release(struct fd_ctx *c, struct fd_handle *h);
void fd_data_read(fuse_req_t req, struct fd_ctx *c, struct fd_handle *h,
		  size_t size, off_t off);
void fd_data_write(fuse_req_t req, struct fd_ctx *c, struct fd_handle *h,
		   const char *buf, size_t size, off_t off);
#define FD_MAX_IOV 64 /* extent pieces in one READ reply */
/*
 * Device pointers (at most FD_MAX_IOV) for [off, off+size) of a file of
 * @fsize bytes with map @m, cut at EOF, cache lines invalidated (dax).
 * Returns the count (0 at EOF) or -EIO. Caller keeps @m alive (ns_lock for
 * pending maps; logged maps live as long as the namespace).
 */
int fd_file_iov(struct fd_ctx *c, const struct famfs_fmap *m, uint64_t fsize,
		size_t size, uint64_t off, struct iovec *iov);
/* Copy @size bytes to file offset @off of @m (inside its capacity) and
 * flush them. 0 or -EIO. */
int fd_file_copy_in(struct fd_ctx *c, const struct famfs_fmap *m,
		    const char *buf, size_t size, uint64_t off);
/* Zero and flush @size bytes at file offset @off of @m (inside its
 * capacity). 0 or -EIO. */
int fd_file_zero(struct fd_ctx *c, const struct famfs_fmap *m, size_t size,
		 uint64_t off);

/*
 * fastpath.c: READ and WRITE of logged files answered without libfuse (no
 * request allocation, none of its locks): both transports try every
 * request here first. A reply to send, built over the device mapping.
 */
struct fd_fast_reply {
	struct fuse_out_header oh;
	struct fuse_write_out wo;
	struct iovec iov[1 + FD_MAX_IOV];
	int count;
};
/* true: @msg (@len bytes, one whole request) was served; send @r. */
bool fd_fast_serve(struct fd_ctx *c, const void *msg, size_t len,
		   struct fd_fast_reply *r);

/* Make a pending file hold @size bytes. ns_lock NOT held. -ENOSPC, -EFBIG. */
int fd_pend_reserve(struct fd_ctx *c, struct fd_pending *p, uint64_t size);
/* Set a pending file's size (reserved already); with @grow_only a smaller
 * one changes nothing. Nothing is zeroed: what it grows over reads as
 * zeros until it is written. No lock held. */
void fd_pend_resize(struct fd_ctx *c, struct fd_pending *p, uint64_t size,
		    bool grow_only);
/*
 * Before the device is read without famfsd's READ, it must hold zeros
 * where @p never wrote. With @all, everywhere below the size (it is
 * logged next: other hosts and dax mappings read the device). Else (it is
 * journaled next, journal.c) its record says what reads as zeros after a
 * restart: the tail from fd_pend_top() on and at most
 * fd_pend_hole_slots() holes below it, so only the smallest holes past
 * that many are zeroed. ns_lock and pend_lock held. 0 or -EIO.
 */
int fd_pend_fill_locked(struct fd_ctx *c, struct fd_pending *p, bool all);
/* The end of the last byte @p initialized, at most its size. pend_lock. */
uint64_t fd_pend_top(const struct fd_pending *p);
/* Holes a journal record of @p carries: the ext[] slots its map leaves. */
unsigned fd_pend_hole_slots(const struct fd_pending *p);
/* fd_pend_fill_locked with no lock held, one unit at a time under the
 * locks, so no other request waits for more than one unit's zeroing. @p
 * must be kept (an open handle or a pin in nopen). 0 or -EIO. */
int fd_pend_fill(struct fd_ctx *c, struct fd_pending *p, bool all);
/* A zeroed handle on the live list, or NULL. */
struct fd_handle *fd_handle_new(struct fd_ctx *c);
/* Free a handle that was never handed to the kernel. */
void fd_handle_free(struct fd_ctx *c, struct fd_handle *h);
/* Release a handle (RELEASE, or an OPEN whose reply failed). */
void fd_handle_drop(struct fd_ctx *c, struct fd_handle *h);
/* Shutdown: free directory snapshots the kernel never released. */
void fd_dirs_free_all(struct fd_ctx *c);
/* Shutdown: free handles the kernel never released. */
void fd_handle_free_all(struct fd_ctx *c);

/* ---- FUSE ops ----------------------------------------------------------- */

void fd_ops_fill(struct fuse_lowlevel_ops *ops);
/* Per-file op tables, filled by each ops_*.c. */
void fd_ops_dir(struct fuse_lowlevel_ops *ops);
void fd_ops_attr(struct fuse_lowlevel_ops *ops);
void fd_ops_file(struct fuse_lowlevel_ops *ops);
void fd_ops_write(struct fuse_lowlevel_ops *ops);

/* One log line for a refused operation, then the error reply. */
void fd_refuse(fuse_req_t req, int err, const char *op, uint64_t ino,
	       const char *name, const char *why);

/* ---- follower (follow.c) ------------------------------------------------ */

int fd_follow_start(struct fd_ctx *c);
void fd_follow_stop(struct fd_ctx *c);
/* Drop notifications nobody will send (after the session ended). */
void fd_notify_discard(struct fd_ctx *c);
/* Wake the follower to schedule a commit pass (a pending file closed). */
void fd_follow_kick(struct fd_ctx *c);
/* Queue a kernel dentry invalidation (sent by the follower thread). */
void fd_notify_entry(struct fd_ctx *c, uint64_t parent, const char *name);
/* Refresh now if the log grew (lookup miss on a client); rate-limited.
 * Called without ns_lock. Returns true when new entries arrived. */
bool fd_refresh_on_miss(struct fd_ctx *c);

/* ---- session (session.c, rawio.c, readahead.c) ------------------------- */

#define FD_MAX_IO (1u << 20) /* 1 MiB requests (max_pages 256) */

/* Set the mount's bdi read_ahead_kb (page-cache READ size); one log line
 * when it cannot (no root). */
void fd_readahead_tune(struct fd_ctx *c, unsigned kib);

int fd_session_run(struct fd_ctx *c);
/* Install the raw-io shim on @fd (rawio.c). 0 or -errno. */
int fd_rawio_install(struct fd_ctx *c, struct fuse_session *se, int fd);
/* Debug trace of one request (@via: NULL for /dev/fuse, "ring"). */
void fd_trace_request(const void *buf, size_t len, const char *via);

/* ---- transport (transport.c, transport_uring.c) ------------------------- */

/* Before mounting: which transport -o uring= allows here. -1 after
 * printing why for uring=on on a system without rings. */
int fd_transport_precheck(struct fd_ctx *c);
/* Every reply and notification: through the ring for requests that came
 * from one, else through the wire module to @fd (INIT: the rings start). */
ssize_t fd_transport_writev(struct fd_ctx *c, int fd, struct iovec *iov,
			    int count);
/* "io_uring" or "/dev/fuse" (startup line, .meta/.stats). */
const char *fd_transport_name(const struct fd_ctx *c);
/* After the session loop: end the queue threads. */
void fd_transport_stop(struct fd_ctx *c);
/* After the unmount: close the rings. */
void fd_transport_free(struct fd_ctx *c);

/* The rings (transport_uring.c; stubs without liburing). */
int fd_uring_new(struct fd_ctx *c, struct fuse_session *se, int fd,
		 struct fd_uring **out);
int fd_uring_start(struct fd_uring *u);
/* 1: @iov answered a ring request (*ret = bytes), 0: not ours. */
int fd_uring_reply(struct fd_uring *u, const struct iovec *iov, int count,
		   ssize_t *ret);
void fd_uring_stop(struct fd_uring *u);
void fd_uring_free(struct fd_uring *u);
unsigned fd_uring_queues(const struct fd_uring *u);
unsigned fd_uring_depth(void);
unsigned long long fd_uring_served(const struct fd_uring *u);
bool fd_uring_failed(const struct fd_uring *u);

/* ---- dax passthrough (wire_glue.c; the module is wire.h) ---------------- */

/* The data path as the startup line and .meta/.stats name it. */
const char *fd_data_path_name(const struct fd_ctx *c);

struct wire;
/* Before anything is opened: -1 after printing why when -d passthrough
 * names something that is not a character device (an image file). */
int fd_wire_precheck(struct fd_ctx *c);
/* After the file system is open: create the wire module. 0, or -1 after
 * printing why (-d passthrough on a device that cannot do dax). */
int fd_wire_setup(struct fd_ctx *c);
/* Free the module (after wire_unmount closed what the kernel holds). */
void fd_wire_teardown(struct fd_ctx *c);

#endif /* FAMFSD_H */
