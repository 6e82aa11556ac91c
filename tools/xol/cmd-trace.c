// SPDX-License-Identifier: GPL-2.0-or-later
/* xol trace: run a program with probes armed and print each hit as trace_pipe does. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "builtin.h"
#include "attach.h"
#include "defs.h"
#include "session.h"
#include "trace/render.h"
#include "trace/strbuf.h"

static void usage(FILE *out)
{
	fprintf(out,
		"usage: xol trace -e DEF|SPEC [-e DEF|SPEC]... [-x BIN] [--probe-file FILE] [-o OUT]\n"
		"                 [--buffer-size SIZE] [--trap] [-v] {-- CMD [ARGS] | -p PID[,PID...] [--duration SECS]}\n");
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
	static const struct option opts[] = {
		{ "event", required_argument, NULL, 'e' },
		{ "exec", required_argument, NULL, 'x' },
		{ "debug-dir", required_argument, NULL, 'D' },
		{ "probe-file", required_argument, NULL, 'F' },
		{ "output", required_argument, NULL, 'o' },
		{ "buffer-size", required_argument, NULL, 'b' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "trap", no_argument, NULL, 'T' },
		{ "pid", required_argument, NULL, 'p' },
		{ "duration", required_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	struct session_opts so = { 0 };
	struct trace_out to = { .out = stdout };
	struct attach_opts ao = { 0 };
	struct defs defs;
	const char *output = NULL;
	struct session s;
	int c, err;

	defs_init(&defs);
	while ((c = getopt_long(argc, argv, "+e:x:F:o:b:p:vh", opts, NULL)) != -1) {
		switch (c) {
		case 'e':
			if (defs_add_event(&defs, optarg))
				return 1;
			break;
		case 'x':
			defs.exec = optarg;
			break;
		case 'D':
			defs.debug_dir = optarg;
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
				fprintf(stderr, "xol trace: bad --buffer-size '%s' (at least %uk)\n",
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
		if (!defs.nprobes)
			fprintf(stderr, "xol trace: no probe defined (-e DEF)\n");
		return 2;
	}
	if (output && !(to.out = fopen(output, "w"))) {
		fprintf(stderr, "xol trace: %s: %s\n", output, strerror(errno));
		return 1;
	}
	so.sink = print_hit;
	so.sink_ctx = &to;

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
		fprintf(stderr, "xol trace: %s: %s\n", argv[optind], strerror(-err));
		session_destroy(&s);
		defs_release(&defs);
		return 127;
	}
	int status = session_run(&s);
	fflush(to.out);
	session_print_summary(&s, stderr);
	session_destroy(&s);
	sb_release(&to.sb);
	free(ao.pids);
	if (to.out != stdout)
		fclose(to.out);
	defs_release(&defs);
	return session_exit_code(status);
}
