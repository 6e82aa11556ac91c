// SPDX-License-Identifier: GPL-2.0-or-later
/* Relocation: the out-of-line copy of one instruction, and the trap path's slot. */
#include <errno.h>
#include <string.h>

#include "internal.h"

/*
 * Each relocate_*() appends code that behaves like the instruction at its
 * original address and ends by falling through.  Nothing runs after the
 * copy (there is no single-step to hook a post_xol on), so everything that
 * depends on the instruction's address is rewritten into the copy itself:
 *
 *   rip-relative operand   new disp32 if the copy reaches the operand;
 *                          else [scratch+disp32] with the scratch loaded
 *                          with the original address (the kernel's trick)
 *   jmp/jcc/loop rel       the same condition, taken to an absolute target
 *   call rel/indirect      push the ORIGINAL return address, then jump:
 *                          the callee, unwinders and the return all see the
 *                          program's own address, never the slot's
 *   syscall                rcx = original next instruction afterwards
 *
 * A jump that does not reach takes 14 bytes: jmp *0(%rip); .quad target.
 */

void emit_fail(struct emit *e, int err, const char *reason)
{
	if (!e->err) {
		e->err = err;
		e->reason = reason;
	}
}

void emit_bytes(struct emit *e, const void *p, size_t n)
{
	if (e->err)
		return;
	if (e->pos + n > e->size) {
		emit_fail(e, -ENOSPC, "no room left for the out-of-line copy");
		return;
	}
	memcpy(e->buf + e->pos, p, n);
	e->pos += n;
}

void emit_u8(struct emit *e, uint8_t v)
{
	emit_bytes(e, &v, 1);
}

void emit_u32(struct emit *e, uint32_t v)
{
	emit_bytes(e, &v, 4);	/* x86 is little-endian */
}

void emit_u64(struct emit *e, uint64_t v)
{
	emit_bytes(e, &v, 8);
}

/* @n bytes of opcode, then a disp32 or imm32. */
void emit_disp32(struct emit *e, const char *op, size_t n, int32_t disp)
{
	emit_bytes(e, op, n);
	emit_u32(e, (uint32_t)disp);
}

/* The rel32 at @at made to reach @target (both offsets in @e). */
void patch_rel32(struct emit *e, size_t at, size_t target)
{
	uint32_t rel = (uint32_t)((int64_t)target - (int64_t)(at + 4));

	if (!e->err && at + 4 <= e->size)
		memcpy(e->buf + at, &rel, 4);
}

static size_t jmp_len(uint64_t at, uint64_t target)
{
	return rel32_reaches(at + 5, target) ? 5 : 14;
}

void emit_jmp(struct emit *e, uint64_t target)
{
	uint64_t pc = emit_pc(e);

	if (rel32_reaches(pc + 5, target)) {
		emit_u8(e, 0xe9);				/* jmp rel32 */
		emit_u32(e, (uint32_t)(target - (pc + 5)));
	} else {
		emit_bytes(e, "\xff\x25\x00\x00\x00\x00", 6);	/* jmp *0(%rip) */
		emit_u64(e, target);
	}
}

/*
 * Jump to the pointer stored at absolute address @ptr, every register
 * intact: for an indirect jmp/call through a rip-relative slot (a GOT
 * entry) the copy cannot reach.  Only ever used at a jump or a call, where
 * the words below the stack pointer are free.
 */
static void emit_jmp_through(struct emit *e, uint64_t ptr)
{
	emit_u8(e, 0x50);				/* push %rax */
	emit_bytes(e, "\x48\xb8", 2);			/* movabs $ptr,%rax */
	emit_u64(e, ptr);
	emit_bytes(e, "\x48\x8b\x00", 3);		/* mov (%rax),%rax */
	emit_bytes(e, "\x48\x87\x04\x24", 4);		/* xchg %rax,(%rsp) */
	emit_u8(e, 0xc3);				/* ret */
}
#define JMP_THROUGH_LEN 19

static void put_disp32(uint8_t *b, int off, uint32_t v)
{
	memcpy(b + off, &v, 4);
}

void relocate_plain(const struct arch_insn *ai, struct emit *e)
{
	emit_bytes(e, ai->bytes, ai->len);
}

void relocate_nop(const struct arch_insn *ai, struct emit *e)
{
	(void)ai;
	(void)e;
}

void relocate_riprel(const struct arch_insn *ai, struct emit *e)
{
	uint64_t end = emit_pc(e) + ai->len, next = ai->addr + ai->len;
	uint8_t b[ARCH_MAX_INSN_BYTES];
	int scratch;

	memcpy(b, ai->bytes, ai->len);
	if (rel32_reaches(end, ai->target)) {
		put_disp32(b, ai->disp_off, (uint32_t)(ai->target - end));
		emit_bytes(e, b, ai->len);
		return;
	}
	if (ai->flags & ARCH_INSN_F_NO_FALLTHROUGH) {
		/* jmp *disp(%rip): a tail call through the GOT */
		if (insn_has_segment(ai))
			emit_fail(e, -ENOTSUP, "segment-relative indirect jump out of reach of the slot");
		emit_jmp_through(e, ai->target);
		return;
	}
	scratch = insn_riprel_to_scratch(ai, b);
	if (scratch < 0) {
		emit_fail(e, -ENOTSUP, "rip-relative operand out of reach of the slot, "
			  "and the instruction uses the stack pointer");
		return;
	}
	/*
	 * The scratch is saved below the red zone and the stack pointer stays
	 * there while the instruction runs (it does not use it): a signal
	 * arriving meanwhile cannot overwrite the saved value.
	 */
	emit_bytes(e, "\x48\x8d\x64\x24\x80", 5);	/* lea -0x80(%rsp),%rsp */
	emit_u8(e, 0x50 + scratch);			/* push %scratch */
	emit_u8(e, 0x48);				/* movabs $next,%scratch */
	emit_u8(e, 0xb8 + scratch);
	emit_u64(e, next);
	emit_bytes(e, b, ai->len);			/* insn ..., disp32(%scratch) */
	emit_u8(e, 0x58 + scratch);			/* pop %scratch */
	emit_bytes(e, "\x48\x8d\xa4\x24\x80\x00\x00\x00", 8); /* lea 0x80(%rsp),%rsp */
}

void relocate_jmp(const struct arch_insn *ai, struct emit *e)
{
	emit_jmp(e, ai->target);
}

/*
 * jcc, loop, jrcxz: the original bytes (prefixes and all) with the
 * displacement set to 2, so "taken" skips a short jump over the jump to
 * the real target:
 *
 *	jcc   1f
 *	jmp   2f          (eb LEN)
 *   1: jmp   target      (5 or 14 bytes)
 *   2:                   (falls through: not taken)
 */
void relocate_cond(const struct arch_insn *ai, struct emit *e)
{
	uint8_t b[ARCH_MAX_INSN_BYTES];
	uint64_t at;

	memcpy(b, ai->bytes, ai->len);
	memset(b + ai->rel_off, 0, ai->rel_size);
	b[ai->rel_off] = 2;
	emit_bytes(e, b, ai->len);
	at = emit_pc(e) + 2;
	emit_u8(e, 0xeb);
	emit_u8(e, (uint8_t)jmp_len(at, ai->target));
	emit_jmp(e, ai->target);
}

/*
 *	push  1f(%rip)       the original return address
 *	jmp   target
 *   1: .quad addr + len
 */
void relocate_call(const struct arch_insn *ai, struct emit *e)
{
	uint64_t pc = emit_pc(e);
	uint64_t lit = pc + 6 + jmp_len(pc + 6, ai->target);

	emit_bytes(e, "\xff\x35", 2);			/* push disp32(%rip) */
	emit_u32(e, (uint32_t)(lit - (pc + 6)));
	emit_jmp(e, ai->target);
	emit_u64(e, ai->addr + ai->len);
}

/*
 *	push  1f(%rip)       the original return address
 *	jmp   *operand       the call's own operand (+8 if it is on the stack)
 *   1: .quad addr + len
 */
void relocate_call_ind(const struct arch_insn *ai, struct emit *e)
{
	uint64_t body_at = emit_pc(e) + 6;
	uint8_t b[ARCH_MAX_INSN_BYTES];
	int len, far = 0;

	if (!(ai->flags & ARCH_INSN_F_RIPREL)) {
		len = insn_encode_jmp_ind(ai, b);
		if (len < 0) {
			emit_fail(e, -ENOTSUP, "indirect call cannot be re-encoded as a jump");
			return;
		}
	} else if (rel32_reaches(body_at + ai->len, ai->target)) {
		/* ff /2 -> ff /4 keeps the length: the modrm is just before the disp */
		len = ai->len;
		memcpy(b, ai->bytes, len);
		b[ai->disp_off - 1] = (b[ai->disp_off - 1] & 0xc7) | (4 << 3);
		put_disp32(b, ai->disp_off, (uint32_t)(ai->target - (body_at + len)));
	} else {
		if (insn_has_segment(ai))
			emit_fail(e, -ENOTSUP, "segment-relative indirect call out of reach of the slot");
		len = JMP_THROUGH_LEN;
		far = 1;
	}

	emit_bytes(e, "\xff\x35", 2);			/* push disp32(%rip) */
	emit_u32(e, (uint32_t)len);
	if (far)
		emit_jmp_through(e, ai->target);
	else
		emit_bytes(e, b, len);
	emit_u64(e, ai->addr + ai->len);
}

/*
 * The kernel resumes a syscall at the address in rcx, which the CPU set to
 * the copy's next instruction: it returns into the slot, which then puts
 * the value the program would have seen into rcx and jumps back.  A thread
 * can sleep in the syscall for as long as it likes, hence
 * ARCH_INSN_F_MAY_BLOCK.
 */
void relocate_syscall(const struct arch_insn *ai, struct emit *e)
{
	emit_bytes(e, ai->bytes, ai->len);
	emit_bytes(e, "\x48\xb9", 2);			/* movabs $next,%rcx */
	emit_u64(e, ai->addr + ai->len);
}

/* Append @ai's copy and, where it can fall through, the jump to @next. */
void relocate_one(const struct arch_insn *ai, struct emit *e, uint64_t next)
{
	insn_ops[ai->cls].relocate(ai, e);
	if (next && !(ai->flags & (ARCH_INSN_F_NO_FALLTHROUGH | ARCH_INSN_F_CALL)))
		emit_jmp(e, next);
}

int arch_prepare_slot(const struct arch_insn *ai, uint8_t *buf, size_t size,
		      uint64_t slot_addr, const char **reason)
{
	struct emit e = { .buf = buf, .size = size, .addr = slot_addr };

	relocate_one(ai, &e, ai->addr + ai->len);
	if (e.err) {
		if (reason)
			*reason = e.reason;
		return e.err;
	}
	return (int)e.pos;
}
