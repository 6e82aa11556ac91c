/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The uprobe_events language: events, probes, arguments and types after parsing. */
#ifndef XOL_TRACE_PROBE_H
#define XOL_TRACE_PROBE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fetch.h"

#define TP_NAME_MAX       63   /* group and event names */
#define TP_ARG_NAME_MAX   32
#define TP_ARG_BODY_MAX   63
#define TP_MAX_ARGS       128
#define TP_ARRAY_MAX      64
#define TP_LINE_MAX       4094
#define TP_STRING_MAX     4096 /* bytes, NUL included; longer is a fault */
#define TP_RECORD_MAX     4096 /* one hit's record data, as the kernel caps it */
#define TP_DEFAULT_GROUP  "uprobes"

/* Record layout shared by every event (the kernel's common fields). */
#define TP_COMMON_SIZE    8    /* common_type u16, flags u8, preempt u8, pid s32 */
#define TP_ENTRY_HDR      16   /* + __probe_ip */
#define TP_RETURN_HDR     24   /* + __probe_func, __probe_ret_ip */

enum tp_type_kind {
	TP_TYPE_U,        /* u8..u64 */
	TP_TYPE_S,        /* s8..s64 */
	TP_TYPE_X,        /* x8..x64 */
	TP_TYPE_CHAR,
	TP_TYPE_STRING,
	TP_TYPE_USTRING,
	TP_TYPE_BITFIELD, /* bW@O/C: unsigned, container C bits */
};

struct tp_type {
	uint8_t kind;      /* enum tp_type_kind */
	uint8_t size;      /* bytes of one element in the record (4 for strings) */
	uint8_t count;     /* 0: scalar, else array length 1..64 */
	uint8_t bf_width;  /* bitfield width W */
	uint8_t bf_offset; /* bitfield offset O */
};

struct tp_arg {
	char name[TP_ARG_NAME_MAX + 1];
	char *text;              /* the body as written, type included (listing) */
	struct tp_type type;
	uint32_t offset;         /* of the field in the record (header included) */
	struct fetch_prog prog;
};

struct tp_probe;

/*
 * An event may have several probes (a line with the name of an existing
 * event and the same argument names and types appends a probe to it).
 * The probes share the event's record layout, but each has its own
 * argument texts and fetch programs: `p:g/e /bin/a:0x10 x=%di` and
 * `p:g/e /bin/b:0x20 x=+8(%si)` make one event `e` with two probes.  So:
 *
 *   - event->args describe the fields (name, type, offset) and are the
 *     args of the event's first probe;
 *   - probe->args hold each probe's own text and prog (the same names,
 *     types and offsets): run probe->args[i].prog at a hit of that probe;
 *   - event->data is one pool for every probe of the event: FETCH_OP_DATA
 *     params are byte offsets into it, each string NUL-terminated.
 */
struct tp_event {
	char group[TP_NAME_MAX + 1];
	char name[TP_NAME_MAX + 1];
	bool is_return;
	uint16_t id;             /* common_type, format ID, perf attr config */
	unsigned nargs;
	struct tp_arg *args;     /* = the first probe's args (see above) */
	char *data;              /* pool of immediate strings (FETCH_OP_DATA) */
	uint32_t data_len;
	uint32_t fixed_size;     /* header + fixed arg fields; strings follow */
	struct tp_event *next;   /* registry order */
	struct tp_event *hnext;  /* the registry's chain of events hashed by name */
	unsigned nprobes;
};

struct tp_probe {
	struct tp_event *event;
	char *path;              /* as written */
	uint64_t dev, ino;       /* the file it resolved to when defined */
	uint64_t offset;         /* file offset */
	uint64_t refctr;         /* file offset of the USDT semaphore */
	bool has_refctr;         /* refctr != 0: the kernel treats (0) as none */
	struct tp_probe *next;   /* creation order: the listing order */
	struct tp_probe *hnext;  /* the registry's chain of probes hashed by (dev, ino, offset) */
	struct tp_arg *args;     /* this probe's args: event->nargs of them */
};

/* Reading a registry: trace/events.h; rendering a record: trace/render.h. */

#endif
