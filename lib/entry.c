// SPDX-License-Identifier: Apache-2.0
/* Log entries: the isolated checks (seq, CRC, fields) and the encoders. */
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "ns_internal.h"
#include "util.h"

/* relpath: NUL inside the 80 bytes, zero padding after it, path rules. */
static int check_relpath(const char *rp, int64_t index, struct famfs_err *err)
{
	size_t len = strnlen(rp, FAMFS_MAX_PATHLEN);
	int rc;

	if (len == FAMFS_MAX_PATHLEN)
		return famfs_err_set(err, index, "relpath", -EINVAL,
				     "not NUL-terminated within %d bytes",
				     FAMFS_MAX_PATHLEN);
	if (!famfs_all_zero(rp + len, FAMFS_MAX_PATHLEN - len))
		return famfs_err_set(err, index, "relpath", -EINVAL,
				     "bytes after the terminating NUL");
	rc = famfs_path_check(rp, err);
	if (rc && err)
		err->index = index;
	return rc;
}

static int check_mode(uint32_t mode, int64_t index, struct famfs_err *err)
{
	if (mode & ~07777u)
		return famfs_err_set(err, index, "mode", -EINVAL,
				     "0%o has bits outside 07777", mode);
	return 0;
}

static int check_file(const struct famfs_omf_log_entry *e, int64_t index,
		      const struct famfs_geom *g, struct famfs_err *err,
		      struct famfs_fmap *m)
{
	const struct famfs_omf_file *f = &e->u.file;
	int rc;

	rc = check_relpath(f->relpath, index, err);
	if (rc)
		return rc;
	rc = check_mode(f->mode, index, err);
	if (rc)
		return rc;
	if (f->flags &
	    ~(FAMFS_FILE_FLAG_ALL_HOSTS_RO | FAMFS_FILE_FLAG_ALL_HOSTS_RW))
		return famfs_err_set(err, index, "flags", -EINVAL,
				     "unknown file flags 0x%x", f->flags);
	rc = famfs_fmap_decode(&f->fmap, m, index, err);
	if (rc)
		return rc;
	return famfs_fmap_check(m, f->size, g, index, err);
}

static int check_mkdir(const struct famfs_omf_log_entry *e, int64_t index,
		       struct famfs_err *err)
{
	const struct famfs_omf_mkdir *d = &e->u.mkdir;
	int rc;

	rc = check_relpath(d->relpath, index, err);
	if (rc)
		return rc;
	rc = check_mode(d->mode, index, err);
	if (rc)
		return rc;
	if (!famfs_all_zero((const uint8_t *)d + sizeof(*d),
			    sizeof(e->u) - sizeof(*d)))
		return famfs_err_set(err, index, "mkdir", -EINVAL,
				     "unused payload bytes are not zero");
	return 0;
}

static int check_daxdev(const struct famfs_omf_log_entry *e, int64_t index,
			const struct famfs_geom *g, struct famfs_err *err)
{
	const struct famfs_omf_add_daxdev *d = &e->u.daxdev;
	static const struct famfs_omf_uuid zero;

	if (g->version < FAMFS_VERSION_48)
		return famfs_err_set(err, index, "type", -EINVAL,
				     "ADD_DAXDEV in a version %u log",
				     g->version);
	if (d->pad0 || !famfs_all_zero((const uint8_t *)d + sizeof(*d),
				       sizeof(e->u) - sizeof(*d)))
		return famfs_err_set(err, index, "add_daxdev", -EINVAL,
				     "unused payload bytes are not zero");
	if (d->dd_size == 0 || d->dd_size % FAMFS_ALLOC_UNIT)
		return famfs_err_set(err, index, "dd_size", -EINVAL,
				     "%" PRIu64
				     " is not a non-zero multiple of 2 MiB",
				     d->dd_size);
	if (d->dd_size > FAMFS_DEVICE_MAX)
		return famfs_err_set(err, index, "dd_size", -EINVAL,
				     "%" PRIu64 " bytes is above the %" PRIu64
				     " this reader supports",
				     d->dd_size, FAMFS_DEVICE_MAX);
	if (!memcmp(&d->dd_uuid, &zero, sizeof(zero)))
		return famfs_err_set(err, index, "dd_uuid", -EINVAL,
				     "device uuid is all zero");
	if (d->dd_index != g->ndevs)
		return famfs_err_set(err, index, "dd_index", -EINVAL,
				     "%u out of order (next is %u)",
				     d->dd_index, g->ndevs);
	if (d->dd_index >= FAMFS_MAX_DAXDEVS)
		return famfs_err_set(err, index, "dd_index", -EINVAL,
				     "%u exceeds the %d-device limit",
				     d->dd_index, FAMFS_MAX_DAXDEVS);
	for (unsigned i = 0; i < g->ndevs; i++)
		if (!memcmp(&g->dev_uuid[i], &d->dd_uuid, sizeof(zero)))
			return famfs_err_set(err, index, "dd_uuid", -EINVAL,
					     "duplicates device %u", i);
	return 0;
}

int ns_entry_check(const struct famfs_omf_log_entry *e, uint64_t index,
		   const struct famfs_geom *g, struct famfs_err *err,
		   struct famfs_fmap *m)
{
	int64_t ix = (int64_t)index;
	uint32_t crc;

	if (e->seqnum != index)
		return famfs_err_set(err, ix, "seqnum", -EBADMSG,
				     "%" PRIu64 " (expected %" PRIu64 ")",
				     e->seqnum, index);
	crc = famfs_crc(e, FAMFS_LOG_ENTRY_CRC_LEN);
	if (e->crc != crc)
		return famfs_err_set(err, ix, "crc", -EBADMSG,
				     "stored 0x%" PRIx64 ", computed 0x%08x",
				     e->crc, crc);
	if (e->pad0)
		return famfs_err_set(err, ix, "pad", -EINVAL,
				     "padding is not zero");
	switch (e->type) {
	case FAMFS_OMF_LOG_FILE:
		return check_file(e, ix, g, err, m);
	case FAMFS_OMF_LOG_MKDIR:
		return check_mkdir(e, ix, err);
	case FAMFS_OMF_LOG_ADD_DAXDEV:
		return check_daxdev(e, ix, g, err);
	default:
		return famfs_err_set(err, ix, "type", -EINVAL,
				     "unsupported entry type %u", e->type);
	}
}

int famfs_entry_check(const struct famfs_omf_log_entry *e, uint64_t index,
		      const struct famfs_geom *g, struct famfs_err *err)
{
	struct famfs_fmap m;

	return ns_entry_check(e, index, g, err, &m);
}

static int copy_path(char *dst, const char *path)
{
	int rc = famfs_path_check(path, NULL);

	if (rc)
		return rc;
	memcpy(dst, path, strlen(path)); /* rest already zero */
	return 0;
}

static void seal(struct famfs_omf_log_entry *e)
{
	e->crc = famfs_crc(e, FAMFS_LOG_ENTRY_CRC_LEN);
}

int famfs_entry_make_mkdir(struct famfs_omf_log_entry *e, uint64_t seq,
			   const char *path, uint32_t mode, uint32_t uid,
			   uint32_t gid)
{
	int rc;

	memset(e, 0, sizeof(*e));
	if (mode & ~07777u)
		return -EINVAL;
	e->seqnum = seq;
	e->type = FAMFS_OMF_LOG_MKDIR;
	e->u.mkdir.uid = uid;
	e->u.mkdir.gid = gid;
	e->u.mkdir.mode = mode;
	rc = copy_path(e->u.mkdir.relpath, path);
	if (rc)
		return rc;
	seal(e);
	return 0;
}

int famfs_entry_make_file(struct famfs_omf_log_entry *e, uint64_t seq,
			  const char *path, uint32_t mode, uint32_t uid,
			  uint32_t gid, uint64_t size,
			  const struct famfs_fmap *m)
{
	int rc;

	memset(e, 0, sizeof(*e));
	if (mode & ~07777u || size == 0 || !m->count ||
	    (m->type == FAMFS_FMAP_SIMPLE &&
	     m->count > FAMFS_MAX_SIMPLE_EXTENTS) ||
	    (m->type == FAMFS_FMAP_INTERLEAVE && m->count > FAMFS_MAX_STRIPS))
		return -EINVAL;
	e->seqnum = seq;
	e->type = FAMFS_OMF_LOG_FILE;
	e->u.file.size = size;
	e->u.file.flags = FAMFS_FILE_FLAG_ALL_HOSTS_RW;
	e->u.file.uid = uid;
	e->u.file.gid = gid;
	e->u.file.mode = mode;
	rc = copy_path(e->u.file.relpath, path);
	if (rc)
		return rc;
	famfs_fmap_encode(m, &e->u.file.fmap);
	seal(e);
	return 0;
}

int famfs_entry_make_daxdev(struct famfs_omf_log_entry *e, uint64_t seq,
			    uint64_t dd_size, const struct famfs_omf_uuid *uuid,
			    uint32_t dd_index)
{
	memset(e, 0, sizeof(*e));
	e->seqnum = seq;
	e->type = FAMFS_OMF_LOG_ADD_DAXDEV;
	e->u.daxdev.dd_size = dd_size;
	e->u.daxdev.dd_uuid = *uuid;
	e->u.daxdev.dd_index = dd_index;
	seal(e);
	return 0;
}
