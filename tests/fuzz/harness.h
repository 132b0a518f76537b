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

#endif
