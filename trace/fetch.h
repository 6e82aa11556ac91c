/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Fetch programs: what one fetch-arg compiles to, and what the engine runs at each hit. */
#ifndef XOL_TRACE_FETCH_H
#define XOL_TRACE_FETCH_H

#include <stdint.h>

/*
 * A fetch program is a fixed array of FETCH_INSN_MAX instructions, plain
 * data with no pointers, so it can be copied into a traced process as it is.
 * It has three phases, in this order:
 *
 *   load    exactly one of REG STACK STACKP RETVAL IMM COMM DATA FOFFS
 *           sets `val`
 *   deref   zero or more DEREF: val = *(u64 *)(val + param); a fault ends
 *           the argument (numbers store 0, strings store a fault)
 *   store   exactly one ST_*: writes the argument into the record at the
 *           argument's offset (arg->offset, element size insn.size)
 *   modify  optional MOD_BF after ST_MEM/ST_RAW: keep bits
 *           (w << lshift) >> rshift of the stored word
 *   loop    optional LP_ARRAY (param = element count): re-run the store
 *           (and modify) for element i at address val + i * step, where
 *           step is insn.size for memory and 8 for string[N] (each
 *           element is then a pointer that is dereferenced once)
 *   END
 *
 * The compiler (trace/) guarantees this shape; the interpreter (core/)
 * trusts it and checks nothing at hit time.  Up to FETCH_INSN_MAX ops per
 * argument, END included, as the kernel limits it (TOO_MANY_OPS).
 *
 * The programs are the kernel's, op for op (trace/fetcharg.c has the
 * table), which fixes a few details:
 *   - @ADDR is IMM(ADDR) then a DEREF(0) that becomes the store;
 *     @+OFFS is FOFFS(OFFS) likewise (the store's param is 0);
 *   - a final DEREF(o) becomes ST_MEM(o) / ST_STRING(o): the store reads
 *     at val + o; after any other load the store has param 0;
 *   - string[N] keeps its last DEREF(o) and has ST_STRING(0): element 0
 *     is the string at the pointer that DEREF loaded, element i the one
 *     at the pointer read at (the value before that DEREF) + o + 8i;
 *   - DATA's param is a byte offset into the event's pool (tp_event.data),
 *     where each immediate string is NUL-terminated.  Linux 6.18 records
 *     a uprobe's `\"str"` as (fault): its fetch hands a kernel address to a
 *     user-space copy; core/fetch.c stores the string.
 */
enum fetch_op {
	FETCH_OP_END = 0,
	/* load */
	FETCH_OP_REG,     /* val = *(u64 *)((char *)regs + param) */
	FETCH_OP_STACK,   /* val = word at sp + 8 * param; 0 if it faults */
	FETCH_OP_STACKP,  /* val = sp */
	FETCH_OP_RETVAL,  /* val = the return-value register */
	FETCH_OP_IMM,     /* val = param */
	FETCH_OP_COMM,    /* val = address of the current thread's comm */
	FETCH_OP_DATA,    /* val = address of byte param of the event's data pool */
	FETCH_OP_FOFFS,   /* val = (probe address - probe file offset) + param */
	/* deref */
	FETCH_OP_DEREF,   /* val = *(u64 *)(val + (int64_t)param) */
	/* store */
	FETCH_OP_ST_RAW,    /* store the low insn.size bytes of val */
	FETCH_OP_ST_MEM,    /* store insn.size bytes read at val + param */
	FETCH_OP_ST_STRING, /* store the NUL-terminated string at val + param */
	FETCH_OP_ST_USTRING,/* same, for ustring (identical in user space) */
	/* modify */
	FETCH_OP_MOD_BF,  /* w = (w << lshift) >> rshift, on insn.size bytes */
	/* loop */
	FETCH_OP_LP_ARRAY,/* param = number of elements */
};

#define FETCH_INSN_MAX 16

struct fetch_insn {
	uint8_t op;      /* enum fetch_op */
	uint8_t size;    /* bytes of one stored element (ST_RAW, ST_MEM, MOD_BF) */
	uint8_t lshift;  /* MOD_BF */
	uint8_t rshift;  /* MOD_BF */
	uint32_t reserved;
	int64_t param;
};

struct fetch_prog {
	struct fetch_insn insn[FETCH_INSN_MAX];
};

#endif
