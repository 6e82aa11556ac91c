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
 * When the session ends (it closes the socket, or dies), every site is
 * disarmed and the process runs on as it was.  The agent stays loaded:
 * the next session finds it and calls xol_agent_attach() again, which
 * re-arms the same sites with the same trampolines and frees what the
 * previous session used (its rings, counters, definitions), so attaching
 * again and again does not grow the process.  One session at a time: a
 * second one is refused with -EBUSY.
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

/* 0: no session; 1: one being served (set by xol_agent_attach, cleared at its end). */
static int attach_busy;
static char attach_next[sizeof(agent.attach_path)];


static int send_msg(uint32_t type, uint64_t ip, uint64_t to)
{
	struct wire_attach m = { .type = type, .tid = (int32_t)syscall(SYS_gettid), .ip = ip, .to = to };

	return send(agent.sock, &m, sizeof(m), MSG_NOSIGNAL) == sizeof(m) ? 0 : -EPIPE;
}

static int recv_msg(struct wire_attach *m)
{
	for (;;) {
		ssize_t n = recv(agent.sock, m, sizeof(*m), 0);
		if (n == sizeof(*m))
			return 0;
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -EPIPE;
	}
}

/*
 * Connect to the session at @path, leaving behind what the previous one
 * used: its definitions, counters and rings are freed once every thread
 * has been pointed at the new ones.
 */
static int attach_connect(const char *path)
{
	struct ring_attach *old_region = agent.region;
	void *old_defs = agent.defs;
	size_t old_defs_size = agent.defs_size;
	struct wire_counters *old_counters = agent.counters;
	unsigned old_nevents = agent.nevents;
	int err;

	if (agent.sock >= 0)
		close(agent.sock);
	agent.sock = -1;
	agent.defs = NULL;
	agent.region = NULL;
	err = session_connect(path);
	if (err) {
		agent.defs = old_defs;
		agent.region = old_region;
		return err;
	}
	memcpy(agent.attach_path, path, sizeof(agent.attach_path));
	/* Nothing is armed: no hit reads any of the old state now. */
	sites_free_retired();
	sites_retire_consumers();
	thread_rebind_all();
	if (old_region) {
		ring_detach(old_region);
		ring_unmap(old_region);
	}
	if (old_defs) {
		munmap(old_defs, old_defs_size);
		munmap(old_counters, wire_counters_bytes(old_nevents));
	}
	return 0;
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
	agent.active = true;
	return 0;
}

/* Arm with the program's threads held by the session; move the ones it asks about. */
int agent_arm_held(void)
{
	struct wire_attach m;
	int err = send_msg(WIRE_PAUSE, 0, 0);

	if (!err)
		err = recv_msg(&m);
	if (err || m.type != WIRE_PAUSED)
		return err ? err : -EPROTO;
	arm_and_report();
	for (;;) {
		err = recv_msg(&m);
		if (err || m.type == WIRE_RESUME)
			return err;
		if (m.type != WIRE_MAPIP)
			continue;
		struct site *s = site_lookup_displaced(m.ip);
		uint64_t to = s && s->armed && s->tramp ?
			      arch_map_displaced_ip(&s->jump, (uint64_t)s->tramp, m.ip) : 0;
		err = send_msg(WIRE_MAPIP, m.ip, to);
		if (err)
			return err;
	}
}

/* The session is gone, or never came: every site back as it was. */
static void attach_end(void)
{
	struct wire_armed bye = { .type = WIRE_BYE };

	pthread_mutex_lock(&arm_lock);
	sites_disarm_all();
	sites_retire_consumers();
	agent.active = false;
	pthread_mutex_unlock(&arm_lock);
	/* Late stores of a hit still in flight land in private memory. */
	if (agent.region)
		ring_detach(agent.region);
	if (agent.sock >= 0) {
		send(agent.sock, &bye, sizeof(bye), MSG_NOSIGNAL);
		close(agent.sock);
	}
	agent.sock = -1;
	agent.attach_path[0] = 0;
}

static void *attach_thread(void *arg)
{
	char path[sizeof(attach_next)];
	int quiet;

	(void)arg;
	memcpy(path, attach_next, sizeof(path));
	thread_init_main(); /* this thread's own block; the pool the first time */
	quiet = agent_quiet_enter();
	/* Bind this thread's malloc arena before the program's threads are stopped. */
	void *volatile arena = malloc(64);
	free(arena);
	if (attach_connect(path) || attach_setup() || agent_arm_held()) {
		attach_end();
		goto out;
	}
	if (_r_debug.r_brk && !site_lookup(_r_debug.r_brk))
		site_place_hook(_r_debug.r_brk, on_link_map_change);
	agent_serve();
	attach_end();
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
	if (agent.active) /* a launched session, still there */
		return -EBUSY;
	if (!__atomic_compare_exchange_n(&attach_busy, &expect, 1, false, __ATOMIC_ACQUIRE,
					 __ATOMIC_RELAXED))
		return -EBUSY;
	strcpy(attach_next, session_path);
	err = agent_thread_start(attach_thread, 256 * 1024);
	if (err)
		__atomic_store_n(&attach_busy, 0, __ATOMIC_RELEASE);
	return err;
}
