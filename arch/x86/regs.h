/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The register block a hit sees, laid out like the kernel's x86-64 pt_regs. */
#ifndef XOL_ARCH_X86_REGS_H
#define XOL_ARCH_X86_REGS_H

#include <stddef.h>
#include <stdint.h>

/*
 * The trampolines and the SIGTRAP handler fill this block; fetch programs
 * read it by byte offset, so the `%REG` names of uprobe_events map to the
 * same offsets the kernel uses.  Keep the order: the trampoline pushes in
 * reverse and relies on it.
 */
struct xol_regs {
	uint64_t r15, r14, r13, r12, bp, bx, r11, r10, r9, r8;
	uint64_t ax, cx, dx, si, di, orig_ax;
	uint64_t ip, cs, flags, sp, ss;
};

#define XOL_REGS_WORDS (sizeof(struct xol_regs) / sizeof(uint64_t))

/* Offsets the generic code needs without naming a register. */
#define ARCH_REG_IP_OFFSET offsetof(struct xol_regs, ip)
#define ARCH_REG_SP_OFFSET offsetof(struct xol_regs, sp)
#define ARCH_REG_RETVAL_OFFSET offsetof(struct xol_regs, ax)

/*
 * arch_reg_offset - byte offset in struct xol_regs of the register named
 * exactly as the kernel's uprobe_events spells it ("di", "r8", "flags"),
 * or -1 if there is no such register.
 */
int arch_reg_offset(const char *name, size_t len);

/* The kernel's name of the register at @offset, or NULL. */
const char *arch_reg_name(int offset);

#endif
