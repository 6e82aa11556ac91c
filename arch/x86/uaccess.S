/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Reads of the traced program's memory that never crash it.
 *
 * Every load that may fault sits between xol_uaccess_start and
 * xol_uaccess_end.  The agent's SIGSEGV/SIGBUS handler checks the faulting
 * RIP against that range and, when it matches, resumes at
 * xol_uaccess_fixup, which returns -EFAULT to the caller: the kernel's
 * exception-table idea, with one entry.  Both routines are leaves with no
 * stack frame, so the fixup's `ret` returns to their caller.
 */
/*
 * The agent for static programs takes these only for memory it knows is
 * mapped, and a system call otherwise (core/nolibc-next.c): they are its
 * xol_fast_*().
 */
#ifdef XOL_NOLIBC
#define xol_copy_safe    xol_fast_copy
#define xol_strncpy_safe xol_fast_strncpy
#define xol_load_safe    xol_fast_load
#define xol_store8_safe  xol_fast_store8
#endif
	.text

/*
 * unsigned long xol_copy_safe(void *dst, const void *src, unsigned long n):
 * the bytes NOT copied, as copy_from_user() counts them.  A fault part-way
 * leaves the bytes before it copied (the kernel's fetches keep them too):
 * its fixup, xol_uaccess_fixup_copy, returns what rep movsb left in %rcx.
 */
	.globl	xol_copy_safe
	.hidden	xol_copy_safe
	.type	xol_copy_safe, @function
xol_copy_safe:
	mov	%rdx, %rcx
	.globl	xol_uaccess_start
	.hidden	xol_uaccess_start
xol_uaccess_start:
	.globl	xol_uaccess_copy
	.hidden	xol_uaccess_copy
xol_uaccess_copy:
	rep movsb
	xor	%eax, %eax
	ret
	.size	xol_copy_safe, .-xol_copy_safe

/*
 * At most %rdx bytes from (%rsi) to (%rdi), one at a time, %rax counting
 * them and %r11 carrying them; with nul=1, returning the count once a NUL
 * is copied.  Falls through when %rdx bytes are done.
 */
.macro	copy_bytes nul
	xor	%eax, %eax
1:	cmp	%rdx, %rax
	jae	2f
	movzbl	(%rsi,%rax), %r11d
	mov	%r11b, (%rdi,%rax)
	inc	%rax
.if \nul
	test	%r11b, %r11b
	jnz	1b
	ret
.else
	jmp	1b
.endif
2:
.endm

/*
 * long xol_strncpy_safe(char *dst, const char *src, unsigned long max):
 * bytes copied with the NUL, -EFAULT, or -E2BIG when no NUL within max.
 * It changes no register but %rax and %r11 (and the flags): the
 * trampolines' recording path calls it with nothing else saved.
 */
	.globl	xol_strncpy_safe
	.hidden	xol_strncpy_safe
	.type	xol_strncpy_safe, @function
xol_strncpy_safe:
	copy_bytes nul=1
	mov	$-7, %rax
	ret
	.size	xol_strncpy_safe, .-xol_strncpy_safe

/*
 * long xol_copy_r11(void *dst, const void *src, unsigned long n): n bytes
 * one at a time, 0 or -EFAULT; a fault part-way leaves the bytes before it
 * copied.  It changes no register but %rax and %r11 (and the flags), for
 * the trampolines' recording path, as xol_strncpy_safe.
 */
	.globl	xol_copy_r11
	.hidden	xol_copy_r11
	.type	xol_copy_r11, @function
xol_copy_r11:
	copy_bytes nul=0
	xor	%eax, %eax
	ret
	.size	xol_copy_r11, .-xol_copy_r11

/* long xol_load_safe(unsigned long *dst, const void *src): one word; 0 or -EFAULT */
	.globl	xol_load_safe
	.hidden	xol_load_safe
	.type	xol_load_safe, @function
xol_load_safe:
	mov	(%rsi), %rax
	mov	%rax, (%rdi)
	xor	%eax, %eax
	ret
	.size	xol_load_safe, .-xol_load_safe

/* int xol_store8_safe(unsigned long addr, unsigned long val): 0 or -EFAULT */
	.globl	xol_store8_safe
	.hidden	xol_store8_safe
	.type	xol_store8_safe, @function
xol_store8_safe:
	mov	%rsi, (%rdi)
	xor	%eax, %eax
	ret
	.size	xol_store8_safe, .-xol_store8_safe

	.globl	xol_uaccess_end
	.hidden	xol_uaccess_end
xol_uaccess_end:

	.globl	xol_uaccess_fixup
	.hidden	xol_uaccess_fixup
	.type	xol_uaccess_fixup, @function
xol_uaccess_fixup:
	mov	$-14, %rax
	ret
	.size	xol_uaccess_fixup, .-xol_uaccess_fixup

	.globl	xol_uaccess_fixup_copy
	.hidden	xol_uaccess_fixup_copy
	.type	xol_uaccess_fixup_copy, @function
xol_uaccess_fixup_copy:
	mov	%rcx, %rax
	ret
	.size	xol_uaccess_fixup_copy, .-xol_uaccess_fixup_copy

	.section .note.GNU-stack,"",@progbits
