/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The script-engine interface: how `xol script -s FILE` hands events to a
 * Python or Lua handler file.  One small struct of callbacks per language,
 * chosen by the file's extension (perf's rule: the text after the last
 * dot, case-insensitive; a "lang:" prefix overrides it).
 *
 * The caller's sequence, for one run:
 *
 *   ops = script_engine_for(path);          NULL: not a script we know
 *   ops->start(&e, path, argc, argv);       loads it, calls trace_begin()
 *   ops->sample(e, &s);   ...               once per tracepoint sample
 *   ops->stop(e);                           trace_end(), frees everything
 *
 * Every call returns 0, or -1 after the engine printed why to stderr (a
 * handler's traceback, a syntax error).  After a failed sample() the run
 * is over: the caller calls stop(), which then frees without trace_end()
 * (perf aborts there too), and exits non-zero.  An engine owns its
 * interpreter for the whole run; two engines may not run at once.
 *
 * Engines run only in the collector, never in a traced process.  They are
 * built into their own shared object, xol-script.so, which `xol script`
 * opens when a handler file or -g asks for one (tools/xol/cmd-script.c):
 * script_engine_for() is its one entry point.
 */
#ifndef XOL_SCRIPTS_ENGINE_H
#define XOL_SCRIPTS_ENGINE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "trace/probe.h"

/* One sample, as perf script would hand it to a handler. */
struct script_sample {
	const struct tp_event *event; /* its group is perf's "system" */
	uint32_t cpu;
	uint64_t time_ns;             /* common_secs * 1e9 + common_nsecs */
	int32_t pid, tid;             /* of the sample (perf's sample pid/tid) */
	const char *comm;             /* the thread's comm (perf's common_comm) */
	const uint8_t *raw;           /* the record, laid out as the event's format says */
	uint32_t raw_size;
	uint64_t period;              /* 1 */
	uint64_t ip;                  /* the sample's ip (perf_sample_dict) */
	uint8_t cpumode;              /* header.misc & 7: 2 for user samples */
	/*
	 * The event's attr as the file has it, or NULL.  perf_sample_dict
	 * shows it as 'attr', and its read_format shapes 'values': without
	 * PERF_FORMAT_LOST perf leaves the tuple's third slot NULL, which
	 * prints as <NULL>.
	 */
	const struct perf_event_attr *attr;
};

struct perf_event_attr;
struct script_engine;

struct script_engine_ops {
	const char *name;             /* "Python", "Lua" */
	const char *const *exts;      /* { "py", NULL } */
	/* Load @path (argv[0] is the script, the rest its arguments) and call trace_begin. */
	int (*start)(struct script_engine **out, const char *path, int argc, char **argv);
	/* The handler for the sample's event, else trace_unhandled. 0, or -1 after printing why. */
	int (*sample)(struct script_engine *e, const struct script_sample *s);
	/* trace_end, then free everything.  0, or -1 if trace_end (or a sample) failed. */
	int (*stop)(struct script_engine *e);
	/*
	 * Write a skeleton handler file for @events (a NULL-terminated list,
	 * in perf's order: by ID) to @out (-g).  perf names the file
	 * perf-script.py; Lua's is perf-script.lua.
	 */
	int (*generate)(const struct tp_event *const *events, FILE *out);
};

extern const struct script_engine_ops script_python_ops;
extern const struct script_engine_ops script_lua_ops;

/*
 * The engine for @path, or NULL.  "lang:path" names the language
 * ("python", "py", "lua", any case); otherwise the text after the last
 * dot of the name decides.  start() takes the same @path, prefix and all.
 */
__attribute__((visibility("default")))
const struct script_engine_ops *script_engine_for(const char *path);

/* @path without its "lang:" prefix, if it has one that names an engine. */
const char *script_file(const char *path);

/* --- what both engines share (scripts/engine.c) --------------------------- */

/*
 * A field of the record as perf's libtraceevent sees it in the event's
 * format file (trace/format.c): the non-common fields, in format order,
 * __probe_ip (or __probe_func, __probe_ret_ip) first.  The flags are
 * libtraceevent's, and decide what a handler gets:
 *
 *   array   `x[]` or `__data_loc`: perf passes str or bytearray, never int
 *   string  an array whose type names char, u8 or s8 (perf may clear it)
 *   dynamic `__data_loc`: the field is a u32 (len << 16 | offset); len 0
 *           is a read that faulted
 *   is_signed the format's `signed:`.  perf reads every integer unsigned
 *           from its size first, so only 8-byte fields come out negative
 */
struct script_field {
	const char *name;
	const struct tp_type *type;   /* NULL for __probe_* */
	uint32_t offset, size;        /* of the field in the record */
	bool array, string, dynamic, is_signed;
};

/* The fields of @ev (at most 2 + TP_MAX_ARGS); returns how many. */
unsigned script_fields(const struct tp_event *ev, struct script_field *out);

/*
 * For -g: a handler's parameters after its first line, as perf's skeleton
 * wraps them (five to a line), up to the last one, which the caller names.
 */
void script_gen_params(const struct script_field *f, unsigned n, FILE *o);

/* perf's tep_read_number(): @size bytes little-endian, 0 unless 1/2/4/8 or past the end. */
uint64_t script_read(const struct script_sample *s, uint32_t off, uint32_t size);

/* Where an array or __data_loc field's bytes are; false if outside the record. */
bool script_array_bytes(const struct script_sample *s, const struct script_field *f,
			const uint8_t **p, uint32_t *len);

/*
 * perf's is_printable_array(): a last byte of NUL, and every byte before
 * the first NUL printable or white space in the kernel's Latin-1 ctype.
 */
bool script_is_printable(const uint8_t *p, uint32_t len);

/*
 * The directory xol's helper files are under, laid out like perf's exec
 * path: $XOL_EXEC_PATH, else the source tree or install prefix next to
 * the running binary (scripts/python/Perf-Trace-Util/lib/Perf/Trace/Core.py,
 * scripts/lua/xol.lua).  NULL if there is none.
 */
const char *script_exec_path(void);

#endif
