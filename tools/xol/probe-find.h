/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Resolving perf probe specs into uprobe_events probes: ELF symbols, DWARF, SDT notes. */
#ifndef XOL_TOOLS_PROBE_FIND_H
#define XOL_TOOLS_PROBE_FIND_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <elfutils/libdw.h>
#include <gelf.h>

#include "elfsym.h"
#include "probe-spec.h"

/* A binary opened for probing, with the DWARF found for it (if any). */
struct pbin {
	char *path;             /* real path: what the definitions name */
	char stem[64];          /* perf's group stem: the basename up to the first non-word char */
	int fd, dfd;
	Elf *elf, *delf;        /* the binary; the separate debug file, if one was used */
	Dwarf *dw;              /* NULL: symbols only */
	char *debug_file;       /* where the DWARF came from */
	char looked[2048];      /* where DWARF was looked for, for the error message */
	Dwarf_CFI *cfi_eh, *cfi_dbg;    /* pbin_cfi(): read when a frame base first needs them */
	bool cfi_read;
	size_t nphdr;
	GElf_Phdr *phdr;
	struct pindex *index;   /* probe-index.c: each unit's functions, read once */
	struct elf_symtab *syms; /* pbin_syms(): both files' symbols, read once */
};

/*
 * pbin_open - open @path; look for DWARF in it, then by build-id under each
 * directory of @debug_dirs (':'-separated; NULL: $XOL_DEBUG_DIR, else
 * /usr/lib/debug), then through .gnu_debuglink (next to the binary, in its
 * .debug/, under each debug directory), then through debuginfod when
 * $DEBUGINFOD_URLS is set.  Returns 0 or -errno (message on @err).
 */
int pbin_open(struct pbin *b, const char *path, const char *debug_dirs, FILE *err);
void pbin_close(struct pbin *b);
/* The symbols of the binary, then of its debug file; read at the first call.  NULL: no memory. */
const struct elf_symtab *pbin_syms(struct pbin *b);
/* b->cfi_eh (.eh_frame) and b->cfi_dbg (.debug_frame), either may be NULL; read at the first call. */
void pbin_cfi(struct pbin *b);

/*
 * The functions of one unit (probe-index.c): the DW_TAG_subprogram DIEs
 * dwarf_getfuncs() visits, in its order, read once per binary.  pbin_funcs
 * returns NULL for a unit it cannot read (not C, not DWARF 4 or 5, ...):
 * then walk it with dwarf_getfuncs.
 */
struct pfunc {
	Dwarf_Off off;          /* the DIE, for dwarf_offdie */
	const char *name;       /* its DW_AT_name when nothing else can name it (no linkage
				 * name, origin or specification); NULL: ask libdw */
};

/* A line walk_lines reports: a function's declaration, an inlined call site. */
struct pline {
	const char *file;
	int line;
	Dwarf_Addr addr;
};

struct prange;

struct pfuncs {
	Dwarf_Off unit;         /* the unit's offset in .debug_info */
	bool ok;
	struct pfunc *v;
	int n, cap;
	/* the functions' address ranges, sorted, for pbin_func_at */
	struct prange *ranges;
	int nranges;
	bool ranges_read;
	/*
	 * What walk_lines reports for the whole unit, in its order
	 * (probe-find.c): the line table's statement rows, then the functions'
	 * lines; each with its indexes sorted by line, to find one line fast.
	 */
	struct pline *rows, *lines;
	int *rows_by_line, *lines_by_line;
	int nrows, nlines, lines_cap;
	bool lines_read, lines_ok;
};

struct pfuncs *pbin_funcs(struct pbin *b, Dwarf_Die *cu);
/*
 * The subprogram holding @addr, as a walk of @cu in DIE order would find it
 * first: 1 (in @out), 0 if none holds it, -1 if the unit is not indexed.
 */
int pbin_func_at(struct pbin *b, Dwarf_Die *cu, Dwarf_Addr addr, Dwarf_Die *out);
void pbin_index_free(struct pbin *b);

/* One resolved probe: a uprobe_events line without its "p:GROUP/EVENT ". */
struct ptev {
	bool retprobe;
	uint64_t addr, off;     /* virtual address (ELF/DWARF) and file offset */
	uint64_t refctr;        /* SDT semaphore, file offset; 0 none */
	char *realname;         /* the function it is in (events of globs take this name) */
	char *group, *event;    /* set by the spec or (SDT) by the note; NULL: perf's naming */
	char *args;             /* " name=fetch:type" ... */
};

struct ptevs {
	struct ptev *v;
	int n, cap;
};

void ptevs_free(struct ptevs *t);

/*
 * probe_find - the probes @ps names in @b, appended to @out.  Errors are
 * printed on @err, saying which binary, which debug information and which
 * names are close; returns 0 or -errno.  @max bounds the probes of one spec
 * (0: no bound).
 */
int probe_find(struct pbin *b, const struct pspec *ps, struct ptevs *out, int max, FILE *err);

/* -F: the functions of @b matching @filter (a glob, NULL: all but _*), sorted. */
int probe_list_funcs(struct pbin *b, const char *filter, FILE *out);
/* -V: the variables available at each probe point of @ps. */
int probe_list_vars(struct pbin *b, const struct pspec *ps, FILE *out, FILE *err);
/* -L: the source lines of @ps, numbered where a probe can go. */
int probe_list_lines(struct pbin *b, const struct pspec *ps, FILE *out, FILE *err);

/* SDT notes (.note.stapsdt), in sdt.c. */
struct sdt_note {
	char *provider, *name, *args;
	uint64_t pc, sem;               /* addresses, adjusted for prelink */
	uint64_t off, sem_off;          /* file offsets; sem_off 0: no semaphore */
};
int sdt_read(struct pbin *b, struct sdt_note **notes, int *n);
void sdt_free(struct sdt_note *notes, int n);
/* The marker's args as uprobe_events args: " arg1=%di:s32 ..."; NULL if one cannot be read. */
char *sdt_convert_args(struct pbin *b, const struct sdt_note *s, FILE *err);

/* File offset of virtual address @va; ~0 if no PT_LOAD maps it. */
uint64_t pbin_va_to_off(const struct pbin *b, uint64_t va);

/* Levenshtein distance, for "did you mean". */
int probe_distance(const char *a, const char *b);

#endif
