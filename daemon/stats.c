// SPDX-License-Identifier: Apache-2.0
/* .meta/.stats: counters as "key value" lines (CONTRACT.md). Callers hold
 * ns_lock for reading. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "famfsd.h"
#include "wire.h"

/* A shard per thread, picked once; threads beyond FD_IO_SHARDS share. */
static struct fd_io_shard *my_shard(struct fd_ctx *c)
{
	static atomic_uint next;
	static __thread int slot = -1;

	if (slot < 0)
		slot = (int)(atomic_fetch_add(&next, 1) % FD_IO_SHARDS);
	return &c->stats.io[slot];
}

void fd_count_read(struct fd_ctx *c)
{
	atomic_fetch_add_explicit(&my_shard(c)->reads, 1, memory_order_relaxed);
}

void fd_count_write(struct fd_ctx *c)
{
	atomic_fetch_add_explicit(&my_shard(c)->writes, 1,
				  memory_order_relaxed);
}

void fd_count_fast(struct fd_ctx *c)
{
	atomic_fetch_add_explicit(&my_shard(c)->fast, 1, memory_order_relaxed);
}

static size_t render(struct fd_ctx *c, char *buf, size_t len)
{
	struct famfs_ns_stats st;
	struct wire_stats ws;
	unsigned long long reads = 0, writes = 0, fast = 0;
	int n;

	for (int i = 0; i < FD_IO_SHARDS; i++) {
		reads += atomic_load(&c->stats.io[i].reads);
		writes += atomic_load(&c->stats.io[i].writes);
		fast += atomic_load(&c->stats.io[i].fast);
	}
	famfs_ns_stats(c->ns, &st);
	wire_get_stats(c->wire, &ws);
	n = snprintf(buf, len,
		     "role %s\n"
		     "data_path %s\n"
		     "abi %s\n"
		     "transport %s\n"
		     "ring_requests %llu\n"
		     "read_upcalls %llu\n"
		     "write_upcalls %llu\n"
		     "fast_upcalls %llu\n"
		     "passthrough_opens %llu\n"
		     "daemon_opens %llu\n"
		     "backing_registrations %llu\n"
		     "log_entries %" PRIu64 "\n"
		     "refreshes %llu\n"
		     "pending %" PRIu64 "\n"
		     "journaled_files %llu\n"
		     "maps_live %" PRIu64 "\n"
		     "map_pushes %" PRIu64 "\n"
		     "map_closes %" PRIu64 "\n"
		     "map_evictions %" PRIu64 "\n",
		     famfs_role_name(c->role), fd_data_path_name(c),
		     wire_abi_name(c->wire), fd_transport_name(c),
		     fd_uring_served(c->uring), reads, writes, fast,
		     (unsigned long long)c->stats.passthrough_opens,
		     (unsigned long long)c->stats.daemon_opens,
		     (unsigned long long)c->stats.backing_registrations,
		     st.next_index, (unsigned long long)c->stats.refreshes,
		     fd_pend_unlogged(c),
		     (unsigned long long)c->stats.journaled_files, ws.maps_live,
		     ws.map_pushes, ws.map_closes, ws.map_evictions);
	if (n < 0)
		return 0;
	return (size_t)n < len ? (size_t)n : len - 1;
}

size_t fd_stats_attr(struct fd_ctx *c)
{
	struct fd_stats *s = &c->stats;
	size_t n;

	pthread_mutex_lock(&s->snap_lock);
	n = render(c, s->snap, sizeof(s->snap));
	s->snap_len = n;
	pthread_mutex_unlock(&s->snap_lock);
	return n;
}

size_t fd_stats_snapshot(struct fd_ctx *c, char *buf)
{
	struct fd_stats *s = &c->stats;
	size_t n;

	pthread_mutex_lock(&s->snap_lock);
	if (!s->snap_len)
		s->snap_len = render(c, s->snap, sizeof(s->snap));
	n = s->snap_len;
	memcpy(buf, s->snap, n);
	pthread_mutex_unlock(&s->snap_lock);
	return n;
}
