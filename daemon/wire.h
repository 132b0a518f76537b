/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The wire module: everything famfsd says to the kernel that no libfuse
 * release can say (spec/fuse-api.md 1.2-1.5, 3.3, 8; spec/fuse-extmap.md).
 *
 *  - INIT (wire.c): the raw request is parsed as it is read and the raw
 *    reply patched as it is written: the kernel ABI for dax passthrough is
 *    chosen there (7.47 extent maps, famfs's OPEN-reply form, or none),
 *    FUSE_DIRECT_IO_ALLOW_MMAP is echoed when offered, every INIT bit
 *    famfsd does not implement is cleared.
 *  - Every other request and reply passes through wire_msg.c, which gives
 *    the ABI in use a look at it (FORGET, fuse_attr.flags, open_out size).
 *  - The ABIs, one file each behind struct wire_abi (wire_internal.h):
 *    abi_extmap.c (7.47), abi_openreply.c (famfs's form). The daemon path
 *    is famfsd's own (openpath.c, datapath.c).
 *  - backing.c: the kernel channel (ioctls, notifications), real or the
 *    test emulator's seam. map.c: the ABI-neutral file map.
 *
 * The numbers live in include/famfs/fuse_dax.h. Nothing here includes the
 * daemon's headers, so the module is testable on its own; famfsd owns one
 * struct wire and calls these functions from small hooks.
 *
 * Transport: wire_request_seen() and wire_reply_prepare()/_done() work on
 * messages given as buffers, whatever carried them (read(2)/writev(2) on
 * /dev/fuse below, or a ring); notifications always go to the session fd
 * with write(2) (backing.c, wire_notify).
 *
 * Thread safety: everything may run concurrently from any worker thread,
 * except that INIT is settled before any later request is handed out.
 */
#ifndef FAMFSD_WIRE_H
#define FAMFSD_WIRE_H

#ifndef FUSE_USE_VERSION
#define FUSE_USE_VERSION 314
#endif

#include <fuse_lowlevel.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/uio.h>

#include "famfs/famfs.h"
#include "famfs/fuse_dax.h"
#include "map.h"

/* Same numbering as the daemon's -d option values. */
enum wire_path {
	WIRE_PATH_AUTO = 0, /* 7.47, then the OPEN-reply form, then daemon */
	WIRE_PATH_PASSTHROUGH, /* 7.47 or the OPEN-reply form, else exit 2 */
	WIRE_PATH_DAEMON, /* never passthrough */
	WIRE_PATH_EXTMAP, /* only 7.47 */
	WIRE_PATH_OPENREPLY, /* only famfs's OPEN-reply form */
};

/* @path (enum wire_path) requires passthrough: without it famfsd exits 2. */
bool wire_path_forced(int path);

/* The ABI in use (valid once INIT is settled). */
enum wire_abi_id { WIRE_ABI_NONE = 0, WIRE_ABI_EXTMAP, WIRE_ABI_OPENREPLY };

/* Default bound on live 7.47 maps (--max-maps). */
#define WIRE_MAX_MAPS_DEFAULT 65536u

struct wire_opts {
	int path; /* enum wire_path */
	bool allow_mmap; /* request FUSE_DIRECT_IO_ALLOW_MMAP when offered */
	int dev0_fd; /* the mounted device (index 0), kept open by the caller */
	bool dev0_is_dax; /* a devdax character device */
	bool rdonly; /* open secondary devices O_RDONLY */
	/* [1..]: paths of ADD_DAXDEV devices from famfs.conf; NULL = none */
	const char *devpath[FAMFS_MAX_DAXDEVS];
	unsigned max_maps; /* live 7.47 maps; 0 = WIRE_MAX_MAPS_DEFAULT */
	/*
	 * -1: backing ioctls go to ioctl(2) on the session fd. Otherwise the
	 * emulator seam: a SOCK_SEQPACKET fd that carries each ioctl as a
	 * struct wire_ioctl_msg (device fd via SCM_RIGHTS) and gets a struct
	 * wire_ioctl_ans back. In that mode the emulator plays the kernel, so
	 * it also decides whether a device qualifies for dax.
	 */
	int ioctl_fd;
	/* Log sink (the daemon's fd_log); NULL = stderr. */
	void (*log)(int level, const char *fmt, ...)
		__attribute__((format(printf, 2, 3)));
	/*
	 * Called once INIT is settled (reply written, devices registered),
	 * before any later request is read. May be NULL.
	 */
	void (*settled)(void *arg);
	/*
	 * Is @nodeid a dax-mapped file (a logged regular file with a map)?
	 * Must give the same answer for a nodeid for the mount's life: on a
	 * 7.47 connection it decides FUSE_ATTR_DAX (S_DAX) and every open of
	 * such a nodeid is passthrough. No lock of the caller may be held
	 * for writing when a reply is sent. NULL = none is.
	 */
	bool (*dax_node)(void *arg, uint64_t nodeid);
	void *arg; /* for settled and dax_node */
	/* Counters to bump (.meta/.stats); NULL = keep them internally. */
	atomic_ullong *passthrough_opens;
	atomic_ullong *backing_registrations;
};

/* Emulator seam messages (tests/protocol re-declares them from here). */
#define WIRE_IOCTL_MAGIC 0x4f494446u /* "FDIO" */
struct wire_ioctl_msg {
	uint32_t magic; /* WIRE_IOCTL_MAGIC */
	uint32_t cmd; /* the ioctl number */
	uint8_t arg[16]; /* its 16-byte argument (or the u32 id for CLOSE) */
};
struct wire_ioctl_ans {
	int32_t result; /* ioctl(2)'s return value, or -errno */
	uint32_t pad;
	uint8_t arg[16]; /* the argument after the call (_IOR ioctls) */
};

/* What the raw INIT request said. */
struct wire_init_req {
	uint64_t unique;
	uint32_t major, minor;
	uint64_t flags; /* flags | flags2 << 32 (flags2 only with INIT_EXT) */
};

/* Counters of the map lifetime (.meta/.stats). */
struct wire_stats {
	uint64_t maps_live; /* 7.47 maps the kernel holds under our ids */
	uint64_t map_pushes; /* FUSE_NOTIFY_MAP sent */
	uint64_t map_closes; /* FUSE_NOTIFY_BACKING_CLOSE of maps sent */
	uint64_t map_evictions; /* closed at the --max-maps bound */
};

/* A file as the daemon sees it at OPEN/CREATE time. */
struct wire_file {
	uint64_t nodeid; /* the kernel's nodeid */
	uint64_t ns_ino; /* namespace identity (stable across hosts) */
	const struct famfs_fmap *fmap; /* NULL: no map (generated files) */
	uint64_t size; /* bytes */
	bool logged; /* false: still growing on the master (pending) */
};

struct wire;

/*
 * Create the module. Errors: -ENODEV for a forced passthrough path on a
 * device that is not devdax (and no emulator seam), -EINVAL bad options,
 * -ENOMEM.
 */
int wire_new(const struct wire_opts *o, struct wire **out);
/* Unmounts (wire_unmount) if not done yet, then frees. */
void wire_free(struct wire *w);
/* The session whose fd the ioctls and notifications go to. */
void wire_set_session(struct wire *w, struct fuse_session *se);
/* Close every map and device id now (unmount, while the fd is open). */
void wire_unmount(struct wire *w);

/*
 * Custom-io hooks: behave like read(2) and writev(2) on @fd, plus the
 * message hooks below. Between reading INIT and settling it, reads from
 * other threads wait: no request ever sees an undecided data path.
 */
ssize_t wire_io_read(struct wire *w, int fd, void *buf, size_t len);
ssize_t wire_io_writev(struct wire *w, int fd, struct iovec *iov, int count);

/* A request of @len bytes was received (any transport). */
void wire_request_seen(struct wire *w, const void *buf, size_t len);

/* A reply on its way out; wire_reply_prepare may rewrite it. */
struct wire_out {
	struct iovec iov[2]; /* the rewritten message: header, payload */
	void *heap; /* owned copy, freed by _done */
	uint8_t small[512]; /* copy for small replies */
	uint32_t opcode; /* of the request it answers; 0 = not tracked */
	uint64_t counted; /* nodeid whose lookup count this reply took */
	bool init; /* the INIT reply */
};
/*
 * Returns the iovec to send in @iov and @count: the input, or @o's two
 * elements (the out header, then the payload). -errno: the reply must not
 * go out (ENOMEM).
 */
int wire_reply_prepare(struct wire *w, struct iovec **iov, int *count,
		       struct wire_out *o);
/* After sending: @sent = the kernel took it. Settles INIT. */
void wire_reply_done(struct wire *w, struct wire_out *o, bool sent);
/* writev(2) on @fd (the raw syscall under ASan: see wire_msg.c). */
ssize_t wire_writev_fd(int fd, const struct iovec *iov, int count);
/*
 * prepare, @send, done in one: @send(@arg, iov, count, &sent) delivers the
 * (possibly rewritten) reply and says whether the kernel took it; NULL =
 * writev(2) on the fd *(int *)@arg. Returns what @send returned (the
 * original byte count when rewritten), or -1 with errno.
 */
typedef ssize_t (*wire_send_fn)(void *arg, const struct iovec *iov, int count,
				bool *sent);
ssize_t wire_send(struct wire *w, struct iovec *iov, int count,
		  wire_send_fn send, void *arg);

/* After INIT: a passthrough ABI is in use (devices registered). */
bool wire_dax_active(const struct wire *w);
enum wire_abi_id wire_abi(const struct wire *w);
/* "extmap-7.47", "openreply", "none" */
const char *wire_abi_name(const struct wire *w);
/* FUSE_DIRECT_IO_ALLOW_MMAP negotiated (shared mmap on the daemon path). */
bool wire_allow_mmap(const struct wire *w);
/*
 * Before the INIT reply is written: echo @flags too, those of them the
 * kernel offered (INIT bits the caller implements, e.g. the io_uring
 * transport's FUSE_OVER_IO_URING). wire_init_echoed(): what was echoed,
 * once the reply is out.
 */
void wire_init_echo(struct wire *w, uint64_t flags);
uint64_t wire_init_echoed(const struct wire *w);
/* NULL, or why a forced passthrough cannot run (the daemon exits 2). */
const char *wire_fatal(const struct wire *w);
/* An INIT request was read and its reply is not written yet. */
bool wire_init_pending(const struct wire *w);
/* The INIT request as seen (valid after INIT). */
void wire_init_seen(const struct wire *w, struct wire_init_req *out);
void wire_get_stats(const struct wire *w, struct wire_stats *st);

/*
 * Answer OPEN (@e NULL) or CREATE (@e the new entry) for @f in passthrough
 * when the ABI in use says it qualifies. fi->fh is the daemon's handle.
 * Returns 1: replied with FOPEN_PASSTHROUGH; call wire_release at RELEASE.
 *         2: replied, but the kernel dropped the reply (interrupted open):
 *            no RELEASE will come, free the handle now.
 *         0: not for dax; the caller replies itself (daemon path). When dax
 *            is active the open is still tracked: call wire_release too.
 *         -ENXIO: a device of the map has no path (logged);
 *         -ENFILE: the live-map bound is reached and every map is in use;
 *         -EIO: a map the kernel would refuse; other -errno from the
 *            kernel. The caller replies the error.
 */
int wire_reply_open(struct wire *w, fuse_req_t req, const struct wire_file *f,
		    const struct fuse_entry_param *e,
		    const struct fuse_file_info *fi);
/*
 * Every device @m references has a path (index 0 always does). -ENXIO
 * otherwise, logged once per device: such files cannot be opened on any
 * data path.
 */
int wire_map_devices_known(struct wire *w, const struct famfs_fmap *m);
/* A handle of @nodeid answered through wire_reply_open was released. */
void wire_release(struct wire *w, uint64_t nodeid);

/* ---- pure helpers (unit-tested; used by the functions above) ----------- */

/* fuse_entry_out for @e, as libfuse would send it (flags 0). */
void wire_fill_entry(struct fuse_dax_entry_out *o,
		     const struct fuse_entry_param *e);

/*
 * If @buf (@len bytes from the device) is a FUSE_INIT request, fill @out
 * and return 1; 0 for any other request; -EPROTO for a truncated INIT.
 */
int wire_parse_init(const void *buf, size_t len, struct wire_init_req *out);

/*
 * famfs's OPEN-reply record for @m into @buf (@cap bytes). @ids[d] is the
 * backing id of device d; @dflt the id put into fuse_open_out (extents and
 * strips on it carry 0). Simple maps: type 33, one extent per famfs
 * extent. Interleaved maps: type 34, one entry per strip, file_size =
 * m->mapped. Returns the record size or -E2BIG when it exceeds @cap.
 */
ssize_t wire_build_record(const struct wire_map *m, const int32_t *ids,
			  int32_t dflt, void *buf, size_t cap);
/* Bytes wire_build_record needs for @m. */
size_t wire_record_size(const struct wire_map *m);

/*
 * The 7.47 FUSE_NOTIFY_MAP message (out header included) creating map
 * @id for @m, into @buf (@cap bytes); @dev_ids[d] is device d's 64-bit
 * id. Simple: one extent per famfs extent. Interleaved: FUSE_MAP_CYCLIC,
 * one chunk-long extent per strip at file offset i * chunk. Returns the
 * message size or -E2BIG.
 */
ssize_t wire_build_notify_map(const struct wire_map *m, uint64_t id,
			      const uint64_t *dev_ids, void *buf, size_t cap);
/* The 7.47 FUSE_NOTIFY_BACKING_CLOSE message for @id into @buf (32). */
size_t wire_build_backing_close(uint64_t id, void *buf);

#endif /* FAMFSD_WIRE_H */
