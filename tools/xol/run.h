/* SPDX-License-Identifier: GPL-2.0-or-later */
/* What trace, stat and record share: their options, and running a program (or attaching) under probes. */
#ifndef XOL_TOOLS_RUN_H
#define XOL_TOOLS_RUN_H

#include <getopt.h>
#include <stdio.h>

#include "attach.h"
#include "defs.h"
#include "session.h"

struct run {
	const char *name;         /* "trace", for messages */
	struct defs defs;
	struct session_opts so;
	struct attach_opts ao;
	const char *output;       /* -o */
	char **cmd;               /* CMD ARGS, NULL when attaching */
	struct session s;
	bool started;
};

/*
 * A command's own options: @shortopts/@longopts are added to the shared
 * ones (-e -x -F -o -b -v -p -D, --debug-dir --trap --duration --control -h), and
 * @opt is called for each of them.  Return 0 to go on, or an exit status.
 */
struct run_cmd {
	const char *name;
	const char *shortopts;
	const struct option *longopts;
	int (*opt)(struct run *r, int c, const char *arg, void *ctx);
	void (*usage)(FILE *out);
	void *ctx;
};

/*
 * Parse the command line: definitions (applied and reported as error_log
 * does), the shared options, and CMD ARGS or -p.  Returns -1 to go on, or
 * the exit status to return now (0 for -h, 1 for a bad definition, 2 for
 * bad usage).
 */
int run_parse(struct run *r, const struct run_cmd *c, int argc, char **argv);

/* Start the session: spawn CMD, or attach to -p.  -1 to go on, else the exit status. */
int run_start(struct run *r);

/* Serve the agents until the program (or --duration) ends: the status waitpid() gave. */
int run_wait(struct run *r);

void run_release(struct run *r);

#endif
