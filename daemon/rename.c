// SPDX-License-Identifier: Apache-2.0
/*
 * unlink, rmdir and rename of objects that are not logged yet. Until it is
 * logged an object is an ordinary file or directory: write-temp-then-rename
 * tools, lock files and journals work, and nothing they delete or replace
 * ever reaches the log. A logged name never changes (famfs is append-only).
 *
 * Both locks are held for the whole operation (ns_lock for writing), so
 * the commit pass cannot log a source or target half way through.
 */
#include <errno.h>
#include <linux/fs.h>
#include <string.h>

#include "famfsd.h"

#define WHY_LOGGED_SRC \
	"famfs is append-only: a logged name is never removed or moved"
#define WHY_LOGGED_DST "famfs is append-only: a logged name is never replaced"

/*
 * Resolve directory @dir (canonical) for a namespace change: a logged
 * directory outside .meta, or an unlogged pending one (*pdir). Locks held.
 */
static int dir_check(struct fd_ctx *c, uint64_t dir, struct fd_pending **pdir,
		     const char **why)
{
	*pdir = NULL;
	if (fd_is_pending_ino(dir)) {
		struct fd_pending *p = fd_pend_get(c, dir);

		if (!p || p->state != FD_PEND_OPEN)
			return -ENOENT;
		if (!p->is_dir)
			return -ENOTDIR;
		*pdir = p;
		return 0;
	}
	const struct famfs_node *d = famfs_ns_get(c->ns, dir);

	if (!d)
		return dir == FD_INO_STATS ? -ENOTDIR : -ENOENT;
	if (d->kind != FAMFS_NODE_DIR)
		return -ENOTDIR;
	if (dir == FAMFS_INO_META) {
		*why = ".meta is reserved";
		return -EPERM;
	}
	return 0;
}

/*
 * The object called @name in @dir: an unlogged pending one (*out), or
 * -EPERM with @logged_why when the name is logged, -ENOENT when absent.
 */
static int find(struct fd_ctx *c, uint64_t dir, const char *name,
		struct fd_pending **out, const char *logged_why,
		const char **why)
{
	*out = NULL;
	if (!fd_is_pending_ino(dir) && famfs_ns_lookup(c->ns, dir, name)) {
		*why = logged_why;
		return -EPERM;
	}
	*out = fd_pend_lookup(c, dir, name);
	return *out ? 0 : -ENOENT;
}

int fd_ns_remove(struct fd_ctx *c, uint64_t parent, const char *name,
		 bool rmdir, const char **why)
{
	struct fd_pending *d, *p;
	int rc;

	*why = NULL;
	parent = fd_canon(c, parent);
	pthread_rwlock_wrlock(&c->ns_lock);
	pthread_mutex_lock(&c->pend_lock);
	rc = dir_check(c, parent, &d, why);
	if (rc == -EPERM)
		*why = WHY_LOGGED_SRC; /* everything in .meta is fixed */
	if (!rc)
		rc = find(c, parent, name, &p, WHY_LOGGED_SRC, why);
	if (!rc && rmdir && !p->is_dir)
		rc = -ENOTDIR;
	else if (!rc && !rmdir && p->is_dir)
		rc = -EISDIR;
	else if (!rc && rmdir && fd_pend_has_children(c, p))
		rc = -ENOTEMPTY;
	if (!rc) {
		fd_journal_removed(c, p); /* a crash must not bring it back */
		fd_pend_remove(c, p);
	}
	pthread_mutex_unlock(&c->pend_lock);
	pthread_rwlock_unlock(&c->ns_lock);
	return rc;
}

/* Whether moving @p to (@dir, @name) keeps every path within famfs
 * limits. Locks held. */
static int path_fits(struct fd_ctx *c, struct fd_pending *p, uint64_t dir,
		     const char *name, const char **why)
{
	char path[FAMFS_MAX_PATHLEN + 2];
	int rc;

	rc = fd_path_of_locked(c, dir, name, path, sizeof(path));
	if (!rc &&
	    strlen(path) + fd_pend_subtree_extra(c, p) >= FAMFS_MAX_PATHLEN)
		rc = -ENAMETOOLONG;
	if (rc == -ENAMETOOLONG) {
		*why = "famfs paths are at most 79 bytes";
		return rc;
	}
	if (!rc && famfs_path_check(path, NULL)) {
		*why = "not a valid famfs path";
		return -EINVAL;
	}
	return rc;
}

/* Exchange two unlogged objects' places. Locks held. */
static int exchange(struct fd_ctx *c, struct fd_pending *a,
		    struct fd_pending *b, const char **why)
{
	uint64_t ap = a->parent, bp = b->parent;
	char an[FAMFS_MAX_PATHLEN], bn[FAMFS_MAX_PATHLEN];
	int rc;

	/* Neither may end up inside itself. */
	if ((a->is_dir && fd_pend_is_below(c, bp, a->ino)) ||
	    (b->is_dir && fd_pend_is_below(c, ap, b->ino)))
		return -EINVAL;
	rc = path_fits(c, a, bp, b->name, why);
	if (!rc)
		rc = path_fits(c, b, ap, a->name, why);
	if (rc)
		return rc;
	snprintf(an, sizeof(an), "%s", a->name);
	snprintf(bn, sizeof(bn), "%s", b->name);
	/* Through a free name: both names sit in one hash table. */
	fd_pend_move(c, a, ap, "");
	fd_pend_move(c, b, ap, an);
	fd_pend_move(c, a, bp, bn);
	fd_journal_exchanged(c, a, b);
	return 0;
}

int fd_ns_rename(struct fd_ctx *c, uint64_t parent, const char *name,
		 uint64_t newparent, const char *newname, unsigned flags,
		 const char **why)
{
	struct fd_pending *sd, *td, *s, *t = NULL;
	int rc;

	*why = NULL;
	if (flags & ~(RENAME_NOREPLACE | RENAME_EXCHANGE) ||
	    ((flags & RENAME_NOREPLACE) && (flags & RENAME_EXCHANGE)))
		return -EINVAL;
	parent = fd_canon(c, parent);
	newparent = fd_canon(c, newparent);
	pthread_rwlock_wrlock(&c->ns_lock);
	pthread_mutex_lock(&c->pend_lock);
	rc = dir_check(c, parent, &sd, why);
	if (rc == -EPERM)
		*why = WHY_LOGGED_SRC;
	if (!rc)
		rc = find(c, parent, name, &s, WHY_LOGGED_SRC, why);
	if (!rc)
		rc = dir_check(c, newparent, &td, why);
	if (!rc && !fd_is_pending_ino(newparent) &&
	    !famfs_ns_lookup(c->ns, newparent, newname) &&
	    famfs_ns_name_held(c->ns, newparent, newname) != -2) {
		/* Not served, but another reader may serve it. */
		*why = "a rejected log entry holds the name (see famfs fsck)";
		rc = -EEXIST;
	}
	if (!rc) {
		rc = find(c, newparent, newname, &t, WHY_LOGGED_DST, why);
		if (rc == -ENOENT && !(flags & RENAME_EXCHANGE))
			rc = 0;
	}
	if (rc || s == t)
		goto out; /* rename onto itself: nothing to do */
	if (flags & RENAME_EXCHANGE) {
		rc = exchange(c, s, t, why);
		goto out;
	}
	if (t && (flags & RENAME_NOREPLACE))
		rc = -EEXIST;
	else if (s->is_dir && fd_pend_is_below(c, newparent, s->ino))
		rc = -EINVAL; /* into itself */
	else if (t && s->is_dir && !t->is_dir)
		rc = -ENOTDIR;
	else if (t && !s->is_dir && t->is_dir)
		rc = -EISDIR;
	else if (t && t->is_dir && fd_pend_has_children(c, t))
		rc = -ENOTEMPTY;
	if (!rc)
		rc = path_fits(c, s, newparent, newname, why);
	if (rc)
		goto out;
	fd_pend_move(c, s, newparent, newname);
	fd_journal_moved(c, s, t); /* one synced record for both */
	if (t)
		fd_pend_remove(c, t); /* replaced: its slot and space go */
out:
	pthread_mutex_unlock(&c->pend_lock);
	pthread_rwlock_unlock(&c->ns_lock);
	return rc;
}
