/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The unit tests' call of a patched site with every register known: each
 * general register set to a pattern (rax 0x1001, rcx 0x1002, ... r15
 * 0x100f, in that order), the flags to @flags and the 128 bytes below
 * %rsp filled, then the call; out[0..14] the registers after it, out[15]
 * the flags, out[16] how many words of the site's red zone changed (the
 * 14 below the return address that the pushes after the call leave alone).
 */
#ifndef XOL_SELFTESTS_CALL_REGS_H
#define XOL_SELFTESTS_CALL_REGS_H

#include <stdint.h>

static void (*call_regs_fn)(void); /* %rip-relative: the asm moves %rsp before it reads it */

static inline void call_regs(void (*fn)(void), uint64_t flags, uint64_t out[17])
{
	call_regs_fn = fn;
	asm volatile("push %%rbx\n\t push %%rbp\n\t push %%r12\n\t push %%r13\n\t"
		     "push %%r14\n\t push %%r15\n\t push %[out]\n\t"
		     "lea -128(%%rsp),%%rsp\n\t"
		     "mov $16,%%ecx\n\t 1: movq $0x5a5a5a5a,-8(%%rsp,%%rcx,8)\n\t loop 1b\n\t"
		     "lea 128(%%rsp),%%rsp\n\t"
		     "push %[fi]\n\t popfq\n\t"
		     "mov $0x1001,%%eax\n\t mov $0x1002,%%ecx\n\t mov $0x1003,%%edx\n\t"
		     "mov $0x1004,%%ebx\n\t mov $0x1005,%%ebp\n\t mov $0x1006,%%esi\n\t"
		     "mov $0x1007,%%edi\n\t mov $0x1008,%%r8d\n\t mov $0x1009,%%r9d\n\t"
		     "mov $0x100a,%%r10d\n\t mov $0x100b,%%r11d\n\t mov $0x100c,%%r12d\n\t"
		     "mov $0x100d,%%r13d\n\t mov $0x100e,%%r14d\n\t mov $0x100f,%%r15d\n\t"
		     "call *%[site]\n\t"
		     "pushfq\n\t"
		     "push %%rax\n\t mov 16(%%rsp),%%rax\n\t"
		     "pop 0(%%rax)\n\t mov %%rcx,8(%%rax)\n\t mov %%rdx,16(%%rax)\n\t"
		     "mov %%rbx,24(%%rax)\n\t mov %%rbp,32(%%rax)\n\t mov %%rsi,40(%%rax)\n\t"
		     "mov %%rdi,48(%%rax)\n\t mov %%r8,56(%%rax)\n\t mov %%r9,64(%%rax)\n\t"
		     "mov %%r10,72(%%rax)\n\t mov %%r11,80(%%rax)\n\t mov %%r12,88(%%rax)\n\t"
		     "mov %%r13,96(%%rax)\n\t mov %%r14,104(%%rax)\n\t mov %%r15,112(%%rax)\n\t"
		     "pop 120(%%rax)\n\t"
		     "xor %%edx,%%edx\n\t mov $14,%%ecx\n\t"
		     "2: cmpq $0x5a5a5a5a,-136(%%rsp,%%rcx,8)\n\t je 3f\n\t inc %%edx\n\t 3: loop 2b\n\t"
		     "mov %%rdx,128(%%rax)\n\t"
		     "lea 8(%%rsp),%%rsp\n\t"
		     "pop %%r15\n\t pop %%r14\n\t pop %%r13\n\t pop %%r12\n\t pop %%rbp\n\t pop %%rbx\n\t"
		     :
		     : [fi] "r"(flags), [site] "m"(call_regs_fn), [out] "r"(out)
		     : "rax", "rcx", "rdx", "rsi", "rdi", "r8", "r9", "r10", "r11", "memory", "cc");
}

#endif
