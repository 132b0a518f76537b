/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A FUSE kernel emulator: runs the real famfsd over a SOCK_SEQPACKET
 * socketpair (--emulator-fd) and answers its backing ioctls on a second
 * one (--emulator-ioctl-fd), so tests see and check every byte.
 */
#ifndef PROTO_EMU_H
#define PROTO_EMU_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

/* How the emulated kernel answers FUSE_DEV_IOC_BACKING_OPEN. */
enum emu_ioctl_policy {
	EMU_IOCTL_OK = 0, /* ids 1, 2, ... (dax flag required) */
	EMU_IOCTL_EINVAL, /* a stock kernel: flags must be 0 */
};

#define EMU_MAX_DEVS 16
#define EMU_NOTES 64
#define EMU_NOTE_MAX 192

struct emu_opts {
	const char *famfsd; /* binary */
	const char *image;
	const char *uuid_file;
	const char *config; /* -c FILE or NULL */
	const char *data_path; /* "auto", "passthrough", "daemon" */
	int policy; /* enum emu_ioctl_policy */
	bool no_ioctl_seam; /* don't pass --emulator-ioctl-fd */
	const char *log_level; /* NULL = debug */
	const char *extra[4]; /* more famfsd options, NULL-terminated */
};

struct emu {
	pid_t pid;
	int fd; /* our end of the FUSE channel */
	int iofd; /* our end of the ioctl seam, or -1 */
	int policy;
	pthread_t thr;
	bool thr_running;
	pthread_mutex_t lock;
	/* what the daemon registered (under lock) */
	unsigned nopen, nclose, nbad;
	unsigned ndevs;
	dev_t dev_st_dev[EMU_MAX_DEVS];
	ino_t dev_st_ino[EMU_MAX_DEVS];
	unsigned dev_count[EMU_MAX_DEVS]; /* BACKING_OPENs per device */
	int32_t dev_id[EMU_MAX_DEVS];
	int32_t next_id;
	uint64_t unique;
	unsigned nnotify; /* notifications skipped by emu_call */
	/* The first EMU_NOTES of them (bytes cut at EMU_NOTE_MAX), for
	 * emu_take_note: they may arrive before the reply a test waits for. */
	uint8_t note[EMU_NOTES][EMU_NOTE_MAX];
	unsigned note_len[EMU_NOTES];
	unsigned note_head, note_tail;
	char logpath[256]; /* the daemon's stderr */
};

/* Start famfsd; 0 or -1 (message printed). */
int emu_start(struct emu *e, const struct emu_opts *o);
/* Close the channel, reap the daemon; returns its exit status or -1. */
int emu_stop(struct emu *e);

/* Send one request; returns its unique. */
uint64_t emu_send(struct emu *e, uint32_t opcode, uint64_t nodeid,
		  const void *a1, size_t l1, const void *a2, size_t l2);
/* Receive one reply (blocking, 10 s timeout); bytes or -1. */
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

#endif /* PROTO_EMU_H */
