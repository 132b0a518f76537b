// SPDX-License-Identifier: Apache-2.0
/*
 * Log replay: copy each entry out of (possibly shared, changing) memory,
 * check it in isolation, then apply the namespace rules (parent exists and
 * is a directory, name not held, no unit held) and account its device
 * units. The rules are in famfs.h at famfs_ns_replay; claim.c holds the
 * bookkeeping of units and names.
 */
#include <errno.h>
#include <stddef.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "ns_internal.h"

int ns_find_parent(struct famfs_ns *ns, const char *path,
		   struct famfs_node **dir, const char **name, uint64_t index,
		   struct famfs_err *err)
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

/* Hold the units of a map whose entry is not served (it keeps them). */
static int hold_units(struct famfs_ns *ns, const struct famfs_fmap *m)
{
	uint64_t fresh;
	int64_t rc;

	if (!m)
		return 0;
	rc = ns_claim(ns, m, &fresh);
	if (rc < 0)
		return (int)rc;
	ns->st.rejected_units += fresh;
	return 0;
}

/*
 * Claim a served-to-be file's units. Any unit already held makes it the
 * loser of a collision: it keeps the rest and its name, and is not served.
 */
static int claim_file(struct famfs_ns *ns, struct famfs_node *dir,
		      const char *name, const char *path,
		      const struct famfs_fmap *m, uint64_t index,
		      struct famfs_err *err)
{
	uint64_t fresh;
	int64_t dup = ns_claim(ns, m, &fresh), holder;
	char who[48];
	int rc;

	if (dup <= 0)
		return (int)dup;
	ns->st.rejected_units += fresh;
	ns->st.collisions++;
	holder = ns_find_holder(ns, m, index);
	if (holder >= 0)
		snprintf(who, sizeof(who), "entry %" PRId64, holder);
	else
		snprintf(who, sizeof(who), "%s",
			 holder == -1 ? "the superblock or log" :
					"an earlier rejected entry");
	rc = ns_hold(ns, dir, name, index);
	if (rc)
		return rc;
	famfs_err_set(err, (int64_t)index, "fmap", -EEXIST,
		      "\"%s\" maps %" PRId64
		      " allocation unit(s) already held by %s",
		      path, dup, who);
	if (err)
		err->kind = FAMFS_ERR_COLLISION;
	return -EEXIST;
}

static int apply_node(struct famfs_ns *ns, const char *path, uint32_t mode,
		      uint32_t uid, uint32_t gid, uint64_t size,
		      const struct famfs_fmap *m, bool own, uint64_t index,
		      struct famfs_err *err)
{
	struct famfs_node *dir = NULL, *n;
	const char *name = NULL;
	const struct famfs_node *old;
	uint64_t hash;
	size_t len;
	int rc;

	rc = ns_find_parent(ns, path, &dir, &name, index, err);
	if (rc) {
		int r2 = hold_units(ns, m);

		return r2 ? r2 : rc;
	}
	len = strlen(name);
	hash = ns_hash_hinted(ns, dir->ino, name, len);
	old = ns_holder_hashed(ns, dir->ino, name, len, hash);
	if (old) {
		rc = famfs_err_set(
			err, (int64_t)index, "relpath", -EEXIST,
			"\"%s\" already exists (entry %" PRId64 "%s)", path,
			old->log_index,
			old->kind == FAMFS_NODE_REJECTED ? ", itself rejected" :
							   "");
		int r2 = hold_units(ns, m);

		return r2 ? r2 : rc;
	}
	if (m && own) {
		/* Reserved by famfs_ns_alloc: already held, by us. */
		if (ns_claim(ns, m, NULL) < 0)
			return -ENOMEM;
	} else if (m) {
		rc = claim_file(ns, dir, name, path, m, index, err);
		if (rc)
			return rc;
	}
	n = ns_slot(ns, index);
	if (!n)
		return -ENOMEM;
	/* Slots past next_index are zero (fresh, or cleared on failure). */
	if (n->ino)
		memset(n, 0, sizeof(*n));
	if (m) {
		n->fmap = ns_fmap_new(ns, m->count);
		if (!n->fmap)
			return -ENOMEM;
		memcpy(n->fmap, m, ns_fmap_size(m->count));
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
	n->name_len = (uint8_t)len;
	memcpy(n->name, name, len + 1);
	rc = ns_link_hashed(ns, dir, n, hash);
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

/*
 * The name table slot an entry probes is a cache miss on a big log: as
 * soon as the entry is copied, guess its parent (the last one resolved),
 * hash the name and start loading the slot, so the miss overlaps the CRC
 * and the checks. The bytes are not checked yet: they only choose what to
 * prefetch, and apply uses the hash only for the same parent and name.
 */
static void prefetch_name(struct famfs_ns *ns,
			  const struct famfs_omf_log_entry *e)
{
	const char *path = e->type == FAMFS_OMF_LOG_FILE  ? e->u.file.relpath :
			   e->type == FAMFS_OMF_LOG_MKDIR ? e->u.mkdir.relpath :
							    NULL;
	struct ns_hint *h = &ns->hint;
	const char *slash, *name;
	size_t len;

	if (!path)
		return;
	len = strnlen(path, FAMFS_MAX_PATHLEN);
	if (len == FAMFS_MAX_PATHLEN)
		return;
	slash = memrchr(path, '/', len);
	if (!slash)
		h->parent = FAMFS_INO_ROOT;
	else if (ns->pc_ino && (size_t)(slash - path) == ns->pc_len &&
		 !memcmp(path, ns->pc_path, ns->pc_len))
		h->parent = ns->pc_ino;
	else
		return; /* ns_find_parent will resolve it */
	name = slash ? slash + 1 : path;
	h->len = (uint8_t)(len - (size_t)(name - path));
	memcpy(h->name, name, h->len);
	h->hash = ns_name_hash(h->parent, h->name, h->len);
	ns_prefetch(ns, h->hash);
}

/* Entries are read once, in order, with work in between: ask for the
 * next one early so its copy does not wait for memory. */
static void prefetch_entry(const uint8_t *log, uint64_t i)
{
	const uint8_t *p = log + famfs_log_entry_offset(i);

	for (size_t off = 0; off < sizeof(struct famfs_omf_log_entry);
	     off += 64)
		__builtin_prefetch(p + off);
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
	prefetch_name(ns, e);
	rc = ns_entry_check(e, i, &ns->geom, err, m);
	if (rc == -EBADMSG && invalidate) {
		invalidate(src, sizeof(*e));
		memcpy(e, src, sizeof(*e));
		rc = ns_entry_check(e, i, &ns->geom, err, m);
	}
	return rc;
}

/* Seq and CRC only: was slot @i written whole? */
static bool sealed(const uint8_t *log, uint64_t i,
		   void (*invalidate)(const void *, size_t))
{
	const uint8_t *src = log + famfs_log_entry_offset(i);
	struct famfs_omf_log_entry e;

	memcpy(&e, src, sizeof(e));
	if (e.seqnum != i) /* cheap: most unwritten slots stop here */
		return false;
	if (e.crc == famfs_crc(&e, FAMFS_LOG_ENTRY_CRC_LEN))
		return true;
	if (!invalidate)
		return false;
	invalidate(src, sizeof(e));
	memcpy(&e, src, sizeof(e));
	return e.seqnum == i && e.crc == famfs_crc(&e, FAMFS_LOG_ENTRY_CRC_LEN);
}

/*
 * Entry @i failed seq/CRC. Writers finish (and flush) an entry before they
 * start the next one, so a good entry after it proves it will never be
 * completed: corrupt. With none after it, it is a torn tail.
 */
static bool sealed_after(const uint8_t *log, uint64_t i, uint64_t end,
			 void (*invalidate)(const void *, size_t))
{
	for (uint64_t j = i + 1; j < end; j++)
		if (sealed(log, j, invalidate))
			return true;
	return false;
}

long famfs_ns_replay(struct famfs_ns *ns, const void *log, uint64_t log_len,
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

		if (i + 1 < end) {
			prefetch_entry(log, i + 1);
			ns_prefetch_slot(ns, i + 2);
		}
		famfs_err_clear(&err);
		rc = read_entry(ns, log, i, invalidate, &e, &m, &err);
		if (rc == -EBADMSG && !sealed_after(log, i, end, invalidate)) {
			/* Torn or not yet visible: stop, retry later. */
			ns->torn = true;
			err.kind = FAMFS_ERR_TORN;
			if (ns->torn_reported != i + 1) {
				ns->torn_reported = i + 1;
				if (ns->report)
					ns->report(ns->report_arg, &err);
			}
			return -EBADMSG;
		}
		ns->torn = false;
		if (rc == -EBADMSG) {
			/* Nothing in it can be trusted: no units, no name. */
			err.kind = FAMFS_ERR_CORRUPT;
			ns->st.corrupt++;
		} else if (rc) {
			int r2 = ns_reject(ns, &e, i);

			if (r2)
				return r2;
		} else {
			rc = ns_apply(ns, &e, i, false, &m, &err);
		}
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
