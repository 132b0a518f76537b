// SPDX-License-Identifier: Apache-2.0
/* .meta/.stats: counters as "key value" lines (CONTRACT.md). Callers hold
 * ns_lock for reading. */
#include <inttypes.h>
#include <stdio.h>

#include "famfsd.h"
#include "wire.h"

size_t fd_stats_render(struct fd_ctx *c, char *buf, size_t len)
{
	struct famfs_ns_stats st;
	struct wire_stats ws;
	int n;

	famfs_ns_stats(c->ns, &st);
	wire_get_stats(c->wire, &ws);
	n = snprintf(buf, len,
		     "role %s\n"
		     "data_path %s\n"
		     "abi %s\n"
		     "read_upcalls %llu\n"
		     "write_upcalls %llu\n"
		     "passthrough_opens %llu\n"
		     "daemon_opens %llu\n"
		     "backing_registrations %llu\n"
		     "log_entries %" PRIu64 "\n"
		     "refreshes %llu\n"
		     "pending %" PRIu64 "\n"
		     "maps_live %" PRIu64 "\n"
		     "map_pushes %" PRIu64 "\n"
		     "map_closes %" PRIu64 "\n"
		     "map_evictions %" PRIu64 "\n",
		     famfs_role_name(c->role), fd_data_path_name(c),
		     wire_abi_name(c->wire),
		     (unsigned long long)c->stats.read_upcalls,
		     (unsigned long long)c->stats.write_upcalls,
		     (unsigned long long)c->stats.passthrough_opens,
		     (unsigned long long)c->stats.daemon_opens,
		     (unsigned long long)c->stats.backing_registrations,
		     st.next_index, (unsigned long long)c->stats.refreshes,
		     fd_pend_unlogged(c), ws.maps_live, ws.map_pushes,
		     ws.map_closes, ws.map_evictions);
	if (n < 0)
		return 0;
	return (size_t)n < len ? (size_t)n : len - 1;
}
