/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Fault-tolerant reads of the traced program's memory (arch/x86/uaccess.S). */
#ifndef XOL_CORE_UACCESS_H
#define XOL_CORE_UACCESS_H

#include <stdint.h>

unsigned long xol_copy_safe(void *dst, const void *src, unsigned long n);
long xol_strncpy_safe(char *dst, const char *src, unsigned long max);
long xol_copy_r11(void *dst, const void *src, unsigned long n);
long xol_load_safe(unsigned long *dst, const void *src);
int xol_store8_safe(uint64_t addr, uint64_t val);

/*
 * The word at a thread's own %rsp (a return address a call just pushed, or
 * a ret is about to pop): mapped, or the program faults there anyway.  In
 * static programs a plain load, since their other reads cost a system call
 * (core/nolibc-next.c); elsewhere the fault-tolerant one.
 */
static inline long xol_load_sp(unsigned long *dst, const void *sp)
{
#ifdef XOL_NOLIBC
	*dst = *(const volatile unsigned long *)sp;
	return 0;
#else
	return xol_load_safe(dst, sp);
#endif
}

extern const char xol_uaccess_start[], xol_uaccess_end[], xol_uaccess_fixup[];
extern const char xol_uaccess_copy[], xol_uaccess_fixup_copy[];

#endif
