// SPDX-License-Identifier: Apache-2.0
/*
 * Log replay: copy each entry out of (possibly shared, changing) memory,
 * check it in isolation, then apply the namespace rules (parent exists and
 * is a directory, no duplicate name) and account its device units.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "ns_internal.h"

/* Split "a/b/c" into the parent node and the last component. */
static int find_parent(struct famfs_ns *ns, const char *path,
		       struct famfs_node **dir, const char **name,
		       uint64_t index, struct famfs_err *err)
{
	const char *slash = strrchr(path, '/');
	const struct famfs_node *p;
	char buf[FAMFS_MAX_PATHLEN];

	size_t len;

	if (!slash) {
		*dir = ns_node(ns, FAMFS_INO_ROOT);
		*name = path;
		return 0;
	}
	len = (size_t)(slash - path);
	/* Consecutive entries mostly share a parent: skip the walk. */
	if (ns->pc_ino && len == ns->pc_len &&
	    !memcmp(path, ns->pc_path, len)) {
		*dir = ns_node(ns, ns->pc_ino);
		if (*dir && (*dir)->kind == FAMFS_NODE_DIR) {
			*name = slash + 1;
			return 0;
		}
	}
	memcpy(buf, path, len);
	buf[len] = '\0';
	p = famfs_ns_resolve(ns, buf);
	if (!p)
		return famfs_err_set(err, (int64_t)index, "relpath", -errno,
				     "parent of \"%s\" %s", path,
				     errno == ENOTDIR ? "crosses a file" :
							"does not exist");
	if (p->kind != FAMFS_NODE_DIR)
		return famfs_err_set(err, (int64_t)index, "relpath", -ENOTDIR,
				     "parent of \"%s\" is a file", path);
	*dir = (struct famfs_node *)p;
	*name = slash + 1;
	memcpy(ns->pc_path, path, len);
	ns->pc_len = (uint8_t)len;
	ns->pc_ino = p->ino;
	return 0;
}

/* Claim the units of a map; collisions are counted and reported. */
static int claim(struct famfs_ns *ns, const struct famfs_fmap *m, bool own,
		 uint64_t index, const char *path, struct famfs_err *err)
{
	uint64_t dup = 0;

	for (unsigned i = 0; i < m->count; i++) {
		const struct famfs_extent *e = &m->ext[i];
		struct ns_bitmap *b = &ns->bm[e->devindex];
		uint64_t first = e->offset / FAMFS_ALLOC_UNIT;
		uint64_t n = e->len / FAMFS_ALLOC_UNIT;

		if (!b->w && ns_bitmap_init(b, ns->geom.dev_size[e->devindex]))
			return -ENOMEM;
		if (own)
			ns_bitmap_set(b, first, n);
		else
			dup += ns_bitmap_set(b, first, n);
	}
	if (dup) {
		struct famfs_err e;

		ns->st.collisions += dup;
		famfs_err_set(&e, (int64_t)index, "fmap", -EEXIST,
			      "\"%s\" claims %" PRIu64
			      " allocation unit(s) already in use",
			      path, dup);
		if (ns->report)
			ns->report(ns->report_arg, &e);
		if (err)
			*err = e;
	}
	return 0;
}

static int apply_node(struct famfs_ns *ns, const char *path, uint32_t mode,
		      uint32_t uid, uint32_t gid, uint64_t size,
		      const struct famfs_fmap *m, bool own, uint64_t index,
		      struct famfs_err *err)
{
	struct famfs_node *dir = NULL, *n;
	const char *name = NULL;
	const struct famfs_node *old;
	int rc;

	rc = find_parent(ns, path, &dir, &name, index, err);
	if (rc)
		return rc;
	old = famfs_ns_lookup(ns, dir->ino, name);
	if (old)
		return famfs_err_set(err, (int64_t)index, "relpath", -EEXIST,
				     "\"%s\" already exists (entry %" PRId64
				     ")",
				     path, old->log_index);
	n = ns_slot(ns, index);
	if (!n)
		return -ENOMEM;
	memset(n, 0, sizeof(*n));
	if (m) {
		n->fmap = ns_fmap_new(ns, m->count);
		if (!n->fmap)
			return -ENOMEM;
		memcpy(n->fmap, m, ns_fmap_size(m->count));
		rc = claim(ns, m, own, index, path, NULL);
		if (rc)
			goto err_free;
		n->kind = FAMFS_NODE_FILE;
		n->mode = S_IFREG | mode;
		n->nlink = 1;
		n->size = size;
	} else {
		n->kind = FAMFS_NODE_DIR;
		n->mode = S_IFDIR | mode;
		n->nlink = 2;
	}
	n->ino = FAMFS_INO_LOG_BASE + index;
	n->log_index = (int64_t)index;
	n->uid = uid;
	n->gid = gid;
	n->name_len = (uint8_t)strlen(name);
	memcpy(n->name, name, n->name_len + 1);
	rc = ns_link(ns, dir, n);
	if (rc)
		goto err_free;
	if (m) {
		ns->st.files++;
		ns->st.bytes += size;
	} else {
		ns->st.dirs++;
	}
	return 0;

err_free:
	if (n->fmap)
		ns_fmap_undo(ns, n->fmap);
	memset(n, 0, sizeof(*n));
	return rc;
}

int ns_apply(struct famfs_ns *ns, const struct famfs_omf_log_entry *e,
	     uint64_t index, bool own, const struct famfs_fmap *m,
	     struct famfs_err *err)
{
	switch (e->type) {
	case FAMFS_OMF_LOG_FILE:
		return apply_node(ns, e->u.file.relpath, e->u.file.mode,
				  e->u.file.uid, e->u.file.gid, e->u.file.size,
				  m, own, index, err);
	case FAMFS_OMF_LOG_MKDIR:
		return apply_node(ns, e->u.mkdir.relpath, e->u.mkdir.mode,
				  e->u.mkdir.uid, e->u.mkdir.gid, 0, NULL, own,
				  index, err);
	case FAMFS_OMF_LOG_ADD_DAXDEV: {
		uint32_t d = e->u.daxdev.dd_index;

		ns->geom.dev_size[d] = e->u.daxdev.dd_size;
		ns->geom.dev_uuid[d] = e->u.daxdev.dd_uuid;
		ns->geom.ndevs = d + 1;
		ns->st.daxdevs++;
		return 0;
	}
	default:
		return famfs_err_set(err, (int64_t)index, "type", -EINVAL,
				     "unsupported entry type %u", e->type);
	}
}

/* Check one entry copied out of the log; retry once after invalidating. */
static int read_entry(struct famfs_ns *ns, const uint8_t *log, uint64_t i,
		      void (*invalidate)(const void *, size_t),
		      struct famfs_omf_log_entry *e, struct famfs_fmap *m,
		      struct famfs_err *err)
{
	const uint8_t *src = log + famfs_log_entry_offset(i);
	int rc;

	memcpy(e, src, sizeof(*e));
	rc = ns_entry_check(e, i, &ns->geom, err, m);
	if (rc == -EBADMSG && invalidate) {
		invalidate(src, sizeof(*e));
		memcpy(e, src, sizeof(*e));
		rc = ns_entry_check(e, i, &ns->geom, err, m);
	}
	return rc;
}

long famfs_ns_replay(struct famfs_ns *ns, const void *log, uint64_t log_len,
		     unsigned flags,
		     void (*invalidate)(const void *addr, size_t len))
{
	struct famfs_omf_log_header h;
	struct famfs_err err;
	uint64_t start = ns->next_index, end;
	int rc;

	if (log_len != ns->geom.log_len)
		return -EINVAL;
	if (invalidate)
		invalidate(log, sizeof(h));
	memcpy(&h, log, sizeof(h));
	rc = famfs_log_header_check(&h, ns->geom.log_len, &err);
	if (rc) {
		if (ns->report)
			ns->report(ns->report_arg, &err);
		return rc;
	}
	end = h.next_index;
	if (end > ns->next_index && ns_reserve(ns, end - ns->next_index))
		return -ENOMEM;
	for (uint64_t i = ns->next_index; i < end; i++) {
		struct famfs_omf_log_entry e;
		struct famfs_fmap m;

		famfs_err_clear(&err);
		rc = read_entry(ns, log, i, invalidate, &e, &m, &err);
		if (rc == -EBADMSG && !(flags & FAMFS_REPLAY_SKIP_TORN)) {
			/* Torn or not yet visible: stop, retry later. */
			if (ns->torn_reported != i + 1) {
				ns->torn_reported = i + 1;
				if (ns->report)
					ns->report(ns->report_arg, &err);
			}
			return -EBADMSG;
		}
		if (!rc)
			rc = ns_apply(ns, &e, i, false, &m, &err);
		if (rc == -ENOMEM)
			return rc;
		if (rc)
			ns_report(ns, &err);
		ns->next_index = i + 1;
	}
	return (long)(ns->next_index - start);
}

int famfs_ns_apply_own(struct famfs_ns *ns, const struct famfs_omf_log_entry *e)
{
	struct famfs_fmap m;
	struct famfs_err err;
	int rc;

	famfs_err_clear(&err);
	rc = ns_entry_check(e, ns->next_index, &ns->geom, &err, &m);
	if (rc)
		return rc == -EBADMSG ? -EINVAL : rc;
	rc = ns_apply(ns, e, ns->next_index, true, &m, &err);
	if (rc)
		return rc;
	ns->next_index++;
	return 0;
}
