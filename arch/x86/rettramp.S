/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The return trampoline: where a return-probed function returns to.
 *
 * The entry hit replaced the function's return address with this code's
 * address.  When the function returns here, we build a struct xol_regs
 * (pt_regs order) with the return value in ax and sp as the caller sees it,
 * call xol_return_hit(regs), which records the return events and gives back
 * the real return address, restore every register and the flags, and
 * jump there.  No signal, no system call.
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
	lea	-8(%rsp), %rsp		/* the real return address; lea keeps the flags */
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
	/*
	 * The flags without popfq, as the jump trampolines restore them
	 * (arch/x86/jump.c, emit_restore_flags): DF by std, OF by an add
	 * that overflows exactly when it was set, the rest by sahf; %rax
	 * and %rcx are popped after.
	 */
	mov	144(%rsp), %rcx		/* flags */
	test	$0x400, %ecx
	jz	1f
	std
1:	mov	%ecx, %eax
	shr	$11, %eax
	and	$1, %al
	add	$0x7f, %al
	mov	%cl, %ah
	sahf
	lea	40(%rsp), %rsp		/* r15 r14 r13 r12 bp: xol_return_hit kept them */
	pop	%rbx			/* held the stack pointer above */
	pop	%r11
	pop	%r10
	pop	%r9
	pop	%r8
	pop	%rax
	pop	%rcx
	pop	%rdx
	pop	%rsi
	pop	%rdi
	/*
	 * Past orig_ax ip cs flags sp ss and the return slot, then on to
	 * the address it holds by an indirect jmp, not a ret: the function's
	 * own ret already took this call's entry off the return stack
	 * buffer, and a second ret would mispredict and leave the caller's
	 * returns off by one.  The slot is below %rsp by then, inside the
	 * 128 bytes that signal delivery skips.
	 */
	lea	56(%rsp), %rsp
	jmp	*-8(%rsp)
	.size	xol_return_trampoline, .-xol_return_trampoline

	.section .note.GNU-stack,"",@progbits
