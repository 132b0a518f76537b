// SPDX-License-Identifier: Apache-2.0
/*
 * mkfs: zero the log, write its header, then the superblock, flushing each
 * so that a crash leaves either the old state or no valid superblock.
 */
#include <errno.h>
#include <inttypes.h>
#include <string.h>
#include <uuid/uuid.h>

#include "famfs/famfs.h"
#include "util.h"

static int format(struct famfs_dev *dev, const struct famfs_mkfs_opts *o,
		  struct famfs_err *err);

int famfs_mkfs(struct famfs_dev *dev, const struct famfs_mkfs_opts *o,
	       struct famfs_err *err)
{
	int rc;

	if (famfs_dev_is_rdonly(dev))
		return famfs_err_set(err, -1, "device", -EROFS,
				     "opened read-only");
	/* Never format what is in use here, whatever its name. */
	if (famfs_dev_lock(dev, FAMFS_LOCK_USE, true, true))
		return famfs_err_set(
			err, -1, "device", -EBUSY, "%s",
			famfs_dev_lock_held(dev, FAMFS_LOCK_SERVE) ?
				"served by famfsd on this host; unmount it "
				"first" :
				"in use by another famfs command on this host");
	rc = format(dev, o, err);
	/* Back to shared: the caller still has it open. */
	famfs_dev_lock(dev, FAMFS_LOCK_USE, false, true);
	return rc;
}

static int format(struct famfs_dev *dev, const struct famfs_mkfs_opts *o,
		  struct famfs_err *err)
{
	uint8_t *base = famfs_dev_addr(dev);
	uint64_t size = famfs_dev_size(dev);
	uint64_t log_len = o->log_len ? o->log_len : FAMFS_LOG_LEN_DEFAULT;
	unsigned version = o->version ? o->version : FAMFS_VERSION_DEFAULT;
	struct famfs_omf_superblock sb, old;
	struct famfs_omf_log_header h;
	const char *name = famfs_dev_path(dev);

	memcpy(&old, base, sizeof(old));
	if (old.magic == FAMFS_SUPER_MAGIC && !o->force)
		return famfs_err_set(
			err, -1, "superblock", -EEXIST,
			"a famfs superblock exists (version %" PRIu64
			"); use --force to overwrite",
			old.version);
	if (o->kill) {
		if (!o->force)
			return famfs_err_set(err, -1, "kill", -EINVAL,
					     "--kill needs --force");
		memset(base, 0, sizeof(uint64_t));
		famfs_dev_flush(dev, base, sizeof(uint64_t));
		return 0;
	}
	if (version != FAMFS_VERSION_47 && version != FAMFS_VERSION_48)
		return famfs_err_set(err, -1, "omf-version", -EINVAL,
				     "%u (must be 47 or 48)", version);
	if (!famfs_is_pow2(log_len) || log_len < FAMFS_LOG_LEN_MIN)
		return famfs_err_set(err, -1, "loglen", -EINVAL,
				     "%" PRIu64
				     " (must be a power of two >= 8 MiB)",
				     log_len);
	if (!o->allow_small && size < FAMFS_DEVICE_MIN)
		return famfs_err_set(
			err, -1, "device", -ENOSPC,
			"%" PRIu64 " bytes; famfs needs at least 4 GiB", size);
	if (size < FAMFS_LOG_OFFSET + log_len + FAMFS_ALLOC_UNIT)
		return famfs_err_set(err, -1, "device", -ENOSPC,
				     "%" PRIu64
				     " bytes leave no room for data after a "
				     "%" PRIu64 "-byte log",
				     size, log_len);

	/* Invalidate any old superblock first: a crash leaves no fs. */
	memset(base, 0, sizeof(uint64_t));
	famfs_dev_flush(dev, base, sizeof(uint64_t));

	memset(base + FAMFS_LOG_OFFSET, 0, log_len);
	famfs_log_header_init(&h, log_len);
	memcpy(base + FAMFS_LOG_OFFSET, &h, sizeof(h));
	famfs_dev_flush(dev, base + FAMFS_LOG_OFFSET, log_len);

	memset(&sb, 0, sizeof(sb));
	sb.magic = FAMFS_SUPER_MAGIC;
	sb.version = version;
	sb.log_offset = FAMFS_LOG_OFFSET;
	sb.log_len = log_len;
	sb.alloc_unit = FAMFS_ALLOC_UNIT;
	sb.omf_ver_major = FAMFS_OMF_MAJOR;
	sb.omf_ver_minor = version == FAMFS_VERSION_47 ? FAMFS_OMF_MINOR_47 :
							 FAMFS_OMF_MINOR_48;
	uuid_generate(sb.fs_uuid.b);
	uuid_generate(sb.dev_uuid.b);
	sb.system_uuid = o->system_uuid;
	sb.daxdev.size = size;
	/* Bounded like upstream: not NUL-terminated at 64 characters. */
	memcpy(sb.daxdev.name, name, strnlen(name, sizeof(sb.daxdev.name)));
	famfs_sb_seal(&sb);

	/* Whole 2 MiB region zeroed: no stale sb_flags or junk. */
	memset(base, 0, FAMFS_SUPERBLOCK_SIZE);
	memcpy(base + sizeof(uint64_t), (uint8_t *)&sb + sizeof(uint64_t),
	       sizeof(sb) - sizeof(uint64_t));
	famfs_dev_flush(dev, base, FAMFS_SUPERBLOCK_SIZE);
	/* The magic last, so a torn mkfs never looks valid. */
	memcpy(base, &sb.magic, sizeof(sb.magic));
	famfs_dev_flush(dev, base, sizeof(sb.magic));
	return 0;
}
