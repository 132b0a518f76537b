// SPDX-License-Identifier: Apache-2.0
/*
 * FUSE-over-io_uring transport (Linux 6.14+, fs/fuse/dev_uring.c).
 *
 * One queue per possible CPU (the kernel picks the queue by the CPU the
 * requesting task runs on and starts using the rings only once every
 * queue has an entry), one thread per queue pinned to that CPU,
 * FD_URING_DEPTH entries per queue (one for a CPU that is offline). An
 * entry is a 288-byte header block and a payload buffer of FD_MAX_IO
 * bytes, handed over once with REGISTER; afterwards each COMMIT_AND_FETCH
 * carries the reply to the previous request and waits for the next one.
 * Plain SQE128 rings. SINGLE_ISSUER + DEFER_TASKRUN (ring enabled from
 * its queue thread) cut a pinned round trip by ~7% but moved no fio row
 * beyond the run-to-run noise, so the simpler setup stays.
 *
 * libfuse 3.14 knows nothing of this: a request from the ring is laid out
 * the way /dev/fuse would have delivered it (in header, first argument,
 * payload, contiguous; the payload stays where the kernel put it) and
 * given to fuse_session_process_buf(). Its reply comes back through the
 * raw-io shim's writev (rawio.c), which hands it to fd_uring_reply():
 * the entry is found by unique (this thread's current one, or any parked
 * one for replies made later from another thread) and the reply copied
 * into the entry's buffers. Notifications (unique 0) and replies to
 * requests read from /dev/fuse (FORGET and INTERRUPT stay there) are not
 * ours and go out by write(2) on the fd.
 */
#include <errno.h>
#include <linux/fuse.h>
#include <liburing.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <unistd.h>

#include "cpulist.h"
#include "famfsd.h"
#include "uring_abi.h"
#include "wire.h"

#define FD_URING_DEPTH 4
#define FD_URING_HEAD 4096 /* room for the in header + op args */
#define FD_URING_WAKE 1ULL /* user_data of the eventfd poll */

enum ent_state {
	ENT_KERNEL = 0, /* registered, waiting for a request */
	ENT_BUSY, /* request being served */
	ENT_OWED, /* served without a reply: one will come from elsewhere */
	ENT_REPLIED, /* reply copied in, commit due */
};

struct uq;

struct uent {
	struct uq *q;
	struct fd_uring_req_header *hdr;
	char *buf; /* FD_URING_HEAD bytes, then the payload */
	struct iovec iov[2]; /* what REGISTER hands over */
	_Atomic uint64_t unique; /* request in userspace, 0 = none */
	atomic_int state; /* enum ent_state */
};

struct uq {
	struct fd_uring *u;
	unsigned qid;
	unsigned depth; /* FD_URING_DEPTH, 1 for an offline CPU */
	struct io_uring ring;
	bool ring_ok;
	int evfd; /* stop, or an owed reply arrived */
	pthread_t thread;
	bool started;
	struct uent ent[FD_URING_DEPTH];
	atomic_ullong served;
};

struct fd_uring {
	struct fd_ctx *c;
	struct fuse_session *se;
	int fd;
	unsigned nq;
	size_t payload;
	atomic_bool stop;
	atomic_bool failed; /* a REGISTER was refused: /dev/fuse serves */
	struct uq *q;
};

static __thread struct uent *cur_ent;

static void *map_buf(size_t len)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

static int queue_setup(struct fd_uring *u, struct uq *q)
{
	struct io_uring_params p;
	int rc;

	q->evfd = eventfd(0, EFD_CLOEXEC);
	if (q->evfd < 0)
		return -errno;
	memset(&p, 0, sizeof(p));
	p.flags = IORING_SETUP_SQE128 | IORING_SETUP_CQSIZE;
	p.cq_entries = 2 * (q->depth + 1);
	rc = io_uring_queue_init_params(q->depth + 1, &q->ring, &p);
	if (rc)
		return rc;
	q->ring_ok = true;
	rc = io_uring_register_files(&q->ring, &u->fd, 1);
	if (rc)
		return rc;
	for (unsigned i = 0; i < q->depth; i++) {
		struct uent *e = &q->ent[i];

		e->q = q;
		e->hdr = map_buf(sizeof(*e->hdr));
		e->buf = map_buf(FD_URING_HEAD + u->payload);
		if (!e->hdr || !e->buf)
			return -ENOMEM;
		e->iov[0].iov_base = e->hdr;
		e->iov[0].iov_len = sizeof(*e->hdr);
		e->iov[1].iov_base = e->buf + FD_URING_HEAD;
		e->iov[1].iov_len = u->payload;
	}
	return 0;
}

static void queue_teardown(struct fd_uring *u, struct uq *q)
{
	if (q->ring_ok)
		io_uring_queue_exit(&q->ring);
	for (unsigned i = 0; i < q->depth; i++) {
		if (q->ent[i].hdr)
			munmap(q->ent[i].hdr, sizeof(*q->ent[i].hdr));
		if (q->ent[i].buf)
			munmap(q->ent[i].buf, FD_URING_HEAD + u->payload);
	}
	if (q->evfd >= 0)
		close(q->evfd);
}

void fd_uring_free(struct fd_uring *u)
{
	if (!u)
		return;
	for (unsigned i = 0; i < u->nq; i++)
		queue_teardown(u, &u->q[i]);
	free(u->q);
	free(u);
}

int fd_uring_new(struct fd_ctx *c, struct fuse_session *se, int fd,
		 struct fd_uring **out)
{
	struct fd_uring *u = calloc(1, sizeof(*u));
	cpu_set_t possible, online;
	unsigned non;
	int rc = -ENOMEM;

	if (!u)
		return -ENOMEM;
	u->c = c;
	u->se = se;
	u->fd = fd;
	/* The kernel makes a queue per possible CPU and waits for all. */
	u->nq = fd_cpulist_read("/sys/devices/system/cpu/possible", &possible);
	non = fd_cpulist_read("/sys/devices/system/cpu/online", &online);
	if (!u->nq) {
		u->nq = (unsigned)sysconf(_SC_NPROCESSORS_CONF);
		non = 0;
	}
	u->payload = FD_MAX_IO;
	u->q = calloc(u->nq, sizeof(*u->q));
	if (!u->q)
		goto fail;
	for (unsigned i = 0; i < u->nq; i++)
		u->q[i].evfd = -1;
	for (unsigned i = 0; i < u->nq; i++) {
		u->q[i].u = u;
		u->q[i].qid = i;
		/* A CPU that is offline (hotplug slot) makes no requests
		 * until it comes up: one entry, not FD_URING_DEPTH MiB. */
		u->q[i].depth =
			!non || (i < CPU_SETSIZE && CPU_ISSET(i, &online)) ?
				FD_URING_DEPTH :
				1;
		rc = queue_setup(u, &u->q[i]);
		if (rc)
			goto fail;
	}
	*out = u;
	return 0;
fail:
	fd_uring_free(u);
	return rc;
}

unsigned fd_uring_queues(const struct fd_uring *u)
{
	return u->nq;
}

unsigned fd_uring_depth(void)
{
	return FD_URING_DEPTH;
}

unsigned long long fd_uring_served(const struct fd_uring *u)
{
	unsigned long long n = 0;

	for (unsigned i = 0; u && i < u->nq; i++)
		n += atomic_load(&u->q[i].served);
	return n;
}

bool fd_uring_failed(const struct fd_uring *u)
{
	return atomic_load(&u->failed);
}

static struct io_uring_sqe *cmd_sqe(struct uq *q, struct uent *e, int op)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(&q->ring);
	struct fd_uring_cmd_req req;

	if (!sqe) /* cannot happen: one SQE per entry, plus the poll */
		return NULL;
	memset(sqe, 0, 2 * sizeof(*sqe)); /* SQE128 */
	sqe->opcode = IORING_OP_URING_CMD;
	sqe->fd = 0; /* registered file 0: the /dev/fuse fd */
	sqe->flags = IOSQE_FIXED_FILE;
	sqe->cmd_op = (uint32_t)op;
	sqe->user_data = (uint64_t)(uintptr_t)e;
	memset(&req, 0, sizeof(req));
	req.qid = (uint16_t)q->qid;
	if (op == FD_URING_CMD_REGISTER) {
		sqe->addr = (uint64_t)(uintptr_t)e->iov;
		sqe->len = 2;
	} else {
		req.commit_id = atomic_load(&e->unique);
	}
	memcpy(sqe->cmd, &req, sizeof(req));
	return sqe;
}

static void arm_wake(struct uq *q)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(&q->ring);

	if (!sqe)
		return;
	memset(sqe, 0, 2 * sizeof(*sqe));
	io_uring_prep_poll_add(sqe, q->evfd, POLLIN);
	sqe->user_data = FD_URING_WAKE;
}

/* Hand the reply back and fetch the next request. */
static void commit(struct uq *q, struct uent *e)
{
	atomic_store(&e->state, ENT_KERNEL);
	cmd_sqe(q, e, FD_URING_CMD_COMMIT_AND_FETCH);
	atomic_store(&e->unique, 0);
}

/* Copy a reply (out header + payload pieces) into @e. */
static ssize_t fill(struct fd_uring *u, struct uent *e, const struct iovec *iov,
		    int count)
{
	struct fuse_out_header oh;
	size_t total = 0, len = 0;
	char *dst = e->buf + FD_URING_HEAD;

	memcpy(&oh, iov[0].iov_base, sizeof(oh));
	for (int i = 1; i < count; i++)
		total += iov[i].iov_len;
	if (total > u->payload) {
		/* Cannot happen within max_write; answer EIO, not garbage. */
		oh.error = -EIO;
		oh.len = sizeof(oh);
		total = 0;
		count = 1;
	}
	for (int i = 1; i < count; i++) {
		memcpy(dst + len, iov[i].iov_base, iov[i].iov_len);
		len += iov[i].iov_len;
	}
	memcpy(e->hdr->in_out, &oh, sizeof(oh));
	e->hdr->ring_ent_in_out.payload_sz = (uint32_t)total;
	return (ssize_t)(sizeof(oh) + total);
}

/* An entry of any queue with request @unique in userspace, or NULL. */
static struct uent *find_ent(struct fd_uring *u, uint64_t unique)
{
	for (unsigned i = 0; i < u->nq; i++)
		for (unsigned j = 0; j < u->q[i].depth; j++)
			if (atomic_load(&u->q[i].ent[j].unique) == unique)
				return &u->q[i].ent[j];
	return NULL;
}

int fd_uring_reply(struct fd_uring *u, const struct iovec *iov, int count,
		   ssize_t *ret)
{
	struct fuse_out_header oh;
	struct uent *e = cur_ent;
	int st;

	if (count < 1 || iov[0].iov_len < sizeof(oh))
		return 0;
	memcpy(&oh, iov[0].iov_base, sizeof(oh));
	if (!oh.unique)
		return 0; /* a notification: always write(2) on the fd */
	if (!e || atomic_load(&e->unique) != oh.unique)
		e = find_ent(u, oh.unique);
	if (!e)
		return 0; /* a request read from /dev/fuse */
	*ret = fill(u, e, iov, count);
	if (e == cur_ent) {
		atomic_store(&e->state, ENT_REPLIED);
		return 1;
	}
	/* Another thread answers: the queue's thread commits it. */
	st = ENT_BUSY;
	if (!atomic_compare_exchange_strong(&e->state, &st, ENT_REPLIED)) {
		atomic_store(&e->state, ENT_REPLIED);
		if (eventfd_write(e->q->evfd, 1))
			fd_log(LOG_ERR, "io_uring: wake queue %u: %s",
			       e->q->qid, strerror(errno));
	}
	return 1;
}

/* Serve the request the kernel put into @e. */
static void serve(struct uq *q, struct uent *e)
{
	struct fd_uring *u = q->u;
	struct fuse_in_header in;
	uint32_t psz = e->hdr->ring_ent_in_out.payload_sz;
	struct fd_fast_reply fast;
	struct fuse_buf fb;
	size_t oplen;
	int st;

	memcpy(&in, e->hdr->in_out, sizeof(in));
	if (fd_log_enabled(LOG_DEBUG))
		fd_trace_request(&in, in.len, "ring");
	if (in.len < sizeof(in) + psz || psz > u->payload ||
	    (oplen = in.len - sizeof(in) - psz) > FD_URING_OP_IN_SZ) {
		/* Not a layout we understand: fail the request, keep going. */
		struct fuse_out_header oh = { .len = sizeof(oh),
					      .error = -EIO,
					      .unique = in.unique };

		fd_log(LOG_ERR,
		       "io_uring: request %llu opcode %u: bad sizes (len %u, "
		       "payload %u)",
		       (unsigned long long)in.unique, in.opcode, in.len, psz);
		atomic_store(&e->unique, in.unique);
		memcpy(e->hdr->in_out, &oh, sizeof(oh));
		e->hdr->ring_ent_in_out.payload_sz = 0;
		commit(q, e);
		return;
	}
	/* Header and first argument go right before the payload, so libfuse
	 * sees one contiguous request and the payload is not copied. */
	memset(&fb, 0, sizeof(fb));
	fb.mem = e->buf + FD_URING_HEAD - oplen - sizeof(in);
	fb.size = in.len;
	memcpy(fb.mem, &in, sizeof(in));
	memcpy((char *)fb.mem + sizeof(in), e->hdr->op_in, oplen);
	/* The wire module sees every request, whatever carried it. */
	wire_request_seen(u->c->wire, fb.mem, fb.size);
	atomic_store(&e->state, ENT_BUSY);
	atomic_store(&e->unique, in.unique);
	atomic_fetch_add_explicit(&q->served, 1, memory_order_relaxed);
	if (fd_fast_serve(u->c, fb.mem, fb.size, &fast)) {
		/* READ/WRITE of a logged file: no libfuse at all. */
		fill(u, e, fast.iov, fast.count);
		commit(q, e);
		return;
	}
	cur_ent = e;
	fuse_session_process_buf(u->se, &fb);
	cur_ent = NULL;
	st = ENT_BUSY;
	if (atomic_compare_exchange_strong(&e->state, &st, ENT_OWED))
		return; /* the reply comes later, from another thread */
	commit(q, e);
}

/* After a wake: commit entries answered from other threads. */
static void commit_owed(struct uq *q)
{
	eventfd_t v;

	if (eventfd_read(q->evfd, &v) && errno != EAGAIN)
		fd_log(LOG_ERR, "io_uring: queue %u eventfd: %s", q->qid,
		       strerror(errno));
	for (unsigned i = 0; i < q->depth; i++) {
		struct uent *e = &q->ent[i];

		if (atomic_load(&e->state) == ENT_REPLIED &&
		    atomic_load(&e->unique))
			commit(q, e);
	}
	arm_wake(q);
}

/* A failed CQE: false when the queue must end. */
static bool cqe_error(struct uq *q, struct uent *e, int res)
{
	struct fd_uring *u = q->u;

	if (res == -ENOTCONN || res == -ECANCELED || res == -ENODEV ||
	    atomic_load(&u->stop))
		return false; /* unmounted, aborted or stopping */
	if (!atomic_load(&e->unique) && !atomic_exchange(&u->failed, true))
		/* REGISTER refused: the kernel went back to /dev/fuse. */
		fd_log(LOG_WARNING,
		       "io_uring: queue %u: registration refused (%s); "
		       "requests go through /dev/fuse",
		       q->qid, strerror(-res));
	else if (atomic_load(&e->unique))
		fd_log(LOG_ERR, "io_uring: queue %u: commit failed: %s", q->qid,
		       strerror(-res));
	return false;
}

static void pin(unsigned cpu)
{
	cpu_set_t allowed, one;

	if (sched_getaffinity(0, sizeof(allowed), &allowed) ||
	    !CPU_ISSET(cpu, &allowed))
		return; /* not ours to run on: stay unpinned */
	CPU_ZERO(&one);
	CPU_SET(cpu, &one);
	if (sched_setaffinity(0, sizeof(one), &one))
		fd_log(LOG_DEBUG, "io_uring: pin to CPU %u: %s", cpu,
		       strerror(errno));
}

static void *queue_main(void *arg)
{
	struct uq *q = arg;
	struct fd_uring *u = q->u;
	bool run = true;

	pin(q->qid);
	for (unsigned i = 0; i < q->depth; i++)
		cmd_sqe(q, &q->ent[i], FD_URING_CMD_REGISTER);
	arm_wake(q);
	while (run && !atomic_load(&u->stop)) {
		struct io_uring_cqe *cqe;
		unsigned head, n = 0;
		int rc = io_uring_submit_and_wait(&q->ring, 1);

		if (rc < 0 && rc != -EINTR) {
			fd_log(LOG_ERR, "io_uring: queue %u: %s", q->qid,
			       strerror(-rc));
			break;
		}
		io_uring_for_each_cqe(&q->ring, head, cqe)
		{
			struct uent *e = (void *)(uintptr_t)cqe->user_data;

			n++;
			if (!run)
				continue;
			if (cqe->user_data == FD_URING_WAKE)
				commit_owed(q);
			else if (cqe->res < 0)
				run = cqe_error(q, e, cqe->res);
			else
				serve(q, e);
		}
		io_uring_cq_advance(&q->ring, n);
	}
	/* Replies prepared but not sent yet go out before we leave. */
	io_uring_submit(&q->ring);
	return NULL;
}

int fd_uring_start(struct fd_uring *u)
{
	sigset_t block, old;
	int rc = 0;

	/* Signals stay with the main thread (libfuse's handlers). */
	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGHUP);
	sigaddset(&block, SIGQUIT);
	sigaddset(&block, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &block, &old);
	for (unsigned i = 0; i < u->nq && !rc; i++) {
		rc = -pthread_create(&u->q[i].thread, NULL, queue_main,
				     &u->q[i]);
		u->q[i].started = !rc;
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return rc;
}

void fd_uring_stop(struct fd_uring *u)
{
	if (!u)
		return;
	atomic_store(&u->stop, true);
	for (unsigned i = 0; i < u->nq; i++)
		if (u->q[i].started && eventfd_write(u->q[i].evfd, 1))
			fd_log(LOG_ERR, "io_uring: stop queue %u: %s", i,
			       strerror(errno));
	for (unsigned i = 0; i < u->nq; i++) {
		if (u->q[i].started)
			pthread_join(u->q[i].thread, NULL);
		u->q[i].started = false;
	}
}
