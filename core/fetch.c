// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The fetch-program interpreter: runs one compiled fetch-arg against the
 * saved registers of a hit and stores its value into the record.
 *
 * Runs on the hit path: no locks, no allocation, no syscalls, no libc.
 * Every read of the program's memory goes through the fault-tolerant
 * routines of uaccess.h, so a bad pointer stores 0 (numbers) or a
 * zero-length string (printed "(fault)"), as the kernel does.
 */
#include "fetch.h"
#include "uaccess.h"

static inline void put_le(uint8_t *p, uint64_t v, unsigned size)
{
	for (unsigned i = 0; i < size; i++, v >>= 8)
		p[i] = (uint8_t)v;
}

static inline uint64_t get_le(const uint8_t *p, unsigned size)
{
	uint64_t v = 0;

	for (unsigned i = size; i-- > 0;)
		v = (v << 8) | p[i];
	return v;
}

static inline void zero(uint8_t *p, unsigned size)
{
	for (unsigned i = 0; i < size; i++)
		p[i] = 0;
}

/* Store the string at @addr as a __data_loc field at @field. */
static void store_string(struct fetch_ctx *ctx, uint8_t *field, uint64_t addr)
{
	uint32_t room = ctx->max > ctx->dyn ? ctx->max - ctx->dyn : 0;
	long len = -1;

	if (room > TP_STRING_MAX)
		room = TP_STRING_MAX;
	if (room)
		len = xol_strncpy_safe((char *)ctx->rec + ctx->dyn, (const char *)addr, room);
	if (len < 0)
		len = 0; /* fault, or longer than a page: recorded as a fault */
	put_le(field, ((uint64_t)len << 16) | ctx->dyn, 4);
	ctx->dyn += (uint32_t)len;
}

static void store_local_string(struct fetch_ctx *ctx, uint8_t *field, const char *s)
{
	uint32_t len = 0;

	while (ctx->dyn + len < ctx->max && len < TP_STRING_MAX) {
		ctx->rec[ctx->dyn + len] = (uint8_t)s[len];
		if (!s[len++])
			break;
	}
	if (len && ctx->rec[ctx->dyn + len - 1])
		len = 0;
	put_le(field, ((uint64_t)len << 16) | ctx->dyn, 4);
	ctx->dyn += len;
}

void fetch_run(const struct fetch_prog *prog, uint32_t offset, struct fetch_ctx *ctx)
{
	const struct fetch_insn *in = prog->insn;
	uint8_t *field = ctx->rec + offset;
	const char *local = 0; /* COMM and DATA point at our own memory */
	unsigned long w;
	uint64_t val = 0;

	/* load */
	switch (in->op) {
	case FETCH_OP_REG:
		val = *(const uint64_t *)((const char *)ctx->regs + in->param);
		break;
	case FETCH_OP_STACK:
		if (xol_load_safe(&w, (const void *)(ctx->regs->sp + 8 * (uint64_t)in->param)))
			w = 0;
		val = w;
		break;
	case FETCH_OP_STACKP:
		val = ctx->regs->sp;
		break;
	case FETCH_OP_RETVAL:
		val = ctx->regs->ax;
		break;
	case FETCH_OP_IMM:
		val = (uint64_t)in->param;
		break;
	case FETCH_OP_COMM:
		local = ctx->comm;
		break;
	case FETCH_OP_DATA:
		local = ctx->data + in->param;
		break;
	case FETCH_OP_FOFFS:
		val = ctx->foffs_base + (uint64_t)in->param;
		break;
	default:
		return;
	}
	in++;

	/* deref: a fault ends the argument with a zero value */
	const struct fetch_insn *last_deref = 0;
	uint64_t before_last = 0;
	for (; in->op == FETCH_OP_DEREF; in++) {
		before_last = val;
		last_deref = in;
		if (xol_load_safe(&w, (const void *)(val + (uint64_t)in->param)))
			goto fault;
		val = w;
	}

	const struct fetch_insn *st = in;
	const struct fetch_insn *mod = in[1].op == FETCH_OP_MOD_BF ? &in[1] : 0;
	const struct fetch_insn *lp = &in[mod ? 2 : 1];
	unsigned count = lp->op == FETCH_OP_LP_ARRAY ? (unsigned)lp->param : 1;

	for (unsigned i = 0; i < count; i++) {
		switch (st->op) {
		case FETCH_OP_ST_RAW:
			put_le(field, val, st->size);
			break;
		case FETCH_OP_ST_MEM: {
			/* A fault part-way keeps the bytes read before it, as the kernel's does. */
			unsigned long left = xol_copy_safe(field + i * st->size,
				(const void *)(val + (uint64_t)st->param + i * st->size), st->size);
			if (left)
				zero(field + (i + 1) * st->size - left, (unsigned)left);
			break;
		}
		case FETCH_OP_ST_STRING:
		case FETCH_OP_ST_USTRING:
			if (local) {
				store_local_string(ctx, field, local);
			} else if (lp->op == FETCH_OP_LP_ARRAY && last_deref) {
				/* string[N]: element i is the pointer at the last deref's address + 8i */
				uint64_t p;
				if (i == 0)
					p = val;
				else if (xol_load_safe(&w, (const void *)(before_last +
						(uint64_t)last_deref->param + 8 * i)))
					p = 0;
				else
					p = w;
				store_string(ctx, field + 4 * i, p + (uint64_t)st->param);
			} else {
				store_string(ctx, field + 4 * i, val + (uint64_t)st->param);
			}
			break;
		default:
			return;
		}
		if (mod) {
			/*
			 * In the container's width, as the kernel shifts a
			 * u8/u16/u32/u64; shift counts modulo 64 as x86 takes
			 * them (a width + offset that wraps makes them 64, 65).
			 */
			uint8_t *e = field + i * st->size;
			uint64_t mask = st->size >= 8 ? ~0ull : (1ull << (8 * st->size)) - 1;
			uint64_t v = get_le(e, st->size);
			v = ((v << (mod->lshift & 63)) & mask) >> (mod->rshift & 63);
			put_le(e, v, st->size);
		}
	}
	return;

fault:
	for (; in->op != FETCH_OP_END && in < prog->insn + FETCH_INSN_MAX; in++) {
		if (in->op == FETCH_OP_ST_STRING || in->op == FETCH_OP_ST_USTRING) {
			unsigned n = in[1].op == FETCH_OP_LP_ARRAY ? (unsigned)in[1].param : 1;
			for (unsigned i = 0; i < n; i++)
				put_le(field + 4 * i, ctx->dyn, 4);
			return;
		}
		if (in->op == FETCH_OP_ST_RAW || in->op == FETCH_OP_ST_MEM) {
			unsigned n = 1;
			for (const struct fetch_insn *l = in + 1; l->op == FETCH_OP_MOD_BF ||
			     l->op == FETCH_OP_LP_ARRAY; l++)
				if (l->op == FETCH_OP_LP_ARRAY)
					n = (unsigned)l->param;
			zero(field, in->size * n);
			return;
		}
	}
}
