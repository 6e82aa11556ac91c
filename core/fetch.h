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

#endif
