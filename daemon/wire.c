// SPDX-License-Identifier: Apache-2.0
/*
 * The wire module's INIT half: sees the kernel's INIT request, chooses the
 * kernel ABI for dax passthrough (7.47 extent maps, then famfs's OPEN-reply
 * form, then none), patches libfuse's INIT reply to request exactly that,
 * and right after the reply registers the devices, which confirms it.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wire_internal.h"

static void log_stderr(int level, const char *fmt, ...)
{
	va_list ap;

	(void)level;
	fputs("famfsd: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

bool wire_path_forced(int path)
{
	return path == WIRE_PATH_PASSTHROUGH || path == WIRE_PATH_EXTMAP ||
	       path == WIRE_PATH_OPENREPLY;
}

static bool forced(const struct wire *w)
{
	return wire_path_forced(w->o.path);
}

int wire_new(const struct wire_opts *o, struct wire **out)
{
	struct wire *w;

	if (o->path < WIRE_PATH_AUTO || o->path > WIRE_PATH_OPENREPLY)
		return -EINVAL;
	w = calloc(1, sizeof(*w));
	if (!w)
		return -ENOMEM;
	w->o = *o;
	/* Only a devdax character device can back dax passthrough. */
	if (forced(w) && !o->dev0_is_dax && o->ioctl_fd < 0) {
		free(w);
		return -ENODEV;
	}
	if (!w->o.log)
		w->o.log = log_stderr;
	if (!w->o.passthrough_opens)
		w->o.passthrough_opens = &w->own_pt_opens;
	if (!w->o.backing_registrations)
		w->o.backing_registrations = &w->own_regs;
	if (!w->o.max_maps)
		w->o.max_maps = WIRE_MAX_MAPS_DEFAULT;
	if (o->allow_mmap)
		w->echo = FUSE_DAX_DIRECT_IO_ALLOW_MMAP;
	atomic_init(&w->dax_active, false);
	atomic_init(&w->init_pending, false);
	atomic_init(&w->nopath_logged, 0);
	atomic_init(&w->track_ops, 0);
	pthread_mutex_init(&w->init_lock, NULL);
	pthread_cond_init(&w->init_cond, NULL);
	pthread_mutex_init(&w->dev_lock, NULL);
	for (unsigned i = 0; i < WIRE_TRACK_STRIPES; i++)
		pthread_mutex_init(&w->track[i].lock, NULL);
	*out = w;
	return 0;
}

void wire_unmount(struct wire *w)
{
	if (w && w->abi)
		w->abi->unmount(w);
}

void wire_free(struct wire *w)
{
	if (!w)
		return;
	wire_unmount(w);
	if (w->abi && w->abi->destroy)
		w->abi->destroy(w);
	for (unsigned i = 0; i < WIRE_TRACK_STRIPES; i++)
		pthread_mutex_destroy(&w->track[i].lock);
	pthread_mutex_destroy(&w->init_lock);
	pthread_cond_destroy(&w->init_cond);
	pthread_mutex_destroy(&w->dev_lock);
	free(w);
}

void wire_set_session(struct wire *w, struct fuse_session *se)
{
	w->se = se;
}

bool wire_dax_active(const struct wire *w)
{
	return atomic_load(&w->dax_active);
}

enum wire_abi_id wire_abi(const struct wire *w)
{
	return wire_dax_active(w) ? w->abi->id : WIRE_ABI_NONE;
}

const char *wire_abi_name(const struct wire *w)
{
	return wire_dax_active(w) ? w->abi->name : "none";
}

bool wire_allow_mmap(const struct wire *w)
{
	return w->echoed & FUSE_DAX_DIRECT_IO_ALLOW_MMAP;
}

void wire_init_echo(struct wire *w, uint64_t flags)
{
	w->echo |= flags & FUSE_DAX_INIT_KNOWN_MASK;
}

uint64_t wire_init_echoed(const struct wire *w)
{
	return w->echoed;
}

const char *wire_fatal(const struct wire *w)
{
	return w->fatal[0] ? w->fatal : NULL;
}

bool wire_init_pending(const struct wire *w)
{
	return atomic_load(&w->init_pending);
}

void wire_init_seen(const struct wire *w, struct wire_init_req *out)
{
	*out = w->init;
}

void wire_get_stats(const struct wire *w, struct wire_stats *st)
{
	st->maps_live = atomic_load(&w->maps_live);
	st->map_pushes = atomic_load(&w->map_pushes);
	st->map_closes = atomic_load(&w->map_closes);
	st->map_evictions = atomic_load(&w->map_evictions);
}

int wire_parse_init(const void *buf, size_t len, struct wire_init_req *out)
{
	struct fuse_dax_in_header ih;
	struct fuse_dax_init_in in;
	size_t arg;

	if (len < sizeof(ih))
		return 0;
	memcpy(&ih, buf, sizeof(ih));
	if (ih.opcode != FUSE_DAX_OP_INIT)
		return 0;
	/* Pre-7.36 kernels send only major..flags (16 bytes). */
	arg = len - sizeof(ih);
	if (arg < 16 || ih.len != len)
		return -EPROTO;
	memset(&in, 0, sizeof(in));
	memcpy(&in, (const char *)buf + sizeof(ih),
	       arg < sizeof(in) ? arg : sizeof(in));
	memset(out, 0, sizeof(*out));
	out->unique = ih.unique;
	out->major = in.major;
	out->minor = in.minor;
	out->flags = in.flags;
	if ((in.flags & FUSE_DAX_INIT_EXT) && arg >= 20)
		out->flags |= (uint64_t)in.flags2 << 32;
	return 1;
}

static void set_fatal(struct wire *w, const char *why)
{
	snprintf(w->fatal, sizeof(w->fatal), "data path %s: %s",
		 w->o.path == WIRE_PATH_EXTMAP	  ? "extmap" :
		 w->o.path == WIRE_PATH_OPENREPLY ? "openreply" :
						    "passthrough",
		 why);
	wire_log(w, LOG_ERR, "%s", w->fatal);
	if (w->se)
		fuse_session_exit(w->se);
}

/* The INIT request is here: which ABI will we ask for? */
static void choose(struct wire *w)
{
	bool dax_dev = w->o.dev0_is_dax || w->o.ioctl_fd >= 0;
	int p = w->o.path;

	w->want = NULL;
	if (p == WIRE_PATH_DAEMON || !dax_dev)
		return;
	if (p != WIRE_PATH_OPENREPLY && wire_abi_extmap.offered(w))
		w->want = &wire_abi_extmap;
	else if (p != WIRE_PATH_EXTMAP && wire_abi_openreply.offered(w))
		w->want = &wire_abi_openreply;
}

void wire_init_request(struct wire *w, const void *buf, size_t len)
{
	struct wire_init_req req;

	if (w->init_done || wire_parse_init(buf, len, &req) != 1)
		return;
	w->init = req;
	atomic_store(&w->init_pending, true);
	choose(w);
}

/*
 * Patch the INIT reply @msg (@len bytes, header included) in place.
 * Returns false when the reply must become an error instead.
 */
bool wire_patch_init(struct wire *w, uint8_t *msg, size_t len)
{
	struct fuse_dax_out_header oh;
	struct fuse_dax_init_out out;
	size_t arg = len - sizeof(oh);
	uint64_t hi, echo = w->echo & w->init.flags;

	memcpy(&oh, msg, sizeof(oh));
	if (oh.error)
		return true; /* libfuse refused INIT itself: leave it */
	memset(&out, 0, sizeof(out));
	memcpy(&out, msg + sizeof(oh), sizeof(out) < arg ? sizeof(out) : arg);
	/* No flags2 (or a reply without max_stack_depth): nothing of ours
	 * can be echoed. */
	if (!(w->init.flags & FUSE_DAX_INIT_EXT) ||
	    arg < offsetof(struct fuse_dax_init_out, unused))
		w->want = NULL;
	/* Never accept a bit famfsd does not implement. */
	hi = ((uint64_t)out.flags2 << 32) & FUSE_DAX_INIT_KNOWN_MASK;
	out.flags2 = (uint32_t)(hi >> 32);
	if (w->want)
		w->want->accept(w, &out);
	if (forced(w) && !w->want) {
		char why[300];

		snprintf(why, sizeof(why),
			 "the kernel offers no dax passthrough ABI (INIT "
			 "minor %u, FUSE_PASSTHROUGH %s; %s)",
			 w->init.minor,
			 w->init.flags & FUSE_DAX_PASSTHROUGH ? "offered" :
								"not offered",
			 w->why_not[0] ? w->why_not :
					 "FAMFUSE_IOC_PROBE not tried");
		set_fatal(w, why);
		return false;
	}
	/* Bits of the caller's (ALLOW_MMAP, the io_uring transport). */
	if (echo && arg >= offsetof(struct fuse_dax_init_out, unused)) {
		out.flags |= FUSE_DAX_INIT_EXT | (uint32_t)echo;
		out.flags2 |= (uint32_t)(echo >> 32);
		w->echoed = echo;
	}
	memcpy(msg + sizeof(oh), &out, sizeof(out) < arg ? sizeof(out) : arg);
	return true;
}

/* The INIT reply went out: register the devices (never before: EPERM). */
void wire_init_settle(struct wire *w, bool sent)
{
	const struct wire_abi *a = w->want;
	int r;

	w->init_done = true;
	if (sent && a && !w->fatal[0]) {
		r = a->register_devices(w);
		if (r == 0) {
			w->abi = a;
			atomic_store(&w->dax_active, true);
			wire_log(w, LOG_INFO,
				 "data path passthrough: kernel ABI %s, "
				 "device 0 registered",
				 a->name);
		} else if (forced(w)) {
			char why[240];

			snprintf(why, sizeof(why),
				 "%s: registering device 0: %s", a->name,
				 strerror(-r));
			set_fatal(w, why);
		} else {
			wire_log(w, LOG_WARNING,
				 "dax passthrough unavailable (%s: registering "
				 "device 0: %s): using the daemon data path",
				 a->name, strerror(-r));
		}
		/* An ABI that did not confirm frees what it set up. */
		if (!w->abi && a->destroy) {
			w->abi = a;
			a->unmount(w);
			a->destroy(w);
			w->abi = NULL;
		}
	}
	wire_msg_settle(w);
	if (w->o.settled)
		w->o.settled(w->o.arg);
	pthread_mutex_lock(&w->init_lock);
	atomic_store(&w->init_pending, false);
	pthread_cond_broadcast(&w->init_cond);
	pthread_mutex_unlock(&w->init_lock);
}

void wire_init_wait(struct wire *w)
{
	if (!atomic_load(&w->init_pending))
		return;
	pthread_mutex_lock(&w->init_lock);
	while (atomic_load(&w->init_pending))
		pthread_cond_wait(&w->init_cond, &w->init_lock);
	pthread_mutex_unlock(&w->init_lock);
}

int wire_reply_open(struct wire *w, fuse_req_t req, const struct wire_file *f,
		    const struct fuse_entry_param *e,
		    const struct fuse_file_info *fi)
{
	if (!wire_dax_active(w))
		return 0;
	return w->abi->reply_open(w, req, f, e, fi);
}

void wire_release(struct wire *w, uint64_t nodeid)
{
	if (wire_dax_active(w))
		w->abi->release(w, nodeid);
}
