// SPDX-License-Identifier: Apache-2.0
/*
 * Protocol tests: the real famfsd, driven by the kernel emulator, checked
 * byte by byte with the independent decoder.
 *
 * usage: test_protocol FAMFSD
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tp.h"

struct tcase {
	const char *name;
	int (*fn)(void);
};

int main(int argc, char **argv)
{
	static const struct tcase cases[] = {
		{ "7.45 kernel: no dax byte, daemon READ", case_stock },
		{ "-d daemon on famfuse", case_forced_daemon },
		{ "minor 47 without FUSE_PASSTHROUGH", case_no_passthrough },
		{ "forced path impossible: exit 2", case_forced_impossible },
		{ "openreply: INIT, registrations, records", case_or_records },
		{ "openreply: auto, small max_open_ext", case_or_small_ext },
		{ "openreply: concurrent opens, devices", case_or_concurrent },
		{ "openreply: CREATE/pending", case_or_create },
		{ "7.47: INIT reply and registration ioctl", case_47_init },
		{ "7.47: NOTIFY_MAP and open_out per file", case_47_maps },
		{ "7.47: FUSE_ATTR_DAX in attributes", case_47_attrs },
		{ "7.47: BACKING_CLOSE on FORGET", case_47_forget },
		{ "7.47: BACKING_CLOSE at unmount", case_47_unmount },
		{ "7.47: --max-maps bound", case_47_bound },
		{ "7.47: CREATE/pending", case_47_create },
		{ "7.47: concurrent opens", case_47_concurrent },
		{ "7.47: registration refused, daemon path", case_47_fallback },
	};
	const char *only = argc > 2 ? argv[2] : NULL;
	int fails = 0;

	if (argc < 2) {
		fprintf(stderr, "usage: %s FAMFSD [CASE-SUBSTRING]\n", argv[0]);
		return 2;
	}
	famfsd = argv[1];
	if (access(famfsd, X_OK)) {
		fprintf(stderr, "%s: not built\n", famfsd);
		return 1;
	}
	if (build_image()) {
		fprintf(stderr, "cannot build the test image\n");
		return 1;
	}
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		if (!only || strstr(cases[i].name, only))
			fails += p_run_case(cases[i].name, cases[i].fn, &cur);
	for (int i = 0; !fails && !getenv("TP_KEEP") && i < nlogs; i++)
		unlink(logs[i]);
	unlink(img0);
	unlink(img1);
	unlink(uuidf);
	unlink(conf);
	rmdir(dir);
	return fails ? 1 : 0;
}
