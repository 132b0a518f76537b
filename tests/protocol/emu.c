// SPDX-License-Identifier: Apache-2.0
/* The kernel emulator: process plumbing, request framing, ioctl seam. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "decode.h"
#include "emu.h"

/* The seam's message, re-declared from daemon/wire.h's description. */
#define SEAM_MAGIC 0x4f494446u
struct seam_msg {
	uint32_t magic, cmd;
	uint8_t arg[16];
};
struct seam_ans {
	int32_t result;
	uint32_t pad;
	uint8_t arg[16];
};

static int recv_with_fd(int s, struct seam_msg *m, int *fd)
{
	char cbuf[CMSG_SPACE(sizeof(int))];
	struct iovec v = { .iov_base = m, .iov_len = sizeof(*m) };
	struct msghdr h = { .msg_iov = &v,
			    .msg_iovlen = 1,
			    .msg_control = cbuf,
			    .msg_controllen = sizeof(cbuf) };
	struct cmsghdr *c;
	ssize_t n = recvmsg(s, &h, MSG_CMSG_CLOEXEC);

	*fd = -1;
	if (n <= 0)
		return -1;
	for (c = CMSG_FIRSTHDR(&h); c; c = CMSG_NXTHDR(&h, c))
		if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS)
			memcpy(fd, CMSG_DATA(c), sizeof(int));
	return n == sizeof(*m) ? 0 : -2;
}

static void *seam_thread(void *arg)
{
	struct emu *e = arg;

	for (;;) {
		struct seam_msg m;
		struct seam_ans a;
		int fd, r = recv_with_fd(e->iofd, &m, &fd);

		if (r == -1)
			break;
		memset(&a, 0, sizeof(a));
		pthread_mutex_lock(&e->lock);
		if (r || m.magic != SEAM_MAGIC) {
			e->nbad++;
			a.result = -EINVAL;
		} else {
			a.result = emu_ioctl(e, m.cmd, m.arg, fd);
			memcpy(a.arg, m.arg, sizeof(a.arg));
		}
		pthread_mutex_unlock(&e->lock);
		if (fd >= 0)
			close(fd);
		if (send(e->iofd, &a, sizeof(a), MSG_NOSIGNAL) != sizeof(a))
			break;
	}
	return NULL;
}

void emu_dump_log(const struct emu *e)
{
	char line[512];
	FILE *f = fopen(e->logpath, "r");

	if (!f)
		return;
	fprintf(stderr, "  --- daemon log %s\n", e->logpath);
	while (fgets(line, sizeof(line), f))
		fprintf(stderr, "  | %s", line);
	fclose(f);
}

int emu_dev_by_ino(struct emu *e, ino_t ino)
{
	int r = -1;

	pthread_mutex_lock(&e->lock);
	for (unsigned i = 0; i < e->ndevs; i++)
		if (e->dev_st_ino[i] == ino)
			r = (int)i;
	pthread_mutex_unlock(&e->lock);
	return r;
}

int emu_start(struct emu *e, const struct emu_opts *o)
{
	int sp[2], io[2] = { -1, -1 };
	static unsigned seq;

	memset(e, 0, sizeof(*e));
	e->iofd = -1;
	e->kernel = o->kernel;
	e->reg_errno = o->reg_errno;
	e->max_open_ext = o->max_open_ext ? o->max_open_ext : 65536;
	pthread_mutex_init(&e->lock, NULL);
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp))
		return perror("socketpair"), -1;
	if (!o->no_ioctl_seam &&
	    socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, io))
		return perror("socketpair"), -1;
	/* Big OPEN replies (up to max_open_ext) are one datagram each. */
	for (int i = 0; i < 2; i++) {
		int sz = 8 << 20;

		setsockopt(sp[i], SOL_SOCKET, SO_SNDBUFFORCE, &sz, sizeof(sz));
		setsockopt(sp[i], SOL_SOCKET, SO_RCVBUFFORCE, &sz, sizeof(sz));
	}
	snprintf(e->logpath, sizeof(e->logpath), "/tmp/wire/emu-%d-%u.log",
		 (int)getpid(), seq++);
	e->pid = fork();
	if (e->pid < 0)
		return perror("fork"), -1;
	if (e->pid == 0) {
		char fdarg[16], iofdarg[16];
		const char *argv[32];
		int n = 0, lf;

		/* The child's ends survive exec, under their own numbers. */
		fcntl(sp[1], F_SETFD, 0);
		snprintf(fdarg, sizeof(fdarg), "%d", sp[1]);
		if (io[1] >= 0) {
			fcntl(io[1], F_SETFD, 0);
			snprintf(iofdarg, sizeof(iofdarg), "%d", io[1]);
		}
		lf = open(e->logpath, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (lf >= 0)
			dup2(lf, 2);
		argv[n++] = o->famfsd;
		argv[n++] = "-f";
		argv[n++] = "-l";
		argv[n++] = o->log_level ? o->log_level : "debug";
		if (o->config) {
			argv[n++] = "-c";
			argv[n++] = o->config;
		}
		argv[n++] = "-u";
		argv[n++] = o->uuid_file;
		argv[n++] = "-d";
		argv[n++] = o->data_path ? o->data_path : "auto";
		for (int i = 0; i < 6 && o->extra[i]; i++)
			argv[n++] = o->extra[i];
		argv[n++] = "--emulator-fd";
		argv[n++] = fdarg;
		if (io[1] >= 0) {
			argv[n++] = "--emulator-ioctl-fd";
			argv[n++] = iofdarg;
		}
		argv[n++] = o->image;
		argv[n++] = "/nonexistent-mnt";
		argv[n] = NULL;
		execv(o->famfsd, (char *const *)argv);
		_exit(127);
	}
	close(sp[1]);
	e->fd = sp[0];
	if (io[1] >= 0) {
		close(io[1]);
		e->iofd = io[0];
		if (pthread_create(&e->thr, NULL, seam_thread, e))
			return -1;
		e->thr_running = true;
	}
	return 0;
}

static int reap(struct emu *e)
{
	int st = 0;

	for (int i = 0; i < 100; i++) {
		pid_t r = waitpid(e->pid, &st, WNOHANG);

		if (r == e->pid)
			goto reaped;
		usleep(50000);
	}
	kill(e->pid, SIGKILL);
	waitpid(e->pid, &st, 0);
reaped:
	if (e->thr_running) {
		e->thr_running = false;
		shutdown(e->iofd, SHUT_RDWR);
		pthread_join(e->thr, NULL);
	}
	if (e->iofd >= 0)
		close(e->iofd);
	e->iofd = -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

int emu_stop(struct emu *e)
{
	if (e->fd >= 0)
		close(e->fd);
	e->fd = -1;
	return reap(e);
}

int emu_term(struct emu *e)
{
	static uint8_t buf[1 << 16];
	struct pollfd p = { .fd = e->fd, .events = POLLIN };
	uint64_t unique;

	kill(e->pid, SIGTERM);
	/* Whatever famfsd writes on its way out, until it closes. */
	while (poll(&p, 1, 10000) == 1) {
		ssize_t n = recv(e->fd, buf, sizeof(buf), 0);

		if (n <= 0)
			break;
		memcpy(&unique, buf + 8, 8);
		if (n >= 16 && !unique) {
			e->nnotify++;
			emu_notify(e, buf, (size_t)n);
		}
	}
	return emu_stop(e);
}

uint64_t emu_send(struct emu *e, uint32_t opcode, uint64_t nodeid,
		  const void *a1, size_t l1, const void *a2, size_t l2)
{
	uint8_t h[40];
	uint32_t len = (uint32_t)(40 + l1 + l2), z = 0;
	uint64_t unique = (e->unique += 2);
	struct iovec v[3] = { { h, 40 },
			      { (void *)a1, l1 },
			      { (void *)a2, l2 } };

	memset(h, 0, sizeof(h));
	memcpy(h, &len, 4);
	memcpy(h + 4, &opcode, 4);
	memcpy(h + 8, &unique, 8);
	memcpy(h + 16, &nodeid, 8);
	memcpy(h + 24, &z, 4); /* uid 0 */
	memcpy(h + 28, &z, 4); /* gid 0 */
	if (writev(e->fd, v, 3) != (ssize_t)len)
		perror("emu: writev");
	return unique;
}

static void keep_note(struct emu *e, const void *msg, size_t n)
{
	unsigned slot;

	if (e->raw_tail - e->raw_head == EMU_RAW_NOTES)
		return; /* full: tests look at the first ones */
	slot = e->raw_tail++ % EMU_RAW_NOTES;
	e->raw_len[slot] =
		n < EMU_RAW_NOTE_MAX ? (unsigned)n : EMU_RAW_NOTE_MAX;
	memcpy(e->raw_note[slot], msg, e->raw_len[slot]);
}

ssize_t emu_recv(struct emu *e, void *buf, size_t cap)
{
	struct pollfd p = { .fd = e->fd, .events = POLLIN };
	uint64_t unique;
	ssize_t n;

	for (;;) {
		if (poll(&p, 1, 10000) != 1) {
			fprintf(stderr, "emu: no reply within 10 s\n");
			return -1;
		}
		n = recv(e->fd, buf, cap, 0);
		if (n < 16)
			return n;
		memcpy(&unique, (uint8_t *)buf + 8, 8);
		if (unique)
			return n;
		/* A notification: the kernel processes it in write(2). */
		e->nnotify++;
		keep_note(e, buf, (size_t)n);
		emu_notify(e, buf, (size_t)n);
	}
}

size_t emu_take_note(struct emu *e, void *buf, size_t cap)
{
	unsigned slot;
	size_t n;

	if (e->raw_head == e->raw_tail)
		return 0;
	slot = e->raw_head++ % EMU_RAW_NOTES;
	n = e->raw_len[slot] < cap ? e->raw_len[slot] : cap;
	memcpy(buf, e->raw_note[slot], n);
	return n;
}

ssize_t emu_call(struct emu *e, uint32_t opcode, uint64_t nodeid,
		 const void *a1, size_t l1, const void *a2, size_t l2,
		 void *buf, size_t cap)
{
	uint64_t u = emu_send(e, opcode, nodeid, a1, l1, a2, l2), got;
	ssize_t n = emu_recv(e, buf, cap);

	if (n < 16)
		return -1;
	memcpy(&got, (uint8_t *)buf + 8, 8);
	if (got != u) {
		fprintf(stderr, "emu: reply for %llu, expected %llu\n",
			(unsigned long long)got, (unsigned long long)u);
		return -1;
	}
	return n;
}
