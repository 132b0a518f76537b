// SPDX-License-Identifier: Apache-2.0
/* A one-line progress display, only on a terminal and for big jobs. */
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"

#define PROGRESS_MIN ((uint64_t)256 << 20) /* smaller jobs are quick */
#define PROGRESS_PERIOD_NS 200000000ULL

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

void cli_progress_start(struct cli_progress *p, const char *what,
			uint64_t total)
{
	const char *env = getenv("FAMFS_PROGRESS_MIN"); /* testing */
	uint64_t min = PROGRESS_MIN;

	if (env && *env)
		cli_parse_size(env, &min);
	p->on = total && total >= min && isatty(STDERR_FILENO);
	p->what = what;
	p->total = total;
	p->done = 0;
	p->last_ns = 0;
}

static void show(struct cli_progress *p)
{
	fprintf(stderr, "\r%s: %llu / %llu MiB (%u%%)", p->what,
		(unsigned long long)(p->done >> 20),
		(unsigned long long)(p->total >> 20),
		(unsigned)(p->total ? p->done * 100 / p->total : 100));
}

void cli_progress_add(struct cli_progress *p, uint64_t n)
{
	uint64_t t;

	p->done += n;
	if (!p->on)
		return;
	t = now_ns();
	if (t - p->last_ns < PROGRESS_PERIOD_NS)
		return;
	p->last_ns = t;
	show(p);
}

void cli_progress_end(struct cli_progress *p)
{
	if (!p->on)
		return;
	show(p);
	fputc('\n', stderr);
	p->on = false;
}
