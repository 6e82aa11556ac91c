// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Attaching to running processes (-p PID): the session's side.
 *
 * 1. Check the PID (exists, not a zombie, not a kernel thread, not being
 *    traced, not xol itself, dynamically linked) before touching it.
 * 2. Pick one thread, preferably one blocked in a system call other than
 *    futex (it holds no lock the dynamic linker or malloc need), seize and
 *    interrupt it with ptrace, save its registers and extended state, and
 *    make it call dlopen(libxol-agent.so) then xol_agent_attach(socket),
 *    each returning to address 0, whose SIGSEGV ends the call.  Where the
 *    agent is loaded already (an earlier session) only the second call is
 *    made.  Restore everything and detach: a system call the thread was
 *    in restarts as if nothing happened, because the saved orig_rax and
 *    -ERESTART* return value go back with the registers, and the injected
 *    calls ran with orig_rax = -1 so the kernel never restarted into them.
 *    Signals that arrived meanwhile are sent again after the detach.
 * 3. The agent's own thread connects and asks for a pause: every other
 *    thread is seized and interrupted, the agent patches, then for each
 *    stopped thread asks the agent whether its ip (or, for a system call
 *    about to restart, the syscall instruction) lies inside bytes a jump
 *    displaced; if so the thread is moved to the trampoline's copy (a
 *    restart is done by hand there: ip at the copied syscall, rax = the
 *    call number, orig_rax = -1).  Detach all, RESUME: ptrace is done.
 *
 * Ending is the agent's business: it disarms when the socket closes, for
 * whatever reason (attach_finish() asks politely and waits for BYE).
 */
#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <asm/hwcap2.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <elf.h>

#include "attach.h"
#include "inject.h"
#include "elfsym.h"
#include "core/attach.h"
#include "session.h"

#define CALL_TIMEOUT_MS 10000
#define STOP_TIMEOUT_MS 3000
#define AGENT_TIMEOUT_MS 10000
#define XSTATE_MAX (64 << 10)

#ifndef PF_KTHREAD
#define PF_KTHREAD 0x00200000
#endif

/* The kernel's restart codes, as a stopped thread shows them in rax. */
#define ERESTARTSYS           512
#define ERESTARTNOINTR        513
#define ERESTARTNOHAND        514
#define ERESTART_RESTARTBLOCK 516

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

int attach_parse_pids(const char *arg, pid_t **out, unsigned *n)
{
	pid_t *pids = NULL;
	unsigned cnt = 0;
	const char *p = arg;

	while (*p) {
		char *end;
		long v = strtol(p, &end, 10);
		if (end == p || v <= 0 || v > INT_MAX || (*end && *end != ',')) {
			fprintf(stderr, "xol: bad PID list '%s' (PID[,PID...])\n", arg);
			free(pids);
			return -EINVAL;
		}
		pid_t *np = realloc(pids, (cnt + 1) * sizeof(*np));
		if (!np) {
			free(pids);
			return -ENOMEM;
		}
		pids = np;
		pids[cnt++] = (pid_t)v;
		p = *end ? end + 1 : end;
	}
	if (!cnt) {
		fprintf(stderr, "xol: bad PID list '%s' (PID[,PID...])\n", arg);
		return -EINVAL;
	}
	*out = pids;
	*n = cnt;
	return 0;
}

/* --- what /proc says about a process ------------------------------------- */

static int read_text(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -errno;
	buf[n] = 0;
	return (int)n;
}

struct procinfo {
	char comm[64];
	char state;
	unsigned long flags;
	pid_t tgid, tracer;
	unsigned uid;
};

static int proc_info(pid_t pid, struct procinfo *pi)
{
	char path[64], buf[4096], *p;

	memset(pi, 0, sizeof(*pi));
	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	if (read_text(path, buf, sizeof(buf)) < 0)
		return -ESRCH;
	/* pid (comm) state ppid pgrp session tty tpgid flags: comm may hold anything */
	char *open_ = strchr(buf, '('), *close_ = strrchr(buf, ')');
	if (!open_ || !close_)
		return -EIO;
	snprintf(pi->comm, sizeof(pi->comm), "%.*s", (int)(close_ - open_ - 1), open_ + 1);
	p = close_ + 2;
	pi->state = *p;
	int d;
	if (sscanf(p + 2, "%d %d %d %d %d %lu", &d, &d, &d, &d, &d, &pi->flags) != 6)
		return -EIO;
	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	if (read_text(path, buf, sizeof(buf)) < 0)
		return -ESRCH;
	if ((p = strstr(buf, "\nTgid:")))
		pi->tgid = atoi(p + 6);
	if ((p = strstr(buf, "\nTracerPid:")))
		pi->tracer = atoi(p + 11);
	if ((p = strstr(buf, "\nUid:")))
		pi->uid = (unsigned)atoi(p + 5);
	return 0;
}

static int ptrace_scope(void)
{
	char buf[16];

	return read_text("/proc/sys/kernel/yama/ptrace_scope", buf, sizeof(buf)) > 0 ? atoi(buf) : -1;
}

/* Why ptrace was refused, in words a user can act on. */
static void explain_eperm(pid_t pid, const struct procinfo *pi)
{
	int scope = ptrace_scope();

	fprintf(stderr, "xol: cannot attach to %d (%s): ptrace not permitted", pid, pi->comm);
	if (pi->uid != getuid() && geteuid() != 0)
		fprintf(stderr, " (it runs as uid %u, you are uid %u: attaching needs the same "
				"user or CAP_SYS_PTRACE)", pi->uid, getuid());
	else if (scope == 1)
		fprintf(stderr, " (Yama ptrace_scope is 1: only a parent may attach; run as root, "
				"or set /proc/sys/kernel/yama/ptrace_scope to 0)");
	else if (scope == 2)
		fprintf(stderr, " (Yama ptrace_scope is 2: only CAP_SYS_PTRACE may attach)");
	else if (scope == 3)
		fprintf(stderr, " (Yama ptrace_scope is 3: attaching is disabled until reboot)");
	else
		fprintf(stderr, " (a setuid program, or one that made itself undumpable, "
				"needs CAP_SYS_PTRACE)");
	fprintf(stderr, "\n");
}

/* The checks of point 7: nothing is touched before they pass. */
static int check_pid(pid_t *pidp, struct procinfo *pi)
{
	pid_t pid = *pidp;
	int err = proc_info(pid, pi);

	if (err == -ESRCH) {
		fprintf(stderr, "xol: no process with PID %d\n", pid);
		return -ESRCH;
	}
	if (err) {
		fprintf(stderr, "xol: cannot read /proc/%d: %s\n", pid, strerror(-err));
		return err;
	}
	if (pi->flags & PF_KTHREAD) {
		fprintf(stderr, "xol: %d (%s) is a kernel thread: there is no user space to trace\n",
			pid, pi->comm);
		return -EPERM;
	}
	if (pi->state == 'Z' || pi->state == 'X') {
		fprintf(stderr, "xol: %d (%s) is a zombie: it has exited, nothing runs to trace\n",
			pid, pi->comm);
		return -ESRCH;
	}
	if (pi->tgid && pi->tgid != pid) {
		fprintf(stderr, "xol: %d is a thread of process %d (%s): attaching to the process\n",
			pid, pi->tgid, pi->comm);
		*pidp = pid = pi->tgid;
		if (proc_info(pid, pi))
			return -ESRCH;
	}
	if (pid == getpid()) {
		fprintf(stderr, "xol: %d is xol itself\n", pid);
		return -EINVAL;
	}
	if (pi->tracer) {
		struct procinfo t;
		if (proc_info(pi->tracer, &t))
			snprintf(t.comm, sizeof(t.comm), "?");
		fprintf(stderr, "xol: %d (%s) is already being traced by %d (%s): "
				"a process has one tracer at a time\n",
			pid, pi->comm, pi->tracer, t.comm);
		return -EBUSY;
	}
	return 0;
}

/* --- the target's libraries ---------------------------------------------- */

struct lib {
	uint64_t base;          /* start of its mapping at file offset 0 */
	char path[PATH_MAX + 64]; /* readable from here: /proc/PID/map_files/... if deleted */
	bool found;
	bool nolibc;            /* xol-agent-static.so, mapped by a session */
};

static bool is_libc(const char *name)
{
	const char *b = strrchr(name, '/');

	b = b ? b + 1 : name;
	return !strcmp(b, "libc.so.6") || (!strncmp(b, "libc-", 5) && strstr(b, ".so"));
}

static bool is_agent(const char *name)
{
	const char *b = strrchr(name, '/');

	b = b ? b + 1 : name;
	return !strncmp(b, "libxol-agent.so", 15) && (!b[15] || !strcmp(b + 15, " (deleted)"));
}

static void note_lib(pid_t pid, struct lib *l, unsigned long start, unsigned long end,
		     const char *name)
{
	char try[PATH_MAX + 64];

	l->base = start;
	l->found = true;
	/* The target's own view of the file (chroot, containers), else the mapping itself. */
	snprintf(try, sizeof(try), "/proc/%d/root%s", pid, name);
	if (!strstr(name, " (deleted)") && !access(try, R_OK))
		snprintf(l->path, sizeof(l->path), "%s", try);
	else
		snprintf(l->path, sizeof(l->path), "/proc/%d/map_files/%lx-%lx", pid, start, end);
}

/* The agent of static programs, as xol maps it (attach_static()). */
static bool is_static_agent(const char *name)
{
	return !strcmp(name, "/memfd:" INJECT_AGENT_NAME " (deleted)");
}

static int scan_maps(pid_t pid, struct lib *libc, struct lib *agent)
{
	char path[64], line[PATH_MAX + 128];
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/maps", pid);
	if (!(f = fopen(path, "re")))
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		unsigned long start, end, off;
		char perms[8];
		int name_at = 0;

		line[strcspn(line, "\n")] = 0;
		if (sscanf(line, "%lx-%lx %7s %lx %*s %*s %n", &start, &end, perms, &off, &name_at) < 4 ||
		    !name_at || off != 0)
			continue;
		const char *name = line + name_at;
		if (!libc->found && is_libc(name))
			note_lib(pid, libc, start, end, name);
		else if (!agent->found && is_agent(name))
			note_lib(pid, agent, start, end, name);
		else if (!agent->found && is_static_agent(name)) {
			note_lib(pid, agent, start, end, name);
			agent->nolibc = true;
		}
	}
	fclose(f);
	return 0;
}

/* Address of the dynamic symbol @name of @l, or 0. */
static uint64_t lib_symbol(const struct lib *l, const char *name)
{
	int fd = open(l->path, O_RDONLY | O_CLOEXEC);
	uint64_t addr = 0, first_vaddr = ~0ull;
	Elf *e;

	if (fd < 0)
		return 0;
	elf_version(EV_CURRENT);
	e = elf_begin(fd, ELF_C_READ_MMAP, NULL);
	size_t nph = 0;
	if (e && !elf_getphdrnum(e, &nph)) {
		for (size_t i = 0; i < nph; i++) {
			GElf_Phdr ph;
			if (gelf_getphdr(e, (int)i, &ph) && ph.p_type == PT_LOAD && ph.p_vaddr < first_vaddr)
				first_vaddr = ph.p_vaddr & ~0xfffull;
		}
	}
	struct elf_symtab t = { 0 };
	if (e && !elf_symtab_add(&t, e))
		for (size_t i = 0; i < t.n && !addr; i++) {
			const struct elf_sym *s = &t.v[i];
			if (s->dynsym && s->defined && s->value && s->type == STT_FUNC && !strcmp(s->name, name))
				addr = l->base + s->value - (first_vaddr == ~0ull ? 0 : first_vaddr);
		}
	elf_symtab_free(&t);
	if (e)
		elf_end(e);
	close(fd);
	return addr;
}

/* Whether a user other than the file's owner can read @path: r on it, x on each folder. */
static bool others_can_read(const char *path)
{
	char buf[PATH_MAX], *slash;
	struct stat st;

	if (!realpath(path, buf) || stat(buf, &st) || !(st.st_mode & S_IROTH))
		return false;
	while ((slash = strrchr(buf, '/')) && slash != buf) {
		*slash = 0;
		if (stat(buf, &st) || !(st.st_mode & S_IXOTH))
			return false;
	}
	return true;
}

/* --- ptrace ---------------------------------------------------------------- */

struct held {
	pid_t tid;
	int sig;                /* a signal that arrived while held: sent again after */
};

/*
 * Wait for a stop of @tid: PTRACE_EVENT_STOP (want_segv false) or the
 * SIGSEGV of a call returning to 0 (want_segv true).  Other signals: while
 * a thread is held (want_segv false) they are delivered at once, as they
 * came; above all the SIGTRAP of an armed int3, which only the handler
 * can take it past (sent again later it would come as a tkill, at an ip
 * one byte into the instruction).  During a borrowed call, faults and
 * traps are delivered too (the call may reach another session's int3, or
 * a fault the agent fixes up); other signals are suppressed and
 * remembered in h->sig (one; later ones of the same kind merge, as
 * pending signals do), so no handler of the program runs in the middle
 * of it.  Returns 0, -ESRCH (it exited), -ETIMEDOUT.
 */
/*
 * The next stop of @h->tid before @deadline: 0 with its status in *st,
 * -ESRCH (it exited), -ETIMEDOUT.  Polled: a session serves its agents
 * while it waits.
 */
static int next_stop(const struct held *h, uint64_t deadline, int *st)
{
	unsigned spins = 0;

	for (;;) {
		pid_t w = waitpid(h->tid, st, __WALL | WNOHANG);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -ESRCH;
		if (w == 0) {
			if (now_ns() > deadline)
				return -ETIMEDOUT;
			if (++spins > 200) {
				struct timespec ts = { 0, 20000 };
				nanosleep(&ts, NULL);
			}
			continue;
		}
		if (WIFEXITED(*st) || WIFSIGNALED(*st))
			return -ESRCH;
		if (WIFSTOPPED(*st))
			return 0;
	}
}

static int wait_stop(struct held *h, bool want_segv, int timeout_ms)
{
	uint64_t deadline = now_ns() + (uint64_t)timeout_ms * 1000000ull;

	for (;;) {
		int st, err = next_stop(h, deadline, &st);

		if (err)
			return err;
		int sig = WSTOPSIG(st), event = st >> 16;
		if (event == PTRACE_EVENT_STOP) {
			if (!want_segv)
				return 0;
			/* a group stop in the middle of a call: let the call finish */
			ptrace(PTRACE_CONT, h->tid, 0, 0);
			continue;
		}
		if (want_segv && sig == SIGSEGV) {
			struct user_regs_struct r;
			if (!ptrace(PTRACE_GETREGS, h->tid, 0, &r) && r.rip == 0)
				return 0;
		}
		/* Faults and traps (an armed int3 of another session in a borrowed call) too. */
		if (!want_segv || sig == SIGTRAP || sig == SIGSEGV || sig == SIGBUS ||
		    sig == SIGILL || sig == SIGFPE) {
			ptrace(PTRACE_CONT, h->tid, 0, sig);
			continue;
		}
		/* Someone else's signal: keep it for later, let the thread go on to our stop. */
		if (!h->sig)
			h->sig = sig;
		ptrace(PTRACE_CONT, h->tid, 0, 0);
	}
}

static int seize_stop(struct held *h)
{
	if (ptrace(PTRACE_SEIZE, h->tid, 0, 0))
		return -errno;
	if (ptrace(PTRACE_INTERRUPT, h->tid, 0, 0)) {
		int err = -errno;
		ptrace(PTRACE_DETACH, h->tid, 0, 0);
		return err;
	}
	return 0;
}

static bool eintr_on_stop(long nr);

/*
 * A thread that entered one of the calls our stop makes fail with EINTR
 * between the look at /proc and the stop (see eintr_on_stop): run the
 * call again, as if the stop had never happened.
 */
static void restart_eintr(struct held *h)
{
	struct user_regs_struct r;
	long word;

	if (ptrace(PTRACE_GETREGS, h->tid, 0, &r) || (long)r.rax != -EINTR ||
	    (long)r.orig_rax < 0 || !eintr_on_stop((long)r.orig_rax))
		return;
	errno = 0;
	word = ptrace(PTRACE_PEEKTEXT, h->tid, r.rip - 2, 0);
	if (errno || (word & 0xffff) != 0x050f) /* not right after a syscall instruction */
		return;
	r.rax = r.orig_rax;
	r.rip -= 2;
	ptrace(PTRACE_SETREGS, h->tid, 0, &r);
}

static void release(pid_t pid, struct held *h)
{
	restart_eintr(h);
	ptrace(PTRACE_DETACH, h->tid, 0, 0);
	if (h->sig)
		syscall(SYS_tgkill, pid, h->tid, h->sig);
}

/*
 * System calls that fail with EINTR when their thread is merely stopped and
 * resumed (signal(7), "Interruption of system calls ... by stop signals"):
 * a thread blocked in one is neither borrowed nor held, so the program
 * never sees a spurious error.  Blocked there, it is not inside any code
 * we patch; it could only wake and run into a displaced range in the
 * microseconds of the patch itself.
 */
static bool eintr_on_stop(long nr)
{
	switch (nr) {
	case SYS_epoll_wait:
	case SYS_epoll_pwait:
#ifdef SYS_epoll_pwait2
	case SYS_epoll_pwait2:
#endif
	case SYS_semop:
	case SYS_semtimedop:
	case SYS_rt_sigtimedwait:
		return true;
	}
	return false;
}

/* The system call @tid is blocked in, -1 if none (running, or not in one). */
static long blocked_in(pid_t pid, pid_t tid)
{
	char path[96], buf[256];

	snprintf(path, sizeof(path), "/proc/%d/task/%d/syscall", pid, tid);
	if (read_text(path, buf, sizeof(buf)) <= 0 || buf[0] == 'r' || buf[0] == '-')
		return -1;
	return atol(buf);
}

/*
 * The thread to borrow: one blocked in a system call holds no lock of the
 * program's (it is in a libc wrapper); futex is the exception, it may be
 * waiting while holding another lock.  Else the main thread.
 */
static pid_t pick_thread(pid_t pid)
{
	char path[96];
	pid_t best = pid;
	int best_score = -2;
	DIR *d;
	struct dirent *de;

	snprintf(path, sizeof(path), "/proc/%d/task", pid);
	if (!(d = opendir(path)))
		return pid;
	while ((de = readdir(d))) {
		pid_t tid = atoi(de->d_name);
		int score = 0;
		if (tid <= 0)
			continue;
		long nr = blocked_in(pid, tid);
		if (nr >= 0)
			score = eintr_on_stop(nr) ? -1 : nr == SYS_futex ? 1 : 2;
		if (score > best_score || (score == best_score && tid == pid)) {
			best = tid;
			best_score = score;
		}
	}
	closedir(d);
	return best;
}

struct remote {
	pid_t pid;
	struct held h;
	int mem;                /* /proc/PID/mem */
	struct user_regs_struct saved;
	uint8_t *xstate;
	size_t xstate_len;
	uint64_t scratch;       /* below the red zone: strings, then the call frame */
};

static int remote_write(struct remote *r, uint64_t addr, const void *buf, size_t len)
{
	return pwrite(r->mem, buf, len, (off_t)addr) == (ssize_t)len ? 0 : -EIO;
}

/* Run fn(a0, a1) on the borrowed thread; its return value in *ret. */
static int remote_call(struct remote *r, uint64_t fn, uint64_t a0, uint64_t a1, uint64_t *ret)
{
	struct user_regs_struct regs = r->saved;
	uint64_t sp = (r->scratch - 64) & ~15ull, zero = 0;
	int err;

	sp -= 8; /* the return address: rsp % 16 == 8 on entry, as after a call */
	err = remote_write(r, sp, &zero, 8);
	if (err)
		return err;
	regs.rsp = sp;
	regs.rip = fn;
	regs.rdi = a0;
	regs.rsi = a1;
	regs.rax = 0;
	regs.orig_rax = (unsigned long long)-1; /* no syscall restart into our call */
	if (ptrace(PTRACE_SETREGS, r->h.tid, 0, &regs) || ptrace(PTRACE_CONT, r->h.tid, 0, 0))
		return -errno;
	err = wait_stop(&r->h, true, CALL_TIMEOUT_MS);
	if (err)
		return err;
	if (ptrace(PTRACE_GETREGS, r->h.tid, 0, &regs))
		return -errno;
	*ret = regs.rax;
	return 0;
}

/* Borrow r->h.tid: stop it (unless @stopped: held already) and save its state. */
static int remote_begin(struct remote *r, bool stopped)
{
	char path[64];
	int err = stopped ? 0 : seize_stop(&r->h);

	if (err)
		return err;
	err = stopped ? 0 : wait_stop(&r->h, false, STOP_TIMEOUT_MS);
	if (err)
		goto fail;
	snprintf(path, sizeof(path), "/proc/%d/mem", r->h.tid);
	r->mem = open(path, O_RDWR | O_CLOEXEC);
	r->xstate = malloc(XSTATE_MAX);
	if (r->mem < 0 || !r->xstate || ptrace(PTRACE_GETREGS, r->h.tid, 0, &r->saved)) {
		err = r->mem < 0 || !r->xstate ? -ENOMEM : -errno;
		goto fail;
	}
	struct iovec iov = { r->xstate, XSTATE_MAX };
	if (ptrace(PTRACE_GETREGSET, r->h.tid, (void *)NT_X86_XSTATE, &iov))
		r->xstate_len = 0;
	else
		r->xstate_len = iov.iov_len;
	/* Below the red zone, room for our strings, then the call frame. */
	r->scratch = (r->saved.rsp - 128 - 4096) & ~15ull;
	return 0;
fail:
	ptrace(PTRACE_DETACH, r->h.tid, 0, 0);
	return err;
}

/* Put everything back as it was (and let go, unless @keep). */
static int remote_end(struct remote *r, bool keep)
{
	int err = 0;

	if (ptrace(PTRACE_SETREGS, r->h.tid, 0, &r->saved))
		err = -errno;
	if (r->xstate_len) {
		struct iovec iov = { r->xstate, r->xstate_len };
		ptrace(PTRACE_SETREGSET, r->h.tid, (void *)NT_X86_XSTATE, &iov);
	}
	if (keep)
		return err;
	release(r->pid, &r->h);
	if (r->mem >= 0)
		close(r->mem);
	free(r->xstate);
	return err;
}

/* --- static programs: the agent mapped by the session itself --------------- */

/*
 * Wait for the trap of a single step.  Signals meanwhile are kept for
 * later, as during a borrowed call.
 */
static int wait_step(struct held *h)
{
	uint64_t deadline = now_ns() + (uint64_t)CALL_TIMEOUT_MS * 1000000ull;

	for (;;) {
		int st, err = next_stop(h, deadline, &st);

		if (err)
			return err;
		if (WSTOPSIG(st) == SIGTRAP && !(st >> 16))
			return 0;
		if (!(st >> 16) && !h->sig)
			h->sig = WSTOPSIG(st);
		ptrace(PTRACE_SINGLESTEP, h->tid, 0, 0);
	}
}

/* A syscall instruction of the process's: where the thread stopped, else in its code. */
static uint64_t find_syscall_insn(struct remote *r)
{
	uint8_t buf[65536];
	char path[64], line[PATH_MAX + 128];
	uint64_t found = 0;
	FILE *f;

	if (pread(r->mem, buf, 2, (off_t)(r->saved.rip - 2)) == 2 && buf[0] == 0x0f && buf[1] == 0x05)
		return r->saved.rip - 2;
	snprintf(path, sizeof(path), "/proc/%d/maps", r->pid);
	if (!(f = fopen(path, "re")))
		return 0;
	while (!found && fgets(line, sizeof(line), f)) {
		unsigned long start, end;
		char perms[8];
		if (sscanf(line, "%lx-%lx %7s", &start, &end, perms) != 3 || perms[2] != 'x' ||
		    strstr(line, "[vsyscall]"))
			continue;
		for (uint64_t a = start; !found && a < end; a += sizeof(buf) - 1) {
			size_t n = end - a < sizeof(buf) ? end - a : sizeof(buf);
			ssize_t got = pread(r->mem, buf, n, (off_t)a);
			for (ssize_t i = 0; i + 1 < got; i++)
				if (buf[i] == 0x0f && buf[i + 1] == 0x05) {
					found = a + (uint64_t)i;
					break;
				}
		}
	}
	fclose(f);
	return found;
}

/* System call @nr made by the borrowed thread at @insn: its return value in *ret. */
static int remote_syscall(struct remote *r, uint64_t insn, long nr, const long a[6], long *ret)
{
	struct user_regs_struct regs = r->saved;
	int err;

	regs.rip = insn;
	regs.rax = (unsigned long long)nr;
	regs.orig_rax = (unsigned long long)-1;
	regs.rdi = (unsigned long long)a[0];
	regs.rsi = (unsigned long long)a[1];
	regs.rdx = (unsigned long long)a[2];
	regs.r10 = (unsigned long long)a[3];
	regs.r8 = (unsigned long long)a[4];
	regs.r9 = (unsigned long long)a[5];
	/*
	 * A thread held at its exec is still in execve(): the first step
	 * only ends that call (rax = 0, no instruction run).  Then again.
	 */
	struct user_regs_struct set = regs;
	for (int tries = 0; tries < 2 && regs.rip == insn; tries++) {
		if (ptrace(PTRACE_SETREGS, r->h.tid, 0, &set) ||
		    ptrace(PTRACE_SINGLESTEP, r->h.tid, 0, 0))
			return -errno;
		err = wait_step(&r->h);
		if (err)
			return err;
		if (ptrace(PTRACE_GETREGS, r->h.tid, 0, &regs))
			return -errno;
	}
	if (regs.rip != insn + 2)
		return -EFAULT;
	*ret = (long)regs.rax;
	return 0;
}

#define RSYS(r, insn, nr, ret, ...) \
	remote_syscall(r, insn, nr, (const long[6]){ __VA_ARGS__ }, ret)

/* Map @im's relocated bytes at its base, through a memfd named after it. */
static int map_image(struct remote *r, uint64_t insn, const struct inject_image *im,
		     const char *name, uint64_t strings)
{
	char path[64];
	long fd, ret;
	int err, lfd;

	err = remote_write(r, strings, name, strlen(name) + 1);
	if (!err)
		err = RSYS(r, insn, SYS_memfd_create, &fd, (long)strings, MFD_CLOEXEC);
	if (!err && fd < 0)
		err = (int)fd;
	if (err)
		return err;
	snprintf(path, sizeof(path), "/proc/%d/fd/%ld", r->pid, fd);
	lfd = open(path, O_RDWR | O_CLOEXEC);
	if (lfd < 0 || pwrite(lfd, im->mem, im->span, 0) != (ssize_t)im->span)
		err = -EIO;
	if (lfd >= 0)
		close(lfd);
	/* Page by page, the protections of every segment that covers it. */
	size_t npages = im->span / 4096;
	uint8_t *prot = calloc(npages, 1);
	if (!prot)
		err = -ENOMEM;
	for (unsigned i = 0; !err && i < im->nseg; i++) {
		const GElf_Phdr *ph = &im->seg[i];
		int p = (ph->p_flags & PF_R ? PROT_READ : 0) | (ph->p_flags & PF_W ? PROT_WRITE : 0) |
			(ph->p_flags & PF_X ? PROT_EXEC : 0);
		for (uint64_t pg = ph->p_vaddr / 4096; pg * 4096 < ph->p_vaddr + ph->p_memsz; pg++)
			prot[pg] |= (uint8_t)p;
	}
	for (size_t pg = 0; !err && pg < npages;) {
		size_t end = pg;
		while (end < npages && prot[end] == prot[pg])
			end++;
		if (prot[pg])
			err = RSYS(r, insn, SYS_mmap, &ret, (long)(im->base + pg * 4096),
				   (long)((end - pg) * 4096), prot[pg], MAP_PRIVATE | MAP_FIXED, fd,
				   (long)(pg * 4096));
		if (!err && prot[pg] && (uint64_t)ret != im->base + pg * 4096)
			err = ret < 0 ? (int)ret : -EFAULT;
		pg = end;
	}
	free(prot);
	RSYS(r, insn, SYS_close, &ret, fd);
	return err;
}

/*
 * A static program has no dynamic linker to dlopen the agent with: map
 * xol-agent-static.so and libZydis.so with the borrowed thread's system
 * calls, relocated here, and a stack for the call of xol_agent_attach()
 * (the thread's own may be a goroutine's, with no room to spare).
 */
static int attach_static_load(struct remote *r, const char *agent_file, uint64_t *fn_attach)
{
	static const char *const names[] = { INJECT_AGENT_NAME, "xol-libZydis.so" };
	struct inject j;
	uint64_t insn = find_syscall_insn(r);
	long area, ret;
	char why[PATH_MAX + 128] = "";
	int err;

	if (!insn)
		return -ENOEXEC;
	err = inject_open(&j, agent_file);
	if (!err)
		err = RSYS(r, insn, SYS_mmap, &area, 0, 256 << 10, PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (!err && area < 0 && area > -4096)
		err = (int)area;
	for (unsigned k = 0; !err && k < j.nim; k++) {
		err = RSYS(r, insn, SYS_mmap, &ret, 0, (long)j.im[k].span, PROT_NONE,
			   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (!err && ret < 0 && ret > -4096)
			err = (int)ret;
		j.im[k].base = (uint64_t)ret;
	}
	if (!err)
		err = inject_relocate(&j, why, sizeof(why));
	for (unsigned k = 0; !err && k < j.nim; k++)
		err = map_image(r, insn, &j.im[k], names[k], (uint64_t)area);
	if (!err) {
		*fn_attach = inject_symbol(&j, XOL_ATTACH_SYMBOL);
		r->scratch = (uint64_t)area + (256 << 10) - 4096;
	}
	if (why[0])
		fprintf(stderr, "xol: %s\n", why);
	inject_close(&j);
	return err;
}

/* The agent a session mapped into a static program earlier: its entry point. */
static uint64_t static_agent_entry(const struct lib *agent, const char *agent_file)
{
	struct inject j;
	uint64_t fn = 0;

	if (!inject_open(&j, agent_file)) {
		j.im[0].base = agent->base;
		fn = inject_symbol(&j, XOL_ATTACH_SYMBOL);
	}
	inject_close(&j);
	return fn;
}

/* --- the pause: every thread but the agent's held while it patches ------- */

struct pause {
	struct held *h;
	unsigned n, cap;
	uint64_t t0;
};

static bool held_has(const struct pause *pz, pid_t tid)
{
	for (unsigned i = 0; i < pz->n; i++)
		if (pz->h[i].tid == tid)
			return true;
	return false;
}

/*
 * The agent's signals (SIGTRAP for an int3, SIGSEGV and SIGBUS for the
 * faults it fixes up) must never be blocked: a thread that traps with
 * SIGTRAP blocked is killed by the kernel.  The agent's interposers keep
 * the program from blocking them from now on; what a held thread has
 * blocked already is taken off here.
 */
static void unblock_agent_signals(pid_t tid)
{
	const uint64_t agents = 1ull << (SIGTRAP - 1) | 1ull << (SIGSEGV - 1) | 1ull << (SIGBUS - 1);
	uint64_t mask;

	if (!ptrace(PTRACE_GETSIGMASK, tid, sizeof(mask), &mask) && (mask & agents)) {
		mask &= ~agents;
		ptrace(PTRACE_SETSIGMASK, tid, sizeof(mask), &mask);
	}
}

/* Stop every thread of @pid but @except; again until no new one appears. */
static int pause_all(pid_t pid, pid_t except, struct pause *pz)
{
	char path[64];

	pz->t0 = now_ns();
	for (int round = 0; round < 100; round++) {
		unsigned added = 0;
		struct dirent *de;
		DIR *d;

		snprintf(path, sizeof(path), "/proc/%d/task", pid);
		if (!(d = opendir(path)))
			return -ESRCH;
		while ((de = readdir(d))) {
			pid_t tid = atoi(de->d_name);
			if (tid <= 0 || tid == except || held_has(pz, tid) ||
			    eintr_on_stop(blocked_in(pid, tid)))
				continue;
			if (pz->n == pz->cap) {
				unsigned nc = pz->cap ? pz->cap * 2 : 64;
				struct held *nh = realloc(pz->h, nc * sizeof(*nh));
				if (!nh) {
					closedir(d);
					return -ENOMEM;
				}
				pz->h = nh;
				pz->cap = nc;
			}
			struct held *h = &pz->h[pz->n];
			*h = (struct held){ .tid = tid };
			if (seize_stop(h))
				continue; /* gone already */
			if (wait_stop(h, false, STOP_TIMEOUT_MS)) {
				ptrace(PTRACE_DETACH, tid, 0, 0);
				continue;
			}
			unblock_agent_signals(tid);
			pz->n++;
			added++;
		}
		closedir(d);
		if (!added)
			return 0;
	}
	return 0;
}

static void resume_all(pid_t pid, struct pause *pz)
{
	for (unsigned i = 0; i < pz->n; i++)
		release(pid, &pz->h[i]);
	free(pz->h);
	pz->h = NULL;
	pz->n = pz->cap = 0;
}

static int msg_send(int sock, uint32_t type, uint64_t ip)
{
	struct wire_attach m = { .type = type, .ip = ip };

	return send(sock, &m, sizeof(m), MSG_NOSIGNAL) == sizeof(m) ? 0 : -EPIPE;
}

/*
 * Wait for the next attach message of @p (WIRE_PAUSE, WIRE_MAPIP) or for
 * ARMED, handing anything else (SITE lines) to the session.
 */
static int msg_next(struct session *s, struct session_proc *p, struct wire_attach *m,
		    uint32_t *armed_sites, int timeout_ms)
{
	uint64_t deadline = now_ns() + (uint64_t)timeout_ms * 1000000ull;

	for (;;) {
		struct pollfd pf = { .fd = p->sock, .events = POLLIN };
		int64_t left = (int64_t)(deadline - now_ns()) / 1000000;
		uint32_t type;

		if (p->sock < 0)
			return -EPIPE;
		if (left < 0 || poll(&pf, 1, (int)left + 1) == 0)
			return -ETIMEDOUT;
		ssize_t n = recv(p->sock, &type, sizeof(type), MSG_PEEK | MSG_DONTWAIT);
		if (n == 0)
			return -EPIPE;
		if (n < (ssize_t)sizeof(type))
			continue;
		if (type == WIRE_PAUSE || type == WIRE_MAPIP || type == WIRE_HOOK ||
		    type == WIRE_CLAIM) {
			if (recv(p->sock, m, sizeof(*m), 0) != sizeof(*m))
				return -EPROTO;
			return 0;
		}
		if (type == WIRE_ARMED) {
			struct wire_armed a;
			if (recv(p->sock, &a, sizeof(a), 0) != sizeof(a))
				return -EPROTO;
			*armed_sites = a.nsites;
			p->armed = true;
			m->type = WIRE_ARMED;
			return 0;
		}
		session_proc_message(s, p);
	}
}

/* Where the agent says a thread stopped at @ip goes on (0: stays). */
static uint64_t map_ip(struct session *s, struct session_proc *p, uint64_t ip)
{
	struct wire_attach m;
	uint32_t dummy;

	if (msg_send(p->sock, WIRE_MAPIP, ip) || msg_next(s, p, &m, &dummy, AGENT_TIMEOUT_MS) ||
	    m.type != WIRE_MAPIP || m.ip != ip)
		return 0;
	return m.to;
}

/* A stopped thread inside displaced bytes goes to the trampoline's copy of them. */
static unsigned move_threads(struct session *s, struct session_proc *p, struct pause *pz)
{
	unsigned moved = 0;

	for (unsigned i = 0; i < pz->n; i++) {
		struct user_regs_struct r;
		if (ptrace(PTRACE_GETREGS, pz->h[i].tid, 0, &r))
			continue;
		long ax = (long)r.rax;
		bool restart = (long)r.orig_rax >= 0 &&
			       (ax == -ERESTARTSYS || ax == -ERESTARTNOINTR ||
				ax == -ERESTARTNOHAND || ax == -ERESTART_RESTARTBLOCK);
		uint64_t ip = restart ? r.rip - 2 : r.rip;
		uint64_t to = map_ip(s, p, ip);
		if (!to)
			continue;
		if (restart) {
			/* The kernel's restart, done here: it would go back 2 bytes from @to. */
			r.rax = ax == -ERESTART_RESTARTBLOCK ? SYS_restart_syscall : r.orig_rax;
			r.orig_rax = (unsigned long long)-1;
		}
		r.rip = to;
		if (!ptrace(PTRACE_SETREGS, pz->h[i].tid, 0, &r))
			moved++;
	}
	return moved;
}

/*
 * Go's runtime.schedule in the running program @pid, 0 if it is not Go or
 * has no symbol table: every M runs it on its system stack, where the
 * agent of static programs gives an M without one its block.
 */
static uint64_t go_schedule_addr(pid_t pid, uint64_t *len)
{
	char exe[64], line[PATH_MAX + 128], target[PATH_MAX];
	uint64_t off = ~0ull, addr = 0;
	ssize_t tn;
	FILE *f;
	int fd;

	snprintf(exe, sizeof(exe), "/proc/%d/exe", pid);
	fd = open(exe, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	elf_version(EV_CURRENT);
	Elf *e = elf_begin(fd, ELF_C_READ_MMAP, NULL);
	struct elf_symtab t = { 0 };
	if (e && !elf_symtab_add(&t, e))
		for (size_t i = 0; i < t.n && off == ~0ull; i++)
			if (t.v[i].defined && t.v[i].type == STT_FUNC &&
			    !strcmp(t.v[i].name, "runtime.schedule")) {
				off = t.v[i].off;
				*len = t.v[i].size;
			}
	elf_symtab_free(&t);
	if (e)
		elf_end(e);
	close(fd);
	tn = readlink(exe, target, sizeof(target) - 1);
	if (off == ~0ull || tn <= 0)
		return 0;
	target[tn] = 0;
	snprintf(line, sizeof(line), "/proc/%d/maps", pid);
	if (!(f = fopen(line, "re")))
		return 0;
	while (!addr && fgets(line, sizeof(line), f)) {
		unsigned long start, end, pgoff;
		char perms[8];
		int name_at = 0;
		line[strcspn(line, "\n")] = 0;
		if (sscanf(line, "%lx-%lx %7s %lx %*s %*s %n", &start, &end, perms, &pgoff,
			   &name_at) < 4 || !name_at || perms[2] != 'x' || strcmp(line + name_at, target))
			continue;
		if (off >= pgoff && off < pgoff + (end - start))
			addr = start + (off - pgoff);
	}
	fclose(f);
	return addr;
}

/*
 * The static agent's part of the pause: the hook on Go's scheduler, and a
 * block for each held thread, which its %gs then points at.
 */
static void static_claims(struct session *s, struct session_proc *p, struct pause *pz)
{
	uint64_t len = 0, hook = go_schedule_addr(p->pid, &len);
	struct wire_attach m = { .type = WIRE_HOOK, .ip = hook, .to = len };
	uint32_t dummy;

	if (hook && (send(p->sock, &m, sizeof(m), MSG_NOSIGNAL) != sizeof(m) ||
		     msg_next(s, p, &m, &dummy, AGENT_TIMEOUT_MS) || m.type != WIRE_HOOK || m.to))
		fprintf(stderr, "xol: %d: the hook on runtime.schedule at %#lx failed: Go threads "
				"started later may have hits skipped\n", p->pid, (unsigned long)hook);
	for (unsigned i = 0; i < pz->n; i++) {
		struct user_regs_struct r;
		/* (a program held at its exec has no thread pointer yet: it claims later) */
		if (ptrace(PTRACE_GETREGS, pz->h[i].tid, 0, &r) || !r.fs_base)
			continue;
		m = (struct wire_attach){ .type = WIRE_CLAIM, .ip = r.fs_base,
					  .to = (uint64_t)pz->h[i].tid };
		if (send(p->sock, &m, sizeof(m), MSG_NOSIGNAL) != sizeof(m) ||
		    msg_next(s, p, &m, &dummy, AGENT_TIMEOUT_MS) || m.type != WIRE_CLAIM || !m.to)
			continue;
		r.gs_base = m.to;
		ptrace(PTRACE_SETREGS, pz->h[i].tid, 0, &r);
	}
}

/* What arming with the threads held took. */
struct held_arm {
	uint32_t nsites;          /* sites the agent placed */
	unsigned moved;           /* threads moved out of displaced bytes */
	uint64_t t_armed, held_ns;
};

/*
 * The agent of @p asks for the pause (PAUSE): hold every other thread of
 * the process, let the agent arm, move the threads it says are inside
 * displaced bytes, let them go (core/attach.h).  -EPROTO: the agent did
 * not ask.
 */
static int arm_held(struct session *s, struct session_proc *p, struct held_arm *ha,
		    bool nolibc, struct held *launched)
{
	struct wire_attach m;
	struct pause pz = { 0 };
	int err;

	*ha = (struct held_arm){ 0 };
	err = msg_next(s, p, &m, &ha->nsites, AGENT_TIMEOUT_MS);
	if (err || m.type != WIRE_PAUSE)
		return err ? err : -EPROTO;
	/* A launched program's first thread, held since its exec, is one of them. */
	if (launched) {
		pz.h = malloc(sizeof(*pz.h));
		if (!pz.h)
			return -ENOMEM;
		pz.h[0] = *launched;
		pz.n = pz.cap = 1;
	}
	err = pause_all(p->pid, m.tid, &pz);
	if (!err)
		err = msg_send(p->sock, WIRE_PAUSED, 0);
	while (!err) {
		err = msg_next(s, p, &m, &ha->nsites, AGENT_TIMEOUT_MS);
		if (!err && m.type == WIRE_ARMED)
			break;
	}
	if (!err && nolibc)
		static_claims(s, p, &pz);
	ha->moved = err ? 0 : move_threads(s, p, &pz);
	ha->t_armed = now_ns();
	ha->held_ns = ha->t_armed - pz.t0;
	/* RESUME first: a launched program let go may be done before it is sent. */
	if (!err)
		err = msg_send(p->sock, WIRE_RESUME, 0);
	resume_all(p->pid, &pz);
	return err;
}

/* --- one process ------------------------------------------------------------ */

static const char *resolve_agent(char *buf, size_t len)
{
	const char *a = session_agent_path();
	char *rp = realpath(a, NULL);

	snprintf(buf, len, "%s", rp ? rp : a);
	free(rp);
	return buf;
}

/* xol-agent-static.so, beside libxol-agent.so. */
static void static_agent_path(char *buf, size_t len)
{
	char dyn[PATH_MAX];
	const char *slash;

	resolve_agent(dyn, sizeof(dyn));
	slash = strrchr(dyn, '/');
	snprintf(buf, len, "%.*s%s", slash ? (int)(slash - dyn + 1) : 0, dyn, INJECT_AGENT_NAME);
}

/*
 * Inject the agent into @pid and arm.  @launched: a static program the
 * session started, held since its exec (attach_launch()); it runs only
 * once armed.
 */
static int attach_one(struct session *s, pid_t pid, bool launched)
{
	struct procinfo pi;
	struct lib libc = { 0 }, agent = { 0 };
	char agent_file[PATH_MAX];
	struct remote r = { .pid = pid, .mem = -1 };
	uint64_t t0 = now_ns(), fn_dlopen = 0, fn_attach = 0, ret = 0;
	bool libc_mode = false;
	int err;

	err = launched ? proc_info(pid, &pi) : check_pid(&pid, &pi);
	if (err)
		return err;
	r.pid = pid;
	err = scan_maps(pid, &libc, &agent);
	if (err == -EACCES || err == -EPERM) {
		explain_eperm(pid, &pi);
		return -EPERM;
	}
	if (err) {
		fprintf(stderr, "xol: cannot read the mappings of %d (%s): %s\n", pid, pi.comm,
			strerror(-err));
		return err;
	}
	bool nolibc = agent.found ? agent.nolibc : !libc.found;
	if (nolibc) {
		/* A static program (or Go's): xol maps the agent that needs no libc itself. */
		if (!(getauxval(AT_HWCAP2) & HWCAP2_FSGSBASE)) {
			fprintf(stderr, "xol: %d (%s) has no libc (a static binary, or Go): its agent "
					"keeps its thread state through %%gs, and this kernel or CPU "
					"does not let programs set it (FSGSBASE)\n", pid, pi.comm);
			return -ENOTSUP;
		}
		static_agent_path(agent_file, sizeof(agent_file));
		if (access(agent_file, R_OK)) {
			fprintf(stderr, "xol: %s: %s\n", agent_file, strerror(errno));
			return -ENOENT;
		}
		if (agent.found && !(fn_attach = static_agent_entry(&agent, agent_file))) {
			fprintf(stderr, "xol: %d (%s): no %s in %s\n", pid, pi.comm,
				XOL_ATTACH_SYMBOL, agent_file);
			return -ENOENT;
		}
	} else if (!agent.found) {
		fn_dlopen = lib_symbol(&libc, "dlopen");
		if (!fn_dlopen) {
			fn_dlopen = lib_symbol(&libc, "__libc_dlopen_mode");
			libc_mode = true;
		}
		if (!fn_dlopen) {
			fprintf(stderr, "xol: %d (%s): no dlopen in %s\n", pid, pi.comm, libc.path);
			return -ENOENT;
		}
		resolve_agent(agent_file, sizeof(agent_file));
		if (access(agent_file, R_OK)) {
			fprintf(stderr, "xol: %s: %s\n", agent_file, strerror(errno));
			return -ENOENT;
		}
		if (pi.uid != getuid() && !others_can_read(agent_file)) {
			fprintf(stderr, "xol: %d (%s) runs as uid %u, which cannot read %s (or a "
					"folder above it): install xol where every user can\n", pid,
				pi.comm, pi.uid, agent_file);
			return -EACCES;
		}
	} else {
		fn_attach = lib_symbol(&agent, XOL_ATTACH_SYMBOL);
		if (!fn_attach) {
			fprintf(stderr, "xol: %d (%s) has an agent without %s (an older build?)\n",
				pid, pi.comm, XOL_ATTACH_SYMBOL);
			return -ENOENT;
		}
	}

	/* Another user's process (we have CAP_SYS_PTRACE): its agent may connect too. */
	if (pi.uid != getuid()) {
		err = session_admit(s, pid, pi.uid);
		if (err) {
			fprintf(stderr, "xol: cannot open this session to %d (%s), uid %u: %s\n", pid,
				pi.comm, pi.uid, strerror(-err));
			return err;
		}
	}

	/* Ctrl-C now would leave the borrowed thread in our call: later, please. */
	sigset_t block, old;
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGHUP);
	sigprocmask(SIG_BLOCK, &block, &old);

	r.h.tid = launched ? pid : pick_thread(pid);
	uint64_t t_stop = now_ns();
	err = remote_begin(&r, launched);
	if (err) {
		sigprocmask(SIG_SETMASK, &old, NULL);
		if (err == -EPERM)
			explain_eperm(pid, &pi);
		else
			fprintf(stderr, "xol: cannot stop %d (%s): %s\n", pid, pi.comm, strerror(-err));
		return err;
	}
	size_t plen = strlen(s->sock_path) + 1;
	if (nolibc && !fn_attach) {
		err = attach_static_load(&r, agent_file, &fn_attach);
		if (err)
			fprintf(stderr, "xol: %d (%s): mapping %s failed: %s\n", pid, pi.comm,
				agent_file, strerror(-err));
	}
	uint64_t at_sock = r.scratch, at_agent = r.scratch + 256;
	if (!err)
		err = remote_write(&r, at_sock, s->sock_path, plen);
	if (!err && !fn_attach) {
		err = remote_write(&r, at_agent, agent_file, strlen(agent_file) + 1);
		if (!err)
			err = remote_call(&r, fn_dlopen, at_agent,
					  RTLD_NOW | (libc_mode ? 0x80000000u : 0), &ret);
		if (!err && !ret) {
			err = -ENOEXEC;
			fprintf(stderr, "xol: %d (%s): dlopen(%s) failed in the process\n", pid,
				pi.comm, agent_file);
		}
		if (!err) {
			scan_maps(pid, &libc, &agent);
			fn_attach = agent.found ? lib_symbol(&agent, XOL_ATTACH_SYMBOL) : 0;
			if (!fn_attach)
				err = -ENOENT;
		}
	}
	if (!err)
		err = remote_call(&r, fn_attach, at_sock, 0, &ret);
	int end_err = remote_end(&r, launched && !err);
	uint64_t t_go = now_ns();
	sigprocmask(SIG_SETMASK, &old, NULL);
	if (!err)
		err = end_err;
	if (!err && (int)ret) {
		err = (int)ret;
		if (err == -EBUSY)
			fprintf(stderr, "xol: %d (%s) is traced by %d xol sessions already, or "
					"another is attaching right now: try again\n", pid, pi.comm,
				XOL_SESSIONS_MAX);
		else
			fprintf(stderr, "xol: %d (%s): the agent refused: %s\n", pid, pi.comm,
				strerror(-err));
		return err;
	}
	if (err) {
		fprintf(stderr, "xol: injecting the agent into %d (%s) failed: %s\n", pid, pi.comm,
			strerror(-err));
		return err;
	}

	/* Its own thread connects, then asks for the pause. */
	struct session_proc *p = NULL;
	uint64_t deadline = now_ns() + AGENT_TIMEOUT_MS * 1000000ull;
	while (!p && now_ns() < deadline) {
		struct session_proc *q = session_accept(s, 100);
		if (q && q->pid == pid)
			p = q;
	}
	if (!p) {
		fprintf(stderr, "xol: the agent in %d (%s) never connected\n", pid, pi.comm);
		return -ETIMEDOUT;
	}
	struct held_arm ha;
	sigprocmask(SIG_BLOCK, &block, &old);
	err = arm_held(s, p, &ha, nolibc, launched ? &r.h : NULL);
	sigprocmask(SIG_SETMASK, &old, NULL);
	if (launched) { /* its first thread went with the others */
		close(r.mem);
		free(r.xstate);
	}
	if (err == -EPROTO) {
		fprintf(stderr, "xol: the agent in %d (%s) did not ask to arm\n", pid, pi.comm);
		return err;
	}
	if (err) {
		fprintf(stderr, "xol: arming in %d (%s) failed: %s\n", pid, pi.comm, strerror(-err));
		return err;
	}
	if (launched)
		return 0;
	fprintf(stderr, "xol: attached to %d (%s): %u site%s armed in %.1f ms "
			"(threads held %.2f ms, thread %d borrowed %.2f ms, %u moved)\n",
		pid, pi.comm, ha.nsites, ha.nsites == 1 ? "" : "s", (double)(ha.t_armed - t0) / 1e6,
		(double)ha.held_ns / 1e6, r.h.tid, (double)(t_go - t_stop) / 1e6, ha.moved);
	return 0;
}

int attach_enable(struct session *s, struct session_proc *p, uint32_t seq)
{
	struct wire_ctl m = { .type = WIRE_ENABLE, .seq = seq };
	struct held_arm ha;

	if (send(p->sock, &m, sizeof(m), MSG_NOSIGNAL) != sizeof(m))
		return -EPIPE;
	int err = arm_held(s, p, &ha, false, NULL);
	if (!err)
		p->ctl_done = seq;
	return err;
}

/*
 * A static program launched by the session: started stopped (SIGSTOP
 * before its exec, seized, held at the exec), given the agent as an
 * attached process is, and let go once armed, before its first
 * instruction.  Returns 0 or -errno (the program is killed then).
 */
int attach_launch(struct session *s, pid_t child)
{
	int st, err;

	if (waitpid(child, &st, WUNTRACED) != child || !WIFSTOPPED(st))
		return -ECHILD;
	if (ptrace(PTRACE_SEIZE, child, 0, PTRACE_O_TRACEEXEC | PTRACE_O_EXITKILL)) {
		err = -errno;
		kill(child, SIGKILL);
		waitpid(child, NULL, 0);
		return err;
	}
	kill(child, SIGCONT);
	for (;;) {
		if (waitpid(child, &st, __WALL) != child)
			return -ECHILD;
		if (WIFEXITED(st) || WIFSIGNALED(st))
			return WIFEXITED(st) && WEXITSTATUS(st) == 127 ? -ENOENT : -ECHILD;
		if (WIFSTOPPED(st) && st >> 8 == (SIGTRAP | (PTRACE_EVENT_EXEC << 8)))
			break;
		/* the SIGSTOP's group stop, the SIGCONT: on to the exec, neither delivered */
		ptrace(PTRACE_CONT, child, 0, 0);
	}
	err = attach_one(s, child, true);
	if (err) {
		kill(child, SIGKILL);
		waitpid(child, NULL, 0);
	}
	return err;
}

int session_attach(struct session *s, const pid_t *pids, unsigned n)
{
	pid_t *list = calloc(n, sizeof(*list));

	if (!list)
		return -ENOMEM;
	free(s->attached);
	s->attached = list;
	s->nattached = 0;
	for (unsigned i = 0; i < n; i++) {
		int err = attach_one(s, pids[i], false);
		if (err)
			return err;
		s->attached[s->nattached++] = pids[i];
	}
	return 0;
}

int attach_opt(struct attach_opts *ao, int c, const char *arg)
{
	char *end;

	if (c == 'p') {
		free(ao->pids);
		ao->pids = NULL;
		return attach_parse_pids(arg, &ao->pids, &ao->npids);
	}
	ao->duration = strtod(arg, &end);
	if (end == arg || *end || !(ao->duration > 0)) {
		fprintf(stderr, "xol: bad --duration '%s' (seconds, > 0)\n", arg);
		return -EINVAL;
	}
	return 0;
}

int attach_start(struct session *s, const struct attach_opts *ao)
{
	int err = session_attach(s, ao->pids, ao->npids);

	if (!err && ao->duration > 0)
		s->end_ns = now_ns() + (uint64_t)(ao->duration * 1e9);
	return err;
}

void attach_finish(struct session *s)
{
	uint64_t deadline = now_ns() + 2000000000ull;
	bool waiting = true;

	for (struct session_proc *p = s->procs; p; p = p->next)
		if (p->sock >= 0)
			shutdown(p->sock, SHUT_WR);
	while (waiting && now_ns() < deadline) {
		struct pollfd pf[256];
		struct session_proc *who[256];
		int n = 0;

		for (struct session_proc *p = s->procs; p && n < 256; p = p->next)
			if (p->sock >= 0) {
				who[n] = p;
				pf[n++] = (struct pollfd){ .fd = p->sock, .events = POLLIN };
			}
		if (!n)
			break;
		poll(pf, (nfds_t)n, 50);
		waiting = false;
		for (int i = 0; i < n; i++) {
			uint32_t type;
			if (!pf[i].revents) {
				waiting = true;
				continue;
			}
			ssize_t got = recv(who[i]->sock, &type, sizeof(type), MSG_PEEK | MSG_DONTWAIT);
			if (got == sizeof(type) && type == WIRE_BYE) {
				struct wire_armed bye;
				recv(who[i]->sock, &bye, sizeof(bye), 0);
				close(who[i]->sock);
				who[i]->sock = -1;
				continue;
			}
			session_proc_message(s, who[i]);
			waiting |= who[i]->sock >= 0;
		}
	}
}
