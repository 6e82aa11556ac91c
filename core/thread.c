// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Per-thread state of the agent.
 *
 * A thread finds its state through one initial-exec TLS pointer: a single
 * %fs-relative load on the hit path.  The blocks come from a pool mapped
 * once and are claimed with a CAS, so the hit path never allocates.
 * Threads started with pthread_create get their block (and their tid,
 * comm and ring) before their start routine runs, through the wrapper
 * below; a thread made by a raw clone claims one at its first hit, paying
 * one gettid system call that time only.
 */
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/membarrier.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "agent.h"
#ifdef XOL_NOLIBC
#include "nolibc.h"
#endif

#define THREAD_POOL XOL_THREAD_SLOTS

static struct xol_thread *pool;
static struct xol_thread *forked; /* static programs: a child's thread, whose block it keeps */
#ifndef XOL_NOLIBC
__thread struct xol_thread *xol_self __attribute__((tls_model("initial-exec")));
#endif

/*
 * Stacks for the hit handler where the program's own have no room to
 * spare (Go's goroutine stacks: WIRE_PROBE_OWN_STACK sites), one per
 * thread block, reserved once and committed as they are touched.  The
 * top of the thread's is in xol_hit_stack, which the trampoline exchanges
 * with %rsp (arch_prepare_stack_trampoline); 0 until the thread has a
 * block, and again after it released it.
 */
#define HIT_STACK_BYTES (64 * 1024)
static uint8_t *hit_stacks;

static uint64_t hit_stack_top(const struct xol_thread *t)
{
	return hit_stacks ? (uint64_t)(hit_stacks + (size_t)(t->slot + 1) * HIT_STACK_BYTES) : 0;
}

#ifndef XOL_NOLIBC
__thread uint64_t xol_hit_stack __attribute__((tls_model("initial-exec")));

/* The calling thread owns block @t now (NULL: none), and its hit stack. */
static void set_current(struct xol_thread *t)
{
	xol_self = t;
	xol_hit_stack = t ? hit_stack_top(t) : 0;
}
#else
/*
 * No TLS of our own in a static program: %gs (which neither glibc nor Go
 * uses on x86-64) points at the block, which remembers the thread's %fs
 * base; a thread that inherited its parent's %gs at clone has another.
 */
static void set_current(struct xol_thread *t)
{
	uint64_t fs = rdfsbase();

	if (t)
		t->owner_fs = fs;
	if (agent.go_tls && fs)
		*(volatile uint64_t *)(fs + GO_TLS_STACK) = t ? hit_stack_top(t) : 0;
	asm volatile("wrgsbase %0" : : "r"((uint64_t)t) : "memory");
}
#endif
static pthread_key_t release_key;

static inline long raw_gettid(void)
{
	long ret;

	asm volatile("syscall" : "=a"(ret) : "0"(SYS_gettid) : "rcx", "r11", "memory");
	return ret;
}

/* prctl(PR_GET_NAME) without libc (the hit path may be inside it): 0 or -errno. */
static inline long raw_get_name(char name[XOL_COMM_LEN])
{
	long ret;

	asm volatile("syscall"
		     : "=a"(ret)
		     : "0"(SYS_prctl), "D"(PR_GET_NAME), "S"(name)
		     : "rcx", "r11", "memory");
	return ret;
}

/*
 * Give @t a ring of session @se's region and point it at its row of the
 * session's counters (both NULL while the session has none).
 */
static void bind(struct xol_thread *t, const struct agent_session *se)
{
	struct thread_session *ts = &t->ss[se->slot];
	struct wire_counters *row = se->counters && se->nevents ?
		&se->counters[t->slot * wire_row_stride(se->nevents)] : NULL;

	if (!ts->ring && se->region) {
		ts->ring = ring_claim(se->region, (uint32_t)t->tid);
		ts->prefaulted = false;
	}
	/* The trampoline's counting path reads it: publish it whole. */
	__atomic_store_n(&ts->row, row, __ATOMIC_RELEASE);
	if (t->comm[0]) /* each ring names the thread before its first record */
		t->comm_dirty = 1; /* (none known: the session reads /proc) */
}

/* @t in every session there is (a new thread, or the one that forked). */
void thread_bind_all(struct xol_thread *t)
{
	for (unsigned i = 0; i < AGENT_SESSIONS; i++)
		if (agent.sess[i].used)
			bind(t, &agent.sess[i]);
}

static struct xol_thread *claim(pid_t tid)
{
	if (!pool)
		return NULL;
	for (unsigned i = 0; i < THREAD_POOL; i++) {
		int expect = 0;
		/* Pairs with the release store in thread_release(). */
		if (__atomic_compare_exchange_n(&pool[i].claimed, &expect, 1, false,
						__ATOMIC_ACQUIRE, __ATOMIC_RELAXED)) {
			struct xol_thread *t = &pool[i];
			t->slot = i;
			t->busy = 0;
			return_thread_claim(t);
			t->tid = tid;
			memset(t->ss, 0, sizeof(t->ss));
			thread_bind_all(t);
			return t;
		}
	}
	return NULL;
}

static void thread_release(void *arg)
{
	struct xol_thread *t = arg;

	if (!t)
		return;
	return_thread_release(t);
	for (unsigned i = 0; i < AGENT_SESSIONS; i++) {
		if (t->ss[i].ring)
			ring_release(t->ss[i].ring);
		t->ss[i].ring = NULL;
		__atomic_store_n(&t->ss[i].row, NULL, __ATOMIC_RELEASE);
	}
	if (thread_current() == t)
		set_current(NULL);
	__atomic_store_n(&t->claimed, 0, __ATOMIC_RELEASE);
}

/* A thread's first hit, for threads not started by pthread_create. */
struct xol_thread *thread_self_slow(void)
{
	struct xol_thread *t = claim((pid_t)raw_gettid());

	if (!t)
		return NULL;
	/* Its name, for $comm: the second and last system call of this first hit. */
	if (raw_get_name(t->comm))
		t->comm[0] = 0; /* the session fills an empty comm from the tid's /proc entry */
	t->comm_dirty = t->comm[0] != 0;
	/*
	 * A first hit never runs on the hit stack (the word was 0), so
	 * nothing is using it.
	 */
	set_current(t);
	return t;
}

#ifdef XOL_NOLIBC
/*
 * A thread the session holds with ptrace gets its block here, for the
 * %fs base it has; the session points its %gs at the block.
 */
struct xol_thread *thread_claim_for(pid_t tid, uint64_t fs_base)
{
	struct xol_thread *t = NULL;

	/* Its block from an earlier session, if it has one: attaching again reuses it. */
	for (unsigned i = 0; pool && i < THREAD_POOL && !t; i++)
		if (__atomic_load_n(&pool[i].claimed, __ATOMIC_ACQUIRE) && pool[i].tid == tid &&
		    pool[i].owner_fs == fs_base)
			t = &pool[i];
	if (t) {
		thread_bind_all(t);
		return t;
	}
	t = claim(tid);

	if (t) {
		t->comm[0] = 0; /* the session fills an empty comm from the tid's /proc entry */
		t->comm_dirty = 0;
		t->owner_fs = fs_base;
		if (agent.go_tls && fs_base) /* the thread is held: its M's word is free */
			*(volatile uint64_t *)(fs_base + GO_TLS_STACK) = hit_stack_top(t);
	}
	return t;
}

/*
 * The rings of threads that claimed their blocks at a first hit (no
 * pthread_create in a static program to do it before they run): populated
 * by the agent's thread, as thread_setup() does elsewhere, so that their
 * hits pay no page fault per page of ring.
 */
void thread_prefault_rings(void)
{
	for (unsigned i = 0; pool && i < THREAD_POOL; i++) {
		if (!__atomic_load_n(&pool[i].claimed, __ATOMIC_ACQUIRE))
			continue;
		for (unsigned k = 0; k < AGENT_SESSIONS; k++) {
			struct thread_session *ts = &pool[i].ss[k];
			struct ring_writer *ring = __atomic_load_n(&ts->ring, __ATOMIC_ACQUIRE);
			if (ring && !ts->prefaulted) {
				ts->prefaulted = true;
				ring_prefault(ring);
			}
		}
	}
}

/*
 * Go's runtime.schedule, which every M runs on its own system stack
 * before any goroutine and again each time it switches: an M without a
 * block claims one here, so that its hits on Go's code have a stack.
 */
void thread_claim_hook(void)
{
	if (thread_current())
		return;
	thread_self_slow();
	signals_reassert(); /* the first M's first schedule() follows Go's initsig() */
}
#endif

static void thread_setup(void)
{
	struct xol_thread *t = thread_current();

	if (!t)
		t = claim((pid_t)syscall(SYS_gettid));
	if (!t)
		return;
	for (unsigned i = 0; i < AGENT_SESSIONS; i++)
		if (t->ss[i].ring)
			ring_prefault(t->ss[i].ring);
	prctl(PR_GET_NAME, t->comm, 0, 0, 0);
	return_thread_setup(t);
	t->self = pthread_self();
	t->comm_dirty = 1;
	set_current(t);
	pthread_setspecific(release_key, t);
}

#ifdef XOL_NOLIBC
/*
 * Static programs: no atfork handler runs in a child, which would write
 * into its parent's rings and counters (shared memory) with a copy of
 * the forking thread's block.  A page the kernel zeroes in a child
 * (MADV_WIPEONFORK) tells thread_current() it is one: every block then
 * lets go of the parent's rings and rows, and the child's hits are not
 * counted (its children are not followed), while its shadow stack still
 * takes its probed frames back to their callers.
 */
volatile uint64_t *nolibc_fork_guard;

static void *reconnect_thread(void *arg)
{
	child_after_fork(); /* every session connected to again, armed (agent.c) */
	__atomic_store_n((int *)arg, 1, __ATOMIC_RELEASE);
	return NULL;
}

/*
 * The first hit (or return) in a child after fork, on its one thread: no
 * ring or row of the parent's is written any more, and a thread of the
 * agent's connects to each session again as an atfork handler would,
 * while this one waits: the child's hits from here on are its own.
 */
void thread_forked(void)
{
	struct xol_thread *t;
	volatile int done = 0;

	*nolibc_fork_guard = 1;
	asm volatile("rdgsbase %0" : "=r"(t));
	forked = t && t->owner_fs == rdfsbase() ? t : NULL;
	for (unsigned i = 0; pool && i < THREAD_POOL; i++)
		for (unsigned k = 0; k < AGENT_SESSIONS; k++) {
			pool[i].ss[k].ring = NULL;
			pool[i].ss[k].row = NULL;
		}
	if (forked)
		forked->tid = (pid_t)raw_gettid();
	/* The parent's other threads (its agent's) are not here to let go of a lock. */
	memset(&arm_lock, 0, sizeof(arm_lock));
	nolibc_after_fork();
	if (!agent.active || agent_thread_start(reconnect_thread, (void *)&done, 256 * 1024))
		return;
	for (unsigned waited = 0; !__atomic_load_n(&done, __ATOMIC_ACQUIRE) && waited < 10000; waited++) {
		struct timespec tick = { 0, 100000 }; /* at most 1 s */
		nanosleep(&tick, NULL);
	}
}

static void fork_guard_init(void)
{
	void *p = nolibc_fork_guard ? NULL : mmap(NULL, 4096, PROT_READ | PROT_WRITE,
						  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (!p || p == MAP_FAILED)
		return;
	*(volatile uint64_t *)p = 1;
	if (madvise(p, 4096, MADV_WIPEONFORK))
		return; /* kernels before 4.14: thread_current() never sees a fork */
	nolibc_fork_guard = p;
}
#endif

void thread_init_main(void)
{
#ifdef XOL_NOLIBC
	fork_guard_init();
#endif
	if (!pool) {
		void *p = mmap(NULL, THREAD_POOL * sizeof(struct xol_thread),
			       PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (p == MAP_FAILED)
			return;
		void *hs = mmap(NULL, (size_t)THREAD_POOL * HIT_STACK_BYTES, PROT_READ | PROT_WRITE,
				MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
		hit_stacks = hs == MAP_FAILED ? NULL : hs;
		pool = p;
		pthread_key_create(&release_key, thread_release);
	}
	return_init();
	thread_setup();
}

/*
 * In the child after fork: only the forking thread exists, and its shadow
 * stack (copied with its memory) still describes its hijacked frames, so
 * it keeps its block.  Every other block is free again, and no ring of the
 * parent's region may be touched: thread_bind_session() gives the child's
 * thread a ring of the child's own region once it has one.
 */
void thread_release_all_after_fork(void)
{
	if (!pool)
		return;
	for (unsigned i = 0; i < THREAD_POOL; i++) {
		memset(pool[i].ss, 0, sizeof(pool[i].ss));
		if (&pool[i] != thread_current() && &pool[i] != forked)
			pool[i].claimed = 0;
	}
	if (thread_current() && thread_current() != forked) /* (static: the agent's thread) */
		thread_current()->tid = (pid_t)syscall(SYS_gettid);
}

/* Block @i of the pool if it is claimed (return.c counts what threads left at exit). */
struct xol_thread *thread_pool_slot(unsigned i)
{
	if (!pool || i >= THREAD_POOL || !__atomic_load_n(&pool[i].claimed, __ATOMIC_ACQUIRE))
		return NULL;
	return &pool[i];
}

/*
 * A session that connected: every thread that has a block gets a ring of
 * its region and a row of its counters.  Blocks of threads that have
 * exited since are freed (threads of an attached process claim blocks at
 * their first hit, and nothing releases them at exit).  No hit of this
 * session runs meanwhile: nothing of it is armed.
 */
void thread_bind_session(const struct agent_session *se)
{
	char path[48];

	for (unsigned i = 0; pool && i < THREAD_POOL; i++) {
		struct xol_thread *t = &pool[i];

		if (!__atomic_load_n(&t->claimed, __ATOMIC_ACQUIRE))
			continue;
		snprintf(path, sizeof(path), "/proc/self/task/%d", t->tid);
		if (t != thread_current() && access(path, F_OK)) {
			thread_release(t);
			continue;
		}
		bind(t, se);
	}
}

/* A session that has gone: no thread counts or records for it any more. */
void thread_unbind_session(const struct agent_session *se)
{
	for (unsigned i = 0; pool && i < THREAD_POOL; i++) {
		struct thread_session *ts = &pool[i].ss[se->slot];

		__atomic_store_n(&ts->row, NULL, __ATOMIC_RELEASE);
		ts->ring = NULL; /* the region is detached, not released ring by ring */
	}
}

/*
 * Around the agent's own work (arming, reconnecting, its control thread):
 * probes that code reaches (malloc, memcpy, pthread_create in libc) are
 * not the program's hits, so they are neither recorded nor counted.
 */
int agent_quiet_enter(void)
{
	struct xol_thread *t = thread_self();
	int prev;

	if (!t)
		return -1;
	prev = t->busy;
	t->busy = BUSY_AGENT;
	return prev;
}

void agent_quiet_leave(int prev)
{
	struct xol_thread *t = thread_self();

	if (t && prev >= 0)
		t->busy = prev;
}

/*
 * Hit path (behind a flag test): tell each session this thread's comm, so
 * that its lines carry the name it had when they were written.
 */
void thread_emit_comm(struct xol_thread *t)
{
	t->comm_dirty = 0;
	for (unsigned i = 0; i < AGENT_SESSIONS; i++) {
		struct ring_writer *ring = t->ss[i].ring;
		struct ring_rec *rr = ring ? ring_reserve(ring, WIRE_REC_COMM, XOL_COMM_LEN, 0, 0) : NULL;
		if (!rr)
			continue;
		ring_copy(rr->data, t->comm, XOL_COMM_LEN);
		ring_commit(ring, rr);
	}
}

/* Wait until no other thread is in a hit: its busy flag (at most @max_ms). */
static void quiesce_hits(unsigned max_ms)
{
	struct timespec tick = { 0, 100000 };

	if (!pool)
		return;
	for (unsigned waited = 0; waited < max_ms * 10; waited++) {
		bool busy = false;
		for (unsigned i = 0; i < THREAD_POOL && !busy; i++)
			busy = &pool[i] != thread_current() &&
			       __atomic_load_n(&pool[i].claimed, __ATOMIC_ACQUIRE) &&
			       __atomic_load_n(&pool[i].busy, __ATOMIC_ACQUIRE) == BUSY_HIT;
		if (!busy)
			return;
		nanosleep(&tick, NULL);
	}
}

/*
 * After the site lists changed (a session went away, or was disabled):
 * wait, at most @max_ms, until no other thread is inside a hit that may
 * have read the old lists, so that every hit already counted has its
 * record committed before the session drains for the last time.
 *
 * A hit sets its busy flag before it reads the lists (hit.c).  The
 * membarrier makes every running thread pass a full barrier: after it,
 * a thread whose busy store we do not see has not read the lists yet and
 * will read the new ones.  The counting trampoline sets no flag, but it
 * only adds to counters, which outlive this (agent.c, session_free).  The
 * recording trampoline sets the flag as a hit does and only then checks
 * that the site's list is the one it was built for.
 */
void thread_quiesce(unsigned max_ms)
{
	static int registered;

	if (!pool)
		return;
	if (!registered)
		registered = syscall(__NR_membarrier, MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED, 0, 0) ?
			     -1 : 1;
	if (registered < 0 || syscall(__NR_membarrier, MEMBARRIER_CMD_PRIVATE_EXPEDITED, 0, 0)) {
		/* No membarrier: give a thread between the jump and its flag time to set it. */
		struct timespec pause = { 0, 10000000 };
		nanosleep(&pause, NULL);
	}
	quiesce_hits(max_ms);
}


/* The calling thread's comm changed (prctl, pthread_setname_np): keep $comm right. */
void thread_comm_changed(void)
{
	struct xol_thread *t = thread_current();

	if (t) {
		prctl(PR_GET_NAME, t->comm, 0, 0, 0);
		t->comm_dirty = 1;
	}
}

/* Another thread was renamed: its own next hit reports it. */
void thread_rename(pthread_t th, const char *name)
{
	for (unsigned i = 0; pool && i < THREAD_POOL; i++) {
		struct xol_thread *t = &pool[i];
		if (__atomic_load_n(&t->claimed, __ATOMIC_ACQUIRE) && pthread_equal(t->self, th)) {
			strncpy(t->comm, name, XOL_COMM_LEN - 1);
			t->comm[XOL_COMM_LEN - 1] = 0;
			__atomic_store_n(&t->comm_dirty, 1, __ATOMIC_RELEASE);
			return;
		}
	}
}

#ifndef XOL_NOLIBC
/* --- pthread_create: give each new thread its state before it runs ---- */

struct start {
	void *(*fn)(void *);
	void *arg;
};

static void *thread_start(void *p)
{
	struct start st = *(struct start *)p;

	free(p);
	thread_setup();
	return st.fn(st.arg);
}

__attribute__((visibility("default")))
int pthread_create(pthread_t *th, const pthread_attr_t *attr, void *(*fn)(void *), void *arg)
{
	static int (*real)(pthread_t *, const pthread_attr_t *, void *(*)(void *), void *);
	struct start *st;

	if (!real)
		real = (typeof(real))REAL_NEXT("pthread_create");
	if (!agent.active)
		return real(th, attr, fn, arg);
	st = malloc(sizeof(*st));
	if (!st)
		return real(th, attr, fn, arg);
	st->fn = fn;
	st->arg = arg;
	int ret = real(th, attr, thread_start, st);
	if (ret)
		free(st);
	return ret;
}
#endif
