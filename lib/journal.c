// SPDX-License-Identifier: Apache-2.0
/*
 * famfsd's recovery journal (format.h): naming, sealing, checking and
 * loading. famfsd writes it; the CLI reads it to refuse appending while
 * journaled objects hold device space that the log does not show.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <uuid/uuid.h>

#include "famfs/famfs.h"

int famfs_journal_path(const char *dir, const struct famfs_omf_superblock *sb,
		       char *buf, size_t len)
{
	char u[40];
	int n;

	uuid_unparse(sb->fs_uuid.b, u);
	n = snprintf(buf, len, "%s/%s.journal", dir, u);
	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

void famfs_journal_header_init(struct famfs_omf_jnl_header *h,
			       const struct famfs_omf_superblock *sb,
			       uint32_t gen)
{
	memset(h, 0, sizeof(*h));
	h->magic = FAMFS_JNL_MAGIC;
	h->version = FAMFS_JNL_VERSION;
	h->rec_size = sizeof(struct famfs_omf_jnl_rec);
	h->fs_uuid = sb->fs_uuid;
	h->dev_uuid = sb->dev_uuid;
	h->dev_size = sb->daxdev.size;
	h->gen = gen;
	h->crc = famfs_crc(h, offsetof(struct famfs_omf_jnl_header, crc));
}

int famfs_journal_header_check(const struct famfs_omf_jnl_header *h,
			       const struct famfs_omf_superblock *sb)
{
	if (h->magic != FAMFS_JNL_MAGIC || h->version != FAMFS_JNL_VERSION ||
	    h->rec_size != sizeof(struct famfs_omf_jnl_rec))
		return -EINVAL;
	if (h->crc != famfs_crc(h, offsetof(struct famfs_omf_jnl_header, crc)))
		return -EBADMSG;
	if (memcmp(&h->fs_uuid, &sb->fs_uuid, sizeof(h->fs_uuid)) ||
	    memcmp(&h->dev_uuid, &sb->dev_uuid, sizeof(h->dev_uuid)) ||
	    h->dev_size != sb->daxdev.size)
		return -ESTALE;
	return 0;
}

void famfs_journal_rec_seal(struct famfs_omf_jnl_rec *r)
{
	r->magic = FAMFS_JNL_REC_MAGIC;
	r->crc = famfs_crc(r, offsetof(struct famfs_omf_jnl_rec, crc));
}

int famfs_journal_rec_check(const struct famfs_omf_jnl_rec *r, uint64_t seq,
			    uint32_t gen)
{
	if (r->magic != FAMFS_JNL_REC_MAGIC || r->seq != seq || r->gen != gen ||
	    r->crc != famfs_crc(r, offsetof(struct famfs_omf_jnl_rec, crc)))
		return -EBADMSG;
	if (r->type < FAMFS_JNL_PUT || r->type > FAMFS_JNL_LOGGED)
		return -EINVAL;
	if (r->type == FAMFS_JNL_PUT &&
	    (r->next > FAMFS_MAX_SIMPLE_EXTENTS ||
	     memchr(r->name, '\0', sizeof(r->name)) == NULL || !r->name[0]))
		return -EINVAL;
	return 0;
}

/* Read all of @fd. -ENOMEM, -errno. */
static int slurp(int fd, char **out, size_t *len)
{
	struct stat st;
	size_t got = 0;
	char *buf;

	if (fstat(fd, &st))
		return -errno;
	buf = malloc((size_t)st.st_size + 1);
	if (!buf)
		return -ENOMEM;
	while (got < (size_t)st.st_size) {
		ssize_t n = read(fd, buf + got, (size_t)st.st_size - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			free(buf);
			return -errno;
		}
		if (!n)
			break;
		got += (size_t)n;
	}
	*out = buf;
	*len = got;
	return 0;
}

/* Sort by id, then by file order: the last record of each id wins. */
static int by_id_seq(const void *a, const void *b)
{
	const struct famfs_omf_jnl_rec *x = a, *y = b;

	if (x->id != y->id)
		return x->id < y->id ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static int by_seq(const void *a, const void *b)
{
	const struct famfs_omf_jnl_rec *x = a, *y = b;

	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

int famfs_journal_load(const char *path, const struct famfs_omf_superblock *sb,
		       struct famfs_omf_jnl_rec **out, size_t *n,
		       uint64_t *valid)
{
	const size_t hs = sizeof(struct famfs_omf_jnl_header);
	const size_t rs = sizeof(struct famfs_omf_jnl_rec);
	struct famfs_omf_jnl_header h;
	struct famfs_omf_jnl_rec *recs;
	size_t len = 0, nrec = 0, keep = 0;
	char *buf = NULL;
	int fd, rc;

	*out = NULL;
	*n = 0;
	*valid = 0;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? 0 : -errno;
	rc = slurp(fd, &buf, &len);
	close(fd);
	if (rc)
		return rc;
	if (len < hs) {
		/* Created but its header never landed: empty. */
		free(buf);
		return len ? -EINVAL : 0;
	}
	memcpy(&h, buf, hs);
	rc = famfs_journal_header_check(&h, sb);
	if (rc) {
		free(buf);
		return rc;
	}
	recs = malloc(((len - hs) / rs + 1) * rs);
	if (!recs) {
		free(buf);
		return -ENOMEM;
	}
	for (size_t off = hs; off + rs <= len; off += rs) {
		memcpy(&recs[nrec], buf + off, rs);
		if (famfs_journal_rec_check(&recs[nrec], nrec + 1, h.gen))
			break; /* torn tail: everything after it is void */
		nrec++;
	}
	free(buf);
	*valid = hs + nrec * rs;
	qsort(recs, nrec, rs, by_id_seq);
	for (size_t i = 0; i < nrec; i++) {
		if (i + 1 < nrec && recs[i + 1].id == recs[i].id)
			continue; /* superseded */
		if (recs[i].type != FAMFS_JNL_DEL)
			recs[keep++] = recs[i];
	}
	qsort(recs, keep, rs, by_seq);
	*out = recs;
	*n = keep;
	return 0;
}

long famfs_journal_live(const char *path, const struct famfs_omf_superblock *sb)
{
	struct famfs_omf_jnl_rec *r;
	uint64_t valid;
	size_t n;
	long live = 0;
	int rc = famfs_journal_load(path, sb, &r, &n, &valid);

	if (rc)
		return rc;
	for (size_t i = 0; i < n; i++)
		live += r[i].type == FAMFS_JNL_PUT;
	free(r);
	return live;
}
