// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The listings of xol probe, in perf's formats: -F (functions, from the
 * symbols), -V (the variables readable at each probe point of a spec) and
 * -L (a function's or a file's source, numbered where a probe can go).
 */
#include <dwarf.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "probe-dwarf.h"

/*
 * A name with its first 8 bytes as a big-endian number (zeros past its
 * end): comparing keys is strcmp's order for those bytes, so the sort of
 * thousands of names calls strcmp only for the ones that share 8 bytes.
 */
struct sort_name {
	uint64_t key;
	const char *s;
};

static int cmp_name(const void *a, const void *b)
{
	const struct sort_name *x = a, *y = b;

	if (x->key != y->key)
		return x->key < y->key ? -1 : 1;
	return (x->key & 0xff) ? strcmp(x->s, y->s) : 0; /* both shorter than 8: equal */
}

static uint64_t name_key(const char *s)
{
	uint64_t k = 0;
	int i = 0;

	for (; i < 8 && s[i]; i++)
		k = k << 8 | (unsigned char)s[i];
	return k << (8 * (8 - i));
}

/*
 * @v[0..n) in key order: a radix sort, a byte of the key a pass from the
 * last, every byte's counts taken in one read of the keys, passes where
 * every key has the same byte skipped (most of them: the names of one
 * program share their first bytes), each pass from one array to the
 * other; then each run of equal keys of names at least 8 long in
 * strcmp's order.  No call per comparison, as qsort's are.  @tmp has room
 * for @n.
 */
static void sort_names(struct sort_name *v, struct sort_name *tmp, size_t n)
{
	uint32_t count[8][257] = { { 0 } };     /* not size_t: no store to a key can change one */
	struct sort_name *src = v, *dst = tmp, *t;

	for (size_t i = 0; i < n; i++) {
		uint64_t key = v[i].key;
#pragma GCC unroll 8
		for (int b = 0; b < 8; b++, key >>= 8)
			count[b][(key & 0xff) + 1]++;
	}
	for (int b = 0; b < 8; b++) {
		uint32_t *c = count[b];
		const unsigned shift = 8 * (unsigned)b;
		if (n && c[(v[0].key >> shift & 0xff) + 1] == n)
			continue; /* one byte value: the order stays */
		for (int k = 0; k < 256; k++)
			c[k + 1] += c[k];
		for (const struct sort_name *s = src; s < src + n; s++)
			dst[c[s->key >> shift & 0xff]++] = *s;
		t = src, src = dst, dst = t;
	}
	if (src != v)
		memcpy(v, src, n * sizeof(*v));
	for (size_t i = 0; i < n;) {
		size_t j = i + 1;
		while (j < n && v[j].key == v[i].key)
			j++;
		if (j - i > 1 && (v[i].key & 0xff))
			qsort(v + i, j - i, sizeof(*v), cmp_name);
		i = j;
	}
}

/*
 * The names of sorted @v[0..n), each once, a line each: a page at a
 * time, not a stdio call per name (thousands of them), nor a buffer for
 * them all (fresh pages cost more than the copy).
 */
static void write_names(const struct sort_name *v, size_t n, FILE *out)
{
	char page[4096];
	size_t used = 0;

	for (size_t i = 0; i < n; i++) {
		size_t l;
		if (i && !cmp_name(&v[i], &v[i - 1]))
			continue;
		l = strlen(v[i].s);
		if (used + l + 1 > sizeof(page)) {
			fwrite(page, 1, used, out);
			used = 0;
		}
		if (l + 1 > sizeof(page)) {
			fputs(v[i].s, out);
			putc('\n', out);
			continue;
		}
		memcpy(page + used, v[i].s, l);
		page[used + l] = '\n';
		used += l + 1;
	}
	fwrite(page, 1, used, out);
}

/* The names -F lists, from the functions of one table (syms_read's choice). */
struct func_names {
	const char *filter;
	bool dynsym;            /* the table: .symtab, else .dynsym */
	bool any;               /* it has a function, listed or not */
	struct sort_name *v;
	size_t n;               /* v has room for every symbol */
};

static int add_func_name(const struct elf_sym *s, void *data)
{
	struct func_names *fn = data;
	const char *name = s->name;

	if (!sym_listed(s, fn->dynsym))
		return 0;
	fn->any = true;
	if (fn->filter ? pspec_glob(fn->filter, name) : name[0] != '_' && !strchr(name, '@'))
		fn->v[fn->n++] = (struct sort_name){ name_key(name), name };
	return 0;
}

/*
 * Straight from the files' symbol tables, as syms_read() would choose
 * (the binary's and the debug file's .symtab, else their .dynsym): not
 * from the kept copy of thousands of symbols, whose fresh pages cost more
 * than the walk.
 */
int probe_list_funcs(struct pbin *b, const char *filter, FILE *out)
{
	Elf *files[] = { b->elf, b->delf };
	struct func_names fn = { filter, false, false, NULL, 0 };
	size_t max = 0;
	int ret = 0;

	for (int f = 0; f < 2; f++)
		max += files[f] ? elf_symbols_max(files[f]) : 0;
	fn.v = malloc((2 * max + 1) * sizeof(*fn.v)); /* and the sort's room; each written before read */
	if (!fn.v)
		return -ENOMEM;
	for (int pass = 0; pass < 2 && !fn.any && !ret; pass++) {
		fn.dynsym = pass == 1;
		fn.n = 0;
		for (int f = 0; f < 2 && !ret; f++)
			ret = files[f] ? elf_symbols(files[f], add_func_name, &fn) : 0;
	}
	if (!ret) {
		sort_names(fn.v, fn.v + fn.n, fn.n);
		write_names(fn.v, fn.n, out);
	}
	free(fn.v);
	return ret;
}

static void type_name(Dwarf_Die *vr, char *buf, size_t len)
{
	Dwarf_Die t, *tp = die_get_type(vr, &t);
	const char *nm, *kw = "";
	size_t n;

	if (len < 2)
		return;
	if (!tp) {
		snprintf(buf, len, "void");
		return;
	}
	nm = dwarf_diename(tp) ? dwarf_diename(tp) : "";
	switch (dwarf_tag(tp)) {
	case DW_TAG_pointer_type:
	case DW_TAG_array_type:
		type_name(tp, buf, len - 2);
		strcat(buf, dwarf_tag(tp) == DW_TAG_pointer_type ? "*" : "[]");
		return;
	case DW_TAG_const_type:
	case DW_TAG_volatile_type:
		n = (size_t)snprintf(buf, len, "%s ", dwarf_tag(tp) == DW_TAG_const_type ? "const" : "volatile");
		if (n < len)
			type_name(tp, buf + n, len - n);
		return;
	case DW_TAG_structure_type: kw = "struct "; break;
	case DW_TAG_class_type: kw = "class "; break;
	case DW_TAG_union_type: kw = "union "; break;
	case DW_TAG_enumeration_type: kw = "enum "; break;
	default: if (!*nm) nm = "(unknown)";
	}
	n = strlen(kw);
	if (n + 1 < len) {
		memcpy(buf, kw, n);
		snprintf(buf + n, len - n, "%.*s", (int)(len - n - 1), nm);
	}
}

static int list_vars_cb(Dwarf_Die *d, void *data)
{
	struct finder *f = data;
	int tag = dwarf_tag(d);
	struct loc l;
	char tn[256];

	if ((tag == DW_TAG_formal_parameter || tag == DW_TAG_variable) && dwarf_diename(d) &&
	    var_location(f, d, f->addr, &l) == 0) {
		type_name(d, tn, sizeof(tn));
		fprintf(f->vout, "\t\t%s\t%s\n", tn, dwarf_diename(d));
	}
	return dwarf_haspc(d, f->addr) > 0 ? CB_CONTINUE : CB_SIBLING;
}

/* -V: the finder's callback prints instead of adding (see call_finder). */
int probe_list_vars(struct pbin *b, const struct pspec *ps, FILE *out, FILE *err)
{
	struct ptevs tevs = { 0 };
	int ret;

	if (!b->dw) {
		fprintf(err, "xol probe: %s: -V needs DWARF; looked for:\n%s\n", b->path, b->looked);
		return -ENOENT;
	}
	/* Find the points, then list what is visible at each. */
	struct pspec bare = *ps;
	bare.nargs = 0;
	ret = probe_find(b, &bare, &tevs, 0, err);
	if (ret)
		return ret;
	for (int i = 0; i < tevs.n; i++) {
		struct finder f = { .b = b, .ps = &bare, .err = err, .vout = out };
		Dwarf_Die cu, sc;
		if (!dwarf_addrdie(b->dw, tevs.v[i].addr, &cu))
			continue;
		f.cu = cu;
		f.addr = tevs.v[i].addr;
		f.lno = 0;
		f.fname = NULL;
		if (!best_scope(&f, &sc))
			continue;
		uint64_t start = 0;
		Dwarf_Addr e;
		if (die_entry(&sc, &e) == 0)
			start = e;
		char where[64] = "";
		if (ps->line)
			snprintf(where, sizeof(where), ":%d", ps->line);
		else if (ps->offset)
			snprintf(where, sizeof(where), "+%lu", ps->offset);
		else if (ps->retprobe)
			snprintf(where, sizeof(where), "%%return");
		fprintf(out, "Available variables at %s%s\n        @<%s+%llu>\n",
			ps->func ? ps->func : ps->file, where, dwarf_diename(&sc) ? dwarf_diename(&sc) : "?",
			(unsigned long long)(f.addr - start));
		f.list_vars = true;
		call_finder(&f, &sc);
		Dwarf_Die mem;
		find_child(&sc, list_vars_cb, &f, &mem);
		free(f.frame);
	}
	ptevs_free(&tevs);
	return 0;
}

struct lines_seen {
	char *file;
	int first, last;
	unsigned char *has;
};

static int mark_line(const char *fname, int lineno, Dwarf_Addr addr, void *data)
{
	struct lines_seen *ls = data;

	(void)addr;
	if (fname && tail_match(fname, ls->file) && lineno >= ls->first && lineno <= ls->last)
		ls->has[lineno - ls->first] = 1;
	return 0;
}

int probe_list_lines(struct pbin *b, const struct pspec *ps, FILE *out, FILE *err)
{
	Dwarf_Off off = 0, noff;
	size_t hl;
	Dwarf_Die cu;
	int shown = 0;

	if (!b->dw) {
		fprintf(err, "xol probe: %s: -L needs DWARF; looked for:\n%s\n", b->path, b->looked);
		return -ENOENT;
	}
	while (dwarf_nextcu(b->dw, off, &noff, &hl, NULL, NULL, NULL) == 0) {
		Dwarf_Die sp;
		struct lines_seen ls = { 0 };
		char **src, path[PATH_MAX];
		int nsrc;
		bool have = false;

		if (!dwarf_offdie(b->dw, off + hl, &cu))
			goto next;
		if (ps->func) {
			/* the function's lines: decl line to the last line with code */
			Dwarf_Die child;
			if (dwarf_child(&cu, &child))
				goto next;
			do {
				if (die_is_func_def(&child) && die_match_name(&child, ps->func) &&
				    (!ps->file || (die_decl_file(&child) && tail_match(die_decl_file(&child), ps->file)))) {
					sp = child;
					have = true;
					break;
				}
			} while (!dwarf_siblingof(&child, &child));
			if (!have)
				goto next;
			ls.file = (char *)die_decl_file(&sp);
			die_decl_line(&sp, &ls.first);
			ls.last = ls.first + 100000;
		} else {
			const char *fn = cu_find_file(&cu, ps->file);
			if (!fn)
				goto next;
			ls.file = (char *)fn;
			ls.first = ps->line ? ps->line : 1;
			ls.last = ps->line ? ps->line : 1000000;
		}
		src = read_source(&cu, ls.file, &nsrc, path, sizeof(path));
		if (!src) {
			fprintf(err, "xol probe: -L: cannot read the source %s\n", path);
			return -ENOENT;
		}
		if (ls.last > nsrc)
			ls.last = nsrc;
		ls.has = calloc((size_t)(ls.last - ls.first + 2), 1);
		walk_lines(b, &cu, &cu, 0, mark_line, &ls);
		if (ps->func) {
			/* stop at the closing brace of the function: the last line with code + the brace */
			int last = ls.first;
			for (int l = ls.first; l <= ls.last; l++)
				if (ls.has[l - ls.first])
					last = l;
			Dwarf_Addr hi;
			if (dwarf_highpc(&sp, &hi) == 0) {
				/* the function's own last row */
				Dwarf_Lines *lines;
				size_t n;
				Dwarf_Addr lo = 0;
				die_entrypc(&sp, &lo);
				int maxl = ls.first;
				if (!dwarf_getsrclines(&cu, &lines, &n))
					for (size_t i = 0; i < n; i++) {
						Dwarf_Addr a;
						int l;
						Dwarf_Line *ln = dwarf_onesrcline(lines, i);
						if (!dwarf_lineaddr(ln, &a) && a >= lo && a < hi && !dwarf_lineno(ln, &l) &&
						    l > maxl && tail_match(dwarf_linesrc(ln, NULL, NULL), ls.file))
							maxl = l;
					}
				last = maxl;
			}
			ls.last = last;
			fprintf(out, "<%s@%s:0>\n", dwarf_diename(&sp), path);
		} else {
			fprintf(out, "<%s:%d>\n", path, ls.first);
		}
		for (int l = ls.first; l <= ls.last; l++) {
			int rel = ps->func ? l - ls.first : l;
			if (ls.has[l - ls.first])
				fprintf(out, "%7d  %s\n", rel, src[l - 1]);
			else
				fprintf(out, "         %s\n", src[l - 1]);
		}
		for (int i = 0; i < nsrc; i++)
			free(src[i]);
		free(src);
		free(ls.has);
		shown++;
		if (ps->func && !pspec_is_glob(ps->func))
			break;
next:
		off = noff;
	}
	if (!shown) {
		fprintf(err, "xol probe: %s: '%s': no such function or source file in the DWARF (from %s)\n",
			b->path, ps->text, b->debug_file);
		return -ENOENT;
	}
	return 0;
}
