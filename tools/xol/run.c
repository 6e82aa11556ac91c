// SPDX-License-Identifier: GPL-2.0-or-later
/* What trace, stat and record share: their options, and running a program (or attaching) under probes. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "run.h"

static const struct option shared_long[] = {
	{ "event", required_argument, NULL, 'e' },
	{ "exec", required_argument, NULL, 'X' },
	{ "debug-dir", required_argument, NULL, 'G' },
	{ "probe-file", required_argument, NULL, 'F' },
	{ "output", required_argument, NULL, 'o' },
	{ "buffer-size", required_argument, NULL, 'b' },
	{ "verbose", no_argument, NULL, 'v' },
	{ "trap", no_argument, NULL, 'T' },
	{ "pid", required_argument, NULL, 'p' },
	{ "duration", required_argument, NULL, 'd' },
	{ "control", required_argument, NULL, 'C' },
	{ "delay", required_argument, NULL, 'D' },
	{ "help", no_argument, NULL, 'h' },
};
#define SHARED_SHORT "+e:F:o:b:p:D:vh"
#define NSHARED (sizeof(shared_long) / sizeof(shared_long[0]))

/* The shared options, unless the command takes the same letter itself. */
static int shared_opt(struct run *r, const struct run_cmd *c, int opt, const char *arg)
{
	switch (opt) {
	case 'e':
		return defs_add_event(&r->defs, arg) ? 1 : 0;
	case 'x': /* -x is the binary unless the command has its own -x */
	case 'X':
		r->defs.exec = arg;
		return 0;
	case 'G':
		r->defs.debug_dir = arg;
		return 0;
	case 'C':
		return control_parse(arg, &r->so) ? 2 : 0;
	case 'D': {
		char *end;
		long ms = strtol(arg, &end, 10);
		if (end == arg || *end || ms < -1) {
			fprintf(stderr, "xol %s: bad --delay '%s' (MSECS, or -1: start disabled)\n",
				c->name, arg);
			return 2;
		}
		r->so.delay_ms = ms;
		return 0;
	}
	case 'F':
		return defs_add_file(&r->defs, arg) ? 1 : 0;
	case 'o':
		r->output = arg;
		return 0;
	case 'b':
		if (parse_size(arg, &r->so.buffer_size) || r->so.buffer_size < SESSION_BUFFER_MIN) {
			fprintf(stderr, "xol %s: bad --buffer-size '%s' (at least %uk)\n", c->name, arg,
				SESSION_BUFFER_MIN >> 10);
			return 2;
		}
		return 0;
	case 'v':
		r->so.verbose++;
		return 0;
	case 'T':
		r->so.no_jump = true;
		return 0;
	case 'p':
	case 'd':
		return attach_opt(&r->ao, opt, arg) ? 2 : 0;
	case 'h':
		c->usage(stdout);
		return -2;
	default:
		c->usage(stderr);
		return 2;
	}
}

int run_parse(struct run *r, const struct run_cmd *c, int argc, char **argv)
{
	size_t nown = 0, n = 0;
	char shortopts[64];
	int opt, ret;

	r->name = c->name;
	r->so.ctl_fd = r->so.ack_fd = -1;
	defs_init(&r->defs);
	while (c->longopts && c->longopts[nown].name)
		nown++;
	struct option *longopts = calloc(NSHARED + nown + 1, sizeof(*longopts));
	if (!longopts)
		return 1;
	for (size_t i = 0; i < nown; i++)
		longopts[n++] = c->longopts[i];
	for (size_t i = 0; i < NSHARED; i++)
		longopts[n++] = shared_long[i];
	snprintf(shortopts, sizeof(shortopts), "%s%s%s", SHARED_SHORT,
		 c->shortopts && strchr(c->shortopts, 'x') ? "" : "x:",
		 c->shortopts ? c->shortopts : "");

	ret = -1;
	while (ret < 0 && (opt = getopt_long(argc, argv, shortopts, longopts, NULL)) != -1) {
		bool own = false;
		for (size_t i = 0; i < nown; i++)
			own |= c->longopts[i].val == opt;
		if (c->shortopts && opt != ':' && opt != '?' && strchr(c->shortopts, opt))
			own = true;
		int r2 = own ? c->opt(r, opt, optarg, c->ctx) : shared_opt(r, c, opt, optarg);
		if (r2)
			ret = r2 == -2 ? 0 : r2;
	}
	free(longopts);
	if (ret >= 0)
		return ret;
	if (defs_finish(&r->defs))
		return 1;
	if ((optind >= argc) == !r->ao.npids || !r->defs.nprobes ||
	    (r->ao.duration && !r->ao.npids)) {
		c->usage(stderr);
		if (!r->defs.nprobes)
			fprintf(stderr, "xol %s: no probe defined (-e DEF)\n", c->name);
		return 2;
	}
	r->cmd = r->ao.npids ? NULL : argv + optind;
	return -1;
}

int run_start(struct run *r)
{
	int err = session_init(&r->s, r->defs.evs, &r->so);

	r->started = true;
	if (!err && r->ao.npids)
		err = attach_start(&r->s, &r->ao);
	else if (!err)
		err = session_spawn(&r->s, r->cmd);
	if (!err)
		return -1;
	if (r->ao.npids)
		return 1; /* attach_start said why */
	fprintf(stderr, "xol %s: %s: %s\n", r->name, r->cmd[0], strerror(-err));
	return 127;
}

int run_wait(struct run *r)
{
	return session_run(&r->s);
}

void run_release(struct run *r)
{
	if (r->started)
		session_destroy(&r->s);
	r->started = false;
	free(r->ao.pids);
	r->ao.pids = NULL;
	if (r->so.control) {
		close(r->so.ctl_fd);
		if (r->so.ack_fd >= 0)
			close(r->so.ack_fd);
		r->so.control = false;
	}
	defs_release(&r->defs);
}
