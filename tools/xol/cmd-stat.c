// SPDX-License-Identifier: GPL-2.0-or-later
/* xol stat: run a program with probes armed and count their hits, recording nothing. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "builtin.h"
#include "defs.h"
#include "session.h"

static void usage(FILE *out)
{
	fprintf(out, "usage: xol stat -e DEF [-e DEF]... [--probe-file FILE] [-x SEP] [-o OUT] [--trap] [-v]\n"
		     "                -- CMD [ARGS]\n");
}

/* As perf stat prints counts: the command, one line per event, the time. */
static void print_counts(const struct session *s, char **argv, double secs, FILE *out)
{
	fprintf(out, "\n Performance counter stats for '");
	for (char **a = argv; *a; a++)
		fprintf(out, "%s%s", a == argv ? "" : " ", *a);
	fprintf(out, "':\n\n");
	for (unsigned i = 0; i < s->nevents; i++) {
		uint64_t t[3];
		session_totals(s, i, t);
		fprintf(out, "%18llu      %s:%s", (unsigned long long)t[0], s->events[i]->group,
			s->events[i]->name);
		if (t[1])
			fprintf(out, "  (%llu missed)", (unsigned long long)t[1]);
		fprintf(out, "\n");
	}
	fprintf(out, "\n%17.9f seconds time elapsed\n\n", secs);
}

int cmd_stat(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "event", required_argument, NULL, 'e' },
		{ "probe-file", required_argument, NULL, 'F' },
		{ "field-separator", required_argument, NULL, 'x' },
		{ "output", required_argument, NULL, 'o' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "trap", no_argument, NULL, 'T' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	struct session_opts so = { .count_only = true };
	const char *sep = NULL, *output = NULL;
	struct timespec t0, t1;
	struct defs defs;
	struct session s;
	FILE *out = stderr;
	int c, err;

	defs_init(&defs);
	while ((c = getopt_long(argc, argv, "+e:F:x:o:vh", opts, NULL)) != -1) {
		switch (c) {
		case 'e':
			if (defs_add_text(&defs, optarg))
				return 1;
			break;
		case 'F':
			if (defs_add_file(&defs, optarg))
				return 1;
			break;
		case 'x':
			sep = optarg;
			break;
		case 'o':
			output = optarg;
			break;
		case 'v':
			so.verbose++;
			break;
		case 'T':
			so.no_jump = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind >= argc || !defs.nprobes) {
		usage(stderr);
		return 2;
	}
	if (output && !(out = fopen(output, "w"))) {
		perror(output);
		return 1;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	err = session_init(&s, defs.evs, &so);
	if (!err)
		err = session_spawn(&s, argv + optind);
	if (err) {
		fprintf(stderr, "xol stat: %s: %s\n", argv[optind], strerror(-err));
		session_destroy(&s);
		defs_release(&defs);
		return 127;
	}
	int status = session_run(&s);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	if (sep) {
		for (unsigned i = 0; i < s.nevents; i++) {
			uint64_t t[3];
			session_totals(&s, i, t);
			fprintf(out, "%llu%s%llu%s%s:%s\n", (unsigned long long)t[0], sep,
				(unsigned long long)t[1], sep, s.events[i]->group, s.events[i]->name);
		}
	} else {
		print_counts(&s, argv + optind, (double)(t1.tv_sec - t0.tv_sec) +
				 (double)(t1.tv_nsec - t0.tv_nsec) / 1e9, out);
	}
	if (out != stderr)
		fclose(out);
	session_destroy(&s);
	defs_release(&defs);
	return session_exit_code(status);
}
