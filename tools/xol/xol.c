// SPDX-License-Identifier: GPL-2.0-or-later
/* The xol command: dispatch to one subcommand per file. */
#include <stdio.h>
#include <string.h>

#include "builtin.h"

static const struct {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *help;
} commands[] = {
	{ "events", cmd_events, "check and list uprobe_events definitions" },
	{ "trace", cmd_trace, "run a program with probes armed, print each hit" },
	{ "stat", cmd_stat, "run a program with probes armed, count hits" },
	{ "record", cmd_record, "run a program with probes armed, write perf.data" },
	{ "script", cmd_script, "print a perf.data file as perf script does, or run handlers" },
	{ "report", cmd_report, "aggregate a perf.data file: hits per key, histograms, latency" },
	{ "probe", cmd_probe, "resolve perf probe specs (functions, lines, variables) into definitions" },
	{ "list", cmd_list, "list a binary's SDT markers (list sdt -x BIN)" },
};

static void usage(FILE *out)
{
	fprintf(out, "usage: xol COMMAND [ARGS]\n\ncommands:\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(out, "  %-10s %s\n", commands[i].name, commands[i].help);
	fprintf(out, "\nSee Documentation/xol-COMMAND.md, or xol COMMAND --help.\n");
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") || !strcmp(argv[1], "help")) {
		usage(stdout);
		return 0;
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(argv[1], commands[i].name))
			return commands[i].fn(argc - 1, argv + 1);
	fprintf(stderr, "xol: '%s' is not a command\n", argv[1]);
	usage(stderr);
	return 2;
}
