// SPDX-License-Identifier: GPL-2.0-or-later
/* xol record: run a program with probes armed and write every hit into a perf.data file. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "builtin.h"
#include "perf-data.h"
#include "run.h"
#include "trace/events.h"

static void usage(FILE *out)
{
	fprintf(out,
		"usage: xol record -e DEF|SPEC [-e DEF|SPEC]... [-x BIN] [--probe-file FILE] [-o FILE|-]\n"
		"                  [--buffer-size SIZE] [--trap] [-v]\n"
		"                  [-D MSECS|-1] [--control fifo:CTL[,ACK]|fd:CTL[,ACK]]\n"
		"                  {-- CMD [ARGS] | -p PID[,PID...] [--duration SECS]}\n");
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
	static const struct run_cmd cmd = { .name = "record", .usage = usage };
	struct record_ctx rc = { 0 };
	struct run r = { 0 };
	const char *output;
	int ret, err;

	ret = run_parse(&r, &cmd, argc, argv);
	if (ret >= 0) {
		run_release(&r);
		return ret;
	}
	output = r.output ? r.output : "xol.data";

	unsigned nev = 0;
	for (const struct tp_event *e = tp_first_event(r.defs.evs); e; e = e->next)
		nev++;
	const struct tp_event **evs = calloc(nev + 1, sizeof(*evs));
	if (!evs) {
		run_release(&r);
		return 1;
	}
	nev = 0;
	for (const struct tp_event *e = tp_first_event(r.defs.evs); e; e = e->next)
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
			run_release(&r);
			return 1;
		}
	}
	err = perfw_open(&rc.w, &wo);
	if (err) {
		fprintf(stderr, "xol record: %s: %s\n", output, strerror(-err));
		free(evs);
		run_release(&r);
		return 1;
	}
	r.so.sink = write_hit;
	r.so.sink_ctx = &rc;
	r.so.sink_reads_once = true; /* perfw_sample copies the record into its buffer */
	ret = run_start(&r);
	if (ret >= 0) {
		perfw_abort(rc.w);
		free(evs);
		run_release(&r);
		return ret;
	}
	struct session *sp = &r.s;
	int status = run_wait(&r);

	uint64_t lost_total = 0;
	for (unsigned i = 0; i < sp->nevents; i++) {
		uint64_t t[3];
		session_totals(sp, i, t);
		if (t[2]) {
			lost_total += t[2];
			if (!rc.err)
				rc.err = perfw_lost(rc.w, sp->events[i], t[2]);
		}
	}
	if (r.so.verbose)
		session_print_summary(sp, stderr);

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
		for (unsigned i = 0; i < sp->nevents; i++) {
			uint64_t t[3];
			session_totals(sp, i, t);
			if (t[2])
				fprintf(stderr, "WARNING:   %s:%s: %llu of %llu hits lost\n",
					sp->events[i]->group, sp->events[i]->name,
					(unsigned long long)t[2], (unsigned long long)t[0]);
		}
		fprintf(stderr, "WARNING: try a larger --buffer-size\n\n");
	}
	free(evs);
	run_release(&r);
	if (rc.err)
		return 1;
	return session_exit_code(status);
}
