// SPDX-License-Identifier: Apache-2.0
/* CLI argument parsing: numbers, sizes, modes, paths; output formatting. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"

/* Digits only (no sign, no spaces): strtoull alone accepts " -1". */
static int parse_digits(const char *s, int base, uint64_t *out, char **end)
{
	unsigned long long v;

	if (!s || !*s)
		return -EINVAL;
	if (!(base == 16 ? isxdigit((unsigned char)*s) :
			   isdigit((unsigned char)*s)))
		return -EINVAL;
	errno = 0;
	v = strtoull(s, end, base);
	if (errno)
		return -ERANGE;
	*out = v;
	return 0;
}

int cli_parse_u64(const char *s, uint64_t *out)
{
	char *end;
	int rc;

	if (s && (!strncmp(s, "0x", 2) || !strncmp(s, "0X", 2)))
		rc = parse_digits(s + 2, 16, out, &end);
	else
		rc = parse_digits(s, 10, out, &end);
	if (rc)
		return rc;
	return *end ? -EINVAL : 0;
}

int cli_parse_u32(const char *s, uint32_t *out)
{
	uint64_t v;
	int rc = cli_parse_u64(s, &v);

	if (rc)
		return rc;
	if (v > UINT32_MAX)
		return -ERANGE;
	*out = (uint32_t)v;
	return 0;
}

int cli_parse_size(const char *s, uint64_t *out)
{
	static const char units[] = "kmgt"; /* 1024^1.. */
	uint64_t v, mult = 1;
	char *end;
	int rc;

	rc = parse_digits(s, 10, &v, &end);
	if (rc)
		return rc;
	if (*end) {
		const char *u = strchr(units, tolower((unsigned char)*end));

		if (!u || end[1])
			return -EINVAL;
		mult = 1ULL << (10 * (u - units + 1));
	}
	if (__builtin_mul_overflow(v, mult, out))
		return -ERANGE;
	return 0;
}

int cli_parse_mode(const char *s, uint32_t *out)
{
	uint64_t v;
	char *end;
	int rc;

	rc = parse_digits(s, 8, &v, &end);
	if (rc)
		return rc;
	if (*end)
		return -EINVAL;
	if (v > 07777)
		return -ERANGE;
	*out = (uint32_t)v;
	return 0;
}

const char *cli_human(uint64_t bytes, char *buf, size_t len)
{
	static const char *const unit[] = { "B",   "KiB", "MiB",
					    "GiB", "TiB", "PiB" };
	double v = (double)bytes;
	unsigned u = 0;

	while (v >= 1024 && u < 5) {
		v /= 1024;
		u++;
	}
	if (u == 0)
		snprintf(buf, len, "%llu B", (unsigned long long)bytes);
	else
		snprintf(buf, len, "%.1f %s", v, unit[u]);
	return buf;
}

const char *cli_mode_str(uint32_t mode, char *buf)
{
	static const char rwx[] = "rwxrwxrwx";

	buf[0] = S_ISDIR(mode) ? 'd' : S_ISREG(mode) ? '-' : '?';
	for (int i = 0; i < 9; i++)
		buf[1 + i] = (mode & (0400u >> i)) ? rwx[i] : '-';
	if (mode & S_ISUID)
		buf[3] = (mode & 0100) ? 's' : 'S';
	if (mode & S_ISGID)
		buf[6] = (mode & 0010) ? 's' : 'S';
	if (mode & S_ISVTX)
		buf[9] = (mode & 0001) ? 't' : 'T';
	buf[10] = '\0';
	return buf;
}

int cli_normpath(const char *in, char *out, size_t outlen)
{
	size_t n = 0;
	const char *c = in;

	while (*c) {
		const char *slash;
		size_t len;

		while (*c == '/')
			c++;
		if (!*c)
			break;
		slash = strchr(c, '/');
		len = slash ? (size_t)(slash - c) : strlen(c);
		if (len == 1 && c[0] == '.') {
			c += len;
			continue;
		}
		if (len == 2 && c[0] == '.' && c[1] == '.')
			return -EINVAL;
		if (n + !!n + len >= outlen ||
		    n + !!n + len >= FAMFS_MAX_PATHLEN)
			return -ENAMETOOLONG;
		if (n)
			out[n++] = '/';
		memcpy(out + n, c, len);
		n += len;
		c += len;
	}
	if (!outlen)
		return -ENAMETOOLONG;
	out[n] = '\0';
	return 0;
}

int cli_bad_path(const struct cli *c, const char *arg, int rc)
{
	return cli_err(c, EXIT_USAGE, "%s: %s", arg,
		       rc == -ENAMETOOLONG ?
			       "name too long (famfs paths are at most 79 "
			       "bytes)" :
			       "'..' is not allowed");
}
