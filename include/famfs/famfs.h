/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libfamfs: read, validate, replay and append the famfs metadata log.
 *
 * Conventions: functions return 0 or a negative errno. Functions that judge
 * on-media bytes also fill an optional struct famfs_err naming the entry,
 * the field and the reason. Handles are opaque; whoever opens one closes it.
 * Nothing here is thread-safe on its own: callers that share a handle
 * between threads serialize access (famfsd uses a rwlock).
 */
#ifndef FAMFS_FAMFS_H
#define FAMFS_FAMFS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "famfs/format.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- diagnostics -------------------------------------------------------- */

/*
 * What replay did with a rejected log entry (one policy for every reader:
 * famfsd, famfs ls, famfs fsck, the writer). See famfsd(8), "LOG RULES".
 */
enum famfs_err_kind {
	FAMFS_ERR_INVALID = 0, /* CRC good, a rule failed: not served */
	FAMFS_ERR_COLLISION, /* maps units an earlier entry holds: not served */
	FAMFS_ERR_CORRUPT, /* seq/CRC bad, a later entry is good: skipped */
	FAMFS_ERR_TORN, /* seq/CRC bad at the tail: replay stops, retries */
};

/* Why a piece of metadata was rejected. */
struct famfs_err {
	int64_t index; /* log entry index, or -1 (superblock, header, args) */
	int kind; /* enum famfs_err_kind (entries only) */
	char field[48]; /* e.g. "superblock.crc", "fmap.se[2].offset" */
	char msg[200]; /* human-readable reason, no trailing newline */
};

void famfs_err_clear(struct famfs_err *err);
/* Fill err (if not NULL) and return -code unchanged; printf-style reason. */
int famfs_err_set(struct famfs_err *err, int64_t index, const char *field,
		  int code, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
/* "entry 17: fmap.se[2].offset: not 2 MiB aligned" into buf; returns buf. */
const char *famfs_err_str(const struct famfs_err *err, char *buf, size_t len);
/* What happened to the entry: "not served", "corrupt entry skipped", ... */
const char *famfs_err_kind_str(int kind);

/* ---- checksums, superblock, log header ---------------------------------- */

/* zlib crc32 of [buf, buf + len) started from 0 (as upstream). */
uint32_t famfs_crc(const void *buf, size_t len);

/*
 * Validate a superblock. @avail is the number of bytes the device really
 * has (0 = unknown, skip that check). Errors: -EINVAL no famfs magic or a
 * bad field (a device size above FAMFS_DEVICE_MAX included),
 * -EPROTONOSUPPORT unknown version, -EBADMSG CRC mismatch.
 */
int famfs_sb_check(const struct famfs_omf_superblock *sb, uint64_t avail,
		   struct famfs_err *err);
/* Store the CRC of an otherwise filled superblock. */
void famfs_sb_seal(struct famfs_omf_superblock *sb);

/*
 * Validate a log header against the superblock's log_len. Errors: -EINVAL
 * bad magic or field, -EBADMSG CRC, -EUCLEAN next_index/seqnum past the end.
 */
int famfs_log_header_check(const struct famfs_omf_log_header *h,
			   uint64_t log_len, struct famfs_err *err);
/* Fill a fresh header for a log of @log_len bytes (empty, CRC sealed). */
void famfs_log_header_init(struct famfs_omf_log_header *h, uint64_t log_len);

/* ---- geometry, paths, maps ---------------------------------------------- */

/* What an extent may point at: the known devices and the reserved area. */
struct famfs_geom {
	unsigned version; /* superblock version: 47 or 48 */
	uint64_t log_len; /* device 0 reserves [0, 2 MiB + log_len) */
	uint32_t ndevs; /* devices known so far: 1 + ADD_DAXDEV entries */
	uint64_t dev_size[FAMFS_MAX_DAXDEVS]; /* bytes, per device index */
	struct famfs_omf_uuid dev_uuid[FAMFS_MAX_DAXDEVS]; /* [0] = sb dev */
};

void famfs_geom_from_sb(struct famfs_geom *g,
			const struct famfs_omf_superblock *sb);

/*
 * Check a relative path as famfs stores it: not empty, no leading or
 * trailing '/', no empty, "." or ".." component, at most 79 bytes, and not
 * under the reserved top-level ".meta". Errors: -ENAMETOOLONG, -EINVAL.
 */
int famfs_path_check(const char *path, struct famfs_err *err);

/* A file map held in memory (compact; on-media form is famfs_omf_fmap). */
struct famfs_extent {
	uint64_t devindex; /* device index */
	uint64_t offset; /* device byte offset */
	uint64_t len; /* bytes */
};

enum famfs_fmap_type { FAMFS_FMAP_SIMPLE = 0, FAMFS_FMAP_INTERLEAVE = 1 };

struct famfs_fmap {
	uint8_t type; /* enum famfs_fmap_type */
	uint8_t count; /* simple: extents; interleave: strips */
	uint64_t chunk_size; /* interleave only */
	struct famfs_extent ext[FAMFS_MAX_SIMPLE_EXTENTS]; /* or strips */
};

/* A contiguous run of device bytes backing part of a file. */
struct famfs_piece {
	uint64_t devindex;
	uint64_t dev_off;
	uint64_t len; /* bytes until the end of this extent or chunk */
};

/* Bytes the map can hold (sum of extents / strips). */
uint64_t famfs_fmap_capacity(const struct famfs_fmap *m);
/*
 * Resolve file offset @off. The piece's len runs to the end of the extent
 * or chunk; callers clamp it to the file size. -ERANGE past the map.
 */
int famfs_fmap_resolve(const struct famfs_fmap *m, uint64_t off,
		       struct famfs_piece *p);
/*
 * Validate a map for a file of @size bytes against @g. @index is only
 * used for reporting. Errors: -EINVAL with the offending field named.
 */
int famfs_fmap_check(const struct famfs_fmap *m, uint64_t size,
		     const struct famfs_geom *g, int64_t index,
		     struct famfs_err *err);
/* Convert between on-media and in-memory maps (decode checks counts). */
int famfs_fmap_decode(const struct famfs_omf_fmap *om, struct famfs_fmap *m,
		      int64_t index, struct famfs_err *err);
void famfs_fmap_encode(const struct famfs_fmap *m, struct famfs_omf_fmap *om);

/* ---- log entries -------------------------------------------------------- */

/*
 * Check one entry in isolation: seqnum == @index, CRC, known type allowed
 * by @g->version, zero padding, path syntax, mode bits, and for FILE the
 * map against @g. Errors: -EBADMSG seq/CRC (torn or not yet visible),
 * -EINVAL anything else. Namespace rules are checked at replay.
 */
int famfs_entry_check(const struct famfs_omf_log_entry *e, uint64_t index,
		      const struct famfs_geom *g, struct famfs_err *err);

/* Build sealed entries (zeroed, filled, CRC'd). Errors: -EINVAL, -ENAMETOOLONG */
int famfs_entry_make_mkdir(struct famfs_omf_log_entry *e, uint64_t seq,
			   const char *path, uint32_t mode, uint32_t uid,
			   uint32_t gid);
int famfs_entry_make_file(struct famfs_omf_log_entry *e, uint64_t seq,
			  const char *path, uint32_t mode, uint32_t uid,
			  uint32_t gid, uint64_t size,
			  const struct famfs_fmap *m);
int famfs_entry_make_daxdev(struct famfs_omf_log_entry *e, uint64_t seq,
			    uint64_t dd_size, const struct famfs_omf_uuid *uuid,
			    uint32_t dd_index);

/* ---- namespace ---------------------------------------------------------- */

/* Fixed inode numbers; logged objects get FAMFS_INO_LOG_BASE + index. */
#define FAMFS_INO_ROOT 1ULL
#define FAMFS_INO_META 2ULL
#define FAMFS_INO_SUPERBLOCK 3ULL
#define FAMFS_INO_LOG 4ULL
#define FAMFS_INO_LOG_BASE 16ULL
#define FAMFS_META_DIR ".meta"
/* Default modes of .meta and its files (owner root): root-only. */
#define FAMFS_META_DIR_MODE 0700u
#define FAMFS_META_FILE_MODE 0400u

enum famfs_node_kind {
	FAMFS_NODE_DIR = 0, /* root, .meta, or a logged directory */
	FAMFS_NODE_FILE = 1, /* a logged file */
	FAMFS_NODE_META = 2, /* .meta/.superblock or .meta/.log */
	/* A rejected entry that still holds its name (never returned by
	 * lookups or listed; only famfs_ns_name_held sees it). */
	FAMFS_NODE_REJECTED = 3,
};

struct famfs_node {
	uint64_t ino;
	uint64_t parent; /* ino of the parent; root's parent is itself */
	int64_t log_index; /* -1 for root and .meta objects */
	uint32_t mode; /* S_IFDIR / S_IFREG | permission bits */
	uint32_t uid, gid;
	uint32_t nlink; /* dirs: 2 + subdirs; files: 1 */
	uint64_t size; /* file bytes; dirs report 0 */
	uint8_t kind; /* enum famfs_node_kind */
	uint8_t name_len;
	char name[FAMFS_MAX_PATHLEN]; /* last path component */
	/* Files and meta; NULL for dirs. Logged files store only
	 * ext[0, count): use the extents below count, don't copy the struct. */
	struct famfs_fmap *fmap;
	uint64_t *children; /* dirs: child inos in creation order */
	uint32_t nchildren;
	uint32_t children_cap;
};

struct famfs_ns;

/* Called for every entry that replay rejects (may be NULL). */
typedef void (*famfs_report_fn)(void *arg, const struct famfs_err *err);

/*
 * A namespace for the file system described by @sb (geometry, .meta files).
 * Errors: -ENOMEM, -EINVAL for a superblock that does not pass
 * famfs_sb_check.
 */
int famfs_ns_create(const struct famfs_omf_superblock *sb,
		    struct famfs_ns **out);
void famfs_ns_free(struct famfs_ns *ns);
/* Modes (permission bits) and owner of .meta and its two files. */
void famfs_ns_set_meta_perms(struct famfs_ns *ns, uint32_t dir_mode,
			     uint32_t file_mode, uint32_t uid, uint32_t gid);
void famfs_ns_set_reporter(struct famfs_ns *ns, famfs_report_fn fn, void *arg);

const struct famfs_geom *famfs_ns_geom(const struct famfs_ns *ns);
/*
 * Lookups: NULL when absent (rejected entries are absent). Pointers stay
 * valid until the next replay.
 */
const struct famfs_node *famfs_ns_get(const struct famfs_ns *ns, uint64_t ino);
const struct famfs_node *famfs_ns_lookup(const struct famfs_ns *ns,
					 uint64_t parent, const char *name);
/* Relative path ("" = root) to node; -ENOENT/-ENOTDIR via NULL + errno. */
const struct famfs_node *famfs_ns_resolve(const struct famfs_ns *ns,
					  const char *relpath);
/*
 * Is @name under @parent taken, by a served object or by a rejected entry
 * that still holds it? Writers must not reuse either (another reader may
 * serve the rejected one). Returns the holder's log index, -1 for a fixed
 * object, or -2 when the name is free.
 */
int64_t famfs_ns_name_held(const struct famfs_ns *ns, uint64_t parent,
			   const char *name);

struct famfs_ns_stats {
	uint64_t next_index; /* entries consumed so far */
	uint64_t files, dirs, daxdevs; /* applied entries by type */
	uint64_t bad; /* rejected entries, each counted once (reported) */
	uint64_t collisions; /* of those: rejected for mapping held units */
	uint64_t corrupt; /* of those: seq/CRC bad in mid-log, skipped */
	uint64_t rejected_units; /* units held by rejected entries only */
	uint64_t torn; /* 1: replay waits at a torn entry (next_index) */
	uint64_t bytes; /* sum of file sizes */
	uint64_t alloc_units; /* units in use on device 0 incl. sb + log */
	uint64_t total_units; /* units on device 0 */
};
void famfs_ns_stats(const struct famfs_ns *ns, struct famfs_ns_stats *st);

/*
 * Apply entries [next_index, header.next_index) of the log image at @log
 * (@log_len bytes, the whole log region). Incremental: call again as the
 * log grows. One policy for every reader:
 *  - an entry is served only if every check passes: seq, CRC, fields,
 *    path, parent, name not held, and none of its units already held;
 *  - units are claimed in log order by every entry whose CRC is good,
 *    valid or not: each extent's units inside a known device count as
 *    used, so the earlier of two colliding entries wins and the space of
 *    a rejected entry is never handed out again; a rejected entry whose
 *    path is well-formed under a served directory also keeps its name;
 *  - a seq/CRC failure is retried once after @invalidate (may be NULL;
 *    non-coherent memory). If a later entry is good, the bad one is
 *    corrupt: reported and skipped (nothing in it is trusted, so the
 *    namespace becomes read-only: famfs_ns_health). Otherwise it is a torn
 *    tail that a writer may still be completing: replay stops before it
 *    and the next call retries.
 * Each rejected entry is reported once. Returns the number of entries
 * consumed, -EINVAL/-EBADMSG/-EUCLEAN for a bad header, -EBADMSG when
 * waiting at a torn entry (entries before it are applied), -ENOMEM.
 */
long famfs_ns_replay(struct famfs_ns *ns, const void *log, uint64_t log_len,
		     void (*invalidate)(const void *addr, size_t len));

/*
 * May anything allocate or append on top of this namespace? 0 when every
 * entry was read; -EBADMSG while replay waits at a torn entry; -EUCLEAN
 * when a corrupt entry was skipped (the space it holds is unknown).
 */
int famfs_ns_health(const struct famfs_ns *ns);

/*
 * Apply an entry this process just appended (units already reserved by
 * famfs_ns_alloc are taken over, not counted as collisions). The entry
 * must be the next index. Errors as for replay, -EINVAL on mismatch.
 */
int famfs_ns_apply_own(struct famfs_ns *ns,
		       const struct famfs_omf_log_entry *e);

/* ---- allocation --------------------------------------------------------- */

struct famfs_alloc_req {
	uint64_t size; /* bytes wanted (> 0) */
	uint32_t nstrips; /* 0 = contiguous; else interleave over strips */
	uint32_t nbuckets; /* interleave: buckets the device is split into */
	uint64_t chunk_size; /* interleave: bytes per chunk (default 2 MiB) */
	uint32_t seed; /* interleave: bucket shuffle seed */
};

/*
 * Reserve device space. Contiguous: first fit from the session cursor
 * (next fit). Interleaved: spec section 3.1. The units stay reserved in
 * this namespace until logged (famfs_ns_apply_own) or released. Never
 * hands out a unit any log entry (valid or not) maps.
 * Errors: -EINVAL bad request, -ENOSPC no room, those of famfs_ns_health.
 */
int famfs_ns_alloc(struct famfs_ns *ns, const struct famfs_alloc_req *req,
		   struct famfs_fmap *out);
/*
 * Grow a reserved simple map to hold @new_size bytes: extend the last
 * extent in place when the following units are free, else add an extent
 * (at most 16). Errors: -ENOSPC, -EFBIG when 16 extents do not suffice;
 * on error the map and the free space are as they were.
 */
int famfs_ns_alloc_grow(struct famfs_ns *ns, struct famfs_fmap *m,
			uint64_t new_size);
/* Shrink a reserved simple map to what @size bytes need; frees the rest. */
int famfs_ns_alloc_trim(struct famfs_ns *ns, struct famfs_fmap *m,
			uint64_t size);
/*
 * Reserve exactly the units of simple map @m on device 0 (a map famfsd
 * recovers from its journal). All or nothing: -EEXIST when a unit is in
 * use, -EINVAL for an extent that is not aligned or outside the device.
 */
int famfs_ns_claim(struct famfs_ns *ns, const struct famfs_fmap *m);
/* Give reserved, never logged units back. */
void famfs_ns_release(struct famfs_ns *ns, const struct famfs_fmap *m);
/* Free bytes on device 0 (what statfs reports). */
uint64_t famfs_ns_free_bytes(const struct famfs_ns *ns);

/* ---- devices and cache maintenance -------------------------------------- */

struct famfs_dev;

#define FAMFS_DEV_RDONLY 1u

/*
 * Open a devdax character device (/dev/daxX.Y; size and alignment from
 * libdaxctl or sysfs) or a regular image file, and map all of it
 * MAP_SHARED; holds FAMFS_LOCK_USE shared until closed. Errors: -ENOENT,
 * -EACCES, -ENODEV (not dax or regular), -EINVAL (size not aligned),
 * -EBUSY (mkfs is formatting it), -ENOMEM.
 */
int famfs_dev_open(const char *path, unsigned flags, struct famfs_dev **out,
		   struct famfs_err *err);
void famfs_dev_close(struct famfs_dev *dev);
void *famfs_dev_addr(const struct famfs_dev *dev);
uint64_t famfs_dev_size(const struct famfs_dev *dev);
uint64_t famfs_dev_align(const struct famfs_dev *dev);
bool famfs_dev_is_dax(const struct famfs_dev *dev);
bool famfs_dev_is_rdonly(const struct famfs_dev *dev);
int famfs_dev_fd(const struct famfs_dev *dev);
const char *famfs_dev_path(const struct famfs_dev *dev);
/*
 * Host-local locks on the device's identity (lib/lock.c): the image's
 * inode, or st_rdev of a devdax device (a file under FAMFS_RUN_DIR), so
 * every name of one device meets on the same lock. famfs_dev_open holds
 * USE shared; mkfs takes it exclusive; a writer holds APPEND exclusive;
 * famfsd holds SERVE shared while it serves. Errors: -EWOULDBLOCK (held,
 * with @nowait), -EROFS (exclusive on a read-only open).
 */
#define FAMFS_RUN_DIR "/run/famfs"
enum { FAMFS_LOCK_USE = 0, FAMFS_LOCK_APPEND = 1, FAMFS_LOCK_SERVE = 2 };
int famfs_dev_lock(struct famfs_dev *dev, unsigned which, bool excl,
		   bool nowait);
void famfs_dev_unlock(struct famfs_dev *dev, unsigned which);
/* Does another open (any process on this host) hold lock @which? */
bool famfs_dev_lock_held(struct famfs_dev *dev, unsigned which);

/* Write back / drop CPU cache lines, only where the device needs it. */
void famfs_dev_flush(const struct famfs_dev *dev, const void *addr, size_t len);
void famfs_dev_invalidate(const struct famfs_dev *dev, const void *addr,
			  size_t len);

/* x86 cache line write-back and invalidate over any range, with fences. */
void famfs_cache_flush(const void *addr, size_t len);
void famfs_cache_invalidate(const void *addr, size_t len);
/* "clwb", "clflushopt", "clflush" or "none": what this CPU uses. */
const char *famfs_cache_method(void);

/* ---- host identity ------------------------------------------------------ */

#define FAMFS_SYSTEM_UUID_PATH "/opt/famfs/system_uuid"

/*
 * Read this host's system UUID from @path (NULL = default). When the file
 * is missing and @create is set, create it (mode 0444, directory 0755)
 * with a random UUID. Errors: -ENOENT, -EINVAL (not a UUID), -errno.
 */
int famfs_system_uuid(const char *path, bool create,
		      struct famfs_omf_uuid *out);

/* Undo /proc/self/mountinfo's octal escapes (\040 = space) in place. */
void famfs_mountinfo_unescape(char *s);

enum famfs_role { FAMFS_ROLE_CLIENT = 0, FAMFS_ROLE_MASTER = 1 };
const char *famfs_role_name(enum famfs_role role);

/* ---- famfsd's recovery journal (host-local; format.h) ------------------ */

#define FAMFS_JOURNAL_DIR "/var/lib/famfsd"

/* "@dir/<fs uuid>.journal" into @buf. -ENAMETOOLONG. */
int famfs_journal_path(const char *dir, const struct famfs_omf_superblock *sb,
		       char *buf, size_t len);
/* A header of generation @gen (0 for a new file). */
void famfs_journal_header_init(struct famfs_omf_jnl_header *h,
			       const struct famfs_omf_superblock *sb,
			       uint32_t gen);
/* -EINVAL not a journal (magic, version, record size), -EBADMSG CRC,
 * -ESTALE a journal of another file system or device. */
int famfs_journal_header_check(const struct famfs_omf_jnl_header *h,
			       const struct famfs_omf_superblock *sb);
/* Fill magic and CRC of a record whose other fields (gen too) are set. */
void famfs_journal_rec_seal(struct famfs_omf_jnl_rec *r);
/* -EBADMSG magic, CRC, sequence (@seq expected) or generation (@gen, the
 * header's) wrong: a torn or stale tail; -EINVAL a sealed record with bad
 * fields. */
int famfs_journal_rec_check(const struct famfs_omf_jnl_rec *r, uint64_t seq,
			    uint32_t gen);

/*
 * Load a journal: for every object the last record about it, PUT and
 * LOGGED only (removed objects are left out), in file order. *@out is
 * malloc'd (free it); *@valid: bytes of the good prefix (header + good
 * records). A missing file is an empty journal. -ESTALE / -EINVAL /
 * -EBADMSG (header), -ENOMEM, -errno from reading.
 */
int famfs_journal_load(const char *path, const struct famfs_omf_superblock *sb,
		       struct famfs_omf_jnl_rec **out, size_t *n,
		       uint64_t *valid);
/* Objects in the journal at @path not logged yet (PUT records), or a
 * negative errno as famfs_journal_load. */
long famfs_journal_live(const char *path,
			const struct famfs_omf_superblock *sb);

/* ---- mkfs --------------------------------------------------------------- */

struct famfs_mkfs_opts {
	uint64_t log_len; /* 0 = default 8 MiB; power of two >= 8 MiB */
	unsigned version; /* 0 = 48; or 47 */
	bool force; /* overwrite an existing superblock */
	bool kill; /* with force: only clear the magic */
	bool allow_small; /* accept devices below 4 GiB (tests) */
	struct famfs_omf_uuid system_uuid; /* master identity to record */
};

/*
 * Format @dev. Refuses an existing famfs superblock without force, and,
 * force or not, a device anything else on this host has open (famfsd
 * serving it, a famfs command: FAMFS_LOCK_USE). Errors: -EEXIST
 * (superblock present), -EBUSY (in use; err says whether famfsd serves
 * it), -EINVAL (bad option), -ENOSPC (device too small), -EROFS (device
 * opened read-only).
 */
int famfs_mkfs(struct famfs_dev *dev, const struct famfs_mkfs_opts *o,
	       struct famfs_err *err);

/* ---- an opened file system ---------------------------------------------- */

struct famfs_fs;

struct famfs_fs_opts {
	unsigned dev_flags; /* FAMFS_DEV_RDONLY */
	const char *system_uuid_path; /* NULL = default */
	int role; /* -1 = by system UUID; else force enum famfs_role */
	famfs_report_fn report; /* bad entries during replay (may be NULL) */
	void *report_arg;
	/* famfsd: hold FAMFS_LOCK_SERVE, and on a writable master the
	 * append lock too, until close (no other writer on this host). */
	bool serve;
};

void famfs_fs_opts_init(struct famfs_fs_opts *o);

/*
 * Open a device or image, validate the superblock and log header, replay
 * the log. A torn tail is not fatal (replay stops there; refresh retries).
 * Errors: those of famfs_dev_open, famfs_sb_check, famfs_log_header_check,
 * -ENOMEM; with ->serve, -EBUSY when another writer on this host holds
 * the append lock.
 */
int famfs_fs_open(const char *path, const struct famfs_fs_opts *o,
		  struct famfs_fs **out, struct famfs_err *err);
void famfs_fs_close(struct famfs_fs *fs);

struct famfs_ns *famfs_fs_ns(struct famfs_fs *fs);
struct famfs_dev *famfs_fs_dev(struct famfs_fs *fs);
const struct famfs_omf_superblock *famfs_fs_sb(const struct famfs_fs *fs);
enum famfs_role famfs_fs_role(const struct famfs_fs *fs);
/* Current log header (read from the device each call). */
void famfs_fs_log_header(const struct famfs_fs *fs,
			 struct famfs_omf_log_header *out);
/* Free log slots. */
uint64_t famfs_fs_log_free(const struct famfs_fs *fs);

/*
 * Replay entries appended since the last call (other hosts or processes).
 * Returns the number of new entries, or a negative errno as replay does.
 */
long famfs_fs_refresh(struct famfs_fs *fs);

/*
 * Writer session: take the exclusive host-local append lock (on the
 * device's identity, lib/lock.c) and catch up with the log. Only the master may lock: -EROFS on a
 * client or a read-only open; -EWOULDBLOCK with @nowait if held; the
 * errors of famfs_ns_health when the log could not be read whole (no
 * writer appends on top of a torn or corrupt log).
 */
int famfs_fs_lock(struct famfs_fs *fs, bool nowait);
void famfs_fs_unlock(struct famfs_fs *fs);

/*
 * Append under the lock, crash-safe: the sealed entry is written and
 * flushed, then the header counters, then flushed again; the namespace is
 * updated last. Errors: -ENOSPC log full, -EEXIST path exists, -ENOENT or
 * -ENOTDIR parent, -EINVAL/-ENAMETOOLONG bad path, map or device record
 * (nothing is written then), -ENOLCK not locked. @ino_out (may be NULL)
 * gets the new inode number.
 */
int famfs_fs_mkdir(struct famfs_fs *fs, const char *path, uint32_t mode,
		   uint32_t uid, uint32_t gid, uint64_t *ino_out);
/* @m must come from famfs_ns_alloc/_grow on this file system. */
int famfs_fs_mkfile(struct famfs_fs *fs, const char *path, uint32_t mode,
		    uint32_t uid, uint32_t gid, uint64_t size,
		    const struct famfs_fmap *m, uint64_t *ino_out);
int famfs_fs_add_daxdev(struct famfs_fs *fs, uint64_t dd_size,
			const struct famfs_omf_uuid *uuid);

/* Host pointer to device bytes [devoff, devoff + len) of device 0. */
void *famfs_fs_ptr(struct famfs_fs *fs, uint64_t devoff, uint64_t len);

/* ---- seeded test pattern ------------------------------------------------ */

/*
 * The byte at file offset i depends only on (seed, i): any piece of a file
 * can be filled or checked independently (CLI, mount, tests all agree).
 */
uint8_t famfs_pattern_byte(uint64_t seed, uint64_t file_off);
/* Fill @buf, which holds file bytes [file_off, file_off + len). */
void famfs_pattern_fill(void *buf, size_t len, uint64_t seed,
			uint64_t file_off);
/*
 * Check @buf against the pattern for file bytes [file_off, file_off + len).
 * Returns the FILE offset (>= file_off) of the first wrong byte, or -1.
 */
int64_t famfs_pattern_check(const void *buf, size_t len, uint64_t seed,
			    uint64_t file_off);

#ifdef __cplusplus
}
#endif

#endif /* FAMFS_FAMFS_H */
