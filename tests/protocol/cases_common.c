// SPDX-License-Identifier: Apache-2.0
/*
 * Cases every kernel shares: a released kernel never sees a byte of either
 * dax ABI, -d daemon asks for nothing, and a forced passthrough path that
 * the kernel cannot give exits 2 with one message.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>

#include "tp.h"

/* Bits above 39 (bit 44 = FUSE_HAS_SYNCFS in 7.47) must never be echoed. */
#define HIGH_BITS (~((1ULL << 40) - 1))

/* A released kernel (7.45, FUSE_PASSTHROUGH offered, no dax ABI): no
 * PASSTHROUGH, no minor 47, no 24-byte open_out, no ioctl with flags, no
 * notification 10 or 11; the daemon serves READ. */
int case_stock(void)
{
	static struct emu e;
	struct emu_opts o = base_opts("auto", EMU_K_STOCK);
	struct dec_init di;
	struct pstats st;
	uint64_t nid;

	if (start_init(&e, &o,
		       PROTO_BASE_FLAGS | DEC_ALLOW_MMAP | DEC_PASSTHROUGH,
		       PROTO_MINOR_STOCK, &di))
		return -1;
	CHECK(!(di.flags & DEC_PASSTHROUGH),
	      "passthrough echoed to a stock kernel: 0x%llx",
	      (unsigned long long)di.flags);
	CHECK(!(di.flags & HIGH_BITS), "bits above 39 echoed: 0x%llx",
	      (unsigned long long)di.flags);
	CHECK(di.minor < DEC47_MINOR, "minor %u answered", di.minor);
	CHECK(di.flags & DEC_ALLOW_MMAP, "DIRECT_IO_ALLOW_MMAP not echoed");
	CHECK(di.max_stack_depth == 0, "max_stack_depth %u",
	      di.max_stack_depth);
	/* open_dec allows no byte after the 16-byte fuse_open_out. */
	if (open_one_daemon(&e, &nid))
		return -1;
	CHECK(!read_matches(&e, nid, dop.fh, 2 * MiB - 4096, 8192, 1), "read");
	CHECK(!p_release(&e, nid, dop.fh), "release");
	/* A device without a configured path: ENXIO on this path too. */
	{
		static uint8_t r[256];
		uint64_t d2 = p_lookup(&e, 1, "d2file");
		ssize_t n = d2 ? p_open(&e, d2, O_RDONLY, r, sizeof(r)) : -1;
		int32_t err = 0;

		CHECK(p_last_attr_flags == 0, "attr flags 0x%x",
		      p_last_attr_flags);
		CHECK(n == 16, "d2file reply of %zd bytes", n);
		memcpy(&err, r + 4, 4);
		CHECK(err == -ENXIO, "d2file error %d", err);
		CHECK(log_has(&e, "device 2: no path configured"), "no log");
	}
	CHECK(!p_stats(&e, &st), "stats");
	CHECK(!strcmp(st.data_path, "daemon"), "data_path %s", st.data_path);
	CHECK(!strcmp(st.abi, "none"), "abi %s", st.abi);
	CHECK(st.read_upcalls >= 1, "read_upcalls %llu", st.read_upcalls);
	CHECK(st.passthrough_opens == 0 && st.backing_registrations == 0,
	      "passthrough counters %llu %llu", st.passthrough_opens,
	      st.backing_registrations);
	CHECK(st.daemon_opens >= 1, "daemon_opens %llu", st.daemon_opens);
	CHECK(emu_term(&e) == 0, "daemon exit status not 0");
	CHECK(e.nopen == 0 && e.nclose == 0,
	      "backing ioctls on a stock kernel");
	CHECK(e.nbad47 == 0, "%u 7.47 notifications", e.nbad47);
	CHECK(!emu_notes(&e, DEC47_NOTIFY_MAP, 0) &&
		      !emu_notes(&e, DEC47_NOTIFY_BACKING_CLOSE, 0),
	      "7.47 notifications sent");
	return 0;
}

/* INIT offering @offer with -d @path: nothing echoed, nothing asked of
 * the kernel, opens on the daemon path with 16-byte open_out. */
static int no_dax(const char *path, uint64_t offer)
{
	static struct emu e;
	struct emu_opts o = base_opts(path, EMU_K_FAMFUSE);
	struct dec_init di;
	uint64_t nid;

	if (start_init(&e, &o, offer, PROTO_MINOR_47, &di))
		return -1;
	CHECK(!(di.flags & DEC_PASSTHROUGH), "-d %s: PASSTHROUGH echoed", path);
	CHECK(di.minor < DEC47_MINOR, "-d %s: minor %u", path, di.minor);
	if (open_one_daemon(&e, &nid))
		return -1;
	CHECK(p_last_attr_flags == 0, "attr flags 0x%x", p_last_attr_flags);
	CHECK(emu_stop(&e) == 0, "daemon exit status not 0");
	CHECK(e.nopen == 0 && e.nioctl_famfuse == 0, "-d %s: ioctls", path);
	return 0;
}

/* famfuse offers both ABIs, but -d daemon: nothing is echoed or probed. */
int case_forced_daemon(void)
{
	return no_dax("daemon", PROTO_BASE_FLAGS | DEC_PASSTHROUGH);
}

/* Minor 47 without FUSE_PASSTHROUGH (no kernel should): nothing echoed. */
int case_no_passthrough(void)
{
	return no_dax("auto", PROTO_BASE_FLAGS);
}

/* One forced path the kernel cannot give: exit 2 with @msg logged. */
static int forced(const char *path, int kernel, int reg_errno, uint32_t minor,
		  bool init_fails, const char *msg)
{
	static struct emu e;
	struct emu_opts o = base_opts(path, kernel);
	struct dec_init di;
	int st;

	o.reg_errno = reg_errno;
	if (start(&e, &o))
		return -1;
	if (init_fails) {
		CHECK(p_init(&e, PROTO_BASE_FLAGS | DEC_PASSTHROUGH, minor, &di,
			     why, sizeof(why)),
		      "-d %s: INIT accepted", path);
		CHECK(strstr(why, "INIT failed"), "INIT reply: %s", why);
	} else {
		CHECK(!p_init(&e, PROTO_BASE_FLAGS | DEC_PASSTHROUGH, minor,
			      &di, why, sizeof(why)),
		      "-d %s: INIT: %s", path, why);
	}
	st = emu_stop(&e);
	CHECK(st == 2, "-d %s: exit status %d", path, st);
	CHECK(log_has(&e, msg), "-d %s: no message '%s'", path, msg);
	return 0;
}

int case_forced_impossible(void)
{
	static struct emu e;
	struct emu_opts o = base_opts("passthrough", EMU_K_FAMFUSE);
	int st;

	/* A released kernel: the INIT itself is refused. */
	if (forced("passthrough", EMU_K_STOCK, 0, PROTO_MINOR_STOCK, true,
		   "offers no dax passthrough ABI") ||
	    forced("extmap", EMU_K_STOCK, 0, PROTO_MINOR_STOCK, true,
		   "INIT minor 45"))
		return -1;
	/* The dev tree has no famfuse ioctls. */
	if (forced("openreply", EMU_K_47, 0, PROTO_MINOR_47, true,
		   "FAMFUSE_IOC_PROBE: Inappropriate ioctl"))
		return -1;
	/* Offered, but registering device 0 fails. */
	if (forced("passthrough", EMU_K_47, EINVAL, PROTO_MINOR_47, false,
		   "registering device 0: Invalid argument") ||
	    forced("openreply", EMU_K_FAMFUSE, EPERM, PROTO_MINOR_STOCK, false,
		   "openreply: registering device 0: Operation not permitted"))
		return -1;
	/* No emulator seam: an image is no dax device, refused at start. */
	o.no_ioctl_seam = true;
	if (start(&e, &o))
		return -1;
	st = emu_stop(&e);
	CHECK(st == 2, "exit status %d", st);
	CHECK(log_has(&e, "not a dax device"), "no message");
	return 0;
}
