// SPDX-License-Identifier: Apache-2.0
/* libFuzzer target: the allocator and the writer on a replayed log. */
#include <stddef.h>
#include <stdint.h>

#include "harness.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return fz_alloc(data, size);
}
