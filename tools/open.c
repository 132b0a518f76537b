// SPDX-License-Identifier: Apache-2.0
/* CLI access to a device: mount check, opening for reading or writing. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <uuid/uuid.h>

#include "cli.h"

/* Same device: the same inode for an image, the same st_rdev for devdax. */
static bool same_device(const struct stat *a, const struct stat *b)
{
	if (S_ISCHR(a->st_mode) || S_ISBLK(a->st_mode))
		return (a->st_mode & S_IFMT) == (b->st_mode & S_IFMT) &&
		       a->st_rdev == b->st_rdev;
	return S_ISREG(a->st_mode) && S_ISREG(b->st_mode) &&
	       a->st_dev == b->st_dev && a->st_ino == b->st_ino;
}

int cli_dev_mounted(const char *dev, char *mnt, size_t mntlen)
{
	const char *info = getenv("FAMFS_MOUNTINFO");
	struct stat want, got;
	char *line = NULL;
	size_t cap = 0;
	int found = 0;
	FILE *f;

	if (stat(dev, &want))
		return -errno;
	f = fopen(info && *info ? info : "/proc/self/mountinfo", "re");
	if (!f)
		return -errno;
	while (!found && getline(&line, &cap, f) > 0) {
		char *sep = strstr(line, " - "), *fields[5], *save = NULL;
		int nf = 0;

		if (!sep)
			continue;
		/* Before " - ": id parent maj:min root mountpoint ... */
		for (char *t = strtok_r(line, " ", &save); t && nf < 5;
		     t = strtok_r(NULL, " ", &save))
			fields[nf++] = t;
		if (nf < 5)
			continue;
		save = NULL;
		char *fstype = strtok_r(sep + 3, " ", &save);
		char *source = strtok_r(NULL, " \n", &save);

		if (!fstype || !source || strcmp(fstype, "fuse.famfs"))
			continue;
		/* By what the source is, not how it is spelled: hard links,
		 * bind mounts and symlinks match, a namesake does not. */
		famfs_mountinfo_unescape(source);
		if (stat(source, &got) || !same_device(&want, &got))
			continue;
		found = 1;
		if (mnt) {
			famfs_mountinfo_unescape(fields[4]);
			snprintf(mnt, mntlen, "%s", fields[4]);
		}
	}
	free(line);
	fclose(f);
	return found;
}

const char *cli_log_strerror(int rc)
{
	switch (rc) {
	case -ENOSPC:
		return "log full";
	case -ENOLCK:
		return "log not locked";
	case -EEXIST: /* served names are checked before the writer runs */
		return "the name is held by a rejected log entry (see famfs "
		       "fsck)";
	case -EUCLEAN:
		return "the log has a corrupt entry: metadata is read-only";
	case -EBADMSG:
		return "the log ends in a torn entry: nothing is written on "
		       "top of it";
	default:
		return strerror(-rc);
	}
}

static const char *err_text(const struct famfs_err *e, int rc, char *buf,
			    size_t len)
{
	/* Device errors already name the path: "DEV: reason" is enough. */
	if (!strcmp(e->field, "device") && e->msg[0]) {
		const char *sep = strstr(e->msg, ": ");

		snprintf(buf, len, "%s", sep ? sep + 2 : e->msg);
		return buf;
	}
	if (e->msg[0])
		return famfs_err_str(e, buf, len);
	snprintf(buf, len, "%s", strerror(-rc));
	return buf;
}

/* famfs_fs_open with this CLI's UUID file; prints the one-line error. */
static int open_fs(const struct cli *c, const char *dev,
		   struct famfs_fs_opts *o, struct famfs_fs **out)
{
	struct famfs_err e;
	char buf[300];
	int rc;

	o->system_uuid_path = c->uuid_file;
	famfs_err_clear(&e);
	rc = famfs_fs_open(dev, o, out, &e);
	if (rc)
		return cli_err(c, EXIT_RUNTIME, "%s: %s", dev,
			       err_text(&e, rc, buf, sizeof(buf)));
	return 0;
}

/* Who is reading (for the warning prefix); the CLI opens one device. */
static struct {
	const struct cli *c;
	const char *dev;
} warn_ctx;

void cli_report_entry(void *arg, const struct famfs_err *err)
{
	char buf[300];

	(void)arg;
	cli_warn(warn_ctx.c, "%s: %s (%s)", warn_ctx.dev,
		 famfs_err_str(err, buf, sizeof(buf)),
		 famfs_err_kind_str(err->kind));
}

int cli_open_ro(const struct cli *c, const char *dev, famfs_report_fn fn,
		void *arg, struct famfs_fs **out)
{
	struct famfs_fs_opts o;

	famfs_fs_opts_init(&o);
	o.dev_flags = FAMFS_DEV_RDONLY;
	warn_ctx.c = c;
	warn_ctx.dev = dev;
	o.report = fn ? fn : cli_report_entry;
	o.report_arg = arg;
	return open_fs(c, dev, &o, out);
}

/*
 * famfsd killed on this host may have left files in its recovery journal
 * whose device space the log does not show: appending now could hand that
 * space out twice. Refuse until famfsd has replayed the journal.
 */
static int journal_check(const struct cli *c, const char *dev,
			 struct famfs_fs *fs)
{
	const char *dir = c->journal_dir && *c->journal_dir ? c->journal_dir :
							      FAMFS_JOURNAL_DIR;
	char path[PATH_MAX];
	long live;

	if (famfs_journal_path(dir, famfs_fs_sb(fs), path, sizeof(path)))
		return cli_err(c, EXIT_RUNTIME, "%s: journal path too long",
			       dir);
	live = famfs_journal_live(path, famfs_fs_sb(fs));
	if (live > 0)
		return cli_err(c, EXIT_RUNTIME,
			       "%s: famfsd's recovery journal %s holds %ld "
			       "objects not logged yet (famfsd stopped with "
			       "them pending); mount %s with famfsd first so "
			       "it logs them, or delete the journal to give "
			       "them up",
			       dev, path, live, dev);
	if (live < 0 && live != -ESTALE && live != -EINVAL && live != -EBADMSG)
		return cli_err(c, EXIT_RUNTIME, "%s: reading %s: %s", dev, path,
			       strerror((int)-live));
	return 0;
}

int cli_open_rw(const struct cli *c, const char *dev, struct famfs_fs **out)
{
	struct famfs_omf_uuid me;
	struct famfs_fs_opts o;
	struct famfs_fs *fs;
	char mnt[PATH_MAX];
	int rc;

	rc = cli_dev_mounted(dev, mnt, sizeof(mnt));
	if (rc > 0)
		return cli_err(c, EXIT_RUNTIME,
			       "%s is mounted on %s (fuse.famfs); "
			       "work through the mount or unmount it first",
			       dev, mnt);
	if (rc < 0 && rc != -ENOENT)
		return cli_err(c, EXIT_RUNTIME, "%s: checking mounts: %s", dev,
			       strerror(-rc));
	famfs_fs_opts_init(&o);
	warn_ctx.c = c;
	warn_ctx.dev = dev;
	o.report = cli_report_entry;
	rc = open_fs(c, dev, &o, &fs);
	if (rc)
		return rc;
	if (famfs_fs_role(fs) != FAMFS_ROLE_MASTER) {
		char mine[40] = "unreadable", theirs[40];

		if (!famfs_system_uuid(c->uuid_file, false, &me))
			uuid_unparse(me.b, mine);
		uuid_unparse(famfs_fs_sb(fs)->system_uuid.b, theirs);
		famfs_fs_close(fs);
		return cli_err(c, EXIT_RUNTIME,
			       "%s: not the master (system UUID %s, "
			       "superblock says %s)",
			       dev, mine, theirs);
	}
	rc = famfs_fs_lock(fs, true);
	if (rc == -EWOULDBLOCK &&
	    famfs_dev_lock_held(famfs_fs_dev(fs), FAMFS_LOCK_SERVE)) {
		/* famfsd keeps it for its life, whatever name it was given. */
		famfs_fs_close(fs);
		return cli_err(c, EXIT_RUNTIME,
			       "%s is served by famfsd on this host (as "
			       "master); work through its mount",
			       dev);
	}
	if (rc == -EWOULDBLOCK) {
		/* Another writer on this host: wait our turn, visibly. */
		fprintf(stderr, "%s: waiting for the log lock on %s\n", c->prog,
			dev);
		rc = famfs_fs_lock(fs, false);
	}
	if (rc) {
		famfs_fs_close(fs);
		if (rc == -EBADMSG)
			return cli_err(c, EXIT_RUNTIME,
				       "%s: the log ends in a torn entry (a "
				       "writer may still be completing it); "
				       "nothing is written on top of it: "
				       "retry, or see famfs fsck",
				       dev);
		if (rc == -EUCLEAN)
			return cli_err(c, EXIT_RUNTIME,
				       "%s: the log has a corrupt entry: "
				       "metadata is read-only (the space it "
				       "holds is unknown); see famfs fsck",
				       dev);
		return cli_err(c, EXIT_RUNTIME, "%s: locking the log: %s", dev,
			       strerror(-rc));
	}
	/* Under the lock: no famfsd master is running, none can start. */
	rc = journal_check(c, dev, fs);
	if (rc) {
		famfs_fs_close(fs);
		return rc;
	}
	*out = fs;
	return 0;
}
