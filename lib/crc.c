// SPDX-License-Identifier: Apache-2.0
/* famfs checksums are plain zlib crc32 (CRC-32/ISO-HDLC) seeded with 0. */
#include <zlib.h>

#include "famfs/famfs.h"

uint32_t famfs_crc(const void *buf, size_t len)
{
	uLong c = crc32(0L, Z_NULL, 0);
	const Bytef *p = buf;

	/* zlib takes uInt lengths; feed huge buffers in pieces. */
	while (len > 0) {
		uInt n = len > (1u << 30) ? (1u << 30) : (uInt)len;

		c = crc32(c, p, n);
		p += n;
		len -= n;
	}
	return (uint32_t)c;
}
