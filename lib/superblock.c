// SPDX-License-Identifier: Apache-2.0
/* Superblock and log header: validation and sealing. */
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "famfs/famfs.h"
#include "util.h"

void famfs_sb_seal(struct famfs_omf_superblock *sb)
{
	sb->crc = famfs_crc(sb, FAMFS_SB_CRC_LEN);
}

int famfs_sb_check(const struct famfs_omf_superblock *sb, uint64_t avail,
		   struct famfs_err *err)
{
	uint32_t crc;

	if (sb->magic != FAMFS_SUPER_MAGIC)
		return famfs_err_set(err, -1, "superblock.magic", -EINVAL,
				     "no famfs superblock (magic 0x%" PRIx64
				     ", expected 0x%" PRIx64 ")",
				     sb->magic, FAMFS_SUPER_MAGIC);
	if (sb->version != FAMFS_VERSION_47 && sb->version != FAMFS_VERSION_48)
		return famfs_err_set(err, -1, "superblock.version",
				     -EPROTONOSUPPORT,
				     "unsupported version %" PRIu64
				     " (this build reads 47 and 48)",
				     sb->version);
	crc = famfs_crc(sb, FAMFS_SB_CRC_LEN);
	if (sb->crc != crc)
		return famfs_err_set(err, -1, "superblock.crc", -EBADMSG,
				     "stored 0x%" PRIx64 ", computed 0x%08x",
				     sb->crc, crc);
	if (sb->alloc_unit != FAMFS_ALLOC_UNIT)
		return famfs_err_set(err, -1, "superblock.alloc_unit", -EINVAL,
				     "%" PRIu64 " (only 2 MiB is supported)",
				     sb->alloc_unit);
	if (sb->log_offset != FAMFS_LOG_OFFSET)
		return famfs_err_set(err, -1, "superblock.log_offset", -EINVAL,
				     "0x%" PRIx64 " (must be 0x200000)",
				     sb->log_offset);
	if (!famfs_is_pow2(sb->log_len) || sb->log_len < FAMFS_LOG_LEN_MIN ||
	    sb->log_len > (1ULL << 40))
		return famfs_err_set(err, -1, "superblock.log_len", -EINVAL,
				     "%" PRIu64
				     " (must be a power of two >= 8 MiB)",
				     sb->log_len);
	if (sb->daxdev.size % FAMFS_ALLOC_UNIT ||
	    sb->daxdev.size < FAMFS_LOG_OFFSET + sb->log_len)
		return famfs_err_set(err, -1, "superblock.daxdev.size", -EINVAL,
				     "%" PRIu64
				     " (not 2 MiB aligned or smaller than "
				     "superblock + log)",
				     sb->daxdev.size);
	if (sb->daxdev.size > FAMFS_DEVICE_MAX)
		return famfs_err_set(err, -1, "superblock.daxdev.size", -EINVAL,
				     "%" PRIu64 " bytes is above the %" PRIu64
				     " this reader supports",
				     sb->daxdev.size, FAMFS_DEVICE_MAX);
	if (avail && sb->daxdev.size > avail)
		return famfs_err_set(err, -1, "superblock.daxdev.size", -EINVAL,
				     "%" PRIu64
				     " bytes but the device has %" PRIu64,
				     sb->daxdev.size, avail);
	return 0;
}

void famfs_log_header_init(struct famfs_omf_log_header *h, uint64_t log_len)
{
	memset(h, 0, sizeof(*h));
	h->magic = FAMFS_LOG_MAGIC;
	h->log_len = log_len;
	h->last_index = famfs_log_last_index(log_len);
	h->crc = famfs_crc(h, FAMFS_LOG_HDR_CRC_LEN);
}

int famfs_log_header_check(const struct famfs_omf_log_header *h,
			   uint64_t log_len, struct famfs_err *err)
{
	uint32_t crc;

	if (h->magic != FAMFS_LOG_MAGIC)
		return famfs_err_set(err, -1, "log.magic", -EINVAL,
				     "0x%" PRIx64 " (expected 0x%" PRIx64 ")",
				     h->magic, FAMFS_LOG_MAGIC);
	crc = famfs_crc(h, FAMFS_LOG_HDR_CRC_LEN);
	if (h->crc != crc)
		return famfs_err_set(err, -1, "log.crc", -EBADMSG,
				     "stored 0x%" PRIx64 ", computed 0x%08x",
				     h->crc, crc);
	if (h->log_len != log_len)
		return famfs_err_set(err, -1, "log.log_len", -EINVAL,
				     "%" PRIu64
				     " but the superblock says %" PRIu64,
				     h->log_len, log_len);
	if (h->last_index != famfs_log_last_index(log_len))
		return famfs_err_set(err, -1, "log.last_index", -EINVAL,
				     "%" PRIu64 " (expected %" PRIu64 ")",
				     h->last_index,
				     famfs_log_last_index(log_len));
	if (h->next_index > h->last_index + 1)
		return famfs_err_set(err, -1, "log.next_index", -EUCLEAN,
				     "%" PRIu64
				     " is past the last slot %" PRIu64,
				     h->next_index, h->last_index);
	if (h->next_seqnum != h->next_index)
		return famfs_err_set(err, -1, "log.next_seqnum", -EUCLEAN,
				     "%" PRIu64
				     " differs from next_index %" PRIu64,
				     h->next_seqnum, h->next_index);
	return 0;
}

void famfs_geom_from_sb(struct famfs_geom *g,
			const struct famfs_omf_superblock *sb)
{
	memset(g, 0, sizeof(*g));
	g->version = (unsigned)sb->version;
	g->log_len = sb->log_len;
	g->ndevs = 1;
	g->dev_size[0] = sb->daxdev.size;
	g->dev_uuid[0] = sb->dev_uuid;
}
