// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * libxol-agent.so: the engine inside a traced process.
 *
 * Loaded by LD_PRELOAD (or injected), its constructor connects to the
 * session named by XOL_SESSION, receives the compiled definitions and a
 * ring region of its own, arms every probe on every mapping of the probed
 * files, and only then returns, so the probes are armed before main().
 * A control thread then waits on the session socket: when the session
 * goes away (ends, dies, is killed) it disarms every probe and the program
 * runs on untouched.
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
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/rseq.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "agent.h"
#include "fetch.h"

struct agent agent = { .sock = -1, .memfd = -1 };

pthread_mutex_t arm_lock = PTHREAD_MUTEX_INITIALIZER; /* attach.c takes it too */
static __thread bool arming __attribute__((tls_model("initial-exec"))); /* holds arm_lock */
/* Before the session answered there are no events, so nothing is counted here. */
static struct wire_counters dummy_counters[XOL_COUNTER_ROWS];

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

/* Check the DEFS blob and point the events and probes into it. */
static int defs_load(void *blob, size_t size)
{
	const struct wire_defs *d = blob;
	size_t at;

	if (size < sizeof(*d) || d->magic != XOL_WIRE_MAGIC || d->size != size ||
	    d->nevents > AGENT_MAX_EVENTS)
		return -EPROTO;
	at = sizeof(*d);
	if (d->nprobes > (size - at) / sizeof(struct wire_probe))
		return -EPROTO;
	agent.events = calloc(d->nevents ? d->nevents : 1, sizeof(*agent.events));
	if (!agent.events)
		return -ENOMEM;
	agent.probes = (const struct wire_probe *)((char *)blob + at);
	agent.nprobes = d->nprobes;
	at += d->nprobes * sizeof(struct wire_probe);
	for (unsigned i = 0; i < d->nevents; i++) {
		const struct wire_event *w = (const void *)((char *)blob + at);
		struct agent_event *e = &agent.events[i];

		if (size - at < sizeof(*w))
			return -EPROTO;
		at += sizeof(*w);
		if ((size - at) / sizeof(struct wire_arg) < w->nargs || w->nargs > TP_MAX_ARGS)
			return -EPROTO;
		e->w = w;
		e->index = i;
		e->args = (const struct wire_arg *)((char *)blob + at);
		at += w->nargs * sizeof(struct wire_arg);
		if (size - at < w->data_len || w->fixed_size > TP_RECORD_MAX)
			return -EPROTO;
		e->data = (const char *)blob + at;
		at += (w->data_len + 7) & ~7u;
		e->has_dyn = false;
		for (unsigned k = 0; k < w->nargs; k++) {
			const struct wire_arg *a = &e->args[k];
			if (a->offset + (a->count ? a->count : 1) * a->size > w->fixed_size)
				return -EPROTO;
			if (a->kind == TP_TYPE_STRING || a->kind == TP_TYPE_USTRING)
				e->has_dyn = true;
			e->fast[k] = (uint8_t)fetch_classify(&a->prog);
		}
	}
	for (unsigned i = 0; i < d->nprobes; i++)
		if (agent.probes[i].event >= d->nevents)
			return -EPROTO;
	agent.nevents = d->nevents;
	agent.tsc_hz = d->tsc_hz;
	return 0;
}

/* HELLO, then DEFS with the blob, the ring region and the counters. */
int session_connect(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct wire_hello h = { .type = WIRE_HELLO, .magic = XOL_WIRE_MAGIC };
	struct wire_defs d;
	int fds[3] = { -1, -1, -1 }, s, err;

	if (strlen(path) >= sizeof(sa.sun_path))
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

	if (!agent.defs) {
		void *blob = mmap(NULL, d.size, PROT_READ, MAP_SHARED, fds[0], 0);
		if (blob == MAP_FAILED)
			goto fail_errno;
		err = defs_load(blob, d.size);
		if (err) {
			munmap(blob, d.size);
			goto fail;
		}
		agent.defs = blob;
		agent.defs_size = d.size;
	}

	off_t counters_size = lseek(fds[2], 0, SEEK_END);
	if (counters_size < (off_t)wire_counters_bytes(agent.nevents))
		goto fail;
	void *counters = mmap(NULL, (size_t)counters_size, PROT_READ | PROT_WRITE, MAP_SHARED, fds[2], 0);
	if (counters == MAP_FAILED)
		goto fail_errno;
	err = ring_attach(fds[1], (uint32_t)getpid(), &agent.region);
	if (err) {
		munmap(counters, (size_t)counters_size);
		goto fail;
	}
	agent.counters = counters;
	for (int i = 0; i < 3; i++)
		close(fds[i]);
	agent.sock = s;
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

static void *control_thread(void *arg)
{
	char buf[256];

	(void)arg;
	agent_quiet_enter(); /* for good: nothing this thread does is the program's */
	for (;;) {
		ssize_t n = recv(agent.sock, buf, sizeof(buf), 0);
		if (n > 0)
			continue;
		if (n < 0 && errno == EINTR)
			continue;
		break;
	}
	/* The session is gone: get out of the program's way. */
	pthread_mutex_lock(&arm_lock);
	sites_disarm_all();
	agent.active = false;
	pthread_mutex_unlock(&arm_lock);
	/* Hits already under way finish before the session reads for the last time. */
	thread_quiesce(1000);
	struct wire_armed bye = { .type = WIRE_BYE };
	send(agent.sock, &bye, sizeof(bye), MSG_NOSIGNAL);
	return NULL;
}

/*
 * A thread of the agent's own: detached, a small stack, every signal
 * blocked (the program's signals are for the program's threads), created
 * with the real pthread_create so the program's probes on it do not see it.
 */
int agent_thread_start(void *(*fn)(void *), size_t stack)
{
	static int (*real_create)(pthread_t *, const pthread_attr_t *, void *(*)(void *), void *);
	pthread_attr_t attr;
	pthread_t th;
	sigset_t all, old;
	int err;

	if (!real_create)
		real_create = (typeof(real_create))dlsym(RTLD_NEXT, "pthread_create");
	if (!real_create)
		return -ENOSYS;
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	pthread_attr_setstacksize(&attr, stack);
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	err = real_create(&th, &attr, fn, NULL);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	pthread_attr_destroy(&attr);
	return -err;
}

static int start_control_thread(void)
{
	return agent_thread_start(control_thread, 64 * 1024);
}

void arm_and_report(void)
{
	struct wire_armed a = { .type = WIRE_ARMED };
	int placed;

	pthread_mutex_lock(&arm_lock);
	arming = true;
	placed = sites_arm_all();
	arming = false;
	pthread_mutex_unlock(&arm_lock);
	a.nsites = placed > 0 ? (uint32_t)placed : 0;
	send(agent.sock, &a, sizeof(a), MSG_NOSIGNAL);
}

void child_after_fork(void);
static int agent_arm(void);

static int agent_start(const char *path)
{
	int err = session_connect(path), quiet;

	if (err)
		return err;
	thread_init_main();
	quiet = agent_quiet_enter();
	err = agent_arm();
	agent_quiet_leave(quiet);
	return err;
}

/*
 * What the hit path needs before the first site is armed, launched or
 * attached: where the thread state and the CPU are found from the thread
 * pointer, the return trampoline, the signal handlers.
 */
int agent_setup_hit_path(void)
{
	agent.tls_self_off = (long)((char *)&xol_self - (char *)__builtin_thread_pointer());
	agent.tls_stack_off = (long)((char *)&xol_hit_stack - (char *)__builtin_thread_pointer());
	/* glibc registers an rseq area per thread; its cpu_id is the current CPU. */
	if (__rseq_size >= 8)
		agent.rseq_cpu_offset = (long)__rseq_offset + 4;
	agent.ret_tramp = (uint64_t)xol_return_trampoline;
	return signals_install();
}

/* Everything after the session answered, as the agent's own (quiet) work. */
static int agent_arm(void)
{
	int err = agent_setup_hit_path();

	if (err)
		return err;
	agent.active = true;
	err = start_control_thread();
	if (err)
		return err;
	arm_and_report();
	if (_r_debug.r_brk)
		site_place_hook(_r_debug.r_brk, on_link_map_change);
	return_arm();
	return 0;
}

static void child_reconnect(void);

void child_after_fork(void)
{
	int quiet = agent_quiet_enter();

	child_reconnect();
	agent_quiet_leave(quiet);
}

static void child_reconnect(void)
{
	const char *path = getenv(XOL_SESSION_ENV);

	if (!path && agent.attach_path[0]) /* attached with -p: no environment */
		path = agent.attach_path;

	/*
	 * Nothing of the parent's is ours: not its socket, not its rings, and
	 * above all not its /proc/self/mem, which writes into the parent.
	 */
	if (agent.memfd >= 0)
		close(agent.memfd);
	agent.memfd = -1;
	if (agent.sock >= 0)
		close(agent.sock);
	agent.sock = -1;
	if (agent.region)
		ring_detach(agent.region);
	agent.region = NULL;
	/* Until the child's own arrive: counted nowhere the parent or session sees. */
	void *c = mmap(NULL, wire_counters_bytes(agent.nevents),
		       PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (c != MAP_FAILED)
		agent.counters = c;
	thread_release_all_after_fork();
	if (xol_self)
		thread_set_row(xol_self);
	if (!agent.active || !path || session_connect(path)) {
		sites_disarm_all();
		agent.active = false;
		return;
	}
	thread_attach_ring();
	if (xol_self)
		thread_set_row(xol_self);
	start_control_thread();
	arm_and_report();
}

__attribute__((constructor(101))) static void agent_init(void)
{
	const char *path = getenv(XOL_SESSION_ENV);

	agent.counters = dummy_counters;
	if (!path || !*path)
		return;
	if (agent_start(path)) {
		sites_disarm_all();
		agent.active = false;
		return;
	}
	pthread_atfork(NULL, NULL, child_after_fork);
}

/*
 * At exit, after the program's own destructors (priority 101 runs last
 * among ours): restore the code, then say goodbye so the session can
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
	if (agent.sock >= 0)
		send(agent.sock, &bye, sizeof(bye), MSG_NOSIGNAL);
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
	if (!agent.active || arming || _r_debug.r_state != RT_CONSISTENT)
		return;
	int quiet = agent_quiet_enter();
	pthread_mutex_lock(&arm_lock);
	arming = true;
	sites_forget_unmapped();
	int placed = sites_arm_all();
	arming = false;
	pthread_mutex_unlock(&arm_lock);
	agent_quiet_leave(quiet);
	if (placed > 0) {
		struct wire_armed a = { .type = WIRE_ARMED, .nsites = (uint32_t)placed };
		send(agent.sock, &a, sizeof(a), MSG_NOSIGNAL);
	}
}

/* --- $comm follows the thread's name ----------------------------------- */

__attribute__((visibility("default")))
int pthread_setname_np(pthread_t th, const char *name)
{
	static int (*real)(pthread_t, const char *);
	int ret;

	if (!real)
		real = (typeof(real))dlsym(RTLD_NEXT, "pthread_setname_np");
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
		real = (typeof(real))dlsym(RTLD_NEXT, "prctl");
	ret = real(option, a[0], a[1], a[2], a[3]);
	if (!ret && option == PR_SET_NAME)
		thread_comm_changed();
	return ret;
}
