/* SPDX-License-Identifier: Apache-2.0 */
/* Namespace internals shared by ns.c, replay.c and alloc.c. */
#ifndef FAMFS_NS_INTERNAL_H
#define FAMFS_NS_INTERNAL_H

#include "famfs/famfs.h"

struct ns_bitmap {
	uint64_t nbits; /* 2 MiB units on the device */
	uint64_t used; /* bits set */
	uint64_t *w;
};

/* A name table slot: the node says which parent and name it is. */
struct ns_dent {
	uint64_t hash; /* ns_name_hash(parent, name) */
	uint64_t ino; /* 0 = empty slot */
};

struct famfs_ns {
	struct famfs_geom geom;
	famfs_report_fn report;
	void *report_arg;
	struct famfs_node fixed[FAMFS_INO_LOG_BASE]; /* inos 0..15 */
	/* Node of log index i: one array, as long as the log can hold
	 * (reserved, touched as it fills), so nodes never move. */
	struct famfs_node *nodes;
	uint64_t nodes_cap;
	uint64_t next_index; /* entries consumed */
	uint64_t torn_reported; /* index last reported torn, +1; 0 = none */
	bool torn; /* replay waits at a torn entry at next_index */
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
	/* Replay's name hash of the entry being applied, computed early to
	 * prefetch its table slot. A pure function of (parent, name): using
	 * one that matches is always right. */
	struct ns_hint {
		uint64_t parent, hash;
		uint8_t len;
		char name[FAMFS_MAX_PATHLEN];
	} hint;
};

#define NS_FMAP_CHUNK (256u << 10) /* bytes of maps per chunk */

/*
 * Zeroed memory for the namespace's arrays. Big ones (16 MiB and up: the
 * nodes and name table of a log of 64 MiB or more) are anonymous pages,
 * reserved without commitment, huge where the kernel has them: fewer
 * faults and TLB misses for tables probed at random. Smaller ones come
 * from the heap, which reuses memory. Free with the same @len.
 */
void *ns_big_alloc(size_t len);
void ns_big_free(void *p, size_t len);

uint64_t ns_name_hash(uint64_t parent, const char *name, size_t len);
struct famfs_node *ns_node(const struct famfs_ns *ns, uint64_t ino);
/* Start loading the node slot of log index @index for writing. */
void ns_prefetch_slot(const struct famfs_ns *ns, uint64_t index);
/* Slot for a log index; NULL past the log's capacity. */
struct famfs_node *ns_slot(struct famfs_ns *ns, uint64_t index);
int ns_link(struct famfs_ns *ns, struct famfs_node *dir,
	    struct famfs_node *child);
/* ns_link with the name's hash already computed (ns_name_hash). */
int ns_link_hashed(struct famfs_ns *ns, struct famfs_node *dir,
		   struct famfs_node *child, uint64_t hash);
/* Start loading the table slot of @hash (a hint, no effect on results). */
void ns_prefetch(const struct famfs_ns *ns, uint64_t hash);
/* Name hash of (@parent, @name/@len): the hint's when it matches. */
uint64_t ns_hash_hinted(const struct famfs_ns *ns, uint64_t parent,
			const char *name, size_t len);
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
/* Sets [first, first + n) (clipped to nbits); returns how many were
 * already set. */
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
/*
 * An entry whose CRC is good but that failed ns_entry_check: hold whatever
 * units its raw map names inside a known device, and its name when the
 * path is well-formed under a served directory. -ENOMEM or 0.
 */
int ns_reject(struct famfs_ns *ns, const struct famfs_omf_log_entry *e,
	      uint64_t index);
/*
 * Claim the units @m names inside known devices (claim.c). Returns how
 * many were already held, or -ENOMEM; *fresh (may be NULL) gets how many
 * this call took.
 */
int64_t ns_claim(struct famfs_ns *ns, const struct famfs_fmap *m,
		 uint64_t *fresh);
/* Who held a unit of @m before entry @index: a log index, -1 for the
 * superblock or log, -2 for an earlier rejected entry. */
int64_t ns_find_holder(const struct famfs_ns *ns, const struct famfs_fmap *m,
		       uint64_t index);
/* Keep @name under @dir for rejected entry @index. -ENOMEM. */
int ns_hold(struct famfs_ns *ns, struct famfs_node *dir, const char *name,
	    uint64_t index);
/* Split "a/b/c" into its served parent directory and last component. */
int ns_find_parent(struct famfs_ns *ns, const char *path,
		   struct famfs_node **dir, const char **name, uint64_t index,
		   struct famfs_err *err);
/* Any node holding (parent, name), rejected ones included; NULL if free. */
const struct famfs_node *ns_holder(const struct famfs_ns *ns, uint64_t parent,
				   const char *name, size_t len);
/* ns_holder with @hash = ns_name_hash(parent, name, len). */
const struct famfs_node *ns_holder_hashed(const struct famfs_ns *ns,
					  uint64_t parent, const char *name,
					  size_t len, uint64_t hash);
/* Put a rejected entry's name in the table (not in the directory). */
int ns_hold_name(struct famfs_ns *ns, struct famfs_node *dir,
		 struct famfs_node *n);

#endif
