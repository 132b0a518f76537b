// SPDX-License-Identifier: Apache-2.0
/*
 * Daemon-side inodes. Logged objects need no table: their numbers come
 * from the namespace (FAMFS_INO_*), are stable across remounts and hosts,
 * and never go away (famfs is append-only), so FORGET is a no-op for them.
 *
 * Objects created through the mount are pending until they settle (see
 * struct fd_pending): they live here with a temporary number above
 * FD_INO_PENDING_BASE, kernel lookup counts and open counts, in a list
 * (creation order) and two hash chains (by number, by parent and name).
 * commit.c logs them; rename.c moves and removes them.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "pending_internal.h"

uint64_t fd_now_ns(void)
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
void fd_pend_set_state(struct fd_ctx *c, struct fd_pending *p, int state)
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
	uint64_t t = fd_now_ns();

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

	fd_pend_set_state(c, p, FD_PEND_GONE);
	if (!p->nopen)
		fd_pend_release_space(c, p);
	fd_pend_touch(c, dir);
}

void fd_pend_reparent(struct fd_ctx *c, uint64_t from, uint64_t to)
{
	for (struct fd_pending *q = c->pending; q; q = q->next) {
		if (q->parent != from)
			continue;
		if (q->state == FD_PEND_OPEN)
			name_remove(c, q);
		q->parent = to;
		if (q->state == FD_PEND_OPEN)
			name_insert(c, q);
	}
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

void fd_pend_reap(struct fd_ctx *c)
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
			fd_marks_free(&p->init);
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
			fd_pend_set_state(c, p, FD_PEND_GONE);
		/* Removed while open: its space goes at the last close. */
		if (p->state == FD_PEND_GONE && !p->nopen)
			fd_pend_release_space(c, p);
		fd_pend_reap(c);
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

void fd_pend_free_all(struct fd_ctx *c)
{
	pthread_mutex_lock(&c->pend_lock);
	while (c->pending) {
		struct fd_pending *p = c->pending;

		c->pending = p->next;
		fd_marks_free(&p->init);
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
