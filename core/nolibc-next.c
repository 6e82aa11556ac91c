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
 * The reads of the program's memory (uaccess.h): a static program's
 * sigaction() is not interposed, so a SIGSEGV handler it installs could
 * come before ours (which signals_reassert() puts back every 100 ms) and
 * see the fault of a fetch.  So a read goes straight to memory (the
 * fault-tolerant routines of uaccess.S) only inside a mapping the agent
 * saw readable (writable, for a store) when it last read its maps, at
 * most 100 ms ago; anything else is a process_vm_readv() of the process
 * itself, which never faults, whatever the handlers are.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#include "agent.h"
#include "nolibc.h"
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

#define sys6 nolibc_sys6
#define sys4(nr, a, b, c, d) nolibc_sys6(nr, a, b, c, d, 0, 0)

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

unsigned long xol_fast_copy(void *dst, const void *src, unsigned long n);
long xol_fast_strncpy(char *dst, const char *src, unsigned long max);
long xol_fast_load(unsigned long *dst, const void *src);
int xol_fast_store8(uint64_t addr, uint64_t val);

/*
 * The process's mappings as last read: two tables, the agent's thread
 * fills the one not in use and flips @cur; a reader that sees @seq change
 * under it trusts nothing it found (a miss: the system call).
 */
#define MAPS_MAX 1024
static struct maps_table {
	unsigned n;
	struct { uint64_t start, end; bool write; } m[MAPS_MAX];
} tables[2];
static unsigned maps_seq;

/* Bytes of [@p, @p + @n) inside one mapping seen readable (@write: writable), from @p. */
static unsigned long known(const void *p, unsigned long n, bool write)
{
	unsigned seq = __atomic_load_n(&maps_seq, __ATOMIC_ACQUIRE);
	const struct maps_table *t = &tables[seq & 1];
	uint64_t a = (uint64_t)p, got = 0;
	unsigned lo = 0, hi = t->n;

	while (lo < hi) { /* the last mapping starting at or below @a */
		unsigned mid = (lo + hi) / 2;
		if (t->m[mid].start <= a)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo && a < t->m[lo - 1].end && (!write || t->m[lo - 1].write))
		got = t->m[lo - 1].end - a < n ? t->m[lo - 1].end - a : n;
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	return __atomic_load_n(&maps_seq, __ATOMIC_RELAXED) == seq ? got : 0;
}

/* The agent's thread, every 100 ms (agent_serve): the table read again from /proc/self/maps. */
void nolibc_maps_refresh(void)
{
	static char buf[65536];
	struct maps_table *t = &tables[(maps_seq + 1) & 1];
	int fd = open("/proc/self/maps", O_RDONLY | O_CLOEXEC);
	size_t len = 0;
	ssize_t r;

	if (fd < 0)
		return;
	while (len < sizeof(buf) - 1 && (r = read(fd, buf + len, sizeof(buf) - 1 - len)) > 0)
		len += (size_t)r;
	close(fd);
	buf[len] = 0;
	t->n = 0;
	for (char *line = buf; *line && t->n < MAPS_MAX;) {
		char *nl = strchr(line, '\n');
		unsigned long start, end;
		char perms[8];
		if (nl)
			*nl = 0;
		if (sscanf(line, "%lx-%lx %7s", &start, &end, perms) == 3 && perms[0] == 'r' &&
		    !strstr(line, "[vvar]") && !strstr(line, "[vsyscall]")) {
			t->m[t->n].start = start;
			t->m[t->n].end = end;
			t->m[t->n].write = perms[1] == 'w';
			t->n++;
		}
		line = nl ? nl + 1 : line + strlen(line);
	}
	__atomic_fetch_add(&maps_seq, 1, __ATOMIC_RELEASE); /* readers now use t */
}

/* The bytes NOT copied, as copy_from_user() counts them (those before a fault are kept). */
unsigned long xol_copy_safe(void *dst, const void *src, unsigned long n)
{
	unsigned long done = 0;

	if (known(src, n, false) == n)
		return xol_fast_copy(dst, src, n);
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
	unsigned long done = known(src, max, false);

	if (done) {
		long r = xol_fast_strncpy(dst, src, done);
		if (r != -E2BIG || done == max)
			return r;
		/* no NUL before the mapping's end: on by system calls */
	}

	while (done < max) {
		/* most strings are short: 64 bytes first, then up to page ends */
		unsigned long want = page_rest(src + done, done ? max - done : max < 64 ? max : 64);
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
	if (known(src, sizeof(*dst), false) == sizeof(*dst))
		return xol_fast_load(dst, src);
	return xol_copy_safe(dst, src, sizeof(*dst)) ? -EFAULT : 0;
}

int xol_store8_safe(uint64_t addr, uint64_t val)
{
	if (known((void *)addr, 8, true) == 8)
		return xol_fast_store8(addr, val);
	unsigned long first = page_rest((void *)addr, 8);

	if (vm_rw((void *)addr, &val, first, true) != (long)first ||
	    (first < 8 && vm_rw((char *)addr + first, (char *)&val + first, 8 - first, true) !=
				  (long)(8 - first)))
		return -EFAULT;
	return 0;
}
