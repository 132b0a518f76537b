// SPDX-License-Identifier: Apache-2.0
/*
 * famfsd's side of the wire module: options to wire_opts, the OPEN/CREATE
 * hook (which map, logged or not) and handle release.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "famfsd.h"
#include "wire.h"

/* INIT answered and device 0 probed; runs before any later request. */
static void on_settled(void *arg)
{
	struct fd_ctx *c = arg;
	struct wire_init_req r;

	wire_init_seen(c->wire, &r);
	c->init_offered = r.flags;
	c->init_allow_mmap = wire_allow_mmap(c->wire);
	c->passthrough = wire_dax_active(c->wire);
	fd_log(LOG_DEBUG,
	       "INIT: kernel offered 0x%llx, mmap on direct_io %s, data path "
	       "%s",
	       (unsigned long long)c->init_offered,
	       c->init_allow_mmap ? "enabled" : "unavailable",
	       c->passthrough ? "passthrough" : "daemon");
	/* The startup line could not name it; now it is known. */
	if (!fd_data_path_known(c) && !wire_fatal(c->wire))
		fd_log(LOG_INFO, "%s: data=%s", c->opts->device,
		       c->passthrough ?
			       "passthrough (the kernel maps the device)" :
			       "daemon (mmap not coherent across hosts)");
}

static void not_dax(const char *device)
{
	fprintf(stderr,
		"famfsd: data path passthrough: %s is not a dax device (dax "
		"passthrough needs /dev/daxX.Y)\n",
		device);
}

int fd_wire_precheck(struct fd_ctx *c)
{
	struct fd_opts *o = c->opts;
	struct stat st;

	/* The emulator's seam plays the kernel and judges devices itself. */
	if (o->data_path != FD_PATH_PASSTHROUGH || o->emulator_ioctl_fd >= 0)
		return 0;
	if (stat(o->device, &st) || S_ISCHR(st.st_mode))
		return 0; /* opening it says what is wrong, or setup does */
	not_dax(o->device);
	return -1;
}

int fd_wire_setup(struct fd_ctx *c)
{
	struct fd_opts *o = c->opts;
	struct wire_opts wo;
	int rc;

	memset(&wo, 0, sizeof(wo));
	wo.path = o->data_path == FD_PATH_PASSTHROUGH ? WIRE_PATH_PASSTHROUGH :
		  o->data_path == FD_PATH_DAEMON      ? WIRE_PATH_DAEMON :
							WIRE_PATH_AUTO;
	wo.allow_mmap = true;
	wo.dev0_fd = famfs_dev_fd(c->dev);
	wo.dev0_is_dax = famfs_dev_is_dax(c->dev);
	wo.rdonly = famfs_dev_is_rdonly(c->dev);
	for (int i = 1; i < FAMFS_MAX_DAXDEVS; i++)
		wo.devpath[i] = o->daxdev[i];
	wo.ioctl_fd = o->emulator_ioctl_fd;
	wo.log = fd_log;
	wo.settled = on_settled;
	wo.settled_arg = c;
	wo.passthrough_opens = &c->stats.passthrough_opens;
	wo.backing_registrations = &c->stats.backing_registrations;
	rc = wire_new(&wo, &c->wire);
	if (rc == -ENODEV) {
		not_dax(o->device);
		return -1;
	}
	if (rc) {
		fprintf(stderr, "famfsd: wire: %s\n", strerror(-rc));
		return -1;
	}
	return 0;
}

void fd_wire_teardown(struct fd_ctx *c)
{
	wire_free(c->wire);
	c->wire = NULL;
}

/*
 * The map of @h (copied: the namespace may change once the lock drops).
 * Returns false for handles without one.
 */
static bool handle_file(struct fd_ctx *c, struct fd_handle *h,
			struct famfs_fmap *m, struct wire_file *f)
{
	memset(f, 0, sizeof(*f));
	f->ino = h->ino;
	if (h->kind == FD_H_TEXT)
		return false;
	pthread_rwlock_rdlock(&c->ns_lock);
	if (h->kind == FD_H_PENDING) {
		pthread_mutex_lock(&c->pend_lock);
		/* Growing files stay on the daemon path until logged. */
		f->logged = h->pend->state == FD_PEND_LOGGED;
		*m = h->pend->map;
		f->size = h->pend->size;
		pthread_mutex_unlock(&c->pend_lock);
	} else {
		const struct famfs_node *n = famfs_ns_get(c->ns, h->ino);

		if (n && n->fmap) {
			*m = *n->fmap;
			f->size = n->size;
			f->logged = true;
		}
	}
	pthread_rwlock_unlock(&c->ns_lock);
	f->fmap = m;
	return true;
}

bool fd_wire_open(fuse_req_t req, struct fd_ctx *c, struct fd_handle *h,
		  const struct fuse_entry_param *e, struct fuse_file_info *fi)
{
	struct famfs_fmap m;
	struct wire_file f;
	int rc;

	if (!handle_file(c, h, &m, &f))
		return false;
	if (!wire_dax_active(c->wire)) {
		if (!f.logged || !wire_map_devices_known(c->wire, &m))
			return false;
		/* A device without a path: refused on every data path. */
		fd_handle_drop(c, h);
		fuse_reply_err(req, ENXIO);
		return true;
	}
	h->wire_tracked = true;
	fi->fh = (uint64_t)(uintptr_t)h;
	rc = wire_reply_open(c->wire, req, &f, e, fi);
	if (rc == 0)
		return false; /* daemon path, still tracked */
	if (rc == 1)
		return true;
	if (rc == 2) {
		/* The opener is gone (interrupted): no RELEASE will come. */
		h->wire_tracked = false; /* wire already let go of it */
		fd_handle_drop(c, h);
		return true;
	}
	/* Failed before anything was counted for this handle. */
	h->wire_tracked = false;
	fd_handle_drop(c, h);
	fuse_reply_err(req, -rc);
	return true;
}

void fd_wire_release(struct fd_ctx *c, struct fd_handle *h)
{
	if (h->wire_tracked && c->wire)
		wire_release(c->wire, h->ino);
	h->wire_tracked = false;
}
