// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The libc of the static agent (xol-agent-static.so): every libc name the
 * agent objects and libZydis.so import, written on raw system calls.
 *
 * A static program has no libc the agent could share: its own is linked
 * in and invisible, a Go program has none.  So this file stands alone: no
 * TLS, no %fs, no vector register (it is built with the agent's
 * -mgeneral-regs-only), nothing of glibc but its headers' types and
 * constants.  It gives only what the agent uses, and what it cannot give
 * honestly it refuses (dlopen, dlsym, pthread_getattr_np).
 *
 * Differences from glibc a caller must know:
 *   - errno is one int for the whole process, not one per thread;
 *   - malloc never gives memory back to the kernel below 64 KiB, and is
 *     the agent's own: the program's allocator is never called;
 *   - getenv() sees only the block given to nolibc_setenv_block();
 *   - pthread_key_create() keeps no destructor, __register_atfork() no
 *     handler, dl_iterate_phdr() visits nothing, _r_debug stays zero;
 *   - __assert_fail and __stack_chk_fail end the calling thread (exit,
 *     not exit_group): the agent never ends the program it lives in;
 *   - strerror() of an unknown number writes a static buffer shared by
 *     all threads.
 *
 * Built with NOLIBC_PREFIX (see nolibc.h), every libc name here gets a
 * prefix, so the unit test can hold it next to glibc in one process.
 */
#undef _FORTIFY_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <link.h>
#include <linux/futex.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "core/nolibc.h"

/* Exported: resolved by the agent objects and by libZydis.so. */
#define NL_API  __attribute__((visibility("default")))
/* Exported, but an agent object that defines the name wins. */
#define NL_WEAK __attribute__((weak, visibility("default")))

/* <stdio.h> is not included: it renames sscanf to __isoc99_sscanf. */
NL_API int NL(vsnprintf)(char *buf, size_t size, const char *fmt, va_list ap);
NL_API int NL(snprintf)(char *buf, size_t size, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
NL_API int NL(sscanf)(const char *s, const char *fmt, ...);
NL_API int NL(__isoc99_sscanf)(const char *s, const char *fmt, ...);
NL_API int NL(__register_atfork)(void (*prepare)(void), void (*parent)(void),
				 void (*child)(void), void *dso);
NL_API void NL(__assert_fail)(const char *expr, const char *file, unsigned int line,
			      const char *func) __attribute__((noreturn));
NL_API void NL(__stack_chk_fail)(void) __attribute__((noreturn));
/* used before they are defined (declared by the headers only without a prefix) */
NL_API void *NL(memset)(void *d, int c, size_t n);
NL_API void *NL(memcpy)(void *restrict d, const void *restrict s, size_t n);
NL_API size_t NL(strlen)(const char *s);
NL_API size_t NL(strnlen)(const char *s, size_t max);
NL_API int NL(strncmp)(const char *a, const char *b, size_t n);
NL_API void *NL(malloc)(size_t n);
NL_API void NL(free)(void *p);

/* --- system calls ---------------------------------------------------------- */

static int nl_errno;	/* one for the process: there is no TLS here */

#define sys6 nolibc_sys6

#define sys0(nr)                ((long)sys6((nr), 0, 0, 0, 0, 0, 0))
#define sys1(nr, a)             sys6((nr), (long)(a), 0, 0, 0, 0, 0)
#define sys2(nr, a, b)          sys6((nr), (long)(a), (long)(b), 0, 0, 0, 0)
#define sys3(nr, a, b, c)       sys6((nr), (long)(a), (long)(b), (long)(c), 0, 0, 0)
#define sys4(nr, a, b, c, d)    sys6((nr), (long)(a), (long)(b), (long)(c), (long)(d), 0, 0)

/* The kernel's -errno becomes libc's -1 and errno. */
static long ret_errno(long r)
{
	if ((unsigned long)r > -4096UL) {
		nl_errno = (int)-r;
		return -1;
	}
	return r;
}

static int set_errno(int e)
{
	nl_errno = e;
	return -1;
}

NL_API int *NL(__errno_location)(void)
{
	return &nl_errno;
}

NL_API long NL(syscall)(long nr, ...)
{
	long a[6];
	va_list ap;
	int i;

	va_start(ap, nr);
	for (i = 0; i < 6; i++)
		a[i] = va_arg(ap, long);
	va_end(ap);
	return ret_errno(sys6(nr, a[0], a[1], a[2], a[3], a[4], a[5]));
}

NL_API int NL(open)(const char *path, int flags, ...)
{
	mode_t mode = 0;

	if (flags & (O_CREAT | __O_TMPFILE)) {
		va_list ap;

		va_start(ap, flags);
		mode = va_arg(ap, mode_t);
		va_end(ap);
	}
	return (int)ret_errno(sys4(SYS_openat, AT_FDCWD, path, flags, mode));
}

NL_API int NL(close)(int fd)
{
	return (int)ret_errno(sys1(SYS_close, fd));
}

NL_API ssize_t NL(read)(int fd, void *buf, size_t n)
{
	return ret_errno(sys3(SYS_read, fd, buf, n));
}

NL_WEAK ssize_t NL(write)(int fd, const void *buf, size_t n)
{
	return ret_errno(sys3(SYS_write, fd, buf, n));
}

NL_API ssize_t NL(pread)(int fd, void *buf, size_t n, off_t off)
{
	return ret_errno(sys4(SYS_pread64, fd, buf, n, off));
}

NL_API ssize_t NL(pwrite)(int fd, const void *buf, size_t n, off_t off)
{
	return ret_errno(sys4(SYS_pwrite64, fd, buf, n, off));
}

NL_API off_t NL(lseek)(int fd, off_t off, int whence)
{
	return ret_errno(sys3(SYS_lseek, fd, off, whence));
}

NL_API int NL(fstat)(int fd, struct stat *st)
{
	/* glibc's x86-64 struct stat is the kernel's */
	return (int)ret_errno(sys2(SYS_fstat, fd, st));
}

NL_API int NL(access)(const char *path, int mode)
{
	return (int)ret_errno(sys2(SYS_access, path, mode));
}

NL_API ssize_t NL(readlink)(const char *restrict path, char *restrict buf, size_t n)
{
	return ret_errno(sys3(SYS_readlink, path, buf, n));
}

NL_API void *NL(mmap)(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
	return (void *)ret_errno(sys6(SYS_mmap, (long)addr, (long)len, prot, flags, fd, off));
}

NL_API int NL(munmap)(void *addr, size_t len)
{
	return (int)ret_errno(sys2(SYS_munmap, addr, len));
}

NL_API int NL(madvise)(void *addr, size_t len, int advice)
{
	return (int)ret_errno(sys3(SYS_madvise, addr, len, advice));
}

NL_API int NL(nanosleep)(const struct timespec *req, struct timespec *rem)
{
	return (int)ret_errno(sys2(SYS_nanosleep, req, rem));
}

NL_API pid_t NL(getpid)(void)
{
	return (pid_t)sys0(SYS_getpid);
}

NL_API pid_t NL(getppid)(void)
{
	return (pid_t)sys0(SYS_getppid);
}

NL_WEAK pid_t NL(gettid)(void)
{
	return (pid_t)sys0(SYS_gettid);
}

NL_API int NL(tgkill)(pid_t tgid, pid_t tid, int sig)
{
	return (int)ret_errno(sys3(SYS_tgkill, tgid, tid, sig));
}

NL_API int NL(raise)(int sig)
{
	return (int)ret_errno(sys3(SYS_tgkill, sys0(SYS_getpid), sys0(SYS_gettid), sig));
}

NL_WEAK int NL(prctl)(int option, ...)
{
	unsigned long a[4];
	va_list ap;
	int i;

	va_start(ap, option);
	for (i = 0; i < 4; i++)
		a[i] = va_arg(ap, unsigned long);
	va_end(ap);
	return (int)ret_errno(sys6(SYS_prctl, option, (long)a[0], (long)a[1], (long)a[2],
				   (long)a[3], 0));
}

NL_API int NL(socket)(int domain, int type, int proto)
{
	return (int)ret_errno(sys3(SYS_socket, domain, type, proto));
}

NL_API int NL(connect)(int fd, __CONST_SOCKADDR_ARG addr, socklen_t len)
{
	return (int)ret_errno(sys3(SYS_connect, fd, addr.__sockaddr__, len));
}

NL_API ssize_t NL(send)(int fd, const void *buf, size_t n, int flags)
{
	return ret_errno(sys6(SYS_sendto, fd, (long)buf, (long)n, flags, 0, 0));
}

NL_API ssize_t NL(recv)(int fd, void *buf, size_t n, int flags)
{
	return ret_errno(sys6(SYS_recvfrom, fd, (long)buf, (long)n, flags, 0, 0));
}

NL_API ssize_t NL(recvmsg)(int fd, struct msghdr *msg, int flags)
{
	return ret_errno(sys3(SYS_recvmsg, fd, msg, flags));
}

NL_API long NL(sysconf)(int name)
{
	if (name == _SC_PAGESIZE)
		return 4096;
	return set_errno(EINVAL);
}

/* Ends the calling thread only; a Zydis assertion must not end the program. */
static void __attribute__((noreturn)) exit_thread(void)
{
	for (;;)
		sys1(SYS_exit, 127);
}

NL_API void NL(__assert_fail)(const char *expr, const char *file, unsigned int line,
			      const char *func)
{
	(void)expr, (void)file, (void)line, (void)func;
	exit_thread();
}

NL_API void NL(__stack_chk_fail)(void)
{
	exit_thread();
}

/* --- locks: a futex word, 0 free, 1 taken, 2 taken with waiters ------------ */

static void lock_word(int *w)
{
	int c = 0;

	if (__atomic_compare_exchange_n(w, &c, 1, 0, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
		return;
	if (c != 2)
		c = __atomic_exchange_n(w, 2, __ATOMIC_ACQUIRE);
	while (c) {
		sys4(SYS_futex, w, FUTEX_WAIT_PRIVATE, 2, 0);
		c = __atomic_exchange_n(w, 2, __ATOMIC_ACQUIRE);
	}
}

static void unlock_word(int *w)
{
	if (__atomic_exchange_n(w, 0, __ATOMIC_RELEASE) != 1)
		sys3(SYS_futex, w, FUTEX_WAKE_PRIVATE, 1);
}

/* The first int of pthread_mutex_t (PTHREAD_MUTEX_INITIALIZER is zeros);
 * process-private, not recursive, no error checking. */
NL_API int NL(pthread_mutex_lock)(pthread_mutex_t *m)
{
	lock_word((int *)m);
	return 0;
}

NL_API int NL(pthread_mutex_unlock)(pthread_mutex_t *m)
{
	unlock_word((int *)m);
	return 0;
}

/* The agent's threads are its own clones: a thread is named by its tid. */
NL_API pthread_t NL(pthread_self)(void)
{
	return (pthread_t)sys0(SYS_gettid);
}

static unsigned next_key;

/* No destructor is ever called: the agent's threads release themselves. */
NL_API int NL(pthread_key_create)(pthread_key_t *key, void (*destructor)(void *))
{
	(void)destructor;
	*key = __atomic_fetch_add(&next_key, 1, __ATOMIC_RELAXED);
	return 0;
}

NL_API int NL(pthread_setspecific)(pthread_key_t key, const void *value)
{
	(void)key, (void)value;
	return 0;
}

NL_API int NL(pthread_attr_init)(pthread_attr_t *a)
{
	(void)a;
	return 0;
}

NL_API int NL(pthread_attr_destroy)(pthread_attr_t *a)
{
	(void)a;
	return 0;
}

NL_API int NL(pthread_attr_setdetachstate)(pthread_attr_t *a, int state)
{
	(void)a, (void)state;
	return 0;
}

NL_API int NL(pthread_attr_setstacksize)(pthread_attr_t *a, size_t size)
{
	(void)a, (void)size;
	return 0;
}

NL_API int NL(pthread_attr_getstack)(const pthread_attr_t *restrict a, void **restrict addr,
				     size_t *restrict size)
{
	(void)a, (void)addr, (void)size;
	return EINVAL;
}

NL_API int NL(pthread_getattr_np)(pthread_t th, pthread_attr_t *a)
{
	(void)th, (void)a;
	return ENOSYS;
}

NL_API int NL(__register_atfork)(void (*prepare)(void), void (*parent)(void),
				 void (*child)(void), void *dso)
{
	(void)prepare, (void)parent, (void)child, (void)dso;
	return 0;
}

NL_WEAK int NL(pthread_atfork)(void (*prepare)(void), void (*parent)(void), void (*child)(void))
{
	(void)prepare, (void)parent, (void)child;
	return 0;
}

/* --- the dynamic linker's names: there is no dynamic linker ----------------- */

NL_API struct r_debug NL(_r_debug);
NL_API const ptrdiff_t NL(__rseq_offset) = 0;   /* no rseq area registered */
NL_API const unsigned int NL(__rseq_size) = 0;

NL_API int NL(dl_iterate_phdr)(int (*cb)(struct dl_phdr_info *, size_t, void *), void *data)
{
	(void)cb, (void)data;
	return 0;
}

NL_API void *NL(dlopen)(const char *file, int mode)
{
	(void)file, (void)mode;
	return NULL;
}

NL_API void *NL(dlsym)(void *restrict handle, const char *restrict name)
{
	(void)handle, (void)name;
	return NULL;
}

/* --- signal sets: the kernel's 64 signals in glibc's 1024-bit sigset_t ------ */

NL_API int NL(sigemptyset)(sigset_t *set)
{
	NL(memset)(set, 0, sizeof(*set));
	return 0;
}

NL_API int NL(sigfillset)(sigset_t *set)
{
	NL(memset)(set, 0xff, sizeof(*set));
	return 0;
}

#define NL_BITS (8 * sizeof(unsigned long))

NL_API int NL(sigaddset)(sigset_t *set, int sig)
{
	if (sig < 1 || sig > 64)
		return set_errno(EINVAL);
	set->__val[(sig - 1) / NL_BITS] |= 1UL << ((sig - 1) % NL_BITS);
	return 0;
}

NL_API int NL(sigdelset)(sigset_t *set, int sig)
{
	if (sig < 1 || sig > 64)
		return set_errno(EINVAL);
	set->__val[(sig - 1) / NL_BITS] &= ~(1UL << ((sig - 1) % NL_BITS));
	return 0;
}

/* --- memory and strings ------------------------------------------------------ */

/* rep movsb/stosb: no loop the compiler could turn back into a memcpy call */
NL_API void *NL(memcpy)(void *restrict d, const void *restrict s, size_t n)
{
	void *ret = d;

	__asm__ volatile("rep movsb" : "+D"(d), "+S"(s), "+c"(n) : : "memory");
	return ret;
}

NL_API void *NL(memmove)(void *d, const void *s, size_t n)
{
	void *ret = d;

	if ((uintptr_t)d - (uintptr_t)s >= n) /* d below s, or past its end */
		return NL(memcpy)(d, s, n);
	d = (char *)d + n - 1;
	s = (const char *)s + n - 1;
	__asm__ volatile("std; rep movsb; cld" : "+D"(d), "+S"(s), "+c"(n) : : "memory");
	return ret;
}

NL_API void *NL(memset)(void *d, int c, size_t n)
{
	void *ret = d;

	__asm__ volatile("rep stosb" : "+D"(d), "+c"(n) : "a"(c) : "memory");
	return ret;
}

NL_API int NL(memcmp)(const void *a, const void *b, size_t n)
{
	const unsigned char *p = a, *q = b;

	for (; n; n--, p++, q++)
		if (*p != *q)
			return *p - *q;
	return 0;
}

NL_API size_t NL(strlen)(const char *s)
{
	const char *p = s;

	while (*p)
		p++;
	return (size_t)(p - s);
}

NL_API size_t NL(strnlen)(const char *s, size_t max)
{
	size_t n = 0;

	while (n < max && s[n])
		n++;
	return n;
}

NL_API char *NL(strchr)(const char *s, int c)
{
	for (;; s++) {
		if (*s == (char)c)
			return (char *)s;
		if (!*s)
			return NULL;
	}
}

NL_API char *NL(strrchr)(const char *s, int c)
{
	const char *last = NULL;

	for (;; s++) {
		if (*s == (char)c)
			last = s;
		if (!*s)
			return (char *)last;
	}
}

NL_API int NL(strcmp)(const char *a, const char *b)
{
	while (*a && *a == *b)
		a++, b++;
	return (unsigned char)*a - (unsigned char)*b;
}

NL_API int NL(strncmp)(const char *a, const char *b, size_t n)
{
	for (; n; n--, a++, b++) {
		if (*a != *b)
			return (unsigned char)*a - (unsigned char)*b;
		if (!*a)
			return 0;
	}
	return 0;
}

NL_API char *NL(strcpy)(char *restrict d, const char *restrict s)
{
	char *ret = d;

	while ((*d++ = *s++))
		;
	return ret;
}

NL_API char *NL(strncpy)(char *restrict d, const char *restrict s, size_t n)
{
	size_t i = 0;

	for (; i < n && s[i]; i++)
		d[i] = s[i];
	NL(memset)(d + i, 0, n - i);
	return d;
}

NL_WEAK char *NL(strstr)(const char *hay, const char *needle)
{
	size_t n = NL(strlen)(needle);

	for (; *hay; hay++)
		if (!NL(strncmp)(hay, needle, n))
			return (char *)hay;
	return n ? NULL : (char *)hay;
}

static int is_space(int c)
{
	return c == ' ' || (c >= '\t' && c <= '\r');
}

static int digit_value(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'Z')
		return c - 'A' + 10;
	return 99;
}

NL_API unsigned long NL(strtoul)(const char *restrict s, char **restrict end, int base)
{
	const char *p = s;
	unsigned long v = 0;
	int neg = 0, any = 0, over = 0;

	if (base < 0 || base == 1 || base > 36) {
		set_errno(EINVAL);
		if (end)
			*end = (char *)s;
		return 0;
	}
	while (is_space(*p))
		p++;
	if (*p == '+' || *p == '-')
		neg = *p++ == '-';
	if ((base == 0 || base == 16) && p[0] == '0' && (p[1] | 0x20) == 'x' &&
	    digit_value(p[2]) < 16) {
		p += 2;
		base = 16;
	} else if (base == 0) {
		base = *p == '0' ? 8 : 10;
	}
	for (; digit_value(*p) < base; p++) {
		unsigned d = (unsigned)digit_value(*p);

		any = 1;
		if (v > (ULONG_MAX - d) / (unsigned)base)
			over = 1;
		v = v * (unsigned)base + d;
	}
	if (end)
		*end = (char *)(any ? p : s);
	if (over) {
		set_errno(ERANGE);
		return ULONG_MAX;
	}
	return neg ? -v : v;
}

/* --- qsort: heapsort, in place ----------------------------------------------- */

static void swap_bytes(char *a, char *b, size_t n)
{
	while (n--) {
		char t = *a;

		*a++ = *b;
		*b++ = t;
	}
}

static void sift_down(char *base, size_t root, size_t n, size_t sz,
		      int (*cmp)(const void *, const void *))
{
	for (;;) {
		size_t child = 2 * root + 1;

		if (child >= n)
			return;
		if (child + 1 < n && cmp(base + child * sz, base + (child + 1) * sz) < 0)
			child++;
		if (cmp(base + root * sz, base + child * sz) >= 0)
			return;
		swap_bytes(base + root * sz, base + child * sz, sz);
		root = child;
	}
}

NL_API void NL(qsort)(void *base, size_t n, size_t sz, int (*cmp)(const void *, const void *))
{
	size_t i;

	if (n < 2)
		return;
	for (i = n / 2; i-- > 0;)
		sift_down(base, i, n, sz, cmp);
	for (i = n - 1; i > 0; i--) {
		swap_bytes(base, (char *)base + i * sz, sz);
		sift_down(base, 0, i, sz, cmp);
	}
}

/* --- malloc ---------------------------------------------------------------------
 *
 * Every block starts with a 16-byte header.  Blocks of up to 64 KiB
 * (header included) come in 12 power-of-two classes, cut from 1 MiB
 * arenas and kept on one free list per class; bigger ones are mappings of
 * their own, unmapped by free().  Arenas are never unmapped.  One futex
 * lock: the agent allocates on its slow paths only.
 */

struct nl_hdr {
	size_t size;  /* of the block or the mapping, header included */
	size_t cls;   /* size class, or NL_BIG */
};

#define NL_HDR      sizeof(struct nl_hdr)
#define NL_MIN      32u
#define NL_NCLASS   12u		/* 32 B .. 64 KiB */
#define NL_BIG      ((size_t)-1)
#define NL_ARENA    (1u << 20)
#define NL_PAGE     4096u

static struct {
	int lock;
	void *free[NL_NCLASS];
	char *next, *end; /* what is left of the current arena */
} heap;

/*
 * In a child after fork, where only the forking thread runs: a lock the
 * parent's other threads held when it forked is nobody's.
 */
void nolibc_after_fork(void)
{
	heap.lock = 0;
}

static void *map_anon(size_t len)
{
	long r = sys6(SYS_mmap, 0, (long)len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
		      -1, 0);

	if ((unsigned long)r > -4096UL)
		return NULL;
	return (void *)r;
}

static struct nl_hdr *alloc_small(size_t cls)
{
	size_t size = (size_t)NL_MIN << cls;
	struct nl_hdr *h;

	lock_word(&heap.lock);
	h = heap.free[cls];
	if (h) {
		heap.free[cls] = *(void **)(h + 1);
	} else {
		if ((size_t)(heap.end - heap.next) < size) {
			char *a = map_anon(NL_ARENA);

			if (!a) {
				unlock_word(&heap.lock);
				return NULL;
			}
			heap.next = a;
			heap.end = a + NL_ARENA;
		}
		h = (struct nl_hdr *)heap.next;
		heap.next += size;
	}
	unlock_word(&heap.lock);
	h->size = size;
	h->cls = cls;
	return h;
}

NL_API void *NL(malloc)(size_t n)
{
	struct nl_hdr *h;
	size_t need, cls = 0;

	if (n > SIZE_MAX / 2) {
		set_errno(ENOMEM);
		return NULL;
	}
	need = n + NL_HDR;
	if (need > (size_t)NL_MIN << (NL_NCLASS - 1)) {
		need = (need + NL_PAGE - 1) & ~(size_t)(NL_PAGE - 1);
		h = map_anon(need);
		if (h) {
			h->size = need;
			h->cls = NL_BIG;
		}
	} else {
		while ((size_t)NL_MIN << cls < need)
			cls++;
		h = alloc_small(cls);
	}
	if (!h) {
		set_errno(ENOMEM);
		return NULL;
	}
	return h + 1;
}

NL_API void NL(free)(void *p)
{
	struct nl_hdr *h;

	if (!p)
		return;
	h = (struct nl_hdr *)p - 1;
	if (h->cls == NL_BIG) {
		sys2(SYS_munmap, h, h->size);
		return;
	}
	lock_word(&heap.lock);
	*(void **)p = heap.free[h->cls];
	heap.free[h->cls] = h;
	unlock_word(&heap.lock);
}

NL_API void *NL(calloc)(size_t n, size_t size)
{
	void *p;

	if (size && n > SIZE_MAX / size) {
		set_errno(ENOMEM);
		return NULL;
	}
	p = NL(malloc)(n * size);
	if (p)
		NL(memset)(p, 0, n * size);
	return p;
}

NL_API void *NL(realloc)(void *p, size_t n)
{
	size_t have;
	void *q;

	if (!p)
		return NL(malloc)(n);
	if (!n) {
		NL(free)(p);
		return NULL;
	}
	have = ((struct nl_hdr *)p - 1)->size - NL_HDR;
	if (n <= have)
		return p;
	q = NL(malloc)(n);
	if (!q)
		return NULL;
	NL(memcpy)(q, p, have);
	NL(free)(p);
	return q;
}

/* --- getenv --------------------------------------------------------------------- */

struct env_block {
	size_t len;
	char text[];
};

static struct env_block *env;

int nolibc_setenv_block(const char *block, size_t len)
{
	struct env_block *e = NL(malloc)(sizeof(*e) + len + 1);

	if (!e)
		return -ENOMEM;
	e->len = len;
	NL(memcpy)(e->text, block, len);
	e->text[len] = 0; /* the last string ends even if the block's does not */
	__atomic_store_n(&env, e, __ATOMIC_RELEASE); /* pairs with getenv's acquire */
	return 0;
}

NL_API char *NL(getenv)(const char *name)
{
	struct env_block *e = __atomic_load_n(&env, __ATOMIC_ACQUIRE);
	size_t n = NL(strlen)(name), off = 0;

	if (!e)
		return NULL;
	while (off < e->len) {
		char *kv = e->text + off;

		if (!NL(strncmp)(kv, name, n) && kv[n] == '=')
			return kv + n + 1;
		off += NL(strlen)(kv) + 1;
	}
	return NULL;
}

/* --- strerror ------------------------------------------------------------------- */

static const char *const errors[] = {
	[0] = "Success",
	[EPERM] = "Operation not permitted",
	[ENOENT] = "No such file or directory",
	[ESRCH] = "No such process",
	[EINTR] = "Interrupted system call",
	[EIO] = "Input/output error",
	[ENXIO] = "No such device or address",
	[E2BIG] = "Argument list too long",
	[ENOEXEC] = "Exec format error",
	[EBADF] = "Bad file descriptor",
	[ECHILD] = "No child processes",
	[EAGAIN] = "Resource temporarily unavailable",
	[ENOMEM] = "Cannot allocate memory",
	[EACCES] = "Permission denied",
	[EFAULT] = "Bad address",
	[ENOTBLK] = "Block device required",
	[EBUSY] = "Device or resource busy",
	[EEXIST] = "File exists",
	[EXDEV] = "Invalid cross-device link",
	[ENODEV] = "No such device",
	[ENOTDIR] = "Not a directory",
	[EISDIR] = "Is a directory",
	[EINVAL] = "Invalid argument",
	[ENFILE] = "Too many open files in system",
	[EMFILE] = "Too many open files",
	[ENOTTY] = "Inappropriate ioctl for device",
	[ETXTBSY] = "Text file busy",
	[EFBIG] = "File too large",
	[ENOSPC] = "No space left on device",
	[ESPIPE] = "Illegal seek",
	[EROFS] = "Read-only file system",
	[EMLINK] = "Too many links",
	[EPIPE] = "Broken pipe",
	[EDOM] = "Numerical argument out of domain",
	[ERANGE] = "Numerical result out of range",
	[EDEADLK] = "Resource deadlock avoided",
	[ENAMETOOLONG] = "File name too long",
	[ENOLCK] = "No locks available",
	[ENOSYS] = "Function not implemented",
	[ENOTEMPTY] = "Directory not empty",
	[ELOOP] = "Too many levels of symbolic links",
	[ENODATA] = "No data available",
	[EPROTO] = "Protocol error",
	[EBADMSG] = "Bad message",
	[EOVERFLOW] = "Value too large for defined data type",
	[EILSEQ] = "Invalid or incomplete multibyte or wide character",
	[ENOTSOCK] = "Socket operation on non-socket",
	[EMSGSIZE] = "Message too long",
	[EPROTONOSUPPORT] = "Protocol not supported",
	[EOPNOTSUPP] = "Operation not supported",
	[EAFNOSUPPORT] = "Address family not supported by protocol",
	[EADDRINUSE] = "Address already in use",
	[EADDRNOTAVAIL] = "Cannot assign requested address",
	[ENETUNREACH] = "Network is unreachable",
	[ECONNRESET] = "Connection reset by peer",
	[ENOBUFS] = "No buffer space available",
	[EISCONN] = "Transport endpoint is already connected",
	[ENOTCONN] = "Transport endpoint is not connected",
	[ETIMEDOUT] = "Connection timed out",
	[ECONNREFUSED] = "Connection refused",
	[EHOSTUNREACH] = "No route to host",
	[EALREADY] = "Operation already in progress",
	[EINPROGRESS] = "Operation now in progress",
	[ESTALE] = "Stale file handle",
	[EDQUOT] = "Disk quota exceeded",
	[ECANCELED] = "Operation canceled",
};

NL_API char *NL(strerror)(int e)
{
	static char unknown[32]; /* shared by all threads, as glibc's was once */

	if (e >= 0 && (size_t)e < sizeof(errors) / sizeof(errors[0]) && errors[e])
		return (char *)errors[e];
	NL(snprintf)(unknown, sizeof(unknown), "Unknown error %d", e);
	return unknown;
}

/* --- snprintf ------------------------------------------------------------------------ */

struct out {
	char *buf;
	size_t size, len; /* len: what would have been written */
};

static void out_c(struct out *o, char c)
{
	if (o->len + 1 < o->size)
		o->buf[o->len] = c;
	o->len++;
}

static void out_n(struct out *o, char c, long n)
{
	for (; n > 0; n--)
		out_c(o, c);
}

static void out_s(struct out *o, const char *s, size_t n)
{
	while (n--)
		out_c(o, *s++);
}

enum { F_MINUS = 1, F_PLUS = 2, F_SPACE = 4, F_ALT = 8, F_ZERO = 16 };

static void out_num(struct out *o, unsigned long long v, int neg, unsigned base, int upper,
		    int flags, long width, long prec)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char dig[24], pre[2];
	long nd = 0, np = 0, zeros, total;

	if (v || prec)
		do {
			dig[nd++] = digits[v % base];
			v /= base;
		} while (v);
	if (neg)
		pre[np++] = '-';
	else if (flags & F_PLUS)
		pre[np++] = '+';
	else if (flags & F_SPACE)
		pre[np++] = ' ';
	if ((flags & F_ALT) && base == 16 && nd && !(nd == 1 && dig[0] == '0')) {
		pre[np++] = '0';
		pre[np++] = upper ? 'X' : 'x';
	}
	zeros = prec > nd ? prec - nd : 0;
	if ((flags & F_ALT) && base == 8 && !zeros && (!nd || dig[nd - 1] != '0'))
		zeros = 1;
	total = np + zeros + nd;
	if ((flags & (F_ZERO | F_MINUS)) == F_ZERO && prec < 0 && width > total) {
		zeros += width - total;
		total = width;
	}
	if (!(flags & F_MINUS))
		out_n(o, ' ', width - total);
	out_s(o, pre, (size_t)np);
	out_n(o, '0', zeros);
	while (nd)
		out_c(o, dig[--nd]);
	if (flags & F_MINUS)
		out_n(o, ' ', width - total);
}

static void out_padded(struct out *o, const char *s, size_t n, int flags, long width)
{
	if (!(flags & F_MINUS))
		out_n(o, ' ', width - (long)n);
	out_s(o, s, n);
	if (flags & F_MINUS)
		out_n(o, ' ', width - (long)n);
}

/* Length modifiers: hh h (none) l ll; z j t count as l. */
enum { L_HH = -2, L_H = -1, L_INT = 0, L_LONG = 1, L_LLONG = 2 };

NL_API int NL(vsnprintf)(char *buf, size_t size, const char *f, va_list ap)
{
	struct out o = { .buf = buf, .size = size };

	for (; *f; f++) {
		int flags = 0, len = L_INT, upper = 0;
		long width = 0, prec = -1;
		unsigned long long u;
		unsigned base = 10;
		const char *s;
		char c;

		if (*f != '%') {
			out_c(&o, *f);
			continue;
		}
		for (;; f++) {
			int fl = f[1] == '-' ? F_MINUS : f[1] == '+' ? F_PLUS : f[1] == ' ' ? F_SPACE :
				 f[1] == '#' ? F_ALT : f[1] == '0' ? F_ZERO : 0;

			if (!fl)
				break;
			flags |= fl;
		}
		f++;
		if (*f == '*') {
			width = va_arg(ap, int);
			if (width < 0) {
				flags |= F_MINUS;
				width = -width;
			}
			f++;
		} else {
			while (*f >= '0' && *f <= '9')
				width = width * 10 + (*f++ - '0');
		}
		if (*f == '.') {
			f++;
			prec = 0;
			if (*f == '*') {
				prec = va_arg(ap, int);
				if (prec < 0)
					prec = -1;
				f++;
			} else {
				while (*f >= '0' && *f <= '9')
					prec = prec * 10 + (*f++ - '0');
			}
		}
		for (;; f++) {
			if (*f == 'h')
				len = len == L_H ? L_HH : L_H;
			else if (*f == 'l')
				len = len == L_LONG ? L_LLONG : L_LONG;
			else if (*f == 'z' || *f == 'j' || *f == 't')
				len = L_LONG;
			else
				break;
		}
		switch (*f) {
		case 'd':
		case 'i': {
			long long v = len == L_LLONG ? va_arg(ap, long long) :
				      len == L_LONG  ? va_arg(ap, long) :
				      len == L_H     ? (short)va_arg(ap, int) :
				      len == L_HH    ? (signed char)va_arg(ap, int) :
						       va_arg(ap, int);

			u = v < 0 ? -(unsigned long long)v : (unsigned long long)v;
			out_num(&o, u, v < 0, 10, 0, flags & ~F_ALT, width, prec);
			continue;
		}
		case 'X':
			upper = 1;
			/* fallthrough */
		case 'x':
			base = 16;
			goto unsigned_num;
		case 'o':
			base = 8;
			/* fallthrough */
		case 'u':
unsigned_num:
			u = len == L_LLONG ? va_arg(ap, unsigned long long) :
			    len == L_LONG  ? va_arg(ap, unsigned long) :
			    len == L_H     ? (unsigned short)va_arg(ap, unsigned) :
			    len == L_HH    ? (unsigned char)va_arg(ap, unsigned) :
					     va_arg(ap, unsigned);
			out_num(&o, u, 0, base, upper, flags & ~(F_PLUS | F_SPACE), width, prec);
			continue;
		case 'p': {
			void *p = va_arg(ap, void *);

			if (!p)
				out_padded(&o, "(nil)", 5, flags, width);
			else
				out_num(&o, (uintptr_t)p, 0, 16, 0, flags | F_ALT, width, prec);
			continue;
		}
		case 'c':
			c = (char)va_arg(ap, int);
			out_padded(&o, &c, 1, flags, width);
			continue;
		case 's':
			s = va_arg(ap, const char *);
			if (!s)
				s = prec < 0 || prec >= 6 ? "(null)" : "";
			out_padded(&o, s, NL(strnlen)(s, prec < 0 ? SIZE_MAX : (size_t)prec), flags,
				   width);
			continue;
		case '%':
			out_c(&o, '%');
			continue;
		case 0:
			f--; /* a lone '%' ends the format */
			continue;
		default: /* not supported (floating point, %n): shown as written */
			out_c(&o, '%');
			out_c(&o, *f);
			continue;
		}
	}
	if (size)
		buf[o.len < size ? o.len : size - 1] = 0;
	return o.len > INT_MAX ? INT_MAX : (int)o.len;
}

NL_API int NL(snprintf)(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = NL(vsnprintf)(buf, size, fmt, ap);
	va_end(ap);
	return n;
}

/* --- sscanf: %d %i %u %x %o %p %s %c %n, widths, '*', literals and spaces ------------ */

/* Reads one number of at most @width characters (0: any); returns its digit count. */
static int scan_num(const char **sp, long width, unsigned base, unsigned long long *out)
{
	const char *s = *sp, *lim = width ? s + width : (const char *)UINTPTR_MAX;
	unsigned long long v = 0;
	int neg = 0, nd = 0;

	if (s < lim && (*s == '+' || *s == '-'))
		neg = *s++ == '-';
	if ((base == 16 || base == 0) && s + 2 < lim && s[0] == '0' && (s[1] | 0x20) == 'x' &&
	    digit_value(s[2]) < 16) {
		s += 2;
		base = 16;
	} else if (base == 0) {
		base = *s == '0' ? 8 : 10;
	}
	for (; s < lim && (unsigned)digit_value(*s) < base; s++, nd++)
		v = v * base + (unsigned)digit_value(*s);
	*out = neg ? -v : v;
	*sp = s;
	return nd;
}

static int vsscanf_impl(const char *s, const char *f, va_list ap)
{
	const char *start = s;
	int done = 0;

	for (; *f; f++) {
		int skip = 0, len = L_INT;
		unsigned long long v;
		unsigned base = 10;
		long width = 0;

		if (is_space(*f)) {
			while (is_space(*s))
				s++;
			continue;
		}
		if (*f != '%' || f[1] == '%') {
			if (*f == '%') {
				f++;
				while (is_space(*s))
					s++;
			}
			if (!*s)
				return done ? done : -1;
			if (*s != *f)
				return done;
			s++;
			continue;
		}
		f++;
		if (*f == '*') {
			skip = 1;
			f++;
		}
		while (*f >= '0' && *f <= '9')
			width = width * 10 + (*f++ - '0');
		for (;; f++) {
			if (*f == 'h')
				len = len == L_H ? L_HH : L_H;
			else if (*f == 'l' || *f == 'L' || *f == 'q')
				len = len == L_LONG || *f != 'l' ? L_LLONG : L_LONG;
			else if (*f == 'z' || *f == 'j' || *f == 't')
				len = L_LONG;
			else
				break;
		}
		if (*f == 'n') {
			if (!skip)
				*va_arg(ap, int *) = (int)(s - start);
			continue;
		}
		if (*f != 'c')
			while (is_space(*s))
				s++;
		if (!*s)
			return done ? done : -1;
		switch (*f) {
		case 'c': {
			char *d = skip ? NULL : va_arg(ap, char *);
			long i;

			if (!width)
				width = 1;
			for (i = 0; i < width; i++, s++) {
				if (!*s)
					return done ? done : -1;
				if (d)
					d[i] = *s;
			}
			break;
		}
		case 's': {
			char *d = skip ? NULL : va_arg(ap, char *);
			long i;

			for (i = 0; *s && !is_space(*s) && (!width || i < width); i++, s++)
				if (d)
					d[i] = *s;
			if (d)
				d[i] = 0;
			break;
		}
		case 'p':
			len = L_LONG;
			/* fallthrough */
		case 'x':
		case 'X':
			base = 16;
			goto number;
		case 'o':
			base = 8;
			goto number;
		case 'i':
			base = 0;
			/* fallthrough */
		case 'd':
		case 'u':
number:
			if (!scan_num(&s, width, base, &v))
				return done;
			if (skip)
				break;
			if (len >= L_LONG)
				*va_arg(ap, unsigned long long *) = v;
			else if (len == L_H)
				*va_arg(ap, unsigned short *) = (unsigned short)v;
			else if (len == L_HH)
				*va_arg(ap, unsigned char *) = (unsigned char)v;
			else
				*va_arg(ap, unsigned *) = (unsigned)v;
			break;
		default: /* not supported ([, floating point) */
			return done;
		}
		if (!skip)
			done++;
	}
	return done;
}

NL_API int NL(sscanf)(const char *s, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsscanf_impl(s, fmt, ap);
	va_end(ap);
	return n;
}

/* What <stdio.h> calls sscanf in C99 mode: the same function. */
#define NL_STR2(x) #x
#define NL_STR(x) NL_STR2(x)
NL_API int NL(__isoc99_sscanf)(const char *s, const char *fmt, ...)
	__attribute__((alias(NL_STR(NL(sscanf)))));
