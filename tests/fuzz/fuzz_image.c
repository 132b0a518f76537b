// SPDX-License-Identifier: Apache-2.0
/* libFuzzer target: whole image: create, replay (both policies), walk. */
#include <stddef.h>
#include <stdint.h>

#include "harness.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return fz_image(data, size);
}
