/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fuzz harness bodies, shared by the libFuzzer targets (clang, -Dfuzz=true)
 * and by the regression driver that replays saved inputs in every build.
 * Each function takes arbitrary bytes, drives the library and abort()s when
 * an invariant is broken; returning means the input was handled correctly.
 */
#ifndef FAMFS_FUZZ_HARNESS_H
#define FAMFS_FUZZ_HARNESS_H

#include <stddef.h>
#include <stdint.h>

#include "famfs/famfs.h"

/*
 * Input flag byte (first byte of every input): bits that make the harness
 * repair checksums and counters, so mutations get past the CRC checks.
 */
#define FZ_FIX_SB_CRC 0x01u /* reseal the superblock */
#define FZ_FIX_HDR_CRC 0x02u /* reseal the log header */
#define FZ_FIX_ENTRY_CRC 0x04u /* reseal entries (image, entry targets) */
#define FZ_FIX_SEQNUM 0x08u /* seqnum = slot index */
#define FZ_FIX_NEXT 0x10u /* header next_index/seqnum = entries given */
#define FZ_FIX_LOGLEN 0x20u /* force log_len = 8 MiB in sb and header */
/* Without it the device size is cut to 1 TiB (a 64 KiB bitmap): a 1 PiB
 * one costs a 64 MiB bitmap per run, and the rules are the same. */
#define FZ_BIG_DEV 0x40u

/* (a) superblock + log header: [flags][sb 200][log header 48][avail 8]. */
int fz_header(const uint8_t *data, size_t size);
/*
 * (b) whole image: [flags][torn slot][sb 200][log header 48][entries...];
 * an 8 MiB log, the given entries in its first slots, replayed with and
 * without FAMFS_REPLAY_SKIP_TORN, then the namespace walked.
 */
int fz_image(const uint8_t *data, size_t size);
/* (c) one entry: [flags][geometry][index][entry 544] against fixed geometries. */
int fz_entry(const uint8_t *data, size_t size);
/*
 * (d) allocator and writer on top of a replayed log:
 * [flags][torn][nops][ops: 3 bytes each][sb 200][log header 48][entries...]
 * (alloc_harness.c). Whatever the log holds, no unit that any entry with
 * a good CRC maps inside the device is ever handed out, nothing is
 * allocated on a log not read whole, and what the writer appends replays
 * served, on free units.
 */
int fz_alloc(const uint8_t *data, size_t size);

/* The image fz_image and fz_alloc build (static storage, reused). */
struct fz_img {
	struct famfs_omf_superblock *sb;
	uint8_t *log; /* 8 MiB log region */
	struct famfs_omf_log_header *h;
	uint64_t nent; /* entries the input gave */
	size_t used; /* log bytes that may be non-zero */
};

/* An invariant broke: print where and abort (a fuzzer crash). */
void fz_fail(const char *file, int line, const char *what)
	__attribute__((noreturn));
#define FZ_ASSERT(cond)                                     \
	do {                                                \
		if (!(cond))                                \
			fz_fail(__FILE__, __LINE__, #cond); \
	} while (0)

void fz_build(unsigned flags, unsigned torn, const uint8_t *data, size_t size,
	      struct fz_img *out);
#define FZ_LOG_LEN FAMFS_LOG_LEN_DEFAULT
#define FZ_META_LEN (FAMFS_LOG_OFFSET + FZ_LOG_LEN)

#endif
