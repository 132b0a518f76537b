// SPDX-License-Identifier: Apache-2.0
/*
 * The emulated kernels' dax halves, from the spec text: the 7.47 dev
 * tree's FUSE_DEV_IOC_BACKING_OPEN (IS_DEV | ID_64), FUSE_NOTIFY_MAP and
 * FUSE_NOTIFY_BACKING_CLOSE with its 64-bit backing table (famfuse and
 * EMU_K_47), famfuse's FAMFUSE_IOC_* for famfs's OPEN-reply form, and a
 * released kernel that knows neither (flags must be 0, unknown ioctls
 * ENOTTY, notify codes 10 and 11 unknown).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "emu.h"

static uint32_t g32(const uint8_t *p, size_t off)
{
	uint32_t v;

	memcpy(&v, p + off, 4);
	return v;
}

static uint64_t g64(const uint8_t *p, size_t off)
{
	uint64_t v;

	memcpy(&v, p + off, 8);
	return v;
}

struct emu_backing *emu_backing(struct emu *e, uint64_t id)
{
	for (unsigned i = 0; i < e->nback; i++)
		if (e->back[i].id == id)
			return &e->back[i];
	return NULL;
}

static void backing_drop(struct emu *e, struct emu_backing *b)
{
	free(b->map);
	*b = e->back[--e->nback];
}

/* The device behind @fd, in registration order. -1 if out of room. */
static int dev_index(struct emu *e, int fd)
{
	struct stat st;
	unsigned i;

	if (fstat(fd, &st))
		return -1;
	for (i = 0; i < e->ndevs; i++)
		if (e->dev_st_dev[i] == st.st_dev &&
		    e->dev_st_ino[i] == st.st_ino)
			return (int)i;
	if (i == EMU_MAX_DEVS)
		return -1;
	e->dev_st_dev[i] = st.st_dev;
	e->dev_st_ino[i] = st.st_ino;
	e->ndevs++;
	return (int)i;
}

/* FUSE_DEV_IOC_BACKING_OPEN as 7.47 has it (a stock kernel: flags 0). */
static int32_t backing_open(struct emu *e, const uint8_t *arg, int fd)
{
	uint32_t flags = g32(arg, 4);
	uint64_t id = g64(arg, 8);
	int d;

	if (e->kernel == EMU_K_STOCK)
		return flags ? -EINVAL : -EPERM; /* no plain passthrough here */
	if (flags & ~(DEC47_BACKING_IS_DEV | DEC47_BACKING_ID_64))
		return -EINVAL;
	if (!(flags & DEC47_BACKING_ID_64) && id)
		return -EINVAL;
	if (fd < 0)
		return -EBADF;
	if (!(flags & DEC47_BACKING_IS_DEV))
		return -EPERM; /* regular files: not emulated */
	if (e->reg_errno)
		return -e->reg_errno;
	/* The image stands in for a devdax device. */
	d = dev_index(e, fd);
	if (d < 0)
		return -ENOMEM;
	if (!(flags & DEC47_BACKING_ID_64))
		return -EOPNOTSUPP; /* 32-bit device ids: famfsd never asks */
	if (emu_backing(e, id))
		return -EEXIST;
	if (e->nback == EMU_MAX_BACKINGS)
		return -ENOMEM;
	e->back[e->nback++] = (struct emu_backing){ .id = id, .dev = d };
	e->dev_count[d]++;
	e->dev_id64[d] = id;
	memcpy(e->reg_arg[d], arg, 16);
	return 0;
}

static int32_t famfuse_ioctl(struct emu *e, uint32_t cmd, uint8_t *arg, int fd)
{
	uint32_t v;
	int d;

	e->nioctl_famfuse++;
	if (e->kernel != EMU_K_FAMFUSE)
		return -ENOTTY;
	switch (cmd) {
	case DEC_IOC_FAMFUSE_PROBE:
		memset(arg, 0, 16);
		v = DEC_FAMFUSE_VERSION;
		memcpy(arg, &v, 4);
		memcpy(arg + 4, &e->max_open_ext, 4);
		return 0;
	case DEC_IOC_FAMFUSE_ENABLE:
		if (g32(arg, 0) != DEC_FAMFUSE_VERSION || g32(arg, 4) ||
		    g64(arg, 8))
			return -EINVAL;
		e->openreply = true;
		return 0;
	default: /* DAX_OPEN */
		if (!e->openreply)
			return -EPERM;
		if (g32(arg, 4) || g64(arg, 8))
			return -EINVAL;
		if (fd < 0)
			return -EBADF;
		if (e->reg_errno)
			return -e->reg_errno;
		d = dev_index(e, fd);
		if (d < 0)
			return -ENOMEM;
		e->dev_count[d]++;
		e->dev_id[d] = ++e->next_id;
		return e->dev_id[d];
	}
}

int32_t emu_ioctl(struct emu *e, uint32_t cmd, uint8_t *arg, int fd)
{
	uint32_t id;

	switch (cmd) {
	case DEC_IOC_BACKING_OPEN:
		e->nopen++;
		return backing_open(e, arg, fd);
	case DEC_IOC_BACKING_CLOSE:
		/* 32-bit ids only (the idr); 64-bit ids are not found. */
		e->nclose++;
		memcpy(&id, arg, 4);
		for (unsigned i = 0; i < e->ndevs; i++)
			if (e->dev_id[i] && e->dev_id[i] == (int32_t)id) {
				e->dev_id[i] = 0;
				return 0;
			}
		return -ENOENT;
	case DEC_IOC_FAMFUSE_PROBE:
	case DEC_IOC_FAMFUSE_ENABLE:
	case DEC_IOC_FAMFUSE_DAX_OPEN:
		return famfuse_ioctl(e, cmd, arg, fd);
	default:
		e->nbad++;
		return -ENOTTY;
	}
}

static int note_map(struct emu *e, const uint8_t *msg, size_t len,
		    struct emu_note *n)
{
	struct dec47_map *m = malloc(sizeof(*m));
	int r;

	if (!m)
		return -ENOMEM;
	r = dec47_notify_map(msg, len, m, n->why, sizeof(n->why));
	n->id = m->id;
	n->n = m->n;
	n->flags = m->flags;
	for (uint32_t i = 0; !r && i < m->n; i++) {
		struct emu_backing *t = emu_backing(e, m->ext[i].backing_id);

		if (!t || t->dev < 0) {
			snprintf(n->why, sizeof(n->why),
				 "extent %u: backing not found", i);
			r = -EIO;
		}
	}
	if (!r && emu_backing(e, m->id)) {
		snprintf(n->why, sizeof(n->why), "map id exists");
		r = -EEXIST;
	}
	if (!r && e->nback == EMU_MAX_BACKINGS)
		r = -ENOMEM;
	if (r) {
		free(m);
		return r;
	}
	e->back[e->nback++] =
		(struct emu_backing){ .id = m->id, .dev = -1, .map = m };
	return 0;
}

void emu_notify(struct emu *e, const uint8_t *msg, size_t len)
{
	struct emu_note dummy, *n = &dummy;
	int code = (int32_t)g32(msg, 4);
	struct emu_backing *b;
	uint64_t id;

	pthread_mutex_lock(&e->lock);
	if (e->nnote < EMU_MAX_NOTES)
		n = &e->note[e->nnote++];
	memset(n, 0, sizeof(*n));
	n->code = code;
	if (code != DEC47_NOTIFY_MAP && code != DEC47_NOTIFY_BACKING_CLOSE)
		goto out; /* invalidations and such: not ours to judge */
	if (e->kernel == EMU_K_STOCK) {
		e->nbad47++;
		n->verdict = -EINVAL; /* unknown notify code */
		snprintf(n->why, sizeof(n->why), "notify code %d", code);
		goto out;
	}
	if (code == DEC47_NOTIFY_MAP) {
		if (len <= sizeof(e->last_map)) {
			memcpy(e->last_map, msg, len);
			e->last_map_len = len;
		}
		n->verdict = note_map(e, msg, len, n);
		goto out;
	}
	n->verdict = dec47_backing_close(msg, len, &id, n->why, sizeof(n->why));
	n->id = id;
	if (n->verdict)
		goto out;
	b = emu_backing(e, id);
	if (!b) {
		snprintf(n->why, sizeof(n->why), "unknown id");
		n->verdict = -ENOENT;
		goto out;
	}
	backing_drop(e, b);
out:
	pthread_mutex_unlock(&e->lock);
}

unsigned emu_notes(struct emu *e, int code, unsigned from)
{
	unsigned c = 0;

	pthread_mutex_lock(&e->lock);
	for (unsigned i = from; i < e->nnote; i++)
		c += e->note[i].code == code;
	pthread_mutex_unlock(&e->lock);
	return c;
}

void emu_node_seen(struct emu *e, uint64_t nodeid, bool dax)
{
	if (emu_node_dax(e, nodeid) >= 0 || e->nnodes == EMU_MAX_NODES)
		return;
	e->node_id[e->nnodes] = nodeid;
	e->node_dax[e->nnodes++] = dax;
}

int emu_node_dax(struct emu *e, uint64_t nodeid)
{
	for (unsigned i = 0; i < e->nnodes; i++)
		if (e->node_id[i] == nodeid)
			return e->node_dax[i];
	return -1;
}

void emu_node_forget(struct emu *e, uint64_t nodeid)
{
	for (unsigned i = 0; i < e->nnodes; i++)
		if (e->node_id[i] == nodeid) {
			e->nnodes--;
			e->node_id[i] = e->node_id[e->nnodes];
			e->node_dax[i] = e->node_dax[e->nnodes];
			return;
		}
}
