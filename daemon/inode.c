// SPDX-License-Identifier: Apache-2.0
/*
 * Daemon-side inodes. Logged objects need no table: their numbers come
 * from the namespace (FAMFS_INO_*), are stable across remounts and hosts,
 * and never go away (famfs is append-only), so FORGET is a no-op for them.
 *
 * Objects created through the mount are pending until they settle (see
 * struct fd_pending): they live here with a temporary number above
 * FD_INO_PENDING_BASE, kernel lookup counts and open counts. The commit
 * pass (run by the follower thread) logs settled ones in creation order,
 * so a directory is always logged before what it contains; a file's data
 * is in place before its entry, so a crash loses only unlogged objects.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "famfsd.h"

static uint64_t now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000000000ULL + (uint64_t)t.tv_nsec;
}

bool fd_is_pending_ino(uint64_t ino)
{
	return ino >= FD_INO_PENDING_BASE;
}

int fd_pend_init(struct fd_ctx *c)
{
	c->pending_tail = &c->pending;
	c->pend_by_ino = calloc(FD_PEND_BUCKETS, sizeof(*c->pend_by_ino));
	c->pend_by_name = calloc(FD_PEND_BUCKETS, sizeof(*c->pend_by_name));
	if (!c->pend_by_ino || !c->pend_by_name || fd_ident_init(c)) {
		free(c->pend_by_ino);
		free(c->pend_by_name);
		c->pend_by_ino = c->pend_by_name = NULL;
		return -ENOMEM;
	}
	return 0;
}

static size_t ino_bucket(uint64_t ino)
{
	return (size_t)(ino % FD_PEND_BUCKETS);
}

static size_t name_bucket(uint64_t parent, const char *name)
{
	uint64_t h = 0xcbf29ce484222325ULL ^ parent;

	for (; *name; name++)
		h = (h ^ (uint8_t)*name) * 0x100000001b3ULL;
	return (size_t)(h % FD_PEND_BUCKETS);
}

static void unchain(struct fd_pending **head, struct fd_pending *p, bool ino)
{
	for (; *head; head = ino ? &(*head)->ino_next : &(*head)->name_next) {
		if (*head == p) {
			*head = ino ? p->ino_next : p->name_next;
			return;
		}
	}
}

static void name_insert(struct fd_ctx *c, struct fd_pending *p)
{
	size_t b = name_bucket(p->parent, p->name);

	p->name_next = c->pend_by_name[b];
	c->pend_by_name[b] = p;
}

static void name_remove(struct fd_ctx *c, struct fd_pending *p)
{
	unchain(&c->pend_by_name[name_bucket(p->parent, p->name)], p, false);
}

/* Leave the unlogged state (name no longer resolves here). */
static void set_state(struct fd_ctx *c, struct fd_pending *p, int state)
{
	if (p->state == FD_PEND_OPEN && state != FD_PEND_OPEN) {
		name_remove(c, p);
		c->pend_unlogged--;
	}
	p->state = state;
}

struct fd_pending *fd_pend_get(struct fd_ctx *c, uint64_t ino)
{
	struct fd_pending *p = c->pend_by_ino[ino_bucket(ino)];

	while (p && p->ino != ino)
		p = p->ino_next;
	return p;
}

struct fd_pending *fd_pend_lookup(struct fd_ctx *c, uint64_t parent,
				  const char *name)
{
	struct fd_pending *p = c->pend_by_name[name_bucket(parent, name)];

	while (p && (p->parent != parent || strcmp(p->name, name)))
		p = p->name_next;
	return p;
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
	p->is_dir = S_ISDIR(mode);
	p->mode = (p->is_dir ? S_IFDIR : S_IFREG) | (mode & 07777);
	p->uid = uid;
	p->gid = gid;
	p->map.type = FAMFS_FMAP_SIMPLE;
	*c->pending_tail = p;
	c->pending_tail = &p->next;
	p->ino_next = c->pend_by_ino[ino_bucket(p->ino)];
	c->pend_by_ino[ino_bucket(p->ino)] = p;
	name_insert(c, p);
	c->pend_unlogged++;
	fd_pend_touch(c, p);
	*out = p;
	return 0;
}

/* Written under pend_lock; statfs and .stats read it without. */
uint64_t fd_pend_unlogged(struct fd_ctx *c)
{
	return __atomic_load_n(&c->pend_unlogged, __ATOMIC_RELAXED);
}

void fd_pend_touch(struct fd_ctx *c, struct fd_pending *p)
{
	uint64_t t = now_ns();

	while (p && p->state == FD_PEND_OPEN) {
		p->touched_ns = t;
		p = fd_is_pending_ino(p->parent) ? fd_pend_get(c, p->parent) :
						   NULL;
	}
}

uint64_t fd_canon(struct fd_ctx *c, uint64_t ino)
{
	return fd_ident_ns(c, ino);
}

void fd_pend_release_space(struct fd_ctx *c, struct fd_pending *p)
{
	if (p->is_dir || !p->map.count)
		return;
	famfs_ns_release(c->ns, &p->map);
	memset(p->map.ext, 0, sizeof(p->map.ext));
	p->map.count = 0;
}

void fd_pend_move(struct fd_ctx *c, struct fd_pending *p, uint64_t parent,
		  const char *name)
{
	struct fd_pending *old =
		fd_is_pending_ino(p->parent) ? fd_pend_get(c, p->parent) : NULL;

	name_remove(c, p);
	p->parent = parent;
	snprintf(p->name, sizeof(p->name), "%s", name);
	name_insert(c, p);
	/* The settle clock restarts, for the object and both parents. */
	fd_pend_touch(c, old);
	fd_pend_touch(c, p);
}

void fd_pend_remove(struct fd_ctx *c, struct fd_pending *p)
{
	struct fd_pending *dir =
		fd_is_pending_ino(p->parent) ? fd_pend_get(c, p->parent) : NULL;

	set_state(c, p, FD_PEND_GONE);
	if (!p->nopen)
		fd_pend_release_space(c, p);
	fd_pend_touch(c, dir);
}

bool fd_pend_has_children(struct fd_ctx *c, const struct fd_pending *p)
{
	for (struct fd_pending *q = c->pending; q; q = q->next)
		if (q->state == FD_PEND_OPEN && q->parent == p->ino)
			return true;
	return false;
}

bool fd_pend_is_below(struct fd_ctx *c, uint64_t ino, uint64_t anc)
{
	for (unsigned depth = 0; depth <= FAMFS_MAX_PATHLEN; depth++) {
		struct fd_pending *p;

		if (ino == anc)
			return true;
		if (!fd_is_pending_ino(ino))
			return false;
		p = fd_pend_get(c, ino);
		if (!p)
			return false;
		ino = p->parent;
	}
	return false;
}

size_t fd_pend_subtree_extra(struct fd_ctx *c, const struct fd_pending *p)
{
	size_t best = 0;

	if (!p->is_dir)
		return 0;
	for (struct fd_pending *q = c->pending; q; q = q->next) {
		size_t len = 0;
		uint64_t ino;
		unsigned depth = 0;

		if (q->state != FD_PEND_OPEN || q == p)
			continue;
		len = strlen(q->name) + 1;
		for (ino = q->parent; fd_is_pending_ino(ino) && ino != p->ino &&
				      depth <= FAMFS_MAX_PATHLEN;
		     depth++) {
			struct fd_pending *a = fd_pend_get(c, ino);

			if (!a)
				break;
			len += strlen(a->name) + 1;
			ino = a->parent;
		}
		if (ino == p->ino && len > best)
			best = len;
	}
	return best;
}

/* Free entries nothing refers to any more. pend_lock held. */
static void reap(struct fd_ctx *c)
{
	struct fd_pending **pp = &c->pending;

	while (*pp) {
		struct fd_pending *p = *pp;

		/* A logged object needs no record once closed: its nodeid
		 * lives on in the identity table. */
		if (!p->nopen && (p->state == FD_PEND_LOGGED ||
				  (p->state == FD_PEND_GONE && !p->nlookup))) {
			*pp = p->next;
			unchain(&c->pend_by_ino[ino_bucket(p->ino)], p, true);
			free(p);
		} else {
			pp = &p->next;
		}
	}
	/* Re-find the tail. */
	c->pending_tail = &c->pending;
	while (*c->pending_tail)
		c->pending_tail = &(*c->pending_tail)->next;
}

void fd_pend_forget(struct fd_ctx *c, uint64_t ino, uint64_t n)
{
	struct fd_pending *p;

	pthread_rwlock_wrlock(&c->ns_lock);
	pthread_mutex_lock(&c->pend_lock);
	p = fd_pend_get(c, ino);
	if (p) {
		p->nlookup = n > p->nlookup ? 0 : p->nlookup - n;
		/* MKNOD'ed, never opened, forgotten: nothing will close it. */
		if (p->state == FD_PEND_OPEN && !p->is_dir && !p->nlookup &&
		    !p->ever_opened)
			set_state(c, p, FD_PEND_GONE);
		/* Removed while open: its space goes at the last close. */
		if (p->state == FD_PEND_GONE && !p->nopen)
			fd_pend_release_space(c, p);
		reap(c);
	}
	pthread_mutex_unlock(&c->pend_lock);
	pthread_rwlock_unlock(&c->ns_lock);
}

int fd_path_of_locked(struct fd_ctx *c, uint64_t dir, const char *name,
		      char *buf, size_t len)
{
	const char *parts[FAMFS_MAX_PATHLEN];
	size_t np = 0, used = 0;
	uint64_t ino = dir;

	if (name)
		parts[np++] = name;
	while (ino != FAMFS_INO_ROOT) {
		const struct famfs_node *n;
		struct fd_pending *p;

		if (np == FAMFS_MAX_PATHLEN)
			return -ENAMETOOLONG;
		if (fd_is_pending_ino(ino)) {
			if (fd_ident_ns(c, ino) != ino) {
				ino = fd_ident_ns(c, ino);
				continue;
			}
			p = fd_pend_get(c, ino);
			if (!p || !p->is_dir || p->state != FD_PEND_OPEN)
				return -ENOENT;
			parts[np++] = p->name;
			ino = p->parent;
			continue;
		}
		n = famfs_ns_get(c->ns, ino);
		if (!n || n->kind != FAMFS_NODE_DIR)
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

int fd_path_of(struct fd_ctx *c, uint64_t dir, const char *name, char *buf,
	       size_t len)
{
	int rc;

	pthread_mutex_lock(&c->pend_lock);
	rc = fd_path_of_locked(c, dir, name, buf, len);
	pthread_mutex_unlock(&c->pend_lock);
	return rc;
}

/* Log one settled object. Both locks and the log lock held. */
static int commit_one(struct fd_ctx *c, struct fd_pending *p)
{
	char path[FAMFS_MAX_PATHLEN + 2];
	uint64_t ino = 0;
	int rc;

	rc = fd_path_of_locked(c, p->parent, p->name, path, sizeof(path));
	if (!rc && p->is_dir) {
		rc = famfs_fs_mkdir(c->fs, path, p->mode & 07777, p->uid,
				    p->gid, &ino);
	} else if (!rc) {
		rc = famfs_ns_alloc_trim(c->ns, &p->map, p->size);
		if (!rc)
			rc = famfs_fs_mkfile(c->fs, path, p->mode & 07777,
					     p->uid, p->gid, p->size, &p->map,
					     &ino);
	}
	if (rc) {
		fd_log(LOG_ERR, "%s: cannot log it (%s); it is dropped",
		       path[0] ? path : p->name, strerror(-rc));
		return rc;
	}
	set_state(c, p, FD_PEND_LOGGED);
	p->logged_ino = ino;
	fd_journal_logged(c, p, ino);
	/* The kernel keeps knowing it by its temporary number. */
	if (fd_ident_add(c, p->ino, ino))
		fd_log(LOG_WARNING, "%s: out of memory for its identity", path);
	fd_log(LOG_DEBUG, "%s: logged as ino %" PRIu64 " (%" PRIu64 " bytes)",
	       path, ino, p->size);
	/* Its children now hang under the logged directory. */
	if (p->is_dir)
		for (struct fd_pending *q = c->pending; q; q = q->next) {
			if (q->parent != p->ino)
				continue;
			if (q->state == FD_PEND_OPEN)
				name_remove(c, q);
			q->parent = ino;
			if (q->state == FD_PEND_OPEN)
				name_insert(c, q);
		}
	return 0;
}

static void drop_one(struct fd_ctx *c, struct fd_pending *p)
{
	fd_journal_logged(c, p, 0); /* forgotten: a DEL would say no more */
	set_state(c, p, FD_PEND_GONE);
	if (!p->nopen)
		fd_pend_release_space(c, p);
	/* The kernel still has the name: tell it the object is gone. */
	fd_notify_entry(c, fd_ident_nodeid(c, p->parent), p->name);
	/* Pending children of a dropped directory go with it. */
	for (struct fd_pending *q = c->pending; q; q = q->next)
		if (q->parent == p->ino && q->state == FD_PEND_OPEN)
			drop_one(c, q);
}

/* One pass over the pending list; see fd_pend_commit. *journaled: a
 * settled object was queued in the journal. Returns how many were logged
 * or dropped. */
static uint64_t commit_pass(struct fd_ctx *c, bool force, uint64_t now,
			    bool *locked, uint64_t *left, bool *journaled)
{
	uint64_t settle = (uint64_t)c->settle_ms * 1000000ULL, done = 0;

	*left = 0;
	for (struct fd_pending *p = c->pending; p; p = p->next) {
		bool open = p->nopen && !p->is_dir;
		bool settled = !open && p->touched_ns + settle <= now;
		int rc;

		if (p->state != FD_PEND_OPEN)
			continue;
		/* Parents first: a pending parent is logged earlier in this
		 * pass (creation order) or in a later one. A settled object
		 * under a busy new directory goes to the journal meanwhile,
		 * so it survives a crash. Open files are never logged while
		 * a journal can carry them over a shutdown. */
		if (fd_is_pending_ino(p->parent) || (!force && !settled) ||
		    (open && fd_journal_on(c))) {
			if (settled && fd_journal_on(c) &&
			    !fd_journal_settled(c, p))
				*journaled = true;
			(*left)++;
			continue;
		}
		done++;
		if (!p->is_dir && !p->size) {
			fd_log(LOG_INFO,
			       "%s: closed empty, not logged (famfs cannot log "
			       "empty files); it disappears",
			       p->name);
			drop_one(c, p);
			continue;
		}
		rc = *locked ? 0 : famfs_fs_lock(c->fs, false);
		if (!rc) {
			*locked = true;
			rc = commit_one(c, p);
		}
		if (rc)
			drop_one(c, p);
		else /* same nodeid, but now cached for long: refresh it */
			fd_notify_entry(c, fd_ident_nodeid(c, p->parent),
					p->name);
	}
	return done;
}

uint64_t fd_pend_commit(struct fd_ctx *c, bool force)
{
	uint64_t now, left = 0;
	bool locked = false, journaled = false;
	int syncfd = -1;

	pthread_rwlock_wrlock(&c->ns_lock);
	pthread_mutex_lock(&c->pend_lock);
	now = now_ns(); /* after the locks: no touch can be newer */
	/* At shutdown, until nothing more can go (renames may have put a
	 * child before its parent). */
	while (commit_pass(c, force, now, &locked, &left, &journaled) &&
	       force && left)
		;
	if (locked)
		famfs_fs_unlock(c->fs);
	if (fd_journal_on(c))
		fd_journal_pass_end(c, journaled, &syncfd);
	reap(c);
	pthread_mutex_unlock(&c->pend_lock);
	pthread_rwlock_unlock(&c->ns_lock);
	fd_journal_sync_end(c, syncfd); /* the disk flush, unlocked */
	return left;
}

/*
 * fsync of a pending object. With the journal: journal it (and its pending
 * ancestors); it stays an ordinary file. Without one: log it now, after
 * its pending ancestors, which seals a file at its current size (an empty
 * file has nothing famfs can log).
 */
int fd_pend_sync(struct fd_ctx *c, uint64_t ino)
{
	struct fd_pending *chain[FAMFS_MAX_PATHLEN];
	unsigned n = 0;
	bool locked = false;
	int rc = 0, syncfd = -1;

	ino = fd_canon(c, ino);
	pthread_rwlock_wrlock(&c->ns_lock);
	pthread_mutex_lock(&c->pend_lock);
	if (fd_journal_on(c)) {
		/* Durable, and still an ordinary file: journal, don't log. */
		struct fd_pending *p =
			fd_is_pending_ino(ino) ? fd_pend_get(c, ino) : NULL;

		/* Removed but still open: nothing to keep. */
		rc = !p || p->state != FD_PEND_OPEN ?
			     0 :
			     fd_journal_sync(c, p, &syncfd);
		goto out;
	}
	while (fd_is_pending_ino(ino)) {
		struct fd_pending *p = fd_pend_get(c, ino);

		if (!p || p->state == FD_PEND_GONE) {
			rc = -ENOENT;
			goto out;
		}
		if (p->state == FD_PEND_LOGGED)
			break;
		if (n == FAMFS_MAX_PATHLEN) {
			rc = -ENAMETOOLONG;
			goto out;
		}
		chain[n++] = p;
		ino = p->parent;
	}
	while (n--) {
		struct fd_pending *p = chain[n];

		if (!p->is_dir && !p->size) {
			fd_log(LOG_INFO,
			       "%s: fsync of an empty file: nothing to log",
			       p->name);
			continue;
		}
		if (!locked) {
			rc = famfs_fs_lock(c->fs, false);
			if (rc)
				goto out;
			locked = true;
		}
		rc = commit_one(c, p);
		if (rc) {
			drop_one(c, p);
			goto out;
		}
	}
out:
	if (locked)
		famfs_fs_unlock(c->fs);
	reap(c);
	pthread_mutex_unlock(&c->pend_lock);
	pthread_rwlock_unlock(&c->ns_lock);
	/* The journal's disk flush, without holding up everybody else. */
	if (!rc)
		rc = fd_journal_sync_end(c, syncfd);
	else if (syncfd >= 0)
		close(syncfd);
	return rc;
}

void fd_pend_free_all(struct fd_ctx *c)
{
	pthread_mutex_lock(&c->pend_lock);
	while (c->pending) {
		struct fd_pending *p = c->pending;

		c->pending = p->next;
		free(p);
	}
	c->pending_tail = &c->pending;
	free(c->pend_by_ino);
	free(c->pend_by_name);
	c->pend_by_ino = c->pend_by_name = NULL;
	c->pend_unlogged = 0;
	pthread_mutex_unlock(&c->pend_lock);
	fd_ident_free(c);
	fd_journal_free(c);
}
