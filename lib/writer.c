// SPDX-License-Identifier: Apache-2.0
/*
 * The log writer (master only). Appends are crash-safe: the sealed entry is
 * written and flushed before the header counters move, so a reader (or a
 * replay after a crash) sees either the old log or the new entry whole.
 * The host-local lock is FAMFS_LOCK_APPEND on the device's identity
 * (lock.c), the same one famfsd holds for its life on the master, so two
 * writers on one host never append at once, whatever names they used;
 * other hosts never append (not master).
 */
#include <errno.h>
#include <string.h>
#include <sys/stat.h>

#include "fs_internal.h"

int famfs_fs_lock(struct famfs_fs *fs, bool nowait)
{
	long n;
	int rc;

	if (fs->role != FAMFS_ROLE_MASTER || famfs_dev_is_rdonly(fs->dev))
		return -EROFS;
	if (fs->locked)
		return 0;
	if (!fs->append_held) {
		rc = famfs_dev_lock(fs->dev, FAMFS_LOCK_APPEND, true, nowait);
		if (rc)
			return rc;
	}
	fs->locked = true;
	/* Catch up with anything another process appended. */
	n = famfs_fs_refresh(fs);
	if (n < 0) {
		famfs_fs_unlock(fs);
		return (int)n;
	}
	/* Never append (or allocate) on top of a log not read whole. */
	rc = famfs_ns_health(fs->ns);
	if (rc)
		famfs_fs_unlock(fs);
	return rc;
}

void famfs_fs_unlock(struct famfs_fs *fs)
{
	if (!fs->locked)
		return;
	if (!fs->append_held) /* famfsd keeps it for its whole life */
		famfs_dev_unlock(fs->dev, FAMFS_LOCK_APPEND);
	fs->locked = false;
}

/* Append one sealed entry (its seqnum must be the next index). */
static int append(struct famfs_fs *fs, const struct famfs_omf_log_entry *e)
{
	struct famfs_omf_log_header *h = (void *)fs->log;
	uint8_t *slot;
	uint64_t ix = h->next_index;
	int rc;

	if (ix > h->last_index)
		return -ENOSPC;
	/* Never log what replay would reject (e.g. a bad device record). */
	rc = famfs_entry_check(e, ix, famfs_ns_geom(fs->ns), NULL);
	if (rc)
		return rc == -EBADMSG ? -EINVAL : rc;
	slot = fs->log + famfs_log_entry_offset(ix);
	memcpy(slot, e, sizeof(*e));
	famfs_dev_flush(fs->dev, slot, sizeof(*e));
	/* Entry durable first; only then publish it. */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	h->next_seqnum = ix + 1;
	h->next_index = ix + 1;
	famfs_dev_flush(fs->dev, h, sizeof(*h));
	return famfs_ns_apply_own(fs->ns, e);
}

/* Namespace rules before anything is written: parent is a dir, name free. */
static int precheck(struct famfs_fs *fs, const char *path)
{
	const struct famfs_node *parent;
	char dir[FAMFS_MAX_PATHLEN];
	const char *slash, *name;
	int rc;

	if (!fs->locked)
		return -ENOLCK;
	rc = famfs_ns_health(fs->ns);
	if (rc)
		return rc;
	rc = famfs_path_check(path, NULL);
	if (rc)
		return rc;
	slash = strrchr(path, '/');
	if (slash) {
		memcpy(dir, path, (size_t)(slash - path));
		dir[slash - path] = '\0';
		parent = famfs_ns_resolve(fs->ns, dir);
		if (!parent)
			return -errno;
		if (parent->kind != FAMFS_NODE_DIR)
			return -ENOTDIR;
		name = slash + 1;
	} else {
		parent = famfs_ns_get(fs->ns, FAMFS_INO_ROOT);
		name = path;
	}
	/* A name a rejected entry holds is taken too (others may serve it). */
	if (famfs_ns_name_held(fs->ns, parent->ino, name) != -2)
		return -EEXIST;
	if (!famfs_fs_log_free(fs))
		return -ENOSPC;
	return 0;
}

static uint64_t current_index(struct famfs_fs *fs)
{
	struct famfs_omf_log_header h;

	famfs_fs_log_header(fs, &h);
	return h.next_index;
}

int famfs_fs_mkdir(struct famfs_fs *fs, const char *path, uint32_t mode,
		   uint32_t uid, uint32_t gid, uint64_t *ino_out)
{
	struct famfs_omf_log_entry e;
	uint64_t ix;
	int rc;

	rc = precheck(fs, path);
	if (rc)
		return rc;
	ix = current_index(fs);
	rc = famfs_entry_make_mkdir(&e, ix, path, mode & 07777, uid, gid);
	if (rc)
		return rc;
	rc = append(fs, &e);
	if (!rc && ino_out)
		*ino_out = FAMFS_INO_LOG_BASE + ix;
	return rc;
}

int famfs_fs_mkfile(struct famfs_fs *fs, const char *path, uint32_t mode,
		    uint32_t uid, uint32_t gid, uint64_t size,
		    const struct famfs_fmap *m, uint64_t *ino_out)
{
	struct famfs_omf_log_entry e;
	uint64_t ix;
	int rc;

	rc = precheck(fs, path);
	if (rc)
		return rc;
	rc = famfs_fmap_check(m, size, famfs_ns_geom(fs->ns), -1, NULL);
	if (rc)
		return rc;
	ix = current_index(fs);
	rc = famfs_entry_make_file(&e, ix, path, mode & 07777, uid, gid, size,
				   m);
	if (rc)
		return rc;
	rc = append(fs, &e);
	if (!rc && ino_out)
		*ino_out = FAMFS_INO_LOG_BASE + ix;
	return rc;
}

int famfs_fs_add_daxdev(struct famfs_fs *fs, uint64_t dd_size,
			const struct famfs_omf_uuid *uuid)
{
	const struct famfs_geom *g = famfs_ns_geom(fs->ns);
	struct famfs_omf_log_entry e;
	int rc;

	if (!fs->locked)
		return -ENOLCK;
	if (fs->sb.version < FAMFS_VERSION_48)
		return -EPROTONOSUPPORT;
	if (g->ndevs >= FAMFS_MAX_DAXDEVS)
		return -ERANGE;
	for (unsigned i = 0; i < g->ndevs; i++)
		if (!memcmp(&g->dev_uuid[i], uuid, sizeof(*uuid)))
			return -EEXIST;
	if (!famfs_fs_log_free(fs))
		return -ENOSPC;
	rc = famfs_entry_make_daxdev(&e, current_index(fs), dd_size, uuid,
				     g->ndevs);
	if (rc)
		return rc;
	return append(fs, &e);
}
