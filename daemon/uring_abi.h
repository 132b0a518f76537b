/* SPDX-License-Identifier: Apache-2.0 */
/*
 * FUSE-over-io_uring kernel ABI (protocol 7.42, Linux 6.14+), declared
 * here because Debian 12's <linux/fuse.h> predates it. Numbers and layouts
 * are the kernel's (include/uapi/linux/fuse.h); the asserts pin them.
 */
#ifndef FAMFSD_URING_ABI_H
#define FAMFSD_URING_ABI_H

#include <stddef.h>
#include <stdint.h>

/* The INIT flag is FUSE_DAX_OVER_IO_URING (famfs/fuse_dax.h). */

/* IORING_OP_URING_CMD cmd_op values on the /dev/fuse fd. */
enum {
	FD_URING_CMD_REGISTER = 1, /* hand an entry's buffers to the kernel */
	FD_URING_CMD_COMMIT_AND_FETCH = 2, /* reply, then wait for the next */
};

#define FD_URING_IN_OUT_SZ 128 /* fuse_in_header / fuse_out_header */
#define FD_URING_OP_IN_SZ 128 /* the request's first argument */

struct fd_uring_ent_in_out {
	uint64_t flags;
	uint64_t commit_id; /* the request's unique */
	uint32_t payload_sz; /* bytes in the payload buffer, both ways */
	uint32_t padding;
	uint64_t reserved;
};

/* iov[0] of a REGISTER: the kernel writes requests' headers here and
 * reads the reply's out header back from in_out. */
struct fd_uring_req_header {
	char in_out[FD_URING_IN_OUT_SZ];
	char op_in[FD_URING_OP_IN_SZ];
	struct fd_uring_ent_in_out ring_ent_in_out;
};

/* In the 80-byte command area of a 128-byte SQE. */
struct fd_uring_cmd_req {
	uint64_t flags;
	uint64_t commit_id; /* COMMIT_AND_FETCH: the unique answered */
	uint16_t qid; /* queue = CPU the request was made on */
	uint8_t padding[6];
};

_Static_assert(sizeof(struct fd_uring_ent_in_out) == 32, "ent_in_out");
_Static_assert(sizeof(struct fd_uring_req_header) == 288, "req_header");
_Static_assert(offsetof(struct fd_uring_req_header, ring_ent_in_out) == 256,
	       "ring_ent_in_out offset");
_Static_assert(sizeof(struct fd_uring_cmd_req) == 24, "cmd_req");

#endif /* FAMFSD_URING_ABI_H */
