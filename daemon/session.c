// SPDX-License-Identifier: Apache-2.0
/*
 * Session life cycle: open and replay the file system, create the FUSE
 * session, mount (libfuse, our own mount(2) for --fuse-dev/--fstype, or
 * no mount at all for --emulator-fd), daemonize, announce readiness, run
 * the multithreaded loop, and tear everything down in reverse.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>
#ifdef HAVE_LIBSYSTEMD
#include <systemd/sd-daemon.h>
#endif

#include "famfsd.h"
#include "wire.h"

#define EXIT_RUNTIME 2

static void report_bad_entry(void *arg, const struct famfs_err *err)
{
	char buf[320];

	(void)arg;
	fd_log(LOG_WARNING, "log: %s (%s)",
	       famfs_err_str(err, buf, sizeof(buf)),
	       famfs_err_kind_str(err->kind));
}

static double ms_since(const struct timespec *t0)
{
	struct timespec t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (double)(t1.tv_sec - t0->tv_sec) * 1e3 +
	       (double)(t1.tv_nsec - t0->tv_nsec) / 1e6;
}

static void human_size(uint64_t b, char *buf, size_t len)
{
	static const char *const unit[] = { "B",   "KiB", "MiB",
					    "GiB", "TiB", "PiB" };
	double v = (double)b;
	unsigned i = 0;

	while (v >= 1024 && i < 5) {
		v /= 1024;
		i++;
	}
	snprintf(buf, len, "%.1f%s", v, unit[i]);
}

static int open_fs(struct fd_ctx *c)
{
	struct fd_opts *o = c->opts;
	struct famfs_fs_opts fo;
	struct famfs_err err;
	struct timespec t0;
	char why[320];
	int rc;

	famfs_fs_opts_init(&fo);
	fo.system_uuid_path = o->uuid_file;
	fo.role = o->role == FD_ROLE_MASTER ? FAMFS_ROLE_MASTER :
		  o->role == FD_ROLE_CLIENT ? FAMFS_ROLE_CLIENT :
					      -1;
	fo.report = report_bad_entry;
	/* A real mount plays a host: serve lock, and the master's append
	 * lock for life (no other writer here; lib/lock.c). */
	fo.serve = o->emulator_fd < 0;
	if (o->read_only)
		fo.dev_flags |= FAMFS_DEV_RDONLY;
	famfs_err_clear(&err);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	rc = famfs_fs_open(o->device, &fo, &c->fs, &err);
	if (rc == -EACCES || rc == -EROFS || rc == -EPERM) {
		/* No write access: serve it read-only. */
		fo.dev_flags |= FAMFS_DEV_RDONLY;
		famfs_err_clear(&err);
		rc = famfs_fs_open(o->device, &fo, &c->fs, &err);
		if (!rc)
			fd_log(LOG_WARNING,
			       "%s: no write access; serving it read-only",
			       o->device);
	}
	if (rc) {
		if (err.field[0] || err.msg[0])
			fprintf(stderr, "famfsd: %s: %s\n", o->device,
				famfs_err_str(&err, why, sizeof(why)));
		else
			fprintf(stderr, "famfsd: %s: %s\n", o->device,
				strerror(-rc));
		return rc;
	}
	c->ns = famfs_fs_ns(c->fs);
	c->dev = famfs_fs_dev(c->fs);
	fd_access_apply(c);
	c->role = famfs_fs_role(c->fs);
	c->rdonly = famfs_dev_is_rdonly(c->dev);
	c->replay_ms = ms_since(&t0);
	return 0;
}

static char *mount_optstr(struct fd_ctx *c)
{
	struct fd_opts *o = c->opts;
	char *s = NULL;

	/* An absolute source in /proc/mounts: other tools stat it to find
	 * the device (a relative one would resolve from their cwd). */
	char *abs = realpath(o->device, NULL);
	const char *dev = abs ? abs : o->device;
	/* libfuse splits -o on commas; escape them in the device name. */
	size_t n = strlen(dev) * 2 + 64;
	char *fsname = malloc(n), *p = fsname;

	if (!fsname) {
		free(abs);
		return NULL;
	}
	for (const char *q = dev; *q; q++) {
		if (*q == ',' || *q == '\\')
			*p++ = '\\';
		*p++ = *q;
	}
	*p = '\0';
	if (asprintf(&s, "fsname=%s,subtype=famfs%s%s%s", fsname,
		     o->read_only ? ",ro" : "",
		     o->allow_other ? ",allow_other" : "",
		     o->default_permissions ? ",default_permissions" : "") < 0)
		s = NULL;
	free(fsname);
	free(abs);
	return s;
}

/* mount(2) through --fuse-dev / --fstype, then hand the fd to libfuse. */
static int mount_raw(struct fd_ctx *c)
{
	struct fd_opts *o = c->opts;
	const char *dev = o->fuse_dev ? o->fuse_dev : "/dev/fuse";
	const char *type = o->fstype ? o->fstype : "fuse.famfs";
	char data[256], fdpath[32];
	int fd;

	fd = open(dev, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "famfsd: %s: %s\n", dev, strerror(errno));
		return -1;
	}
	snprintf(data, sizeof(data),
		 "fd=%d,rootmode=40000,user_id=%u,group_id=%u%s%s", fd,
		 (unsigned)getuid(), (unsigned)getgid(),
		 o->allow_other ? ",allow_other" : "",
		 o->default_permissions ? ",default_permissions" : "");
	if (mount(o->device, c->mnt_abs, type,
		  MS_NOSUID | MS_NODEV | (o->read_only ? MS_RDONLY : 0),
		  data)) {
		fprintf(stderr, "famfsd: mount %s on %s (type %s): %s\n",
			o->device, c->mnt_abs, type, strerror(errno));
		close(fd);
		return -1;
	}
	c->mounted_by_us = true;
	snprintf(fdpath, sizeof(fdpath), "/dev/fd/%d", fd);
	if (fuse_session_mount(c->se, fdpath)) {
		fprintf(stderr, "famfsd: %s: libfuse refused the device fd\n",
			dev);
		umount2(c->mnt_abs, MNT_DETACH);
		c->mounted_by_us = false;
		close(fd);
		return -1;
	}
	return 0;
}

/* After a failed mount: a killed daemon leaves a mount that answers
 * ENOTCONN, which only an unmount clears; say so. */
static void dead_mount_hint(const char *mnt)
{
	struct stat st;

	if (stat(mnt, &st) && errno == ENOTCONN)
		fprintf(stderr,
			"famfsd: %s: a dead FUSE mount (its daemon was "
			"killed?): fusermount3 -u %s first\n",
			mnt, mnt);
}

/* Mount (or attach to the emulator) and install the raw-io shim. */
static int attach(struct fd_ctx *c)
{
	struct fd_opts *o = c->opts;
	int rc;

	if (o->emulator_fd >= 0) {
		rc = fd_rawio_install(c, c->se, o->emulator_fd);
		if (rc)
			fprintf(stderr, "famfsd: --emulator-fd %d: %s\n",
				o->emulator_fd, strerror(-rc));
		return rc ? -1 : 0;
	}
	if (o->fuse_dev || o->fstype) {
		if (mount_raw(c)) {
			dead_mount_hint(c->mnt_abs);
			return -1;
		}
	} else if (fuse_session_mount(c->se, c->mnt_abs)) {
		fprintf(stderr, "famfsd: mount on %s failed\n", c->mnt_abs);
		dead_mount_hint(c->mnt_abs);
		return -1;
	}
	rc = fd_rawio_install(c, c->se, fuse_session_fd(c->se));
	if (rc) {
		fprintf(stderr, "famfsd: raw io shim: %s\n", strerror(-rc));
		return -1;
	}
	return 0;
}

static void detach(struct fd_ctx *c)
{
	if (c->opts->emulator_fd >= 0)
		return;
	if (c->mounted_by_us) {
		if (umount2(c->mnt_abs, 0) && umount2(c->mnt_abs, MNT_DETACH))
			fd_log(LOG_WARNING, "umount %s: %s", c->mnt_abs,
			       strerror(errno));
		c->mounted_by_us = false;
	} else {
		fuse_session_unmount(c->se);
	}
}

/* Before INIT only an image or -d daemon makes the data path certain. */
bool fd_data_path_known(const struct fd_ctx *c)
{
	return !famfs_dev_is_dax(c->dev) ||
	       c->opts->data_path == FD_PATH_DAEMON;
}

static void startup_line(struct fd_ctx *c)
{
	struct famfs_ns_stats st;
	char size[32];
	const char *data = "daemon (mmap not coherent across hosts) abi=none";

	if (!fd_data_path_known(c))
		data = "decided at INIT (see the next line)";
	famfs_ns_stats(c->ns, &st);
	human_size(famfs_dev_size(c->dev), size, sizeof(size));
	fd_log(LOG_INFO,
	       "%s on %s: role=%s data=%s transport=%s access=%s size=%s "
	       "files=%" PRIu64 " dirs=%" PRIu64 " replay=%.1fms",
	       c->opts->device,
	       c->opts->emulator_fd >= 0 ? "emulator" : c->mnt_abs,
	       famfs_role_name(c->role), data, fd_transport_name(c),
	       fd_access_desc(c->opts), size, st.files, st.dirs, c->replay_ms);
}

/* Is anything still mounted on @mnt (this mount namespace)? */
static bool still_mounted(const char *mnt)
{
	char line[4096], point[4096];
	bool found = false;
	FILE *f = fopen("/proc/self/mountinfo", "re");

	if (!f)
		return true; /* cannot tell: assume the worst */
	while (!found && fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%*s %*s %*s %*s %4095s", point) != 1)
			continue;
		famfs_mountinfo_unescape(point);
		found = !strcmp(point, mnt);
	}
	fclose(f);
	return found;
}

static int run_loop(struct fd_ctx *c)
{
	struct fuse_loop_config *cfg = fuse_loop_cfg_create();
	int rc;

	if (!cfg)
		return -ENOMEM;
	/*
	 * A stable pool: libfuse starts a worker whenever none is idle and,
	 * with a max_idle limit, ends one whenever too many are; under two
	 * jobs that churn (threads made and destroyed per request burst) cost
	 * more than half the throughput. Its default (-1, never end one) is
	 * what we want, so the idle limit is left alone. One fd for all:
	 * clone_fd measured no gain (the input queue is shared anyway).
	 */
	fuse_loop_cfg_set_clone_fd(cfg, 0);
	fuse_loop_cfg_set_max_threads(cfg, 16);
	rc = fuse_session_loop_mt(c->se, cfg);
	fuse_loop_cfg_destroy(cfg);
	return rc;
}

int fd_session_run(struct fd_ctx *c)
{
	struct fd_opts *o = c->opts;
	struct fuse_lowlevel_ops ops;
	struct fuse_args args = FUSE_ARGS_INIT(0, NULL);
	char *optstr = NULL;
	int lockfd = -1, rc, ret = EXIT_RUNTIME;

	pthread_rwlock_init(&c->ns_lock, NULL);
	pthread_mutex_init(&c->pend_lock, NULL);
	pthread_mutex_init(&c->follow_lock, NULL);
	pthread_mutex_init(&c->stats.snap_lock, NULL);
	pthread_cond_init(&c->follow_cond, NULL);
	if (o->emulator_fd < 0) {
		c->mnt_abs = realpath(o->mountpoint, NULL);
		if (!c->mnt_abs) {
			fprintf(stderr, "famfsd: %s: %s\n", o->mountpoint,
				strerror(errno));
			return EXIT_RUNTIME;
		}
		/* The emulator plays no host; only real mounts take the lock. */
		lockfd = fd_instance_lock(o->device, o->uuid_file);
		if (lockfd < 0)
			goto out;
	}
	c->next_pending_ino = FD_INO_PENDING_BASE;
	c->settle_ms = o->settle_ms;
	if (fd_pend_init(c)) {
		fprintf(stderr, "famfsd: out of memory\n");
		goto out;
	}
	c->uid = getuid();
	clock_gettime(CLOCK_REALTIME, &c->mount_time);

	if (fd_wire_precheck(c) || fd_transport_precheck(c) || open_fs(c))
		goto out;
	if (fd_wire_setup(c))
		goto out_fs;
	/* Before the mount: what the journal holds reserves its space again
	 * (the emulator plays no host: a journal only when asked for). */
	if (c->role == FAMFS_ROLE_MASTER && !c->rdonly &&
	    (o->emulator_fd < 0 || fd_journal_dir(c)) && fd_journal_open(c))
		goto out_fs;

	optstr = mount_optstr(c);
	if (!optstr || fuse_opt_add_arg(&args, "famfsd") ||
	    fuse_opt_add_arg(&args, "-o") || fuse_opt_add_arg(&args, optstr)) {
		fprintf(stderr, "famfsd: out of memory\n");
		goto out_fs;
	}
	fd_ops_fill(&ops);
	c->se = fuse_session_new(&args, &ops, sizeof(ops), c);
	if (!c->se) {
		fprintf(stderr, "famfsd: cannot create the FUSE session\n");
		goto out_fs;
	}
	if (fuse_set_signal_handlers(c->se)) {
		fprintf(stderr, "famfsd: cannot install signal handlers\n");
		goto out_se;
	}
	if (attach(c))
		goto out_sig;
	fd_readahead_tune(c, FD_MAX_IO / 1024);

	startup_line(c);
	if (!o->foreground && o->emulator_fd < 0) {
		if (fuse_daemonize(0)) {
			fprintf(stderr, "famfsd: cannot daemonize\n");
			goto out_detach;
		}
		fd_log_to_syslog();
		fd_instance_set_pid(lockfd);
	}
#ifdef HAVE_LIBSYSTEMD
	sd_notify(0, "READY=1");
#endif
	if (fd_follow_start(c)) {
		fd_log(LOG_ERR, "cannot start the log follower");
		goto out_detach;
	}
	rc = run_loop(c);
#ifdef HAVE_LIBSYSTEMD
	sd_notify(0, "STOPPING=1");
#endif
	/* No request is served past this point, on any transport. */
	fd_transport_stop(c);
	fd_follow_stop(c);
	/* Shutting down: log everything pending that holds data. */
	if (c->role == FAMFS_ROLE_MASTER)
		fd_pend_commit(c, true);
	if (fd_journal_close(c))
		fd_log(LOG_ERR, "journal: files still open at shutdown may be "
				"lost");
	fd_notify_discard(c);
	fd_handle_free_all(c);
	fd_dirs_free_all(c);
	if (wire_fatal(c->wire) || c->transport_fatal) /* logged: exit 2 */
		rc = -EPROTO;
	else if (rc >= 0)
		ret = 0;
	else if (c->mnt_abs && !still_mounted(c->mnt_abs)) {
		/* Unmounted: however the last read ended, that is a clean end
		 * (an aborted connection stays mounted and is an error). */
		fd_log(LOG_INFO, "connection closed after the unmount (%s)",
		       strerror(-rc));
		ret = 0;
	} else {
		fd_log(LOG_ERR, "session loop: %s", strerror(-rc));
	}
	wire_unmount(c->wire); /* close every map and device id */
	fd_log(LOG_INFO, "%s: unmounting %s", o->device,
	       c->mnt_abs ? c->mnt_abs : "emulator");
out_detach:
	detach(c);
	fd_transport_free(c);
out_sig:
	fuse_remove_signal_handlers(c->se);
out_se:
	fuse_session_destroy(c->se);
out_fs:
	fuse_opt_free_args(&args);
	free(optstr);
	fd_wire_teardown(c);
	famfs_fs_close(c->fs);
out:
	fd_pend_free_all(c);
	fd_instance_unlock(lockfd);
	free(c->mnt_abs);
	return ret;
}
