// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * 70-return-probes: what a return-probed function hands back is what its
 * caller sees.  flagret() loads a pattern into every register the ABI lets
 * a function clobber (rax rcx rdx rsi rdi r8-r11) and the flags CF PF AF
 * ZF SF DF OF from its argument, and returns; call_flagret() stores them
 * the instant it is back, with the callee-saved ones it set before the
 * call (rbx rbp r12-r15).  A line per mismatch, then the counts.
 */
#include <stdint.h>
#include <stdio.h>

#define NREGS 15
#define FLAGS_MASK 0xcd5 /* CF PF AF ZF SF DF OF */

struct seen {
	uint64_t r[NREGS]; /* rax rcx rdx rsi rdi r8 r9 r10 r11, then rbx rbp r12 r13 r14 r15 */
	uint64_t flags;
};

/* uint64_t flagret(uint64_t flags): flags as given (masked), registers patterned. */
asm(".text\n.globl flagret\n.type flagret, @function\nflagret:\n"
    "\tand $0xcd5, %rdi\n"
    "\tpush %rdi\n"
    "\tmovabs $0x1111111111111111, %rax\n"
    "\tmovabs $0x2222222222222222, %rcx\n"
    "\tmovabs $0x3333333333333333, %rdx\n"
    "\tmovabs $0x4444444444444444, %rsi\n"
    "\tmovabs $0x5555555555555555, %rdi\n"
    "\tmovabs $0x8888888888888888, %r8\n"
    "\tmovabs $0x9999999999999999, %r9\n"
    "\tmovabs $0xaaaaaaaaaaaaaaaa, %r10\n"
    "\tmovabs $0xbbbbbbbbbbbbbbbb, %r11\n"
    "\tpopfq\n"
    "\tret\n"
    ".size flagret, .-flagret\n");

/* void call_flagret(uint64_t flags, struct seen *out) */
asm(".text\n.globl call_flagret\n.type call_flagret, @function\ncall_flagret:\n"
    "\tpush %rbx\n\tpush %rbp\n\tpush %r12\n\tpush %r13\n\tpush %r14\n\tpush %r15\n"
    "\tpush %rsi\n"
    "\tmovabs $0x6666666666666666, %rbx\n"
    "\tmovabs $0x7777777777777777, %rbp\n"
    "\tmovabs $0xcccccccccccccccc, %r12\n"
    "\tmovabs $0xdddddddddddddddd, %r13\n"
    "\tmovabs $0xeeeeeeeeeeeeeeee, %r14\n"
    "\tmovabs $0xffffffffffffffff, %r15\n"
    "\tcall flagret\n"
    "\tpushfq\n"
    "\tpush %rbx\n"
    "\tmov 16(%rsp), %rbx\n"
    "\tpop 72(%rbx)\n"
    "\tmov %rbp, 80(%rbx)\n"
    "\tmov %r12, 88(%rbx)\n"
    "\tmov %r13, 96(%rbx)\n"
    "\tmov %r14, 104(%rbx)\n"
    "\tmov %r15, 112(%rbx)\n"
    "\tmov %rax, 0(%rbx)\n"
    "\tmov %rcx, 8(%rbx)\n"
    "\tmov %rdx, 16(%rbx)\n"
    "\tmov %rsi, 24(%rbx)\n"
    "\tmov %rdi, 32(%rbx)\n"
    "\tmov %r8, 40(%rbx)\n"
    "\tmov %r9, 48(%rbx)\n"
    "\tmov %r10, 56(%rbx)\n"
    "\tmov %r11, 64(%rbx)\n"
    "\tpop %rax\n"
    "\tmov %rax, 120(%rbx)\n"
    "\tcld\n"
    "\tpop %rsi\n"
    "\tpop %r15\n\tpop %r14\n\tpop %r13\n\tpop %r12\n\tpop %rbp\n\tpop %rbx\n"
    "\tret\n"
    ".size call_flagret, .-call_flagret\n");

void call_flagret(uint64_t flags, struct seen *out);

int main(void)
{
	static const uint64_t want[NREGS] = {
		0x1111111111111111, 0x2222222222222222, 0x3333333333333333, 0x4444444444444444,
		0x5555555555555555, 0x8888888888888888, 0x9999999999999999, 0xaaaaaaaaaaaaaaaa,
		0xbbbbbbbbbbbbbbbb, 0x6666666666666666, 0x7777777777777777, 0xcccccccccccccccc,
		0xdddddddddddddddd, 0xeeeeeeeeeeeeeeee, 0xffffffffffffffff,
	};
	static const char *const names[NREGS] = { "rax", "rcx", "rdx", "rsi", "rdi",
						  "r8", "r9", "r10", "r11", "rbx", "rbp", "r12",
						  "r13", "r14", "r15" };
	/* each flag alone, none, all, and mixes with and without DF and OF */
	static const uint64_t cases[] = { 0x000, 0x001, 0x004, 0x010, 0x040, 0x080, 0x400, 0x800,
					  0xcd5, 0x0d5, 0xc00, 0x841, 0x495, 0x8c4, 0x451, 0x880 };
	long calls = 0, bad = 0;

	for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct seen s;

		call_flagret(cases[i], &s);
		calls++;
		for (unsigned k = 0; k < NREGS; k++)
			if (s.r[k] != want[k])
				printf("flags %#llx: %s = %#llx\n", (unsigned long long)cases[i], names[k],
				       (unsigned long long)s.r[k]), bad++;
		if ((s.flags & FLAGS_MASK) != cases[i])
			printf("flags %#llx: came back %#llx\n", (unsigned long long)cases[i],
			       (unsigned long long)(s.flags & FLAGS_MASK)), bad++;
	}
	printf("%ld mismatches\n", bad);
	printf("calls=%ld returned=%ld left=0\n", calls, calls);
	return 0;
}
