/* SPDX-License-Identifier: GPL-2.0-or-later */
/* What the files of trace/ share with each other, and nothing outside trace/ uses. */
#ifndef XOL_TRACE_INTERNAL_H
#define XOL_TRACE_INTERNAL_H

#include "xol/xol.h"

#include "errors.h"
#include "kstr.h"
#include "probe.h"
#include "strbuf.h"

/* The kernel's limits that probe.h does not already name. */
#define TP_MAX_EVENT_SIZE  3072 /* fixed arg bytes of one probe (EVENT_TOO_BIG) */
#define TP_PARAM_MAX_STACK 2048 /* THREAD_SIZE / sizeof(long): largest $argN */
#define TP_WRITE_BUFSIZE   4096 /* the chunk a write is parsed in */

/* --- types.c: the type table -------------------------------------------- */

struct tp_type_info {
	const char *name;     /* as written after ':' ("x32", "string") */
	uint8_t kind, size;
	bool is_signed;       /* `signed:` of the format file */
	const char *fmttype;  /* field type in the format file */
	const char *fmt;      /* token in the print fmt, escaped as printed */
};

/* The kernel's find_fetch_type() for uprobes: NULL name is the default x64. */
const struct tp_type_info *tp_type_find(const char *name);
/* The table entry a parsed type uses; a bitfield uses its container's uN. */
const struct tp_type_info *tp_type_info(const struct tp_type *t);
/* Same fetch type and count: what DIFF_ARG_TYPE compares. */
bool tp_type_same(const struct tp_type *a, const struct tp_type *b);
static inline bool tp_type_is_string(const struct tp_type *t)
{
	return t->kind == TP_TYPE_STRING || t->kind == TP_TYPE_USTRING;
}

/* --- parse.c: tokens, the error log, one probe line ------------------------ */

/* A command split into tokens as the kernel's argv_split() does. */
struct tp_argv {
	int argc;
	char **argv;
	char *buf;
};

int tp_argv_split(const char *cmd, struct tp_argv *av);
void tp_argv_free(struct tp_argv *av);

/*
 * The kernel's trace_probe_log: which token an error is in.  An error at
 * (index, offset) points at column Σ(len+1 of tokens before index) + offset
 * of the command rebuilt from the tokens; an index past the last token
 * points one column past the end.
 */
struct tp_log {
	const struct tp_argv *av;
	int index;
	struct xol_error *err; /* may be NULL */
};

void tp_log_err(struct tp_log *log, int offset, enum tp_err e);
/* Fill err->command from the tokens: for every failure, logged or not, and only for one. */
void tp_log_command(struct xol_error *err, const struct tp_argv *av);

/* One probe line, parsed and compiled, before it joins the registry. */
struct tp_def {
	char group[TP_NAME_MAX + 1];
	char name[TP_NAME_MAX + 1];
	bool is_return;
	char *path;
	uint64_t dev, ino, offset, refctr;
	unsigned nargs;
	struct tp_arg *args;
	struct strbuf data;   /* immediate strings, FETCH_OP_DATA params index it */
	uint32_t size;        /* bytes of the fixed arg fields */
};

/*
 * The last file a write's lines named, as stat(2) found it: a write of a
 * thousand probes on one binary (xol probe over a glob) stats it once.
 */
struct tp_file {
	char *path;           /* NULL: none yet */
	uint64_t dev, ino;
};

/*
 * Parse `p|r[:[GRP/][EVENT]] PATH:OFFSET[%return][(REFCTR)] [ARGS]`.
 * Returns 0, -ECANCELED for "not a uprobe line" (nothing logged), or the
 * -errno the kernel returns, with the error logged through @log.  @last
 * (may be NULL): the file the line before named, updated.
 */
int tp_parse_probe(struct tp_def *def, const struct tp_argv *av, struct tp_log *log,
		   struct tp_file *last);
void tp_def_release(struct tp_def *def);

/* --- fetcharg.c: one fetch-arg into a tp_arg ---------------------------- */

struct tp_arg_ctx {
	struct tp_log *log;
	bool is_return;
	uint32_t *size;       /* fixed bytes so far (tp->size) */
	struct strbuf *data;  /* immediate-string pool */
};

/* traceprobe_parse_probe_arg(): @i is the arg's index, args[0..i) are done. */
int tp_parse_arg(struct tp_arg_ctx *ctx, struct tp_arg *args, int i, const char *text);
void tp_arg_release(struct tp_arg *arg);

/* is_good_name(): a C identifier, in the kernel's Latin-1 ctype. */
static inline bool tp_is_good_name(const char *name)
{
	if (!k_isalpha(*name) && *name != '_')
		return false;
	while (*++name)
		if (!k_isalnum(*name) && *name != '_')
			return false;
	return true;
}

/* is_good_system_name(): group names may also use '-', even first. */
static inline bool tp_is_good_group_name(const char *name)
{
	if (!k_isalpha(*name) && *name != '_' && *name != '-')
		return false;
	while (*++name)
		if (!k_isalnum(*name) && *name != '_' && *name != '-')
			return false;
	return true;
}

#endif
