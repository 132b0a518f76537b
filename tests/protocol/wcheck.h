/* SPDX-License-Identifier: Apache-2.0 */
/*
 * CHECK for the daemon-less wire tests (test_wire, test_wire_msg): each
 * test is a void function; a failed check reports where and why, counts
 * in @fails and ends that test. main() returns fails != 0.
 */
#ifndef WCHECK_H
#define WCHECK_H

#include <stdio.h>

static int fails;

#define CHECK(c, ...)                                                        \
	do {                                                                 \
		if (!(c)) {                                                  \
			fprintf(stderr, "FAIL %s:%d: ", __func__, __LINE__); \
			fprintf(stderr, __VA_ARGS__);                        \
			fputc('\n', stderr);                                 \
			fails++;                                             \
			return;                                              \
		}                                                            \
	} while (0)

#endif
