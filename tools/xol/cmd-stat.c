// SPDX-License-Identifier: GPL-2.0-or-later
/* xol stat: run a program with probes armed and count their hits, recording nothing. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "builtin.h"
#include "run.h"

static void usage(FILE *out)
{
	fprintf(out, "usage: xol stat -e DEF|SPEC [-e DEF|SPEC]... [-x BIN|--exec BIN] [--probe-file FILE] [-x SEP] [-o OUT]\n"
		     "                [--trap] [-v] [-D MSECS|-1] [--control fifo:CTL[,ACK]|fd:CTL[,ACK]]\n"
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
	if (!argv) {
		fprintf(out, "\n Performance counter stats for process id '");
		for (unsigned i = 0; i < s->nattached; i++)
			fprintf(out, "%s%d", i ? "," : "", s->attached[i]);
	} else {
		fprintf(out, "\n Performance counter stats for '");
	}
	for (char **a = argv; a && *a; a++)
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

/* -x SEP as perf stat takes it, unless it names a file: then -x BIN, the specs' binary. */
static int stat_opt(struct run *r, int c, const char *arg, void *ctx)
{
	const char **sep = ctx;

	if (c == 'x' && access(arg, F_OK) == 0 && !is_dir(arg))
		r->defs.exec = arg;
	else if (c == 'x' || c == 'S')
		*sep = arg;
	return 0;
}

int cmd_stat(int argc, char **argv)
{
	static const struct option own[] = {
		{ "field-separator", required_argument, NULL, 'S' },
		{ 0 }
	};
	const char *sep = NULL;
	const struct run_cmd cmd = { .name = "stat", .shortopts = "x:", .longopts = own,
				     .opt = stat_opt, .usage = usage, .ctx = &sep };
	struct run r = { .so.count_only = true };
	struct timespec t0, t1;
	FILE *out = stderr;
	int ret;

	ret = run_parse(&r, &cmd, argc, argv);
	if (ret >= 0)
		goto out;
	if (r.output && !(out = fopen(r.output, "w"))) {
		perror(r.output);
		ret = 1;
		goto out;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	ret = run_start(&r);
	if (ret >= 0)
		goto out;
	int status = run_wait(&r);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	if (sep) {
		for (unsigned i = 0; i < r.s.nevents; i++) {
			uint64_t t[3];
			session_totals(&r.s, i, t);
			fprintf(out, "%llu%s%llu%s%s:%s\n", (unsigned long long)t[0], sep,
				(unsigned long long)t[1], sep, r.s.events[i]->group, r.s.events[i]->name);
		}
	} else {
		print_counts(&r.s, r.cmd, (double)(t1.tv_sec - t0.tv_sec) +
				 (double)(t1.tv_nsec - t0.tv_nsec) / 1e9, out);
	}
	ret = session_exit_code(status);
out:
	if (out != stderr)
		fclose(out);
	run_release(&r);
	return ret;
}
