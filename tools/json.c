// SPDX-License-Identifier: Apache-2.0
/* A minimal streaming JSON writer (two-space indent, valid UTF-8 passes). */
#include <string.h>

#include "cli.h"

void json_init(struct json *j, FILE *f)
{
	memset(j, 0, sizeof(*j));
	j->f = f;
	j->first[0] = true;
}

static void indent(struct json *j)
{
	fputc('\n', j->f);
	for (int i = 0; i < j->depth; i++)
		fputs("  ", j->f);
}

static void put_string(FILE *f, const char *s)
{
	fputc('"', f);
	for (const unsigned char *c = (const unsigned char *)s; *c; c++) {
		if (*c == '"' || *c == '\\')
			fprintf(f, "\\%c", *c);
		else if (*c == '\n')
			fputs("\\n", f);
		else if (*c == '\t')
			fputs("\\t", f);
		else if (*c < 0x20 || *c == 0x7f)
			fprintf(f, "\\u%04x", *c);
		else
			fputc(*c, f);
	}
	fputc('"', f);
}

/* Separator, indentation and key for the next value. */
static void next(struct json *j, const char *key)
{
	if (j->depth > 0) {
		if (!j->first[j->depth])
			fputc(',', j->f);
		indent(j);
	}
	j->first[j->depth] = false;
	if (key) {
		put_string(j->f, key);
		fputs(": ", j->f);
	}
}

static void open_c(struct json *j, const char *key, char ch)
{
	next(j, key);
	fputc(ch, j->f);
	if (j->depth < 31)
		j->depth++;
	j->first[j->depth] = true;
}

static void close_c(struct json *j, char ch)
{
	bool empty = j->first[j->depth];

	j->depth--;
	if (!empty)
		indent(j);
	fputc(ch, j->f);
}

void json_obj(struct json *j, const char *key)
{
	open_c(j, key, '{');
}

void json_arr(struct json *j, const char *key)
{
	open_c(j, key, '[');
}

void json_end_obj(struct json *j)
{
	close_c(j, '}');
}

void json_end_arr(struct json *j)
{
	close_c(j, ']');
}

void json_str(struct json *j, const char *key, const char *v)
{
	next(j, key);
	put_string(j->f, v);
}

void json_u64(struct json *j, const char *key, uint64_t v)
{
	next(j, key);
	fprintf(j->f, "%llu", (unsigned long long)v);
}

void json_i64(struct json *j, const char *key, int64_t v)
{
	next(j, key);
	fprintf(j->f, "%lld", (long long)v);
}

void json_dbl(struct json *j, const char *key, double v)
{
	next(j, key);
	fprintf(j->f, "%.2f", v);
}

void json_bool(struct json *j, const char *key, bool v)
{
	next(j, key);
	fputs(v ? "true" : "false", j->f);
}

void json_done(struct json *j)
{
	fputc('\n', j->f);
}
