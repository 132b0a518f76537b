/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The proposed FUSE dax-passthrough ABI (spec/fuse-api.md section 3.3).
 *
 * !!! EXPERIMENTAL NUMBERS !!! Nothing here is in any kernel or libfuse
 * release. Every number (the INIT bit, the backing flag, the extension
 * types) is provisional and must be assigned upstream. Keep them here only.
 *
 * The kernel side (kernel/ in this repository) includes this header too, so
 * it sticks to fixed-width types and no libc.
 *
 * Flow: the kernel offers FUSE_PASSTHROUGH_DAX in INIT (and max_open_ext);
 * the daemon echoes it with FUSE_PASSTHROUGH and max_stack_depth >= 1, and
 * without FUSE_WRITEBACK_CACHE. The daemon then registers each dax device
 * once with FUSE_DEV_IOC_BACKING_OPEN and FUSE_BACKING_DAX, and answers OPEN
 * and CREATE with FOPEN_PASSTHROUGH, the device's backing_id and one map
 * record (type 33 or 34) after fuse_open_out.
 *
 * famfsd's choices (daemon/wire.c, backing.c, openreply.c):
 *  - Data path: -d auto echoes FUSE_PASSTHROUGH_DAX only when the kernel
 *    offered it and FUSE_PASSTHROUGH, and device 0 is a devdax character
 *    device (an image file never qualifies). Right after the INIT reply is
 *    written (never from the init callback: EPERM) device 0 is registered;
 *    any error there (EINVAL = a kernel without the proposal) selects the
 *    daemon's own data path with one log line. No request is read before
 *    that decision. -d passthrough fails instead: at startup for a non-dax
 *    device, and at INIT (the INIT reply becomes EPROTO) or right after it
 *    (failed registration) with exit status 2 and one message.
 *  - Devices: index 0 is the mounted device, 1.. come from ADD_DAXDEV log
 *    entries with paths from famfs.conf (daxdevN = PATH). Each is
 *    registered once, on the first open that needs it; a file on a device
 *    without a path fails to open with ENXIO (one log line per device).
 *    All ids are closed (BACKING_CLOSE) at unmount.
 *  - Records: simple maps get type 33, one extent per famfs extent, file
 *    offsets cumulative. Interleaved maps get type 34 (below), one strip
 *    per famfs strip, sent whole, file_size = the file size rounded up
 *    to chunk_size. Per-extent and per-strip backing_id is 0 for the
 *    device of extent/strip 0 (whose id is in fuse_open_out.backing_id),
 *    else that device's id.
 *  - max_open_ext: a file whose record does not fit is served on the
 *    daemon's own path (one log line per open); other files keep dax.
 *    With the kernel's minimum of 4096 bytes every logged file fits: the
 *    largest records are 536 bytes (16 extents) and 416 (16 strips).
 *  - Files still growing on the master (not logged) are served on the
 *    daemon's path. One inode is never open in both modes: while any
 *    handle is open, later opens get the mode of the first (so a file
 *    opened while pending stays on the daemon path until all its handles
 *    close). FOPEN_PASSTHROUGH never comes with KEEP_CACHE or DIRECT_IO.
 */
#ifndef FAMFS_FUSE_DAX_H
#define FAMFS_FUSE_DAX_H

#ifdef __KERNEL__
#include <linux/types.h>
typedef __u8 fd_u8;
typedef __u32 fd_u32;
typedef __s32 fd_s32;
typedef __u64 fd_u64;
#define FD_STATIC_ASSERT(c, m) static_assert(c, m)
#else
#include <stddef.h>
#include <stdint.h>
typedef uint8_t fd_u8;
typedef uint32_t fd_u32;
typedef int32_t fd_s32;
typedef uint64_t fd_u64;
#define FD_STATIC_ASSERT(c, m) _Static_assert(c, m)
#endif

/* ---- stock uapi facts (Linux 6.9+), kept here so no uapi header is needed */

#define FUSE_DAX_INIT_EXT (1u << 30) /* fuse_init_in/out.flags: flags2 valid */
#define FUSE_DAX_WRITEBACK_CACHE (1u << 16) /* never with passthrough */
#define FUSE_DAX_PASSTHROUGH (1ULL << 37) /* flags2 bit 5 */
#define FUSE_DAX_DIRECT_IO_ALLOW_MMAP (1ULL << 36) /* flags2 bit 4 */
#define FOPEN_DAX_DIRECT_IO (1u << 0)
#define FOPEN_DAX_NOFLUSH (1u << 5)
#define FOPEN_DAX_PARALLEL_DIRECT_WRITES (1u << 6)
#define FOPEN_DAX_PASSTHROUGH (1u << 7)

/* FUSE_DEV_IOC_BACKING_OPEN = _IOW(229, 1, struct fuse_backing_map) */
#define FUSE_DAX_IOC_BACKING_OPEN 0x4010E501u
/* FUSE_DEV_IOC_BACKING_CLOSE = _IOW(229, 2, uint32_t) */
#define FUSE_DAX_IOC_BACKING_CLOSE 0x4004E502u

/* Opcodes the daemon's raw hooks and the test emulator look at. */
#define FUSE_DAX_OP_LOOKUP 1u
#define FUSE_DAX_OP_FORGET 2u
#define FUSE_DAX_OP_OPEN 14u
#define FUSE_DAX_OP_READ 15u
#define FUSE_DAX_OP_WRITE 16u
#define FUSE_DAX_OP_RELEASE 18u
#define FUSE_DAX_OP_INIT 26u
#define FUSE_DAX_OP_CREATE 35u

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

/* struct fuse_out_header: 16 bytes before every reply's payload. */
struct fuse_dax_out_header {
	fd_u32 len; /* whole reply, header included */
	fd_s32 error; /* 0 or -errno */
	fd_u64 unique;
};
FD_STATIC_ASSERT(sizeof(struct fuse_dax_out_header) == 16, "out_header");

/* fuse_init_in: the fields the proposal reads (first 64 bytes). */
struct fuse_dax_init_in {
	fd_u32 major; /* protocol major (7) */
	fd_u32 minor; /* protocol minor */
	fd_u32 max_readahead;
	fd_u32 flags; /* low 32 capability bits */
	fd_u32 flags2; /* high 32 bits, valid with FUSE_DAX_INIT_EXT */
	fd_u32 max_open_ext; /* was unused[0]: see FUSE_PASSTHROUGH_DAX */
	fd_u32 unused[10];
};
FD_STATIC_ASSERT(sizeof(struct fuse_dax_init_in) == 64, "init_in size");
FD_STATIC_ASSERT(offsetof(struct fuse_dax_init_in, flags2) == 16, "flags2");
FD_STATIC_ASSERT(offsetof(struct fuse_dax_init_in, max_open_ext) == 20,
		 "max_open_ext");

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

/* struct fuse_backing_map: 16 bytes, unchanged; flags gains one bit. */
struct fuse_dax_backing_map {
	fd_s32 fd; /* open fd of the backing object in the caller */
	fd_u32 flags; /* FUSE_BACKING_DAX or 0; anything else: EINVAL */
	fd_u64 padding; /* must be 0 */
};
FD_STATIC_ASSERT(sizeof(struct fuse_dax_backing_map) == 16, "backing_map");

/* struct fuse_open_out: 16 bytes. */
struct fuse_dax_open_out {
	fd_u64 fh;
	fd_u32 open_flags; /* FOPEN_*; dax: FOPEN_PASSTHROUGH, no KEEP_CACHE */
	fd_s32 backing_id; /* FUSE_BACKING_DAX registration */
};
FD_STATIC_ASSERT(sizeof(struct fuse_dax_open_out) == 16, "open_out");

/* struct fuse_ext_header: 8 bytes, as in the request-side extensions. */
struct fuse_dax_ext_header {
	fd_u32 size; /* bytes of this record incl. header; multiple of 8 */
	fd_u32 type; /* FUSE_EXT_DAX_* */
};
FD_STATIC_ASSERT(sizeof(struct fuse_dax_ext_header) == 8, "ext header");

/* ---- the proposal (EXPERIMENTAL numbers) --------------------------------- */

/*
 * INIT flags2 bit 12: the kernel accepts FUSE_BACKING_DAX maps and the
 * OPEN/CREATE reply extension; fuse_init_in.max_open_ext is valid. The
 * daemon echoes it (with FUSE_PASSTHROUGH). Bit 43 is taken by mainline
 * 7.3 (FUSE_HAS_IO_URING_BUFPOOL) and by out-of-tree famfs.
 */
#define FUSE_PASSTHROUGH_DAX (1ULL << 44)
/* Kernel rule: max_open_ext >= 4096 when offered. */
#define FUSE_DAX_MIN_OPEN_EXT 4096u
#define FUSE_DAX_DEFAULT_OPEN_EXT 65536u

/*
 * fuse_backing_map.flags: the fd is a devdax character device. Kernel
 * rules: needs fc->passthrough_dax (else EPERM), CAP_SYS_ADMIN and
 * CAP_SYS_RAWIO (EPERM), S_ISCHR devdax (ENODEV), an exclusive holder
 * (EBUSY). A kernel without the proposal answers EINVAL (flags must be 0):
 * that doubles as the runtime probe.
 */
#define FUSE_BACKING_DAX (1u << 0)

/*
 * Extension record after fuse_open_out: the file's extent list. Rules:
 * extents sorted by file_offset, starting at 0, contiguous, no overlap;
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
			      FUSE_BACKING_DAX id (multi-device files) */
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
 * as nstrips entries instead of one extent per chunk (unrolled, a 64 GiB
 * file would be 1 MiB of type-33 extents, far over max_open_ext). Sent
 * by famfsd for every interleaved file and accepted by kernel/.
 * EXPERIMENTAL: a real ABI needs its own INIT bit for it (a kernel that
 * knows only type 33 rejects it); here it rides on FUSE_PASSTHROUGH_DAX.
 * Address math: chunk
 * c = off / chunk_size, strip s = c % nstrips, row r = c / nstrips,
 * device offset = strip[s].dax_offset + r * chunk_size + off % chunk_size.
 * Rules: 1 <= nstrips <= 64; chunk_size a power of two and a multiple of
 * the device alignment; each strip's length a multiple of chunk_size and
 * long enough for file_size; dax_offset aligned, inside the device;
 * record size == 32 + 24 * nstrips; flags 0. file_size is the file's
 * size rounded up to chunk_size (non-zero, a multiple of chunk_size);
 * strip s must hold the rows of every chunk c < file_size / chunk_size
 * with c % nstrips == s. Strip backing_id: as for extents. Violations:
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
