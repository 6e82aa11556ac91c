/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The static agent's own libc (core/nolibc.c): the two things it adds to libc's names. */
#ifndef XOL_CORE_NOLIBC_H
#define XOL_CORE_NOLIBC_H

#include <stddef.h>

/*
 * NOLIBC_PREFIX=xnl_ gives every libc name nolibc.c defines a prefix
 * (memcpy becomes xnl_memcpy), so the unit test links it into a process
 * that has glibc too.  The agent builds it without: NL(memcpy) is memcpy.
 */
#ifdef NOLIBC_PREFIX
#define NL_CAT2(a, b) a##b
#define NL_CAT(a, b) NL_CAT2(a, b)
#define NL(name) NL_CAT(NOLIBC_PREFIX, name)
#else
#define NL(name) name
#endif

/*
 * getenv() answers from this block only: "K=V" strings, each ended by a
 * NUL, len bytes in all.  The block is copied; a later call replaces it
 * (the old copy is leaked, as a getenv() in another thread may still read
 * it).  Returns 0 or -ENOMEM.
 */
int nolibc_setenv_block(const char *block, size_t len);

/* A system call with up to six arguments: the result, or -errno. */
static inline long nolibc_sys6(long nr, long a, long b, long c, long d, long e, long f)
{
	register long r10 __asm__("r10") = d;
	register long r8 __asm__("r8") = e;
	register long r9 __asm__("r9") = f;
	long ret;

	__asm__ volatile("syscall"
			 : "=a"(ret)
			 : "a"(nr), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8), "r"(r9)
			 : "rcx", "r11", "memory");
	return ret;
}

/* In a child after fork: the allocator's lock, which a thread of the parent may have held, free. */
void nolibc_after_fork(void);

#endif
