// SPDX-License-Identifier: GPL-2.0-or-later
/* xol stat: run a program with probes armed and count their hits, recording nothing. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "builtin.h"
#include "attach.h"
#include "defs.h"
#include "session.h"

static void usage(FILE *out)
{
	fprintf(out, "usage: xol stat -e DEF|SPEC [-e DEF|SPEC]... [-x BIN|--exec BIN] [--probe-file FILE] [-x SEP] [-o OUT]\n"
		     "                [--trap] [-v]\n"
		     "                {-- CMD [ARGS] | -p PID[,PID...] [--duration SECS]}\n");
}

static bool is_dir(const char *p)
{
	struct stat st;

	return !stat(p, &st) && S_ISDIR(st.st_mode);
}

/* As perf stat prints counts: the command, one line per event, the time. */
static void print_counts(const struct session *s, char **argv, double secs, FILE *out)
{
	if (!*argv) {
		fprintf(out, "\n Performance counter stats for process id '");
		for (unsigned i = 0; i < s->nattached; i++)
			fprintf(out, "%s%d", i ? "," : "", s->attached[i]);
	} else {
		fprintf(out, "\n Performance counter stats for '");
	}
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
		{ "exec", required_argument, NULL, 'X' },
		{ "debug-dir", required_argument, NULL, 'D' },
		{ "probe-file", required_argument, NULL, 'F' },
		{ "field-separator", required_argument, NULL, 'x' },
		{ "output", required_argument, NULL, 'o' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "trap", no_argument, NULL, 'T' },
		{ "pid", required_argument, NULL, 'p' },
		{ "duration", required_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	struct session_opts so = { .count_only = true };
	const char *sep = NULL, *output = NULL;
	struct timespec t0, t1;
	struct attach_opts ao = { 0 };
	struct defs defs;
	struct session s;
	FILE *out = stderr;
	int c, err;

	defs_init(&defs);
	while ((c = getopt_long(argc, argv, "+e:F:x:o:p:vh", opts, NULL)) != -1) {
		switch (c) {
		case 'e':
			if (defs_add_event(&defs, optarg))
				return 1;
			break;
		case 'X':
			defs.exec = optarg;
			break;
		case 'D':
			defs.debug_dir = optarg;
			break;
		case 'F':
			if (defs_add_file(&defs, optarg))
				return 1;
			break;
		case 'x':
			/* -x BIN (probe specs' binary) when it names a file, else perf stat's -x SEP */
			if (access(optarg, F_OK) == 0 && !is_dir(optarg))
				defs.exec = optarg;
			else
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
		case 'p':
		case 'd':
			if (attach_opt(&ao, c, optarg))
				return 2;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (defs_finish(&defs))
		return 1;
	if ((optind >= argc) == !ao.npids || !defs.nprobes || (ao.duration && !ao.npids)) {
		usage(stderr);
		return 2;
	}
	if (output && !(out = fopen(output, "w"))) {
		perror(output);
		return 1;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	err = session_init(&s, defs.evs, &so);
	if (!err && ao.npids)
		err = attach_start(&s, &ao);
	else if (!err)
		err = session_spawn(&s, argv + optind);
	if (err && ao.npids) {
		session_destroy(&s);
		defs_release(&defs);
		return 1;
	}
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
	free(ao.pids);
	return session_exit_code(status);
}
