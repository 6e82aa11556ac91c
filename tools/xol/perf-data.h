/* SPDX-License-Identifier: GPL-2.0-or-later */
/* perf.data: the file perf record writes, as xol writes (perf-write.c) and reads (perf-read.c) it. */
#ifndef XOL_TOOLS_PERF_DATA_H
#define XOL_TOOLS_PERF_DATA_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "trace/probe.h"
#include "trace/strbuf.h"

/*
 * The layout xol writes (a regular file; perf's pipe format for "-"):
 *
 *   offset        what
 *   0             perf_file_header (104 bytes), written last
 *   104           attrs: per event a perf_event_attr (128) + {offset,size} of its ids
 *   ...           ids: one u64 per event (the sample's IDENTIFIER)
 *   data.offset   records: COMM before a thread's first sample (and when it
 *                 changes), SAMPLE, FINISHED_ROUND at every flush, LOST at the end
 *   data end      feature index: {offset,size} per set bit, ascending
 *   ...           feature payloads: TRACING_DATA (every event's format file),
 *                 HOSTNAME, OSRELEASE, VERSION, ARCH, NRCPUS, CMDLINE, EVENT_DESC
 *
 * Every sample is IDENTIFIER|IP|TID|TIME|CPU|PERIOD|RAW, what perf record
 * uses for tracepoints; sample_id_all is set, so non-sample records end in
 * the trailer {pid,tid} {time} {cpu,res} {identifier}.
 */

#define PERF_MAGIC          0x32454c4946524550ull /* "PERFILE2" */
#define PERF_HEADER_SIZE    104
#define PERF_PIPE_HDR_SIZE  16
#define PERF_ATTR_SIZE      128  /* PERF_ATTR_SIZE_VER7, what perf 6.1 knows */
#define PERF_ATTR_SIZE_VER0 64

#define PERF_TYPE_TRACEPOINT 2

#define PERF_SAMPLE_IP         (1u << 0)
#define PERF_SAMPLE_TID        (1u << 1)
#define PERF_SAMPLE_TIME       (1u << 2)
#define PERF_SAMPLE_ADDR       (1u << 3)
#define PERF_SAMPLE_READ       (1u << 4)
#define PERF_SAMPLE_CALLCHAIN  (1u << 5)
#define PERF_SAMPLE_ID         (1u << 6)
#define PERF_SAMPLE_CPU        (1u << 7)
#define PERF_SAMPLE_PERIOD     (1u << 8)
#define PERF_SAMPLE_STREAM_ID  (1u << 9)
#define PERF_SAMPLE_RAW        (1u << 10)
#define PERF_SAMPLE_IDENTIFIER (1u << 16)
#define XOL_SAMPLE_TYPE (PERF_SAMPLE_IDENTIFIER | PERF_SAMPLE_IP | PERF_SAMPLE_TID | \
			 PERF_SAMPLE_TIME | PERF_SAMPLE_CPU | PERF_SAMPLE_PERIOD | PERF_SAMPLE_RAW)

/* perf_event_attr flag bits (the u64 at offset 40) */
#define PERF_ATTR_INHERIT       (1ull << 1)
#define PERF_ATTR_COMM          (1ull << 9)
#define PERF_ATTR_TASK          (1ull << 13)
#define PERF_ATTR_SAMPLE_ID_ALL (1ull << 18)
#define PERF_ATTR_COMM_EXEC     (1ull << 24)

enum perf_rec_type {
	PERF_RECORD_LOST = 2,
	PERF_RECORD_COMM = 3,
	PERF_RECORD_EXIT = 4,
	PERF_RECORD_FORK = 7,
	PERF_RECORD_SAMPLE = 9,
	PERF_RECORD_HEADER_ATTR = 64,
	PERF_RECORD_HEADER_TRACING_DATA = 66,
	PERF_RECORD_FINISHED_ROUND = 68,
	PERF_RECORD_HEADER_FEATURE = 80,
};

#define PERF_RECORD_MISC_USER      2
#define PERF_RECORD_MISC_COMM_EXEC 0x2000

enum perf_feature {
	HEADER_TRACING_DATA = 1,
	HEADER_HOSTNAME = 3,
	HEADER_OSRELEASE = 4,
	HEADER_VERSION = 5,
	HEADER_ARCH = 6,
	HEADER_NRCPUS = 7,
	HEADER_CMDLINE = 11,
	HEADER_EVENT_DESC = 12,
	HEADER_SAMPLE_TIME = 21,
};

struct perf_section {
	uint64_t offset, size;
};

struct perf_file_header {
	uint64_t magic, size, attr_size;
	struct perf_section attrs, data, event_types;
	uint64_t features[4];
};

struct perf_rec_header {
	uint32_t type;
	uint16_t misc, size;
};

/* --- writer (perf-write.c) ---------------------------------------------- */

struct perf_writer;

struct perf_writer_opts {
	const char *path;              /* "-": perf's pipe format on @pipe_fd */
	int pipe_fd;
	const struct tp_event *const *events;
	unsigned nevents;
	char **cmdline;                /* NULL-terminated, for HEADER_CMDLINE */
};

int perfw_open(struct perf_writer **out, const struct perf_writer_opts *o);
/*
 * One sample; a COMM record goes first when @comm is new for @tid.  @raw is
 * copied once, straight into the output: it may be a ring the target writes.
 */
int perfw_sample(struct perf_writer *w, const struct tp_event *ev, int32_t pid, int32_t tid,
		 uint32_t cpu, uint64_t ns, const char *comm, const void *raw, uint32_t size);
/* @lost records of @ev were dropped (a PERF_RECORD_LOST). */
int perfw_lost(struct perf_writer *w, const struct tp_event *ev, uint64_t lost);
/* Features and header; frees @w.  *bytes gets the file's size. */
int perfw_close(struct perf_writer *w, uint64_t *bytes, uint64_t *samples);
/* Frees @w after an error, leaving what was written. */
void perfw_abort(struct perf_writer *w);

/* The tracing-data blob (HEADER_TRACING_DATA) for @events. */
void perf_tracing_data(const struct tp_event *const *events, unsigned n, struct strbuf *out);

/* --- event formats (perf-format.c): a format file parsed as libtraceevent does */

struct pf_field {
	char *name, *type;
	uint32_t offset, size, elemsize, arraylen;
	bool is_signed, is_array, is_dynamic, is_string, is_long, is_pointer;
};

/* One piece of the print fmt: literal text, then (if conv) one conversion of one argument. */
struct pf_seg {
	char *lit;
	uint32_t litlen;
	char conv[24];                 /* the printf spec, "%" to the conversion letter */
	char letter;                   /* 0: literal only */
	int8_t ls;                     /* h/hh -1/-2, l 1, ll/L 2 */
	uint8_t arg;                   /* PF_ARG_* */
	int field;                     /* index into fields */
	uint32_t index;                /* REC->f[index] */
};

enum { PF_ARG_NONE, PF_ARG_FIELD, PF_ARG_INDEX, PF_ARG_STR };

struct perf_evfmt {
	struct tp_event ev;            /* group = the system, args = the non-common fields */
	char *evname;                  /* the evsel name: EVENT_DESC, else "sys:name" */
	struct pf_field *fields;       /* common fields first */
	unsigned nfields, ncommon;
	struct pf_seg *segs;
	unsigned nsegs;
	char *print_fmt;               /* as written after "print fmt: " */
	bool failed;                   /* print fmt not understood: perf's [FAILED TO PARSE] */
};

/* Parse one format file of system @sys; NULL if it is not a format file. */
struct perf_evfmt *pf_parse(const char *sys, const char *text, size_t len);
void pf_free(struct perf_evfmt *f);

/*
 * The trace column: the print fmt rendered as libtraceevent does (perf-print.c).
 * @avail >= @size bytes are readable at @raw: libtraceevent reads strings
 * past the record up to a NUL, and so does this.
 */
void pf_print(const struct perf_evfmt *f, const uint8_t *raw, uint32_t size, size_t avail,
	      struct strbuf *out);
/* A field's value as libtraceevent reads it (no sign extension). */
uint64_t pf_read(const struct pf_field *fd, const uint8_t *raw, uint32_t size, uint32_t at);

/* --- reader (perf-read.c) ----------------------------------------------- */

struct perf_reader;

/* One sample as perf script sees it, in perf's (time-sorted) order. */
struct perf_sample {
	const struct perf_evfmt *fmt;  /* fmt->ev: the event, rebuilt from its format file */
	uint64_t ip, time, period, id;
	int32_t pid, tid;
	uint32_t cpu;
	const char *comm;              /* the thread's comm, or ":TID" as perf names it */
	const uint8_t *raw;
	uint32_t raw_size;
	size_t raw_avail;              /* readable bytes at raw (>= raw_size) */
	const void *attr;              /* its event's perf_event_attr, as the file has it */
	uint16_t misc;                 /* the record header's misc (cpumode in its low bits) */
};

/* Open @path ("-": stdin, either format). On error, a message in @err. */
int perfr_open(struct perf_reader **out, const char *path, char *err, size_t errlen);
/* The same over a memory image (the fuzz harness). */
int perfr_open_mem(struct perf_reader **out, const void *data, size_t len, char *err, size_t errlen);
/* 1: a sample in @s (valid until the next call); 0: the end; -1: error (perfr_error). */
int perfr_next(struct perf_reader *r, struct perf_sample *s);
const char *perfr_error(const struct perf_reader *r);
/* Every event format of the file (all of the tracing data, by ID), and how many. */
const struct perf_evfmt *const *perfr_formats(const struct perf_reader *r, unsigned *n);
/* The events that have an attr (were recorded), in attr order. */
const struct perf_evfmt *const *perfr_recorded(const struct perf_reader *r, unsigned *n);
/* What PERF_RECORD_LOST records said, summed. */
uint64_t perfr_lost(const struct perf_reader *r);
void perfr_close(struct perf_reader *r);

#endif
