// SPDX-License-Identifier: Apache-2.0
/* famfsd: command line, configuration, then the session (session.c). */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "famfsd.h"

static const char usage_text[] =
	"Usage: famfsd [options] DEVICE MOUNTPOINT\n"
	"       famfsd -c FILE [options] [DEVICE MOUNTPOINT]\n"
	"Serve a famfs device or image through FUSE.\n"
	"\n"
	"  -f, --foreground            stay in the foreground, log to stderr\n"
	"  -c, --config FILE           INI config (famfs.conf(5)); options "
	"override it\n"
	"  -u, --system-uuid-file PATH default " FAMFS_SYSTEM_UUID_PATH "\n"
	"  -r, --role auto|master|client\n"
	"  -d, --data-path auto|passthrough|extmap|openreply|daemon\n"
	"                              auto: the 7.47 extent-map ABI, else\n"
	"                              famfs's OPEN-reply form, else daemon\n"
	"      --max-maps N            live 7.47 maps (default 65536)\n"
	"  -p, --poll-ms N             log follow interval (default 1000)\n"
	"      --settle-ms N           log new files and directories N ms\n"
	"                              after their last change (default 1000)\n"
	"      --journal-dir DIR       recovery journal of files not logged yet\n"
	"                              (default " FAMFS_JOURNAL_DIR ")\n"
	"  -o OPT[,OPT]                allow_other (implies default_permissions\n"
	"                              unless no_default_permissions),\n"
	"                              default_permissions, meta_public, ro,\n"
	"                              uring=auto|on|off (FUSE-over-io_uring\n"
	"                              transport; default auto)\n"
	"      --cache-timeout SEC     cache time of logged names and "
	"attributes\n"
	"                              (default 3600; the log invalidates)\n"
	"      --attr-timeout SEC      attribute cache time of pending objects\n"
	"                              (default 1)\n"
	"      --entry-timeout SEC     name cache time of pending objects\n"
	"                              (default 1)\n"
	"  -l, --log-level error|warn|info|debug\n"
	"      --fuse-dev PATH         FUSE device node (default /dev/fuse)\n"
	"      --fstype NAME           file system type for mount(2) "
	"(default fuse)\n"
	"      --emulator-fd N         (tests) serve FUSE over fd N, no mount\n"
	"      --emulator-ioctl-fd N   (tests) send backing ioctls over fd N\n"
	"  -V, --version               print the version\n"
	"  -h, --help                  this text\n";

enum {
	OPT_ATTR = 256,
	OPT_ENTRY,
	OPT_FUSEDEV,
	OPT_FSTYPE,
	OPT_EMU,
	OPT_SETTLE,
	OPT_EMUIO,
	OPT_CACHE,
	OPT_JOURNAL,
	OPT_MAXMAPS
};

static const struct option longopts[] = {
	{ "foreground", no_argument, NULL, 'f' },
	{ "config", required_argument, NULL, 'c' },
	{ "system-uuid-file", required_argument, NULL, 'u' },
	{ "role", required_argument, NULL, 'r' },
	{ "data-path", required_argument, NULL, 'd' },
	{ "poll-ms", required_argument, NULL, 'p' },
	{ "log-level", required_argument, NULL, 'l' },
	{ "attr-timeout", required_argument, NULL, OPT_ATTR },
	{ "entry-timeout", required_argument, NULL, OPT_ENTRY },
	{ "cache-timeout", required_argument, NULL, OPT_CACHE },
	{ "fuse-dev", required_argument, NULL, OPT_FUSEDEV },
	{ "fstype", required_argument, NULL, OPT_FSTYPE },
	{ "emulator-fd", required_argument, NULL, OPT_EMU },
	{ "emulator-ioctl-fd", required_argument, NULL, OPT_EMUIO },
	{ "settle-ms", required_argument, NULL, OPT_SETTLE },
	{ "journal-dir", required_argument, NULL, OPT_JOURNAL },
	{ "max-maps", required_argument, NULL, OPT_MAXMAPS },
	{ "version", no_argument, NULL, 'V' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

void fd_opts_init(struct fd_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->poll_ms = 1000;
	o->settle_ms = FD_SETTLE_MS_DEFAULT;
	o->attr_timeout = 1.0;
	o->entry_timeout = 1.0;
	o->cache_timeout = FD_CACHE_TIMEOUT_DEFAULT;
	o->log_level = LOG_INFO;
	o->emulator_fd = -1;
	o->emulator_ioctl_fd = -1;
}

void fd_opts_free(struct fd_opts *o)
{
	free(o->device);
	free(o->mountpoint);
	free(o->config);
	free(o->uuid_file);
	free(o->mount_opts);
	free(o->fuse_dev);
	free(o->fstype);
	free(o->journal_dir);
	for (int i = 0; i < FAMFS_MAX_DAXDEVS; i++)
		free(o->daxdev[i]);
}

int fd_parse_role(const char *s)
{
	if (!strcmp(s, "auto"))
		return FD_ROLE_AUTO;
	if (!strcmp(s, "master"))
		return FD_ROLE_MASTER;
	if (!strcmp(s, "client"))
		return FD_ROLE_CLIENT;
	return -1;
}

int fd_parse_path(const char *s)
{
	if (!strcmp(s, "auto"))
		return FD_PATH_AUTO;
	if (!strcmp(s, "passthrough"))
		return FD_PATH_PASSTHROUGH;
	if (!strcmp(s, "daemon"))
		return FD_PATH_DAEMON;
	if (!strcmp(s, "extmap"))
		return FD_PATH_EXTMAP;
	if (!strcmp(s, "openreply"))
		return FD_PATH_OPENREPLY;
	return -1;
}

int fd_parse_level(const char *s)
{
	if (!strcmp(s, "error"))
		return LOG_ERR;
	if (!strcmp(s, "warn") || !strcmp(s, "warning"))
		return LOG_WARNING;
	if (!strcmp(s, "info"))
		return LOG_INFO;
	if (!strcmp(s, "debug"))
		return LOG_DEBUG;
	return -1;
}

/* Strict unsigned / non-negative double parsing; -1 on junk. */
int fd_parse_uint(const char *s, unsigned long max, unsigned long *out)
{
	char *end;
	unsigned long v;

	if (!*s || *s == '-')
		return -1;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || v > max)
		return -1;
	*out = v;
	return 0;
}

int fd_parse_secs(const char *s, double *out)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (!*s || errno || *end || !(v >= 0) || v > 86400 * 365)
		return -1;
	*out = v;
	return 0;
}

int fd_mount_opts_add(struct fd_opts *o, const char *list)
{
	char *dup = strdup(list), *save = NULL, *tok;
	int rc = 0;

	if (!dup)
		return -1;
	for (tok = strtok_r(dup, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		if (!strcmp(tok, "allow_other")) {
			o->allow_other = true;
		} else if (!strcmp(tok, "ro")) {
			o->read_only = true;
		} else if (!strcmp(tok, "default_permissions")) {
			o->default_permissions = true;
		} else if (!strcmp(tok, "no_default_permissions")) {
			o->no_default_permissions = true;
		} else if (!strcmp(tok, "meta_public")) {
			o->meta_public = true;
		} else if (!strncmp(tok, "uring=", 6)) {
			int v = fd_parse_uring(tok + 6);

			if (v < 0) {
				fprintf(stderr,
					"famfsd: -o %s: expected uring=auto, "
					"uring=on or uring=off\n",
					tok);
				rc = -1;
				break;
			}
			o->uring = v;
			o->uring_set = true;
		} else {
			fprintf(stderr,
				"famfsd: -o %s: unknown option (known: "
				"allow_other, default_permissions, "
				"no_default_permissions, meta_public, ro, "
				"uring=auto|on|off)\n",
				tok);
			rc = -1;
			break;
		}
	}
	free(dup);
	return rc;
}

static int set_str(char **dst, const char *v)
{
	free(*dst);
	*dst = strdup(v);
	return *dst ? 0 : -1;
}

/* The message for a bad option value: the option and what it takes. */
static void bad_value(int c, const char *val)
{
	static const struct {
		int c;
		const char *want;
	} wants[] = {
		{ 'r', "auto, master or client" },
		{ 'd', "auto, passthrough, extmap, openreply or daemon" },
		{ 'p', "milliseconds, 1 to 3600000" },
		{ 'l', "error, warning, info or debug" },
		{ OPT_ATTR, "seconds, 0 to a year" },
		{ OPT_ENTRY, "seconds, 0 to a year" },
		{ OPT_CACHE, "seconds, 0 to a year" },
		{ OPT_SETTLE, "milliseconds, 0 to 3600000" },
		{ OPT_MAXMAPS, "a count, 1 to 2^30" },
	};
	const char *name = "?", *want = "a file descriptor"; /* emulator fds */

	for (const struct option *l = longopts; l->name; l++)
		if (l->val == c)
			name = l->name;
	for (size_t i = 0; i < sizeof(wants) / sizeof(wants[0]); i++)
		if (wants[i].c == c)
			want = wants[i].want;
	fprintf(stderr, "famfsd: --%s: bad value '%s' (expected %s)\n", name,
		val, want);
}

int fd_opts_parse(struct fd_opts *o, int argc, char **argv)
{
	uint32_t set = 0;
	unsigned long v;
	int c, n;

	while ((c = getopt_long(argc, argv, "fc:u:r:d:p:o:l:Vh", longopts,
				NULL)) != -1) {
		switch (c) {
		case 'f':
			o->foreground = true;
			set |= FD_SET_FG;
			break;
		case 'c':
			if (set_str(&o->config, optarg))
				return 1;
			break;
		case 'u':
			if (set_str(&o->uuid_file, optarg))
				return 1;
			set |= FD_SET_UUID;
			break;
		case 'r':
			n = fd_parse_role(optarg);
			if (n < 0)
				goto bad;
			o->role = n;
			set |= FD_SET_ROLE;
			break;
		case 'd':
			n = fd_parse_path(optarg);
			if (n < 0)
				goto bad;
			o->data_path = n;
			set |= FD_SET_PATH;
			break;
		case 'p':
			if (fd_parse_uint(optarg, 3600000, &v) || !v)
				goto bad;
			o->poll_ms = (unsigned)v;
			set |= FD_SET_POLL;
			break;
		case 'o':
			if (fd_mount_opts_add(o, optarg))
				return 1;
			break;
		case 'l':
			n = fd_parse_level(optarg);
			if (n < 0)
				goto bad;
			o->log_level = n;
			set |= FD_SET_LEVEL;
			break;
		case OPT_ATTR:
			if (fd_parse_secs(optarg, &o->attr_timeout))
				goto bad;
			set |= FD_SET_ATTR;
			break;
		case OPT_ENTRY:
			if (fd_parse_secs(optarg, &o->entry_timeout))
				goto bad;
			set |= FD_SET_ENTRY;
			break;
		case OPT_CACHE:
			if (fd_parse_secs(optarg, &o->cache_timeout))
				goto bad;
			set |= FD_SET_CACHE;
			break;
		case OPT_FUSEDEV:
			if (set_str(&o->fuse_dev, optarg))
				return 1;
			set |= FD_SET_FUSEDEV;
			break;
		case OPT_FSTYPE:
			if (set_str(&o->fstype, optarg))
				return 1;
			set |= FD_SET_FSTYPE;
			break;
		case OPT_JOURNAL:
			if (set_str(&o->journal_dir, optarg))
				return 1;
			set |= FD_SET_JOURNAL;
			break;
		case OPT_SETTLE:
			if (fd_parse_uint(optarg, 3600000, &v))
				goto bad;
			o->settle_ms = (unsigned)v;
			set |= FD_SET_SETTLE;
			break;
		case OPT_MAXMAPS:
			if (fd_parse_uint(optarg, 1u << 30, &v) || !v)
				goto bad;
			o->max_maps = (unsigned)v;
			set |= FD_SET_MAXMAPS;
			break;
		case OPT_EMU:
			if (fd_parse_uint(optarg, 1 << 20, &v))
				goto bad;
			o->emulator_fd = (int)v;
			break;
		case OPT_EMUIO:
			if (fd_parse_uint(optarg, 1 << 20, &v))
				goto bad;
			o->emulator_ioctl_fd = (int)v;
			break;
		case 'V':
			printf("famfsd %s\n", FAMFS_VERSION_STRING);
			return -1;
		case 'h':
			fputs(usage_text, stdout);
			return -1;
		default:
			fputs("Try 'famfsd --help'.\n", stderr);
			return 1;
		}
	}
	n = argc - optind;
	if (n == 2) {
		if (set_str(&o->device, argv[optind]) ||
		    set_str(&o->mountpoint, argv[optind + 1]))
			return 1;
	} else if (n != 0 || !o->config) {
		fprintf(stderr,
			"famfsd: expected DEVICE MOUNTPOINT (got %d "
			"arguments); try 'famfsd --help'\n",
			n);
		return 1;
	}
	if (o->config && fd_config_load(o, o->config, &set))
		return 1;
	if (!o->device || !o->mountpoint) {
		fprintf(stderr, "famfsd: %s: no device and mountpoint given\n",
			o->config ? o->config : "command line");
		return 1;
	}
	return fd_access_resolve(o);
bad:
	bad_value(c, optarg);
	return 1;
}

int main(int argc, char **argv)
{
	struct fd_opts o;
	int rc;

	fd_opts_init(&o);
	rc = fd_opts_parse(&o, argc, argv);
	if (rc) {
		fd_opts_free(&o);
		return rc < 0 ? 0 : 1;
	}
	fd_log_init(o.log_level);
	{
		struct fd_ctx c;

		memset(&c, 0, sizeof(c));
		c.opts = &o;
		rc = fd_session_run(&c);
	}
	fd_opts_free(&o);
	return rc;
}
