/* SPDX-License-Identifier: Apache-2.0 */
/*
 * famfs on-media format (OMF 2.x, superblock versions 47 and 48).
 *
 * Every structure that lives on the device is declared here, once. Fields
 * are little-endian and fixed width; the layout matches upstream famfs on
 * x86_64 byte for byte (upstream writes native LP64 structs). Padding is
 * explicit and must be written as zero: the log entry CRC covers it.
 *
 * Device layout (primary device):
 *   [0, 2 MiB)                  superblock region (struct is 200 bytes)
 *   [2 MiB, 2 MiB + log_len)    metadata log (header + 544-byte entries)
 *   [2 MiB + log_len, size)     data, allocated in 2 MiB units
 */
#ifndef FAMFS_FORMAT_H
#define FAMFS_FORMAT_H

#include <stddef.h>
#include <stdint.h>

#if !defined(__BYTE_ORDER__) || __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "famfs on-media structs are little-endian; big-endian hosts need byte swapping"
#endif

#define FAMFS_SUPER_MAGIC ((uint64_t)0x87b282ff)
#define FAMFS_LOG_MAGIC ((uint64_t)0x00000badcafef00d)

#define FAMFS_VERSION_47 47 /* OMF 2.1, deployed famfs until 2026-06 */
#define FAMFS_VERSION_48 48 /* OMF 2.2, adds ADD_DAXDEV */
#define FAMFS_VERSION_DEFAULT FAMFS_VERSION_48

#define FAMFS_OMF_MAJOR 2
#define FAMFS_OMF_MINOR_47 1
#define FAMFS_OMF_MINOR_48 2

#define FAMFS_ALLOC_UNIT ((uint64_t)2 << 20) /* 2 MiB: data allocation unit */
#define FAMFS_SUPERBLOCK_SIZE ((uint64_t)2 << 20) /* superblock region */
#define FAMFS_LOG_OFFSET ((uint64_t)2 << 20) /* log starts right after it */
#define FAMFS_LOG_LEN_DEFAULT ((uint64_t)8 << 20)
#define FAMFS_LOG_LEN_MIN ((uint64_t)8 << 20)
#define FAMFS_DEVICE_MIN \
	((uint64_t)4 << 30) /* mkfs.famfs minimum, as upstream */
/*
 * Largest device this reader accepts (1 PiB). Device sizes are not
 * CRC-covered, and the allocation bitmap is sized from them.
 */
#define FAMFS_DEVICE_MAX ((uint64_t)1 << 50)

#define FAMFS_MAX_SIMPLE_EXTENTS 16
#define FAMFS_MAX_STRIPS 16
#define FAMFS_MAX_PATHLEN 80 /* bytes incl. NUL: 79 usable */
#define FAMFS_MAX_DAXDEVS 16 /* device indices the reader accepts */

#define FAMFS_SB_FLAG_PRIMARY 1u
#define FAMFS_SB_FLAG_SECONDARY 2u

/* 16 raw bytes in libuuid order (no byte swapping anywhere). */
struct famfs_omf_uuid {
	uint8_t b[16];
};

/* The device record embedded in the superblock (not CRC-covered). */
struct famfs_omf_daxdev {
	uint64_t size; /* device size in bytes: the allocator's capacity */
	struct famfs_omf_uuid uuid; /* never written by mkfs; zero */
	char name[64]; /* path given to mkfs; host-local, informational */
};

/* Superblock: the first 200 bytes of the device. */
struct famfs_omf_superblock {
	uint64_t magic; /* FAMFS_SUPER_MAGIC (upper 32 bits zero) */
	uint64_t version; /* 47 or 48 */
	uint64_t log_offset; /* always FAMFS_LOG_OFFSET */
	uint64_t log_len; /* log bytes: power of two >= 8 MiB */
	uint64_t alloc_unit; /* FAMFS_ALLOC_UNIT */
	uint32_t omf_ver_major; /* 2 */
	uint32_t omf_ver_minor; /* 1 for v47, 2 for v48; not checked */
	struct famfs_omf_uuid fs_uuid; /* random, per file system */
	struct famfs_omf_uuid dev_uuid; /* random, per device */
	struct famfs_omf_uuid system_uuid; /* the master host */
	uint64_t crc; /* zlib crc32 of bytes [0, 96), zero-extended */
	uint32_t sb_flags; /* FAMFS_SB_FLAG_*; mkfs leaves it 0 */
	uint32_t pad0; /* zero */
	struct famfs_omf_daxdev daxdev; /* the primary device */
};

#define FAMFS_SB_CRC_LEN 96 /* bytes covered by famfs_omf_superblock.crc */

_Static_assert(sizeof(struct famfs_omf_uuid) == 16, "uuid size");
_Static_assert(sizeof(struct famfs_omf_daxdev) == 88, "daxdev size");
_Static_assert(offsetof(struct famfs_omf_daxdev, uuid) == 8, "dd uuid");
_Static_assert(offsetof(struct famfs_omf_daxdev, name) == 24, "dd name");
_Static_assert(sizeof(struct famfs_omf_superblock) == 200, "sb size");
_Static_assert(offsetof(struct famfs_omf_superblock, magic) == 0, "sb");
_Static_assert(offsetof(struct famfs_omf_superblock, version) == 8, "sb");
_Static_assert(offsetof(struct famfs_omf_superblock, log_offset) == 16, "sb");
_Static_assert(offsetof(struct famfs_omf_superblock, log_len) == 24, "sb");
_Static_assert(offsetof(struct famfs_omf_superblock, alloc_unit) == 32, "sb");
_Static_assert(offsetof(struct famfs_omf_superblock, omf_ver_major) == 40,
	       "sb");
_Static_assert(offsetof(struct famfs_omf_superblock, omf_ver_minor) == 44,
	       "sb");
_Static_assert(offsetof(struct famfs_omf_superblock, fs_uuid) == 48, "sb");
_Static_assert(offsetof(struct famfs_omf_superblock, dev_uuid) == 64, "sb");
_Static_assert(offsetof(struct famfs_omf_superblock, system_uuid) == 80, "sb");
_Static_assert(offsetof(struct famfs_omf_superblock, crc) == 96, "sb");
_Static_assert(offsetof(struct famfs_omf_superblock, sb_flags) == 104, "sb");
_Static_assert(offsetof(struct famfs_omf_superblock, pad0) == 108, "sb");
_Static_assert(offsetof(struct famfs_omf_superblock, daxdev) == 112, "sb");

/* Log header: the first 48 bytes of the log. */
struct famfs_omf_log_header {
	uint64_t magic; /* FAMFS_LOG_MAGIC */
	uint64_t log_len; /* equals superblock log_len */
	uint64_t last_index; /* (log_len - 48) / 544 - 1: last usable slot */
	uint64_t crc; /* crc32 of bytes [0, 24), zero-extended */
	uint64_t next_seqnum; /* seqnum of the next entry; not CRC-covered */
	uint64_t next_index; /* next free slot = valid entries; not covered */
};

#define FAMFS_LOG_HDR_CRC_LEN 24

_Static_assert(sizeof(struct famfs_omf_log_header) == 48, "log hdr size");
_Static_assert(offsetof(struct famfs_omf_log_header, log_len) == 8, "lh");
_Static_assert(offsetof(struct famfs_omf_log_header, last_index) == 16, "lh");
_Static_assert(offsetof(struct famfs_omf_log_header, crc) == 24, "lh");
_Static_assert(offsetof(struct famfs_omf_log_header, next_seqnum) == 32, "lh");
_Static_assert(offsetof(struct famfs_omf_log_header, next_index) == 40, "lh");

/* One extent of a simple map, or one strip of an interleaved map. */
struct famfs_omf_extent {
	uint64_t devindex; /* device index; 0 = primary */
	uint64_t offset; /* byte offset in the device; 2 MiB aligned, != 0 */
	uint64_t len; /* bytes; multiple of 2 MiB */
};

/* An interleaved (striped) extent. */
struct famfs_omf_interleave {
	uint64_t nstrips; /* strips in use, 1..16 */
	uint64_t chunk_size; /* bytes per chunk; power of two, 2 MiB multiple */
	struct famfs_omf_extent strips[FAMFS_MAX_STRIPS]; /* each strip */
};

enum famfs_omf_ext_type {
	FAMFS_OMF_EXT_SIMPLE = 0,
	FAMFS_OMF_EXT_INTERLEAVE = 1,
};

/* File map: simple (up to 16 extents) or one interleaved extent. */
struct famfs_omf_fmap {
	uint32_t ext_type; /* enum famfs_omf_ext_type */
	uint32_t pad0; /* zero */
	uint32_t nextents; /* simple: 1..16; interleave: must be 1 */
	uint32_t pad1; /* zero */
	union {
		struct famfs_omf_extent se[FAMFS_MAX_SIMPLE_EXTENTS];
		struct famfs_omf_interleave ie[1];
	} u; /* unused tail is zero */
};

_Static_assert(sizeof(struct famfs_omf_extent) == 24, "extent size");
_Static_assert(sizeof(struct famfs_omf_interleave) == 400, "ie size");
_Static_assert(offsetof(struct famfs_omf_interleave, strips) == 16, "ie");
_Static_assert(sizeof(struct famfs_omf_fmap) == 416, "fmap size");
_Static_assert(offsetof(struct famfs_omf_fmap, nextents) == 8, "fmap");
_Static_assert(offsetof(struct famfs_omf_fmap, u) == 16, "fmap");

/* FILE entry payload. */
struct famfs_omf_file {
	uint64_t size; /* bytes, > 0 */
	uint32_t flags; /* FAMFS_FILE_FLAG_*; writers use RW */
	uint32_t uid; /* owner */
	uint32_t gid; /* group */
	uint32_t mode; /* permission bits (07777), no S_IFMT */
	char relpath[FAMFS_MAX_PATHLEN]; /* NUL-terminated, zero-padded */
	struct famfs_omf_fmap fmap; /* where the bytes are */
};

#define FAMFS_FILE_FLAG_ALL_HOSTS_RO 1u
#define FAMFS_FILE_FLAG_ALL_HOSTS_RW 2u

/* MKDIR entry payload. */
struct famfs_omf_mkdir {
	uint32_t uid; /* owner */
	uint32_t gid; /* group */
	uint32_t mode; /* permission bits (07777), no S_IFMT */
	char relpath[FAMFS_MAX_PATHLEN]; /* NUL-terminated, zero-padded */
};

/* ADD_DAXDEV entry payload (v48). */
struct famfs_omf_add_daxdev {
	uint64_t dd_size; /* size of the secondary device in bytes */
	struct famfs_omf_uuid dd_uuid; /* invariant device key */
	uint32_t dd_index; /* dense, in log order, from 1 */
	uint32_t pad0; /* zero */
};

enum famfs_omf_entry_type {
	FAMFS_OMF_LOG_FILE = 0,
	FAMFS_OMF_LOG_MKDIR = 1,
	FAMFS_OMF_LOG_DELETE = 2, /* reserved, never written */
	FAMFS_OMF_LOG_ADD_DAXDEV = 3, /* v48 only */
};

/* One log entry: 544 bytes; entry i is at log offset 48 + 544 * i. */
struct famfs_omf_log_entry {
	uint64_t seqnum; /* equals the entry's index */
	uint32_t type; /* enum famfs_omf_entry_type */
	uint32_t pad0; /* zero (CRC-covered) */
	union {
		struct famfs_omf_file file;
		struct famfs_omf_mkdir mkdir;
		struct famfs_omf_add_daxdev daxdev;
		uint8_t raw[520];
	} u; /* unused tail is zero (CRC-covered) */
	uint64_t crc; /* crc32 of bytes [0, 536), zero-extended */
};

#define FAMFS_LOG_ENTRY_CRC_LEN 536

_Static_assert(sizeof(struct famfs_omf_file) == 520, "file size");
_Static_assert(offsetof(struct famfs_omf_file, flags) == 8, "file");
_Static_assert(offsetof(struct famfs_omf_file, uid) == 12, "file");
_Static_assert(offsetof(struct famfs_omf_file, gid) == 16, "file");
_Static_assert(offsetof(struct famfs_omf_file, mode) == 20, "file");
_Static_assert(offsetof(struct famfs_omf_file, relpath) == 24, "file");
_Static_assert(offsetof(struct famfs_omf_file, fmap) == 104, "file");
_Static_assert(sizeof(struct famfs_omf_mkdir) == 92, "mkdir size");
_Static_assert(offsetof(struct famfs_omf_mkdir, mode) == 8, "mkdir");
_Static_assert(offsetof(struct famfs_omf_mkdir, relpath) == 12, "mkdir");
_Static_assert(sizeof(struct famfs_omf_add_daxdev) == 32, "daxdev entry");
_Static_assert(offsetof(struct famfs_omf_add_daxdev, dd_uuid) == 8, "add");
_Static_assert(offsetof(struct famfs_omf_add_daxdev, dd_index) == 24, "add");
_Static_assert(sizeof(struct famfs_omf_log_entry) == 544, "entry size");
_Static_assert(offsetof(struct famfs_omf_log_entry, type) == 8, "entry");
_Static_assert(offsetof(struct famfs_omf_log_entry, u) == 16, "entry");
_Static_assert(offsetof(struct famfs_omf_log_entry, crc) == 536, "entry");
/* Absolute entry offsets from the spec tables. */
_Static_assert(offsetof(struct famfs_omf_log_entry, u.file.relpath) == 40,
	       "entry file relpath");
_Static_assert(offsetof(struct famfs_omf_log_entry, u.file.fmap) == 120,
	       "entry file fmap");
_Static_assert(offsetof(struct famfs_omf_log_entry, u.file.fmap.u.se) == 136,
	       "entry file se");
_Static_assert(offsetof(struct famfs_omf_log_entry,
			u.file.fmap.u.ie[0].strips) == 152,
	       "entry file strips");
_Static_assert(offsetof(struct famfs_omf_log_entry, u.mkdir.relpath) == 28,
	       "entry mkdir relpath");
_Static_assert(offsetof(struct famfs_omf_log_entry, u.daxdev.dd_index) == 40,
	       "entry daxdev index");

/* Slot arithmetic. */
#define FAMFS_LOG_ENTRY_SIZE ((uint64_t)sizeof(struct famfs_omf_log_entry))
#define FAMFS_LOG_HDR_SIZE ((uint64_t)sizeof(struct famfs_omf_log_header))

static inline uint64_t famfs_log_last_index(uint64_t log_len)
{
	return (log_len - FAMFS_LOG_HDR_SIZE) / FAMFS_LOG_ENTRY_SIZE - 1;
}

static inline uint64_t famfs_log_entry_offset(uint64_t index)
{
	return FAMFS_LOG_HDR_SIZE + FAMFS_LOG_ENTRY_SIZE * index;
}

/*
 * famfsd's recovery journal: a host-local file (never on the device) that
 * holds the metadata of objects made through the master's mount and not
 * logged yet, so fsync and settled files survive a crash of famfsd. A
 * header, then fixed-size records in append order, each sealed with a
 * CRC; the first record that fails its check ends the journal (torn tail).
 * Cutting the file back to its header (nothing journaled any more) bumps
 * the header's generation, and records carry the generation they were
 * written in: an older record that a crash leaves past the header (a lost
 * truncate, a partly written batch) ends the journal instead of passing
 * for a new one of the same sequence number.
 */
#define FAMFS_JNL_MAGIC 0x314c4e4a5346414dULL /* "MAFSJNL1" */
#define FAMFS_JNL_REC_MAGIC 0x4a52u /* "RJ" */
#define FAMFS_JNL_VERSION 1

struct famfs_omf_jnl_header {
	uint64_t magic;
	uint32_t version;
	uint32_t rec_size; /* sizeof(struct famfs_omf_jnl_rec) */
	struct famfs_omf_uuid fs_uuid; /* the superblock's */
	struct famfs_omf_uuid dev_uuid;
	uint64_t dev_size;
	uint32_t gen; /* bumped each time the file is cut back to here */
	uint32_t crc; /* of the bytes before it */
};

enum famfs_jnl_type {
	FAMFS_JNL_PUT = 1, /* an object's current state */
	FAMFS_JNL_DEL = 2, /* removed, never logged */
	FAMFS_JNL_LOGGED = 3, /* now in the log as ns_ino */
};

struct famfs_omf_jnl_ext {
	uint64_t offset; /* device 0 byte offset */
	uint64_t len;
};

struct famfs_omf_jnl_rec {
	uint32_t magic; /* FAMFS_JNL_REC_MAGIC */
	uint32_t type; /* enum famfs_jnl_type */
	uint64_t seq; /* 1, 2, ... in file order */
	uint64_t id; /* the object's id (its nodeid in the writing daemon) */
	uint64_t parent; /* PUT: a logged directory's ino, or the id of a
			    journaled one (>= 2^62) */
	union {
		uint64_t ns_ino; /* LOGGED: its namespace ino */
		/* PUT, files: the last @unwritten bytes were never written
		 * (their space may hold old bytes): they read as zeros. 0,
		 * and no holes in ext[], in journals of earlier famfsd,
		 * which zeroed them when the file was sized. */
		uint64_t unwritten;
	};
	uint64_t size; /* PUT, files: bytes */
	uint32_t mode; /* PUT: S_IFREG / S_IFDIR | permission bits */
	uint32_t uid, gid;
	uint32_t next; /* PUT, files: extents used in ext[] */
	char name[FAMFS_MAX_PATHLEN]; /* PUT: last component, NUL-padded */
	/* PUT, files: next extents, then holes (file ranges below the
	 * unwritten tail that also read as zeros) up to a zero length */
	struct famfs_omf_jnl_ext ext[FAMFS_MAX_SIMPLE_EXTENTS];
	uint32_t gen; /* the header's gen when it was written */
	uint32_t crc; /* of the bytes before it */
};

_Static_assert(sizeof(struct famfs_omf_jnl_header) == 64, "jnl header");
_Static_assert(offsetof(struct famfs_omf_jnl_header, fs_uuid) == 16, "jnl");
_Static_assert(offsetof(struct famfs_omf_jnl_header, crc) == 60, "jnl");
_Static_assert(sizeof(struct famfs_omf_jnl_rec) == 408, "jnl rec");
_Static_assert(offsetof(struct famfs_omf_jnl_rec, name) == 64, "jnl name");
_Static_assert(offsetof(struct famfs_omf_jnl_rec, ext) == 144, "jnl ext");
_Static_assert(offsetof(struct famfs_omf_jnl_rec, crc) == 404, "jnl crc");
_Static_assert(offsetof(struct famfs_omf_jnl_header, gen) == 56, "jnl gen");
_Static_assert(offsetof(struct famfs_omf_jnl_rec, gen) == 400, "jnl gen");

#endif /* FAMFS_FORMAT_H */
