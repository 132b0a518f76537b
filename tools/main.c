// SPDX-License-Identifier: Apache-2.0
/*
 * famfs: offline tools for a famfs device or image that is not mounted.
 * "mkfs.famfs ARGS" is the same program as "famfs mkfs ARGS".
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

struct subcmd {
	const char *name;
	int (*fn)(struct cli *c, int argc, char **argv);
	const char *summary;
};

static const struct subcmd subcmds[] = {
	{ "mkfs", cmd_mkfs, "format a device or image" },
	{ "fsck", cmd_fsck, "check the superblock, the log and the space" },
	{ "ls", cmd_ls, "list directories and files" },
	{ "logdump", cmd_logdump, "print every log entry" },
	{ "mkdir", cmd_mkdir, "create directories" },
	{ "creat", cmd_creat, "create and allocate a file" },
	{ "cp", cmd_cp, "copy host files and trees into the file system" },
	{ "verify", cmd_verify, "check a file against a seeded pattern" },
	{ "cat", cmd_cat, "write a file's bytes to stdout" },
};

#define NSUBCMDS (sizeof(subcmds) / sizeof(subcmds[0]))

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: famfs [--system-uuid-file PATH] COMMAND [OPTIONS] DEV "
		"...\n"
		"Work on a famfs device (/dev/daxX.Y) or image file that is "
		"NOT mounted.\n\nCommands:\n");
	for (size_t i = 0; i < NSUBCMDS; i++)
		fprintf(f, "  %-8s %s\n", subcmds[i].name, subcmds[i].summary);
	fprintf(f,
		"\nGlobal options:\n"
		"  --system-uuid-file PATH  this host's system UUID (default "
		"$FAMFS_SYSTEM_UUID_FILE,\n"
		"                           else " FAMFS_SYSTEM_UUID_PATH ")\n"
		"  --journal-dir DIR        famfsd's recovery journals (default "
		"$FAMFS_JOURNAL_DIR,\n"
		"                           else " FAMFS_JOURNAL_DIR ")\n"
		"  -h, --help               this help; famfs COMMAND --help "
		"for a command\n"
		"  -V, --version            print the version\n\n" CLI_EXIT_HELP
		"(fsck: 0 clean, 1 errors found, 2 could not check.)\n");
}

static int run(struct cli *c, const struct subcmd *s, int argc, char **argv)
{
	optind = 0; /* full getopt reset for the subcommand */
	opterr = 0; /* one error line, ours */
	return s->fn(c, argc, argv);
}

int main(int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ "system-uuid-file", required_argument, NULL, OPT_UUID_FILE },
		{ "journal-dir", required_argument, NULL, OPT_JOURNAL_DIR },
		{ NULL, 0, NULL, 0 },
	};
	static char prog[64];
	struct cli c = { "famfs", getenv("FAMFS_SYSTEM_UUID_FILE"),
			 getenv("FAMFS_JOURNAL_DIR") };
	const char *base = strrchr(argv[0], '/');
	int opt;

	if (c.uuid_file && !*c.uuid_file)
		c.uuid_file = NULL;
	base = base ? base + 1 : argv[0];
	if (!strcmp(base, "mkfs.famfs")) {
		c.prog = "mkfs.famfs";
		return run(&c, &subcmds[0], argc, argv);
	}
	opterr = 0;
	while ((opt = getopt_long(argc, argv, "+hV", lopts, NULL)) != -1) {
		switch (opt) {
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf("famfs %s\n", FAMFS_VERSION_STRING);
			return 0;
		case OPT_UUID_FILE:
			c.uuid_file = optarg;
			break;
		case OPT_JOURNAL_DIR:
			c.journal_dir = optarg;
			break;
		default:
			return cli_bad_opt(&c, argv);
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return EXIT_USAGE;
	}
	for (size_t i = 0; i < NSUBCMDS; i++) {
		if (strcmp(argv[optind], subcmds[i].name))
			continue;
		snprintf(prog, sizeof(prog), "famfs %s", subcmds[i].name);
		c.prog = prog;
		return run(&c, &subcmds[i], argc - optind, argv + optind);
	}
	return cli_usage_err(&c, "unknown command '%s'; try 'famfs --help'",
			     argv[optind]);
}
