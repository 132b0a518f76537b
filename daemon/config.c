// SPDX-License-Identifier: Apache-2.0
/*
 * famfs.conf: an INI file read with libinih. Keys live in a [famfsd]
 * section (or before any section). Command-line options win: a key is
 * applied only when the matching option was not given.
 */
#include <ini.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "famfsd.h"

struct cfg_state {
	struct fd_opts *o;
	uint32_t set;
	const char *path;
	char why[160];
};

static bool truthy(const char *v, bool *out)
{
	if (!strcmp(v, "1") || !strcmp(v, "yes") || !strcmp(v, "true") ||
	    !strcmp(v, "on")) {
		*out = true;
		return true;
	}
	if (!strcmp(v, "0") || !strcmp(v, "no") || !strcmp(v, "false") ||
	    !strcmp(v, "off")) {
		*out = false;
		return true;
	}
	return false;
}

static int dup_into(char **dst, const char *v)
{
	if (*dst)
		return 1; /* command line wins */
	*dst = strdup(v);
	return *dst != NULL;
}

/* inih callback: nonzero = ok. */
static int on_key(void *user, const char *section, const char *key,
		  const char *val)
{
	struct cfg_state *s = user;
	struct fd_opts *o = s->o;
	unsigned long u;
	int n;

	if (section[0] && strcmp(section, "famfsd")) {
		snprintf(s->why, sizeof(s->why), "unknown section [%s]",
			 section);
		return 0;
	}
	if (!strcmp(key, "device"))
		return dup_into(&o->device, val);
	if (!strcmp(key, "mountpoint"))
		return dup_into(&o->mountpoint, val);
	if (!strcmp(key, "system_uuid_file"))
		return (s->set & FD_SET_UUID) ? 1 :
						dup_into(&o->uuid_file, val);
	if (!strcmp(key, "journal_dir"))
		return (s->set & FD_SET_JOURNAL) ?
			       1 :
			       dup_into(&o->journal_dir, val);
	if (!strcmp(key, "fuse_dev"))
		return (s->set & FD_SET_FUSEDEV) ? 1 :
						   dup_into(&o->fuse_dev, val);
	if (!strcmp(key, "fstype"))
		return (s->set & FD_SET_FSTYPE) ? 1 : dup_into(&o->fstype, val);
	if (!strcmp(key, "role")) {
		n = fd_parse_role(val);
		if (n < 0)
			goto bad;
		if (!(s->set & FD_SET_ROLE))
			o->role = n;
		return 1;
	}
	if (!strcmp(key, "data_path")) {
		n = fd_parse_path(val);
		if (n < 0)
			goto bad;
		if (!(s->set & FD_SET_PATH))
			o->data_path = n;
		return 1;
	}
	if (!strcmp(key, "log_level")) {
		n = fd_parse_level(val);
		if (n < 0)
			goto bad;
		if (!(s->set & FD_SET_LEVEL))
			o->log_level = n;
		return 1;
	}
	if (!strcmp(key, "poll_ms")) {
		if (fd_parse_uint(val, 3600000, &u) || !u)
			goto bad;
		if (!(s->set & FD_SET_POLL))
			o->poll_ms = (unsigned)u;
		return 1;
	}
	if (!strcmp(key, "settle_ms")) {
		if (fd_parse_uint(val, 3600000, &u))
			goto bad;
		if (!(s->set & FD_SET_SETTLE))
			o->settle_ms = (unsigned)u;
		return 1;
	}
	if (!strcmp(key, "max_maps")) {
		if (fd_parse_uint(val, 1u << 30, &u) || !u)
			goto bad;
		if (!(s->set & FD_SET_MAXMAPS))
			o->max_maps = (unsigned)u;
		return 1;
	}
	if (!strcmp(key, "attr_timeout") || !strcmp(key, "entry_timeout") ||
	    !strcmp(key, "cache_timeout")) {
		double d;

		if (fd_parse_secs(val, &d))
			goto bad;
		if (key[0] == 'a' && !(s->set & FD_SET_ATTR))
			o->attr_timeout = d;
		if (key[0] == 'e' && !(s->set & FD_SET_ENTRY))
			o->entry_timeout = d;
		if (key[0] == 'c' && !(s->set & FD_SET_CACHE))
			o->cache_timeout = d;
		return 1;
	}
	if (!strcmp(key, "foreground")) {
		bool b;

		if (!truthy(val, &b))
			goto bad;
		if (!(s->set & FD_SET_FG))
			o->foreground = b;
		return 1;
	}
	/* daxdevN = PATH: device index N (1..) of ADD_DAXDEV entries. */
	if (!strncmp(key, "daxdev", 6) && key[6] >= '1' && key[6] <= '9') {
		char *end;

		u = strtoul(key + 6, &end, 10);
		if (*end || u >= FAMFS_MAX_DAXDEVS) {
			snprintf(s->why, sizeof(s->why),
				 "%s: device index must be 1..%d", key,
				 FAMFS_MAX_DAXDEVS - 1);
			return 0;
		}
		return dup_into(&o->daxdev[u], val);
	}
	if (!strcmp(key, "options")) {
		/* uring= on the command line wins over the file's. */
		int uring = o->uring;
		bool cli = o->uring_set;

		if (fd_mount_opts_add(o, val)) {
			snprintf(s->why, sizeof(s->why), "bad options '%s'",
				 val);
			return 0;
		}
		if (cli)
			o->uring = uring;
		o->uring_set = cli;
		return 1;
	}
	if (!strcmp(key, "uring")) {
		int v = fd_parse_uring(val);

		if (v < 0)
			goto bad;
		if (!o->uring_set)
			o->uring = v;
		return 1;
	}
	snprintf(s->why, sizeof(s->why), "unknown key '%s'", key);
	return 0;
bad:
	snprintf(s->why, sizeof(s->why), "%s: bad value '%s'", key, val);
	return 0;
}

int fd_config_load(struct fd_opts *o, const char *path, const uint32_t *set)
{
	struct cfg_state s = { .o = o, .set = *set, .path = path };
	int rc = ini_parse(path, on_key, &s);

	if (rc == -1) {
		fprintf(stderr, "famfsd: %s: cannot open\n", path);
		return -1;
	}
	if (rc) {
		fprintf(stderr, "famfsd: %s:%d: %s\n", path, rc,
			s.why[0] ? s.why : "syntax error");
		return -1;
	}
	return 0;
}
