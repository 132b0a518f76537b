/* SPDX-License-Identifier: Apache-2.0 */
/*
 * An independent decoder for FUSE replies, written from the spec text
 * (spec/fuse-api.md 2.3, 2.4, 3.3): it shares no header with the daemon, so
 * a layout mistake in one is caught by the other. Every decoder checks the
 * kernel's validation rules and says which one failed.
 */
#ifndef PROTO_DECODE_H
#define PROTO_DECODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Numbers re-declared from the spec (section in brackets). */
#define DEC_INIT_EXT (1ULL << 30) /* 2.3 */
#define DEC_WRITEBACK_CACHE (1ULL << 16)
#define DEC_ALLOW_MMAP (1ULL << 36) /* 7.2 */
#define DEC_PASSTHROUGH (1ULL << 37) /* 2.3 */
#define DEC_FOPEN_DIRECT_IO (1u << 0)
#define DEC_FOPEN_KEEP_CACHE (1u << 1)
#define DEC_FOPEN_NOFLUSH (1u << 5)
#define DEC_FOPEN_PARALLEL_DIRECT_WRITES (1u << 6)
#define DEC_FOPEN_PASSTHROUGH (1u << 7)
#define DEC_EXT_EXTENTS 33u /* 3.3.3 */
#define DEC_EXT_STRIPES 34u /* 3.3.3 "type 34"; layout: fuse_dax.h text */
#define DEC_MAX_STRIPS 64
#define DEC_IOC_BACKING_OPEN 0x4010E501u /* 2.2 */
#define DEC_IOC_BACKING_CLOSE 0x4004E502u
/* famfs's OPEN-reply form: famfuse-only ioctls (fuse_dax.h section 2). */
#define DEC_IOC_FAMFUSE_PROBE 0x8010F501u
#define DEC_IOC_FAMFUSE_ENABLE 0x4010F502u
#define DEC_IOC_FAMFUSE_DAX_OPEN 0x4010F503u
#define DEC_FAMFUSE_VERSION 2u

/* 7.47 (spec/fuse-extmap.md section 1). */
#define DEC47_MINOR 47u
#define DEC47_HAS_SYNCFS (1ULL << 44)
#define DEC47_BACKING_IS_DEV (1u << 0)
#define DEC47_BACKING_ID_64 (1u << 30)
#define DEC47_NOTIFY_BACKING_CLOSE 10
#define DEC47_NOTIFY_MAP 11
#define DEC47_MAP_CREATE (1u << 0)
#define DEC47_MAP_CYCLIC (1u << 1)
#define DEC47_MAX_EXTENTS 1638u
#define DEC47_ATTR_DAX (1u << 1)

#define DEC_MAX_EXT 16384

struct dec_init {
	uint32_t major, minor;
	uint64_t flags; /* flags | flags2 << 32 */
	uint32_t max_stack_depth;
};

struct dec_extent {
	uint64_t file_offset, dax_offset, length;
	int32_t backing_id;
};

struct dec_open {
	uint64_t fh;
	uint32_t open_flags;
	int32_t backing_id;
	uint32_t rec_type; /* 0: no extension; else 33 or 34 */
	uint32_t nr; /* extents (33) or strips (34) */
	uint64_t chunk_size, file_size; /* 34 only */
	/* 33: the extents. 34: the strips (file_offset 0, unused). */
	struct dec_extent ext[DEC_MAX_EXT];
};

/*
 * Each returns 0 or -1 with a one-line reason in @why (@wlen bytes).
 * @msg/@len: a whole reply (out header included).
 */
int dec_out_header(const void *msg, size_t len, uint64_t *unique,
		   int32_t *error, char *why, size_t wlen);
int dec_init_reply(const void *msg, size_t len, struct dec_init *out, char *why,
		   size_t wlen);
/*
 * OPEN (entry = false) or CREATE (entry = true: fuse_entry_out first).
 * @max_ext: bytes of extension allowed (0 = none negotiated: any byte
 * after fuse_open_out is an error). @align: extent alignment to enforce.
 */
int dec_open_reply(const void *msg, size_t len, bool entry, size_t max_ext,
		   uint64_t align, struct dec_open *out, char *why,
		   size_t wlen);

/* ---- 7.47 (decode47.c) ---------------------------------------------- */

struct dec47_extent {
	uint64_t offset, length, backing_id, addr;
};

struct dec47_map {
	uint64_t id;
	uint32_t n, flags;
	uint64_t cycle; /* CYCLIC: chunk * n; else 0 */
	struct dec47_extent ext[DEC47_MAX_EXTENTS];
};

struct dec47_open {
	uint64_t fh;
	uint32_t open_flags; /* FUSE_BACKING_ID_64 removed */
	bool id64; /* FUSE_BACKING_ID_64 was set */
	int32_t backing_id;
	uint64_t backing_id_64;
};

/*
 * A FUSE_NOTIFY_MAP message, with the 7.47 kernel's rules in its order:
 * returns 0, -EINVAL (message rules, cyclic rules) or -EIO (extent
 * rules: reserved, page alignment, overlap), with the reason. Whether
 * each target backing exists is for the caller (it owns the table).
 */
int dec47_notify_map(const void *msg, size_t len, struct dec47_map *out,
		     char *why, size_t wlen);
/* FUSE_NOTIFY_BACKING_CLOSE: 0 or -EINVAL (size, reserved). */
int dec47_backing_close(const void *msg, size_t len, uint64_t *id, char *why,
			size_t wlen);
/*
 * OPEN (entry = false) or CREATE reply on a 7.47 kernel: exactly 24 bytes
 * of fuse_open_out (the dev tree sizes the argument so). Passthrough
 * needs flags within the mask and a backing id.
 */
int dec47_open_reply(const void *msg, size_t len, bool entry,
		     struct dec47_open *out, char *why, size_t wlen);
/* fuse_attr.flags of the fuse_entry_out in an ENTRY/CREATE reply. */
uint32_t dec_entry_attr_flags(const void *msg, size_t len);

#endif /* PROTO_DECODE_H */
