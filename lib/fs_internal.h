/* SPDX-License-Identifier: Apache-2.0 */
#ifndef FAMFS_FS_INTERNAL_H
#define FAMFS_FS_INTERNAL_H

#include "famfs/famfs.h"

struct famfs_fs {
	struct famfs_dev *dev;
	struct famfs_omf_superblock sb; /* validated copy */
	uint8_t *log; /* mapped log region */
	struct famfs_ns *ns;
	enum famfs_role role;
	bool locked; /* a writer session (famfs_fs_lock) */
	bool append_held; /* FAMFS_FS_SERVE on the master: for life */
	void (*invalidate)(const void *addr, size_t len);
};

#endif
