/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The FUSE dax-passthrough ABIs famfsd speaks, every number in one place.
 *
 * !!! NEITHER ABI IS IN A RELEASED KERNEL OR LIBFUSE !!!
 *
 * 1. The extent-map ABI of protocol 7.47 (spec/fuse-extmap.md), as the FUSE
 *    maintainer built it in his development tree. Numbers below are that
 *    tree's; they may still change before a release. famfsd's first choice.
 * 2. famfs's own OPEN-reply form (spec/fuse-api.md 3.3): the extent record
 *    travels after fuse_open_out. Its numbers are famfs-private and live
 *    where no upstream number can ever land: three ioctls with their own
 *    ioctl type (FAMFUSE_IOC_TYPE, never fuse's 229), answered only by
 *    famfuse.ko (kernel/). No INIT bit, no fuse_backing_map flag: a stock or
 *    7.47 kernel answers the probe with ENOTTY and never sees a byte of it.
 *    (Its first version used INIT bit 44, now FUSE_HAS_SYNCFS, and
 *    fuse_backing_map flag 1 << 0, now FUSE_BACKING_IS_DEV.)
 * 3. None: stock kernels, where the daemon serves every byte.
 *
 * Choosing (famfsd -d): auto = 7.47 if the kernel's INIT says minor >= 47
 * and offers FUSE_PASSTHROUGH (confirmed by registering device 0 with
 * IS_DEV|ID_64), else the OPEN-reply form if FAMFUSE_IOC_PROBE answers
 * (confirmed by FAMFUSE_IOC_ENABLE and FAMFUSE_IOC_DAX_OPEN), else the
 * daemon path. -d extmap / -d openreply force one, -d passthrough either.
 *
 * The kernel side (kernel/) includes this header too, so it sticks to
 * fixed-width types and no libc.
 */
#ifndef FAMFS_FUSE_DAX_H
#define FAMFS_FUSE_DAX_H

#ifdef __KERNEL__
#include <linux/build_bug.h>
#include <linux/stddef.h>
#include <linux/types.h>
typedef __u8 fd_u8;
typedef __u16 fd_u16;
typedef __u32 fd_u32;
typedef __s32 fd_s32;
typedef __u64 fd_u64;
#define FD_STATIC_ASSERT(c, m) static_assert(c, m)
#else
#include <stddef.h>
#include <stdint.h>
typedef uint8_t fd_u8;
typedef uint16_t fd_u16;
typedef uint32_t fd_u32;
typedef int32_t fd_s32;
typedef uint64_t fd_u64;
#define FD_STATIC_ASSERT(c, m) _Static_assert(c, m)
#endif

/* ---- stock uapi facts (Linux 6.9+), so no uapi header is needed -------- */

#define FUSE_DAX_INIT_EXT (1u << 30) /* fuse_init_in/out.flags: flags2 valid */
#define FUSE_DAX_WRITEBACK_CACHE (1u << 16) /* never with passthrough */
#define FUSE_DAX_PASSTHROUGH (1ULL << 37) /* flags2 bit 5 */
#define FUSE_DAX_DIRECT_IO_ALLOW_MMAP (1ULL << 36) /* flags2 bit 4 */
/* FUSE_OVER_IO_URING (7.42): echoed by famfsd's io_uring transport. */
#define FUSE_DAX_OVER_IO_URING (1ULL << 41)
/* INIT bits a famfsd reply may carry: libfuse 3.14's (< 40) and the
 * io_uring transport's; every other bit is cleared from the reply (never
 * accept a bit famfsd does not implement, e.g. bit 44 = FUSE_HAS_SYNCFS
 * in 7.47). */
#define FUSE_DAX_INIT_KNOWN_MASK (((1ULL << 40) - 1) | FUSE_DAX_OVER_IO_URING)
#define FOPEN_DAX_DIRECT_IO (1u << 0)
#define FOPEN_DAX_KEEP_CACHE (1u << 1)
#define FOPEN_DAX_NOFLUSH (1u << 5)
#define FOPEN_DAX_PARALLEL_DIRECT_WRITES (1u << 6)
#define FOPEN_DAX_PASSTHROUGH (1u << 7)

/* FUSE_DEV_IOC_BACKING_OPEN = _IOW(229, 1, struct fuse_backing_map) */
#define FUSE_DAX_IOC_BACKING_OPEN 0x4010E501u
/* FUSE_DEV_IOC_BACKING_CLOSE = _IOW(229, 2, uint32_t): 32-bit ids only */
#define FUSE_DAX_IOC_BACKING_CLOSE 0x4004E502u
#define FUSE_DAX_IOC_TYPE 229u /* fuse's ioctl type */

/* Opcodes the daemon's raw hooks and the test emulator look at. */
#define FUSE_DAX_OP_LOOKUP 1u
#define FUSE_DAX_OP_FORGET 2u
#define FUSE_DAX_OP_GETATTR 3u
#define FUSE_DAX_OP_SETATTR 4u
#define FUSE_DAX_OP_SYMLINK 6u
#define FUSE_DAX_OP_MKNOD 8u
#define FUSE_DAX_OP_MKDIR 9u
#define FUSE_DAX_OP_LINK 13u
#define FUSE_DAX_OP_OPEN 14u
#define FUSE_DAX_OP_READ 15u
#define FUSE_DAX_OP_WRITE 16u
#define FUSE_DAX_OP_RELEASE 18u
#define FUSE_DAX_OP_INIT 26u
#define FUSE_DAX_OP_OPENDIR 27u
#define FUSE_DAX_OP_CREATE 35u
#define FUSE_DAX_OP_BATCH_FORGET 42u
#define FUSE_DAX_OP_READDIRPLUS 44u

/* struct fuse_in_header: 40 bytes before every request's arguments. */
struct fuse_dax_in_header {
	fd_u32 len; /* whole request, header included */
	fd_u32 opcode;
	fd_u64 unique;
	fd_u64 nodeid;
	fd_u32 uid, gid, pid;
	fd_u32 extlen_padding; /* u16 total_extlen (8-byte units), u16 pad */
};
FD_STATIC_ASSERT(sizeof(struct fuse_dax_in_header) == 40, "in_header");

/* struct fuse_out_header: 16 bytes before every reply's payload. A
 * notification is a reply with unique 0 and error = the notify code. */
struct fuse_dax_out_header {
	fd_u32 len; /* whole reply, header included */
	fd_s32 error; /* 0 or -errno; notify code when unique == 0 */
	fd_u64 unique;
};
FD_STATIC_ASSERT(sizeof(struct fuse_dax_out_header) == 16, "out_header");

/* fuse_init_in: the first 64 bytes (7.36+). */
struct fuse_dax_init_in {
	fd_u32 major; /* protocol major (7) */
	fd_u32 minor; /* protocol minor: >= 47 announces the extent-map ABI */
	fd_u32 max_readahead;
	fd_u32 flags; /* low 32 capability bits */
	fd_u32 flags2; /* high 32 bits, valid with FUSE_DAX_INIT_EXT */
	fd_u32 unused[11];
};
FD_STATIC_ASSERT(sizeof(struct fuse_dax_init_in) == 64, "init_in size");
FD_STATIC_ASSERT(offsetof(struct fuse_dax_init_in, flags2) == 16, "flags2");

/* fuse_init_out (64 bytes since 7.23). */
struct fuse_dax_init_out {
	fd_u32 major;
	fd_u32 minor;
	fd_u32 max_readahead;
	fd_u32 flags;
	fd_u32 max_background_congestion; /* two u16: background, threshold */
	fd_u32 max_write;
	fd_u32 time_gran;
	fd_u32 max_pages_map_alignment; /* two u16: max_pages, map_alignment */
	fd_u32 flags2; /* high capability bits */
	fd_u32 max_stack_depth; /* >= 1 with FUSE_PASSTHROUGH */
	fd_u32 unused[6];
};
FD_STATIC_ASSERT(sizeof(struct fuse_dax_init_out) == 64, "init_out size");
FD_STATIC_ASSERT(offsetof(struct fuse_dax_init_out, flags) == 12, "flags");
FD_STATIC_ASSERT(offsetof(struct fuse_dax_init_out, flags2) == 32, "flags2");
FD_STATIC_ASSERT(offsetof(struct fuse_dax_init_out, max_stack_depth) == 36,
		 "max_stack_depth");

/* struct fuse_open_out before 7.47: 16 bytes. */
struct fuse_dax_open_out {
	fd_u64 fh;
	fd_u32 open_flags; /* FOPEN_* */
	fd_s32 backing_id; /* 32-bit backing id (FOPEN_PASSTHROUGH) */
};
FD_STATIC_ASSERT(sizeof(struct fuse_dax_open_out) == 16, "open_out");

/* struct fuse_attr (88 bytes) and fuse_entry_out / fuse_attr_out. */
struct fuse_dax_attr {
	fd_u64 ino, size, blocks, atime, mtime, ctime;
	fd_u32 atimensec, mtimensec, ctimensec;
	fd_u32 mode, nlink, uid, gid, rdev, blksize;
	fd_u32 flags; /* FUSE_ATTR_*; libfuse 3.14 always sends 0 */
};
FD_STATIC_ASSERT(sizeof(struct fuse_dax_attr) == 88, "fuse_attr");
FD_STATIC_ASSERT(offsetof(struct fuse_dax_attr, flags) == 84, "attr.flags");

struct fuse_dax_entry_out {
	fd_u64 nodeid, generation, entry_valid, attr_valid;
	fd_u32 entry_valid_nsec, attr_valid_nsec;
	struct fuse_dax_attr attr;
};
FD_STATIC_ASSERT(sizeof(struct fuse_dax_entry_out) == 128, "entry_out");

struct fuse_dax_attr_out {
	fd_u64 attr_valid;
	fd_u32 attr_valid_nsec, dummy;
	struct fuse_dax_attr attr;
};
FD_STATIC_ASSERT(sizeof(struct fuse_dax_attr_out) == 104, "attr_out");

/* READDIRPLUS: entry_out, then fuse_dirent (ino, off, namelen, type,
 * name), each record padded to 8 bytes. */
#define FUSE_DAX_DIRENTPLUS_HDR 152u /* 128 + 24 */

/* ==== 1. the extent-map ABI, protocol 7.47 (development tree) ========== */

#define FUSE47_MINOR 47u
/* INIT bit 44 is FUSE_HAS_SYNCFS in 7.47; famfsd never accepts it. */
#define FUSE47_HAS_SYNCFS (1ULL << 44)
#define FUSE47_HAS_IO_URING_BUFPOOL (1ULL << 43)

/* fuse_backing_map.flags */
#define FUSE47_BACKING_IS_DEV (1u << 0) /* the fd is a device */
/* the id is the server's, 64 bits: in fuse_backing_map.flags and in
 * fuse_open_out.open_flags */
#define FUSE47_BACKING_ID_64 (1u << 30)

/* notify codes (fuse_out_header.error with unique 0) */
#define FUSE47_NOTIFY_BACKING_CLOSE 10
#define FUSE47_NOTIFY_MAP 11

/* fuse_notify_map_out.flags */
#define FUSE47_MAP_BACKING_CREATE (1u << 0)
#define FUSE47_MAP_CYCLIC (1u << 1)
#define FUSE47_MAX_EXTENTS 1638u

/* fuse_attr.flags: the inode is S_DAX (set when the kernel creates it) */
#define FUSE47_ATTR_DAX (1u << 1)

/* Flags that may come with FOPEN_PASSTHROUGH (the kernel's mask). */
#define FUSE47_FOPEN_PASSTHROUGH_MASK                  \
	(FOPEN_DAX_PASSTHROUGH | FOPEN_DAX_DIRECT_IO | \
	 FOPEN_DAX_PARALLEL_DIRECT_WRITES | FOPEN_DAX_NOFLUSH)

/*
 * struct fuse_backing_map, 7.47: the ioctl argument. With ID_64 a
 * successful FUSE_DEV_IOC_BACKING_OPEN returns 0 (not an id) and a
 * duplicate id fails with EEXIST; flags other than IS_DEV|ID_64: EINVAL;
 * IS_DEV on a character device dax_dev_find() does not know: EINVAL; no
 * CAP_SYS_RAWIO: EPERM; taken exclusively (fs_dax_get): EBUSY. A stock
 * kernel (flags must be 0) answers EINVAL: the registration is the probe.
 */
struct fuse47_backing_map {
	fd_s32 fd;
	fd_u32 flags; /* IS_DEV | ID_64 */
	fd_u64 backing_id; /* with ID_64: the server's id; else must be 0 */
};
FD_STATIC_ASSERT(sizeof(struct fuse47_backing_map) == 16, "backing_map 47");

/* struct fuse_open_out, 7.47: 24 bytes. The dev tree sizes the OPEN,
 * OPENDIR and CREATE reply argument at 24 bytes whatever the negotiated
 * minor, so every such reply on a 7.47 connection must carry all 24. */
struct fuse47_open_out {
	fd_u64 fh;
	fd_u32 open_flags; /* FOPEN_PASSTHROUGH | FUSE47_BACKING_ID_64 */
	fd_s32 backing_id; /* 32-bit ids (plain passthrough); 0 here */
	fd_u64 backing_id_64; /* the map's id with FUSE47_BACKING_ID_64 */
};
FD_STATIC_ASSERT(sizeof(struct fuse47_open_out) == 24, "open_out 47");

/*
 * FUSE_NOTIFY_MAP: header, then num_extents fuse47_extent. The kernel's
 * rules (each refused with EINVAL unless noted): num_extents <= 1638;
 * payload exactly 32 + 48 * num_extents; reserved 0; flags within
 * CREATE|CYCLIC; CREATE set (adding to a map: "not yet supported"); a
 * duplicate id: EEXIST. Per extent (EIO): reserved 0, length and addr
 * page aligned, no overlap with another extent, the target a backing
 * registered with ID_64. CYCLIC: at least one extent, every extent of
 * length chunk = ext[0].length at file offset i * chunk (EINVAL).
 */
struct fuse47_notify_map_out {
	fd_u64 backing_id; /* id of the map being created */
	fd_u32 num_extents;
	fd_u32 flags; /* BACKING_CREATE [| CYCLIC] */
	fd_u64 reserved[2];
};
FD_STATIC_ASSERT(sizeof(struct fuse47_notify_map_out) == 32, "map_out");

struct fuse47_extent {
	fd_u64 offset; /* in the file */
	fd_u64 length;
	fd_u64 backing_id; /* target: a device registered with IS_DEV|ID_64 */
	fd_u64 addr; /* offset in the device */
	fd_u64 reserved[2];
};
FD_STATIC_ASSERT(sizeof(struct fuse47_extent) == 48, "extent 47");

/* FUSE_NOTIFY_BACKING_CLOSE: size exactly 16, reserved 0 (EINVAL); an
 * unknown id: ENOENT. Closes 64-bit ids, maps and devices alike (the
 * ioctl FUSE_DEV_IOC_BACKING_CLOSE takes a 32-bit id and cannot). */
struct fuse47_notify_backing_close_out {
	fd_u64 backing_id;
	fd_u64 reserved;
};
FD_STATIC_ASSERT(sizeof(struct fuse47_notify_backing_close_out) == 16,
		 "backing_close_out");

/*
 * famfsd's 64-bit ids (one hash table in the kernel holds maps and
 * devices, so the two ranges must never meet): a file's map id is its
 * namespace inode number (stable on every host and remount, < 2^62; a
 * pending file never gets one); device d is FAMFSD47_DEV_ID(d).
 */
#define FAMFSD47_DEV_ID_BASE (1ULL << 63)
#define FAMFSD47_DEV_ID(d) (FAMFSD47_DEV_ID_BASE | (fd_u64)(d))

/* ==== 2. famfs's OPEN-reply form (famfuse only, EXPERIMENTAL) ========== */

/*
 * Negotiation, all on the /dev/fuse fd, with an ioctl type fuse never
 * uses (a kernel without famfuse: ENOTTY):
 *  1. FAMFUSE_IOC_PROBE when the INIT request arrives: fills
 *     famfuse_probe (version, max_open_ext). Only then does famfsd echo
 *     FUSE_PASSTHROUGH (+ max_stack_depth 1) for this form.
 *  2. After the INIT reply: FAMFUSE_IOC_ENABLE switches the connection to
 *     this form (EPERM unless FUSE_PASSTHROUGH was negotiated; EINVAL for
 *     another version, flags or reserved). From then on OPEN/CREATE
 *     replies are 16-byte fuse_open_out + at most max_open_ext bytes of
 *     record (7.47's 24-byte open_out is not used on such a connection).
 *  3. FAMFUSE_IOC_DAX_OPEN registers a devdax device; returns an id > 0
 *     from the passthrough idr (closed with FUSE_DEV_IOC_BACKING_CLOSE).
 *     Rules: ENABLE done (else EPERM), CAP_SYS_ADMIN and CAP_SYS_RAWIO
 *     (EPERM), flags/reserved 0 (EINVAL), a devdax character device
 *     (ENODEV), bad fd (EBADF).
 */
#define FAMFUSE_IOC_TYPE 0xF5u /* ASCII-free, != FUSE_DAX_IOC_TYPE */
#define FAMFUSE_ABI_VERSION 2u

struct famfuse_probe {
	fd_u32 version; /* out: FAMFUSE_ABI_VERSION */
	fd_u32 max_open_ext; /* out: record bytes accepted, >= 4096 */
	fd_u64 reserved; /* out: 0 */
};
FD_STATIC_ASSERT(sizeof(struct famfuse_probe) == 16, "famfuse_probe");

struct famfuse_enable {
	fd_u32 version; /* in: FAMFUSE_ABI_VERSION */
	fd_u32 flags; /* in: 0 */
	fd_u64 reserved; /* in: 0 */
};
FD_STATIC_ASSERT(sizeof(struct famfuse_enable) == 16, "famfuse_enable");

struct famfuse_dax_map {
	fd_s32 fd; /* open fd of the devdax device */
	fd_u32 flags; /* 0 */
	fd_u64 reserved; /* 0 */
};
FD_STATIC_ASSERT(sizeof(struct famfuse_dax_map) == 16, "famfuse_dax_map");

/* _IOR(0xF5, 1, 16 bytes), _IOW(0xF5, 2, 16), _IOW(0xF5, 3, 16) */
#define FAMFUSE_IOC_PROBE 0x8010F501u
#define FAMFUSE_IOC_ENABLE 0x4010F502u
#define FAMFUSE_IOC_DAX_OPEN 0x4010F503u
FD_STATIC_ASSERT(((FAMFUSE_IOC_PROBE >> 8) & 0xff) == FAMFUSE_IOC_TYPE &&
			 ((FAMFUSE_IOC_ENABLE >> 8) & 0xff) ==
				 FAMFUSE_IOC_TYPE &&
			 ((FAMFUSE_IOC_DAX_OPEN >> 8) & 0xff) ==
				 FAMFUSE_IOC_TYPE,
		 "famfuse ioctl type");
FD_STATIC_ASSERT(FAMFUSE_IOC_TYPE != FUSE_DAX_IOC_TYPE,
		 "never fuse's ioctl type");
FD_STATIC_ASSERT(((FAMFUSE_IOC_PROBE >> 16) & 0x3fff) == 16 &&
			 ((FAMFUSE_IOC_ENABLE >> 16) & 0x3fff) == 16 &&
			 ((FAMFUSE_IOC_DAX_OPEN >> 16) & 0x3fff) == 16,
		 "famfuse ioctl sizes");

/* Kernel rule: max_open_ext >= 4096. */
#define FUSE_DAX_MIN_OPEN_EXT 4096u
#define FUSE_DAX_DEFAULT_OPEN_EXT 65536u

/* struct fuse_ext_header: 8 bytes, as in the request-side extensions. */
struct fuse_dax_ext_header {
	fd_u32 size; /* bytes of this record incl. header; multiple of 8 */
	fd_u32 type; /* FUSE_EXT_DAX_* */
};
FD_STATIC_ASSERT(sizeof(struct fuse_dax_ext_header) == 8, "ext header");

/*
 * Record after fuse_open_out: the file's extent list. Rules: extents
 * sorted by file_offset, starting at 0, contiguous, no overlap;
 * file_offset, dax_offset and length multiples of the device alignment
 * (2 MiB today; never below PAGE_SIZE); dax_offset + length <= device
 * size; nr_extents >= 1; flags and reserved 0; record size ==
 * 24 + 32 * nr_extents; whole extension <= max_open_ext. Any violation,
 * an unknown type, or no record on the first dax open of an inode: the
 * open fails with EIO. Later opens may omit it (the map is cached on the
 * inode) or must repeat it exactly.
 */
#define FUSE_EXT_DAX_EXTENTS 33u

struct fuse_dax_extent {
	fd_u64 file_offset; /* byte offset in the file */
	fd_u64 dax_offset; /* byte offset in the dax device */
	fd_u64 length; /* bytes, > 0 */
	fd_s32 backing_id; /* 0 = fuse_open_out.backing_id; else another
			      FAMFUSE_IOC_DAX_OPEN id (multi-device files) */
	fd_u32 flags; /* reserved, 0 */
};
FD_STATIC_ASSERT(sizeof(struct fuse_dax_extent) == 32, "dax extent");

struct fuse_dax_extents {
	struct fuse_dax_ext_header hdr; /* size, type = FUSE_EXT_DAX_EXTENTS */
	fd_u32 nr_extents; /* >= 1 */
	fd_u32 flags; /* reserved, 0 */
	fd_u64 reserved; /* 0 */
	struct fuse_dax_extent ext[]; /* nr_extents entries */
};
FD_STATIC_ASSERT(sizeof(struct fuse_dax_extents) == 24, "extents hdr");
FD_STATIC_ASSERT(offsetof(struct fuse_dax_extents, ext) == 24, "extents");

/*
 * Compact record for famfs interleaved files (type 34): strips of equal
 * role, chunk_size bytes rotated across them, so a striped file is sent
 * as nstrips entries instead of one extent per chunk. Address math: chunk
 * c = off / chunk_size, strip s = c % nstrips, row r = c / nstrips,
 * device offset = strip[s].dax_offset + r * chunk_size + off % chunk_size
 * (the 7.47 FUSE_MAP_CYCLIC math with strip i's extent at i * chunk).
 * Rules: 1 <= nstrips <= 64; chunk_size a power of two and a multiple of
 * the device alignment; each strip's length a multiple of chunk_size and
 * long enough for file_size; dax_offset aligned, inside the device;
 * record size == 32 + 24 * nstrips; flags 0. file_size is the file's
 * size rounded up to chunk_size; strip s must hold the rows of every
 * chunk c < file_size / chunk_size with c % nstrips == s. Violations:
 * EIO, as for type 33; later opens must repeat it exactly or omit it.
 */
#define FUSE_EXT_DAX_STRIPES 34u

struct fuse_dax_strip {
	fd_u64 dax_offset; /* start of the strip in the device */
	fd_u64 length; /* bytes; multiple of chunk_size */
	fd_s32 backing_id; /* 0 = fuse_open_out.backing_id */
	fd_u32 flags; /* reserved, 0 */
};
FD_STATIC_ASSERT(sizeof(struct fuse_dax_strip) == 24, "dax strip");

struct fuse_dax_stripes {
	struct fuse_dax_ext_header hdr; /* size, type = FUSE_EXT_DAX_STRIPES */
	fd_u32 nstrips; /* 1..64 */
	fd_u32 flags; /* reserved, 0 */
	fd_u64 chunk_size; /* bytes per chunk */
	fd_u64 file_size; /* bytes mapped (the file size, rounded up) */
	struct fuse_dax_strip strip[]; /* nstrips entries */
};
FD_STATIC_ASSERT(sizeof(struct fuse_dax_stripes) == 32, "stripes hdr");

#endif /* FAMFS_FUSE_DAX_H */
