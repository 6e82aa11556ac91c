/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What the script-engine tests share: events defined with
 * xol_events_write(), records built by hand as the agent lays them out
 * (trace/format.c), and a run of a handler script over them with its
 * stdout and stderr captured.
 */
#ifndef XOL_SELFTESTS_60_SCRIPT_H
#define XOL_SELFTESTS_60_SCRIPT_H

#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "scripts/engine.h"
#include "selftests/unit/tap.h"
#include "trace/events.h"
#include "xol/xol.h"

#include "record.h"

/* As the kernel's header: flags and preempt count set, to see they are passed on. */
static void rec_start(struct rec *r, const struct tp_event *ev, int32_t pid, uint64_t ip,
		      uint64_t ret_ip)
{
	rec_begin(r, ev, 0, pid, ip, ret_ip);
	rec_put(r->b + 2, 0x01, 1);  /* common_flags */
	rec_put(r->b + 3, 0x02, 1);  /* common_preempt_count */
}

static struct script_sample rec_sample(const struct rec *r, uint32_t cpu, uint64_t t,
				       const char *comm)
{
	return (struct script_sample){
		.event = r->ev, .cpu = cpu, .time_ns = t, .pid = 4242, .tid = 4243,
		.comm = comm, .raw = r->b, .raw_size = r->dyn, .period = 1,
		.ip = 0x401000, .cpumode = 2,
	};
}


/* A file holding @text; returns its path (static buffer per call site). */
static const char *write_file(const char *name, const char *text)
{
	static char path[8][256];
	static unsigned n;
	char *p = path[n++ % 8];
	FILE *f;

	snprintf(p, 256, "%s/%s", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp", name);
	f = fopen(p, "w");
	if (!f)
		return p;
	fputs(text, f);
	fclose(f);
	return p;
}

/* The output of one run: stdout and stderr text, and what the calls returned. */
struct run {
	char out[16384], err[16384];
	int start, sample, stop;
};

static void slurp(int fd, char *buf, size_t size)
{
	ssize_t n = pread(fd, buf, size - 1, 0);

	buf[n > 0 ? n : 0] = 0;
}

/*
 * Run @script (whose file is @name) over @n samples with the engine for
 * @name, stdout and stderr going to files that are read back afterwards.
 */
static void run_script(struct run *r, const char *name, const char *script,
		       const struct script_sample *s, unsigned n, int argc, char **argv)
{
	const char *path = write_file(name, script);
	const struct script_engine_ops *ops = script_engine_for(path);
	char *av[8] = { (char *)path };
	int o = dup(1), e = dup(2);
	FILE *fo = tmpfile(), *fe = tmpfile();
	struct script_engine *eng;

	memset(r, 0, sizeof(*r));
	r->sample = r->stop = -99;
	for (int i = 0; i < argc && i < 7; i++)
		av[i + 1] = argv[i];
	fflush(stdout);
	fflush(stderr);
	dup2(fileno(fo), 1);
	dup2(fileno(fe), 2);
	r->start = ops ? ops->start(&eng, path, argc + 1, av) : -98;
	if (!r->start) {
		r->sample = 0;
		for (unsigned i = 0; i < n && !r->sample; i++)
			r->sample = ops->sample(eng, &s[i]);
		r->stop = ops->stop(eng);
	}
	fflush(stdout);
	fflush(stderr);
	dup2(o, 1);
	dup2(e, 2);
	close(o);
	close(e);
	slurp(fileno(fo), r->out, sizeof(r->out));
	slurp(fileno(fe), r->err, sizeof(r->err));
	fclose(fo);
	fclose(fe);
}

#define is_text(got, want, ...)                                                \
	do {                                                                   \
		if (!ok(!strcmp((got), (want)), __VA_ARGS__))                  \
			printf("#   got:\n%s\n#   want:\n%s\n", (got), (want)); \
	} while (0)

#endif
