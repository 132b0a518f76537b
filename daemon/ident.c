// SPDX-License-Identifier: Apache-2.0
/*
 * Stable identity: the one place that relates the kernel's nodeids to
 * namespace inode numbers.
 *
 * Logged objects are known to the kernel by their namespace number
 * (16 + log index), the same on every host and after every remount. An
 * object created through this mount is handed to the kernel with a
 * temporary nodeid (>= FD_INO_PENDING_BASE) and keeps it for the mount's
 * life, also after it is logged: lookups, readdir and getattr then report
 * the temporary number for the logged object, so st_ino never changes
 * under a running program. Other hosts, and later mounts, see 16 + index.
 *
 * Both directions are dense arrays (nodeids count up from the base, log
 * indexes from 0), guarded by their own rwlock, the innermost lock.
 */
#include <errno.h>
#include <stdlib.h>

#include "famfsd.h"

struct fd_ident {
	pthread_rwlock_t lock;
	uint64_t *ns_of; /* [nodeid - FD_INO_PENDING_BASE] -> ns ino or 0 */
	size_t n_ns_of;
	uint64_t *node_of; /* [ns ino - FAMFS_INO_LOG_BASE] -> nodeid or 0 */
	size_t n_node_of;
};

int fd_ident_init(struct fd_ctx *c)
{
	c->ident = calloc(1, sizeof(*c->ident));
	if (!c->ident)
		return -ENOMEM;
	pthread_rwlock_init(&c->ident->lock, NULL);
	return 0;
}

void fd_ident_free(struct fd_ctx *c)
{
	if (!c->ident)
		return;
	pthread_rwlock_destroy(&c->ident->lock);
	free(c->ident->ns_of);
	free(c->ident->node_of);
	free(c->ident);
	c->ident = NULL;
}

/* Make a[i] exist (zero-filled growth). */
static int grow(uint64_t **a, size_t *n, uint64_t i)
{
	size_t cap = *n ? *n : 256;
	uint64_t *na;

	if (i < *n)
		return 0;
	while (cap <= i)
		cap *= 2;
	na = realloc(*a, cap * sizeof(**a));
	if (!na)
		return -ENOMEM;
	for (size_t k = *n; k < cap; k++)
		na[k] = 0;
	*a = na;
	*n = cap;
	return 0;
}

int fd_ident_add(struct fd_ctx *c, uint64_t nodeid, uint64_t ns_ino)
{
	struct fd_ident *id = c->ident;
	uint64_t a, b;
	int rc;

	if (!fd_is_pending_ino(nodeid) || ns_ino < FAMFS_INO_LOG_BASE ||
	    fd_is_pending_ino(ns_ino))
		return -EINVAL;
	a = nodeid - FD_INO_PENDING_BASE;
	b = ns_ino - FAMFS_INO_LOG_BASE;
	pthread_rwlock_wrlock(&id->lock);
	rc = grow(&id->ns_of, &id->n_ns_of, a);
	if (!rc)
		rc = grow(&id->node_of, &id->n_node_of, b);
	if (!rc) {
		id->ns_of[a] = ns_ino;
		id->node_of[b] = nodeid;
	}
	pthread_rwlock_unlock(&id->lock);
	return rc;
}

uint64_t fd_ident_ns(const struct fd_ctx *c, uint64_t nodeid)
{
	struct fd_ident *id = c->ident;
	uint64_t a, r = 0;

	if (!fd_is_pending_ino(nodeid) || !id)
		return nodeid;
	a = nodeid - FD_INO_PENDING_BASE;
	pthread_rwlock_rdlock(&id->lock);
	if (a < id->n_ns_of)
		r = id->ns_of[a];
	pthread_rwlock_unlock(&id->lock);
	return r ? r : nodeid;
}

uint64_t fd_ident_nodeid(const struct fd_ctx *c, uint64_t ns_ino)
{
	struct fd_ident *id = c->ident;
	uint64_t b, r = 0;

	if (ns_ino < FAMFS_INO_LOG_BASE || fd_is_pending_ino(ns_ino) || !id)
		return ns_ino;
	b = ns_ino - FAMFS_INO_LOG_BASE;
	pthread_rwlock_rdlock(&id->lock);
	if (b < id->n_node_of)
		r = id->node_of[b];
	pthread_rwlock_unlock(&id->lock);
	return r ? r : ns_ino;
}
