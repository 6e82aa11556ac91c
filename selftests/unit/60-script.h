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

struct rec {
	const struct tp_event *ev;
	uint8_t b[4096];
	uint32_t dyn;
};

static const struct tp_arg *rec_arg(const struct rec *r, const char *name)
{
	for (unsigned i = 0; i < r->ev->nargs; i++)
		if (!strcmp(r->ev->args[i].name, name))
			return &r->ev->args[i];
	printf("# no arg %s\n", name);
	return &r->ev->args[0];
}

static void put(uint8_t *p, uint64_t v, unsigned size)
{
	for (unsigned i = 0; i < size; i++, v >>= 8)
		p[i] = (uint8_t)v;
}

static void rec_start(struct rec *r, const struct tp_event *ev, int32_t pid, uint64_t ip,
		      uint64_t ret_ip)
{
	memset(r->b, 0, sizeof(r->b));
	r->ev = ev;
	put(r->b, ev->id, 2);
	put(r->b + 2, 0x01, 1);  /* common_flags */
	put(r->b + 3, 0x02, 1);  /* common_preempt_count */
	put(r->b + 4, (uint32_t)pid, 4);
	put(r->b + 8, ip, 8);
	if (ev->is_return)
		put(r->b + 16, ret_ip, 8);
	r->dyn = ev->fixed_size;
}

static void rec_num(struct rec *r, const char *name, unsigned i, uint64_t v)
{
	const struct tp_arg *a = rec_arg(r, name);

	put(r->b + a->offset + i * a->type.size, v, a->type.size);
}

/* Element @i of a string arg: @len bytes of @s (NUL included); NULL is a fault. */
static void rec_strn(struct rec *r, const char *name, unsigned i, const char *s, uint32_t len)
{
	const struct tp_arg *a = rec_arg(r, name);

	if (!s)
		len = 0;
	put(r->b + a->offset + 4 * i, (uint64_t)len << 16 | r->dyn, 4);
	if (len)
		memcpy(r->b + r->dyn, s, len);
	r->dyn += len;
}

static void rec_str(struct rec *r, const char *name, unsigned i, const char *s)
{
	rec_strn(r, name, i, s, s ? (uint32_t)strlen(s) + 1 : 0);
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

static const struct tp_event *define(struct xol_events *evs, const char *def)
{
	struct xol_error err;
	const struct tp_event *ev, *last = NULL;

	if (xol_events_write(evs, def, strlen(def), &err)) {
		printf("# %s: %s at %u\n", def, err.id ? err.id : "?", err.pos);
		return NULL;
	}
	for (ev = tp_first_event(evs); ev; ev = ev->next)
		last = ev;
	return last;
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
