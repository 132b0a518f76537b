// SPDX-License-Identifier: Apache-2.0
/*
 * CPU cache maintenance for shared memory that is not coherent across hosts.
 * flush: write dirty lines back (CLWB keeps them cached; CLFLUSHOPT/CLFLUSH
 * evict them), then SFENCE so later stores are ordered after. invalidate:
 * evict lines (CLFLUSHOPT or CLFLUSH) so the next load reads the media.
 */
#include <stdint.h>

#include "famfs/famfs.h"

#define CACHELINE 64

enum method { M_UNKNOWN, M_NONE, M_CLFLUSH, M_CLFLUSHOPT, M_CLWB };

static enum method cached_method;

#if defined(__x86_64__)
#include <cpuid.h>

static enum method detect(void)
{
	unsigned a, b, c, d;

	if (__get_cpuid_count(7, 0, &a, &b, &c, &d)) {
		if (b & (1u << 24))
			return M_CLWB;
		if (b & (1u << 23))
			return M_CLFLUSHOPT;
	}
	if (__get_cpuid(1, &a, &b, &c, &d) && (d & (1u << 19)))
		return M_CLFLUSH;
	return M_NONE;
}

static inline void clwb(const void *p)
{
	/* clwb (%rdi) encoded as 66 0f ae /6 */
	asm volatile(".byte 0x66; xsaveopt %0" : "+m"(*(volatile char *)p));
}

static inline void clflushopt(const void *p)
{
	asm volatile(".byte 0x66; clflush %0" : "+m"(*(volatile char *)p));
}

static inline void clflush(const void *p)
{
	asm volatile("clflush %0" : "+m"(*(volatile char *)p));
}

static inline void sfence(void)
{
	asm volatile("sfence" ::: "memory");
}
#else
static enum method detect(void)
{
	return M_NONE;
}
#endif

static enum method method(void)
{
	enum method m = __atomic_load_n(&cached_method, __ATOMIC_RELAXED);

	if (m == M_UNKNOWN) {
		m = detect();
		__atomic_store_n(&cached_method, m, __ATOMIC_RELAXED);
	}
	return m;
}

const char *famfs_cache_method(void)
{
	switch (method()) {
	case M_CLWB:
		return "clwb";
	case M_CLFLUSHOPT:
		return "clflushopt";
	case M_CLFLUSH:
		return "clflush";
	default:
		return "none";
	}
}

#if defined(__x86_64__)
static void for_each_line(const void *addr, size_t len, enum method m)
{
	uintptr_t p = (uintptr_t)addr & ~(uintptr_t)(CACHELINE - 1);
	uintptr_t end = (uintptr_t)addr + len;

	for (; p < end; p += CACHELINE) {
		switch (m) {
		case M_CLWB:
			clwb((const void *)p);
			break;
		case M_CLFLUSHOPT:
			clflushopt((const void *)p);
			break;
		default:
			clflush((const void *)p);
			break;
		}
	}
}
#endif

void famfs_cache_flush(const void *addr, size_t len)
{
#if defined(__x86_64__)
	enum method m = method();

	if (m == M_NONE || !len)
		return;
	for_each_line(addr, len, m);
	sfence();
#else
	(void)addr;
	(void)len;
#endif
}

void famfs_cache_invalidate(const void *addr, size_t len)
{
#if defined(__x86_64__)
	enum method m = method();

	if (m == M_NONE || !len)
		return;
	/* CLWB does not evict: invalidation needs a flushing instruction. */
	sfence();
	for_each_line(addr, len, m == M_CLWB ? M_CLFLUSHOPT : m);
	sfence();
#else
	(void)addr;
	(void)len;
#endif
}
