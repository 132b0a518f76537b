/* SPDX-License-Identifier: Apache-2.0 */
/* Corruption corpus helpers: fixtures in memory, replay and expectations. */
#ifndef FAMFS_TEST_CORRUPT_H
#define FAMFS_TEST_CORRUPT_H

#include "testutil.h"

#define NFIX 3
#define MAX_REPORTS 8192

struct fx {
	const char *name;
	uint8_t *meta;
	uint64_t len;
	struct famfs_omf_superblock *sb;
	uint8_t *log;
	uint64_t nent; /* header next_index */
	uint64_t files, dirs; /* clean replay */
	uint64_t base_units; /* units in use after a clean replay */
	struct famfs_ns *base; /* the clean namespace */
	uint8_t *pristine; /* meta as loaded */
};

extern struct fx fixtures[NFIX];

struct rep {
	uint64_t n;
	int64_t index[MAX_REPORTS];
	int kind[MAX_REPORTS];
	char field[MAX_REPORTS][48];
};

/* Reports collected by the last replay(). */
extern struct rep rep;

enum op { XOR, SET, ADD };

struct famfs_omf_log_entry *ent(struct fx *f, uint64_t i);
struct famfs_omf_log_header *hdr(struct fx *f);
const char *path_of(const struct famfs_omf_log_entry *e);
void reseal(struct famfs_omf_log_entry *e);
void mutate(uint8_t *p, unsigned width, enum op op, uint64_t val);
/* Replay @f's log into a fresh namespace; reports go to rep. */
long replay(struct fx *f, struct famfs_ns **nsp, struct famfs_ns_stats *st);
/* Units entry @k holds in the clean namespace (0 for non-files). */
uint64_t kunits(struct fx *f, uint64_t k);
/* Load @f (name set) and replay it clean into f->base; free it. */
int cr_load(struct fx *f);
void cr_unload(struct fx *f);
/* cmocka group setup/teardown, and per-test reset of the fixtures. */
int cr_setup(void **state);
int cr_teardown(void **state);
int cr_reset(void **state);

/*
 * Expect: replay consumed everything; entry @k rejected with @field (NULL:
 * applied, at @newpath if not NULL); when @k is a directory that ends up
 * rejected or renamed, its descendants are rejected as "relpath"; later
 * files whose units @k now holds lose the collision; every other entry is
 * applied at its path. @orig is @k's path before corruption.
 */
void want_replay(struct fx *f, uint64_t k, const char *field,
		 const char *newpath, const char *orig);
/* Entry @k fails seq/CRC (@field "crc" or "seqnum"): in mid-log it is
 * corrupt and skipped; as the tail it is torn and replay stops there. */
void want_torn(struct fx *f, uint64_t k, const char *field, const char *orig);
/* Entry check alone: @code and @field named at index @k. */
void want_check(struct fx *f, uint64_t k, int code, const char *field);
/* The log header is rejected with @code/@field, by check and replay. */
void want_header(struct fx *f, int code, const char *field);

/* The entries each test corrupts. */
struct picks {
	uint64_t file, longest, ie, dir;
};

void pick(struct fx *f, struct picks *p);

#endif
