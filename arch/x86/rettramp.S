/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The return trampoline: where a return-probed function returns to.
 *
 * The entry hit replaced the function's return address with this code's
 * address.  When the function returns here, we build a struct xol_regs
 * (pt_regs order) with the return value in ax and sp as the caller sees it,
 * call xol_return_hit(regs), which records the return events and gives back
 * the real return address, restore every register and the flags, and
 * return there.  No signal, no system call.
 *
 * Stack while the handler runs (high to low):
 *
 *	caller's stack                 <- sp at the return (regs->sp)
 *	real return address slot       (filled from xol_return_hit's result)
 *	ss sp flags cs ip orig_ax      \
 *	di si dx cx ax r8 r9 r10 r11    > struct xol_regs, 21 words
 *	bx bp r12 r13 r14 r15          /  <- %rdi, %rbx
 *	(aligned down to 16 for the call)
 *
 * Below the caller's sp nothing is live after a return, so no red zone
 * needs stepping over.
 */
	.text
	.globl	xol_return_trampoline
	.hidden	xol_return_trampoline
	.type	xol_return_trampoline, @function
xol_return_trampoline:
	sub	$8, %rsp		/* the real return address goes here */
	push	$0			/* ss */
	push	%rax			/* sp, computed next without losing %rax */
	lea	24(%rsp), %rax
	xchg	%rax, (%rsp)
	pushfq				/* flags */
	push	$0x33			/* cs */
	push	$0			/* ip: xol_return_hit sets it */
	push	$-1			/* orig_ax */
	push	%rdi
	push	%rsi
	push	%rdx
	push	%rcx
	push	%rax
	push	%r8
	push	%r9
	push	%r10
	push	%r11
	push	%rbx
	push	%rbp
	push	%r12
	push	%r13
	push	%r14
	push	%r15
	mov	%rsp, %rdi
	mov	%rsp, %rbx
	and	$-16, %rsp
	cld
	call	xol_return_hit
	mov	%rbx, %rsp
	mov	%rax, 168(%rsp)		/* 21 words of regs: the return slot */
	pop	%r15
	pop	%r14
	pop	%r13
	pop	%r12
	pop	%rbp
	pop	%rbx
	pop	%r11
	pop	%r10
	pop	%r9
	pop	%r8
	pop	%rax
	pop	%rcx
	pop	%rdx
	pop	%rsi
	pop	%rdi
	add	$24, %rsp		/* orig_ax, ip, cs */
	popfq
	add	$16, %rsp		/* sp, ss */
	ret
	.size	xol_return_trampoline, .-xol_return_trampoline

	.section .note.GNU-stack,"",@progbits
