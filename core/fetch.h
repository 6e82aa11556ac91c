/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Running fetch programs on a hit's registers (the interpreter is core/fetch.c). */
#ifndef XOL_CORE_FETCH_H
#define XOL_CORE_FETCH_H

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
