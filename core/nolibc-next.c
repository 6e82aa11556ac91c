// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * What the agent's interposers call "the next definition" in a static
 * program, where there is no libc to find with dlsym: the system calls
 * themselves.  Only in xol-agent-static.so (XOL_NOLIBC).
 *
 * sigaction() converts between glibc's struct sigaction and the kernel's,
 * and gives the kernel a restorer of ours when the caller has none (the
 * agent's own handlers); a handler the program installed keeps its own.
 */
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/syscall.h>

#include "agent.h"

#ifndef SA_RESTORER
#define SA_RESTORER 0x04000000
#endif

struct kernel_sigaction {
	void *handler;
	unsigned long flags;
	void (*restorer)(void);
	uint64_t mask;
};

void nolibc_restorer(void) __attribute__((visibility("hidden")));
asm(".pushsection .text\n"
    ".type nolibc_restorer,@function\n"
    "nolibc_restorer:\n\t"
    "mov $15,%eax\n\t" /* rt_sigreturn */
    "syscall\n"
    ".size nolibc_restorer,.-nolibc_restorer\n"
    ".popsection");

static long sys4(long nr, long a, long b, long c, long d)
{
	register long r10 asm("r10") = d;
	long ret;

	asm volatile("syscall"
		     : "=a"(ret)
		     : "0"(nr), "D"(a), "S"(b), "d"(c), "r"(r10)
		     : "rcx", "r11", "memory");
	return ret;
}

static int result(long ret)
{
	if (ret < 0 && ret > -4096) {
		errno = (int)-ret;
		return -1;
	}
	return (int)ret;
}

static int raw_sigaction(int sig, const struct sigaction *act, struct sigaction *old)
{
	struct kernel_sigaction k, ko;
	long ret;

	if (act) {
		memset(&k, 0, sizeof(k));
		k.handler = (void *)act->sa_sigaction;
		k.flags = (unsigned long)act->sa_flags;
		memcpy(&k.mask, &act->sa_mask, sizeof(k.mask));
		if (k.flags & SA_RESTORER) {
			k.restorer = act->sa_restorer;
		} else {
			k.flags |= SA_RESTORER;
			k.restorer = nolibc_restorer;
		}
	}
	ret = sys4(SYS_rt_sigaction, sig, act ? (long)&k : 0, old ? (long)&ko : 0, 8);
	if (ret == 0 && old) {
		memset(old, 0, sizeof(*old));
		old->sa_sigaction = (void (*)(int, siginfo_t *, void *))ko.handler;
		old->sa_flags = (int)ko.flags;
		old->sa_restorer = ko.restorer;
		memcpy(&old->sa_mask, &ko.mask, sizeof(ko.mask));
	}
	return result(ret);
}

static int raw_sigmask(int how, const sigset_t *set, sigset_t *old)
{
	long ret = sys4(SYS_rt_sigprocmask, how, (long)set, (long)old, 8);

	return ret < 0 ? (int)-ret : 0; /* pthread_sigmask's convention */
}

static int raw_sigprocmask(int how, const sigset_t *set, sigset_t *old)
{
	return result(sys4(SYS_rt_sigprocmask, how, (long)set, (long)old, 8));
}

static int raw_sigsuspend(const sigset_t *set)
{
	return result(sys4(SYS_rt_sigsuspend, (long)set, 8, 0, 0));
}

void *nolibc_next(const char *name)
{
	static const struct {
		const char *name;
		void *fn;
	} next[] = {
		{ "sigaction", (void *)raw_sigaction },
		{ "pthread_sigmask", (void *)raw_sigmask },
		{ "sigprocmask", (void *)raw_sigprocmask },
		{ "sigsuspend", (void *)raw_sigsuspend },
	};

	for (unsigned i = 0; i < sizeof(next) / sizeof(next[0]); i++)
		if (!strcmp(next[i].name, name))
			return next[i].fn;
	return NULL;
}
