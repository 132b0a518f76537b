// SPDX-License-Identifier: Apache-2.0
/* Reply decoder from the spec text; byte offsets, no shared structs. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "decode.h"

static uint32_t u32(const uint8_t *p, size_t off)
{
	uint32_t v;

	memcpy(&v, p + off, 4);
	return v;
}

static uint64_t u64(const uint8_t *p, size_t off)
{
	uint64_t v;

	memcpy(&v, p + off, 8);
	return v;
}

static int fail(char *why, size_t wlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int fail(char *why, size_t wlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, wlen, fmt, ap);
	va_end(ap);
	return -1;
}

/* fuse_out_header: len@0 u32, error@4 s32, unique@8 u64 (16 bytes). */
int dec_out_header(const void *msg, size_t len, uint64_t *unique,
		   int32_t *error, char *why, size_t wlen)
{
	const uint8_t *p = msg;

	if (len < 16)
		return fail(why, wlen, "reply of %zu bytes < 16", len);
	if (u32(p, 0) != len)
		return fail(why, wlen, "out.len %u != %zu bytes received",
			    u32(p, 0), len);
	*error = (int32_t)u32(p, 4);
	*unique = u64(p, 8);
	if (*error > 0 || *error < -4095)
		return fail(why, wlen, "error %d not 0 or -errno", *error);
	if (*error && len != 16)
		return fail(why, wlen, "error reply with %zu bytes", len);
	return 0;
}

/* fuse_init_out (64): flags@12, flags2@32, max_stack_depth@36. */
int dec_init_reply(const void *msg, size_t len, struct dec_init *out, char *why,
		   size_t wlen)
{
	const uint8_t *p = (const uint8_t *)msg + 16;
	uint64_t unique;
	int32_t err;

	if (dec_out_header(msg, len, &unique, &err, why, wlen))
		return -1;
	if (err)
		return fail(why, wlen, "INIT failed: %d", err);
	if (len != 16 + 64)
		return fail(why, wlen, "INIT reply payload %zu, want 64",
			    len - 16);
	out->major = u32(p, 0);
	out->minor = u32(p, 4);
	out->flags = u32(p, 12);
	if (out->flags & DEC_INIT_EXT)
		out->flags |= (uint64_t)u32(p, 32) << 32;
	else if (u32(p, 32))
		return fail(why, wlen, "flags2 set without INIT_EXT");
	out->max_stack_depth = u32(p, 36);
	/* Kernel acceptance of passthrough (2.3). */
	if (out->flags & DEC_PASSTHROUGH) {
		if (out->max_stack_depth < 1 || out->max_stack_depth > 2)
			return fail(why, wlen, "max_stack_depth %u not 1..2",
				    out->max_stack_depth);
		if (out->flags & DEC_WRITEBACK_CACHE)
			return fail(why, wlen,
				    "WRITEBACK_CACHE with PASSTHROUGH");
	}
	return 0;
}

/* Type 33: hdr(8) nr@8 flags@12 reserved@16, extents of 32 from 24. */
static int dec_extents(const uint8_t *r, uint32_t size, uint64_t align,
		       struct dec_open *o, char *why, size_t wlen)
{
	uint64_t next = 0;

	if (size < 24)
		return fail(why, wlen, "extent record of %u bytes", size);
	o->nr = u32(r, 8);
	if (u32(r, 12) || u64(r, 16))
		return fail(why, wlen, "record flags/reserved not zero");
	if (!o->nr || o->nr > DEC_MAX_EXT)
		return fail(why, wlen, "nr_extents %u", o->nr);
	if (size != 24 + 32ULL * o->nr)
		return fail(why, wlen, "record size %u != 24 + 32 * %u", size,
			    o->nr);
	for (uint32_t i = 0; i < o->nr; i++) {
		const uint8_t *e = r + 24 + 32 * i;
		struct dec_extent *x = &o->ext[i];

		x->file_offset = u64(e, 0);
		x->dax_offset = u64(e, 8);
		x->length = u64(e, 16);
		x->backing_id = (int32_t)u32(e, 24);
		if (u32(e, 28))
			return fail(why, wlen, "extent %u flags not zero", i);
		if (x->file_offset != next)
			return fail(why, wlen,
				    "extent %u at file offset %llu, want %llu",
				    i, (unsigned long long)x->file_offset,
				    (unsigned long long)next);
		if (!x->length)
			return fail(why, wlen, "extent %u has length 0", i);
		if (align && (x->dax_offset % align || x->length % align))
			return fail(why, wlen, "extent %u not aligned", i);
		if (x->backing_id < 0)
			return fail(why, wlen, "extent %u backing id %d", i,
				    x->backing_id);
		next += x->length;
	}
	return 0;
}

/*
 * Type 34: hdr(8) nstrips@8 flags@12 chunk_size@16 file_size@24, strips
 * of 24 (dax_offset, length, s32 backing_id, u32 flags) from 32. Chunk c
 * is in strip c % nstrips, row c / nstrips.
 */
static int dec_stripes(const uint8_t *r, uint32_t size, uint64_t align,
		       struct dec_open *o, char *why, size_t wlen)
{
	uint64_t cs, nchunks;

	if (size < 32)
		return fail(why, wlen, "stripe record of %u bytes", size);
	o->nr = u32(r, 8);
	cs = o->chunk_size = u64(r, 16);
	o->file_size = u64(r, 24);
	if (u32(r, 12))
		return fail(why, wlen, "stripe record flags not zero");
	if (!o->nr || o->nr > DEC_MAX_STRIPS)
		return fail(why, wlen, "nstrips %u", o->nr);
	if (size != 32 + 24ULL * o->nr)
		return fail(why, wlen, "record size %u != 32 + 24 * %u", size,
			    o->nr);
	if (!cs || (cs & (cs - 1)) || (align && cs % align))
		return fail(why, wlen, "chunk size %llu",
			    (unsigned long long)cs);
	if (!o->file_size || o->file_size % cs)
		return fail(why, wlen, "file size %llu, chunk %llu",
			    (unsigned long long)o->file_size,
			    (unsigned long long)cs);
	nchunks = o->file_size / cs;
	for (uint32_t i = 0; i < o->nr; i++) {
		const uint8_t *e = r + 32 + 24 * i;
		struct dec_extent *x = &o->ext[i];
		uint64_t rows = nchunks > i ? (nchunks - i - 1) / o->nr + 1 : 0;

		x->file_offset = 0;
		x->dax_offset = u64(e, 0);
		x->length = u64(e, 8);
		x->backing_id = (int32_t)u32(e, 16);
		if (u32(e, 20))
			return fail(why, wlen, "strip %u flags not zero", i);
		if (align && x->dax_offset % align)
			return fail(why, wlen, "strip %u not aligned", i);
		if (x->length % cs)
			return fail(why, wlen,
				    "strip %u: %llu bytes, not whole "
				    "chunks",
				    i, (unsigned long long)x->length);
		if (x->length / cs < rows)
			return fail(why, wlen,
				    "strip %u: %llu rows, %llu needed", i,
				    (unsigned long long)(x->length / cs),
				    (unsigned long long)rows);
		if (x->backing_id < 0)
			return fail(why, wlen, "strip %u backing id %d", i,
				    x->backing_id);
	}
	return 0;
}

int dec_open_reply(const void *msg, size_t len, bool entry, size_t max_ext,
		   uint64_t align, struct dec_open *out, char *why, size_t wlen)
{
	const uint8_t *p = msg;
	size_t pos = 16 + (entry ? 128 : 0), ext;
	uint64_t unique;
	int32_t err;
	uint32_t size;

	memset(out, 0, offsetof(struct dec_open, ext));
	if (dec_out_header(msg, len, &unique, &err, why, wlen))
		return -1;
	if (err)
		return fail(why, wlen, "open failed: %d", err);
	if (len < pos + 16)
		return fail(why, wlen, "open reply of %zu bytes", len);
	out->fh = u64(p, pos);
	out->open_flags = u32(p, pos + 8);
	out->backing_id = (int32_t)u32(p, pos + 12);
	pos += 16;
	ext = len - pos;
	if (!(out->open_flags & DEC_FOPEN_PASSTHROUGH)) {
		if (out->backing_id)
			return fail(why, wlen,
				    "backing_id without PASSTHROUGH");
		if (ext)
			return fail(why, wlen, "%zu bytes after open_out", ext);
		return 0;
	}
	/* The kernel's FOPEN_PASSTHROUGH_MASK (2.4). */
	if (out->open_flags &
	    ~(DEC_FOPEN_PASSTHROUGH | DEC_FOPEN_DIRECT_IO |
	      DEC_FOPEN_PARALLEL_DIRECT_WRITES | DEC_FOPEN_NOFLUSH))
		return fail(why, wlen, "open_flags 0x%x outside the mask",
			    out->open_flags);
	if (out->backing_id <= 0)
		return fail(why, wlen, "backing_id %d", out->backing_id);
	if (!ext)
		return 0;
	if (ext > max_ext)
		return fail(why, wlen, "%zu extension bytes > max %zu", ext,
			    max_ext);
	/* Exactly one record here: the map. */
	if (ext < 8)
		return fail(why, wlen, "extension of %zu bytes", ext);
	size = u32(p, pos);
	out->rec_type = u32(p, pos + 4);
	if (size != ext || size % 8)
		return fail(why, wlen, "record size %u, %zu bytes follow", size,
			    ext);
	if (out->rec_type == DEC_EXT_EXTENTS)
		return dec_extents(p + pos, size, align, out, why, wlen);
	if (out->rec_type == DEC_EXT_STRIPES)
		return dec_stripes(p + pos, size, align, out, why, wlen);
	return fail(why, wlen, "unknown record type %u", out->rec_type);
}

/* ---- 7.47 --------------------------------------------------------------- */

static int fail_e(int err, char *why, size_t wlen, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int fail_e(int err, char *why, size_t wlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, wlen, fmt, ap);
	va_end(ap);
	return -err;
}

/*
 * fuse_notify_map_out (32): backing_id@0 num_extents@8 flags@12
 * reserved[2]@16, then fuse_extent (48): offset@0 length@8 backing_id@16
 * addr@24 reserved[2]@32.
 */
int dec47_notify_map(const void *msg, size_t len, struct dec47_map *out,
		     char *why, size_t wlen)
{
	const uint8_t *p = (const uint8_t *)msg + 16;
	size_t size = len - 16;
	uint64_t chunk = 0;

	if (len < 16 || u32(msg, 0) != len || u64(msg, 8) ||
	    (int32_t)u32(msg, 4) != DEC47_NOTIFY_MAP)
		return fail_e(EPROTO, why, wlen, "not a NOTIFY_MAP message");
	if (size < 32)
		return fail_e(EINVAL, why, wlen, "NOTIFY_MAP of %zu bytes",
			      size);
	out->id = u64(p, 0);
	out->n = u32(p, 8);
	out->flags = u32(p, 12);
	out->cycle = 0;
	if (out->n > DEC47_MAX_EXTENTS)
		return fail_e(EINVAL, why, wlen, "num_extents %u > %u", out->n,
			      DEC47_MAX_EXTENTS);
	if (size - 32 != out->n * 48ULL)
		return fail_e(EINVAL, why, wlen,
			      "%zu bytes of extents for num_extents %u",
			      size - 32, out->n);
	if (u64(p, 16) || u64(p, 24))
		return fail_e(EINVAL, why, wlen, "map reserved not zero");
	if (out->flags & ~(DEC47_MAP_CREATE | DEC47_MAP_CYCLIC))
		return fail_e(EINVAL, why, wlen, "map flags 0x%x", out->flags);
	if (!(out->flags & DEC47_MAP_CREATE))
		return fail_e(EINVAL, why, wlen,
			      "adding to a map is not supported");
	if (out->flags & DEC47_MAP_CYCLIC) {
		if (!out->n)
			return fail_e(EINVAL, why, wlen, "cyclic, no extents");
		chunk = u64(p, 32 + 8);
		out->cycle = chunk * out->n;
	}
	for (uint32_t i = 0; i < out->n; i++) {
		const uint8_t *e = p + 32 + 48 * i;
		struct dec47_extent *x = &out->ext[i];

		x->offset = u64(e, 0);
		x->length = u64(e, 8);
		x->backing_id = u64(e, 16);
		x->addr = u64(e, 24);
		if (chunk && (x->offset != chunk * i || x->length != chunk))
			return fail_e(EINVAL, why, wlen,
				      "cyclic extent %u: offset %llu length "
				      "%llu, chunk %llu",
				      i, (unsigned long long)x->offset,
				      (unsigned long long)x->length,
				      (unsigned long long)chunk);
		if (u64(e, 32) || u64(e, 40))
			return fail_e(EIO, why, wlen,
				      "extent %u reserved not zero", i);
		if (x->length % 4096 || x->addr % 4096)
			return fail_e(EIO, why, wlen,
				      "extent %u not page aligned", i);
		for (uint32_t j = 0; j < i; j++) {
			const struct dec47_extent *y = &out->ext[j];

			if (x->offset < y->offset + y->length &&
			    y->offset < x->offset + x->length)
				return fail_e(EIO, why, wlen,
					      "extent %u overlaps extent %u", i,
					      j);
		}
	}
	return 0;
}

int dec47_backing_close(const void *msg, size_t len, uint64_t *id, char *why,
			size_t wlen)
{
	const uint8_t *p = (const uint8_t *)msg + 16;

	if (len != 32)
		return fail_e(EINVAL, why, wlen, "BACKING_CLOSE of %zu bytes",
			      len < 16 ? 0 : len - 16);
	*id = u64(p, 0);
	if (u64(p, 8))
		return fail_e(EINVAL, why, wlen, "BACKING_CLOSE reserved");
	return 0;
}

int dec47_open_reply(const void *msg, size_t len, bool entry,
		     struct dec47_open *out, char *why, size_t wlen)
{
	const uint8_t *p = msg;
	size_t pos = 16 + (entry ? 128 : 0);
	uint64_t unique;
	int32_t err;

	memset(out, 0, sizeof(*out));
	if (dec_out_header(msg, len, &unique, &err, why, wlen))
		return -1;
	if (err)
		return fail(why, wlen, "open failed: %d", err);
	if (len != pos + 24)
		return fail(why, wlen, "open reply of %zu bytes, want %zu", len,
			    pos + 24);
	out->fh = u64(p, pos);
	out->open_flags = u32(p, pos + 8);
	out->backing_id = (int32_t)u32(p, pos + 12);
	out->backing_id_64 = u64(p, pos + 16);
	out->id64 = out->open_flags & DEC47_BACKING_ID_64;
	out->open_flags &= ~DEC47_BACKING_ID_64;
	if (!(out->open_flags & DEC_FOPEN_PASSTHROUGH)) {
		if (out->backing_id || out->backing_id_64 || out->id64)
			return fail(why, wlen,
				    "backing id without PASSTHROUGH");
		return 0;
	}
	if (out->open_flags &
	    ~(DEC_FOPEN_PASSTHROUGH | DEC_FOPEN_DIRECT_IO |
	      DEC_FOPEN_PARALLEL_DIRECT_WRITES | DEC_FOPEN_NOFLUSH))
		return fail(why, wlen, "conflicting open flags 0x%x",
			    out->open_flags);
	if (!out->id64 && out->backing_id <= 0)
		return fail(why, wlen, "invalid backing_id %d",
			    out->backing_id);
	return 0;
}

uint32_t dec_entry_attr_flags(const void *msg, size_t len)
{
	return len >= 16 + 128 ? u32(msg, 16 + 40 + 84) : 0;
}
