// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The agent in a process it was injected into (xol trace -p PID).
 *
 * The session made one thread of the process call dlopen() and then
 * xol_agent_attach(): that thread must be given back quickly and may be
 * anywhere in the program (it was interrupted by ptrace), so all it does
 * here is start the agent's own thread.  That thread does the rest:
 * connect, take the session's definitions, rings and counters, ask the
 * session to hold the program's other threads still while the code is
 * patched (a thread stopped inside the bytes a jump displaces must be
 * moved to the trampoline's copy of them, which only its tracer can do),
 * arm, let the threads go, and serve the session until it ends.
 *
 * The agent is loaded late, so nothing of it is interposed (pthread_create,
 * sigaction): threads that exist already, and threads started later, claim
 * their state at their first hit.  Its initial-exec TLS comes from glibc's
 * surplus static TLS, which dlopen() initialises in every existing thread.
 *
 * When the session ends (it closes the socket, or dies), its events leave
 * every site, every site no other session uses is disarmed, what it used
 * (rings, counters, definitions) is freed, and the process runs on as it
 * was.  The agent stays loaded: the next session finds it and calls
 * xol_agent_attach() again, which re-arms the same sites with the same
 * trampolines, so attaching again and again does not grow the process.
 * Sessions may overlap, launched or attached (AGENT_SESSIONS of them):
 * each has a slot of its own (agent.h).
 */
#include <dlfcn.h>
#include <errno.h>
#include <link.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/rseq.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "agent.h"
#include "attach.h"

/* 1 while an attach is being set up (from xol_agent_attach until armed). */
static int attach_busy;
static char attach_next[sizeof(((struct agent_session *)0)->path)];

static int send_msg(const struct agent_session *se, uint32_t type, uint64_t ip, uint64_t to)
{
	struct wire_attach m = { .type = type, .tid = (int32_t)syscall(SYS_gettid), .ip = ip, .to = to };

	return send(se->sock, &m, sizeof(m), MSG_NOSIGNAL) == sizeof(m) ? 0 : -EPIPE;
}

static int recv_msg(const struct agent_session *se, struct wire_attach *m)
{
	for (;;) {
		ssize_t n = recv(se->sock, m, sizeof(*m), 0);
		if (n == sizeof(*m))
			return 0;
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -EPIPE;
	}
}

/* Connect to the session at @path in a free slot; every thread gets its ring and row. */
static struct agent_session *attach_connect(const char *path)
{
	struct agent_session *se = session_slot(false);

	if (!se)
		return NULL;
	if (session_connect(se, path)) {
		session_end(se);
		return NULL;
	}
	thread_bind_session(se);
	return_init(); /* its shadow stacks, if this session has the first return probes */
	return se;
}

/* What agent_arm() sets up in a launched process, minus the control thread. */
static int attach_setup(void)
{
	static bool atfork;
	int err;

	err = agent_setup_hit_path();
	if (err)
		return err;
	if (!atfork && !getenv(XOL_SESSION_ENV)) /* a preloaded agent registered it already */
		atfork = !pthread_atfork(NULL, NULL, child_after_fork);
	if (!getenv(XOL_SESSION_ENV) && !agent.late) {
		agent.late = true;
		signals_interpose_late();
	}
	agent.active = true;
	return 0;
}

/* Arm with the program's threads held by the session; move the ones it asks about. */
int agent_arm_held(struct agent_session *se)
{
	struct wire_attach m;
	int err = send_msg(se, WIRE_PAUSE, 0, 0);

	if (!err)
		err = recv_msg(se, &m);
	if (err || m.type != WIRE_PAUSED)
		return err ? err : -EPROTO;
	arm_and_report(se);
	for (;;) {
		err = recv_msg(se, &m);
#ifdef XOL_NOLIBC
		if (!err && m.type == WIRE_RESUME)
			thread_prefault_rings(); /* the held threads' rings, once they run again */
#endif
		if (err || m.type == WIRE_RESUME)
			return err;
#ifdef XOL_NOLIBC
		if (m.type == WIRE_HOOK) { /* only Go programs have it */
			agent.go_tls = true;
			pthread_mutex_lock(&arm_lock);
			int e = site_lookup(m.ip) ? 0 : site_place_hook_in(m.ip, thread_claim_hook, m.to);
			pthread_mutex_unlock(&arm_lock);
			err = send_msg(se, WIRE_HOOK, m.ip, (uint64_t)(int64_t)e);
			if (err)
				return err;
			continue;
		}
		if (m.type == WIRE_CLAIM) {
			struct xol_thread *t = thread_claim_for((pid_t)m.to, m.ip);
			err = send_msg(se, WIRE_CLAIM, m.ip, (uint64_t)t);
			if (err)
				return err;
			continue;
		}
#endif
		if (m.type != WIRE_MAPIP)
			continue;
		struct site *s = site_lookup_displaced(m.ip);
		uint64_t to = s && s->armed && s->tramp ?
			      arch_map_displaced_ip(&s->jump, (uint64_t)s->tramp, m.ip) : 0;
		err = send_msg(se, WIRE_MAPIP, m.ip, to);
		if (err)
			return err;
	}
}

static void *attach_thread(void *arg)
{
	char path[sizeof(attach_next)];
	struct agent_session *se;
	int quiet;

	(void)arg;
	memcpy(path, attach_next, sizeof(path));
	thread_init_main(); /* this thread's own block; the pool the first time */
	quiet = agent_quiet_enter();
	/* Bind this thread's malloc arena before the program's threads are stopped. */
	void *volatile arena = malloc(64);
	free(arena);
	se = attach_connect(path);
	if (!se)
		goto out;
	if (attach_setup()) {
		session_end(se);
		goto out;
	}
	/* Before the session says "attached": a dlopen() right after is armed too. */
	pthread_mutex_lock(&arm_lock);
	if (_r_debug.r_brk && !site_lookup(_r_debug.r_brk))
		site_place_hook(_r_debug.r_brk, on_link_map_change);
	pthread_mutex_unlock(&arm_lock);
	if (agent_arm_held(se)) {
		session_end(se);
		goto out;
	}
	__atomic_store_n(&attach_busy, 0, __ATOMIC_RELEASE); /* the next one may come */
	agent_serve(se);
	/* The session is gone: its sites back as they were, unless another uses them. */
	session_end(se);
out:
	agent_quiet_leave(quiet);
	__atomic_store_n(&attach_busy, 0, __ATOMIC_RELEASE);
	return NULL;
}

/*
 * Called by the session through ptrace, on a thread of the program that
 * was stopped wherever it was: start the agent's thread, nothing more.
 */
__attribute__((visibility("default")))
int xol_agent_attach(const char *session_path)
{
	int expect = 0, err;

	if (!session_path || strlen(session_path) >= sizeof(attach_next))
		return -ENAMETOOLONG;
	bool free_slot = false;
	for (unsigned i = 0; i < AGENT_SESSIONS; i++)
		free_slot |= !agent.sess[i].used;
	if (!free_slot) /* AGENT_SESSIONS sessions trace this process already */
		return -EBUSY;
	if (!__atomic_compare_exchange_n(&attach_busy, &expect, 1, false, __ATOMIC_ACQUIRE,
					 __ATOMIC_RELAXED))
		return -EBUSY;
	strcpy(attach_next, session_path);
	err = agent_thread_start(attach_thread, NULL, 256 * 1024);
	if (err)
		__atomic_store_n(&attach_busy, 0, __ATOMIC_RELEASE);
	return err;
}
