// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * libxol-agent.so: the engine inside a traced process.
 *
 * Loaded by LD_PRELOAD (or injected), its constructor connects to the
 * session named by XOL_SESSION, receives the compiled definitions and a
 * ring region of its own, arms every probe on every mapping of the probed
 * files, and only then returns, so the probes are armed before main().
 * A control thread then serves the session (--control's enable and
 * disable): when the session goes away (ends, dies, is killed) it takes
 * the session's events off every site, disarms those no other session
 * uses, and the program runs on untouched.  Other sessions may attach
 * meanwhile (-p, attach.c): each has its own slot (agent.h).
 *
 * After fork the child reconnects and gets its own region (it never
 * writes into its parent's rings); a program started by exec gets the
 * agent again through the inherited environment.  Libraries loaded later
 * are armed from a hook on the dynamic linker's r_brk, before their
 * constructors run; those unloaded are forgotten there too.
 *
 * The agent never exits, aborts or prints: whatever fails, it stays
 * out of the program's way, and says why through the session.
 */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <link.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/rseq.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <unistd.h>

#include "agent.h"
#include "fetch.h"

struct agent agent = { .memfd = -1 };

pthread_mutex_t arm_lock = PTHREAD_MUTEX_INITIALIZER; /* attach.c takes it too */
#ifndef XOL_NOLIBC
static __thread bool arming __attribute__((tls_model("initial-exec"))); /* holds arm_lock */
#else
static bool arming; /* no TLS in static programs; only the agent's thread arms there */
#endif

static int recv_fds(int sock, void *buf, size_t len, int *fds, int nfds)
{
	char cbuf[CMSG_SPACE(sizeof(int) * 4)];
	struct iovec iov = { buf, len };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf,
			     .msg_controllen = CMSG_SPACE(sizeof(int) * (size_t)nfds) };
	ssize_t n = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC);
	int got = 0;

	if (n < 0)
		return -errno;
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		int k = (int)((c->cmsg_len - CMSG_LEN(0)) / sizeof(int));
		for (int i = 0; i < k; i++) {
			int fd;
			memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
			if (got < nfds)
				fds[got++] = fd;
			else
				close(fd);
		}
	}
	return got == nfds && (size_t)n >= sizeof(uint32_t) * 2 ? (int)n : -EPROTO;
}

/* Check the DEFS blob and point the session's events and probes into it. */
static int defs_load(struct agent_session *se, void *blob, size_t size)
{
	const struct wire_defs *d = blob;
	size_t at;

	if (size < sizeof(*d) || d->magic != XOL_WIRE_MAGIC || d->size != size ||
	    d->nevents > AGENT_MAX_EVENTS)
		return -EPROTO;
	at = sizeof(*d);
	if (d->nprobes > (size - at) / sizeof(struct wire_probe))
		return -EPROTO;
	se->events = calloc(d->nevents ? d->nevents : 1, sizeof(*se->events));
	if (!se->events)
		return -ENOMEM;
	se->probes = (const struct wire_probe *)((char *)blob + at);
	se->nprobes = d->nprobes;
	at += d->nprobes * sizeof(struct wire_probe);
	for (unsigned i = 0; i < d->nevents; i++) {
		const struct wire_event *w = (const void *)((char *)blob + at);
		struct agent_event *e = &se->events[i];

		if (size - at < sizeof(*w))
			goto bad;
		at += sizeof(*w);
		if ((size - at) / sizeof(struct wire_arg) < w->nargs || w->nargs > TP_MAX_ARGS)
			goto bad;
		e->sess = se;
		e->w = w;
		e->index = i;
		e->args = (const struct wire_arg *)((char *)blob + at);
		at += w->nargs * sizeof(struct wire_arg);
		if (size - at < w->data_len || w->fixed_size > TP_RECORD_MAX)
			goto bad;
		e->data = (const char *)blob + at;
		at += (w->data_len + 7) & ~7u;
		e->slot = se->slot;
		e->has_dyn = false;
		e->fast_all = w->nargs <= AGENT_FAST_ARGS;
		for (unsigned k = 0; k < w->nargs; k++) {
			const struct wire_arg *a = &e->args[k];
			if (a->offset + (a->count ? a->count : 1) * a->size > w->fixed_size)
				goto bad;
			if (a->kind == TP_TYPE_STRING || a->kind == TP_TYPE_USTRING)
				e->has_dyn = true;
			e->fast[k] = (uint8_t)fetch_classify(&a->prog);
			if (k < AGENT_FAST_ARGS && !fetch_unpack(&a->prog, a->offset, &e->fa[k]))
				e->fast_all = false;
		}
	}
	for (unsigned i = 0; i < d->nprobes; i++)
		if (se->probes[i].event >= d->nevents)
			goto bad;
	se->nevents = d->nevents;
	return 0;
bad:
	free(se->events);
	se->events = NULL;
	return -EPROTO;
}

/*
 * HELLO, then DEFS with the blob, the ring region and the counters, into
 * @se (a free slot, or the slot a forked child connects again: then the
 * definitions are the parent's, inherited, and only rings and counters
 * are new).
 */
int session_connect(struct agent_session *se, const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct wire_hello h = { .type = WIRE_HELLO, .magic = XOL_WIRE_MAGIC };
	struct wire_defs d;
	int fds[3] = { -1, -1, -1 }, s, err;

	if (strlen(path) >= sizeof(sa.sun_path) || strlen(path) >= sizeof(se->path))
		return -ENAMETOOLONG;
	strcpy(sa.sun_path, path);
	s = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (s < 0)
		return -errno;
	if (connect(s, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		goto fail_errno;

	h.pid = getpid();
	h.ppid = getppid();
	prctl(PR_GET_NAME, h.comm, 0, 0, 0);
	ssize_t n = readlink("/proc/self/exe", h.exe, sizeof(h.exe) - 1);
	h.exe[n > 0 ? n : 0] = 0;
	if (send(s, &h, sizeof(h), MSG_NOSIGNAL) != sizeof(h))
		goto fail_errno;

	err = recv_fds(s, &d, sizeof(d), fds, 3);
	if (err < 0)
		goto fail;
	err = -EPROTO;
	if (d.type != WIRE_DEFS || d.magic != XOL_WIRE_MAGIC)
		goto fail;

	if (!se->defs) {
		void *blob = mmap(NULL, d.size, PROT_READ, MAP_SHARED, fds[0], 0);
		if (blob == MAP_FAILED)
			goto fail_errno;
		err = defs_load(se, blob, d.size);
		if (err) {
			munmap(blob, d.size);
			goto fail;
		}
		se->defs = blob;
		se->defs_size = d.size;
	}

	off_t counters_size = lseek(fds[2], 0, SEEK_END);
	if (counters_size < (off_t)wire_counters_bytes(se->nevents))
		goto fail;
	void *counters = mmap(NULL, (size_t)counters_size, PROT_READ | PROT_WRITE, MAP_SHARED, fds[2], 0);
	if (counters == MAP_FAILED)
		goto fail_errno;
	err = ring_attach(fds[1], (uint32_t)getpid(), &se->region);
	if (err) {
		munmap(counters, (size_t)counters_size);
		goto fail;
	}
	se->counters = counters;
	se->counters_size = (size_t)counters_size;
	for (int i = 0; i < 3; i++)
		close(fds[i]);
	se->disabled = d.flags & WIRE_DEFS_DISABLED;
	se->sock = s;
	strcpy(se->path, path);
	agent.pid = h.pid;
	return 0;

fail_errno:
	err = -errno;
fail:
	for (int i = 0; i < 3; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	close(s);
	return err;
}

/* A free session slot, marked used (under arm_lock), or NULL. */
struct agent_session *session_slot(bool launched)
{
	struct agent_session *se = NULL;

	pthread_mutex_lock(&arm_lock);
	for (unsigned i = 0; i < AGENT_SESSIONS && !se; i++)
		if (!agent.sess[i].used)
			se = &agent.sess[i];
	if (se) {
		*se = (struct agent_session){ .slot = (unsigned)(se - agent.sess), .used = true,
					      .launched = launched, .sock = -1 };
	}
	pthread_mutex_unlock(&arm_lock);
	return se;
}

/*
 * What a session leaves behind, once nothing of it is armed and no hit
 * is still under way: its rings, counters, events, definitions, and its
 * slot.  The rings are detached (private memory over them: a late store
 * lands there); so are the counters, which a counting trampoline entered
 * just before the disarm may still add to.  Both are unmapped only when
 * the next session ends.
 */
static void session_free(struct agent_session *se)
{
	static struct ring_attach *old_region;
	static void *old_counters;
	static size_t old_size;

	thread_unbind_session(se);
	ring_unmap(old_region);
	old_region = se->region;
	if (se->region)
		ring_detach(se->region);
	if (old_counters)
		munmap(old_counters, old_size);
	old_counters = NULL;
	if (se->counters && mmap(se->counters, se->counters_size, PROT_READ | PROT_WRITE,
				 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) != MAP_FAILED) {
		old_counters = se->counters;
		old_size = se->counters_size;
	} else if (se->counters) {
		munmap(se->counters, se->counters_size);
	}
	if (se->defs)
		munmap(se->defs, se->defs_size);
	free(se->events);
	if (se->sock >= 0)
		close(se->sock);
	pthread_mutex_lock(&arm_lock);
	*se = (struct agent_session){ .sock = -1 };
	pthread_mutex_unlock(&arm_lock);
}

/*
 * The session has gone (or is going): take its events off every site
 * (a site nobody else uses is disarmed, its original bytes back), let
 * hits under way finish, say BYE so it can drain the last records, and
 * free what it used.  Other sessions' probes keep working throughout.
 */
void session_end(struct agent_session *se)
{
	struct wire_armed bye = { .type = WIRE_BYE };

	pthread_mutex_lock(&arm_lock);
	sites_drop_session(se);
	pthread_mutex_unlock(&arm_lock);
	/* Hits already under way finish before the session reads for the last time. */
	thread_quiesce(1000);
	if (se->sock >= 0)
		send(se->sock, &bye, sizeof(bye), MSG_NOSIGNAL);
	session_free(se);
}

/*
 * The session's WIRE_DISABLE: its events off every site (original bytes
 * back where no other session has events), and no hit still being
 * recorded when the answer goes.  WIRE_ENABLE arms with the program's
 * threads held (core/attach.h), so it ends with ARMED instead.
 */
static void enable(struct agent_session *se, const struct wire_ctl *m)
{
	struct wire_ctl done = { .type = WIRE_CTL_DONE, .seq = m->seq };

	if (m->type == WIRE_ENABLE) {
		se->disabled = false;
		agent_arm_held(se);
		return;
	}
	pthread_mutex_lock(&arm_lock);
	se->disabled = true;
	sites_drop_session(se);
	pthread_mutex_unlock(&arm_lock);
	thread_quiesce(1000);
	send(se->sock, &done, sizeof(done), MSG_NOSIGNAL);
}

/* Serve the session's commands until it has gone (its socket closed). */
void agent_serve(struct agent_session *se)
{
	union {
		uint32_t type;
		struct wire_ctl ctl;
		char buf[256];
	} m;

#ifdef XOL_NOLIBC
	/* Static programs: skipped hits into the counters every 100 ms (they may exit any time). */
	struct timeval tv = { 0, 100000 };
	syscall(SYS_setsockopt, se->sock, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
#endif
	for (;;) {
		ssize_t n = recv(se->sock, &m, sizeof(m), 0);
#ifdef XOL_NOLIBC
		pthread_mutex_lock(&arm_lock);
		sites_flush_skipped(se);
		pthread_mutex_unlock(&arm_lock);
		/* nothing interposes a static program's sigaction(): ours first again */
		signals_reassert();
		nolibc_maps_refresh(); /* where reads may go straight to memory */
		thread_prefault_rings();
#endif
		if (n == (ssize_t)sizeof(m.ctl) && (m.type == WIRE_ENABLE || m.type == WIRE_DISABLE))
			enable(se, &m.ctl);
		else if (n <= 0 && !(n < 0 && (errno == EINTR || errno == EAGAIN)))
			return;
	}
}

static void *control_thread(void *arg)
{
	agent_quiet_enter(); /* for good: nothing this thread does is the program's */
	agent_serve(arg);
	/* The session is gone: get out of the program's way. */
	session_end(arg);
	return NULL;
}

/*
 * A thread of the agent's own: detached, a small stack, every signal
 * blocked (the program's signals are for the program's threads), created
 * with the real pthread_create so the program's probes on it do not see it.
 */
#ifdef XOL_NOLIBC
/*
 * Static programs: clone() by hand.  The thread gets a stack and a thread
 * pointer of its own, whose block has room for what code built with a
 * stack protector reads there (libZydis: the canary at %fs:0x28).
 */
static long clone_thread(void *(*fn)(void *), void *arg, uint64_t *sp, void *tls,
			 volatile int *tid)
{
	register long r10 asm("r10") = (long)tid;
	register long r8 asm("r8") = (long)tls;
	long ret;

	*--sp = (uint64_t)arg;
	*--sp = (uint64_t)fn;
	asm volatile("syscall\n\t"
		     "test %%rax,%%rax\n\t"
		     "jnz 1f\n\t"
		     "pop %%rax\n\t"		/* the new thread: fn(arg), then exit */
		     "pop %%rdi\n\t"
		     "and $-16,%%rsp\n\t"
		     "call *%%rax\n\t"
		     "mov $60,%%eax\n\t"
		     "xor %%edi,%%edi\n\t"
		     "syscall\n\t"
		     "1:"
		     : "=a"(ret)
		     : "0"((long)SYS_clone),
		       "D"((long)(CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD |
				  CLONE_SYSVSEM | CLONE_SETTLS | CLONE_PARENT_SETTID |
				  CLONE_CHILD_CLEARTID)),
		       "S"(sp), "d"(tid), "r"(r10), "r"(r8)
		     : "rcx", "r11", "memory");
	return ret;
}

/*
 * A thread cannot unmap the stack it exits on: the kernel clears the
 * word of a stack's last thread when it has gone (CLONE_CHILD_CLEARTID),
 * and the next thread of that size runs on it again, so that attaching
 * again and again does not grow the process.
 */
static struct agent_stack {
	uint8_t *mem;
	size_t size;
	volatile int tid;
} stacks[8];

int agent_thread_start(void *(*fn)(void *), void *arg, size_t stack)
{
	struct agent_stack *st = NULL;
	sigset_t all, old;
	uint64_t *tcb;
	long ret;

	for (unsigned i = 0; i < sizeof(stacks) / sizeof(stacks[0]) && !st; i++)
		if (stacks[i].mem && stacks[i].size == stack &&
		    !__atomic_load_n(&stacks[i].tid, __ATOMIC_ACQUIRE))
			st = &stacks[i];
	for (unsigned i = 0; i < sizeof(stacks) / sizeof(stacks[0]) && !st; i++)
		if (!stacks[i].mem) {
			void *m = mmap(NULL, stack + 4096, PROT_READ | PROT_WRITE,
				       MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
			if (m == MAP_FAILED)
				return -ENOMEM;
			st = &stacks[i];
			st->mem = m;
			st->size = stack;
		}
	if (!st)
		return -EAGAIN; /* eight agent threads at once */
	uint8_t *mem = st->mem;
	tcb = (uint64_t *)(mem + stack);
	tcb[0] = (uint64_t)tcb;		/* the thread pointer points at itself */
	tcb[2] = (uint64_t)tcb;
	tcb[5] = 0x5a17c0ffee5eed00ull;	/* a stack protector's canary */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	st->tid = -1; /* taken; the kernel sets the thread's tid, then 0 when it has gone */
	ret = clone_thread(fn, arg, (uint64_t *)(mem + stack), tcb, &st->tid);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (ret < 0) {
		st->tid = 0;
		return (int)ret;
	}
	return 0;
}
#else
int agent_thread_start(void *(*fn)(void *), void *arg, size_t stack)
{
	static int (*real_create)(pthread_t *, const pthread_attr_t *, void *(*)(void *), void *);
	pthread_attr_t attr;
	pthread_t th;
	sigset_t all, old;
	int err;

	if (!real_create)
		real_create = (typeof(real_create))REAL_NEXT("pthread_create");
	if (!real_create)
		return -ENOSYS;
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	pthread_attr_setstacksize(&attr, stack);
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	err = real_create(&th, &attr, fn, arg);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	pthread_attr_destroy(&attr);
	return -err;
}
#endif

static int start_control_thread(struct agent_session *se)
{
	return agent_thread_start(control_thread, se, 64 * 1024);
}

void arm_and_report(struct agent_session *se)
{
	struct wire_armed a = { .type = WIRE_ARMED };
	int placed = 0;

	pthread_mutex_lock(&arm_lock);
	arming = true;
	if (se->disabled)
		sites_drop_session(se); /* a child of a process armed when it forked */
	else
		placed = sites_arm_all(se);
	se->armed = true;
	arming = false;
	pthread_mutex_unlock(&arm_lock);
	a.nsites = placed > 0 ? (uint32_t)placed : 0;
	send(se->sock, &a, sizeof(a), MSG_NOSIGNAL);
}

void child_after_fork(void);

/*
 * What the hit path needs before the first site is armed, launched or
 * attached: where the thread state and the CPU are found from the thread
 * pointer, the return trampoline, the signal handlers.
 */
int agent_setup_hit_path(void)
{
#ifndef XOL_NOLIBC
	agent.tls_self_off = (long)((char *)&xol_self - (char *)__builtin_thread_pointer());
	agent.tls_stack_off = (long)((char *)&xol_hit_stack - (char *)__builtin_thread_pointer());
	/* glibc registers an rseq area per thread; its cpu_id is the current CPU. */
	if (__rseq_size >= 8)
		agent.rseq_cpu_offset = (long)__rseq_offset + 4;
#else
	/* No TLS: no fast path through %fs; Go's sites' stack word in Go's m.tls. */
	agent.nolibc = true;
	agent.tls_stack_off = GO_TLS_STACK;
	nolibc_maps_refresh();
#endif
	agent.ret_tramp = (uint64_t)xol_return_trampoline;
	return signals_install();
}

/* Launched: connect, then arm before main(), as the agent's own (quiet) work. */
static int agent_start(const char *path)
{
	struct agent_session *se = session_slot(true);
	int err, quiet;

	if (!se)
		return -EBUSY;
	err = session_connect(se, path);
	if (err) {
		session_free(se);
		return err;
	}
	thread_init_main();
	thread_bind_session(se);
	quiet = agent_quiet_enter();
	err = agent_setup_hit_path();
	if (!err) {
		agent.active = true;
		err = start_control_thread(se);
	}
	if (!err) {
		arm_and_report(se);
		if (_r_debug.r_brk && !site_lookup(_r_debug.r_brk))
			site_place_hook(_r_debug.r_brk, on_link_map_change);
		return_arm();
	}
	agent_quiet_leave(quiet);
	return err;
}

static void child_reconnect(void);

void child_after_fork(void)
{
	int quiet = agent_quiet_enter();

	child_reconnect();
	agent_quiet_leave(quiet);
}

/*
 * In the child after fork: every session the parent had is connected to
 * again (by its socket's path), with rings and counters of the child's
 * own; a session that cannot be reached loses its events here.
 */
static void child_reconnect(void)
{
	/*
	 * Nothing of the parent's is ours: not its sockets, not its rings, and
	 * above all not its /proc/self/mem, which writes into the parent.
	 */
	if (agent.memfd >= 0)
		close(agent.memfd);
	agent.memfd = -1;
	thread_release_all_after_fork(); /* and no thread has a ring or a row now */
	for (unsigned i = 0; i < AGENT_SESSIONS; i++) {
		struct agent_session *se = &agent.sess[i];
		if (!se->used)
			continue;
		if (se->sock >= 0)
			close(se->sock);
		se->sock = -1;
		if (se->region)
			ring_detach(se->region);
		se->region = NULL;
		if (se->counters)
			munmap(se->counters, se->counters_size);
		se->counters = NULL;
		char path[sizeof(se->path)];
		memcpy(path, se->path, sizeof(path));
		if (!agent.active || session_connect(se, path)) {
			pthread_mutex_lock(&arm_lock);
			sites_drop_session(se);
			pthread_mutex_unlock(&arm_lock);
			session_free(se);
			continue;
		}
		thread_bind_session(se);
		start_control_thread(se);
		arm_and_report(se);
	}
}

__attribute__((constructor(101))) static void agent_init(void)
{
	const char *path = getenv(XOL_SESSION_ENV);

	if (!path || !*path)
		return;
	if (agent_start(path)) {
		sites_disarm_all();
		return;
	}
	pthread_atfork(NULL, NULL, child_after_fork);
}

/*
 * At exit, after the program's own destructors (priority 101 runs last
 * among ours): restore the code, then say goodbye so each session can
 * drain this process's rings for the last time.
 */
__attribute__((destructor(101))) static void agent_fini(void)
{
	struct wire_armed bye = { .type = WIRE_BYE };

	if (!agent.active)
		return;
	pthread_mutex_lock(&arm_lock);
	sites_disarm_all();
	pthread_mutex_unlock(&arm_lock);
	return_fini();
	for (unsigned i = 0; i < AGENT_SESSIONS; i++)
		if (agent.sess[i].used && agent.sess[i].sock >= 0)
			send(agent.sess[i].sock, &bye, sizeof(bye), MSG_NOSIGNAL);
}

/* --- libraries loaded and unloaded later ------------------------------- */

/*
 * The dynamic linker calls r_brk with r_state RT_CONSISTENT once the
 * objects of a dlopen() are mapped (before they are relocated and before
 * any constructor runs) and once those of a dlclose() are unmapped: the
 * moment to arm the new mappings and forget the gone ones, as the kernel
 * arms a uprobe when the file is mmapped.
 */
void on_link_map_change(void)
{
	int placed[AGENT_SESSIONS] = { 0 };

	if (!agent.active || arming || _r_debug.r_state != RT_CONSISTENT)
		return;
	int quiet = agent_quiet_enter();
	pthread_mutex_lock(&arm_lock);
	arming = true;
	sites_forget_unmapped();
	if (agent.late) /* the new objects' calls to sigaction() & co. come to us too */
		signals_interpose_late();
	for (unsigned i = 0; i < AGENT_SESSIONS; i++)
		if (agent.sess[i].used && agent.sess[i].sock >= 0 && agent.sess[i].armed &&
		    !agent.sess[i].disabled)
			placed[i] = sites_arm_all(&agent.sess[i]);
	arming = false;
	pthread_mutex_unlock(&arm_lock);
	agent_quiet_leave(quiet);
	for (unsigned i = 0; i < AGENT_SESSIONS; i++) {
		if (placed[i] > 0) {
			struct wire_armed a = { .type = WIRE_ARMED, .nsites = (uint32_t)placed[i] };
			send(agent.sess[i].sock, &a, sizeof(a), MSG_NOSIGNAL);
		}
	}
}

#ifndef XOL_NOLIBC
/* --- $comm follows the thread's name ----------------------------------- */

__attribute__((visibility("default")))
int pthread_setname_np(pthread_t th, const char *name)
{
	static int (*real)(pthread_t, const char *);
	int ret;

	if (!real)
		real = (typeof(real))REAL_NEXT("pthread_setname_np");
	ret = real(th, name);
	if (!ret && pthread_equal(th, pthread_self()))
		thread_comm_changed();
	else if (!ret)
		thread_rename(th, name);
	return ret;
}

__attribute__((visibility("default")))
int prctl(int option, ...)
{
	static int (*real)(int, unsigned long, unsigned long, unsigned long, unsigned long);
	unsigned long a[4];
	va_list ap;
	int ret;

	va_start(ap, option);
	for (int i = 0; i < 4; i++)
		a[i] = va_arg(ap, unsigned long);
	va_end(ap);
	if (!real)
		real = (typeof(real))REAL_NEXT("prctl");
	ret = real(option, a[0], a[1], a[2], a[3]);
	if (!ret && option == PR_SET_NAME)
		thread_comm_changed();
	return ret;
}
#endif
