/* SPDX-License-Identifier: Apache-2.0 */
/* Namespace internals shared by ns.c, replay.c and alloc.c. */
#ifndef FAMFS_NS_INTERNAL_H
#define FAMFS_NS_INTERNAL_H

#include "famfs/famfs.h"

/* Nodes live in fixed-size slabs indexed by log index: never moved. */
#define NS_SLAB_SHIFT 10
#define NS_SLAB_NODES (1u << NS_SLAB_SHIFT)

struct ns_bitmap {
	uint64_t nbits; /* 2 MiB units on the device */
	uint64_t used; /* bits set */
	uint64_t *w;
};

struct ns_dent {
	uint64_t parent; /* 0 = empty slot */
	uint64_t ino;
	uint64_t hash;
};

struct famfs_ns {
	struct famfs_geom geom;
	famfs_report_fn report;
	void *report_arg;
	struct famfs_node fixed[FAMFS_INO_LOG_BASE]; /* inos 0..15 */
	struct famfs_node **slabs; /* node for log index i */
	uint64_t nslabs;
	uint64_t next_index; /* entries consumed */
	uint64_t torn_reported; /* index last reported torn, +1; 0 = none */
	struct ns_dent *ht; /* (parent, name) -> ino, open addressing */
	uint64_t ht_cap, ht_used;
	struct ns_bitmap bm[FAMFS_MAX_DAXDEVS];
	uint64_t cursor; /* next-fit position on device 0, in units */
	struct famfs_ns_stats st;
	/* File maps, carved from chunks (freed with the namespace), each
	 * holding only its count extents. */
	uint8_t **fmap_chunks;
	uint64_t nfmap_chunks;
	size_t fmap_used; /* bytes used in the last chunk */
	size_t fmap_last; /* size of the last map handed out (for undo) */
	/* Last parent directory resolved by replay (nodes are never
	 * removed or renamed, so a hit stays valid). */
	uint64_t pc_ino; /* 0 = empty */
	uint8_t pc_len;
	char pc_path[FAMFS_MAX_PATHLEN];
};

#define NS_FMAP_CHUNK (256u << 10) /* bytes of maps per chunk */

uint64_t ns_name_hash(uint64_t parent, const char *name, size_t len);
struct famfs_node *ns_node(const struct famfs_ns *ns, uint64_t ino);
/* Slot for a log index (allocating its slab); NULL on ENOMEM. */
struct famfs_node *ns_slot(struct famfs_ns *ns, uint64_t index);
int ns_link(struct famfs_ns *ns, struct famfs_node *dir,
	    struct famfs_node *child);
/* Room for @n more directory entries without rehashing. */
int ns_reserve(struct famfs_ns *ns, uint64_t n);
/* Bytes a map with @count extents takes (only those are stored). */
size_t ns_fmap_size(unsigned count);
/* A map owned by the namespace with room for @count extents; NULL on
 * ENOMEM. */
struct famfs_fmap *ns_fmap_new(struct famfs_ns *ns, unsigned count);
/* Give back the map ns_fmap_new just returned (apply failed). */
void ns_fmap_undo(struct famfs_ns *ns, struct famfs_fmap *m);
void ns_report(struct famfs_ns *ns, const struct famfs_err *err);

/* Bitmap. */
int ns_bitmap_init(struct ns_bitmap *b, uint64_t dev_size);
bool ns_bitmap_test(const struct ns_bitmap *b, uint64_t bit);
/* Sets [first, first + n); returns how many were already set. */
uint64_t ns_bitmap_set(struct ns_bitmap *b, uint64_t first, uint64_t n);
void ns_bitmap_clear(struct ns_bitmap *b, uint64_t first, uint64_t n);
/* First run of n clear bits in [lo, hi); returns start or UINT64_MAX. */
uint64_t ns_bitmap_find(const struct ns_bitmap *b, uint64_t lo, uint64_t hi,
			uint64_t n);

/*
 * famfs_entry_check that also hands back the decoded map of a FILE entry
 * in @m, so replay does not decode it twice.
 */
int ns_entry_check(const struct famfs_omf_log_entry *e, uint64_t index,
		   const struct famfs_geom *g, struct famfs_err *err,
		   struct famfs_fmap *m);
/*
 * Apply a checked entry. @own: units were reserved by this process. @m:
 * the FILE entry's map as decoded by ns_entry_check.
 */
int ns_apply(struct famfs_ns *ns, const struct famfs_omf_log_entry *e,
	     uint64_t index, bool own, const struct famfs_fmap *m,
	     struct famfs_err *err);

#endif
