/* SPDX-License-Identifier: Apache-2.0 */
/* FUSE requests the emulator sends, built from the spec's byte layouts. */
#ifndef PROTO_PROTO_H
#define PROTO_PROTO_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "decode.h"
#include "emu.h"

#define OP_LOOKUP 1u
#define OP_FORGET 2u
#define OP_OPEN 14u
#define OP_READ 15u
#define OP_WRITE 16u
#define OP_RELEASE 18u
#define OP_INIT 26u
#define OP_OPENDIR 27u
#define OP_CREATE 35u
#define OP_BATCH_FORGET 42u
#define OP_GETATTR 3u

/* INIT minors of the kernels the tests play. */
#define PROTO_MINOR_STOCK 45u /* a released kernel (6.18) */
#define PROTO_MINOR_47 47u

/* In a test case: report where and why, fail the case. */
#define CHECK(c, ...)                                                     \
	do {                                                              \
		if (!(c)) {                                               \
			fprintf(stderr, "  %s:%d: ", __func__, __LINE__); \
			fprintf(stderr, __VA_ARGS__);                     \
			fputc('\n', stderr);                              \
			return -1;                                        \
		}                                                         \
	} while (0)

/* Flags a 6.18 kernel offers in INIT.flags (incl. WRITEBACK_CACHE). */
#define PROTO_BASE_FLAGS 0x40ddf7ffu

struct pstats {
	char data_path[32];
	char abi[32];
	unsigned long long read_upcalls, write_upcalls, passthrough_opens,
		daemon_opens, backing_registrations, maps_live, map_pushes,
		map_closes, map_evictions, pending;
};

/* INIT of protocol 7.@minor offering @offer (64-bit flags; INIT_EXT is
 * added). Records the negotiated minor and flags in @e. 0 or -1. */
int p_init(struct emu *e, uint64_t offer, uint32_t minor, struct dec_init *out,
	   char *why, size_t wlen);
/* LOOKUP: nodeid of @name in @parent, or 0. The first entry of a nodeid
 * fixes its inode's S_DAX (FUSE_ATTR_DAX) in the emulated kernel. */
uint64_t p_lookup(struct emu *e, uint64_t parent, const char *name);
/* fuse_attr.flags of the last p_lookup reply. */
extern uint32_t p_last_attr_flags;
/* OPEN: raw reply into @buf; bytes or -1. */
ssize_t p_open(struct emu *e, uint64_t nodeid, uint32_t flags, void *buf,
	       size_t cap);
/* READ: payload bytes into @buf (after the header), or -errno. */
ssize_t p_read(struct emu *e, uint64_t nodeid, uint64_t fh, uint64_t off,
	       uint32_t size, void *buf);
ssize_t p_write(struct emu *e, uint64_t nodeid, uint64_t fh, uint64_t off,
		const void *data, uint32_t size);
int p_release(struct emu *e, uint64_t nodeid, uint64_t fh);
/* FORGET: also evicts the emulated inode (tests forget whole counts). */
void p_forget(struct emu *e, uint64_t nodeid, uint64_t n);
/* .meta/.stats through LOOKUP/OPEN/READ/RELEASE. 0 or -1. */
int p_stats(struct emu *e, struct pstats *st);

/*
 * Run case @fn and print "ok|FAIL - @name". *@cur is the daemon the case
 * starts last (NULL before): on failure it is stopped if still running
 * and its log printed. Returns 1 when the case failed, else 0.
 */
int p_run_case(const char *name, int (*fn)(void), struct emu **cur);

#endif /* PROTO_PROTO_H */
