// SPDX-License-Identifier: GPL-2.0-or-later
/* Hit time: the signal frame <-> struct xol_regs, and emulation of the cheap classes. */

/*
 * Everything here runs in the SIGTRAP handler of a probed program, on any
 * thread, possibly inside malloc or with a lock held: no locks, no
 * allocation, no syscalls, no libc (not even memcpy), no floating point.
 * Emulation exists to skip the slot round trip for the instructions
 * probes most often land on: endbr64, push %rbp, jumps and calls.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE	/* REG_RIP and friends */
#endif
#include <errno.h>
#include <stddef.h>
#include <sys/ucontext.h>

#include "internal.h"

#define FLAG_CF (1u << 0)
#define FLAG_PF (1u << 2)
#define FLAG_ZF (1u << 6)
#define FLAG_SF (1u << 7)
#define FLAG_OF (1u << 11)

static uint64_t next_ip(const struct arch_insn *ai)
{
	return ai->addr + ai->len;
}

int emulate_nop(const struct arch_insn *ai, struct xol_regs *regs, arch_store8_fn store8)
{
	(void)store8;
	regs->ip = next_ip(ai);
	return 0;
}

int emulate_jmp(const struct arch_insn *ai, struct xol_regs *regs, arch_store8_fn store8)
{
	(void)store8;
	regs->ip = ai->target;
	return 0;
}

/* The condition of jcc/setcc/cmovcc number @cc (the opcode's low nibble). */
static int cond_true(uint64_t fl, unsigned int cc)
{
	int cf = !!(fl & FLAG_CF), pf = !!(fl & FLAG_PF), zf = !!(fl & FLAG_ZF);
	int sf = !!(fl & FLAG_SF), of = !!(fl & FLAG_OF);
	int r;

	switch (cc >> 1) {
	case 0: r = of; break;			/* jo / jno */
	case 1: r = cf; break;			/* jb / jae */
	case 2: r = zf; break;			/* je / jne */
	case 3: r = cf | zf; break;		/* jbe / ja */
	case 4: r = sf; break;			/* js / jns */
	case 5: r = pf; break;			/* jp / jnp */
	case 6: r = sf != of; break;		/* jl / jge */
	default: r = zf | (sf != of); break;	/* jle / jg */
	}
	return r ^ (cc & 1);
}

int emulate_jcc(const struct arch_insn *ai, struct xol_regs *regs, arch_store8_fn store8)
{
	(void)store8;
	regs->ip = cond_true(regs->flags, ai->op) ? ai->target : next_ip(ai);
	return 0;
}

int emulate_loop(const struct arch_insn *ai, struct xol_regs *regs, arch_store8_fn store8)
{
	int taken;

	(void)store8;
	switch (ai->op) {
	case 0xe0:	/* loopne */
		taken = --regs->cx != 0 && !(regs->flags & FLAG_ZF);
		break;
	case 0xe1:	/* loope */
		taken = --regs->cx != 0 && (regs->flags & FLAG_ZF);
		break;
	case 0xe2:	/* loop */
		taken = --regs->cx != 0;
		break;
	case 0xe3:	/* jrcxz */
		taken = regs->cx == 0;
		break;
	default:	/* the ecx forms */
		return -ENOSYS;
	}
	regs->ip = taken ? ai->target : next_ip(ai);
	return 0;
}

int emulate_call(const struct arch_insn *ai, struct xol_regs *regs, arch_store8_fn store8)
{
	if (!store8)
		return -ENOSYS;
	if (store8(regs->sp - 8, next_ip(ai)))
		return -EFAULT;
	regs->sp -= 8;
	regs->ip = ai->target;
	return 0;
}

/* struct xol_regs offsets by x86 register number (ax cx dx bx sp bp si di r8..r15). */
static const uint8_t gpr_offset[16] = {
	offsetof(struct xol_regs, ax),  offsetof(struct xol_regs, cx),
	offsetof(struct xol_regs, dx),  offsetof(struct xol_regs, bx),
	offsetof(struct xol_regs, sp),  offsetof(struct xol_regs, bp),
	offsetof(struct xol_regs, si),  offsetof(struct xol_regs, di),
	offsetof(struct xol_regs, r8),  offsetof(struct xol_regs, r9),
	offsetof(struct xol_regs, r10), offsetof(struct xol_regs, r11),
	offsetof(struct xol_regs, r12), offsetof(struct xol_regs, r13),
	offsetof(struct xol_regs, r14), offsetof(struct xol_regs, r15),
};

int emulate_push(const struct arch_insn *ai, struct xol_regs *regs, arch_store8_fn store8)
{
	uint64_t val;

	if (!store8 || ai->op > 15)
		return -ENOSYS;
	val = *(const uint64_t *)((const char *)regs + gpr_offset[ai->op]);
	if (store8(regs->sp - 8, val))
		return -EFAULT;
	regs->sp -= 8;
	regs->ip = next_ip(ai);
	return 0;
}

int arch_emulate(const struct arch_insn *ai, struct xol_regs *regs, arch_store8_fn store8)
{
	const struct insn_ops *ops;

	if (ai->cls >= ARCH_INSN_NR_CLASSES)
		return -ENOSYS;
	ops = &insn_ops[ai->cls];
	return ops->emulate ? ops->emulate(ai, regs, store8) : -ENOSYS;
}

void arch_regs_from_ucontext(struct xol_regs *r, const void *uc)
{
	const greg_t *g = ((const ucontext_t *)uc)->uc_mcontext.gregs;
	uint64_t segs = (uint64_t)g[REG_CSGSFS];	/* cs, gs, fs, ss: 16 bits each */

	r->r15 = g[REG_R15];
	r->r14 = g[REG_R14];
	r->r13 = g[REG_R13];
	r->r12 = g[REG_R12];
	r->bp = g[REG_RBP];
	r->bx = g[REG_RBX];
	r->r11 = g[REG_R11];
	r->r10 = g[REG_R10];
	r->r9 = g[REG_R9];
	r->r8 = g[REG_R8];
	r->ax = g[REG_RAX];
	r->cx = g[REG_RCX];
	r->dx = g[REG_RDX];
	r->si = g[REG_RSI];
	r->di = g[REG_RDI];
	r->orig_ax = (uint64_t)-1;	/* not in a syscall, as the kernel says for a trap */
	r->ip = g[REG_RIP];
	r->cs = segs & 0xffff;
	r->flags = g[REG_EFL];
	r->sp = g[REG_RSP];
	r->ss = (((const ucontext_t *)uc)->uc_flags & 0x2 /* UC_SIGCONTEXT_SS */) ?
		(segs >> 48) & 0xffff : 0x2b;
}

/* Segment registers are not written back: a probe has no business changing them. */
void arch_regs_to_ucontext(void *uc, const struct xol_regs *r)
{
	greg_t *g = ((ucontext_t *)uc)->uc_mcontext.gregs;

	g[REG_R15] = r->r15;
	g[REG_R14] = r->r14;
	g[REG_R13] = r->r13;
	g[REG_R12] = r->r12;
	g[REG_RBP] = r->bp;
	g[REG_RBX] = r->bx;
	g[REG_R11] = r->r11;
	g[REG_R10] = r->r10;
	g[REG_R9] = r->r9;
	g[REG_R8] = r->r8;
	g[REG_RAX] = r->ax;
	g[REG_RCX] = r->cx;
	g[REG_RDX] = r->dx;
	g[REG_RSI] = r->si;
	g[REG_RDI] = r->di;
	g[REG_RIP] = r->ip;
	g[REG_EFL] = r->flags;
	g[REG_RSP] = r->sp;
}
