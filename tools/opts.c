// SPDX-License-Identifier: Apache-2.0
/* CLI messages and the option loop every subcommand shares. */
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

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

void cli_owner_init(struct cli_owner *o, uint32_t mode)
{
	o->mode = mode;
	o->uid = geteuid();
	o->gid = getegid();
	o->have_mode = false;
}

/* -m/-u/-g into @o: 0, EXIT_USAGE (printed), or -1 if not one of them. */
static int owner_opt(const struct cli *c, struct cli_owner *o, int opt,
		     const char *val)
{
	switch (opt) {
	case 'm':
		if (cli_parse_mode(val, &o->mode))
			return cli_usage_err(c, "bad mode '%s'", val);
		o->have_mode = true;
		return 0;
	case 'u':
		if (cli_parse_u32(val, &o->uid))
			return cli_usage_err(c, "bad uid '%s'", val);
		return 0;
	case 'g':
		if (cli_parse_u32(val, &o->gid))
			return cli_usage_err(c, "bad gid '%s'", val);
		return 0;
	default:
		return -1;
	}
}

/* Set the flag for @opt: 0, or -1 if @opt is not a flag. */
static int flag_opt(const struct cli_flag *f, int opt)
{
	for (; f && f->opt; f++) {
		if (f->opt == opt) {
			*f->set = true;
			return 0;
		}
	}
	return -1;
}

/* Rows every subcommand gets; the last three with an owner only. */
static const struct option common[] = {
	{ "help", no_argument, NULL, 'h' },
	{ "system-uuid-file", required_argument, NULL, OPT_UUID_FILE },
	{ "mode", required_argument, NULL, 'm' },
	{ "uid", required_argument, NULL, 'u' },
	{ "gid", required_argument, NULL, 'g' },
};

#define NCOMMON (sizeof(common) / sizeof(common[0]))

/*
 * The command's @n rows, then the shared ones, into @lopts (NULL row
 * last); @shortopts gets every row whose value is a character.
 */
static void merge_opts(const struct cli_optspec *s, size_t n,
		       struct option *lopts, char *shortopts)
{
	size_t all = n + (s->owner ? NCOMMON : 2);

	if (n)
		memcpy(lopts, s->lopts, n * sizeof(*lopts));
	memcpy(lopts + n, common, (all - n) * sizeof(*lopts));
	memset(&lopts[all], 0, sizeof(*lopts));
	for (size_t i = 0; i < all; i++) {
		if (lopts[i].val >= 0x100)
			continue;
		*shortopts++ = (char)lopts[i].val;
		if (lopts[i].has_arg == required_argument)
			*shortopts++ = ':';
	}
	*shortopts = '\0';
}

/* Options only: 0, an exit code (printed), or -1 after --help. */
static int parse(struct cli *c, const struct cli_optspec *s, int argc,
		 char **argv)
{
	size_t n = 0;
	int opt, rc;

	while (s->lopts && s->lopts[n].name)
		n++;
	struct option lopts[n + NCOMMON + 1];
	char shortopts[2 * (n + NCOMMON) + 1];

	merge_opts(s, n, lopts, shortopts);
	while ((opt = getopt_long(argc, argv, shortopts, lopts, NULL)) != -1) {
		if (opt == OPT_UUID_FILE) {
			c->uuid_file = optarg;
			continue;
		}
		if (opt == 'h') {
			printf(s->usage, c->prog);
			return -1;
		}
		rc = flag_opt(s->flags, opt);
		if (rc < 0 && s->owner)
			rc = owner_opt(c, s->owner, opt, optarg);
		if (rc < 0 && s->opt && opt != '?')
			rc = s->opt(c, s->arg, opt, optarg);
		if (rc < 0)
			return cli_bad_opt(c, argv);
		if (rc)
			return rc;
	}
	return 0; /* optind: the first operand */
}

bool cli_parse_opts(struct cli *c, const struct cli_optspec *s, int argc,
		    char **argv, int *ret)
{
	int rc = parse(c, s, argc, argv);

	if (!rc && s->args.what)
		rc = cli_nargs(c, argc, s->args.lo, s->args.hi, s->args.what);
	*ret = rc < 0 ? 0 : rc;
	return !rc;
}

int cli_nargs(const struct cli *c, int argc, int lo, int hi, const char *what)
{
	int n = argc - optind;

	if (n >= lo && (hi < 0 || n <= hi))
		return 0;
	return cli_usage_err(c, "expected %s; try '%s --help'", what, c->prog);
}
