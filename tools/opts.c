// SPDX-License-Identifier: Apache-2.0
/* CLI messages and the options every subcommand shares. */
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>

#include "cli.h"

static void vmsg(const struct cli *c, const char *pre, const char *fmt,
		 va_list ap)
{
	fprintf(stderr, "%s: %s", c->prog, pre);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

int cli_err(const struct cli *c, int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg(c, "", fmt, ap);
	va_end(ap);
	return code;
}

void cli_warn(const struct cli *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg(c, "warning: ", fmt, ap);
	va_end(ap);
}

int cli_usage_err(const struct cli *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg(c, "", fmt, ap);
	va_end(ap);
	return EXIT_USAGE;
}

int cli_bad_opt(const struct cli *c, char **argv)
{
	if (optopt && optopt < 0x100)
		return cli_usage_err(c,
				     "bad option or missing argument: -%c; "
				     "try '%s --help'",
				     optopt, c->prog);
	return cli_usage_err(c, "bad option '%s'; try '%s --help'",
			     argv[optind - 1], c->prog);
}

bool cli_common_opt(struct cli *c, int opt, const char *arg)
{
	if (opt == OPT_UUID_FILE) {
		c->uuid_file = arg;
		return true;
	}
	return false;
}
