// SPDX-License-Identifier: Apache-2.0
/*
 * Log follower: a thread that polls the log header every poll interval,
 * logs settled pending objects on the master (inode.c), replays new
 * entries under the namespace write lock, and tells the kernel about every
 * entry the namespace gained, whoever appended it: the (possibly negative)
 * name and the parent directory's attributes and cached listing are
 * invalidated. That is what lets logged objects be cached for
 * cache_timeout. It also sends the invalidations other code queues for
 * pending names. Notifications are never sent from a request handler (the
 * kernel may hold the directory lock that the notification needs).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "famfsd.h"

#define MISS_INTERVAL_NS 50000000LL /* at most one miss refresh per 50 ms */

#define BATCH 64 /* new entries copied per hold of ns_lock */

static void queue_locked(struct fd_ctx *c, uint64_t parent, const char *name)
{
	struct fd_notify *n = calloc(1, sizeof(*n));

	if (!n)
		return; /* pending names expire with entry_timeout */
	n->parent = parent;
	snprintf(n->name, sizeof(n->name), "%s", name);
	n->next = c->notify_head;
	c->notify_head = n;
}

void fd_follow_kick(struct fd_ctx *c)
{
	pthread_mutex_lock(&c->follow_lock);
	c->follow_kick = true;
	pthread_cond_signal(&c->follow_cond);
	pthread_mutex_unlock(&c->follow_lock);
}

void fd_notify_entry(struct fd_ctx *c, uint64_t parent, const char *name)
{
	pthread_mutex_lock(&c->follow_lock);
	queue_locked(c, parent, name);
	pthread_cond_signal(&c->follow_cond);
	pthread_mutex_unlock(&c->follow_lock);
}

/* Detach the whole notify queue; the caller owns the list. */
static struct fd_notify *take_queue(struct fd_ctx *c)
{
	struct fd_notify *n;

	pthread_mutex_lock(&c->follow_lock);
	n = c->notify_head;
	c->notify_head = NULL;
	pthread_mutex_unlock(&c->follow_lock);
	return n;
}

/* Directories whose attributes and listing changed, each told once. */
struct parents {
	uint64_t ino[32];
	unsigned n;
};

static void parents_flush(struct fd_ctx *c, struct parents *ps)
{
	for (unsigned i = 0; i < ps->n; i++)
		fuse_lowlevel_notify_inval_inode(c->se, ps->ino[i], 0, 0);
	ps->n = 0;
}

static void parents_add(struct fd_ctx *c, struct parents *ps, uint64_t ino)
{
	for (unsigned i = 0; i < ps->n; i++)
		if (ps->ino[i] == ino)
			return;
	if (ps->n == sizeof(ps->ino) / sizeof(ps->ino[0]))
		parents_flush(c, ps);
	ps->ino[ps->n++] = ino;
}

/*
 * Tell the kernel about log entries [notified_index, next_index): each new
 * name may sit in its cache as a negative entry, and its directory's nlink
 * and listing changed. -ENOENT from the kernel: nothing cached; fine.
 * Returns the first index of the window; *to gets its end.
 */
static uint64_t send_new_entries(struct fd_ctx *c, uint64_t *to)
{
	struct fd_notify batch[BATCH];
	struct famfs_ns_stats st;
	struct parents ps = { .n = 0 };
	uint64_t from = c->notified_index, i = from;

	pthread_rwlock_rdlock(&c->ns_lock);
	famfs_ns_stats(c->ns, &st);
	pthread_rwlock_unlock(&c->ns_lock);
	*to = st.next_index;
	while (i < *to) {
		unsigned n = 0;

		pthread_rwlock_rdlock(&c->ns_lock);
		for (; i < *to && n < BATCH; i++) {
			const struct famfs_node *node =
				famfs_ns_get(c->ns, FAMFS_INO_LOG_BASE + i);

			if (!node)
				continue; /* not an object, or rejected */
			/* The directory as the kernel knows it (ident.c). */
			batch[n].parent = fd_ident_nodeid(c, node->parent);
			memcpy(batch[n].name, node->name, sizeof(node->name));
			n++;
		}
		pthread_rwlock_unlock(&c->ns_lock);
		for (unsigned k = 0; k < n; k++) {
			fuse_lowlevel_notify_inval_entry(c->se, batch[k].parent,
							 batch[k].name,
							 strlen(batch[k].name));
			parents_add(c, &ps, batch[k].parent);
		}
	}
	parents_flush(c, &ps);
	c->notified_index = *to;
	return from;
}

/* Whether (@parent, a nodeid, @name) is a logged entry of index
 * [from, to). */
static bool sent_already(struct fd_ctx *c, uint64_t parent, const char *name,
			 uint64_t from, uint64_t to)
{
	const struct famfs_node *n;
	bool r;

	pthread_rwlock_rdlock(&c->ns_lock);
	n = famfs_ns_lookup(c->ns, fd_ident_ns(c, parent), name);
	r = n && n->ino >= FAMFS_INO_LOG_BASE + from &&
	    n->ino < FAMFS_INO_LOG_BASE + to;
	pthread_rwlock_unlock(&c->ns_lock);
	return r;
}

/* The queued names; those logged in [from, to) were just sent. */
static void send_queued(struct fd_ctx *c, uint64_t from, uint64_t to)
{
	struct fd_notify *n = take_queue(c);
	struct parents ps = { .n = 0 };

	while (n) {
		struct fd_notify *next = n->next;

		if (!sent_already(c, n->parent, n->name, from, to)) {
			fuse_lowlevel_notify_inval_entry(
				c->se, n->parent, n->name, strlen(n->name));
			parents_add(c, &ps, n->parent);
		}
		free(n);
		n = next;
	}
	parents_flush(c, &ps);
}

/* Replay what the log gained (the follower notifies). New entries. */
static long refresh_pass(struct fd_ctx *c)
{
	struct famfs_omf_log_header h;
	struct famfs_ns_stats st;
	uint64_t before, after;
	long n;

	famfs_fs_log_header(c->fs, &h);
	pthread_rwlock_rdlock(&c->ns_lock);
	famfs_ns_stats(c->ns, &st);
	pthread_rwlock_unlock(&c->ns_lock);
	if (h.next_index <= st.next_index)
		return 0;

	pthread_rwlock_wrlock(&c->ns_lock);
	famfs_ns_stats(c->ns, &st);
	before = st.next_index;
	n = famfs_fs_refresh(c->fs);
	famfs_ns_stats(c->ns, &st);
	after = st.next_index;
	pthread_rwlock_unlock(&c->ns_lock);
	if (n < 0 && n != -EBADMSG)
		fd_log(LOG_WARNING, "log follow: %s", strerror((int)-n));
	if (after > before) {
		atomic_fetch_add(&c->stats.refreshes, 1);
		fd_log(LOG_DEBUG, "log follow: %llu new entries",
		       (unsigned long long)(after - before));
	}
	return (long)(after - before);
}

bool fd_refresh_on_miss(struct fd_ctx *c)
{
	struct timespec now;
	long long dt;
	bool go;

	clock_gettime(CLOCK_MONOTONIC, &now);
	pthread_mutex_lock(&c->follow_lock);
	dt = (now.tv_sec - c->last_miss_refresh.tv_sec) * 1000000000LL +
	     (now.tv_nsec - c->last_miss_refresh.tv_nsec);
	go = dt >= MISS_INTERVAL_NS;
	if (go)
		c->last_miss_refresh = now;
	pthread_mutex_unlock(&c->follow_lock);
	if (!go || refresh_pass(c) <= 0)
		return false;
	/* The follower sends the notifications. */
	pthread_mutex_lock(&c->follow_lock);
	c->follow_wake = true;
	pthread_cond_signal(&c->follow_cond);
	pthread_mutex_unlock(&c->follow_lock);
	return true;
}

static void *follow_main(void *arg)
{
	struct fd_ctx *c = arg;
	uint64_t unlogged = 0, from, to;

	for (;;) {
		unsigned ms = c->opts->poll_ms;
		struct timespec until;
		bool stop;

		/* Pending objects: look again soon to log them once settled. */
		if (unlogged && ms > c->settle_ms / 2 + 10)
			ms = c->settle_ms / 2 + 10;
		clock_gettime(CLOCK_MONOTONIC, &until);
		until.tv_sec += ms / 1000;
		until.tv_nsec += (long)(ms % 1000) * 1000000L;
		if (until.tv_nsec >= 1000000000L) {
			until.tv_sec++;
			until.tv_nsec -= 1000000000L;
		}
		pthread_mutex_lock(&c->follow_lock);
		while (!c->follow_stop && !c->notify_head && !c->follow_kick &&
		       !c->follow_wake &&
		       pthread_cond_timedwait(&c->follow_cond, &c->follow_lock,
					      &until) != ETIMEDOUT)
			;
		if (c->follow_kick)
			unlogged = 1; /* something new is pending */
		c->follow_kick = false;
		c->follow_wake = false;
		stop = c->follow_stop;
		pthread_mutex_unlock(&c->follow_lock);
		if (stop)
			break;
		refresh_pass(c);
		if (c->role == FAMFS_ROLE_MASTER)
			unlogged = fd_pend_commit(c, false);
		from = send_new_entries(c, &to);
		send_queued(c, from, to);
	}
	return NULL;
}

int fd_follow_start(struct fd_ctx *c)
{
	struct famfs_ns_stats st;
	pthread_condattr_t ca;
	int rc;

	/* What the kernel can have seen so far came from this namespace. */
	pthread_rwlock_rdlock(&c->ns_lock);
	famfs_ns_stats(c->ns, &st);
	pthread_rwlock_unlock(&c->ns_lock);
	c->notified_index = st.next_index;

	/* Timed waits on the monotonic clock (immune to clock steps). */
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_destroy(&c->follow_cond);
	pthread_cond_init(&c->follow_cond, &ca);
	pthread_condattr_destroy(&ca);
	rc = pthread_create(&c->follower, NULL, follow_main, c);
	if (rc)
		return -rc;
	c->follower_running = true;
	return 0;
}

void fd_follow_stop(struct fd_ctx *c)
{
	if (!c->follower_running)
		return;
	pthread_mutex_lock(&c->follow_lock);
	c->follow_stop = true;
	pthread_cond_signal(&c->follow_cond);
	pthread_mutex_unlock(&c->follow_lock);
	pthread_join(c->follower, NULL);
	c->follower_running = false;
	fd_notify_discard(c);
}

void fd_notify_discard(struct fd_ctx *c)
{
	struct fd_notify *n = take_queue(c);

	while (n) {
		struct fd_notify *next = n->next;

		free(n);
		n = next;
	}
}
