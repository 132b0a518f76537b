/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The wire module: everything famfsd says to the kernel that no libfuse
 * release can say (spec/fuse-api.md 1.2-1.5, 3.3, 8).
 *
 *  - INIT: the raw request is parsed in the session's read hook (flags,
 *    flags2, max_open_ext) and the raw reply is patched in the writev hook
 *    (FUSE_PASSTHROUGH + FUSE_PASSTHROUGH_DAX + max_stack_depth,
 *    FUSE_DIRECT_IO_ALLOW_MMAP, FUSE_INIT_EXT; FUSE_WRITEBACK_CACHE off).
 *  - Backing registrations: one FUSE_DEV_IOC_BACKING_OPEN with
 *    FUSE_BACKING_DAX per device (backing.c).
 *  - OPEN/CREATE replies with FOPEN_PASSTHROUGH, backing_id and the extent
 *    record (openreply.c).
 *
 * The numbers live in include/famfs/fuse_dax.h. Nothing here includes the
 * daemon's headers, so the module is testable on its own; famfsd owns one
 * struct wire and calls these functions from small hooks.
 *
 * Thread safety: wire_io_* run on the session thread(s); wire_reply_open
 * and wire_release may run concurrently from any worker thread.
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

/* Same numbering as the daemon's -d option values. */
enum wire_path { WIRE_PATH_AUTO = 0, WIRE_PATH_PASSTHROUGH, WIRE_PATH_DAEMON };

struct wire_opts {
	int path; /* enum wire_path */
	bool allow_mmap; /* request FUSE_DIRECT_IO_ALLOW_MMAP when offered */
	int dev0_fd; /* the mounted device (index 0), kept open by the caller */
	bool dev0_is_dax; /* a devdax character device */
	bool rdonly; /* open secondary devices O_RDONLY */
	/* [1..]: paths of ADD_DAXDEV devices from famfs.conf; NULL = none */
	const char *devpath[FAMFS_MAX_DAXDEVS];
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
	 * Called once INIT is settled (reply written, primary device probed),
	 * before any later request is read. May be NULL.
	 */
	void (*settled)(void *arg);
	void *settled_arg;
	/* Counters to bump (.meta/.stats); NULL = keep them internally. */
	atomic_ullong *passthrough_opens;
	atomic_ullong *backing_registrations;
};

/* Emulator seam messages (tests/protocol re-declares them from here). */
#define WIRE_IOCTL_MAGIC 0x4f494446u /* "FDIO" */
struct wire_ioctl_msg {
	uint32_t magic; /* WIRE_IOCTL_MAGIC */
	uint32_t cmd; /* FUSE_DAX_IOC_BACKING_OPEN or _CLOSE */
	uint8_t arg[16]; /* fuse_dax_backing_map, or the u32 id for CLOSE */
};
struct wire_ioctl_ans {
	int32_t result; /* ioctl(2)'s return value, or -errno */
	uint32_t pad;
};

/* What the raw INIT request said. */
struct wire_init_req {
	uint64_t unique;
	uint32_t major, minor;
	uint64_t flags; /* flags | flags2 << 32 (flags2 only with INIT_EXT) */
	uint32_t max_open_ext; /* 0 unless FUSE_PASSTHROUGH_DAX was offered */
};

/* A file as the daemon sees it at OPEN/CREATE time. */
struct wire_file {
	uint64_t ino; /* the kernel's nodeid */
	const struct famfs_fmap *fmap; /* NULL: no map (generated files) */
	uint64_t size; /* bytes */
	bool logged; /* false: still growing on the master (pending) */
};

struct wire;

/*
 * Create the module. Errors: -ENODEV for -d passthrough on a device that is
 * not devdax (and no emulator seam), -EINVAL bad options, -ENOMEM.
 */
int wire_new(const struct wire_opts *o, struct wire **out);
/* Closes every registration (BACKING_CLOSE) still held, then frees. */
void wire_free(struct wire *w);
/* The session whose fd the backing ioctls go to (and that a fatal ends). */
void wire_set_session(struct wire *w, struct fuse_session *se);
/* BACKING_CLOSE all ids now (at unmount, before the fd goes away). */
void wire_close_backings(struct wire *w);

/*
 * Custom-io hooks: the daemon's fuse_custom_io read/writev call these
 * (userdata there is the daemon's context). They behave like read(2) and
 * writev(2) on @fd, plus INIT parsing and patching. Between reading INIT
 * and settling it (reply written, device 0 registered), reads from other
 * threads wait: no request ever sees an undecided data path.
 */
ssize_t wire_io_read(struct wire *w, int fd, void *buf, size_t len);
ssize_t wire_io_writev(struct wire *w, int fd, struct iovec *iov, int count);

/* After INIT: dax passthrough negotiated and the primary device registered. */
bool wire_dax_active(const struct wire *w);
/* FUSE_DIRECT_IO_ALLOW_MMAP negotiated (shared mmap on the daemon path). */
bool wire_allow_mmap(const struct wire *w);
/* NULL, or why a forced passthrough cannot run (the daemon exits 2). */
const char *wire_fatal(const struct wire *w);
/* An INIT request was read and its reply is not written yet. */
bool wire_init_pending(const struct wire *w);
/* The INIT request as seen (valid after INIT). */
void wire_init_seen(const struct wire *w, struct wire_init_req *out);

/*
 * Answer OPEN (@e NULL) or CREATE (@e the new entry) for @f with the dax
 * extension when this file qualifies: dax active, logged, mapped, every
 * device registered, record within max_open_ext, and no daemon-path handle
 * of the inode open. fi->fh is the daemon's handle.
 * Returns 1: replied with FOPEN_PASSTHROUGH; call wire_release at RELEASE.
 *         2: replied, but the kernel dropped the reply (interrupted open):
 *            no RELEASE will come, free the handle now.
 *         0: not for dax; the caller replies itself (daemon path). When dax
 *            is active the open is still tracked: call wire_release too.
 *         -ENXIO: a device of the map has no configured path (logged);
 *         -errno from a failed registration. The caller replies the error.
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
/* A handle of @ino opened through wire_reply_open was released. */
void wire_release(struct wire *w, uint64_t ino);

/* ---- pure helpers (unit-tested; used by the functions above) ----------- */

/*
 * If @buf (@len bytes from the device) is a FUSE_INIT request, fill @out
 * and return 1; 0 for any other request; -EPROTO for a truncated INIT.
 */
int wire_parse_init(const void *buf, size_t len, struct wire_init_req *out);

/*
 * The extent record for @m (a file of @size bytes) into @buf (@cap bytes).
 * @ids[d] is the backing id of device d; @dflt the id put into
 * fuse_open_out (extents and strips on it carry 0). Simple maps: type 33,
 * one extent per famfs extent. Interleaved maps: type 34, one entry per
 * strip, file_size = @size rounded up to the chunk size. Returns the
 * record size, -E2BIG when it exceeds @cap, -EINVAL for a map it cannot
 * express (no extents, device index >= FAMFS_MAX_DAXDEVS, empty
 * interleaved file, chunk size 0 or not a power of two, a strip not made
 * of whole chunks).
 */
ssize_t wire_build_record(const struct famfs_fmap *m, uint64_t size,
			  const int32_t *ids, int32_t dflt, void *buf,
			  size_t cap);

#endif /* FAMFSD_WIRE_H */
