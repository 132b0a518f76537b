/* SPDX-License-Identifier: Apache-2.0 */
/* Fixture manifests, read through manifest2txt.py (see that script). */
#ifndef FAMFS_TEST_MANIFEST_H
#define FAMFS_TEST_MANIFEST_H

#include <stdbool.h>
#include <stdint.h>

#include "famfs/format.h"

struct mf_extent {
	uint64_t devindex, offset, len;
};

struct mf_entry {
	char kind; /* 'D' dir, 'F' file, 'A' add_daxdev */
	uint64_t index, seqnum, type, crc;
	uint64_t mode, uid, gid; /* D, F */
	uint64_t size, flags; /* F */
	bool interleave; /* F */
	uint64_t nextents; /* F: as logged */
	uint64_t nstrips, chunk_size; /* F interleave */
	unsigned nx; /* X records that followed */
	struct mf_extent x[FAMFS_MAX_SIMPLE_EXTENTS];
	char path[FAMFS_MAX_PATHLEN + 1];
	uint64_t dd_size, dd_index; /* A */
	struct famfs_omf_uuid dd_uuid;
};

struct manifest {
	char name[64];
	uint64_t device_size, meta_len, capacity;
	/* superblock */
	uint64_t magic, version, log_offset, log_len, alloc_unit;
	uint64_t omf_major, omf_minor, sb_crc, sb_flags, daxdev_size;
	struct famfs_omf_uuid fs_uuid, dev_uuid, system_uuid, daxdev_uuid;
	char daxdev_name[65];
	/* log header */
	uint64_t lh_magic, lh_log_len, lh_last_index, lh_crc;
	uint64_t lh_next_seqnum, lh_next_index;
	/* counts */
	uint64_t files, dirs, add_daxdev, interleaved_files;
	struct mf_entry *e;
	uint64_t n;
};

/*
 * Load @path (a .manifest.json or .manifest.json.xz) with the converter
 * script @script. Returns 0, or -1 with a reason in @why.
 */
int mf_load(const char *script, const char *path, struct manifest *m, char *why,
	    size_t whylen);
void mf_free(struct manifest *m);

#endif
