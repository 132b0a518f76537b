// SPDX-License-Identifier: Apache-2.0
/*
 * Replay saved fuzz inputs through the same harness code in any build:
 *   fuzz-regress TARGET FILE|DIR...
 * An input that breaks an invariant aborts; a clean run prints a count.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "harness.h"

typedef int (*fz_fn)(const uint8_t *data, size_t size);

static int run_file(fz_fn fn, const char *path)
{
	uint8_t *buf = NULL;
	size_t cap = 0, n = 0, r;
	FILE *f = fopen(path, "rb");

	if (!f) {
		perror(path);
		return -1;
	}
	do {
		if (n == cap) {
			uint8_t *p;

			cap = cap ? cap * 2 : 65536;
			p = realloc(buf, cap);
			if (!p) {
				fclose(f);
				free(buf);
				return -1;
			}
			buf = p;
		}
		r = fread(buf + n, 1, cap - n, f);
		n += r;
	} while (r);
	fclose(f);
	fn(buf, n);
	free(buf);
	return 0;
}

static int run_path(fz_fn fn, const char *path, unsigned *count)
{
	struct dirent **names;
	struct stat st;
	int n, rc = 0;

	if (stat(path, &st)) {
		perror(path);
		return -1;
	}
	if (!S_ISDIR(st.st_mode)) {
		(*count)++;
		return run_file(fn, path);
	}
	n = scandir(path, &names, NULL, alphasort);
	if (n < 0) {
		perror(path);
		return -1;
	}
	for (int i = 0; i < n; i++) {
		char sub[4096];

		if (names[i]->d_name[0] != '.' && !rc) {
			snprintf(sub, sizeof(sub), "%s/%s", path,
				 names[i]->d_name);
			rc = run_path(fn, sub, count);
		}
		free(names[i]);
	}
	free(names);
	return rc;
}

int main(int argc, char **argv)
{
	static const struct {
		const char *name;
		fz_fn fn;
	} targets[] = {
		{ "header", fz_header },
		{ "image", fz_image },
		{ "entry", fz_entry },
		{ "alloc", fz_alloc },
	};
	fz_fn fn = NULL;
	unsigned count = 0;

	if (argc < 3) {
		fprintf(stderr,
			"usage: %s header|image|entry|alloc FILE|DIR...\n",
			argv[0]);
		return 2;
	}
	for (size_t i = 0; i < sizeof(targets) / sizeof(targets[0]); i++)
		if (!strcmp(argv[1], targets[i].name))
			fn = targets[i].fn;
	if (!fn) {
		fprintf(stderr, "%s: unknown target %s\n", argv[0], argv[1]);
		return 2;
	}
	for (int i = 2; i < argc; i++)
		if (run_path(fn, argv[i], &count))
			return 1;
	if (!count) {
		fprintf(stderr, "%s: no inputs found\n", argv[0]);
		return 1;
	}
	printf("%s: %u input(s) replayed cleanly\n", argv[1], count);
	return 0;
}
