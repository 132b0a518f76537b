/* SPDX-License-Identifier: Apache-2.0 */
/* State shared by wire.c, backing.c and openreply.c. */
#ifndef FAMFSD_WIRE_INTERNAL_H
#define FAMFSD_WIRE_INTERNAL_H

#include <pthread.h>
#include <syslog.h>

#include "wire.h"

/* Per-device registration state. */
struct wire_backing {
	int state; /* 0 not tried, 1 registered, < 0 sticky -errno */
	int32_t id;
};

/* Open handles of one kernel inode and the mode they were answered in. */
struct wire_ino {
	uint64_t ino;
	unsigned nopen;
	bool passthrough;
	struct wire_ino *next;
};

#define WIRE_INO_BUCKETS 1024u

struct wire {
	struct wire_opts o;
	struct fuse_session *se;

	/* INIT (session thread only until INIT is answered) */
	atomic_bool init_pending; /* request seen, reply not yet written */
	pthread_mutex_t init_lock; /* with init_cond: wait for the settle */
	pthread_cond_t init_cond;
	bool init_done;
	struct wire_init_req init;
	bool want_dax; /* we echoed FUSE_PASSTHROUGH_DAX */
	bool allow_mmap; /* we echoed FUSE_DIRECT_IO_ALLOW_MMAP */
	atomic_bool dax_active;
	char fatal[256]; /* non-empty: forced passthrough impossible */

	atomic_ullong own_pt_opens, own_regs;

	atomic_uint nopath_logged; /* devices whose missing path was logged */
	pthread_mutex_t bk_lock; /* serializes registration per device */
	struct wire_backing bk[FAMFS_MAX_DAXDEVS];

	pthread_mutex_t ino_lock;
	struct wire_ino *ino[WIRE_INO_BUCKETS];
};

#define wire_log(w, lvl, ...) ((w)->o.log((lvl), __VA_ARGS__))

/*
 * backing.c: the backing id of device @dev, registering it on first use
 * (exactly once, whatever the concurrency). Errors (sticky per device):
 * -ENXIO no configured path, -errno from open(2) or the ioctl.
 */
int wire_backing_get(struct wire *w, unsigned dev, int32_t *id);
/*
 * openreply.c: count one more open of @ino, which qualifies for
 * passthrough when @want. An inode already open keeps the mode of its
 * first open; *mode gets the mode to use. 0 or -ENOMEM.
 */
int wire_track_open(struct wire *w, uint64_t ino, bool want, bool *mode);
/* backing.c: -ENXIO (logged once per device) if @dev has no path. */
int wire_devices_known(struct wire *w, unsigned dev);
/* backing.c: one raw ioctl through the kernel or the emulator seam. */
int wire_ioctl(struct wire *w, uint32_t cmd, void *arg, int passfd);

#endif /* FAMFSD_WIRE_INTERNAL_H */
