// SPDX-License-Identifier: Apache-2.0
/*
 * The 7.47 extent-map ABI against the emulated dev tree (and famfuse):
 * the INIT reply, the registration ioctl, FUSE_NOTIFY_MAP for 1-, 16-
 * extent and interleaved files, the 24-byte open_out, FUSE_ATTR_DAX,
 * FUSE_NOTIFY_BACKING_CLOSE on FORGET and at unmount, the live-map bound.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "tp.h"

#define DEV_ID(d) ((1ULL << 63) | (d))
/* What a 7.47 kernel offers: passthrough, mmap, bufpool, SYNCFS, timeout */
#define OFFER47                                                               \
	(PROTO_BASE_FLAGS | DEC_PASSTHROUGH | DEC_ALLOW_MMAP | (1ULL << 42) | \
	 (1ULL << 43) | DEC47_HAS_SYNCFS)

static struct dec47_open d47;

/* LOOKUP + OPEN of @name; the reply decoded by the 7.47 rules. */
static int open47(struct emu *e, uint64_t parent, const char *name,
		  uint64_t *nid)
{
	static uint8_t r[4096];
	ssize_t n;

	*nid = p_lookup(e, parent, name);
	CHECK(*nid, "LOOKUP %s", name);
	n = p_open(e, *nid, O_RDONLY, r, sizeof(r));
	CHECK(n > 0, "no OPEN reply for %s", name);
	CHECK(!dec47_open_reply(r, (size_t)n, false, &d47, why, sizeof(why)),
	      "%s: %s", name, why);
	return 0;
}

/* The reply names a map the kernel holds, on an S_DAX inode. */
static int passthrough47(struct emu *e, uint64_t nid, const char *name)
{
	struct emu_backing *b;

	CHECK(d47.open_flags == DEC_FOPEN_PASSTHROUGH && d47.id64,
	      "%s: open_flags 0x%x id64 %d", name, d47.open_flags, d47.id64);
	CHECK(d47.backing_id == 0, "%s: 32-bit id %d", name, d47.backing_id);
	pthread_mutex_lock(&e->lock);
	b = emu_backing(e, d47.backing_id_64);
	pthread_mutex_unlock(&e->lock);
	CHECK(b && b->map, "%s: backing %#llx not found: EIO", name,
	      (unsigned long long)d47.backing_id_64);
	CHECK(emu_node_dax(e, nid) == 1, "%s: dax mode mismatch", name);
	return 0;
}

/* The kernel holds map @id exactly as famfs map @m (devices 64-bit). */
static int same_map(struct emu *e, uint64_t id, const struct famfs_fmap *m)
{
	struct emu_backing *b = emu_backing(e, id);
	const struct dec47_map *x;
	uint64_t fo = 0, cs = m->chunk_size;
	bool cyc = m->type == FAMFS_FMAP_INTERLEAVE;

	CHECK(b && b->map, "map %#llx missing", (unsigned long long)id);
	x = b->map;
	CHECK(x->n == m->count, "%u extents, famfs has %u", x->n, m->count);
	CHECK(x->flags == (DEC47_MAP_CREATE | (cyc ? DEC47_MAP_CYCLIC : 0)),
	      "map flags 0x%x", x->flags);
	for (unsigned i = 0; i < m->count; i++) {
		const struct dec47_extent *t = &x->ext[i];

		CHECK(t->offset == (cyc ? i * cs : fo), "ext %u offset %llu", i,
		      (unsigned long long)t->offset);
		CHECK(t->length == (cyc ? cs : m->ext[i].len),
		      "ext %u length %llu", i, (unsigned long long)t->length);
		CHECK(t->addr == m->ext[i].offset, "ext %u addr", i);
		CHECK(t->backing_id == DEV_ID(m->ext[i].devindex),
		      "ext %u target %#llx", i,
		      (unsigned long long)t->backing_id);
		fo += m->ext[i].len;
	}
	return 0;
}

/* Let the daemon catch up with requests that have no reply (FORGET):
 * until @want notifications of @code came since @from, at most 5 s. */
static unsigned wait_notes(struct emu *e, int code, unsigned from,
			   unsigned want)
{
	static uint8_t r[256];
	uint8_t in[16] = { 0 };

	for (int i = 0; i < 500 && emu_notes(e, code, from) < want; i++) {
		emu_call(e, OP_GETATTR, 1, in, sizeof(in), NULL, 0, r,
			 sizeof(r));
		usleep(10000);
	}
	return emu_notes(e, code, from);
}

static int all_verdicts_ok(struct emu *e)
{
	for (unsigned i = 0; i < e->nnote; i++)
		CHECK(!e->note[i].verdict, "notification %u (code %d): %d %s",
		      i, e->note[i].code, e->note[i].verdict, e->note[i].why);
	return 0;
}

/* INIT: what is echoed, what never is; one registration per device. */
int case_47_init(void)
{
	static struct emu e;
	struct emu_opts o = base_opts("auto", EMU_K_47);
	struct dec_init di;
	struct pstats st;
	uint32_t fl;
	uint64_t id;
	int d;

	if (start_init(&e, &o, OFFER47, PROTO_MINOR_47, &di))
		return -1;
	CHECK(di.minor == DEC47_MINOR, "minor %u", di.minor);
	CHECK(di.flags & DEC_PASSTHROUGH, "PASSTHROUGH not echoed");
	CHECK(di.max_stack_depth == 1, "max_stack_depth %u",
	      di.max_stack_depth);
	CHECK(!(di.flags & DEC47_HAS_SYNCFS), "bit 44 (SYNCFS) accepted");
	CHECK(!(di.flags & (3ULL << 42)), "bits 42/43 accepted: 0x%llx",
	      (unsigned long long)di.flags);
	CHECK(!(di.flags & DEC_WRITEBACK_CACHE), "WRITEBACK_CACHE");
	CHECK(di.flags & DEC_ALLOW_MMAP, "ALLOW_MMAP not echoed");
	CHECK(!p_stats(&e, &st), "stats");
	CHECK(!strcmp(st.abi, "extmap-7.47") &&
		      !strcmp(st.data_path, "passthrough"),
	      "abi %s data_path %s", st.abi, st.data_path);
	CHECK(st.backing_registrations == 2, "registrations %llu",
	      st.backing_registrations);
	/* The ioctl argument, byte by byte: fd, IS_DEV | ID_64, our id. */
	for (unsigned i = 0; i < 2; i++) {
		d = emu_dev_by_ino(&e, i ? img1_ino : img0_ino);
		CHECK(d >= 0 && e.dev_count[d] == 1, "device %u registered %u",
		      i, d >= 0 ? e.dev_count[d] : 0);
		memcpy(&fl, e.reg_arg[d] + 4, 4);
		memcpy(&id, e.reg_arg[d] + 8, 8);
		CHECK(fl == (DEC47_BACKING_IS_DEV | DEC47_BACKING_ID_64),
		      "device %u flags 0x%x", i, fl);
		CHECK(id == DEV_ID(i), "device %u id %#llx", i,
		      (unsigned long long)id);
	}
	CHECK(e.nioctl_famfuse == 0, "famfuse probed on a 7.47 kernel");
	CHECK(emu_stop(&e) == 0, "daemon exit status not 0");

	/* famfuse offers both: auto prefers 7.47. */
	o = base_opts("auto", EMU_K_FAMFUSE);
	if (start_init(&e, &o, OFFER47, PROTO_MINOR_47, &di))
		return -1;
	CHECK(!p_stats(&e, &st) && !strcmp(st.abi, "extmap-7.47"),
	      "famfuse auto: abi %s", st.abi);
	CHECK(!e.openreply, "OPEN-reply form enabled too");
	CHECK(emu_stop(&e) == 0, "daemon exit status not 0");
	return 0;
}

struct mfile {
	const char *name;
	const struct famfs_fmap *m;
};

/* Each file: one FUSE_NOTIFY_MAP before its first OPEN reply, exact. */
int case_47_maps(void)
{
	static struct emu e;
	struct emu_opts o = base_opts("extmap", EMU_K_47);
	const struct mfile files[] = {
		{ "one", &m_one },	 { "sixteen", &m_sixteen },
		{ "stripe", &m_stripe }, { "d1file", &m_d1 },
		{ "mixed", &m_mixed },	 { "bigstripe", &m_big },
	};
	struct dec_init di;
	struct pstats st;
	uint64_t nid, meta, len;
	unsigned before;

	if (start_init(&e, &o, OFFER47, PROTO_MINOR_47, &di))
		return -1;
	for (unsigned i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		before = e.nnote;
		if (open47(&e, 1, files[i].name, &nid) ||
		    passthrough47(&e, nid, files[i].name))
			return -1;
		CHECK(emu_notes(&e, DEC47_NOTIFY_MAP, before) == 1,
		      "%s: %u NOTIFY_MAPs", files[i].name,
		      emu_notes(&e, DEC47_NOTIFY_MAP, before));
		CHECK(d47.backing_id_64 == nid,
		      "%s: map id %#llx, namespace ino %llu", files[i].name,
		      (unsigned long long)d47.backing_id_64,
		      (unsigned long long)nid);
		if (same_map(&e, d47.backing_id_64, files[i].m))
			return -1;
		/* Header of the message itself. */
		memcpy(&len, e.last_map, 4);
		CHECK((uint32_t)len == e.last_map_len &&
			      e.last_map_len ==
				      16 + 32 + 48 * (size_t)files[i].m->count,
		      "%s: NOTIFY_MAP of %zu bytes", files[i].name,
		      e.last_map_len);
		CHECK(!p_release(&e, nid, d47.fh), "release");
		/* Pushed once: the next open reuses it. */
		before = e.nnote;
		if (open47(&e, 1, files[i].name, &nid) ||
		    passthrough47(&e, nid, files[i].name))
			return -1;
		CHECK(!emu_notes(&e, DEC47_NOTIFY_MAP, before),
		      "%s pushed twice", files[i].name);
		CHECK(!p_release(&e, nid, d47.fh), "release");
	}
	/* 4 GiB over two devices: two cyclic extents, not 2048. */
	CHECK(e.last_map_len == 16 + 32 + 2 * 48, "bigstripe message");
	meta = p_lookup(&e, 1, ".meta");
	CHECK(meta && !(p_last_attr_flags & DEC47_ATTR_DAX), ".meta S_DAX");
	if (open47(&e, meta, ".superblock", &nid) ||
	    passthrough47(&e, nid, ".superblock"))
		return -1;
	CHECK(!p_release(&e, nid, d47.fh), "release");
	if (open47(&e, meta, ".log", &nid) || passthrough47(&e, nid, ".log"))
		return -1;
	CHECK(!p_release(&e, nid, d47.fh), "release");
	/* .stats is the daemon's: no S_DAX, daemon path, 24 bytes. */
	if (open47(&e, meta, ".stats", &nid))
		return -1;
	CHECK(!(d47.open_flags & DEC_FOPEN_PASSTHROUGH) &&
		      emu_node_dax(&e, nid) == 0,
	      ".stats passthrough or S_DAX");
	CHECK(!p_release(&e, nid, d47.fh), "release");
	/* A device without a path: ENXIO, nothing pushed. */
	{
		static uint8_t r[256];
		uint64_t d2 = p_lookup(&e, 1, "d2file");
		ssize_t n;
		int32_t err;

		before = e.nnote;
		n = d2 ? p_open(&e, d2, O_RDONLY, r, sizeof(r)) : -1;
		memcpy(&err, r + 4, 4);
		CHECK(n == 16 && err == -ENXIO, "d2file: %zd bytes, error %d",
		      n, err);
		CHECK(!emu_notes(&e, DEC47_NOTIFY_MAP, before), "d2 pushed");
	}
	CHECK(!p_stats(&e, &st), "stats");
	CHECK(st.read_upcalls == 0 && st.write_upcalls == 0,
	      "upcalls %llu %llu", st.read_upcalls, st.write_upcalls);
	CHECK(st.maps_live == 8 && st.map_pushes == 8, "maps %llu pushes %llu",
	      st.maps_live, st.map_pushes);
	CHECK(st.passthrough_opens == 14, "passthrough_opens %llu",
	      st.passthrough_opens);
	if (all_verdicts_ok(&e))
		return -1;
	CHECK(emu_stop(&e) == 0, "daemon exit status not 0");
	return 0;
}

/* FUSE_ATTR_DAX: in LOOKUP, GETATTR and READDIRPLUS, only for files. */
int case_47_attrs(void)
{
	static uint8_t r[65536];
	static struct emu e;
	struct emu_opts o = base_opts("extmap", EMU_K_47);
	struct dec_init di;
	uint8_t in[40] = { 0 };
	uint64_t nid, fh;
	unsigned files = 0, dirs = 0;
	ssize_t n;
	size_t off;

	if (start_init(&e, &o, OFFER47, PROTO_MINOR_47, &di))
		return -1;
	nid = p_lookup(&e, 1, "one");
	CHECK(nid && (p_last_attr_flags & DEC47_ATTR_DAX), "one: flags 0x%x",
	      p_last_attr_flags);
	n = emu_call(&e, OP_GETATTR, nid, in, 16, NULL, 0, r, sizeof(r));
	CHECK(n == 16 + 104, "GETATTR reply %zd", n);
	memcpy(&fh, r + 16 + 16 + 84, 4);
	CHECK((uint32_t)fh & DEC47_ATTR_DAX, "GETATTR flags 0x%x",
	      (uint32_t)fh);
	n = emu_call(&e, OP_GETATTR, 1, in, 16, NULL, 0, r, sizeof(r));
	memcpy(&fh, r + 16 + 16 + 84, 4);
	CHECK(n == 16 + 104 && !((uint32_t)fh & DEC47_ATTR_DAX), "root S_DAX");
	/* OPENDIR: 24 bytes of open_out on 7.47, then READDIRPLUS. */
	n = emu_call(&e, OP_OPENDIR, 1, in, 8, NULL, 0, r, sizeof(r));
	CHECK(n == 16 + 24, "OPENDIR reply of %zd bytes", n);
	memcpy(&fh, r + 16, 8);
	memcpy(in, &fh, 8);
	memset(in + 8, 0, 8);
	{
		uint32_t size = sizeof(r) - 16;

		memcpy(in + 16, &size, 4);
	}
	n = emu_call(&e, 44 /* READDIRPLUS */, 1, in, 40, NULL, 0, r,
		     sizeof(r));
	CHECK(n > 16, "READDIRPLUS reply %zd", n);
	for (off = 16; off + 152 <= (size_t)n;) {
		uint64_t id;
		uint32_t mode, fl, nl;

		memcpy(&id, r + off, 8);
		memcpy(&mode, r + off + 40 + 60, 4);
		memcpy(&fl, r + off + 40 + 84, 4);
		memcpy(&nl, r + off + 128 + 16, 4);
		if (id && (mode & 0170000) == 0100000) {
			CHECK(fl & DEC47_ATTR_DAX, "entry %llu: no ATTR_DAX",
			      (unsigned long long)id);
			files++;
		} else if (id) {
			CHECK(!(fl & DEC47_ATTR_DAX),
			      "dir entry with ATTR_DAX");
			dirs++;
		}
		if (id)
			p_forget(&e, id, 1);
		off += (152 + nl + 7) & ~7u;
	}
	CHECK(files >= NCONC && dirs >= 1, "%u files, %u dirs", files, dirs);
	CHECK(emu_stop(&e) == 0, "daemon exit status not 0");
	return 0;
}

/* The kernel forgets the inode: its map is closed, and pushed again on
 * the next open. FORGET and BATCH_FORGET. */
int case_47_forget(void)
{
	static struct emu e;
	struct emu_opts o = base_opts("extmap", EMU_K_47);
	struct dec_init di;
	struct pstats st;
	uint64_t n1, n16, id;
	unsigned before;
	uint8_t in[8 + 32] = { 0 };
	uint32_t cnt = 2;

	if (start_init(&e, &o, OFFER47, PROTO_MINOR_47, &di))
		return -1;
	if (open47(&e, 1, "one", &n1) || passthrough47(&e, n1, "one"))
		return -1;
	id = d47.backing_id_64;
	CHECK(!p_release(&e, n1, d47.fh), "release");
	before = e.nnote;
	p_forget(&e, n1, 1);
	CHECK(wait_notes(&e, DEC47_NOTIFY_BACKING_CLOSE, before, 1) == 1,
	      "no BACKING_CLOSE after FORGET");
	CHECK(e.note[e.nnote - 1].id == id || emu_backing(&e, id) == NULL,
	      "wrong id closed");
	CHECK(!emu_backing(&e, id), "map %#llx still held",
	      (unsigned long long)id);
	/* Looked up again: a new inode, the map pushed again. */
	before = e.nnote;
	if (open47(&e, 1, "one", &n1) || passthrough47(&e, n1, "one"))
		return -1;
	CHECK(emu_notes(&e, DEC47_NOTIFY_MAP, before) == 1, "not re-pushed");
	CHECK(!p_release(&e, n1, d47.fh), "release");
	if (open47(&e, 1, "sixteen", &n16) || passthrough47(&e, n16, "sixteen"))
		return -1;
	CHECK(!p_release(&e, n16, d47.fh), "release");
	/* Two lookups of "one" now: one FORGET of 1 keeps the map. */
	CHECK(p_lookup(&e, 1, "one") == n1, "lookup");
	before = e.nnote;
	memcpy(in, &cnt, 4);
	memcpy(in + 8, &n1, 8);
	memcpy(in + 16, &(uint64_t){ 1 }, 8);
	memcpy(in + 24, &n16, 8);
	memcpy(in + 32, &(uint64_t){ 1 }, 8);
	emu_send(&e, OP_BATCH_FORGET, 0, in, sizeof(in), NULL, 0);
	CHECK(wait_notes(&e, DEC47_NOTIFY_BACKING_CLOSE, before, 1) == 1,
	      "sixteen not closed by BATCH_FORGET");
	CHECK(emu_backing(&e, n1) && !emu_backing(&e, n16),
	      "one closed early or sixteen kept");
	p_forget(&e, n1, 1);
	CHECK(wait_notes(&e, DEC47_NOTIFY_BACKING_CLOSE, before, 2) == 2,
	      "one not closed at its last FORGET");
	CHECK(!p_stats(&e, &st), "stats");
	CHECK(st.map_closes == 3 && st.maps_live == 0, "closes %llu live %llu",
	      st.map_closes, st.maps_live);
	if (all_verdicts_ok(&e))
		return -1;
	CHECK(emu_stop(&e) == 0, "daemon exit status not 0");
	return 0;
}

/* Unmount (SIGTERM with the channel open): every map, then every device
 * id, closed with FUSE_NOTIFY_BACKING_CLOSE; the kernel holds nothing. */
int case_47_unmount(void)
{
	static struct emu e;
	struct emu_opts o = base_opts("extmap", EMU_K_47);
	struct dec_init di;
	uint64_t nid, keep;
	unsigned before;

	if (start_init(&e, &o, OFFER47, PROTO_MINOR_47, &di))
		return -1;
	if (open47(&e, 1, "one", &nid))
		return -1;
	CHECK(!p_release(&e, nid, d47.fh), "release");
	if (open47(&e, 1, "stripe", &nid) || open47(&e, 1, "d1file", &keep))
		return -1;
	CHECK(e.nback == 2 + 3, "%u backings before unmount", e.nback);
	before = e.nnote;
	CHECK(emu_term(&e) == 0, "daemon exit status not 0");
	CHECK(emu_notes(&e, DEC47_NOTIFY_BACKING_CLOSE, before) == 5,
	      "%u BACKING_CLOSEs at unmount",
	      emu_notes(&e, DEC47_NOTIFY_BACKING_CLOSE, before));
	CHECK(e.nback == 0, "%u backings left", e.nback);
	/* Maps first: device ids last. */
	CHECK(e.note[e.nnote - 1].id >> 63 && e.note[e.nnote - 2].id >> 63 &&
		      !(e.note[e.nnote - 3].id >> 63),
	      "close order");
	CHECK(e.nclose == 0, "32-bit BACKING_CLOSE ioctls: %u", e.nclose);
	return all_verdicts_ok(&e);
}

/* --max-maps 2: the least recently opened unused map is closed; with
 * both in use the open fails with ENFILE. */
int case_47_bound(void)
{
	static uint8_t r[256];
	static struct emu e;
	struct emu_opts o = base_opts("extmap", EMU_K_47);
	struct dec_init di;
	struct pstats st;
	uint64_t n1, n16, ns, fh16, fhs;
	unsigned before;
	int32_t err;
	ssize_t n;

	o.extra[0] = "--max-maps";
	o.extra[1] = "2";
	if (start_init(&e, &o, OFFER47, PROTO_MINOR_47, &di))
		return -1;
	if (open47(&e, 1, "one", &n1))
		return -1;
	CHECK(!p_release(&e, n1, d47.fh), "release");
	if (open47(&e, 1, "sixteen", &n16))
		return -1;
	fh16 = d47.fh;
	before = e.nnote;
	if (open47(&e, 1, "stripe", &ns) || passthrough47(&e, ns, "stripe"))
		return -1;
	fhs = d47.fh;
	CHECK(emu_notes(&e, DEC47_NOTIFY_BACKING_CLOSE, before) == 1 &&
		      !emu_backing(&e, n1),
	      "oldest unused map (one) not evicted");
	/* Both live maps are open: no room. */
	n = p_open(&e, n1, O_RDONLY, r, sizeof(r));
	memcpy(&err, r + 4, 4);
	CHECK(n == 16 && err == -ENFILE, "at the bound: %zd bytes, error %d", n,
	      err);
	CHECK(log_has(&e, "all in use by open files: ENFILE"), "no log line");
	CHECK(!p_release(&e, ns, fhs), "release");
	before = e.nnote;
	n = p_open(&e, n1, O_RDONLY, r, sizeof(r));
	CHECK(n > 0 && !dec47_open_reply(r, (size_t)n, false, &d47, why,
					 sizeof(why)),
	      "after release: %s", why);
	if (passthrough47(&e, n1, "one"))
		return -1;
	CHECK(!emu_backing(&e, ns), "stripe (released) not evicted");
	CHECK(!p_stats(&e, &st), "stats");
	CHECK(st.map_evictions == 2 && st.maps_live == 2,
	      "evictions %llu live %llu", st.map_evictions, st.maps_live);
	CHECK(!p_release(&e, n16, fh16), "release");
	if (all_verdicts_ok(&e))
		return -1;
	CHECK(emu_stop(&e) == 0, "daemon exit status not 0");
	return 0;
}

/* CREATE on 7.47: 24-byte open_out, no S_DAX, daemon path; once logged
 * and its inode forgotten, the same nodeid's next inode is S_DAX and its
 * opens name a map pushed under the namespace inode number. */
int case_47_create(void)
{
	static uint8_t r[4096], data[65536];
	static struct emu e;
	struct emu_opts o = base_opts("extmap", EMU_K_47);
	struct dec_init di;
	uint64_t nid;
	int logged = 0;
	ssize_t n;

	o.extra[0] = "--settle-ms";
	o.extra[1] = "0";
	if (start_init(&e, &o, OFFER47, PROTO_MINOR_47, &di))
		return -1;
	n = tp_create(&e, "newfile47", r, sizeof(r));
	CHECK(n > 0 && !dec47_open_reply(r, (size_t)n, true, &d47, why,
					 sizeof(why)),
	      "CREATE: %s", why);
	CHECK(!(d47.open_flags & DEC_FOPEN_PASSTHROUGH) &&
		      !(dec_entry_attr_flags(r, (size_t)n) & DEC47_ATTR_DAX),
	      "pending file passthrough or S_DAX");
	memcpy(&nid, r + 16, 8);
	memset(data, 0xcd, sizeof(data));
	CHECK(p_write(&e, nid, d47.fh, 0, data, sizeof(data)) == sizeof(data),
	      "write");
	CHECK(!p_release(&e, nid, d47.fh), "release");
	/* Logged once it settles; it keeps its nodeid (st_ino never
	 * changes under a program), whose kernel inode has no S_DAX. */
	for (int i = 0; i < 500 && !logged; i++) {
		struct pstats st;

		CHECK(!p_stats(&e, &st), "stats");
		if (st.pending == 0)
			logged = 1;
		else
			usleep(10000);
	}
	CHECK(logged, "newfile47 never logged");
	CHECK(p_lookup(&e, 1, "newfile47") == nid, "nodeid changed");
	CHECK(!(p_last_attr_flags & DEC47_ATTR_DAX), "S_DAX on a live inode");
	n = p_open(&e, nid, O_RDONLY, r, sizeof(r));
	CHECK(n > 0 && !dec47_open_reply(r, (size_t)n, false, &d47, why,
					 sizeof(why)),
	      "reopen: %s", why);
	CHECK(!(d47.open_flags & DEC_FOPEN_PASSTHROUGH),
	      "passthrough on the inode made without S_DAX");
	CHECK(!p_release(&e, nid, d47.fh), "release");
	/* The kernel forgets that inode (CREATE's and the lookup's
	 * references); the next one is made S_DAX: the map is pushed under
	 * the file's namespace inode number. */
	p_forget(&e, nid, 2);
	if (open47(&e, 1, "newfile47", &nid) ||
	    passthrough47(&e, nid, "newfile47"))
		return -1;
	CHECK(nid >= (1ULL << 62) && d47.backing_id_64 >= 16 &&
		      d47.backing_id_64 < (1ULL << 62),
	      "nodeid %#llx, map id %#llx", (unsigned long long)nid,
	      (unsigned long long)d47.backing_id_64);
	CHECK(!p_release(&e, nid, d47.fh), "release");
	if (all_verdicts_ok(&e))
		return -1;
	CHECK(emu_stop(&e) == 0, "daemon exit status not 0");
	return 0;
}

/* Pipelined opens of 32 files, three rounds: one push per file, each
 * before the first reply that names it. */
int case_47_concurrent(void)
{
	enum { ROUNDS = 3 };
	static uint8_t r[4096];
	static struct emu e;
	struct emu_opts o = base_opts("extmap", EMU_K_47);
	struct dec_init di;
	uint64_t nid[NCONC];
	unsigned before;

	if (start_init(&e, &o, OFFER47, PROTO_MINOR_47, &di))
		return -1;
	if (lookup_conc(&e, nid))
		return -1;
	before = e.nnote;
	send_opens(&e, nid, NCONC, ROUNDS);
	for (int k = 0; k < ROUNDS * NCONC; k++) {
		ssize_t n = emu_recv(&e, r, sizeof(r));

		CHECK(n > 0 && !dec47_open_reply(r, (size_t)n, false, &d47, why,
						 sizeof(why)),
		      "reply %d: %s", k, why);
		/* emu_recv took every notification before this reply. */
		CHECK(d47.id64 && emu_backing(&e, d47.backing_id_64),
		      "reply %d names map %#llx before it was pushed", k,
		      (unsigned long long)d47.backing_id_64);
	}
	CHECK(emu_notes(&e, DEC47_NOTIFY_MAP, before) == NCONC,
	      "%u pushes for %d files", emu_notes(&e, DEC47_NOTIFY_MAP, before),
	      NCONC);
	if (all_verdicts_ok(&e))
		return -1;
	CHECK(emu_stop(&e) == 0, "daemon exit status not 0");
	return 0;
}

/* 7.47 offered, registration refused (EINVAL): the daemon path, still
 * with 7.47's 24-byte open_out (minor 47 was negotiated), no S_DAX. */
int case_47_fallback(void)
{
	static struct emu e;
	struct emu_opts o = base_opts("auto", EMU_K_47);
	struct dec_init di;
	struct pstats st;
	uint64_t nid;

	o.reg_errno = EINVAL;
	if (start_init(&e, &o, OFFER47, PROTO_MINOR_47, &di))
		return -1;
	if (open47(&e, 1, "one", &nid))
		return -1;
	CHECK(!(d47.open_flags & DEC_FOPEN_PASSTHROUGH) &&
		      !(p_last_attr_flags & DEC47_ATTR_DAX),
	      "passthrough or S_DAX without registration");
	CHECK(!read_matches(&e, nid, d47.fh, 0, 65536, 1), "read");
	CHECK(!p_release(&e, nid, d47.fh), "release");
	CHECK(!p_stats(&e, &st), "stats");
	CHECK(!strcmp(st.data_path, "daemon") && !strcmp(st.abi, "none"),
	      "data_path %s abi %s", st.data_path, st.abi);
	CHECK(log_has(&e, "using the daemon data path"), "no log line");
	CHECK(!emu_notes(&e, DEC47_NOTIFY_MAP, 0), "maps pushed");
	CHECK(emu_stop(&e) == 0, "daemon exit status not 0");
	return 0;
}
