/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Reading a registry of uprobe events (struct xol_events) from the other layers. */
#ifndef XOL_TRACE_EVENTS_H
#define XOL_TRACE_EVENTS_H

#include "xol/xol.h"

#include "probe.h"
#include "strbuf.h"

/*
 * The registry is written through include/xol/xol.h (xol_events_write)
 * and read here.  The pointers stay valid until the next write, clear or
 * free of the registry.  Events come in the order they were created,
 * probes in the order of the listing (creation order, which interleaves
 * the probes of different events).
 */
const struct tp_event *tp_first_event(const struct xol_events *evs);
const struct tp_probe *tp_first_probe(const struct xol_events *evs);

/* GROUP/EVENT, GROUP.EVENT, or EVENT: the first event of that name in any group. */
const struct tp_event *tp_find_event(const struct xol_events *evs, const char *name);
const struct tp_event *tp_event_by_id(const struct xol_events *evs, unsigned id);

/* The `format` file of @ev, exactly as tracefs prints it. */
void tp_format(const struct tp_event *ev, struct strbuf *out);
/* Its print fmt, without "print fmt: " and the newline. */
void tp_print_fmt(const struct tp_event *ev, struct strbuf *out);

#endif
