// SPDX-License-Identifier: GPL-2.0-or-later
/* Jump tables: the targets of a function's indirect jmps, read from the tables themselves. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <Zydis/Zydis.h>

#include "internal.h"

/*
 * A switch statement compiles to a bounds check and a jump through a
 * table.  What compilers emit (GCC and clang, PIC and not):
 *
 *	cmp  $N,%eI ; ja default         the bound: N + 1 entries (jae: N)
 *	lea  T(%rip),%rA                  the table
 *	mov  %eI,%eI                      (zero-extension, movzbl, cltq: any)
 *	movslq (%rA,%rI,4),%rB            an entry: target - T
 *	add  %rA,%rB                      (or lea (%rA,%rB),%rB; or a code
 *	jmp  *%rB                          label L as the base: L + entry)
 *
 *	jmp  *T(,%rI,8)                   non-PIC: absolute 8-byte entries
 *	mov  T(,%rI,8),%rB ; jmp *%rB     (or through lea T(%rip),%rA)
 *	jmp  *X(%rip)                     one pointer (a GOT slot)
 *
 * The values are followed backwards from the jmp inside its basic block
 * only: the walk stops at an instruction some branch of the function
 * targets, after one that does not fall through, and at calls, so every
 * definition it finds is the one that reaches the jmp.  The bound is the
 * compare-and-branch that guards the same block; without one, entries are
 * read while their targets lie in the function's code (compilers put only
 * the function's own labels in its tables), and the first one outside
 * ends the table.  Entries are read from the live process (relocations
 * applied) through the caller's read callback.
 */

#define WINDOW		24	/* instructions looked at before the jmp */
#define MAX_ENTRIES	4096

struct dinsn {
	ZydisDecodedInstruction in;
	ZydisDecodedOperand ops[ZYDIS_MAX_OPERAND_COUNT];
	uint64_t pc;
};

/* A value in a register: a constant (an address) or an entry of a table. */
enum vkind { V_NONE, V_CONST, V_ENTRY };

struct val {
	enum vkind kind;
	uint64_t c;		/* V_CONST: the value; V_ENTRY: what is added to the entry */
	uint64_t table;		/* V_ENTRY: address of entry 0 */
	uint8_t size;		/* V_ENTRY: 4 (sign-extended) or 8 */
	ZydisRegister index;	/* V_ENTRY: 64-bit index register, NONE for a single slot */
	int at;			/* V_ENTRY: window position of the load */
};

struct walk {
	const struct jtab_func *f;
	struct dinsn w[WINDOW + 1];	/* w[n - 1] is the jmp */
	int n;
};

static ZydisRegister reg64(ZydisRegister r)
{
	return ZydisRegisterGetLargestEnclosing(ZYDIS_MACHINE_MODE_LONG_64, r);
}

static int decode_at(const struct jtab_func *f, uint64_t pc, struct dinsn *d)
{
	ZydisDecoder dec;

	for (unsigned i = 0; i < f->nr; i++) {
		const struct arch_code_range *r = &f->r[i];
		if (pc >= r->addr && pc < r->addr + r->len) {
			ZydisDecoderInit(&dec, ZYDIS_MACHINE_MODE_LONG_64, ZYDIS_STACK_WIDTH_64);
			d->pc = pc;
			return ZYAN_SUCCESS(ZydisDecoderDecodeFull(&dec, r->code + (pc - r->addr),
						r->addr + r->len - pc, &d->in, d->ops)) ? 0 : -1;
		}
	}
	return -1;
}

static int is_target(const struct jtab_func *f, uint64_t pc)
{
	size_t lo = 0, hi = f->ntargets;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (f->targets[mid] < pc)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < f->ntargets && f->targets[lo] == pc;
}

/*
 * The window: the jmp and the instructions of its basic block before it,
 * oldest first.  @starts are the instruction boundaries of the jmp's range.
 */
static int load_window(struct walk *wk, const uint32_t *starts, size_t k, uint64_t base)
{
	size_t first = k;

	while (first > 0 && k - first < WINDOW) {
		uint64_t pc = base + starts[first];
		struct dinsn d;

		/* Reached from elsewhere: what came before it need not hold here. */
		if (is_target(wk->f, pc))
			break;
		if (decode_at(wk->f, base + starts[first - 1], &d))
			return -1;
		if (d.in.meta.category == ZYDIS_CATEGORY_CALL ||
		    d.in.meta.category == ZYDIS_CATEGORY_UNCOND_BR ||
		    d.in.meta.category == ZYDIS_CATEGORY_RET ||
		    d.in.mnemonic == ZYDIS_MNEMONIC_SYSCALL)
			break;
		first--;
	}
	wk->n = 0;
	for (size_t i = first; i <= k; i++)
		if (decode_at(wk->f, base + starts[i], &wk->w[wk->n++]))
			return -1;
	return 0;
}

/* Does instruction @d write register @r64 (any part of it)? */
static int writes(const struct dinsn *d, ZydisRegister r64)
{
	for (int i = 0; i < d->in.operand_count; i++) {
		const ZydisDecodedOperand *op = &d->ops[i];
		if (op->type == ZYDIS_OPERAND_TYPE_REGISTER && reg64(op->reg.value) == r64 &&
		    (op->actions & ZYDIS_OPERAND_ACTION_MASK_WRITE))
			return 1;
	}
	return 0;
}

/* The last instruction before window position @at that writes @r64, or -1. */
static int def_before(const struct walk *wk, int at, ZydisRegister r64)
{
	for (int i = at - 1; i >= 0; i--)
		if (writes(&wk->w[i], r64))
			return i;
	return -1;
}

static struct val reg_val(const struct walk *wk, int at, ZydisRegister r64, int depth);

/* The address a memory operand names, if constant: rip-relative, absolute, or base a constant. */
static int mem_const(const struct walk *wk, int at, const ZydisDecodedOperand *op, uint64_t *addr,
		     ZydisRegister *index, uint8_t *scale, int depth)
{
	const struct dinsn *d = &wk->w[at];

	if (op->mem.segment == ZYDIS_REGISTER_FS || op->mem.segment == ZYDIS_REGISTER_GS)
		return -1;
	*index = op->mem.index == ZYDIS_REGISTER_NONE ? ZYDIS_REGISTER_NONE : reg64(op->mem.index);
	*scale = op->mem.scale;
	if (op->mem.base == ZYDIS_REGISTER_RIP) {
		if (*index != ZYDIS_REGISTER_NONE)
			return -1;
		return ZYAN_SUCCESS(ZydisCalcAbsoluteAddress(&d->in, op, d->pc, addr)) ? 0 : -1;
	}
	*addr = (uint64_t)op->mem.disp.value;
	if (op->mem.base == ZYDIS_REGISTER_NONE)
		return 0;
	struct val b = reg_val(wk, at, reg64(op->mem.base), depth + 1);
	if (b.kind != V_CONST)
		return -1;
	*addr += b.c;
	return 0;
}

/* An entry loaded from a table by the memory operand @op of window position @at. */
static struct val load_entry(const struct walk *wk, int at, const ZydisDecodedOperand *op,
			     uint8_t size, int depth)
{
	struct val v = { .kind = V_NONE };
	ZydisRegister index;
	uint8_t scale;
	uint64_t addr;

	if (op->size != size * 8 || mem_const(wk, at, op, &addr, &index, &scale, depth))
		return v;
	if (index != ZYDIS_REGISTER_NONE && scale != size)
		return v;
	v.kind = V_ENTRY;
	v.table = addr;
	v.size = size;
	v.index = index;
	v.at = at;
	return v;
}

static struct val add_vals(struct val a, struct val b)
{
	struct val none = { .kind = V_NONE };

	if (a.kind == V_ENTRY && b.kind == V_CONST) {
		a.c += b.c;
		return a;
	}
	if (a.kind == V_CONST && b.kind == V_ENTRY) {
		b.c += a.c;
		return b;
	}
	return none;
}

/* What register @r64 holds at window position @at (before that instruction runs). */
static struct val reg_val(const struct walk *wk, int at, ZydisRegister r64, int depth)
{
	struct val v = { .kind = V_NONE };
	int i = depth < 6 ? def_before(wk, at, r64) : -1;

	if (i < 0)
		return v;
	const struct dinsn *d = &wk->w[i];
	const ZydisDecodedOperand *dst = &d->ops[0], *src = &d->ops[1];

	if (d->in.operand_count_visible != 2 || dst->type != ZYDIS_OPERAND_TYPE_REGISTER ||
	    reg64(dst->reg.value) != r64)
		return v;
	switch (d->in.mnemonic) {
	case ZYDIS_MNEMONIC_LEA:
		if (dst->size != 64)
			return v;
		if (src->mem.base == ZYDIS_REGISTER_RIP) {
			v.kind = V_CONST;
			ZydisCalcAbsoluteAddress(&d->in, src, d->pc, &v.c);
			return v;
		}
		/* lea (%rA,%rB),%rB: an add */
		if (src->mem.base != ZYDIS_REGISTER_NONE && src->mem.index != ZYDIS_REGISTER_NONE &&
		    src->mem.scale == 1 && src->mem.disp.value == 0)
			return add_vals(reg_val(wk, i, reg64(src->mem.base), depth + 1),
					reg_val(wk, i, reg64(src->mem.index), depth + 1));
		return v;
	case ZYDIS_MNEMONIC_ADD:
		if (dst->size != 64 || src->type != ZYDIS_OPERAND_TYPE_REGISTER)
			return v;
		return add_vals(reg_val(wk, i, r64, depth + 1),
				reg_val(wk, i, reg64(src->reg.value), depth + 1));
	case ZYDIS_MNEMONIC_MOVSXD:
		if (dst->size == 64 && src->type == ZYDIS_OPERAND_TYPE_MEMORY)
			return load_entry(wk, i, src, 4, depth);
		return v;
	case ZYDIS_MNEMONIC_MOV:
		if (dst->size != 64)
			return v;
		if (src->type == ZYDIS_OPERAND_TYPE_MEMORY)
			return load_entry(wk, i, src, 8, depth);
		if (src->type == ZYDIS_OPERAND_TYPE_REGISTER)
			return reg_val(wk, i, reg64(src->reg.value), depth + 1);
		if (src->type == ZYDIS_OPERAND_TYPE_IMMEDIATE) {
			v.kind = V_CONST;
			v.c = src->imm.value.u;
		}
		return v;
	default:
		return v;
	}
}

/*
 * How many entries the table indexed by @idx (loaded at window position
 * @at) has: the cmp $N / ja (or jae) that guards the block, following the
 * index back through zero- and sign-extending moves.  Return: 0 if unknown.
 */
static size_t bound(const struct walk *wk, int at, ZydisRegister idx)
{
	for (int i = at - 1; i >= 1; i--) {
		const struct dinsn *d = &wk->w[i], *cmp = &wk->w[i - 1];

		if (d->in.meta.category == ZYDIS_CATEGORY_COND_BR) {
			int ja = d->in.mnemonic == ZYDIS_MNEMONIC_JNBE;
			int jae = d->in.mnemonic == ZYDIS_MNEMONIC_JNB;

			if ((!ja && !jae) || cmp->in.mnemonic != ZYDIS_MNEMONIC_CMP ||
			    cmp->ops[0].type != ZYDIS_OPERAND_TYPE_REGISTER ||
			    reg64(cmp->ops[0].reg.value) != idx ||
			    cmp->ops[1].type != ZYDIS_OPERAND_TYPE_IMMEDIATE)
				return 0;
			uint64_t n = cmp->ops[1].imm.value.u;
			if (cmp->ops[0].size < 64)
				n &= (1ull << cmp->ops[0].size) - 1;
			n += ja;
			return n && n <= MAX_ENTRIES ? (size_t)n : 0;
		}
		if (!writes(d, idx))
			continue;
		/* mov %eX,%eI, movzbl %Xb,%eI, cltq, movslq %eX,%rI: the same number */
		const ZydisDecodedOperand *dst = &d->ops[0], *src = &d->ops[1];
		switch (d->in.mnemonic) {
		case ZYDIS_MNEMONIC_CDQE:
			idx = ZYDIS_REGISTER_RAX;
			continue;
		case ZYDIS_MNEMONIC_MOV:
		case ZYDIS_MNEMONIC_MOVZX:
		case ZYDIS_MNEMONIC_MOVSXD:
			if (d->in.operand_count_visible == 2 && dst->type == ZYDIS_OPERAND_TYPE_REGISTER &&
			    src->type == ZYDIS_OPERAND_TYPE_REGISTER && dst->size >= 32) {
				idx = reg64(src->reg.value);
				continue;
			}
			return 0;
		default:
			return 0;
		}
	}
	return 0;
}

static int in_func(const struct jtab_func *f, uint64_t a)
{
	for (unsigned i = 0; i < f->nr; i++)
		if (a >= f->r[i].addr && a < f->r[i].addr + f->r[i].len)
			return 1;
	return 0;
}

/*
 * Call @fn on every target of the indirect jmp at @starts[k] (of the range
 * at @base).  Return: 0 when every target was seen, 1 if @fn stopped the
 * walk, -ENOENT when the targets cannot be known.
 */
int jtab_targets(const struct jtab_func *f, const uint32_t *starts, size_t k, uint64_t base,
		 int (*fn)(void *ctx, uint64_t target), void *ctx, struct jtab_info *info)
{
	struct walk wk = { .f = f };
	struct val v = { .kind = V_NONE };
	size_t n = 0, got = 0;

	memset(info, 0, sizeof(*info));
	if (load_window(&wk, starts, k, base))
		return -ENOENT;
	const struct dinsn *j = &wk.w[wk.n - 1];
	const ZydisDecodedOperand *op = &j->ops[0];

	if (j->in.mnemonic != ZYDIS_MNEMONIC_JMP)
		return -ENOENT;
	if (op->type == ZYDIS_OPERAND_TYPE_REGISTER)
		v = reg_val(&wk, wk.n - 1, reg64(op->reg.value), 0);
	else if (op->type == ZYDIS_OPERAND_TYPE_MEMORY)
		v = load_entry(&wk, wk.n - 1, op, 8, 0);
	if (v.kind == V_CONST)
		return fn(ctx, v.c) ? 1 : 0;
	if (v.kind != V_ENTRY || !f->read)
		return -ENOENT;
	/* 8-byte entries are addresses; 4-byte ones are added to a base. */
	if (v.size == 8 && v.c)
		return -ENOENT;
	if (v.index == ZYDIS_REGISTER_NONE)
		n = 1;
	else
		n = bound(&wk, v.at, v.index);
	info->bounded = n != 0;
	for (size_t i = 0; n ? i < n : i < MAX_ENTRIES; i++) {
		uint64_t t;

		if (v.size == 8) {
			if (f->read(f->read_ctx, v.table + 8 * i, &t, 8))
				break;
		} else {
			int32_t e;
			if (f->read(f->read_ctx, v.table + 4 * i, &e, 4))
				break;
			t = v.c + (uint64_t)(int64_t)e;
		}
		/* Unbounded: past the last entry, the next bytes are something else. */
		if (!n && !in_func(f, t))
			break;
		got++;
		if (fn(ctx, t)) {
			info->entries = got;
			return 1;
		}
	}
	info->entries = got;
	if (n ? got < n : got == 0)
		return -ENOENT;
	return 0;
}
