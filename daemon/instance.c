// SPDX-License-Identifier: Apache-2.0
/*
 * One famfsd per (device, system UUID) on a host: an flock on
 * /run/famfsd/<hash>.lock. The key uses the device's real identity
 * (st_dev/st_ino, or st_rdev for a device node) so two spellings of one
 * path collide, and the system UUID file's contents so a second daemon
 * playing another host (tests) is allowed.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "famfsd.h"

#define FD_RUN_DIR "/run/famfsd"

static char lock_path[128];

static uint64_t fnv1a(uint64_t h, const void *p, size_t n)
{
	const uint8_t *b = p;

	for (size_t i = 0; i < n; i++) {
		h ^= b[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

int fd_instance_lock(const char *device, const char *uuid_file)
{
	struct famfs_omf_uuid uuid;
	struct stat st;
	uint64_t h = 0xcbf29ce484222325ULL;
	char path[128], pid[32];
	int fd, rc;

	if (stat(device, &st)) {
		fprintf(stderr, "famfsd: %s: %s\n", device, strerror(errno));
		return -1;
	}
	if (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode)) {
		h = fnv1a(h, &st.st_rdev, sizeof(st.st_rdev));
	} else {
		h = fnv1a(h, &st.st_dev, sizeof(st.st_dev));
		h = fnv1a(h, &st.st_ino, sizeof(st.st_ino));
	}
	/* Unreadable identity: the daemon will run as a client; key on that. */
	memset(&uuid, 0, sizeof(uuid));
	rc = famfs_system_uuid(uuid_file, true, &uuid);
	if (rc)
		memset(&uuid, 0, sizeof(uuid));
	h = fnv1a(h, &uuid, sizeof(uuid));

	if (mkdir(FD_RUN_DIR, 0755) && errno != EEXIST) {
		fprintf(stderr, "famfsd: %s: %s\n", FD_RUN_DIR,
			strerror(errno));
		return -1;
	}
	snprintf(path, sizeof(path), FD_RUN_DIR "/%016" PRIx64 ".lock", h);
	for (;;) {
		struct stat a, b;

		fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
		if (fd < 0) {
			fprintf(stderr, "famfsd: %s: %s\n", path,
				strerror(errno));
			return -1;
		}
		if (flock(fd, LOCK_EX | LOCK_NB)) {
			ssize_t n = pread(fd, pid, sizeof(pid) - 1, 0);

			pid[n > 0 ? n : 0] = '\0';
			pid[strcspn(pid, "\n")] = '\0';
			fprintf(stderr,
				"famfsd: %s: already served on this host for "
				"this system UUID (lock %s held by pid %s)\n",
				device, path, pid[0] ? pid : "?");
			close(fd);
			return -1;
		}
		/* The holder may have unlinked it on exit: lock the file
		 * that is really at @path. */
		if (!fstat(fd, &a) && !stat(path, &b) && a.st_ino == b.st_ino &&
		    a.st_dev == b.st_dev)
			break;
		close(fd);
	}
	snprintf(lock_path, sizeof(lock_path), "%s", path);
	fd_instance_set_pid(fd);
	return fd;
}

void fd_instance_set_pid(int fd)
{
	char pid[32];
	int n = snprintf(pid, sizeof(pid), "%d\n", (int)getpid());

	if (ftruncate(fd, 0) || pwrite(fd, pid, (size_t)n, 0) != n)
		fd_log(LOG_WARNING, "cannot record pid in the lock file: %s",
		       strerror(errno));
}

void fd_instance_unlock(int fd)
{
	if (fd < 0)
		return;
	/* Still holding the lock: nobody else can own this file now. */
	if (lock_path[0])
		unlink(lock_path);
	close(fd);
}
