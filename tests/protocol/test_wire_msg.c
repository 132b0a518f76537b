// SPDX-License-Identifier: Apache-2.0
/*
 * The wire module's message half without a daemon or a session: a 7.47
 * INIT through wire_request_seen / wire_reply_prepare / _done (the reply
 * patched, device 0 registered through a fake kernel on the ioctl seam),
 * then replies as any transport hands them over (wire_send with its own
 * send function): FUSE_ATTR_DAX in an entry reply, the 24-byte open_out
 * of OPENDIR, untracked replies left alone, the out header apart, tracked
 * replies found whatever slot they probed to.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "decode.h"
#include "wcheck.h"
#include "wire.h"

/* The fake kernel: BACKING_OPEN with IS_DEV|ID_64 succeeds, the rest is
 * ENOTTY (no famfuse). Counts registrations. */
static int regs;

static void *kernel(void *arg)
{
	int s = *(int *)arg;

	for (;;) {
		struct wire_ioctl_msg m;
		struct wire_ioctl_ans a = { 0 };
		char cbuf[CMSG_SPACE(sizeof(int))];
		struct iovec v = { .iov_base = &m, .iov_len = sizeof(m) };
		struct msghdr h = { .msg_iov = &v,
				    .msg_iovlen = 1,
				    .msg_control = cbuf,
				    .msg_controllen = sizeof(cbuf) };
		struct cmsghdr *c;
		uint32_t flags;

		if (recvmsg(s, &h, 0) <= 0)
			break;
		c = CMSG_FIRSTHDR(&h);
		if (c && c->cmsg_type == SCM_RIGHTS) {
			int fd;

			memcpy(&fd, CMSG_DATA(c), sizeof(fd));
			close(fd);
		}
		memcpy(&flags, m.arg + 4, 4);
		a.result = -ENOTTY;
		if (m.cmd == DEC_IOC_BACKING_OPEN &&
		    flags == (DEC47_BACKING_IS_DEV | DEC47_BACKING_ID_64)) {
			a.result = 0;
			regs++;
		}
		memcpy(a.arg, m.arg, sizeof(a.arg));
		if (send(s, &a, sizeof(a), 0) != sizeof(a))
			break;
	}
	return NULL;
}

static bool dax_node(void *arg, uint64_t nodeid)
{
	(void)arg;
	return nodeid == 16;
}

static void put32(uint8_t *p, size_t off, uint32_t v)
{
	memcpy(p + off, &v, 4);
}

static uint32_t get32(const uint8_t *p, size_t off)
{
	uint32_t v;

	memcpy(&v, p + off, 4);
	return v;
}

/* A request header: len, opcode, unique, nodeid. */
static void request(struct wire *w, uint32_t op, uint64_t unique,
		    uint64_t nodeid, size_t arglen)
{
	uint8_t b[40 + 64] = { 0 };

	put32(b, 0, (uint32_t)(40 + arglen));
	put32(b, 4, op);
	memcpy(b + 8, &unique, 8);
	memcpy(b + 16, &nodeid, 8);
	if (op == 26) { /* INIT 7.47: PASSTHROUGH, SYNCFS, INIT_EXT */
		put32(b, 40, 7);
		put32(b, 44, 47);
		put32(b, 52, 1u << 30);
		put32(b, 56,
		      (uint32_t)((DEC_PASSTHROUGH | DEC47_HAS_SYNCFS) >> 32));
	}
	wire_request_seen(w, b, 40 + arglen);
}

/* What the transport was handed by wire_send. */
static struct iovec sent_iov[4];
static int sent_count;
static uint8_t sent[512];
static size_t sent_len;

static ssize_t capture(void *arg, const struct iovec *iov, int count, bool *ok)
{
	(void)arg;
	sent_count = count;
	sent_len = 0;
	for (int i = 0; i < count && i < 4; i++) {
		sent_iov[i] = iov[i];
		memcpy(sent + sent_len, iov[i].iov_base, iov[i].iov_len);
		sent_len += iov[i].iov_len;
	}
	*ok = true;
	return (ssize_t)sent_len;
}

/* A reply of @len payload bytes (@p) to @unique through wire_send. */
static ssize_t answer(struct wire *w, uint64_t unique, const void *p,
		      size_t len)
{
	uint8_t oh[16] = { 0 };
	struct iovec iov[2] = { { oh, 16 }, { (void *)p, len } };

	put32(oh, 0, (uint32_t)(16 + len));
	memcpy(oh + 8, &unique, 8);
	return wire_send(w, iov, len ? 2 : 1, capture, NULL);
}

static void test_flow(void)
{
	struct wire_opts o = { .path = WIRE_PATH_AUTO, .dax_node = dax_node };
	uint8_t init_out[64] = { 0 }, entry[128] = { 0 }, open16[16] = { 0 };
	uint8_t data[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
	struct wire *w;
	pthread_t t;
	int sp[2];

	CHECK(!socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sp), "socketpair");
	o.ioctl_fd = sp[0];
	o.dev0_fd = open("/dev/null", O_RDONLY);
	CHECK(!wire_new(&o, &w), "wire_new");
	pthread_create(&t, NULL, kernel, &sp[1]);

	request(w, 26, 2, 0, 64);
	CHECK(wire_init_pending(w), "INIT not seen");
	/* libfuse's reply: its minor, a bit it should not have (44) */
	put32(init_out, 0, 7);
	put32(init_out, 4, 38);
	put32(init_out, 12, 1u << 30);
	put32(init_out, 32, (uint32_t)(DEC47_HAS_SYNCFS >> 32));
	CHECK(answer(w, 2, init_out, 64) == 80, "INIT reply sent");
	CHECK(get32(sent, 16 + 4) == 47, "minor %u", get32(sent, 16 + 4));
	CHECK(get32(sent, 16 + 32) == (uint32_t)(DEC_PASSTHROUGH >> 32),
	      "flags2 0x%x", get32(sent, 16 + 32));
	CHECK(get32(sent, 16 + 36) == 1, "max_stack_depth");
	CHECK(!wire_init_pending(w) && wire_dax_active(w) && regs == 1,
	      "settled %d active %d regs %d", wire_init_pending(w),
	      wire_dax_active(w), regs);
	CHECK(!strcmp(wire_abi_name(w), "extmap-7.47"), "abi %s",
	      wire_abi_name(w));

	/* LOOKUP of nodeid 16: FUSE_ATTR_DAX, header apart, length kept */
	request(w, 1, 4, 1, 8);
	memcpy(entry, &(uint64_t){ 16 }, 8);
	put32(entry, 40 + 60, 0100644);
	CHECK(answer(w, 4, entry, 128) == 144, "LOOKUP reply");
	CHECK(sent_count == 2 && sent_iov[0].iov_len == 16 &&
		      sent_iov[1].iov_len == 128,
	      "iov %d: %zu + %zu", sent_count, sent_iov[0].iov_len,
	      sent_iov[1].iov_len);
	CHECK(get32(sent, 16 + 40 + 84) == DEC47_ATTR_DAX, "attr flags 0x%x",
	      get32(sent, 16 + 40 + 84));
	/* another nodeid: no flag */
	request(w, 1, 6, 1, 8);
	memcpy(entry, &(uint64_t){ 17 }, 8);
	CHECK(answer(w, 6, entry, 128) == 144 && !get32(sent, 16 + 40 + 84),
	      "nodeid 17 flagged");
	/* OPENDIR: libfuse's 16 bytes grow to 7.47's 24 */
	request(w, 27, 8, 1, 8);
	CHECK(answer(w, 8, open16, 16) == 32, "OPENDIR returns the original");
	CHECK(sent_len == 40 && get32(sent, 0) == 40, "OPENDIR sent %zu",
	      sent_len);
	/* a READ reply is not looked at: the caller's iovec goes out */
	request(w, 15, 10, 16, 40);
	CHECK(answer(w, 10, data, 8) == 24 && sent_count == 2 &&
		      sent_iov[1].iov_base == (void *)data,
	      "READ reply rewritten");
	/* an error reply to a tracked request carries nothing to patch */
	request(w, 1, 12, 1, 8);
	CHECK(answer(w, 12, NULL, 0) == 16 && sent_len == 16, "error reply");
	/*
	 * Three LOOKUPs whose slots probe from the last one of a stripe
	 * around to its first (uniques 8192 apart share stripe and slot),
	 * answered out of order: each is found and patched once.
	 */
	memcpy(entry, &(uint64_t){ 16 }, 8);
	for (uint64_t i = 0; i < 3; i++)
		request(w, 1, 8162 + 8192 * i, 1, 8);
	for (uint64_t i = 3; i-- > 0;)
		CHECK(answer(w, 8162 + 8192 * ((i + 2) % 3), entry, 128) ==
				      144 &&
			      get32(sent, 16 + 40 + 84) == DEC47_ATTR_DAX,
		      "LOOKUP %llu not patched",
		      (unsigned long long)(8162 + 8192 * ((i + 2) % 3)));
	CHECK(answer(w, 8162, entry, 128) == 144 && !get32(sent, 16 + 40 + 84),
	      "a reply taken twice");

	wire_free(w);
	shutdown(sp[0], SHUT_RDWR);
	pthread_join(t, NULL);
	close(sp[0]);
	close(sp[1]);
	close(o.dev0_fd);
}

int main(void)
{
	test_flow();
	printf("%s\n", fails ? "FAIL" : "ok");
	return fails ? 1 : 0;
}
