// SPDX-License-Identifier: Apache-2.0
/* An opened file system: device + superblock + replayed namespace + role. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fs_internal.h"

void famfs_fs_opts_init(struct famfs_fs_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->role = -1;
}

static void invalidate_noop(const void *addr, size_t len)
{
	(void)addr;
	(void)len;
}

static void invalidate_cpu(const void *addr, size_t len)
{
	famfs_cache_invalidate(addr, len);
}

/* famfsd: SERVE shared; the master also keeps the append lock. */
static int serve_locks(struct famfs_fs *fs, struct famfs_err *err)
{
	int rc = famfs_dev_lock(fs->dev, FAMFS_LOCK_SERVE, false, true);

	if (rc)
		return famfs_err_set(err, -1, "device", rc, "serve lock: %s",
				     strerror(-rc));
	if (fs->role != FAMFS_ROLE_MASTER || famfs_dev_is_rdonly(fs->dev))
		return 0;
	rc = famfs_dev_lock(fs->dev, FAMFS_LOCK_APPEND, true, true);
	if (rc == -EWOULDBLOCK)
		return famfs_err_set(
			err, -1, "device", -EBUSY,
			"another writer on this host holds the log (%s)",
			famfs_dev_lock_held(fs->dev, FAMFS_LOCK_SERVE) ?
				"a famfsd already serves it as master" :
				"a famfs command; retry when it is done");
	if (rc)
		return famfs_err_set(err, -1, "device", rc, "log lock: %s",
				     strerror(-rc));
	fs->append_held = true;
	return 0;
}

int famfs_fs_open(const char *path, const struct famfs_fs_opts *o,
		  struct famfs_fs **out, struct famfs_err *err)
{
	struct famfs_fs_opts defaults;
	struct famfs_fs *fs;
	struct famfs_omf_log_header h;
	uint8_t *base;
	long n;
	int rc;

	if (!o) {
		famfs_fs_opts_init(&defaults);
		o = &defaults;
	}
	fs = calloc(1, sizeof(*fs));
	if (!fs)
		return -ENOMEM;
	rc = famfs_dev_open(path, o->dev_flags, &fs->dev, err);
	if (rc)
		goto err_free;
	base = famfs_dev_addr(fs->dev);
	fs->invalidate =
		famfs_dev_is_dax(fs->dev) ? invalidate_cpu : invalidate_noop;
	fs->invalidate(base, sizeof(fs->sb));
	memcpy(&fs->sb, base, sizeof(fs->sb));
	rc = famfs_sb_check(&fs->sb, famfs_dev_size(fs->dev), err);
	if (rc)
		goto err_dev;
	fs->log = base + FAMFS_LOG_OFFSET;
	fs->invalidate(fs->log, fs->sb.log_len);
	memcpy(&h, fs->log, sizeof(h));
	rc = famfs_log_header_check(&h, fs->sb.log_len, err);
	if (rc)
		goto err_dev;

	if (o->role >= 0) {
		fs->role = (enum famfs_role)o->role;
	} else {
		struct famfs_omf_uuid me;

		/* An unreadable identity makes this host a client. */
		fs->role = FAMFS_ROLE_CLIENT;
		if (!famfs_system_uuid(o->system_uuid_path, true, &me) &&
		    !memcmp(&me, &fs->sb.system_uuid, sizeof(me)))
			fs->role = FAMFS_ROLE_MASTER;
	}
	if (o->serve) {
		rc = serve_locks(fs, err);
		if (rc)
			goto err_dev;
	}
	rc = famfs_ns_create(&fs->sb, &fs->ns);
	if (rc)
		goto err_dev;
	famfs_ns_set_reporter(fs->ns, o->report, o->report_arg);
	n = famfs_ns_replay(fs->ns, fs->log, fs->sb.log_len, fs->invalidate);
	if (n < 0 && n != -EBADMSG) {
		rc = (int)n;
		famfs_err_set(err, -1, "log", rc, "replay failed");
		goto err_ns;
	}
	*out = fs;
	return 0;

err_ns:
	famfs_ns_free(fs->ns);
err_dev:
	famfs_dev_close(fs->dev);
err_free:
	free(fs);
	return rc;
}

void famfs_fs_close(struct famfs_fs *fs)
{
	if (!fs)
		return;
	if (fs->locked)
		famfs_fs_unlock(fs);
	famfs_ns_free(fs->ns);
	famfs_dev_close(fs->dev);
	free(fs);
}

struct famfs_ns *famfs_fs_ns(struct famfs_fs *fs)
{
	return fs->ns;
}

struct famfs_dev *famfs_fs_dev(struct famfs_fs *fs)
{
	return fs->dev;
}

const struct famfs_omf_superblock *famfs_fs_sb(const struct famfs_fs *fs)
{
	return &fs->sb;
}

enum famfs_role famfs_fs_role(const struct famfs_fs *fs)
{
	return fs->role;
}

void famfs_fs_log_header(const struct famfs_fs *fs,
			 struct famfs_omf_log_header *out)
{
	fs->invalidate(fs->log, sizeof(*out));
	memcpy(out, fs->log, sizeof(*out));
}

uint64_t famfs_fs_log_free(const struct famfs_fs *fs)
{
	struct famfs_omf_log_header h;

	famfs_fs_log_header(fs, &h);
	if (h.next_index > h.last_index)
		return 0;
	return h.last_index + 1 - h.next_index;
}

long famfs_fs_refresh(struct famfs_fs *fs)
{
	return famfs_ns_replay(fs->ns, fs->log, fs->sb.log_len, fs->invalidate);
}

void *famfs_fs_ptr(struct famfs_fs *fs, uint64_t devoff, uint64_t len)
{
	uint64_t end;

	if (__builtin_add_overflow(devoff, len, &end) ||
	    end > famfs_dev_size(fs->dev))
		return NULL;
	return (uint8_t *)famfs_dev_addr(fs->dev) + devoff;
}
