/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Attaching a session to running processes: xol trace|stat -p PID[,PID...]. */
#ifndef XOL_TOOLS_ATTACH_H
#define XOL_TOOLS_ATTACH_H

#include <stdint.h>
#include <sys/types.h>

struct session;

/*
 * attach_parse_pids - "PID[,PID...]" into a new array (*out, *n), each
 * checked to be a number > 0.  Returns 0 or -EINVAL (message printed).
 */
int attach_parse_pids(const char *arg, pid_t **out, unsigned *n);

/*
 * session_attach - inject the agent into each process of @pids (ptrace,
 * then dlopen of libxol-agent.so, or the one already loaded), let it
 * connect to @s and arm with the process's threads held only while its
 * code is patched.  Every check of a PID (exists, not a zombie, not a
 * kernel thread, not traced already, dynamically linked, ptrace allowed)
 * comes before anything is changed.  Prints a clear message per failure.
 * Returns 0, or -errno after the first failure (processes attached before
 * it stay attached until session_destroy()).
 */
int session_attach(struct session *s, const pid_t *pids, unsigned n);

/*
 * attach_launch - the agent for a static program the session started
 * (session_spawn(): stopped before its exec): injected as for -p, armed
 * before the program's first instruction.  Returns 0 or -errno.
 */
int attach_launch(struct session *s, pid_t child);

/*
 * attach_finish - the end of an attached session: ask every agent to
 * disarm (shut down the socket's sending side), then wait a little for
 * their BYE so that the last records and counts are in.
 */
void attach_finish(struct session *s);

/*
 * attach_enable - --control's "enable" for one process: ask its agent to
 * arm again (WIRE_ENABLE) and hold the process's threads while it does,
 * as attaching does.  Returns 0 or -errno.
 */
struct session_proc;
int attach_enable(struct session *s, struct session_proc *p, uint32_t seq);

/* -p PID[,PID...] and --duration SECONDS, as trace and stat take them. */
struct attach_opts {
	pid_t *pids;
	unsigned npids;
	double duration;          /* 0: until Ctrl-C / SIGTERM */
};

/* Parse one of them (@c is 'p' or 'd').  Returns 0 or -EINVAL (message printed). */
int attach_opt(struct attach_opts *ao, int c, const char *arg);
/* session_attach() for @ao, then the --duration clock. */
int attach_start(struct session *s, const struct attach_opts *ao);

#endif
