// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * What the agent's interposers call "the next definition" in a static
 * program, where there is no libc to find with dlsym: the system calls
 * themselves.  Only in xol-agent-static.so (XOL_NOLIBC).
 *
 * sigaction() converts between glibc's struct sigaction and the kernel's,
 * and gives the kernel a restorer of ours when the caller has none (the
 * agent's own handlers); a handler the program installed keeps its own.
 *
 * The reads of the program's memory (uaccess.h) are process_vm_readv()
 * of the process itself: a static program's sigaction() is not
 * interposed, so a SIGSEGV handler it installs could come before ours
 * (which signals_reassert() puts back only every 100 ms) and see the
 * fault of a fetch.  A system call per read never faults, whatever the
 * handlers are.
 */
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#include "agent.h"
#include "uaccess.h"

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

/* --- reads of the program's memory, without faults ---------------------- */

static long sys6(long nr, long a, long b, long c, long d, long e, long f)
{
	register long r10 asm("r10") = d;
	register long r8 asm("r8") = e;
	register long r9 asm("r9") = f;
	long ret;

	asm volatile("syscall"
		     : "=a"(ret)
		     : "0"(nr), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8), "r"(r9)
		     : "rcx", "r11", "memory");
	return ret;
}

/* @n bytes between this process's @dst and @src (@write: the other way), <= one page. */
static long vm_rw(void *dst, const void *src, unsigned long n, bool write)
{
	struct iovec local = { write ? (void *)src : dst, n };
	struct iovec remote = { write ? dst : (void *)src, n };
	/* The pid, kept where a child after fork finds 0 (thread.c's page wiped on fork). */
	volatile uint64_t *keep = nolibc_fork_guard ? &nolibc_fork_guard[1] : NULL;
	long pid = keep ? (long)*keep : 0;

	if (!pid) {
		pid = sys6(SYS_getpid, 0, 0, 0, 0, 0, 0);
		if (keep)
			*keep = (uint64_t)pid;
	}
	return sys6(write ? SYS_process_vm_writev : SYS_process_vm_readv, pid, (long)&local, 1,
		    (long)&remote, 1, 0);
}

/* Up to the end of @p's page, at most @n. */
static unsigned long page_rest(const void *p, unsigned long n)
{
	unsigned long rest = 4096 - ((uintptr_t)p & 4095);

	return rest < n ? rest : n;
}

/* The bytes NOT copied, as copy_from_user() counts them (those before a fault are kept). */
unsigned long xol_copy_safe(void *dst, const void *src, unsigned long n)
{
	unsigned long done = 0;

	while (done < n) {
		unsigned long want = page_rest((const char *)src + done, n - done);
		if (vm_rw((char *)dst + done, (const char *)src + done, want, false) != (long)want)
			break;
		done += want;
	}
	return n - done;
}

/* Bytes copied with the NUL, -EFAULT, or -E2BIG when no NUL within @max. */
long xol_strncpy_safe(char *dst, const char *src, unsigned long max)
{
	unsigned long done = 0;

	while (done < max) {
		unsigned long want = page_rest(src + done, max - done);
		if (vm_rw(dst + done, src + done, want, false) != (long)want)
			return -EFAULT;
		for (unsigned long i = 0; i < want; i++)
			if (!dst[done + i])
				return (long)(done + i + 1);
		done += want;
	}
	return -E2BIG;
}

long xol_load_safe(unsigned long *dst, const void *src)
{
	return xol_copy_safe(dst, src, sizeof(*dst)) ? -EFAULT : 0;
}

int xol_store8_safe(uint64_t addr, uint64_t val)
{
	unsigned long first = page_rest((void *)addr, 8);

	if (vm_rw((void *)addr, &val, first, true) != (long)first ||
	    (first < 8 && vm_rw((char *)addr + first, (char *)&val + first, 8 - first, true) !=
				  (long)(8 - first)))
		return -EFAULT;
	return 0;
}
