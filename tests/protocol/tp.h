/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The protocol tests' harness (tp.c): one famfs image with known files,
 * daemons started under the emulator, and checks that say what failed.
 * Cases: cases_common.c, cases_openreply.c, cases_extmap.c.
 */
#ifndef PROTO_TP_H
#define PROTO_TP_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "img.h"
#include "proto.h"

#define MiB (1ULL << 20)
#define GiB (1ULL << 30)
#define NCONC 32

extern const char *famfsd;
extern char dir[128], img0[192], img1[192], uuidf[192], conf[192];
extern uint64_t log_len;
/* The files of the image and their maps. */
extern struct famfs_fmap m_one, m_sixteen, m_stripe, m_conc[NCONC], m_d1,
	m_mixed, m_big;
extern uint64_t s_stripe;
/* Two 2 GiB strips on devices 0 and 1: 2048 chunks, unrolled 64 KiB of
 * type 33; 2 cyclic extents. */
extern uint64_t s_big;
extern ino_t img1_ino, img0_ino;
extern char why[512];
extern struct emu *cur; /* the last daemon started: its log on failure */
extern char logs[64][256];
extern int nlogs;
extern struct dec_open dop; /* large: shared */

struct emu_opts base_opts(const char *path, int kernel);
int build_image(void);
int start(struct emu *e, const struct emu_opts *o);
/* start() then a successful INIT of 7.@minor offering @offer. */
int start_init(struct emu *e, const struct emu_opts *o, uint64_t offer,
	       uint32_t minor, struct dec_init *di);
bool log_has(const struct emu *e, const char *s);
/* LOOKUP @name in @parent and OPEN it; the OPEN-reply form's decoder. */
int open_dec(struct emu *e, uint64_t parent, const char *name, size_t max_ext,
	     struct dec_open *d, uint64_t *nodeid);
/* Open "one" with no extension room: it must take the daemon path. */
int open_one_daemon(struct emu *e, uint64_t *nid);
/* A type-33 record matches @m exactly (extents, offsets, ids). */
int same_simple(const struct dec_open *d, const struct famfs_fmap *m,
		const int32_t *ids);
/* READ of [off, off + len) returns the seeded pattern. */
int read_matches(struct emu *e, uint64_t nodeid, uint64_t fh, uint64_t off,
		 uint32_t len, uint32_t seed);

/* LOOKUP c00..c31 into @nid. 0 or -1. */
int lookup_conc(struct emu *e, uint64_t *nid);
/* @rounds x OPEN of each of @nid[0..n) without waiting for replies. */
void send_opens(struct emu *e, const uint64_t *nid, int n, int rounds);
/* CREATE @name in the root (O_RDWR|O_CREAT|O_EXCL, 0644): reply bytes. */
ssize_t tp_create(struct emu *e, const char *name, uint8_t *r, size_t cap);

/* The cases (each 0 or -1 after printing why). */
int case_stock(void);
int case_forced_daemon(void);
int case_no_passthrough(void);
int case_forced_impossible(void);
int case_or_records(void);
int case_or_small_ext(void);
int case_or_concurrent(void);
int case_or_create(void);
int case_47_init(void);
int case_47_maps(void);
int case_47_attrs(void);
int case_47_forget(void);
int case_47_unmount(void);
int case_47_bound(void);
int case_47_create(void);
int case_47_concurrent(void);
int case_47_fallback(void);

#endif /* PROTO_TP_H */
