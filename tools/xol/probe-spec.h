/* SPDX-License-Identifier: GPL-2.0-or-later */
/* perf probe's probe-point language: [[GRP:]EVENT=]FUNC[@SRC][:RLN|+OFFS|%return|;PTN] ARG... */
#ifndef XOL_TOOLS_PROBE_SPEC_H
#define XOL_TOOLS_PROBE_SPEC_H

#include <stdbool.h>

#define PSPEC_MAX_ARGS   128
#define PSPEC_MAX_FIELDS 16

/* One step of VAR->a.b[3]: a member (through -> when ref) or an index. */
struct pspec_field {
	char *name;     /* "a", or "[3]" for an index */
	bool ref;       /* reached through "->" */
	long index;
};

struct pspec_arg {
	char *name;     /* NAME= given, or perf's synthesized name (NULL: none) */
	char *var;      /* variable, register, $retval, $params, +8(%di) ... */
	char *type;     /* :TYPE, or NULL */
	bool user;      /* VAR@user */
	int nfields;
	struct pspec_field fields[PSPEC_MAX_FIELDS];
};

struct pspec {
	char *text;             /* as given */
	char *group, *event;    /* [GRP:]EVENT= (NULL: generated) */
	char *func, *file;      /* FUNC (may be a glob), @SRC or SRC of SRC:ALN */
	int line;               /* :RLN (with FUNC) or :ALN (with SRC only); 0 none */
	unsigned long offset;   /* +OFFS */
	unsigned long long abs_addr;
	bool has_abs, retprobe;
	char *lazy;             /* ;PTN */
	bool sdt;               /* sdt_PROVIDER:NAME or %PROVIDER:NAME */
	char *sdt_group, *sdt_name;
	int nargs;
	struct pspec_arg args[PSPEC_MAX_ARGS];  /* the first nargs; the others not even zeroed */
};

/*
 * pspec_parse - split @text into @ps.  Returns 0, or -EINVAL with a
 * message in @err that names the part which is wrong.
 */
int pspec_parse(const char *text, struct pspec *ps, char *err, size_t errlen);
void pspec_free(struct pspec *ps);

/* Whether the argument is a C variable expression (resolved from DWARF). */
bool pspec_is_c_varname(const char *s);
/* Whether @s holds glob characters. */
bool pspec_is_glob(const char *s);
/* Glob match of @s against @pat ('*', '?', '[...]'). */
bool pspec_glob(const char *pat, const char *s);
/* perf's lazy match: a glob that ignores white space in the subject. */
bool pspec_lazy_match(const char *pat, const char *s);
/* The arg as the user wrote it, with ':' of the type turned into '_' (perf's name). */
char *pspec_arg_synth_name(const struct pspec_arg *a);

#endif
