/* SPDX-License-Identifier: Apache-2.0 */
/*
 * State of the wire module and the interface every kernel ABI implements
 * (abi_extmap.c, abi_openreply.c). Files call down only: wire.c and
 * wire_msg.c call an ABI through struct wire_abi; an ABI calls backing.c
 * (ioctls, notifications, devices) and map.c; nothing calls back up.
 */
#ifndef FAMFSD_WIRE_INTERNAL_H
#define FAMFSD_WIRE_INTERNAL_H

#include <pthread.h>
#include <syslog.h>

#include "wire.h"

struct wire;

/*
 * One kernel ABI for dax passthrough. The daemon path ("none") is the
 * absence of one: famfsd answers opens itself.
 */
struct wire_abi {
	enum wire_abi_id id;
	const char *name; /* wire_abi_name() */
	/* INIT request seen: does this kernel speak the ABI? (May probe.) */
	bool (*offered)(struct wire *w);
	/* INIT reply: request the ABI (bits, max_stack_depth, minor). */
	void (*accept)(struct wire *w, struct fuse_dax_init_out *out);
	/*
	 * Right after the INIT reply: register the devices (device 0's
	 * success confirms the ABI). 0, or -errno after one log line.
	 */
	int (*register_devices)(struct wire *w);
	/* Make @f's mapping known to the kernel and answer the OPEN/CREATE
	 * (wire_reply_open's contract; 0 = not for this ABI). */
	int (*reply_open)(struct wire *w, fuse_req_t req,
			  const struct wire_file *f,
			  const struct fuse_entry_param *e,
			  const struct fuse_file_info *fi);
	/*
	 * A reply to @opcode (@msg, @len bytes, out header included, a
	 * private copy) is about to go out: the ABI may patch it in place.
	 * Entry replies that take a lookup reference set o->counted. NULL:
	 * the ABI needs no reply but its own.
	 */
	void (*reply_seen)(struct wire *w, uint32_t opcode, uint64_t nodeid,
			   uint8_t *msg, size_t len, struct wire_out *o);
	/* The kernel dropped @n lookup references of @nodeid. May be NULL. */
	void (*forget)(struct wire *w, uint64_t nodeid, uint64_t n);
	/* Opcodes (bits, all < 64) whose replies reply_seen wants. */
	uint64_t reply_ops;
	/* A handle answered by reply_open was released. */
	void (*release)(struct wire *w, uint64_t nodeid);
	/* Unmount: close whatever the ABI holds in the kernel. */
	void (*unmount)(struct wire *w);
	/* Free the ABI's private state (after unmount). */
	void (*destroy)(struct wire *w);
};

extern const struct wire_abi wire_abi_extmap;
extern const struct wire_abi wire_abi_openreply;

/* Per-device registration (backing.c). */
struct wire_dev {
	int state; /* 0 not tried, 1 registered, < 0 sticky -errno */
	int32_t id32; /* OPEN-reply form: id from the kernel */
	uint64_t id64; /* 7.47: our id */
};

/* In-flight requests whose replies an ABI looks at (wire_msg.c). */
#define WIRE_TRACK_STRIPES 16u
#define WIRE_TRACK_SLOTS 256u
struct wire_track {
	pthread_mutex_t lock;
	atomic_uint used; /* slots in use; changed under the lock */
	uint64_t unique[WIRE_TRACK_SLOTS]; /* 0 = free */
	uint32_t opcode[WIRE_TRACK_SLOTS];
	uint64_t nodeid[WIRE_TRACK_SLOTS];
};

struct wire {
	struct wire_opts o;
	struct fuse_session *se;

	/* INIT (the reader thread only until INIT is settled) */
	atomic_bool init_pending; /* request seen, reply not yet settled */
	pthread_mutex_t init_lock; /* with init_cond: wait for the settle */
	pthread_cond_t init_cond;
	bool init_done;
	struct wire_init_req init;
	const struct wire_abi *want; /* chosen at INIT, before confirmation */
	const struct wire_abi *abi; /* confirmed (devices registered) */
	uint64_t echo; /* INIT bits to echo when offered (wire_init_echo) */
	uint64_t echoed; /* of those, echoed in the INIT reply */
	bool open47; /* minor 47 negotiated: open_out is 24 bytes */
	uint32_t max_open_ext; /* OPEN-reply form: from FAMFUSE_IOC_PROBE */
	atomic_bool dax_active;
	char fatal[400]; /* non-empty: forced passthrough impossible */
	char why_not[160]; /* why the preferred ABI was not offered */

	atomic_ullong own_pt_opens, own_regs;

	atomic_uint nopath_logged; /* devices whose missing path was logged */
	pthread_mutex_t dev_lock;
	struct wire_dev dev[FAMFS_MAX_DAXDEVS];

	/* opcodes whose replies are looked at (bits); 0 = none, fast path */
	_Atomic uint64_t track_ops;
	struct wire_track track[WIRE_TRACK_STRIPES];

	void *abi_priv; /* the ABI's own state */
	/* struct wire_stats, changed under the ABI's lock, read without */
	atomic_ullong maps_live, map_pushes, map_closes, map_evictions;
};

#define wire_log(w, lvl, ...) ((w)->o.log((lvl), __VA_ARGS__))

/* ---- wire.c: INIT ---------------------------------------------------- */

/* A request arrived before INIT was settled: if it is INIT, choose. */
void wire_init_request(struct wire *w, const void *buf, size_t len);
/* Patch the INIT reply in place; false = it must become -EPROTO. */
bool wire_patch_init(struct wire *w, uint8_t *msg, size_t len);
/* The INIT reply went out (@sent) or not: confirm the ABI, wake readers. */
void wire_init_settle(struct wire *w, bool sent);
/* Wait until INIT is settled (no-op when it is). */
void wire_init_wait(struct wire *w);

/* ---- wire_msg.c ------------------------------------------------------- */

/* After INIT: which replies to look at from now on. */
void wire_msg_settle(struct wire *w);

/* ---- backing.c -------------------------------------------------------- */

/* One raw ioctl through the kernel or the emulator seam; @arg is in/out
 * (16 bytes, or a u32 for BACKING_CLOSE). Returns the ioctl's value or
 * -errno. */
int wire_ioctl(struct wire *w, uint32_t cmd, void *arg, int passfd);
/* Write one notification (out header included) to the session fd. 0 or
 * -errno (the kernel's answer to it). */
int wire_notify(struct wire *w, const void *msg, size_t len);
/*
 * Register every device with a path: @reg(w, d, fd) does the ABI's ioctl
 * and fills w->dev[d]. Device 0 must succeed (its error is returned);
 * other failures are logged and stick to the device.
 */
int wire_devices_register(struct wire *w,
			  int (*reg)(struct wire *w, unsigned d, int fd));
/* 0 when every device of @m is registered; else its sticky -errno
 * (-ENXIO: no path, logged once per device). */
int wire_devices_ready(struct wire *w, const struct wire_map *m);
/* Apply @fn to every registered device and mark it closed. */
void wire_devices_close(struct wire *w, void (*fn)(struct wire *w, unsigned d));
/* Send a reply built by an ABI; -ENOENT when the kernel dropped it. */
int wire_send_reply(fuse_req_t req, const void *buf, size_t len);

/* Build the ABI-neutral map for @f (-EIO if no ABI can express it). */
int wire_file_map(struct wire *w, const struct wire_file *f,
		  struct wire_map *m);

#endif /* FAMFSD_WIRE_INTERNAL_H */
