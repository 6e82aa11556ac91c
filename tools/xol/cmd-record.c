// SPDX-License-Identifier: GPL-2.0-or-later
/* xol record: run a program with probes armed and write every hit into a perf.data file. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "builtin.h"
#include "defs.h"
#include "perf-data.h"
#include "session.h"
#include "trace/events.h"

static void usage(FILE *out)
{
	fprintf(out,
		"usage: xol record -e DEF [-e DEF]... [--probe-file FILE] [-o FILE|-]\n"
		"                  [--buffer-size SIZE] [--trap] [-v] -- CMD [ARGS]\n");
}

struct record_ctx {
	struct perf_writer *w;
	int err;
};

static void write_hit(struct session *s, const struct session_rec *r, void *ctx)
{
	struct record_ctx *rc = ctx;

	(void)s;
	if (rc->err)
		return;
	rc->err = perfw_sample(rc->w, r->event, r->pid, r->tid, r->cpu, r->ns, r->comm, r->data,
			       r->size);
}

int cmd_record(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "event", required_argument, NULL, 'e' },
		{ "probe-file", required_argument, NULL, 'F' },
		{ "output", required_argument, NULL, 'o' },
		{ "buffer-size", required_argument, NULL, 'b' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "trap", no_argument, NULL, 'T' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	struct session_opts so = { 0 };
	struct record_ctx rc = { 0 };
	const char *output = "xol.data";
	struct defs defs;
	struct session s;
	int c, err;

	defs_init(&defs);
	while ((c = getopt_long(argc, argv, "+e:F:o:b:vh", opts, NULL)) != -1) {
		switch (c) {
		case 'e':
			if (defs_add_text(&defs, optarg))
				return 1;
			break;
		case 'F':
			if (defs_add_file(&defs, optarg))
				return 1;
			break;
		case 'o':
			output = optarg;
			break;
		case 'b':
			if (parse_size(optarg, &so.buffer_size) || so.buffer_size < SESSION_BUFFER_MIN) {
				fprintf(stderr, "xol record: bad --buffer-size '%s' (at least %uk)\n",
					optarg, SESSION_BUFFER_MIN >> 10);
				return 2;
			}
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
		if (!defs.nprobes)
			fprintf(stderr, "xol record: no probe defined (-e DEF)\n");
		defs_release(&defs);
		return 2;
	}

	unsigned nev = 0;
	for (const struct tp_event *e = tp_first_event(defs.evs); e; e = e->next)
		nev++;
	const struct tp_event **evs = calloc(nev + 1, sizeof(*evs));
	if (!evs) {
		defs_release(&defs);
		return 1;
	}
	nev = 0;
	for (const struct tp_event *e = tp_first_event(defs.evs); e; e = e->next)
		evs[nev++] = e;

	/* argv from "record" on, as perf keeps its own command line */
	struct perf_writer_opts wo = { .path = output, .events = evs, .nevents = nev,
				       .cmdline = argv, .pipe_fd = -1 };
	/*
	 * Pipe mode: the data keeps stdout to itself, and the program's own
	 * stdout goes to stderr, or its output would corrupt the stream.
	 */
	if (!strcmp(output, "-")) {
		wo.pipe_fd = fcntl(STDOUT_FILENO, F_DUPFD_CLOEXEC, 3);
		if (wo.pipe_fd < 0 || dup2(STDERR_FILENO, STDOUT_FILENO) < 0) {
			fprintf(stderr, "xol record: stdout: %s\n", strerror(errno));
			free(evs);
			defs_release(&defs);
			return 1;
		}
	}
	err = perfw_open(&rc.w, &wo);
	if (err) {
		fprintf(stderr, "xol record: %s: %s\n", output, strerror(-err));
		free(evs);
		defs_release(&defs);
		return 1;
	}
	so.sink = write_hit;
	so.sink_ctx = &rc;

	err = session_init(&s, defs.evs, &so);
	if (!err)
		err = session_spawn(&s, argv + optind);
	if (err) {
		fprintf(stderr, "xol record: %s: %s\n", argv[optind], strerror(-err));
		session_destroy(&s);
		perfw_abort(rc.w);
		free(evs);
		defs_release(&defs);
		return 127;
	}
	int status = session_run(&s);

	uint64_t lost_total = 0;
	for (unsigned i = 0; i < s.nevents; i++) {
		uint64_t t[3];
		session_totals(&s, i, t);
		if (t[2]) {
			lost_total += t[2];
			if (!rc.err)
				rc.err = perfw_lost(rc.w, s.events[i], t[2]);
		}
	}
	if (so.verbose)
		session_print_summary(&s, stderr);

	uint64_t bytes = 0, samples = 0;
	int cerr = perfw_close(rc.w, &bytes, &samples);
	if (!rc.err)
		rc.err = cerr;
	if (rc.err) {
		fprintf(stderr, "xol record: writing %s: %s\n", output, strerror(-rc.err));
	} else {
		fprintf(stderr, "[ xol record: Captured and wrote %.3f MB %s (%llu samples) ]\n",
			(double)bytes / 1024.0 / 1024.0, !strcmp(output, "-") ? "<stdout>" : output,
			(unsigned long long)samples);
	}
	if (lost_total) {
		fprintf(stderr, "\nWARNING: xol record: %llu records LOST (the ring buffers were full)\n",
			(unsigned long long)lost_total);
		for (unsigned i = 0; i < s.nevents; i++) {
			uint64_t t[3];
			session_totals(&s, i, t);
			if (t[2])
				fprintf(stderr, "WARNING:   %s:%s: %llu of %llu hits lost\n",
					s.events[i]->group, s.events[i]->name,
					(unsigned long long)t[2], (unsigned long long)t[0]);
		}
		fprintf(stderr, "WARNING: try a larger --buffer-size\n\n");
	}
	session_destroy(&s);
	free(evs);
	defs_release(&defs);
	if (rc.err)
		return 1;
	return session_exit_code(status);
}
