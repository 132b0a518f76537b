// SPDX-License-Identifier: Apache-2.0
/*
 * Daemon-side inodes. Logged objects need no table: their numbers come
 * from the namespace (FAMFS_INO_*), are stable across remounts and hosts,
 * and never go away (famfs is append-only), so FORGET is a no-op for them.
 * Pending files (created through the mount, not yet logged) live here with
 * a temporary number above FD_INO_PENDING_BASE, kernel lookup counts and
 * open counts; the last close logs them (or drops them when empty).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "famfsd.h"

bool fd_is_pending_ino(uint64_t ino)
{
	return ino >= FD_INO_PENDING_BASE;
}

struct fd_pending *fd_pend_get(struct fd_ctx *c, uint64_t ino)
{
	for (struct fd_pending *p = c->pending; p; p = p->next)
		if (p->ino == ino)
			return p;
	return NULL;
}

struct fd_pending *fd_pend_lookup(struct fd_ctx *c, uint64_t parent,
				  const char *name)
{
	for (struct fd_pending *p = c->pending; p; p = p->next)
		if (p->state == FD_PEND_OPEN && p->parent == parent &&
		    !strcmp(p->name, name))
			return p;
	return NULL;
}

int fd_pend_new(struct fd_ctx *c, uint64_t parent, const char *name,
		uint32_t mode, uint32_t uid, uint32_t gid,
		struct fd_pending **out)
{
	struct fd_pending *p = calloc(1, sizeof(*p));

	if (!p)
		return -ENOMEM;
	p->ino = c->next_pending_ino++;
	p->parent = parent;
	snprintf(p->name, sizeof(p->name), "%s", name);
	p->mode = S_IFREG | (mode & 07777);
	p->uid = uid;
	p->gid = gid;
	p->map.type = FAMFS_FMAP_SIMPLE;
	p->next = c->pending;
	c->pending = p;
	*out = p;
	return 0;
}

uint64_t fd_pend_unlogged(struct fd_ctx *c)
{
	uint64_t n = 0;

	for (struct fd_pending *p = c->pending; p; p = p->next)
		n += p->state == FD_PEND_OPEN;
	return n;
}

static void unlink_free(struct fd_ctx *c, struct fd_pending *p)
{
	for (struct fd_pending **pp = &c->pending; *pp; pp = &(*pp)->next) {
		if (*pp == p) {
			*pp = p->next;
			free(p);
			return;
		}
	}
}

/* Free an entry nobody references any more (pend_lock held). */
static void maybe_free(struct fd_ctx *c, struct fd_pending *p)
{
	if (p->state != FD_PEND_OPEN && !p->nlookup && !p->nopen)
		unlink_free(c, p);
}

void fd_pend_forget(struct fd_ctx *c, uint64_t ino, uint64_t n)
{
	struct fd_pending *p;

	pthread_mutex_lock(&c->pend_lock);
	p = fd_pend_get(c, ino);
	if (p) {
		p->nlookup = n > p->nlookup ? 0 : p->nlookup - n;
		/* mknod'ed and never opened: nothing will ever close it. */
		if (p->state == FD_PEND_OPEN && !p->nlookup &&
		    !p->ever_opened) {
			p->state = FD_PEND_GONE;
			pthread_mutex_unlock(&c->pend_lock);
			pthread_rwlock_wrlock(&c->ns_lock);
			famfs_ns_release(c->ns, &p->map);
			pthread_rwlock_unlock(&c->ns_lock);
			pthread_mutex_lock(&c->pend_lock);
		}
		maybe_free(c, p);
	}
	pthread_mutex_unlock(&c->pend_lock);
}

int fd_path_of(struct fd_ctx *c, uint64_t dir, const char *name, char *buf,
	       size_t len)
{
	const char *parts[FAMFS_MAX_PATHLEN];
	size_t np = 0, used = 0;
	uint64_t ino = dir;

	if (name)
		parts[np++] = name;
	while (ino != FAMFS_INO_ROOT) {
		const struct famfs_node *n = famfs_ns_get(c->ns, ino);

		if (!n || n->kind != FAMFS_NODE_DIR || np == FAMFS_MAX_PATHLEN)
			return -ENOENT;
		parts[np++] = n->name;
		ino = n->parent;
	}
	buf[0] = '\0';
	while (np--) {
		size_t l = strlen(parts[np]);

		if (used + l + 2 > len ||
		    used + l + !!used >= FAMFS_MAX_PATHLEN)
			return -ENAMETOOLONG;
		if (used)
			buf[used++] = '/';
		memcpy(buf + used, parts[np], l + 1);
		used += l;
	}
	return 0;
}

/*
 * Log @p (called with no lock held) once its last handle is closed, or
 * at shutdown (@force). Data is already in place; the entry is appended last,
 * so a crash before this point only loses this file.
 */
static void finish_one(struct fd_ctx *c, struct fd_pending *p, bool force)
{
	char path[FAMFS_MAX_PATHLEN + 2];
	uint64_t ino = 0;
	int rc;

	pthread_rwlock_wrlock(&c->ns_lock);
	pthread_mutex_lock(&c->pend_lock);
	/* Reopened since the last close: the next close logs it. */
	if (p->state != FD_PEND_OPEN || (p->nopen && !force)) {
		pthread_mutex_unlock(&c->pend_lock);
		pthread_rwlock_unlock(&c->ns_lock);
		return;
	}
	rc = fd_path_of(c, p->parent, p->name, path, sizeof(path));
	if (!p->size) {
		famfs_ns_release(c->ns, &p->map);
		p->state = FD_PEND_GONE;
		fd_log(LOG_INFO,
		       "%s: closed empty, not logged (famfs cannot log empty "
		       "files); it disappears",
		       rc ? p->name : path);
		goto done;
	}
	if (!rc)
		rc = famfs_ns_alloc_trim(c->ns, &p->map, p->size);
	if (!rc)
		rc = famfs_fs_lock(c->fs, false);
	if (!rc) {
		rc = famfs_fs_mkfile(c->fs, path, p->mode & 07777, p->uid,
				     p->gid, p->size, &p->map, &ino);
		famfs_fs_unlock(c->fs);
	}
	if (rc) {
		famfs_ns_release(c->ns, &p->map);
		p->state = FD_PEND_GONE;
		fd_log(LOG_ERR,
		       "%s: cannot log the file (%s); its data is lost", path,
		       strerror(-rc));
	} else {
		p->state = FD_PEND_LOGGED;
		p->logged_ino = ino;
		fd_log(LOG_DEBUG,
		       "%s: logged as ino %" PRIu64 ", %" PRIu64 " bytes", path,
		       ino, p->size);
	}
done:
	/* The kernel still maps the name to the temporary inode. */
	fd_notify_entry(c, p->parent, p->name);
	maybe_free(c, p);
	pthread_mutex_unlock(&c->pend_lock);
	pthread_rwlock_unlock(&c->ns_lock);
}

void fd_pend_finish(struct fd_ctx *c, struct fd_pending *p)
{
	finish_one(c, p, false);
}

void fd_pend_finish_all(struct fd_ctx *c)
{
	for (;;) {
		struct fd_pending *p;

		pthread_mutex_lock(&c->pend_lock);
		for (p = c->pending; p && p->state != FD_PEND_OPEN; p = p->next)
			;
		pthread_mutex_unlock(&c->pend_lock);
		if (!p)
			break;
		finish_one(c, p, true);
	}
	pthread_mutex_lock(&c->pend_lock);
	while (c->pending) {
		struct fd_pending *p = c->pending;

		c->pending = p->next;
		free(p);
	}
	pthread_mutex_unlock(&c->pend_lock);
}
