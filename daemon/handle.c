// SPDX-License-Identifier: Apache-2.0
/*
 * File handles: every live handle is on one list (shutdown frees what the
 * kernel never released); dropping one ends its open (openpath.c) and
 * lets a pending file settle.
 */
#include <stdlib.h>

#include "famfsd.h"

struct fd_handle *fd_handle_new(struct fd_ctx *c)
{
	struct fd_handle *h = calloc(1, sizeof(*h));

	if (!h)
		return NULL;
	pthread_mutex_lock(&c->pend_lock);
	h->next = c->handles;
	if (c->handles)
		c->handles->prev = h;
	c->handles = h;
	pthread_mutex_unlock(&c->pend_lock);
	return h;
}

void fd_handle_free(struct fd_ctx *c, struct fd_handle *h)
{
	pthread_mutex_lock(&c->pend_lock);
	if (h->prev)
		h->prev->next = h->next;
	else
		c->handles = h->next;
	if (h->next)
		h->next->prev = h->prev;
	pthread_mutex_unlock(&c->pend_lock);
	free(h->text);
	free(h);
}

void fd_handle_free_all(struct fd_ctx *c)
{
	while (c->handles)
		fd_handle_free(c, c->handles);
}

void fd_handle_drop(struct fd_ctx *c, struct fd_handle *h)
{
	fd_open_release(c, h);
	if (h->kind == FD_H_PENDING) {
		struct fd_pending *p = h->pend;
		bool last;

		/* Logged once it settles (commit pass, follower thread). */
		pthread_mutex_lock(&c->pend_lock);
		p->nopen--;
		last = !p->nopen && p->state == FD_PEND_OPEN;
		fd_pend_touch(c, p);
		pthread_mutex_unlock(&c->pend_lock);
		if (last)
			fd_follow_kick(c);
		/* Logged or dropped earlier: free it once unreferenced. */
		fd_pend_forget(c, h->ino, 0);
	}
	fd_handle_free(c, h);
}
