/* SPDX-License-Identifier: GPL-2.0-or-later */
/* One record as the kernel's `trace` file prints it. */
#ifndef XOL_TRACE_RENDER_H
#define XOL_TRACE_RENDER_H

#include <stddef.h>

#include "probe.h"
#include "strbuf.h"

/*
 * Append one record of @ev to @out as the kernel's `trace` file shows it
 * from the event name on, without the newline:
 *
 *   work: (0x55d0c2a4f1c0) a=0x1 s="x"
 *   work_ret: (0x55d0c2a4f2b8 <- 0x55d0c2a4f1c0) rv=0
 *
 * @rec starts with the common header (record layout: trace/format.c).
 * Reads never go past @len: a field that does not fit reads as zero
 * bytes, a string whose text runs past the record stops there.
 * Returns 0, or -ENOMEM if @out could not grow.
 */
int tp_render(const struct tp_event *ev, const void *rec, size_t len, struct strbuf *out);

#endif
