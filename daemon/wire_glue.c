// SPDX-License-Identifier: Apache-2.0
/*
 * famfsd's side of the wire module: options to wire_opts, the INIT
 * settle callback, and which nodeids are dax-mapped files (the one rule
 * the 7.47 ABI uses for FUSE_ATTR_DAX and for passthrough opens alike).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "famfsd.h"
#include "wire.h"

const char *fd_data_path_name(const struct fd_ctx *c)
{
	return wire_dax_active(c->wire) ? "passthrough" : "daemon";
}

/* INIT answered and devices registered; runs before any later request. */
static void on_settled(void *arg)
{
	struct fd_ctx *c = arg;
	struct wire_init_req r;

	wire_init_seen(c->wire, &r);
	fd_log(LOG_DEBUG,
	       "INIT: kernel protocol 7.%u offered 0x%llx, mmap on direct_io "
	       "%s, data path %s, kernel ABI %s",
	       r.minor, (unsigned long long)r.flags,
	       wire_allow_mmap(c->wire) ? "enabled" : "unavailable",
	       fd_data_path_name(c), wire_abi_name(c->wire));
	/* The startup line could not name it; now it is known. */
	if (!fd_data_path_known(c) && !wire_fatal(c->wire)) {
		if (wire_dax_active(c->wire))
			fd_log(LOG_INFO,
			       "%s: data=passthrough (the kernel maps the "
			       "device) abi=%s",
			       c->opts->device, wire_abi_name(c->wire));
		else
			fd_log(LOG_INFO,
			       "%s: data=daemon (mmap not coherent across "
			       "hosts) abi=none",
			       c->opts->device);
	}
}

/*
 * A logged regular file with a map (FUSE_ATTR_DAX and passthrough on a
 * 7.47 connection, for inodes the kernel makes from now on): a namespace
 * file, or a file created through the mount once it is logged (whatever
 * nodeid the kernel knows it by). Not files still growing, nor the
 * generated .meta/.stats. Logged maps never change, so the answer for a
 * nodeid never goes back.
 */
static bool dax_node(void *arg, uint64_t nodeid)
{
	struct fd_ctx *c = arg;
	const struct famfs_node *n;
	bool r;

	if (nodeid == FD_INO_STATS)
		return false;
	/* a file created through the mount keeps its nodeid once logged */
	nodeid = fd_canon(c, nodeid);
	if (fd_is_pending_ino(nodeid))
		return false;
	pthread_rwlock_rdlock(&c->ns_lock);
	n = famfs_ns_get(c->ns, nodeid);
	r = n && n->kind != FAMFS_NODE_DIR && S_ISREG(n->mode) && n->fmap &&
	    n->fmap->count && n->size;
	pthread_rwlock_unlock(&c->ns_lock);
	return r;
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
	if (!wire_path_forced(o->data_path) || o->emulator_ioctl_fd >= 0)
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
	wo.path = o->data_path; /* same numbering */
	wo.allow_mmap = true;
	wo.dev0_fd = famfs_dev_fd(c->dev);
	wo.dev0_is_dax = famfs_dev_is_dax(c->dev);
	wo.rdonly = famfs_dev_is_rdonly(c->dev);
	for (int i = 1; i < FAMFS_MAX_DAXDEVS; i++)
		wo.devpath[i] = o->daxdev[i];
	wo.max_maps = o->max_maps;
	wo.ioctl_fd = o->emulator_ioctl_fd;
	wo.log = fd_log;
	wo.settled = on_settled;
	wo.dax_node = dax_node;
	wo.arg = c;
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
