/* SPDX-License-Identifier: Apache-2.0 */
/* Kernel CPU lists ("0-3,8-11", /sys/devices/system/cpu/{possible,online}). */
#ifndef FAMFSD_CPULIST_H
#define FAMFSD_CPULIST_H

#include <sched.h>

/*
 * Parse @text into @set; returns the highest CPU + 1, or 0 for an empty
 * or malformed list (then @set is empty). CPUs >= CPU_SETSIZE count for
 * the return value but are not set.
 */
unsigned fd_cpulist_parse(const char *text, cpu_set_t *set);
/* The same for the first line of file @path; 0 when it cannot be read. */
unsigned fd_cpulist_read(const char *path, cpu_set_t *set);

#endif /* FAMFSD_CPULIST_H */
