// SPDX-License-Identifier: Apache-2.0
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto.h"

static void put32(uint8_t *p, uint32_t v)
{
	memcpy(p, &v, 4);
}

static void put64(uint8_t *p, uint64_t v)
{
	memcpy(p, &v, 8);
}

static int32_t err_of(const uint8_t *r)
{
	int32_t e;

	memcpy(&e, r + 4, 4);
	return e;
}

int p_init(struct emu *e, uint64_t offer, uint32_t minor, struct dec_init *out,
	   char *why, size_t wlen)
{
	uint8_t in[64] = { 0 }, r[256];
	ssize_t n;

	offer |= DEC_INIT_EXT;
	put32(in + 0, 7);
	put32(in + 4, minor);
	put32(in + 8, 131072);
	put32(in + 12, (uint32_t)offer);
	put32(in + 16, (uint32_t)(offer >> 32));
	n = emu_call(e, OP_INIT, 0, in, sizeof(in), NULL, 0, r, sizeof(r));
	if (n < 0) {
		snprintf(why, wlen, "no INIT reply");
		return -1;
	}
	if (dec_init_reply(r, (size_t)n, out, why, wlen))
		return -1;
	e->neg_minor = out->minor < minor ? out->minor : minor;
	e->neg_flags = out->flags;
	return 0;
}

uint32_t p_last_attr_flags;

uint64_t p_lookup(struct emu *e, uint64_t parent, const char *name)
{
	uint8_t r[256];
	uint64_t id;
	ssize_t n = emu_call(e, OP_LOOKUP, parent, name, strlen(name) + 1, NULL,
			     0, r, sizeof(r));

	if (n != 16 + 128 || err_of(r))
		return 0;
	memcpy(&id, r + 16, 8);
	p_last_attr_flags = dec_entry_attr_flags(r, (size_t)n);
	if (id)
		emu_node_seen(e, id, p_last_attr_flags & DEC47_ATTR_DAX);
	return id;
}

ssize_t p_open(struct emu *e, uint64_t nodeid, uint32_t flags, void *buf,
	       size_t cap)
{
	uint8_t in[8] = { 0 };

	put32(in, flags);
	return emu_call(e, OP_OPEN, nodeid, in, sizeof(in), NULL, 0, buf, cap);
}

ssize_t p_read(struct emu *e, uint64_t nodeid, uint64_t fh, uint64_t off,
	       uint32_t size, void *buf)
{
	uint8_t in[40] = { 0 };
	uint8_t *r = malloc(16 + (size_t)size);
	ssize_t n;

	if (!r)
		return -ENOMEM;
	put64(in, fh);
	put64(in + 8, off);
	put32(in + 16, size);
	n = emu_call(e, OP_READ, nodeid, in, sizeof(in), NULL, 0, r,
		     16 + (size_t)size);
	if (n < 16) {
		free(r);
		return -EIO;
	}
	if (err_of(r)) {
		n = err_of(r);
		free(r);
		return n;
	}
	memcpy(buf, r + 16, (size_t)n - 16);
	free(r);
	return n - 16;
}

ssize_t p_write(struct emu *e, uint64_t nodeid, uint64_t fh, uint64_t off,
		const void *data, uint32_t size)
{
	uint8_t in[40] = { 0 }, r[64];
	ssize_t n;
	uint32_t done;

	put64(in, fh);
	put64(in + 8, off);
	put32(in + 16, size);
	n = emu_call(e, OP_WRITE, nodeid, in, sizeof(in), data, size, r,
		     sizeof(r));
	if (n < 16)
		return -EIO;
	if (err_of(r))
		return err_of(r);
	if (n != 24)
		return -EPROTO;
	memcpy(&done, r + 16, 4);
	return done;
}

int p_release(struct emu *e, uint64_t nodeid, uint64_t fh)
{
	uint8_t in[24] = { 0 }, r[64];
	ssize_t n;

	put64(in, fh);
	n = emu_call(e, OP_RELEASE, nodeid, in, sizeof(in), NULL, 0, r,
		     sizeof(r));
	return n == 16 && !err_of(r) ? 0 : -1;
}

void p_forget(struct emu *e, uint64_t nodeid, uint64_t n)
{
	uint8_t in[8];

	put64(in, n);
	emu_send(e, OP_FORGET, nodeid, in, sizeof(in), NULL, 0);
	emu_node_forget(e, nodeid);
}

static unsigned long long key(const char *text, const char *k)
{
	const char *p = strstr(text, k);

	return p ? strtoull(p + strlen(k), NULL, 10) : ~0ULL;
}

int p_stats(struct emu *e, struct pstats *st)
{
	uint64_t meta = p_lookup(e, 1, ".meta"), ino, fh;
	uint8_t r[256];
	char text[4096];
	const char *dp;
	ssize_t n;

	memset(st, 0, sizeof(*st));
	ino = meta ? p_lookup(e, meta, ".stats") : 0;
	if (!ino)
		return -1;
	n = p_open(e, ino, 0, r, sizeof(r));
	/* 16 + open_out: 16 bytes, or 24 on a 7.47 connection */
	if ((n != 32 && n != 40) || err_of(r))
		return -1;
	memcpy(&fh, r + 16, 8);
	n = p_read(e, ino, fh, 0, sizeof(text) - 1, text);
	p_release(e, ino, fh);
	p_forget(e, ino, 1);
	p_forget(e, meta, 1);
	if (n <= 0)
		return -1;
	text[n] = '\0';
	dp = strstr(text, "data_path ");
	if (dp)
		sscanf(dp + 10, "%31s", st->data_path);
	dp = strstr(text, "\nabi ");
	if (dp)
		sscanf(dp + 5, "%31s", st->abi);
	st->maps_live = key(text, "\nmaps_live ");
	st->pending = key(text, "\npending ");
	st->map_pushes = key(text, "\nmap_pushes ");
	st->map_closes = key(text, "\nmap_closes ");
	st->map_evictions = key(text, "\nmap_evictions ");
	st->read_upcalls = key(text, "\nread_upcalls ");
	st->write_upcalls = key(text, "\nwrite_upcalls ");
	st->passthrough_opens = key(text, "\npassthrough_opens ");
	st->daemon_opens = key(text, "\ndaemon_opens ");
	st->backing_registrations = key(text, "\nbacking_registrations ");
	return 0;
}

int p_run_case(const char *name, int (*fn)(void), struct emu **cur)
{
	int r;

	*cur = NULL;
	r = fn();
	printf("%s - %s\n", r ? "FAIL" : "ok", name);
	fflush(stdout);
	if (r && *cur) {
		if ((*cur)->pid > 0 && (*cur)->fd >= 0)
			emu_stop(*cur);
		emu_dump_log(*cur);
	}
	return r != 0;
}
