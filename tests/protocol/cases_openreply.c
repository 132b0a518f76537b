// SPDX-License-Identifier: Apache-2.0
/*
 * famfs's OPEN-reply form against the emulated famfuse: probe, enable,
 * one registration per device right after INIT, exact records after the
 * 16-byte fuse_open_out, the per-inode mode rule.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tp.h"

#define OR_OFFER (PROTO_BASE_FLAGS | DEC_PASSTHROUGH | DEC_ALLOW_MMAP)

/* famfuse, -d openreply: INIT bits, registrations, exact records. */
int case_or_records(void)
{
	static struct emu e;
	struct emu_opts o = base_opts("openreply", EMU_K_FAMFUSE);
	struct dec_init di;
	struct pstats st;
	int32_t ids[FAMFS_MAX_DAXDEVS] = { 0 };
	uint64_t nid, meta;
	int i0, i1;

	if (start_init(&e, &o, OR_OFFER, PROTO_MINOR_47, &di))
		return -1;
	CHECK(di.flags & DEC_PASSTHROUGH, "not echoed: 0x%llx",
	      (unsigned long long)di.flags);
	CHECK(!(di.flags & DEC_WRITEBACK_CACHE), "WRITEBACK_CACHE");
	CHECK(!(di.flags & DEC47_HAS_SYNCFS), "bit 44 echoed");
	CHECK(di.minor < DEC47_MINOR, "minor %u: 7.47 open_out asked for",
	      di.minor);
	CHECK(di.max_stack_depth == 1, "max_stack_depth %u",
	      di.max_stack_depth);

	CHECK(!open_dec(&e, 1, "one", 65536, &dop, &nid), "one: %s", why);
	CHECK(e.openreply, "FAMFUSE_IOC_ENABLE not done");
	/* Both devices with a path, registered once each, right after INIT */
	i0 = emu_dev_by_ino(&e, img0_ino);
	i1 = emu_dev_by_ino(&e, img1_ino);
	CHECK(i0 >= 0 && i1 >= 0 && e.dev_count[i0] == 1 &&
		      e.dev_count[i1] == 1,
	      "registrations %d %d", i0, i1);
	CHECK(e.nopen == 0, "%u FUSE_DEV_IOC_BACKING_OPEN", e.nopen);
	ids[0] = e.dev_id[i0];
	ids[1] = e.dev_id[i1];
	CHECK(dop.open_flags == DEC_FOPEN_PASSTHROUGH, "open_flags 0x%x",
	      dop.open_flags);
	CHECK(dop.backing_id == ids[0], "backing_id %d", dop.backing_id);
	CHECK(!same_simple(&dop, &m_one, ids), "one");
	CHECK(!p_release(&e, nid, dop.fh), "release");

	CHECK(!open_dec(&e, 1, "sixteen", 65536, &dop, &nid), "16: %s", why);
	CHECK(!same_simple(&dop, &m_sixteen, ids), "sixteen");
	CHECK(!p_release(&e, nid, dop.fh), "release");

	CHECK(!open_dec(&e, 1, "stripe", 65536, &dop, &nid), "stripe: %s", why);
	/* Type 34: the four strips as allocated, file size whole chunks. */
	CHECK(dop.rec_type == DEC_EXT_STRIPES, "stripe type %u", dop.rec_type);
	CHECK(dop.nr == 4 && dop.chunk_size == 2 * MiB &&
		      dop.file_size == s_stripe,
	      "stripe: %u strips, chunk %llu, size %llu", dop.nr,
	      (unsigned long long)dop.chunk_size,
	      (unsigned long long)dop.file_size);
	for (unsigned i = 0; i < 4; i++)
		CHECK(dop.ext[i].dax_offset == m_stripe.ext[i].offset &&
			      dop.ext[i].length == m_stripe.ext[i].len &&
			      dop.ext[i].backing_id == 0,
		      "stripe strip %u", i);
	CHECK(!p_release(&e, nid, dop.fh), "release");

	meta = p_lookup(&e, 1, ".meta");
	CHECK(!open_dec(&e, meta, ".superblock", 65536, &dop, &nid), "sb: %s",
	      why);
	CHECK(dop.rec_type == DEC_EXT_EXTENTS && dop.nr == 1 &&
		      dop.ext[0].dax_offset == 0 &&
		      dop.ext[0].length == 2 * MiB,
	      ".superblock record");
	CHECK(!p_release(&e, nid, dop.fh), "release");
	CHECK(!open_dec(&e, meta, ".log", 65536, &dop, &nid), "log: %s", why);
	CHECK(dop.rec_type == DEC_EXT_EXTENTS && dop.nr == 1 &&
		      dop.ext[0].dax_offset == 2 * MiB &&
		      dop.ext[0].length == log_len,
	      ".log record");
	CHECK(!p_release(&e, nid, dop.fh), "release");

	CHECK(!p_stats(&e, &st), "stats");
	CHECK(!strcmp(st.data_path, "passthrough"), "data_path %s",
	      st.data_path);
	CHECK(!strcmp(st.abi, "openreply"), "abi %s", st.abi);
	CHECK(st.passthrough_opens == 5, "passthrough_opens %llu",
	      st.passthrough_opens);
	CHECK(st.backing_registrations == 2, "backing_registrations %llu",
	      st.backing_registrations);
	CHECK(st.read_upcalls == 0,
	      "read_upcalls %llu: the kernel did not serve", st.read_upcalls);
	CHECK(emu_stop(&e) == 0, "daemon exit status not 0");
	CHECK(e.nclose == 2, "%u BACKING_CLOSEs at unmount", e.nclose);
	CHECK(!emu_notes(&e, DEC47_NOTIFY_MAP, 0), "NOTIFY_MAP in openreply");
	return 0;
}

/*
 * auto on a famfuse that is not 7.47 (minor 45) picks the OPEN-reply form;
 * a probe answering max_open_ext below the kernel's own minimum of 4096
 * does not qualify: daemon path with one log line.
 */
int case_or_small_ext(void)
{
	static struct emu e;
	struct emu_opts o = base_opts("auto", EMU_K_FAMFUSE);
	struct dec_init di;
	struct pstats st;
	uint64_t nid;

	if (start_init(&e, &o, OR_OFFER, PROTO_MINOR_STOCK, &di))
		return -1;
	CHECK(!open_dec(&e, 1, "one", 65536, &dop, &nid), "one: %s", why);
	CHECK(dop.open_flags & DEC_FOPEN_PASSTHROUGH, "auto: not passthrough");
	CHECK(!p_stats(&e, &st) && !strcmp(st.abi, "openreply"), "abi %s",
	      st.abi);
	CHECK(emu_stop(&e) == 0, "daemon exit status not 0");

	o.max_open_ext = 128;
	if (start_init(&e, &o, OR_OFFER, PROTO_MINOR_STOCK, &di))
		return -1;
	CHECK(!(di.flags & DEC_PASSTHROUGH), "echoed for max_open_ext 128");
	if (open_one_daemon(&e, &nid))
		return -1;
	CHECK(!read_matches(&e, nid, dop.fh, 3 * MiB, 4096, 1), "read");
	CHECK(!p_release(&e, nid, dop.fh), "release");
	CHECK(!p_stats(&e, &st) && !strcmp(st.abi, "none"), "abi %s", st.abi);
	CHECK(emu_stop(&e) == 0, "daemon exit status not 0");
	CHECK(!e.openreply && e.nopen == 0, "enabled or registered");
	return 0;
}

/* Many pipelined opens of many files on two devices: one registration
 * per device; a device without a path gives ENXIO. */
int case_or_concurrent(void)
{
	enum { ROUNDS = 3 };
	static uint8_t r[4096];
	static struct emu e;
	struct emu_opts o = base_opts("openreply", EMU_K_FAMFUSE);
	struct dec_init di;
	uint64_t nid[NCONC + 2], d2;
	int32_t ids[FAMFS_MAX_DAXDEVS] = { 0 };
	int i0, i1;

	if (start_init(&e, &o, OR_OFFER, PROTO_MINOR_STOCK, &di))
		return -1;
	if (lookup_conc(&e, nid))
		return -1;
	nid[NCONC] = p_lookup(&e, 1, "d1file");
	nid[NCONC + 1] = p_lookup(&e, 1, "mixed");
	CHECK(nid[NCONC] && nid[NCONC + 1], "lookup");
	send_opens(&e, nid, NCONC + 2, ROUNDS);
	for (int k = 0; k < ROUNDS * (NCONC + 2); k++) {
		ssize_t n = emu_recv(&e, r, sizeof(r));

		CHECK(n > 0, "reply %d missing", k);
		CHECK(!dec_open_reply(r, (size_t)n, false, 65536, 2 * MiB, &dop,
				      why, sizeof(why)),
		      "reply %d: %s", k, why);
		CHECK(dop.open_flags & DEC_FOPEN_PASSTHROUGH,
		      "reply %d not passthrough", k);
	}
	i0 = emu_dev_by_ino(&e, img0_ino);
	i1 = emu_dev_by_ino(&e, img1_ino);
	CHECK(i0 >= 0 && i1 >= 0, "devices not both registered");
	CHECK(e.dev_count[i0] == 1 && e.dev_count[i1] == 1,
	      "registrations: dev0 %u, dev1 %u", e.dev_count[i0],
	      e.dev_count[i1]);
	ids[0] = e.dev_id[i0];
	ids[1] = e.dev_id[i1];

	CHECK(!open_dec(&e, 1, "d1file", 65536, &dop, &nid[0]), "%s", why);
	CHECK(dop.backing_id == ids[1], "d1file backing id %d", dop.backing_id);
	CHECK(!same_simple(&dop, &m_d1, ids), "d1file");
	CHECK(!open_dec(&e, 1, "mixed", 65536, &dop, &nid[1]), "%s", why);
	CHECK(dop.backing_id == ids[0], "mixed backing id %d", dop.backing_id);
	CHECK(!same_simple(&dop, &m_mixed, ids), "mixed");
	CHECK(dop.ext[1].backing_id == ids[1], "mixed ext 1 id");
	/* 4 GiB interleaved over devices 0 and 1: 80 bytes of type 34, strip
	 * 1 with device 1's id. */
	CHECK(!open_dec(&e, 1, "bigstripe", 4096, &dop, &nid[2]), "%s", why);
	CHECK(dop.open_flags & DEC_FOPEN_PASSTHROUGH, "bigstripe not dax");
	CHECK(dop.backing_id == ids[0], "bigstripe backing id %d",
	      dop.backing_id);
	CHECK(dop.rec_type == DEC_EXT_STRIPES && dop.nr == 2 &&
		      dop.chunk_size == 2 * MiB && dop.file_size == 4 * GiB,
	      "bigstripe record: type %u nr %u size %llu", dop.rec_type, dop.nr,
	      (unsigned long long)dop.file_size);
	CHECK(dop.ext[0].dax_offset == 4 * GiB &&
		      dop.ext[0].length == 2 * GiB &&
		      dop.ext[0].backing_id == 0,
	      "bigstripe strip 0");
	CHECK(dop.ext[1].dax_offset == 1 * GiB &&
		      dop.ext[1].length == 2 * GiB &&
		      dop.ext[1].backing_id == ids[1],
	      "bigstripe strip 1 id %d", dop.ext[1].backing_id);
	d2 = p_lookup(&e, 1, "d2file");
	CHECK(d2, "lookup d2file");
	{
		ssize_t n2 = p_open(&e, d2, O_RDONLY, r, sizeof(r));
		int32_t err;

		CHECK(n2 == 16, "d2file reply of %zd bytes", n2);
		memcpy(&err, r + 4, 4);
		CHECK(err == -ENXIO, "d2file error %d", err);
	}
	CHECK(log_has(&e, "device 2: no path configured"), "no log line");
	CHECK(emu_stop(&e) == 0, "daemon exit status not 0");
	return 0;
}

ssize_t tp_create(struct emu *e, const char *name, uint8_t *r, size_t cap)
{
	uint8_t in[16] = { 0 };
	uint32_t v = O_RDWR | O_CREAT | O_EXCL;

	memcpy(in, &v, 4);
	v = S_IFREG | 0644;
	memcpy(in + 4, &v, 4);
	return emu_call(e, OP_CREATE, 1, in, sizeof(in), name, strlen(name) + 1,
			r, cap);
}

/* CREATE/pending on the master: a growing file is answered without
 * passthrough, and stays so while any handle is open. */
int case_or_create(void)
{
	static uint8_t r[4096], data[65536];
	static struct emu e;
	struct emu_opts o = base_opts("openreply", EMU_K_FAMFUSE);
	struct dec_init di;
	struct pstats st;
	uint64_t nid, fh1, fh2;
	ssize_t n;

	o.extra[0] = "--settle-ms";
	o.extra[1] = "0";
	if (start_init(&e, &o, OR_OFFER, PROTO_MINOR_STOCK, &di))
		return -1;
	n = tp_create(&e, "newfile", r, sizeof(r));
	CHECK(n > 0, "no CREATE reply");
	CHECK(!dec_open_reply(r, (size_t)n, true, 65536, 2 * MiB, &dop, why,
			      sizeof(why)),
	      "CREATE: %s", why);
	CHECK(n == 16 + 128 + 16, "CREATE reply %zd bytes", n);
	CHECK(!(dop.open_flags & DEC_FOPEN_PASSTHROUGH), "pending passthrough");
	memcpy(&nid, r + 16, 8);
	fh1 = dop.fh;
	memset(data, 0xab, sizeof(data));
	CHECK(p_write(&e, nid, fh1, 0, data, sizeof(data)) == sizeof(data),
	      "write");
	n = p_open(&e, nid, O_RDONLY, r, sizeof(r));
	CHECK(n > 0 && !dec_open_reply(r, (size_t)n, false, 65536, 2 * MiB,
				       &dop, why, sizeof(why)),
	      "reopen: %s", why);
	CHECK(!(dop.open_flags & DEC_FOPEN_PASSTHROUGH), "pending reopen");
	fh2 = dop.fh;
	CHECK(!p_release(&e, nid, fh2), "release");
	CHECK(!p_release(&e, nid, fh1), "release");
	/* All handles closed: logged once it settles; until then opens stay
	 * on the daemon path, afterwards they are dax. */
	for (int i = 0; i < 500; i++) {
		n = p_open(&e, nid, O_RDONLY, r, sizeof(r));
		CHECK(n > 0 && !dec_open_reply(r, (size_t)n, false, 65536,
					       2 * MiB, &dop, why, sizeof(why)),
		      "open after close: %s", why);
		if (dop.open_flags & DEC_FOPEN_PASSTHROUGH)
			break;
		CHECK(!p_release(&e, nid, dop.fh), "release");
		usleep(10000);
	}
	CHECK(dop.open_flags == DEC_FOPEN_PASSTHROUGH, "logged file not dax");
	CHECK(dop.rec_type == DEC_EXT_EXTENTS && dop.nr == 1 &&
		      dop.ext[0].length == 2 * MiB,
	      "logged file record");
	CHECK(!p_release(&e, nid, dop.fh), "release");
	CHECK(!p_stats(&e, &st), "stats");
	CHECK(st.write_upcalls >= 1, "write_upcalls %llu", st.write_upcalls);
	CHECK(st.passthrough_opens == 1, "passthrough_opens %llu",
	      st.passthrough_opens);
	CHECK(emu_stop(&e) == 0, "daemon exit status not 0");
	return 0;
}
