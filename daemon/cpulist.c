// SPDX-License-Identifier: Apache-2.0
/* Kernel CPU lists: "N", "N-M", comma separated, optional newline. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>

#include "cpulist.h"

/* One decimal number at *p; false when there is none. */
static int number(const char **p, unsigned long *out)
{
	char *end;

	if (!isdigit((unsigned char)**p))
		return 0;
	*out = strtoul(*p, &end, 10);
	*p = end;
	return *out < (1ul << 20); /* no machine has a million CPUs */
}

unsigned fd_cpulist_parse(const char *text, cpu_set_t *set)
{
	const char *p = text;
	unsigned long lo, hi;
	unsigned n = 0;

	CPU_ZERO(set);
	for (;;) {
		if (!number(&p, &lo))
			goto bad;
		hi = lo;
		if (*p == '-') {
			p++;
			if (!number(&p, &hi) || hi < lo)
				goto bad;
		}
		for (unsigned long c = lo; c <= hi && c < CPU_SETSIZE; c++)
			CPU_SET(c, set);
		if (hi + 1 > n)
			n = (unsigned)hi + 1;
		if (*p != ',')
			break;
		p++;
	}
	if (*p == '\n')
		p++;
	if (*p)
		goto bad;
	return n;
bad:
	CPU_ZERO(set);
	return 0;
}

unsigned fd_cpulist_read(const char *path, cpu_set_t *set)
{
	char line[4096];
	FILE *f = fopen(path, "re");
	unsigned n = 0;

	CPU_ZERO(set);
	if (!f)
		return 0;
	if (fgets(line, sizeof(line), f))
		n = fd_cpulist_parse(line, set);
	fclose(f);
	return n;
}
