// SPDX-License-Identifier: Apache-2.0
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <uuid/uuid.h>

#include "testutil.h"

size_t tu_hex(const char *text, uint8_t *out, size_t max)
{
	size_t n = 0;

	while (*text && n < max) {
		unsigned v;

		if (isspace((unsigned char)*text)) {
			text++;
			continue;
		}
		if (sscanf(text, "%2x", &v) != 1)
			break;
		out[n++] = (uint8_t)v;
		text += 2;
	}
	return n;
}

void tu_image_init(struct tu_image *im, uint64_t dev_size, uint64_t log_len,
		   unsigned version)
{
	struct famfs_omf_log_header h;

	im->meta_len = FAMFS_LOG_OFFSET + log_len;
	im->meta = calloc(1, im->meta_len);
	assert_non_null(im->meta);
	im->sb = (struct famfs_omf_superblock *)im->meta;
	im->log = im->meta + FAMFS_LOG_OFFSET;
	im->sb->magic = FAMFS_SUPER_MAGIC;
	im->sb->version = version;
	im->sb->log_offset = FAMFS_LOG_OFFSET;
	im->sb->log_len = log_len;
	im->sb->alloc_unit = FAMFS_ALLOC_UNIT;
	im->sb->omf_ver_major = 2;
	im->sb->omf_ver_minor = version == 47 ? 1 : 2;
	for (int i = 0; i < 16; i++) {
		im->sb->fs_uuid.b[i] = (uint8_t)i;
		im->sb->dev_uuid.b[i] = (uint8_t)(0x10 + i);
		im->sb->system_uuid.b[i] = (uint8_t)(0x20 + i);
	}
	im->sb->daxdev.size = dev_size;
	famfs_sb_seal(im->sb);
	famfs_log_header_init(&h, log_len);
	memcpy(im->log, &h, sizeof(h));
}

void tu_image_free(struct tu_image *im)
{
	free(im->meta);
	im->meta = NULL;
}

uint64_t tu_image_next(const struct tu_image *im)
{
	const struct famfs_omf_log_header *h = (const void *)im->log;

	return h->next_index;
}

void tu_image_append(struct tu_image *im, const struct famfs_omf_log_entry *e)
{
	struct famfs_omf_log_header *h = (void *)im->log;

	memcpy(im->log + famfs_log_entry_offset(h->next_index), e, sizeof(*e));
	h->next_index++;
	h->next_seqnum++;
}

uint8_t *tu_fixture_meta(const char *name, uint64_t *len)
{
	const char *dir = getenv("FAMFS_FIXTURES");
	char cmd[4096];
	uint8_t *buf = NULL;
	size_t cap = 0, n = 0;
	FILE *p;

	if (!dir)
		return NULL;
	snprintf(cmd, sizeof(cmd), "xz -dc '%s/%s.meta.xz' 2>/dev/null", dir,
		 name);
	p = popen(cmd, "r");
	if (!p)
		return NULL;
	for (;;) {
		size_t r;

		if (n == cap) {
			cap = cap ? cap * 2 : (16u << 20);
			buf = realloc(buf, cap);
			assert_non_null(buf);
		}
		r = fread(buf + n, 1, cap - n, p);
		if (!r)
			break;
		n += r;
	}
	if (pclose(p) != 0 || n == 0) {
		free(buf);
		return NULL;
	}
	*len = n;
	return buf;
}

void tu_geom(struct famfs_geom *g, unsigned version, uint64_t dev_size,
	     uint64_t log_len)
{
	struct tu_image im;

	tu_image_init(&im, dev_size, log_len, version);
	famfs_geom_from_sb(g, im.sb);
	tu_image_free(&im);
}

void tu_seal(struct famfs_omf_log_entry *e)
{
	e->crc = famfs_crc(e, FAMFS_LOG_ENTRY_CRC_LEN);
}

void tu_fmap1(struct famfs_fmap *m, uint64_t off, uint64_t len)
{
	memset(m, 0, sizeof(*m));
	m->type = FAMFS_FMAP_SIMPLE;
	m->count = 1;
	m->ext[0].offset = off;
	m->ext[0].len = len;
}

void tu_uuid(struct famfs_omf_uuid *u, const char *text)
{
	assert_int_equal(uuid_parse(text, u->b), 0);
}

void tu_tmppath(char *buf, size_t len, const char *tag)
{
	if (mkdir("/tmp/unit", 0755) && errno != EEXIST)
		fail_msg("mkdir /tmp/unit: %s", strerror(errno));
	snprintf(buf, len, "/tmp/unit/%s.%d", tag, (int)getpid());
}

void tu_sparse_file(const char *path, uint64_t size)
{
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

	if (fd < 0)
		fail_msg("%s: %s", path, strerror(errno));
	assert_int_equal(ftruncate(fd, (off_t)size), 0);
	close(fd);
}

void tu_mkfs_image(const char *path, uint64_t size, uint64_t log_len,
		   unsigned version, const struct famfs_omf_uuid *sysuuid)
{
	struct famfs_mkfs_opts o = { .log_len = log_len,
				     .version = version,
				     .allow_small = true };
	struct famfs_dev *dev;
	struct famfs_err err;
	char msg[300];

	if (sysuuid)
		o.system_uuid = *sysuuid;
	tu_sparse_file(path, size);
	assert_int_equal(famfs_dev_open(path, 0, &dev, &err), 0);
	if (famfs_mkfs(dev, &o, &err))
		fail_msg("mkfs %s: %s", path, famfs_err_str(&err, msg, 300));
	famfs_dev_close(dev);
}

bool tu_entry_sealed(const struct famfs_omf_log_entry *e, uint64_t index)
{
	return e->seqnum == index &&
	       e->crc == famfs_crc(e, FAMFS_LOG_ENTRY_CRC_LEN);
}

unsigned tu_raw_extents(const struct famfs_omf_log_entry *e,
			const struct famfs_omf_extent **x)
{
	const struct famfs_omf_fmap *om = &e->u.file.fmap;
	uint64_t n;

	if (om->ext_type == FAMFS_OMF_EXT_SIMPLE) {
		*x = om->u.se;
		n = om->nextents;
	} else if (om->ext_type == FAMFS_OMF_EXT_INTERLEAVE) {
		*x = om->u.ie[0].strips;
		n = om->u.ie[0].nstrips;
	} else {
		return 0;
	}
	return n < FAMFS_MAX_STRIPS ? (unsigned)n : FAMFS_MAX_STRIPS;
}
