// SPDX-License-Identifier: Apache-2.0
/*
 * Seeded test pattern. The byte at file offset i is byte (i % 8) of a
 * 64-bit word derived from (seed, i / 8) by the splitmix64 finalizer, so
 * any range of any file can be filled or checked on its own, by the CLI or
 * through a mount, and both agree. One mix per 8 bytes keeps it well above
 * memory speed on anything recent.
 */
#include <string.h>

#include "famfs/famfs.h"

static inline uint64_t pattern_word(uint64_t seed, uint64_t k)
{
	uint64_t z = seed + (k + 1) * 0x9e3779b97f4a7c15ULL;

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

uint8_t famfs_pattern_byte(uint64_t seed, uint64_t file_off)
{
	return (uint8_t)(pattern_word(seed, file_off / 8) >>
			 (8 * (file_off % 8)));
}

void famfs_pattern_fill(void *buf, size_t len, uint64_t seed, uint64_t file_off)
{
	uint8_t *p = buf;
	uint64_t k, w;

	/* Head up to a word boundary of the file offset. */
	while (len && file_off % 8) {
		*p++ = famfs_pattern_byte(seed, file_off++);
		len--;
	}
	for (k = file_off / 8; len >= 8; k++, p += 8, len -= 8) {
		w = pattern_word(seed, k); /* little-endian host (format.h) */
		memcpy(p, &w, 8);
	}
	file_off = k * 8;
	while (len--)
		*p++ = famfs_pattern_byte(seed, file_off++);
}

int64_t famfs_pattern_check(const void *buf, size_t len, uint64_t seed,
			    uint64_t file_off)
{
	const uint8_t *p = buf;
	uint64_t off = file_off, w;
	size_t i = 0;

	while (i < len && off % 8) {
		if (p[i] != famfs_pattern_byte(seed, off))
			return (int64_t)off;
		i++;
		off++;
	}
	for (; len - i >= 8; i += 8, off += 8) {
		w = pattern_word(seed, off / 8);
		if (memcmp(p + i, &w, 8))
			break; /* locate the byte below */
	}
	for (; i < len; i++, off++)
		if (p[i] != famfs_pattern_byte(seed, off))
			return (int64_t)off;
	return -1;
}
