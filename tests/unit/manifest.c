// SPDX-License-Identifier: Apache-2.0
/* Parse the line format that manifest2txt.py prints (strict: any surprise
 * is an error, so a malformed manifest can never pass silently). */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uuid/uuid.h>

#include "manifest.h"

static int bad(char *why, size_t len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, len, fmt, ap);
	va_end(ap);
	return -1;
}

/* "h" + hex into a NUL-terminated string of at most @max - 1 bytes. */
static int unhex(const char *tok, char *out, size_t max)
{
	size_t n = 0;

	if (tok[0] != 'h')
		return -1;
	for (tok++; tok[0] && tok[1]; tok += 2) {
		unsigned v;

		if (n + 1 >= max || sscanf(tok, "%2x", &v) != 1)
			return -1;
		out[n++] = (char)v;
	}
	if (tok[0])
		return -1;
	out[n] = '\0';
	return 0;
}

static int parse_uuid(const char *tok, struct famfs_omf_uuid *u)
{
	return uuid_parse(tok, u->b) ? -1 : 0;
}

static int add_entry(struct manifest *m, uint64_t *cap)
{
	if (m->n == *cap) {
		uint64_t nc = *cap ? *cap * 2 : 64;
		struct mf_entry *p = realloc(m->e, nc * sizeof(*p));

		if (!p)
			return -1;
		m->e = p;
		*cap = nc;
	}
	memset(&m->e[m->n], 0, sizeof(m->e[0]));
	m->n++;
	return 0;
}

static int parse_line(struct manifest *m, char *line, uint64_t *cap, int *ended,
		      char *why, size_t wl)
{
	char a[80], b[80], c[80], d[80], s[200], t[200];
	struct mf_entry *e = NULL;
	uint64_t end;
	int k;

	if (sscanf(line, "name %199s", s) == 1)
		return unhex(s, m->name, sizeof(m->name)) ?
			       bad(why, wl, "bad name") :
			       0;
	if (sscanf(line, "device_size %" SCNu64, &m->device_size) == 1 ||
	    sscanf(line, "meta_len %" SCNu64, &m->meta_len) == 1 ||
	    sscanf(line, "capacity %" SCNu64, &m->capacity) == 1)
		return 0;
	if (!strncmp(line, "sb ", 3)) {
		k = sscanf(line,
			   "sb %" SCNu64 " %" SCNu64 " %" SCNu64 " %" SCNu64
			   " %" SCNu64 " %" SCNu64 " %" SCNu64 " %" SCNu64
			   " %" SCNu64 " %" SCNu64 " %79s %79s %79s %79s %199s",
			   &m->magic, &m->version, &m->log_offset, &m->log_len,
			   &m->alloc_unit, &m->omf_major, &m->omf_minor,
			   &m->sb_crc, &m->sb_flags, &m->daxdev_size, a, b, c,
			   d, s);
		if (k != 15 || parse_uuid(a, &m->fs_uuid) ||
		    parse_uuid(b, &m->dev_uuid) ||
		    parse_uuid(c, &m->system_uuid) ||
		    parse_uuid(d, &m->daxdev_uuid) ||
		    unhex(s, m->daxdev_name, sizeof(m->daxdev_name)))
			return bad(why, wl, "bad sb line");
		return 0;
	}
	if (!strncmp(line, "lh ", 3)) {
		k = sscanf(line,
			   "lh %" SCNu64 " %" SCNu64 " %" SCNu64 " %" SCNu64
			   " %" SCNu64 " %" SCNu64,
			   &m->lh_magic, &m->lh_log_len, &m->lh_last_index,
			   &m->lh_crc, &m->lh_next_seqnum, &m->lh_next_index);
		return k == 6 ? 0 : bad(why, wl, "bad lh line");
	}
	if (!strncmp(line, "counts ", 7)) {
		k = sscanf(line,
			   "counts %" SCNu64 " %" SCNu64 " %" SCNu64
			   " %" SCNu64,
			   &m->files, &m->dirs, &m->add_daxdev,
			   &m->interleaved_files);
		return k == 4 ? 0 : bad(why, wl, "bad counts line");
	}
	if (line[0] == 'X' && line[1] == ' ') {
		struct mf_extent x;

		if (!m->n || m->e[m->n - 1].kind != 'F')
			return bad(why, wl, "extent without a file");
		e = &m->e[m->n - 1];
		if (e->nx >= FAMFS_MAX_SIMPLE_EXTENTS)
			return bad(why, wl, "entry %" PRIu64 ": >16 extents",
				   e->index);
		if (sscanf(line, "X %" SCNu64 " %" SCNu64 " %" SCNu64,
			   &x.devindex, &x.offset, &x.len) != 3)
			return bad(why, wl, "bad X line");
		e->x[e->nx++] = x;
		return 0;
	}
	if ((line[0] == 'D' || line[0] == 'F' || line[0] == 'A') &&
	    line[1] == ' ') {
		if (add_entry(m, cap))
			return bad(why, wl, "out of memory");
		e = &m->e[m->n - 1];
		e->kind = line[0];
	}
	if (line[0] == 'D' && line[1] == ' ') {
		k = sscanf(line,
			   "D %" SCNu64 " %" SCNu64 " %" SCNu64 " %" SCNu64
			   " %" SCNu64 " %" SCNu64 " %" SCNu64 " %199s",
			   &e->index, &e->seqnum, &e->type, &e->crc, &e->mode,
			   &e->uid, &e->gid, s);
		if (k != 8 || unhex(s, e->path, sizeof(e->path)))
			return bad(why, wl, "bad D line");
		return 0;
	}
	if (line[0] == 'F' && line[1] == ' ') {
		int pos = 0;

		k = sscanf(line,
			   "F %" SCNu64 " %" SCNu64 " %" SCNu64 " %" SCNu64
			   " %" SCNu64 " %" SCNu64 " %" SCNu64 " %" SCNu64
			   " %" SCNu64 " %79s %" SCNu64 " %n",
			   &e->index, &e->seqnum, &e->type, &e->crc, &e->mode,
			   &e->uid, &e->gid, &e->size, &e->flags, a,
			   &e->nextents, &pos);
		if (k != 11 || !pos)
			return bad(why, wl, "bad F line");
		if (!strcmp(a, "simple")) {
			if (sscanf(line + pos, "%199s", s) != 1 ||
			    unhex(s, e->path, sizeof(e->path)))
				return bad(why, wl, "bad F path");
			return 0;
		}
		if (strcmp(a, "interleave"))
			return bad(why, wl, "unknown ext type %s", a);
		e->interleave = true;
		if (sscanf(line + pos, "%" SCNu64 " %" SCNu64 " %199s",
			   &e->nstrips, &e->chunk_size, t) != 3 ||
		    unhex(t, e->path, sizeof(e->path)))
			return bad(why, wl, "bad interleaved F line");
		return 0;
	}
	if (line[0] == 'A' && line[1] == ' ') {
		k = sscanf(line,
			   "A %" SCNu64 " %" SCNu64 " %" SCNu64 " %" SCNu64
			   " %" SCNu64 " %" SCNu64 " %79s",
			   &e->index, &e->seqnum, &e->type, &e->crc,
			   &e->dd_size, &e->dd_index, a);
		if (k != 7 || parse_uuid(a, &e->dd_uuid))
			return bad(why, wl, "bad A line");
		return 0;
	}
	if (sscanf(line, "end %" SCNu64, &end) == 1) {
		if (end != m->n)
			return bad(why, wl,
				   "end says %" PRIu64 ", read %" PRIu64, end,
				   m->n);
		*ended = 1;
		return 0;
	}
	return bad(why, wl, "unknown line: %.40s", line);
}

int mf_load(const char *script, const char *path, struct manifest *m, char *why,
	    size_t whylen)
{
	char cmd[4096], *line = NULL;
	size_t len = 0;
	uint64_t cap = 0;
	int ended = 0, rc = 0;
	const char *py = getenv("FAMFS_PYTHON");
	FILE *p;

	memset(m, 0, sizeof(*m));
	snprintf(cmd, sizeof(cmd), "'%s' '%s' '%s'", py ? py : "python3",
		 script, path);
	p = popen(cmd, "r");
	if (!p)
		return bad(why, whylen, "popen %s failed", script);
	while (getline(&line, &len, p) > 0) {
		line[strcspn(line, "\n")] = '\0';
		rc = parse_line(m, line, &cap, &ended, why, whylen);
		if (rc)
			break;
	}
	free(line);
	if (pclose(p) != 0 && !rc)
		rc = bad(why, whylen, "%s failed on %s", script, path);
	if (!rc && !ended)
		rc = bad(why, whylen, "truncated output (no end line)");
	if (rc)
		mf_free(m);
	return rc;
}

void mf_free(struct manifest *m)
{
	free(m->e);
	m->e = NULL;
	m->n = 0;
}
