/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Running fetch programs on a hit's registers (the interpreter is core/fetch.c). */
#ifndef XOL_CORE_FETCH_H
#define XOL_CORE_FETCH_H

#include <stdbool.h>
#include <stdint.h>

#include "arch/x86/regs.h"
#include "trace/fetch.h"
#include "trace/probe.h"

struct fetch_ctx {
	const struct xol_regs *regs;
	uint64_t foffs_base;  /* probe address - probe file offset (@+OFFS) */
	const char *comm;     /* the thread's comm, NUL-terminated */
	const char *data;     /* the event's immediate-string pool */
	uint8_t *rec;         /* the record; fields at their format offsets */
	uint32_t dyn;         /* next free byte for __data_loc data */
	uint32_t max;         /* capacity of rec */
};

/* Store one argument at @offset of ctx->rec; strings append at ctx->dyn. */
void fetch_run(const struct fetch_prog *prog, uint32_t offset, struct fetch_ctx *ctx);

/*
 * The programs most definitions are made of, run without the interpreter:
 * a register (or $retval) as a number, a number at a register + offset
 * (one deref), a stack slot.  Classified once when the definitions arrive.
 */
enum fetch_fast {
	FETCH_GENERIC,
	FETCH_FAST_REG,      /* REG ST_RAW END */
	FETCH_FAST_MEM,      /* REG ST_MEM END */
	FETCH_FAST_STACK,    /* STACK ST_RAW END */
	FETCH_FAST_STRING,   /* REG ST_STRING END (or ST_USTRING): fetch_unpack() only */
};

static inline enum fetch_fast fetch_classify(const struct fetch_prog *p)
{
	const struct fetch_insn *in = p->insn;

	if (in[2].op != FETCH_OP_END)
		return FETCH_GENERIC;
	if (in[0].op == FETCH_OP_REG && in[1].op == FETCH_OP_ST_RAW)
		return FETCH_FAST_REG;
	if (in[0].op == FETCH_OP_REG && in[1].op == FETCH_OP_ST_MEM)
		return FETCH_FAST_MEM;
	if (in[0].op == FETCH_OP_STACK && in[1].op == FETCH_OP_ST_RAW)
		return FETCH_FAST_STACK;
	return FETCH_GENERIC;
}

/* A size fetch_put() stores exactly. */
static inline bool fetch_put_size(unsigned size)
{
	return size == 1 || size == 2 || size == 4 || size == 8;
}

/*
 * One argument of a fast kind, unpacked from its program so that a hit
 * reads these 16 bytes and not the program: what the engine's straight
 * path (core/hit.c) runs for an event whose arguments are all like this.
 * $retval is a REG of the return-value register.
 */
struct fast_arg {
	uint8_t kind;            /* enum fetch_fast */
	uint8_t size;            /* bytes stored (numbers) */
	uint16_t offset;         /* of the field in the record */
	uint16_t reg;            /* REG MEM STRING: byte offset in struct xol_regs */
	uint16_t reserved;
	int64_t param;           /* MEM STRING: displacement; STACK: the slot */
};

/* Fill @fa for the program @p of the field at @offset; false: not a fast kind. */
static inline bool fetch_unpack(const struct fetch_prog *p, uint32_t offset, struct fast_arg *fa)
{
	const struct fetch_insn *in = p->insn;
	uint8_t op = in[0].op, st = in[1].op;

	if (in[2].op != FETCH_OP_END || offset > UINT16_MAX)
		return false;
	fa->offset = (uint16_t)offset;
	fa->size = in[1].size;
	fa->reserved = 0;
	fa->param = in[1].param;
	if (op == FETCH_OP_REG || op == FETCH_OP_RETVAL) {
		if (op == FETCH_OP_REG && (in[0].param < 0 ||
		    in[0].param > (int64_t)(sizeof(struct xol_regs) - 8)))
			return false;
		fa->reg = (uint16_t)(op == FETCH_OP_REG ? (uint64_t)in[0].param : ARCH_REG_RETVAL_OFFSET);
		if (st == FETCH_OP_ST_RAW)
			fa->kind = FETCH_FAST_REG;
		else if (st == FETCH_OP_ST_MEM)
			fa->kind = FETCH_FAST_MEM;
		else if (st == FETCH_OP_ST_STRING || st == FETCH_OP_ST_USTRING)
			fa->kind = FETCH_FAST_STRING;
		else
			return false;
		if (fa->kind == FETCH_FAST_STRING)
			return true;
		return fa->kind == FETCH_FAST_MEM ? fa->size >= 1 && fa->size <= 8 : fetch_put_size(fa->size);
	}
	if (op == FETCH_OP_STACK && st == FETCH_OP_ST_RAW && fetch_put_size(fa->size)) {
		fa->kind = FETCH_FAST_STACK;
		fa->reg = 0;
		fa->param = in[0].param;
		return true;
	}
	return false;
}

typedef uint16_t __attribute__((may_alias, aligned(1))) fetch_u16;
typedef uint32_t __attribute__((may_alias, aligned(1))) fetch_u32;
typedef uint64_t __attribute__((may_alias, aligned(1))) fetch_u64;

/* The low @size bytes of @v at @p (little-endian, unaligned). */
static inline void fetch_put(uint8_t *p, uint64_t v, unsigned size)
{
	switch (size) {
	case 1: *p = (uint8_t)v; break;
	case 2: *(fetch_u16 *)p = (uint16_t)v; break;
	case 4: *(fetch_u32 *)p = (uint32_t)v; break;
	default: *(fetch_u64 *)p = v; break;
	}
}

#endif
