// SPDX-License-Identifier: Apache-2.0
/* CLI helpers: messages, argument parsing, paths, opening a device. */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <uuid/uuid.h>

#include "cli.h"

static void vmsg(const struct cli *c, const char *pre, const char *fmt,
		 va_list ap)
{
	fprintf(stderr, "%s: %s", c->prog, pre);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

int cli_err(const struct cli *c, int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg(c, "", fmt, ap);
	va_end(ap);
	return code;
}

void cli_warn(const struct cli *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg(c, "warning: ", fmt, ap);
	va_end(ap);
}

int cli_usage_err(const struct cli *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg(c, "", fmt, ap);
	va_end(ap);
	return EXIT_USAGE;
}

int cli_bad_opt(const struct cli *c, char **argv)
{
	if (optopt && optopt < 0x100)
		return cli_usage_err(c,
				     "bad option or missing argument: -%c; "
				     "try '%s --help'",
				     optopt, c->prog);
	return cli_usage_err(c, "bad option '%s'; try '%s --help'",
			     argv[optind - 1], c->prog);
}

bool cli_common_opt(struct cli *c, int opt, const char *arg)
{
	if (opt == OPT_UUID_FILE) {
		c->uuid_file = arg;
		return true;
	}
	return false;
}

/* Digits only (no sign, no spaces): strtoull alone accepts " -1". */
static int parse_digits(const char *s, int base, uint64_t *out, char **end)
{
	unsigned long long v;

	if (!s || !*s)
		return -EINVAL;
	if (!(base == 16 ? isxdigit((unsigned char)*s) :
			   isdigit((unsigned char)*s)))
		return -EINVAL;
	errno = 0;
	v = strtoull(s, end, base);
	if (errno)
		return -ERANGE;
	*out = v;
	return 0;
}

int cli_parse_u64(const char *s, uint64_t *out)
{
	char *end;
	int rc;

	if (s && (!strncmp(s, "0x", 2) || !strncmp(s, "0X", 2)))
		rc = parse_digits(s + 2, 16, out, &end);
	else
		rc = parse_digits(s, 10, out, &end);
	if (rc)
		return rc;
	return *end ? -EINVAL : 0;
}

int cli_parse_u32(const char *s, uint32_t *out)
{
	uint64_t v;
	int rc = cli_parse_u64(s, &v);

	if (rc)
		return rc;
	if (v > UINT32_MAX)
		return -ERANGE;
	*out = (uint32_t)v;
	return 0;
}

int cli_parse_size(const char *s, uint64_t *out)
{
	uint64_t v, mult = 1;
	char *end;
	int rc;

	rc = parse_digits(s, 10, &v, &end);
	if (rc)
		return rc;
	if (*end) {
		switch (*end) {
		case 'k':
		case 'K':
			mult = 1ULL << 10;
			break;
		case 'm':
		case 'M':
			mult = 1ULL << 20;
			break;
		case 'g':
		case 'G':
			mult = 1ULL << 30;
			break;
		case 't':
		case 'T':
			mult = 1ULL << 40;
			break;
		default:
			return -EINVAL;
		}
		if (end[1])
			return -EINVAL;
	}
	if (__builtin_mul_overflow(v, mult, out))
		return -ERANGE;
	return 0;
}

int cli_parse_mode(const char *s, uint32_t *out)
{
	uint64_t v;
	char *end;
	int rc;

	rc = parse_digits(s, 8, &v, &end);
	if (rc)
		return rc;
	if (*end)
		return -EINVAL;
	if (v > 07777)
		return -ERANGE;
	*out = (uint32_t)v;
	return 0;
}

const char *cli_human(uint64_t bytes, char *buf, size_t len)
{
	static const char *const unit[] = { "B",   "KiB", "MiB",
					    "GiB", "TiB", "PiB" };
	double v = (double)bytes;
	unsigned u = 0;

	while (v >= 1024 && u < 5) {
		v /= 1024;
		u++;
	}
	if (u == 0)
		snprintf(buf, len, "%llu B", (unsigned long long)bytes);
	else
		snprintf(buf, len, "%.1f %s", v, unit[u]);
	return buf;
}

const char *cli_mode_str(uint32_t mode, char *buf)
{
	static const char rwx[] = "rwxrwxrwx";

	buf[0] = S_ISDIR(mode) ? 'd' : S_ISREG(mode) ? '-' : '?';
	for (int i = 0; i < 9; i++)
		buf[1 + i] = (mode & (0400u >> i)) ? rwx[i] : '-';
	if (mode & S_ISUID)
		buf[3] = (mode & 0100) ? 's' : 'S';
	if (mode & S_ISGID)
		buf[6] = (mode & 0010) ? 's' : 'S';
	if (mode & S_ISVTX)
		buf[9] = (mode & 0001) ? 't' : 'T';
	buf[10] = '\0';
	return buf;
}

int cli_normpath(const char *in, char *out, size_t outlen)
{
	size_t n = 0;
	const char *c = in;

	while (*c) {
		const char *slash;
		size_t len;

		while (*c == '/')
			c++;
		if (!*c)
			break;
		slash = strchr(c, '/');
		len = slash ? (size_t)(slash - c) : strlen(c);
		if (len == 1 && c[0] == '.') {
			c += len;
			continue;
		}
		if (len == 2 && c[0] == '.' && c[1] == '.')
			return -EINVAL;
		if (n + !!n + len >= outlen ||
		    n + !!n + len >= FAMFS_MAX_PATHLEN)
			return -ENAMETOOLONG;
		if (n)
			out[n++] = '/';
		memcpy(out + n, c, len);
		n += len;
		c += len;
	}
	if (!outlen)
		return -ENAMETOOLONG;
	out[n] = '\0';
	return 0;
}

/* Undo mountinfo's octal escapes (\040 for space etc.) in place. */
static void unescape(char *s)
{
	char *d = s;

	while (*s) {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' &&
		    s[2] <= '7' && s[3] >= '0' && s[3] <= '7') {
			*d++ = (char)((s[1] - '0') * 64 + (s[2] - '0') * 8 +
				      (s[3] - '0'));
			s += 4;
		} else {
			*d++ = *s++;
		}
	}
	*d = '\0';
}

int cli_dev_mounted(const char *dev, char *mnt, size_t mntlen)
{
	const char *info = getenv("FAMFS_MOUNTINFO");
	char want[PATH_MAX], got[PATH_MAX];
	char *line = NULL;
	size_t cap = 0;
	int found = 0;
	FILE *f;

	if (!realpath(dev, want))
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
		unescape(source);
		if (!realpath(source, got) || strcmp(got, want))
			continue;
		found = 1;
		if (mnt) {
			unescape(fields[4]);
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

int cli_open_ro(const struct cli *c, const char *dev, unsigned replay_flags,
		famfs_report_fn fn, void *arg, struct famfs_fs **out)
{
	struct famfs_fs_opts o;
	struct famfs_err e;
	char buf[300];
	int rc;

	famfs_fs_opts_init(&o);
	o.dev_flags = FAMFS_DEV_RDONLY;
	o.system_uuid_path = c->uuid_file;
	o.report = fn;
	o.report_arg = arg;
	o.replay_flags = replay_flags;
	famfs_err_clear(&e);
	rc = famfs_fs_open(dev, &o, out, &e);
	if (rc)
		return cli_err(c, EXIT_RUNTIME, "%s: %s", dev,
			       err_text(&e, rc, buf, sizeof(buf)));
	return 0;
}

int cli_open_rw(const struct cli *c, const char *dev, struct famfs_fs **out)
{
	struct famfs_omf_uuid me;
	struct famfs_fs_opts o;
	struct famfs_fs *fs;
	struct famfs_err e;
	char buf[300], mnt[PATH_MAX];
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
	o.system_uuid_path = c->uuid_file;
	famfs_err_clear(&e);
	rc = famfs_fs_open(dev, &o, &fs, &e);
	if (rc)
		return cli_err(c, EXIT_RUNTIME, "%s: %s", dev,
			       err_text(&e, rc, buf, sizeof(buf)));
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
				       "%s: the log has a torn or corrupt "
				       "entry; run famfs fsck",
				       dev);
		return cli_err(c, EXIT_RUNTIME, "%s: locking the log: %s", dev,
			       strerror(-rc));
	}
	*out = fs;
	return 0;
}
