/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What the parts of xol probe share: perf's DIE helpers (probe-dwarf.c),
 * the finder's state, line walk and scopes (probe-find.c), the arguments'
 * conversion (probe-args.c); the listings (probe-list.c) use them too.
 */
#ifndef XOL_TOOLS_PROBE_DWARF_H
#define XOL_TOOLS_PROBE_DWARF_H

#include <limits.h>

#include "probe-find.h"

/* --- probe-dwarf.c --- */

/* die_find_child's answers, as perf's dwarf-aux. */
enum { CB_END = 0, CB_CHILD = 1, CB_SIBLING = 2, CB_CONTINUE = 3 };

/* Walk @rt's children depth first, as perf's die_find_child; the DIE where @cb said CB_END, or NULL. */
Dwarf_Die *find_child(Dwarf_Die *rt, int (*cb)(Dwarf_Die *, void *), void *data, Dwarf_Die *mem);
/* dwarf_entrypc (0 or -1), in one scan of the DIE's values where it can. */
int die_entry(Dwarf_Die *d, Dwarf_Addr *pc);
/*
 * Whether @d's code is the one range [*@lo, *@hi) of its own low_pc and
 * high_pc, with no entry_pc: then die_entry() is *@lo and dwarf_haspc() a
 * comparison.  One pass over the attributes, where libdw's lookups for
 * both take five.
 */
bool die_one_range(Dwarf_Die *d, Dwarf_Addr *lo, Dwarf_Addr *hi);
/* die_entry, else the start of the DIE's first range: 0 or -ENOENT. */
int die_entrypc(Dwarf_Die *d, Dwarf_Addr *pc);
/* A subprogram or inlined instance with code. */
bool die_is_func_instance(Dwarf_Die *d);
/* A subprogram that is not a declaration: inline abstract, or with code. */
bool die_is_func_def(Dwarf_Die *d);
const char *die_linkage_name(Dwarf_Die *d);
/* The DIE's name, linkage name or (with "::") qualified name matches the glob @pat. */
bool die_match_name(Dwarf_Die *d, const char *pat);
Dwarf_Die *die_get_type(Dwarf_Die *d, Dwarf_Die *mem);
/* The type with const, volatile, restrict, shared and typedefs stripped. */
Dwarf_Die *die_get_real_type(Dwarf_Die *d, Dwarf_Die *mem);
bool die_is_signed_type(Dwarf_Die *t);
const char *die_decl_file(Dwarf_Die *d);
int die_decl_line(Dwarf_Die *d, int *line);
/* Whether the tail of @a is @b, path component-wise (perf's strtailcmp). */
bool tail_match(const char *a, const char *b);
/* Whether @d or a DIE under it has a location list: the unit was optimized. */
bool die_has_loclist_rec(Dwarf_Die *d);

/* --- probe-find.c --- */

/* The addresses a spec has probes at, so that each gets one: a glob can give thousands. */
struct addrset {
	uint64_t *slot;         /* open addressing; address + 1, 0 is free */
	size_t cap, n;          /* cap: 0 or a power of two, at least twice n */
};

struct finder {
	struct pbin *b;
	const struct pspec *ps;
	struct ptevs *out;
	FILE *err;
	int max;
	Dwarf_Die cu;
	Dwarf_Die sp;           /* the real function of the probe point */
	Dwarf_Op *fb_ops;       /* frame base at addr */
	Dwarf_Frame *frame;     /* owns fb_ops when the frame base is the CFA */
	Dwarf_Addr addr;
	const char *fname;      /* file of the function or of SRC */
	int lno;
	int found;              /* probe points found */
	struct addrset seen;    /* their addresses */
	int ret;
	int optimized;          /* of this CU: -1 not known yet */
	bool list_vars;         /* -V: print instead of adding */
	bool no_vars;           /* the args read no DWARF variable: no frame base to find */
	FILE *vout;
};

struct loc {
	const char *reg;        /* base register, or NULL for a global */
	uint64_t gaddr;         /* the global's address */
	int nref;
	long ref[PSPEC_MAX_FIELDS + 4]; /* derefs: ref[0] innermost */
	bool user[PSPEC_MAX_FIELDS + 4];
	char imm[64];           /* a constant: "\\N" */
};

/* "xol probe: BIN: 'SPEC': " and the message, on f->err. */
void ferr(struct finder *f, const char *fmt, ...);
/* Whether f->cu was optimized (it has location lists): known once per CU. */
bool cu_optimized(struct finder *f);
/* f->sp and, when the args read variables, the frame base at f->addr; then the probe (or, for -V, 1). */
int call_finder(struct finder *f, Dwarf_Die *sc);
/* The function scope to read variables from at f->addr: the innermost instance holding it. */
bool best_scope(struct finder *f, Dwarf_Die *out);

/* --- probe-args.c --- */

/* Where @vr is at @addr: a register, a frame-base offset, a global, a constant. */
int var_location(struct finder *f, Dwarf_Die *vr, Dwarf_Addr addr, struct loc *l);
/* Append the strings up to a NULL to *@args, reallocated; 0 or -ENOMEM.  No printf: a glob's
 * thousands of probes append a few pieces each. */
int append(char **args, ...) __attribute__((sentinel));
/* " NAME=VAR:TYPE", a spec's argument as written (a register, $retval, ...). */
int append_as_written(char **args, const struct pspec_arg *pa);
/* " NAME=FETCH:TYPE" for @pa at f->addr, read from scope @sc outwards, appended to *@args. */
int convert_arg(struct finder *f, Dwarf_Die *sc, const struct pspec_arg *pa, char **args);

/* --- probe-find.c: lines, sources, symbols --- */

typedef int (*line_cb)(const char *fname, int lineno, Dwarf_Addr addr, void *data);
/*
 * perf's die_walk_lines over @rt (a function, or the whole unit @cu):
 * statement rows, then declarations and call sites.  @only (not 0): the
 * callback wants no other line.
 */
int walk_lines(struct pbin *b, Dwarf_Die *rt, Dwarf_Die *cu, int only, line_cb cb, void *data);
/* The lines of source file @fname of @cu (its path in @path), or NULL. */
char **read_source(Dwarf_Die *cu, const char *fname, int *nlines, char *path, size_t plen);
/* The CU's source file whose path ends in @file, or NULL. */
const char *cu_find_file(Dwarf_Die *cu, const char *file);

struct sym {
	const char *name;
	uint64_t addr, size;
};

/* The functions among the symbols: .symtab's (binary, then debug file), else .dynsym's. */
int syms_read(struct pbin *b, struct sym **out, int *n);
/* Whether @s is a function syms_read takes from the table @dynsym says (.symtab, else .dynsym). */
bool sym_listed(const struct elf_sym *s, bool dynsym);

#endif
