/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A FUSE kernel emulator: runs the real famfsd over a SOCK_SEQPACKET
 * socketpair (--emulator-fd) and answers its ioctls on a second one
 * (--emulator-ioctl-fd), so tests see and check every byte. It plays one
 * of three kernels: famfuse.ko (7.47 extent maps and famfs's OPEN-reply
 * form), the 7.47 development tree (extent maps only), or a released
 * kernel (neither).
 */
#ifndef PROTO_EMU_H
#define PROTO_EMU_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "decode.h"

enum emu_kernel {
	EMU_K_FAMFUSE = 0, /* famfuse.ko: 7.47 + FAMFUSE_IOC_* */
	EMU_K_47, /* the 7.47 dev tree: extent maps, 24-byte open_out */
	EMU_K_STOCK, /* a released kernel: no dax ABI */
};

#define EMU_MAX_DEVS 16
#define EMU_RAW_NOTES 64
#define EMU_RAW_NOTE_MAX 192
#define EMU_MAX_BACKINGS 512
#define EMU_MAX_NOTES 4096
#define EMU_MAX_NODES 256

/* One 64-bit backing the emulated 7.47 kernel holds. */
struct emu_backing {
	uint64_t id;
	int dev; /* >= 0: a device (index in dev_*); -1: a map */
	struct dec47_map *map; /* maps: the extents */
};

/* One notification famfsd wrote, with the emulated kernel's verdict. */
struct emu_note {
	int code;
	uint64_t id;
	uint32_t n, flags; /* NOTIFY_MAP */
	int verdict; /* 0 or -errno, as the kernel's write(2) would fail */
	char why[96];
};

struct emu_opts {
	const char *famfsd; /* binary */
	const char *image;
	const char *uuid_file;
	const char *config; /* -c FILE or NULL */
	const char *data_path; /* -d value */
	int kernel; /* enum emu_kernel */
	int reg_errno; /* > 0: every BACKING_OPEN / DAX_OPEN fails so */
	uint32_t max_open_ext; /* FAMFUSE_IOC_PROBE's answer; 0 = 65536 */
	bool no_ioctl_seam; /* don't pass --emulator-ioctl-fd */
	const char *log_level; /* NULL = debug */
	const char *extra[6]; /* more famfsd options, NULL-terminated */
};

struct emu {
	pid_t pid;
	int fd; /* our end of the FUSE channel */
	int iofd; /* our end of the ioctl seam, or -1 */
	int kernel, reg_errno;
	uint32_t max_open_ext;
	pthread_t thr;
	bool thr_running;
	pthread_mutex_t lock;
	/* INIT as negotiated (set by p_init) */
	uint32_t neg_minor;
	uint64_t neg_flags;
	bool openreply; /* FAMFUSE_IOC_ENABLE succeeded */
	/* what the daemon registered (under lock) */
	unsigned nopen, nclose, nbad, nioctl_famfuse;
	unsigned ndevs;
	dev_t dev_st_dev[EMU_MAX_DEVS];
	ino_t dev_st_ino[EMU_MAX_DEVS];
	unsigned dev_count[EMU_MAX_DEVS]; /* registrations per device */
	int32_t dev_id[EMU_MAX_DEVS]; /* OPEN-reply form: 32-bit ids */
	uint64_t dev_id64[EMU_MAX_DEVS]; /* 7.47: the daemon's ids */
	int32_t next_id;
	/* 7.47 state: backings by id, notifications in order */
	unsigned nback;
	struct emu_backing back[EMU_MAX_BACKINGS];
	unsigned nnote;
	struct emu_note note[EMU_MAX_NOTES];
	unsigned nbad47; /* 7.47 bytes seen by a kernel without 7.47 */
	uint8_t reg_arg[EMU_MAX_DEVS][16]; /* each device's BACKING_OPEN arg */
	uint8_t last_map[4096]; /* the last NOTIFY_MAP message, raw */
	size_t last_map_len;
	/* S_DAX of each inode, fixed by the entry reply that made it */
	unsigned nnodes;
	uint64_t node_id[EMU_MAX_NODES];
	bool node_dax[EMU_MAX_NODES];
	uint64_t unique;
	unsigned nnotify; /* notifications received */
	/* The first EMU_RAW_NOTES of them (bytes cut at EMU_RAW_NOTE_MAX),
	 * for emu_take_note: they may arrive before the reply a test waits
	 * for. */
	uint8_t raw_note[EMU_RAW_NOTES][EMU_RAW_NOTE_MAX];
	unsigned raw_len[EMU_RAW_NOTES];
	unsigned raw_head, raw_tail;
	char logpath[256]; /* the daemon's stderr */
};

/* Start famfsd; 0 or -1 (message printed). */
int emu_start(struct emu *e, const struct emu_opts *o);
/* Close the channel, reap the daemon; returns its exit status or -1. */
int emu_stop(struct emu *e);
/*
 * SIGTERM (a clean unmount with the channel open): collect what famfsd
 * writes until it exits, then reap; returns its exit status or -1.
 */
int emu_term(struct emu *e);

/* Send one request; returns its unique. */
uint64_t emu_send(struct emu *e, uint32_t opcode, uint64_t nodeid,
		  const void *a1, size_t l1, const void *a2, size_t l2);
/* Receive one reply (blocking, 10 s timeout); notifications before it are
 * taken by the emulated kernel (emu47.c). Bytes or -1. */
ssize_t emu_recv(struct emu *e, void *buf, size_t cap);
/* Send, then receive the reply to it. */
ssize_t emu_call(struct emu *e, uint32_t opcode, uint64_t nodeid,
		 const void *a1, size_t l1, const void *a2, size_t l2,
		 void *buf, size_t cap);

/* The oldest notification emu_call skipped and kept: its length (into
 * @buf, at most @cap bytes), or 0 when none is left. */
size_t emu_take_note(struct emu *e, void *buf, size_t cap);

/* Print the daemon's stderr log (after a failed case). */
void emu_dump_log(const struct emu *e);

/* Device index (registration order) of the device whose inode is @ino. */
int emu_dev_by_ino(struct emu *e, ino_t ino);

/* ---- the emulated kernels' ABI halves (emu47.c) ----------------------- */

/* An ioctl from the seam: the emulated kernel's answer (under e->lock). */
int32_t emu_ioctl(struct emu *e, uint32_t cmd, uint8_t *arg, int fd);
/* A notification famfsd wrote (unique 0): decode, check, apply. */
void emu_notify(struct emu *e, const uint8_t *msg, size_t len);
/* The backing the kernel holds under @id, or NULL. */
struct emu_backing *emu_backing(struct emu *e, uint64_t id);
/* An entry reply for @nodeid arrived: the first fixes its S_DAX. */
void emu_node_seen(struct emu *e, uint64_t nodeid, bool dax);
/* S_DAX of @nodeid's inode (-1 unknown). */
int emu_node_dax(struct emu *e, uint64_t nodeid);
/* The kernel evicted @nodeid's inode (the test sent its FORGET). */
void emu_node_forget(struct emu *e, uint64_t nodeid);
/* Notifications with @code since index @from (count). */
unsigned emu_notes(struct emu *e, int code, unsigned from);

#endif /* PROTO_EMU_H */
