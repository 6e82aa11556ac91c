// SPDX-License-Identifier: GPL-2.0-or-later
/* xol trace: run a program with probes armed and print each hit as trace_pipe does. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "builtin.h"
#include "attach.h"
#include "run.h"
#include "trace/render.h"
#include "trace/strbuf.h"

static void usage(FILE *out)
{
	fprintf(out,
		"usage: xol trace -e DEF|SPEC [-e DEF|SPEC]... [-x BIN] [--probe-file FILE] [-o OUT]\n"
		"                 [--buffer-size SIZE] [--trap] [-v]\n"
		"                 [-D MSECS|-1] [--control fifo:CTL[,ACK]|fd:CTL[,ACK]]\n"
		"                 {-- CMD [ARGS] | -p PID[,PID...] [--duration SECS]}\n");
}

struct trace_out {
	FILE *out;
	struct strbuf sb;
};

/*
 * One line as trace_pipe prints it: the task, the cpu, the flags, the
 * time in seconds with microseconds, then the event's own text.
 */
static void print_hit(struct session *s, const struct session_rec *r, void *ctx)
{
	struct trace_out *to = ctx;
	struct strbuf *sb = &to->sb;
	size_t n = strnlen(r->comm, 16);

	(void)s;
	sb->len = 0;
	/* "%16s-%-7d [%03u] ..... %5llu.%06llu: " without printf: this is the hot loop */
	for (size_t i = n; i < 16; i++)
		sb_putc(sb, ' ');
	sb_put(sb, r->comm, n);
	sb_putc(sb, '-');
	size_t at = sb->len;
	sb_put_s64(sb, r->tid);
	for (size_t w = sb->len - at; w < 7; w++)
		sb_putc(sb, ' ');
	sb_put(sb, " [", 2);
	sb_put_u64_width(sb, r->cpu, 3, '0');
	sb_put(sb, "] ..... ", 8);
	sb_put_u64_width(sb, r->ns / 1000000000ull, 5, ' ');
	sb_putc(sb, '.');
	sb_put_u64_width(sb, r->ns % 1000000000ull / 1000, 6, '0');
	sb_put(sb, ": ", 2);
	if (tp_render(r->event, r->data, r->size, sb))
		return;
	sb_putc(sb, '\n');
	/* The text may hold a NUL (a char arg): write it whole, as the kernel does. */
	fwrite(sb_str(sb), 1, sb->len, to->out);
}

int cmd_trace(int argc, char **argv)
{
	static const struct run_cmd cmd = { .name = "trace", .usage = usage };
	struct trace_out to = { .out = stdout };
	struct run r = { 0 };
	int ret;

	ret = run_parse(&r, &cmd, argc, argv);
	if (ret >= 0)
		goto out;
	if (r.output && !(to.out = fopen(r.output, "w"))) {
		fprintf(stderr, "xol trace: %s: %s\n", r.output, strerror(errno));
		ret = 1;
		goto out;
	}
	r.so.sink = print_hit;
	r.so.sink_ctx = &to;
	ret = run_start(&r);
	if (ret >= 0)
		goto out;
	int status = run_wait(&r);
	fflush(to.out);
	session_print_summary(&r.s, stderr);
	ret = session_exit_code(status);
out:
	run_release(&r);
	sb_release(&to.sb);
	if (to.out != stdout)
		fclose(to.out);
	return ret;
}
