// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The agent's signal handlers, kept first.
 *
 * SIGTRAP runs trap-path hits and return-trampoline hits; SIGSEGV and
 * SIGBUS turn faults inside the uaccess routines into -EFAULT.  Anything
 * else is the program's own business: the agent interposes sigaction()
 * and signal() so that a program installing a handler for one of these
 * signals records it here instead of replacing ours, and every signal
 * that is not ours is passed to that handler as the kernel would have
 * (or to the default action).
 */
#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "agent.h"
#include "got.h"

#ifndef SA_RESTORER
#define SA_RESTORER 0x04000000 /* glibc hides it; the kernel reports it back */
#endif
#include "uaccess.h"

static const int owned[] = { SIGTRAP, SIGSEGV, SIGBUS };
static struct sigaction prog_act[NSIG];
static bool installed[NSIG];
static int (*real_sigaction)(int, const struct sigaction *, struct sigaction *);

static bool is_owned(int sig)
{
	return sig > 0 && sig < NSIG && installed[sig];
}

/*
 * The agent's signals may never be blocked: the kernel kills a thread that
 * hits an int3 (or faults) with SIGTRAP (SIGSEGV) blocked.  Every mask the
 * program installs goes through here; the program asked to block them,
 * and the only signals of theirs it can then miss are ones it would have
 * died of anyway.
 */
static void unblockable(sigset_t *set)
{
	for (unsigned i = 0; i < sizeof(owned) / sizeof(owned[0]); i++)
		if (installed[owned[i]])
			sigdelset(set, owned[i]);
}

/* A synchronous fault or trap, rather than a kill()/raise() of the signal. */
static bool is_synchronous(const siginfo_t *si)
{
	return si->si_code > 0 || si->si_code == SI_KERNEL;
}

/* Not the agent's signal: what the kernel would have done without us. */
static void chain(int sig, siginfo_t *si, void *uc)
{
	struct sigaction *a = &prog_act[sig];
	int saved_errno = errno;
	sigset_t old;

	if (a->sa_flags & SA_SIGINFO) {
		if (!a->sa_sigaction)
			goto dfl;
	} else if (a->sa_handler == SIG_IGN) {
		if (!is_synchronous(si))
			return;
		goto dfl; /* the kernel does not let a fault be ignored */
	} else if (a->sa_handler == SIG_DFL) {
		goto dfl;
	}

	/*
	 * Run the program's handler with its own mask, as the kernel would,
	 * and reset it first if it asked for that: it may never return
	 * (siglongjmp, exit).
	 */
	struct sigaction h = *a;
	sigset_t mask = h.sa_mask;
	if (!(h.sa_flags & SA_NODEFER))
		sigaddset(&mask, sig);
	if (h.sa_flags & SA_RESETHAND)
		a->sa_handler = SIG_DFL; /* the kernel resets the handler only */
	unblockable(&mask);
	pthread_sigmask(SIG_BLOCK, &mask, &old);
	if (h.sa_flags & SA_SIGINFO)
		h.sa_sigaction(sig, si, uc);
	else
		h.sa_handler(sig);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	errno = saved_errno;
	return;

dfl:;
	/*
	 * The default action.  A fault simply happens again on return, now
	 * without our handler; a trap or a sent signal is raised again.
	 */
	struct sigaction d = { .sa_handler = SIG_DFL };
	real_sigaction(sig, &d, NULL);
	installed[sig] = false;
	if (sig == SIGTRAP || !is_synchronous(si)) {
		sigset_t s;
		sigemptyset(&s);
		sigaddset(&s, sig);
		pthread_sigmask(SIG_UNBLOCK, &s, NULL);
		raise(sig);
	}
	errno = saved_errno;
}

static void on_trap(int sig, siginfo_t *si, void *uc)
{

	if (si->si_code == SI_KERNEL) {
		struct xol_regs regs;
		uint64_t ip;

		arch_regs_from_ucontext(&regs, uc);
		ip = arch_trap_site(&regs);
		if (agent.ret_tramp && ip == agent.ret_tramp) {
			arch_regs_set_ip(&regs, ip);
			uint64_t ret = hit_return(&regs);
			if (ret) {
				arch_regs_set_ip(&regs, ret);
				arch_regs_to_ucontext(uc, &regs);
				return;
			}
		}
		struct site *s = site_lookup(ip);
		if (s) {
			arch_regs_set_ip(&regs, ip);
			if (s->hook)
				s->hook();
			/* A jump up to a ret, caught mid-patch: its hit is in the trampoline. */
			if ((s->entry->n || s->ret->n || s->rsite->n) && !s->ret_at)
				hit_entry(s, &regs);
			if (s->tramp) /* a jump site caught mid-patch: its displaced copy */
				arch_regs_set_ip(&regs, arch_map_displaced_ip(&s->jump,
							(uint64_t)s->tramp, ip));
			else if (arch_emulate(&s->insn, &regs, xol_store8_safe))
				arch_regs_set_ip(&regs, (uint64_t)s->slot);
			arch_regs_to_ucontext(uc, &regs);
			return;
		}
		/* Inside the bytes a jump displaced: the same point of the copy. */
		s = site_lookup_displaced(ip);
		uint64_t to = s ? arch_map_displaced_ip(&s->jump, (uint64_t)s->tramp, ip) : 0;
		if (to) {
			arch_regs_set_ip(&regs, to);
			arch_regs_to_ucontext(uc, &regs);
			return;
		}
	}
	chain(sig, si, uc);
}

static void on_fault(int sig, siginfo_t *si, void *ucv)
{
	struct xol_regs regs;

	arch_regs_from_ucontext(&regs, ucv);
	if (regs.ip >= (uint64_t)xol_uaccess_start && regs.ip < (uint64_t)xol_uaccess_end) {
		arch_regs_set_ip(&regs, regs.ip == (uint64_t)xol_uaccess_copy ?
				 (uint64_t)xol_uaccess_fixup_copy : (uint64_t)xol_uaccess_fixup);
		arch_regs_to_ucontext(ucv, &regs);
		return;
	}
	chain(sig, si, ucv);
}

int signals_install(void)
{
	if (!real_sigaction)
		real_sigaction = (typeof(real_sigaction))REAL_NEXT("sigaction");
	if (!real_sigaction)
		return -ENOSYS;
	for (unsigned i = 0; i < sizeof(owned) / sizeof(owned[0]); i++) {
		int sig = owned[i];
		struct sigaction a = { 0 };

		a.sa_sigaction = sig == SIGTRAP ? on_trap : on_fault;
		a.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_RESTART | SA_NODEFER;
		sigemptyset(&a.sa_mask);
		if (real_sigaction(sig, &a, installed[sig] ? NULL : &prog_act[sig]))
			return -errno;
		installed[sig] = true;
	}
	return 0;
}

/*
 * Static programs: nothing interposes their sigaction(), and Go's runtime
 * installs its handlers for every signal as it starts.  Where one of ours
 * was replaced, the replacement becomes the program's handler (chained
 * to) and ours goes back first.
 */
void signals_reassert(void)
{
	for (unsigned i = 0; i < sizeof(owned) / sizeof(owned[0]); i++) {
		int sig = owned[i];
		struct sigaction cur, a = { 0 };

		if (!installed[sig] || real_sigaction(sig, NULL, &cur) ||
		    cur.sa_sigaction == (sig == SIGTRAP ? on_trap : on_fault))
			continue;
		prog_act[sig] = cur;
		a.sa_sigaction = sig == SIGTRAP ? on_trap : on_fault;
		a.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_RESTART | SA_NODEFER;
		sigemptyset(&a.sa_mask);
		real_sigaction(sig, &a, NULL);
	}
}

/* --- interposed: the program's view of its handlers and masks ------- */

/*
 * What the kernel would report back for @act: glibc's restorer, and a mask
 * without SIGKILL and SIGSTOP.  The restorer is read off our own handler,
 * which glibc installed.
 */
static void normalise(int sig, struct sigaction *act)
{
	struct sigaction ours;

	sigdelset(&act->sa_mask, SIGKILL);
	sigdelset(&act->sa_mask, SIGSTOP);
	if (!real_sigaction(sig, NULL, &ours)) {
		act->sa_flags |= ours.sa_flags & SA_RESTORER;
		act->sa_restorer = ours.sa_restorer;
	}
}

__attribute__((visibility("default")))
int sigaction(int sig, const struct sigaction *act, struct sigaction *old)
{
	if (!real_sigaction)
		real_sigaction = (typeof(real_sigaction))REAL_NEXT("sigaction");
	if (!is_owned(sig)) {
		struct sigaction a;
		if (!act || !installed[SIGTRAP])
			return real_sigaction(sig, act, old);
		a = *act;
		unblockable(&a.sa_mask);
		return real_sigaction(sig, &a, old);
	}
	if (act && (act->sa_handler == SIG_ERR || sig == SIGKILL || sig == SIGSTOP)) {
		errno = EINVAL;
		return -1;
	}
	if (old)
		*old = prog_act[sig];
	if (act) {
		prog_act[sig] = *act;
		normalise(sig, &prog_act[sig]);
	}
	return 0;
}

/* glibc's signal(): BSD semantics, the signal itself blocked in its handler. */
__attribute__((visibility("default")))
sighandler_t signal(int sig, sighandler_t handler)
{
	struct sigaction a = { .sa_handler = handler, .sa_flags = SA_RESTART }, old;

	sigemptyset(&a.sa_mask);
	if (sig > 0 && sig < NSIG)
		sigaddset(&a.sa_mask, sig);
	if (sigaction(sig, &a, &old) < 0)
		return SIG_ERR;
	return old.sa_handler;
}

static int masked(int how, const sigset_t *set, sigset_t *old,
		  int (*real)(int, const sigset_t *, sigset_t *))
{
	sigset_t s;

	if (!set || how == SIG_UNBLOCK || !installed[SIGTRAP])
		return real(how, set, old);
	s = *set;
	unblockable(&s);
	return real(how, &s, old);
}

__attribute__((visibility("default")))
int sigprocmask(int how, const sigset_t *set, sigset_t *old)
{
	static int (*real)(int, const sigset_t *, sigset_t *);

	if (!real)
		real = (typeof(real))REAL_NEXT("sigprocmask");
	return masked(how, set, old, real);
}

__attribute__((visibility("default")))
int pthread_sigmask(int how, const sigset_t *set, sigset_t *old)
{
	static int (*real)(int, const sigset_t *, sigset_t *);

	if (!real)
		real = (typeof(real))REAL_NEXT("pthread_sigmask");
	return masked(how, set, old, real);
}

__attribute__((visibility("default")))
int sigsuspend(const sigset_t *set)
{
	static int (*real)(const sigset_t *);
	sigset_t s = *set;

	if (!real)
		real = (typeof(real))REAL_NEXT("sigsuspend");
	unblockable(&s);
	return real(&s);
}

/* --- interposed late: an agent injected into a running process ---------- */

#define HIDDEN_ALIAS(name) \
	extern __typeof(name) xol_##name \
		__attribute__((alias(#name), visibility("hidden"), copy(name)))
HIDDEN_ALIAS(sigaction);
HIDDEN_ALIAS(signal);
HIDDEN_ALIAS(sigprocmask);
HIDDEN_ALIAS(pthread_sigmask);
HIDDEN_ALIAS(sigsuspend);

/*
 * The same interposers for a program that did not start with the agent
 * (got.c): its later sigaction() of SIGSEGV records the handler here,
 * its later pthread_sigmask() cannot block SIGTRAP.  Through hidden
 * aliases: the public names, in an object loaded late, would bind to
 * libc's.  What the threads have blocked already is the session's to
 * undo (it holds them with ptrace while arming).
 */
int signals_interpose_late(void)
{
	static const struct got_hook hooks[] = {
		{ "sigaction", xol_sigaction },
		{ "signal", xol_signal },
		{ "sigprocmask", xol_sigprocmask },
		{ "pthread_sigmask", xol_pthread_sigmask },
		{ "sigsuspend", xol_sigsuspend },
	};

	return got_redirect(hooks, sizeof(hooks) / sizeof(hooks[0]));
}
