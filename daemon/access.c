// SPDX-License-Identifier: Apache-2.0
/*
 * Who may use the mount. With allow_other every user reaches famfsd, and
 * without default_permissions the kernel checks no mode at all (famfsd
 * serves every request it gets), so anyone could read and overwrite a root
 * 0600 file: allow_other implies default_permissions unless the operator
 * says no_default_permissions, and the startup line says which applies.
 * .meta is root-only (the log names every file, owner and extent, whatever
 * directory modes hide) unless meta_public asks for the old world-readable
 * modes.
 */
#include <stdio.h>
#include <unistd.h>

#include "famfsd.h"

int fd_access_resolve(struct fd_opts *o)
{
	if (o->default_permissions && o->no_default_permissions) {
		fprintf(stderr, "famfsd: -o default_permissions and "
				"no_default_permissions contradict each "
				"other\n");
		return 1;
	}
	if (o->allow_other && !o->default_permissions &&
	    !o->no_default_permissions) {
		o->default_permissions = true;
		o->default_permissions_implied = true;
	}
	return 0;
}

const char *fd_access_desc(const struct fd_opts *o)
{
	if (!o->allow_other)
		return o->default_permissions ? "mounting user only, modes "
						"checked" :
						"mounting user only";
	if (!o->default_permissions)
		return "all users, NO permission checks (no_default_permissions)";
	return o->default_permissions_implied ?
		       "all users, modes checked (default_permissions, implied "
		       "by allow_other)" :
		       "all users, modes checked (default_permissions)";
}

void fd_access_apply(struct fd_ctx *c)
{
	const struct fd_opts *o = c->opts;

	famfs_ns_set_meta_perms(c->ns,
				o->meta_public ? 0755 : FAMFS_META_DIR_MODE,
				o->meta_public ? 0444 : FAMFS_META_FILE_MODE,
				(uint32_t)c->uid, (uint32_t)getgid());
	if (o->allow_other && !o->default_permissions)
		fd_log(LOG_WARNING,
		       "allow_other without default_permissions: every user "
		       "may read and write every file, whatever its mode");
	if (o->meta_public)
		fd_log(LOG_INFO, "meta_public: every user who reaches the "
				 "mount may read .meta (all names, owners, "
				 "sizes and extents)");
}
