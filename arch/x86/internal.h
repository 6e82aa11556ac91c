/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Shared inside arch/x86/ only: the per-class ops table and the code emitter. */
#ifndef XOL_ARCH_X86_INTERNAL_H
#define XOL_ARCH_X86_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "arch.h"

/* Code being written into a slot or trampoline: @buf is mapped at @addr. */
struct emit {
	uint8_t *buf;
	size_t size;
	size_t pos;
	uint64_t addr;
	int err;		/* first error: -ENOSPC, -ENOTSUP */
	const char *reason;	/* with -ENOTSUP */
};

/*
 * How one class of instructions runs out of line (the kernel's
 * uprobe_xol_ops, without single-step: nothing runs after the copy).
 *
 * emulate:  hit time, see arch_emulate(); NULL: always run the copy.
 * relocate: arming time: append to @e code that does what @ai does at its
 *           original address and then falls through to the end of what
 *           it appended, where the caller puts the next instruction or a
 *           jump back.  Errors go to e->err.
 */
struct insn_ops {
	const char *name;
	int (*emulate)(const struct arch_insn *ai, struct xol_regs *regs, arch_store8_fn store8);
	void (*relocate)(const struct arch_insn *ai, struct emit *e);
};

extern const struct insn_ops insn_ops[ARCH_INSN_NR_CLASSES];

/* hit.c */
int emulate_nop(const struct arch_insn *ai, struct xol_regs *regs, arch_store8_fn store8);
int emulate_jmp(const struct arch_insn *ai, struct xol_regs *regs, arch_store8_fn store8);
int emulate_jcc(const struct arch_insn *ai, struct xol_regs *regs, arch_store8_fn store8);
int emulate_loop(const struct arch_insn *ai, struct xol_regs *regs, arch_store8_fn store8);
int emulate_call(const struct arch_insn *ai, struct xol_regs *regs, arch_store8_fn store8);
int emulate_push(const struct arch_insn *ai, struct xol_regs *regs, arch_store8_fn store8);

/* insn.c */
int insn_encode_jmp_ind(const struct arch_insn *ai, uint8_t out[ARCH_MAX_INSN_BYTES]);
int insn_riprel_to_scratch(const struct arch_insn *ai, uint8_t out[ARCH_MAX_INSN_BYTES]);
int insn_has_segment(const struct arch_insn *ai);
int insn_scan(const uint8_t *code, size_t avail, uint64_t addr, uint64_t *target,
	      uint64_t *lea, int *indirect_jmp);

/* jtab.c: a function as the jump-table resolver sees it */
struct jtab_func {
	const struct arch_code_range *r;	/* its pieces */
	unsigned nr;
	const uint64_t *targets;		/* every direct branch target, sorted */
	size_t ntargets;
	arch_read_fn read;			/* NULL: tables cannot be read */
	void *read_ctx;
};

struct jtab_info {
	int bounded;		/* the table's size came from its bounds check */
	size_t entries;		/* entries read */
};

int jtab_targets(const struct jtab_func *f, const uint32_t *starts, size_t k, uint64_t base,
		 int (*fn)(void *ctx, uint64_t target), void *ctx, struct jtab_info *info);

/*
 * fast.c: the fast paths, each emitted at the trampoline's start; each
 * returns where the rel32 of its jmp to the displaced copy is, and its
 * slow way out falls through to what follows (the general path).
 */
size_t emit_count_fast(struct emit *e, const struct arch_count_path *cp, int32_t own_off);
size_t emit_record_fast(struct emit *e, const struct arch_record_path *rp);
size_t emit_hijack_fast(struct emit *e, const struct arch_hijack_path *hp,
			const struct arch_record_path *rp, bool call_in);
int regs_to_machine(int32_t off);
bool record_args_ok(const struct arch_record_path *rp, int32_t min_off);

/* relocate.c */
void relocate_plain(const struct arch_insn *ai, struct emit *e);
void relocate_nop(const struct arch_insn *ai, struct emit *e);
void relocate_riprel(const struct arch_insn *ai, struct emit *e);
void relocate_jmp(const struct arch_insn *ai, struct emit *e);
void relocate_cond(const struct arch_insn *ai, struct emit *e);
void relocate_call(const struct arch_insn *ai, struct emit *e);
void relocate_call_ind(const struct arch_insn *ai, struct emit *e);
void relocate_syscall(const struct arch_insn *ai, struct emit *e);
void relocate_one(const struct arch_insn *ai, struct emit *e, uint64_t next);

void emit_bytes(struct emit *e, const void *p, size_t n);
void emit_u8(struct emit *e, uint8_t v);
void emit_u32(struct emit *e, uint32_t v);
void emit_u64(struct emit *e, uint64_t v);
void emit_jmp(struct emit *e, uint64_t target);
void emit_fail(struct emit *e, int err, const char *reason);
void emit_disp32(struct emit *e, const char *op, size_t n, int32_t disp);
void patch_rel32(struct emit *e, size_t at, size_t target);

static inline uint64_t emit_pc(const struct emit *e)
{
	return e->addr + e->pos;
}

/* Does @target fit a rel32 taken at the end of an instruction ending at @end? */
static inline int rel32_reaches(uint64_t end, uint64_t target)
{
	int64_t d = (int64_t)(target - end);

	return d >= INT32_MIN && d <= INT32_MAX;
}

#endif
