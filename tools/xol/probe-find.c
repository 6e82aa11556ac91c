// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * From a perf probe spec to probes, the way perf probe 6.1 finds them, so
 * that the same spec gives the same uprobe_events line:
 *
 *   FUNC       each DWARF subprogram of that name (or glob) per CU; an
 *              inline abstract gives one probe per concrete instance (DIE
 *              order); at -O0 with variable args, after the prologue (the
 *              line table's next row).
 *   FUNC:RLN   every is_stmt row of line decl_line+RLN of FUNC's file, plus
 *   SRC:ALN    function entries and inline call sites declared on it.
 *   args       found from the innermost scope at the address outwards, then
 *              the CU's globals; located through DW_AT_location and the
 *              frame base (CFA from .eh_frame); fields, ->, [i]; the type
 *              from DWARF: s/x by signedness, bits by size, string on
 *              (unsigned) char pointers and arrays.
 *
 * Where perf is wrong, xol differs on purpose: globals become "@+FILEOFF"
 * (perf writes the kprobe-only "@sym"); C++ classes are structures; "::"
 * names a scope.  Without DWARF, functions come from .symtab/.dynsym.
 */
#include <ctype.h>
#include <dwarf.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "probe-dwarf.h"

/* --- the finder ---------------------------------------------------------- */


static size_t addr_hash(uint64_t a, size_t cap)
{
	a ^= a >> 31;
	a *= 0x9e3779b97f4a7c15ull;
	return (size_t)(a >> 17) & (cap - 1);
}

static bool addrset_has(const struct addrset *s, uint64_t a)
{
	for (size_t i = s->cap ? addr_hash(a, s->cap) : 0; s->cap && s->slot[i]; i = (i + 1) & (s->cap - 1))
		if (s->slot[i] == a + 1)
			return true;
	return false;
}

static int addrset_add(struct addrset *s, uint64_t a)
{
	size_t i;

	if (2 * (s->n + 1) > s->cap) {
		struct addrset big = { calloc(s->cap ? s->cap * 2 : 64, sizeof(uint64_t)),
				       s->cap ? s->cap * 2 : 64, 0 };
		if (!big.slot)
			return -ENOMEM;
		for (i = 0; i < s->cap; i++)
			if (s->slot[i])
				addrset_add(&big, s->slot[i] - 1);
		free(s->slot);
		*s = big;
	}
	for (i = addr_hash(a, s->cap); s->slot[i]; i = (i + 1) & (s->cap - 1))
		if (s->slot[i] == a + 1)
			return 0;
	s->slot[i] = a + 1;
	s->n++;
	return 0;
}



void ferr(struct finder *f, const char *fmt, ...)
{
	va_list ap;

	fprintf(f->err, "xol probe: %s: '%s': ", f->b->path, f->ps->text);
	va_start(ap, fmt);
	vfprintf(f->err, fmt, ap);
	va_end(ap);
	fputc('\n', f->err);
}

bool cu_optimized(struct finder *f)
{
	if (f->optimized < 0)
		f->optimized = die_has_loclist_rec(&f->cu);
	return f->optimized;
}

struct vars_collect {
	struct finder *f;
	bool vars;
	const struct pspec_arg **out;
	struct pspec_arg *store;
	int n, max;
};

static int collect_vars_cb(Dwarf_Die *d, void *data)
{
	struct vars_collect *vc = data;
	int tag = dwarf_tag(d);
	struct loc l;

	if ((tag == DW_TAG_formal_parameter || (tag == DW_TAG_variable && vc->vars)) &&
	    var_location(vc->f, d, vc->f->addr, &l) == 0 && dwarf_diename(d) && vc->n < vc->max) {
		struct pspec_arg *a = &vc->store[vc->n];
		memset(a, 0, sizeof(*a));
		a->var = (char *)dwarf_diename(d);
		vc->out[vc->n++] = a;
	}
	return dwarf_haspc(d, vc->f->addr) > 0 ? CB_CONTINUE : CB_SIBLING;
}

static const char *sym_at(struct pbin *b, uint64_t addr, uint64_t *start);

static int add_probe(struct finder *f, Dwarf_Die *sc)
{
	const struct pspec *ps = f->ps;
	struct ptev *t;
	Dwarf_Addr eaddr;
	const char *symbol, *scope;
	Dwarf_Addr lo, hi;
	bool named, one;
	const struct pspec_arg *args[PSPEC_MAX_ARGS];
	static struct pspec_arg store[PSPEC_MAX_ARGS];
	int n = 0, ret = 0;

	if (f->max && f->found >= f->max) {
		ferr(f, "too many probe points (more than %d)", f->max);
		return -E2BIG;
	}
	/* a line's statement row and a call site declared on it can share an address: one probe */
	if (addrset_has(&f->seen, f->addr))
		return 0;
	one = die_one_range(&f->sp, &lo, &hi);
	if (one ? f->addr < lo || f->addr >= hi : !dwarf_haspc(&f->sp, f->addr)) {
		ferr(f, "the offset is outside %s", dwarf_diename(&f->sp));
		return -EINVAL;
	}
	if (one)
		eaddr = lo;
	named = one || die_entry(&f->sp, &eaddr) == 0;
	symbol = named ? dwarf_diename(&f->sp) : sym_at(f->b, f->addr, &eaddr);
	if (!symbol) {
		ferr(f, "no symbol at 0x%llx", (unsigned long long)f->addr);
		return -ENOENT;
	}
	if (ps->retprobe && eaddr != f->addr) {
		ferr(f, "%s is inlined there: an inlined instance has no return to probe; "
		     "probe its caller's %%return, or a line after the call", ps->func);
		return -EINVAL;
	}
	/* $params and $vars expand in place */
	for (int i = 0; i < ps->nargs; i++) {
		if (strcmp(ps->args[i].var, "$vars") && strcmp(ps->args[i].var, "$params")) {
			if (n < PSPEC_MAX_ARGS)
				args[n++] = &ps->args[i];
			continue;
		}
		struct vars_collect vc = { f, !strcmp(ps->args[i].var, "$vars"), args, store, n,
					   PSPEC_MAX_ARGS };
		Dwarf_Die mem;
		find_child(sc, collect_vars_cb, &vc, &mem);
		n = vc.n;
	}
	if (f->out->n == f->out->cap) {
		int cap = f->out->cap ? f->out->cap * 2 : 16;
		struct ptev *v = realloc(f->out->v, (size_t)cap * sizeof(*v));
		if (!v)
			return -ENOMEM;
		f->out->v = v;
		f->out->cap = cap;
	}
	t = &f->out->v[f->out->n];
	memset(t, 0, sizeof(*t));
	t->retprobe = ps->retprobe;
	t->addr = f->addr;
	t->off = pbin_va_to_off(f->b, f->addr);
	/* the scope of an entry or a return is the function itself, whose name is known */
	scope = named && dwarf_dieoffset(sc) == dwarf_dieoffset(&f->sp) ? symbol : dwarf_diename(sc);
	t->realname = strdup(scope ? scope : symbol);
	t->args = strdup("");
	for (int i = 0; i < n && !ret; i++)
		ret = convert_arg(f, sc, args[i], &t->args);
	if (ret) {
		free(t->realname);
		free(t->args);
		return ret;
	}
	if (addrset_add(&f->seen, f->addr)) {
		free(t->realname);
		free(t->args);
		return -ENOMEM;
	}
	f->out->n++;
	f->found++;
	return 0;
}

static int realfunc_cb(Dwarf_Die *d, void *data)
{
	Dwarf_Addr *addr = data;

	if (dwarf_tag(d) == DW_TAG_subprogram && dwarf_haspc(d, *addr) > 0)
		return CB_END;
	return CB_CONTINUE;
}

/*
 * The subprogram holding @addr (dwarf_getscopes would follow inlines to
 * their abstract origins): the first in DIE order, from the binary's index
 * when it has the unit, else by walking the unit.
 */
static Dwarf_Die *die_find_realfunc(struct pbin *b, Dwarf_Die *cu, Dwarf_Addr addr, Dwarf_Die *mem)
{
	int r = pbin_func_at(b, cu, addr, mem);

	if (r >= 0)
		return r ? mem : NULL;
	return find_child(cu, realfunc_cb, &addr, mem);
}

static int inline_cb(Dwarf_Die *d, void *data)
{
	Dwarf_Addr *addr = data;

	if (dwarf_tag(d) == DW_TAG_inlined_subroutine && dwarf_haspc(d, *addr) > 0)
		return CB_END;
	return CB_CONTINUE;
}

/* The function, then each inlined instance inside it, that holds @addr: outermost first. */
static int func_scopes_at(struct pbin *b, Dwarf_Die *cu, Dwarf_Addr addr, Dwarf_Die *out, int max)
{
	Dwarf_Die mem;
	int n = 0;

	if (!die_find_realfunc(b, cu, addr, &out[0]))
		return 0;
	n = 1;
	while (n < max && find_child(&out[n - 1], inline_cb, &addr, &mem))
		out[n++] = mem;
	return n;
}

int call_finder(struct finder *f, Dwarf_Die *sc)
{
	Dwarf_Attribute fb;
	size_t nops;

	if (dwarf_tag(sc) != DW_TAG_subprogram) {
		/* the real function holding addr (an inlined instance is not one) */
		if (!die_find_realfunc(f->b, &f->cu, f->addr, &f->sp)) {
			ferr(f, "0x%llx is in no function", (unsigned long long)f->addr);
			return -ENOENT;
		}
	} else {
		f->sp = *sc;
	}
	f->fb_ops = NULL;
	free(f->frame);
	f->frame = NULL;
	if (f->no_vars)
		return add_probe(f, sc);
	if (dwarf_attr(&f->sp, DW_AT_frame_base, &fb) &&
	    dwarf_getlocation_addr(&fb, f->addr, &f->fb_ops, &nops, 1) > 0 && nops) {
		if (nops == 1 && f->fb_ops[0].atom == DW_OP_call_frame_cfa) {
			Dwarf_Frame *frame = NULL;
			pbin_cfi(f->b);
			if ((!f->b->cfi_eh || dwarf_cfi_addrframe(f->b->cfi_eh, f->addr, &frame)) &&
			    (!f->b->cfi_dbg || dwarf_cfi_addrframe(f->b->cfi_dbg, f->addr, &frame))) {
				ferr(f, "no call frame information at 0x%llx", (unsigned long long)f->addr);
				return -ENOENT;
			}
			if (dwarf_frame_cfa(frame, &f->fb_ops, &nops)) {
				free(frame);
				ferr(f, "no CFA at 0x%llx", (unsigned long long)f->addr);
				return -ENOENT;
			}
			f->frame = frame;       /* it owns the ops: freed with the next */
		}
	} else {
		f->fb_ops = NULL;
	}
	if (f->list_vars)
		return 1;
	return add_probe(f, sc);
}

/* --- line walking -------------------------------------------------------- */


struct funclines {
	line_cb cb;
	void *data;
	bool recursive;
	int ret;
};

static int funclines_cb(Dwarf_Die *in, void *data)
{
	struct funclines *lw = data;
	Dwarf_Addr addr = 0;
	const char *fname;
	int line;

	if (dwarf_tag(in) == DW_TAG_inlined_subroutine) {
		Dwarf_Attribute a;
		Dwarf_Word cl = 0;
		Dwarf_Files *files;
		Dwarf_Word cf = 0;
		fname = NULL;
		if (dwarf_attr(in, DW_AT_call_file, &a) && !dwarf_formudata(&a, &cf)) {
			Dwarf_Die cu;
			if (dwarf_diecu(in, &cu, NULL, NULL) && !dwarf_getsrcfiles(&cu, &files, NULL))
				fname = dwarf_filesrc(files, cf, NULL, NULL);
		}
		if (dwarf_attr(in, DW_AT_call_line, &a))
			dwarf_formudata(&a, &cl);
		if (fname && cl > 0 && die_entrypc(in, &addr) == 0) {
			lw->ret = lw->cb(fname, (int)cl, addr, lw->data);
			if (lw->ret)
				return CB_END;
		}
		if (!lw->recursive)
			return CB_SIBLING;
	}
	if (addr) {
		fname = die_decl_file(in);
		if (fname && die_decl_line(in, &line) == 0 && line > 0) {
			lw->ret = lw->cb(fname, line, addr, lw->data);
			if (lw->ret)
				return CB_END;
		}
	}
	return CB_CONTINUE;
}

static int walk_funclines(Dwarf_Die *sp, bool recursive, line_cb cb, void *data)
{
	struct funclines lw = { cb, data, recursive, 0 };
	Dwarf_Die mem;
	Dwarf_Addr addr;
	const char *fname = die_decl_file(sp);
	int line;

	if (fname && die_decl_line(sp, &line) == 0 && die_entrypc(sp, &addr) == 0) {
		lw.ret = cb(fname, line, addr, data);
		if (lw.ret)
			return lw.ret;
	}
	find_child(sp, funclines_cb, &lw, &mem);
	return lw.ret;
}

struct culines {
	line_cb cb;
	void *data;
	int ret;
};

static int culines_cb(Dwarf_Die *sp, void *data)
{
	struct culines *c = data;

	c->ret = walk_funclines(sp, true, c->cb, c->data);
	return c->ret ? DWARF_CB_ABORT : DWARF_CB_OK;
}

static int inline_at_cb(Dwarf_Die *d, void *data)
{
	Dwarf_Addr *addr = data;

	if (dwarf_tag(d) == DW_TAG_inlined_subroutine && dwarf_haspc(d, *addr) > 0)
		return CB_END;
	return dwarf_haspc(d, *addr) > 0 ? CB_CONTINUE : CB_SIBLING;
}

static int collect_line(const char *fname, int lineno, Dwarf_Addr addr, void *data)
{
	struct pfuncs *fx = data;

	if (fx->nlines == fx->lines_cap) {
		int cap = fx->lines_cap ? fx->lines_cap * 2 : 256;
		struct pline *v = realloc(fx->lines, (size_t)cap * sizeof(*v));
		if (!v)
			return -ENOMEM;
		fx->lines = v;
		fx->lines_cap = cap;
	}
	fx->lines[fx->nlines++] = (struct pline){ fname, lineno, addr };
	return 0;
}

struct lkey {
	int line, idx;
};

static int cmp_lkey(const void *a, const void *b)
{
	const struct lkey *x = a, *y = b;

	return x->line != y->line ? (x->line > y->line) - (x->line < y->line) : x->idx - y->idx;
}

/* Indexes of @v sorted by line, each line's in their order. */
static int *by_line(const struct pline *v, int n)
{
	struct lkey *k = malloc(((size_t)n + 1) * sizeof(*k));
	int *out = malloc(((size_t)n + 1) * sizeof(*out));

	if (!k || !out) {
		free(k);
		free(out);
		return NULL;
	}
	for (int i = 0; i < n; i++)
		k[i] = (struct lkey){ v[i].line, i };
	qsort(k, (size_t)n, sizeof(*k), cmp_lkey);
	for (int i = 0; i < n; i++)
		out[i] = k[i].idx;
	free(k);
	return out;
}

/* A row of a line table where a probe may go (a statement, not an end of sequence). */
static bool statement_row(Dwarf_Line *ln, int *lineno, Dwarf_Addr *addr)
{
	bool flag;

	return ln && !dwarf_lineno(ln, lineno) && !dwarf_lineaddr(ln, addr) &&
	       !dwarf_lineendsequence(ln, &flag) && !flag &&
	       !dwarf_linebeginstatement(ln, &flag) && flag;
}

/* The line table's statement rows, as walk_lines reports them. */
static bool read_rows(Dwarf_Die *cu, struct pfuncs *fx)
{
	Dwarf_Lines *lines;
	size_t n;

	if (dwarf_getsrclines(cu, &lines, &n))
		return false;
	fx->rows = malloc((n + 1) * sizeof(*fx->rows));
	if (!fx->rows)
		return false;
	for (size_t i = 0; i < n; i++) {
		Dwarf_Line *ln = dwarf_onesrcline(lines, i);
		int lineno;
		Dwarf_Addr addr;

		if (!statement_row(ln, &lineno, &addr))
			continue;
		fx->rows[fx->nrows++] = (struct pline){ dwarf_linesrc(ln, NULL, NULL), lineno, addr };
	}
	return true;
}

/*
 * What walk_lines reports for a whole unit, walked once and kept: a spec
 * FUNC:RLN over a glob walks the unit once per function.  NULL if the unit
 * is not indexed, or its line table unreadable.
 */
static const struct pfuncs *unit_lines(struct pbin *b, Dwarf_Die *cu)
{
	struct pfuncs *fx = pbin_funcs(b, cu);

	if (!fx)
		return NULL;
	if (!fx->lines_read) {
		fx->lines_read = true;
		fx->lines_ok = read_rows(cu, fx);
		for (int i = 0; i < fx->n && fx->lines_ok; i++) {
			Dwarf_Die sp;
			fx->lines_ok = dwarf_offdie(b->dw, fx->v[i].off, &sp) &&
				       !walk_funclines(&sp, true, collect_line, fx);
		}
		if (fx->lines_ok) {
			fx->rows_by_line = by_line(fx->rows, fx->nrows);
			fx->lines_by_line = by_line(fx->lines, fx->nlines);
			fx->lines_ok = fx->rows_by_line && fx->lines_by_line;
		}
	}
	return fx->lines_ok ? fx : NULL;
}

/* Report @v's lines in their order: all, or (@only) just those of line @only. */
static int replay(const struct pline *v, const int *order, int n, int only, line_cb cb, void *data)
{
	int lo = 0, hi = n, ret;

	if (!only) {
		for (int i = 0; i < n; i++)
			if ((ret = cb(v[i].file, v[i].line, v[i].addr, data)))
				return ret;
		return 0;
	}
	while (lo < hi) {
		int m = lo + (hi - lo) / 2;
		if (v[order[m]].line < only)
			lo = m + 1;
		else
			hi = m;
	}
	for (int i = lo; i < n && v[order[i]].line == only; i++)
		if ((ret = cb(v[order[i]].file, only, v[order[i]].addr, data)))
			return ret;
	return 0;
}

/*
 * perf's die_walk_lines: the line table's statement rows, then declarations
 * and call sites.  @only (not 0): the callback wants no other line, so the
 * others may be left out.
 */
int walk_lines(struct pbin *b, Dwarf_Die *rt, Dwarf_Die *cu, int only, line_cb cb, void *data)
{
	Dwarf_Lines *lines;
	size_t n;
	int ret = 0;

	if (rt == cu) {
		const struct pfuncs *fx = unit_lines(b, cu);
		if (fx) {
			ret = replay(fx->rows, fx->rows_by_line, fx->nrows, only, cb, data);
			return ret ? ret : replay(fx->lines, fx->lines_by_line, fx->nlines, only, cb, data);
		}
	}
	if (dwarf_getsrclines(cu, &lines, &n))
		return -ENOENT;
	for (size_t i = 0; i < n; i++) {
		Dwarf_Line *ln = dwarf_onesrcline(lines, i);
		int lineno;
		Dwarf_Addr addr;
		Dwarf_Die mem;

		if (!statement_row(ln, &lineno, &addr))
			continue;
		if (rt != cu) {
			Dwarf_Addr a = addr;
			if (dwarf_haspc(rt, addr) <= 0 || find_child(rt, inline_at_cb, &a, &mem))
				continue;
		}
		ret = cb(dwarf_linesrc(ln, NULL, NULL), lineno, addr, data);
		if (ret)
			return ret;
	}
	if (rt != cu)
		return walk_funclines(rt, false, cb, data);
	struct culines c = { cb, data, 0 };
	dwarf_getfuncs(cu, culines_cb, &c, 0);
	return c.ret;
}

/* The function scope to read variables from at f->addr: the innermost instance holding it. */
bool best_scope(struct finder *f, Dwarf_Die *out)
{
	Dwarf_Die scopes[32];
	int n = func_scopes_at(f->b, &f->cu, f->addr, scopes, 32);
	bool found = false;
	int diff = INT_MAX;

	for (int i = 0; i < n; i++) {
		Dwarf_Die *d = &scopes[i];
		int lno;
		if (f->fname) {
			const char *file = die_decl_file(d);
			if (!file || strcmp(file, f->fname))
				continue;
		}
		if (f->ps->func) {
			if (die_match_name(d, f->ps->func)) {
				*out = *d;
				return true;
			}
		} else if (die_decl_line(d, &lno) == 0 && lno < f->lno && diff > f->lno - lno) {
			diff = f->lno - lno;
			*out = *d;
			found = true;
		}
	}
	if (!found && n) {
		*out = scopes[0];
		found = true;
	}
	return found;
}

/* The line a debugger would show for @addr: a function's entry shows its declaration. */
static int line_at(struct pbin *b, Dwarf_Die *cu, Dwarf_Addr addr, const char **fname, int *lineno)
{
	Dwarf_Die fn;
	Dwarf_Addr fa, la;
	Dwarf_Lines *lines;
	size_t n, l, u, m;
	bool flag;

	*fname = NULL;
	*lineno = 0;
	if (die_find_realfunc(b, cu, addr, &fn) && die_entrypc(&fn, &fa) == 0 && fa == addr) {
		*fname = die_decl_file(&fn);
		die_decl_line(&fn, lineno);
		return (*fname && *lineno) ? 0 : -ENOENT;
	}
	if (dwarf_getsrclines(cu, &lines, &n) || !n)
		return -ENOENT;
	l = 0, u = n - 1;
	while (l < u) {
		m = u - (u - l) / 2;
		if (dwarf_lineaddr(dwarf_onesrcline(lines, m), &la))
			return -ENOENT;
		if (addr < la)
			u = m - 1;
		else
			l = m;
	}
	while (l > 0 && !dwarf_lineaddr(dwarf_onesrcline(lines, l - 1), &la) && la == addr)
		l--;
	for (;; l++) {
		Dwarf_Line *ln = dwarf_onesrcline(lines, l);
		if (!ln || dwarf_lineaddr(ln, &la) || dwarf_linebeginstatement(ln, &flag) || la > addr)
			return -ENOENT;
		if (flag) {
			dwarf_lineno(ln, lineno);
			*fname = dwarf_linesrc(ln, NULL, NULL);
			break;
		}
	}
	return (*fname && *lineno) ? 0 : -ENOENT;
}

static int line_walker(const char *fname, int lineno, Dwarf_Addr addr, void *data)
{
	struct finder *f = data;
	Dwarf_Die sc;
	int ret;

	if (lineno != f->lno || !fname || !tail_match(fname, f->fname))
		return 0;
	/* perf refuses a line whose address belongs to another line: the probe would be that line's */
	const char *rf;
	int rl;
	if (line_at(f->b, &f->cu, addr, &rf, &rl) == 0 && !strcmp(fname, rf) && rl != lineno) {
		Dwarf_Die sc;
		f->addr = addr;
		if (f->ps->func && best_scope(f, &sc) && die_match_name(&sc, f->ps->func)) {
			int dl = 0;
			die_decl_line(&sc, &dl);
			ferr(f, "line %d has no code of its own: its first instruction (0x%llx) is line %d's; "
			     "probe %s:%d instead", lineno, (unsigned long long)addr, rl, dwarf_diename(&sc), rl - dl);
		} else {
			ferr(f, "line %d has no code of its own: its first instruction (0x%llx) is line %d's; "
			     "probe %s:%d instead", lineno, (unsigned long long)addr, rl, rf, rl);
		}
		return -ENOENT;
	}
	f->addr = addr;
	if (!best_scope(f, &sc)) {
		ferr(f, "line %d at 0x%llx is in no function", lineno, (unsigned long long)addr);
		return -ENOENT;
	}
	ret = call_finder(f, &sc);
	if (f->list_vars && ret == 1)
		ret = 0;
	return ret < 0 ? ret : 0;
}

/* The source file's lines, read once for lazy patterns and -L. */
char **read_source(Dwarf_Die *cu, const char *fname, int *nlines, char *path, size_t plen)
{
	FILE *fp;
	char **v = NULL, *line = NULL;
	size_t cap = 0;
	int n = 0, vcap = 0;
	ssize_t r;

	if (fname[0] == '/') {
		snprintf(path, plen, "%s", fname);
	} else {
		Dwarf_Attribute a;
		const char *dir = dwarf_attr(cu, DW_AT_comp_dir, &a) ? dwarf_formstring(&a) : NULL;
		snprintf(path, plen, "%s/%s", dir ? dir : ".", fname);
	}
	fp = fopen(path, "r");
	if (!fp)
		return NULL;
	while ((r = getline(&line, &cap, fp)) >= 0) {
		if (n == vcap) {
			vcap = vcap ? vcap * 2 : 256;
			v = realloc(v, (size_t)vcap * sizeof(*v));
		}
		if (r && line[r - 1] == '\n')
			line[r - 1] = 0;
		v[n++] = strdup(line);
	}
	free(line);
	fclose(fp);
	*nlines = n;
	return v;
}

struct lazy {
	struct finder *f;
	char **src;
	int nsrc;
	const char *fname;
};

static int lazy_walker(const char *fname, int lineno, Dwarf_Addr addr, void *data)
{
	struct lazy *lz = data;
	struct finder *f = lz->f;
	Dwarf_Die sc;
	int ret;

	if (!fname || !tail_match(fname, lz->fname) || lineno <= 0 || lineno > lz->nsrc ||
	    !pspec_lazy_match(f->ps->lazy, lz->src[lineno - 1]))
		return 0;
	f->addr = addr;
	f->lno = lineno;
	if (!best_scope(f, &sc))
		return 0;
	ret = call_finder(f, &sc);
	if (f->list_vars && ret == 1)
		ret = 0;
	return ret < 0 ? ret : 0;
}

static int find_lazy(struct finder *f, Dwarf_Die *sc)
{
	char path[PATH_MAX];
	struct lazy lz = { f, NULL, 0, f->fname };
	int ret;

	lz.src = read_source(&f->cu, f->fname, &lz.nsrc, path, sizeof(path));
	if (!lz.src) {
		ferr(f, "the pattern needs the source: cannot read %s", path);
		return -ENOENT;
	}
	ret = walk_lines(f->b, sc, &f->cu, 0, lazy_walker, &lz);
	for (int i = 0; i < lz.nsrc; i++)
		free(lz.src[i]);
	free(lz.src);
	return ret;
}

/* --- functions ----------------------------------------------------------- */

struct inst_walk {
	Dwarf_Die *origin;
	struct finder *f;
	int ret;
};

static int instance_cb(struct finder *f, Dwarf_Die *in)
{
	const struct pspec *ps = f->ps;
	Dwarf_Addr addr;

	if (ps->lazy)
		return find_lazy(f, in);
	if (die_entrypc(in, &addr) || !addr)
		return -ENODATA;        /* an instance without code: not an error */
	f->addr = addr + ps->offset;
	int r = call_finder(f, in);
	return r == 1 ? 0 : r;
}

static int walk_instances_cb(Dwarf_Die *in, void *data)
{
	struct inst_walk *w = data;
	Dwarf_Attribute a;
	Dwarf_Die om, *o;

	if (!die_is_func_instance(in))
		return CB_CONTINUE;
	if (!dwarf_attr(in, DW_AT_abstract_origin, &a))
		return CB_CONTINUE;
	o = dwarf_formref_die(&a, &om);
	if (!o || o->addr != w->origin->addr)
		return CB_CONTINUE;
	if (dwarf_tag(in) == DW_TAG_inlined_subroutine) {
		/* a redundant instance at the function's own declaration */
		int dl;
		Dwarf_Word cl = 0, cf = 0, df = 0;
		if (!dwarf_decl_line(o, &dl) && dwarf_attr(in, DW_AT_call_line, &a) &&
		    !dwarf_formudata(&a, &cl) && (int)cl == dl && dwarf_attr(o, DW_AT_decl_file, &a) &&
		    !dwarf_formudata(&a, &df) && dwarf_attr(in, DW_AT_call_file, &a) &&
		    !dwarf_formudata(&a, &cf) && cf == df)
			return CB_CONTINUE;
	}
	w->ret = instance_cb(w->f, in);
	return w->ret ? CB_END : CB_CONTINUE;
}

struct search {
	struct finder *f;
	int ret;
	bool matched;
	/*
	 * The DIE came from the function index with its name matched: a
	 * subprogram, not a declaration, that nothing but that name names.
	 */
	bool indexed;
};

static int search_cb(Dwarf_Die *sp, void *data)
{
	struct search *s = data;
	struct finder *f = s->f;
	const struct pspec *ps = f->ps;
	const char *fname;
	Dwarf_Addr addr = 0;
	bool code;

	/* the name first: it is the cheap test, and it rules out nearly every DIE */
	if (!s->indexed && (!die_match_name(sp, ps->func) || dwarf_tag(sp) != DW_TAG_subprogram ||
			    dwarf_hasattr(sp, DW_AT_declaration)))
		return DWARF_CB_OK;
	/* die_is_func_def, then die_is_func_instance, with one look for the entry */
	code = die_entrypc(sp, &addr) == 0;
	if (!code && !dwarf_hasattr(sp, DW_AT_inline))
		return DWARF_CB_OK;
	/* the first file name read makes libdw read the CU's whole line table: only when used */
	fname = ps->file || ps->line || ps->lazy ? die_decl_file(sp) : NULL;
	if (ps->file && (!fname || !tail_match(fname, ps->file)))
		return DWARF_CB_OK;
	s->matched = true;
	f->fname = fname;
	if (ps->line) {
		int dl = 0;
		die_decl_line(sp, &dl);
		f->lno = dl + ps->line;
		s->ret = walk_lines(f->b, &f->cu, &f->cu, f->lno, line_walker, f);
	} else if (code || dwarf_hasattr(sp, DW_AT_ranges)) {
		if (!addr) {
			s->ret = 0;
		} else if (ps->lazy) {
			s->ret = find_lazy(f, sp);
		} else {
			f->addr = addr;
			if (!ps->retprobe && !ps->offset && (!f->no_vars || f->list_vars) && !cu_optimized(f)) {
				/* -O0: arguments are only where DWARF says after the prologue */
				Dwarf_Addr high;
				Dwarf_Lines *lines;
				size_t n, i;
				if (!dwarf_highpc(sp, &high) && !dwarf_getsrclines(&f->cu, &lines, &n)) {
					for (i = 0; i < n; i++) {
						Dwarf_Addr a;
						if (!dwarf_lineaddr(dwarf_onesrcline(lines, i), &a) && a == addr)
							break;
					}
					if (i < n) {
						int elno, lno;
						size_t e = i;
						Dwarf_Line *ln = dwarf_onesrcline(lines, e);
						Dwarf_Addr a = addr;
						bool pend;
						dwarf_lineno(ln, &elno);
						for (; i < n; i++) {
							ln = dwarf_onesrcline(lines, i);
							if (dwarf_lineaddr(ln, &a) || dwarf_lineno(ln, &lno) ||
							    dwarf_lineprologueend(ln, &pend))
								break;
							if (a >= high || pend || lno != elno || i != e)
								break;
						}
						if (i < n) {
							dwarf_lineaddr(ln, &a);
							if (a >= high && i > 0)
								dwarf_lineaddr(dwarf_onesrcline(lines, i - 1), &a);
							f->addr = a;
						}
					}
				}
			}
			f->addr += ps->offset;
			s->ret = call_finder(f, sp);
			if (s->ret == 1)
				s->ret = 0;
		}
	} else {
		struct inst_walk w = { sp, f, 0 };
		Dwarf_Die mem;
		find_child(&f->cu, walk_instances_cb, &w, &mem);
		s->ret = w.ret == -ENODATA ? 0 : w.ret;
	}
	if (pspec_is_glob(ps->func) && s->ret >= 0) {
		s->ret = 0;
		return DWARF_CB_OK;
	}
	return DWARF_CB_ABORT;
}

/* Whether @s starts with the @n bytes of @prefix: a loop in line, for thousands of short names. */
static inline bool starts_with(const char *s, const char *prefix, size_t n)
{
	size_t i = 0;

	while (i < n && s[i] == prefix[i])
		i++;
	return i == n;
}

/*
 * search_cb over the CU's functions: from the binary's function index when
 * it could read the unit, where a plain name that does not match needs no
 * DIE at all; else through dwarf_getfuncs.
 */
static void search_funcs(struct finder *f, struct search *s)
{
	const struct pfuncs *fx = pbin_funcs(f->b, &f->cu);
	const char *func = f->ps->func;
	bool scoped = strstr(func, "::") != NULL;
	size_t lit = strcspn(func, "*?[\\");  /* the glob's plain start: most names differ in it */

	if (!fx) {
		dwarf_getfuncs(&f->cu, search_cb, s, 0);
		return;
	}
	for (int i = 0; i < fx->n; i++) {
		const char *name = fx->v[i].name;
		Dwarf_Die sp;
		if (name && !scoped && (!starts_with(name, func, lit) || !pspec_glob(func, name)))
			continue;
		s->indexed = name && !scoped;
		if (!dwarf_offdie(f->b->dw, fx->v[i].off, &sp) || search_cb(&sp, s) != DWARF_CB_OK)
			break;
	}
}

/* Whether the CU has a source file ending in @file. */
const char *cu_find_file(Dwarf_Die *cu, const char *file)
{
	Dwarf_Files *files;
	size_t n;

	if (dwarf_getsrcfiles(cu, &files, &n))
		return NULL;
	for (size_t i = 0; i < n; i++) {
		const char *s = dwarf_filesrc(files, i, NULL, NULL);
		if (s && tail_match(s, file))
			return s;
	}
	return NULL;
}

/* --- symbols (no DWARF, or not in DWARF) --------------------------------- */


bool sym_listed(const struct elf_sym *s, bool dynsym)
{
	return s->dynsym == dynsym && (s->type == STT_FUNC || s->type == STT_GNU_IFUNC) && s->defined &&
	       s->value && s->name[0];
}

/* Whether syms_read takes .dynsym's functions: .symtab has none. */
static bool syms_dynsym(const struct elf_symtab *t)
{
	for (size_t i = 0; i < t->n; i++)
		if (sym_listed(&t->v[i], false))
			return false;
	return true;
}

int syms_read(struct pbin *b, struct sym **out, int *n)
{
	const struct elf_symtab *t = pbin_syms(b);
	bool dynsym;

	*out = NULL;
	*n = 0;
	if (!t)
		return -ENOMEM;
	*out = malloc((t->n + 1) * sizeof(**out));
	if (!*out)
		return -ENOMEM;
	dynsym = syms_dynsym(t);
	for (size_t i = 0; i < t->n; i++)
		if (sym_listed(&t->v[i], dynsym))
			(*out)[(*n)++] = (struct sym){ t->v[i].name, t->v[i].value, t->v[i].size };
	return 0;
}

static const char *sym_at(struct pbin *b, uint64_t addr, uint64_t *start)
{
	struct sym *syms;
	const char *best = NULL;
	int n;

	syms_read(b, &syms, &n);
	for (int i = 0; i < n; i++)
		if (addr >= syms[i].addr && addr < syms[i].addr + (syms[i].size ? syms[i].size : 1)) {
			*start = syms[i].addr;
			best = syms[i].name;
			break;
		}
	free(syms);
	return best;
}

static int find_by_symbols(struct finder *f)
{
	const struct pspec *ps = f->ps;
	struct sym *syms;
	int n;

	if (ps->line || ps->lazy || (!ps->func && ps->file)) {
		ferr(f, "a line or a pattern needs DWARF, and %s has none; looked for:\n%s",
		     f->b->path, f->b->looked);
		return -ENOENT;
	}
	for (int i = 0; i < ps->nargs; i++)
		if (pspec_is_c_varname(ps->args[i].var)) {
			ferr(f, "the argument '%s' needs DWARF, and %s has none; looked for:\n%s\n"
			     "  (registers and memory, as %%di or +8(%%si):u32, need none)",
			     ps->args[i].var, f->b->path, f->b->looked);
			return -ENOENT;
		}
	syms_read(f->b, &syms, &n);
	for (int i = 0; i < n; i++) {
		struct ptev *t;
		if (!pspec_glob(ps->func, syms[i].name) || addrset_has(&f->seen, syms[i].addr + ps->offset))
			continue;
		if (f->max && f->found >= f->max) {
			ferr(f, "too many probe points (more than %d)", f->max);
			free(syms);
			return -E2BIG;
		}
		if (f->out->n == f->out->cap) {
			f->out->cap = f->out->cap ? f->out->cap * 2 : 16;
			f->out->v = realloc(f->out->v, (size_t)f->out->cap * sizeof(*t));
		}
		t = &f->out->v[f->out->n++];
		memset(t, 0, sizeof(*t));
		t->retprobe = ps->retprobe;
		t->addr = syms[i].addr + ps->offset;
		t->off = pbin_va_to_off(f->b, t->addr);
		t->realname = strdup(syms[i].name);
		t->args = strdup("");
		for (int k = 0; k < ps->nargs; k++)
			append_as_written(&t->args, &ps->args[k]);
		f->found++;
		if (addrset_add(&f->seen, t->addr)) {
			free(syms);
			return -ENOMEM;
		}
	}
	free(syms);
	return 0;
}

/* "did you mean": function names (DWARF and symbols) close to @name. */
static void close_funcs(struct finder *f, const char *name, char *buf, size_t len)
{
	struct sym *syms;
	int n, best = 3 + (int)strlen(name) / 4;

	buf[0] = 0;
	syms_read(f->b, &syms, &n);
	for (int i = 0; i < n; i++) {
		int d = probe_distance(syms[i].name, name);
		if (d <= best && !strstr(buf, syms[i].name) && strlen(buf) + strlen(syms[i].name) + 4 < len) {
			strcat(buf, buf[0] ? ", " : "");
			strcat(buf, syms[i].name);
		}
	}
	free(syms);
}

static int run_finder(struct finder *f)
{
	const struct pspec *ps = f->ps;
	Dwarf_Off off = 0, noff;
	size_t hl;
	bool matched = false;
	int ret = 0;

	if (!f->b->dw)
		return find_by_symbols(f);
	while (dwarf_nextcu(f->b->dw, off, &noff, &hl, NULL, NULL, NULL) == 0) {
		if (!dwarf_offdie(f->b->dw, off + hl, &f->cu)) {
			off = noff;
			continue;
		}
		f->optimized = -1;
		f->fname = ps->file ? cu_find_file(&f->cu, ps->file) : NULL;
		if (!ps->file || f->fname) {
			if (ps->func) {
				struct search s = { f, 0, false, false };
				search_funcs(f, &s);
				ret = s.ret;
				matched |= s.matched;
			} else if (ps->lazy) {
				matched = true;
				ret = find_lazy(f, &f->cu);
			} else {
				matched = true;
				f->lno = ps->line;
				ret = walk_lines(f->b, &f->cu, &f->cu, f->lno, line_walker, f);
			}
			if (ret < 0)
				return ret;
		}
		off = noff;
	}
	if (!matched && ps->func && !ps->file) {
		/* Not in DWARF: a symbol (assembly, or a CU without debug info) */
		int before = f->found;
		bool withvar = false;
		for (int i = 0; i < ps->nargs; i++)
			withvar |= pspec_is_c_varname(ps->args[i].var);
		if (!ps->line && !ps->lazy && !withvar) {
			find_by_symbols(f);
			if (f->found > before)
				return 0;
		}
	}
	if (!f->found && !f->list_vars) {
		char close[512];
		if (ps->func && matched && ps->line) {
			ferr(f, "%s:%d (line %d of %s) has no code: a comment, a declaration, or optimized away; "
			     "xol probe -L %s shows the lines that have", ps->func, ps->line, f->lno,
			     f->fname ? f->fname : "its file", ps->func);
		} else if (ps->func && matched) {
			ferr(f, "%s has no code in %s (DWARF from %s): inlined everywhere and never called?",
			     ps->func, f->b->path, f->b->debug_file);
		} else if (ps->func) {
			close_funcs(f, ps->func, close, sizeof(close));
			ferr(f, "%s%s%s not found in %s (DWARF from %s)%s%s%s", ps->func,
			     ps->file ? "@" : "", ps->file ? ps->file : "",
			     f->b->path, f->b->debug_file, close[0] ? "; did you mean " : "", close,
			     close[0] ? "?" : "");
		} else if (ps->line) {
			ferr(f, "no code at %s:%d in %s (DWARF from %s): the line has no statement "
			     "(a comment, a declaration, or optimized away); xol probe -L shows the lines that have",
			     ps->file, ps->line, f->b->path, f->b->debug_file);
		} else {
			ferr(f, "no line of %s matches the pattern '%s'", ps->file, ps->lazy);
		}
		return -ENOENT;
	}
	return 0;
}

int probe_find(struct pbin *b, const struct pspec *ps, struct ptevs *out, int max, FILE *err)
{
	struct finder f = { .b = b, .ps = ps, .out = out, .err = err, .max = max };

	if (ps->has_abs) {
		struct ptev *t;
		if (out->n == out->cap) {
			out->cap = out->cap ? out->cap * 2 : 16;
			out->v = realloc(out->v, (size_t)out->cap * sizeof(*t));
		}
		t = &out->v[out->n++];
		memset(t, 0, sizeof(*t));
		t->retprobe = ps->retprobe;
		t->addr = ps->abs_addr;
		t->off = ps->abs_addr;
		t->realname = strdup(ps->func);
		t->args = strdup("");
		for (int k = 0; k < ps->nargs; k++)
			append_as_written(&t->args, &ps->args[k]);
		return 0;
	}
	if (ps->sdt) {
		struct sdt_note *notes;
		int n, found = 0;
		if (sdt_read(b, &notes, &n)) {
			fprintf(err, "xol probe: %s: cannot read its SDT notes\n", b->path);
			return -EINVAL;
		}
		for (int i = 0; i < n; i++) {
			struct ptev *t;
			if (!pspec_glob(ps->sdt_group, notes[i].provider) || !pspec_glob(ps->sdt_name, notes[i].name))
				continue;
			char *args = sdt_convert_args(b, &notes[i], err);
			if (!args) {
				sdt_free(notes, n);
				return -EINVAL;
			}
			if (out->n == out->cap) {
				out->cap = out->cap ? out->cap * 2 : 16;
				out->v = realloc(out->v, (size_t)out->cap * sizeof(*t));
			}
			t = &out->v[out->n++];
			memset(t, 0, sizeof(*t));
			t->addr = notes[i].pc;
			t->off = notes[i].off;
			t->refctr = notes[i].sem_off;
			t->realname = strdup(notes[i].name);
			asprintf(&t->group, "sdt_%s", notes[i].provider);
			t->event = strdup(notes[i].name);
			t->args = args;
			for (int k = 0; k < ps->nargs; k++)
				append_as_written(&t->args, &ps->args[k]);
			found++;
		}
		if (!found) {
			char close[512] = "";
			for (int i = 0; i < n; i++) {
				char full[256];
				snprintf(full, sizeof(full), "%s:%s", notes[i].provider, notes[i].name);
				if (!strstr(close, full) && strlen(close) + strlen(full) + 4 < sizeof(close)) {
					strcat(close, close[0] ? ", " : "");
					strcat(close, full);
				}
			}
			fprintf(err, "xol probe: %s: no SDT marker %s:%s%s%s\n", b->path, ps->sdt_group,
				ps->sdt_name, n ? "; its markers: " : " (it has no .note.stapsdt markers)", close);
			sdt_free(notes, n);
			return -ENOENT;
		}
		sdt_free(notes, n);
		return 0;
	}
	/* a variable is read through the frame base; $retval, registers and memory are not */
	f.no_vars = true;
	for (int i = 0; i < ps->nargs; i++)
		if (pspec_is_c_varname(ps->args[i].var) || !strcmp(ps->args[i].var, "$params") ||
		    !strcmp(ps->args[i].var, "$vars"))
			f.no_vars = false;
	int ret = run_finder(&f);
	free(f.seen.slot);
	free(f.frame);
	return ret;
}

void ptevs_free(struct ptevs *t)
{
	for (int i = 0; i < t->n; i++) {
		free(t->v[i].realname);
		free(t->v[i].args);
		free(t->v[i].group);
		free(t->v[i].event);
	}
	free(t->v);
	memset(t, 0, sizeof(*t));
}
