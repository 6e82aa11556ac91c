// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * A spec's ARG at a probe point, as perf probe converts it: the variable
 * found from the innermost scope outwards (then the CU's globals), located
 * through DW_AT_location and the frame base, followed through ->, . and [i],
 * typed from DWARF (s/x by signedness, bits by size, string on char
 * pointers and arrays), and printed as a uprobe_events fetch.
 */
#include <ctype.h>
#include <dwarf.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "probe-dwarf.h"

#define MAX_BASIC_TYPE_BITS 64

static const char *x86_64_regs[] = {
	"%ax", "%dx", "%cx", "%bx", "%si", "%di", "%bp", "%sp",
	"%r8", "%r9", "%r10", "%r11", "%r12", "%r13", "%r14", "%r15", "%ip",
};

int var_location(struct finder *f, Dwarf_Die *vr, Dwarf_Addr addr, struct loc *l)
{
	Dwarf_Attribute a;
	Dwarf_Op *op;
	size_t nops;
	Dwarf_Addr t;
	unsigned regn;
	long offs = 0;
	bool ref = false;

	memset(l, 0, sizeof(*l));
	if (dwarf_attr(vr, DW_AT_external, &a))
		goto global;
	if (dwarf_attr_integrate(vr, DW_AT_const_value, &a)) {
		Dwarf_Sword v;
		if (dwarf_formsdata(&a, &v))
			return -ENOTSUP;
		snprintf(l->imm, sizeof(l->imm), "\\%ld", (long)v);
		return 0;
	}
	if (!dwarf_attr(vr, DW_AT_location, &a))
		return -EINVAL;
	if (dwarf_getlocation_addr(&a, addr, &op, &nops, 1) <= 0) {
		if (die_entry(&f->sp, &t) || addr != t || dwarf_tag(vr) != DW_TAG_formal_parameter)
			return -ENOENT;
		if (dwarf_highpc(&f->sp, &t))
			return -ENOENT;
		for (addr += 1; addr <= t; addr++)
			if (dwarf_getlocation_addr(&a, addr, &op, &nops, 1) > 0)
				goto found;
		return -ENOENT;
	}
found:
	if (!nops)
		return -ENOENT;
	if (op->atom == DW_OP_addr) {
		l->gaddr = op->number;
		l->nref = 1;
		return 0;
	}
	if (op->atom == DW_OP_fbreg) {
		if (!f->fb_ops)
			return -ENOTSUP;
		ref = true;
		offs = (long)op->number;
		op = &f->fb_ops[0];
	}
	if (op->atom >= DW_OP_breg0 && op->atom <= DW_OP_breg31) {
		regn = op->atom - DW_OP_breg0;
		offs += (long)op->number;
		ref = true;
	} else if (op->atom >= DW_OP_reg0 && op->atom <= DW_OP_reg31) {
		regn = op->atom - DW_OP_reg0;
	} else if (op->atom == DW_OP_bregx) {
		regn = (unsigned)op->number;
		offs += (long)op->number2;
		ref = true;
	} else if (op->atom == DW_OP_regx) {
		regn = (unsigned)op->number;
	} else {
		return -ENOTSUP;
	}
	if (regn >= sizeof(x86_64_regs) / sizeof(x86_64_regs[0]))
		return -ENOTSUP;
	l->reg = x86_64_regs[regn];
	if (ref) {
		l->nref = 1;
		l->ref[0] = offs;
	}
	return 0;
global:
	/* An external variable declared here: its address from its defining DIE. */
	if (dwarf_attr(vr, DW_AT_location, &a) && dwarf_getlocation_addr(&a, 0, &op, &nops, 1) > 0 &&
	    nops && op->atom == DW_OP_addr) {
		l->gaddr = op->number;
		l->nref = 1;
		return 0;
	}
	return -ENOENT;
}

static int add_ref(struct loc *l, long off, bool user)
{
	if (l->nref == (int)(sizeof(l->ref) / sizeof(l->ref[0])))
		return -E2BIG;
	l->user[l->nref] = user;
	l->ref[l->nref++] = off;
	return 0;
}

static Dwarf_Die *find_member(Dwarf_Die *st, const char *name, Dwarf_Die *mem)
{
	if (dwarf_child(st, mem))
		return NULL;
	do {
		if (dwarf_tag(mem) != DW_TAG_member)
			continue;
		const char *n = dwarf_diename(mem);
		if (n && !strcmp(n, name))
			return mem;
		if (!n) {
			Dwarf_Die t, tmp;
			if (die_get_type(mem, &t) && find_member(&t, name, &tmp))
				return mem;
		}
	} while (dwarf_siblingof(mem, mem) == 0);
	return NULL;
}

static int member_offset(Dwarf_Die *m, Dwarf_Word *offs)
{
	Dwarf_Attribute a;
	Dwarf_Op *op;
	size_t n;

	if (!dwarf_attr(m, DW_AT_data_member_location, &a))
		return -ENOENT;
	if (!dwarf_formudata(&a, offs))
		return 0;
	if (dwarf_getlocation(&a, &op, &n) || !n || op[0].atom != DW_OP_plus_uconst)
		return -ENOENT;
	*offs = op[0].number;
	return 0;
}

static bool is_struct(int tag)
{
	return tag == DW_TAG_structure_type || tag == DW_TAG_union_type || tag == DW_TAG_class_type;
}

static int var_fields(struct finder *f, Dwarf_Die *vr, const char *varname, const struct pspec_arg *pa,
		      int fi, struct loc *l, Dwarf_Die *mem)
{
	const struct pspec_field *fl = &pa->fields[fi];
	Dwarf_Die type;
	Dwarf_Word offs;
	int tag;

	if (!die_get_real_type(vr, &type)) {
		ferr(f, "cannot find the type of '%s'", varname);
		return -ENOENT;
	}
	tag = dwarf_tag(&type);
	if (fl->name[0] == '[' && (tag == DW_TAG_array_type || tag == DW_TAG_pointer_type)) {
		*mem = type;
		if (!die_get_real_type(&type, &type)) {
			ferr(f, "cannot find the element type of '%s'", varname);
			return -ENOENT;
		}
		if (tag == DW_TAG_pointer_type)
			add_ref(l, 0, pa->user);
		else if (!l->nref) {
			ferr(f, "'%s' is an array in a register: cannot index it", varname);
			return -ENOTSUP;
		}
		int sz = dwarf_bytesize(&type);
		l->ref[l->nref - 1] += (long)sz * fl->index;
		goto next;
	} else if (tag == DW_TAG_pointer_type) {
		if (!fl->ref) {
			ferr(f, "'%s' is a pointer: use '->%s', not '.%s'", varname, fl->name, fl->name);
			return -EINVAL;
		}
		if (!die_get_real_type(&type, &type)) {
			ferr(f, "cannot find the type '%s' points to", varname);
			return -ENOENT;
		}
		tag = dwarf_tag(&type);
		if (!is_struct(tag)) {
			ferr(f, "'%s' does not point to a structure, a class nor a union", varname);
			return -EINVAL;
		}
		add_ref(l, 0, pa->user);
	} else {
		if (!is_struct(tag)) {
			ferr(f, "'%s' is not a structure, a class nor a union", varname);
			return -EINVAL;
		}
		if (fl->name[0] == '[') {
			ferr(f, "'%s' is not a pointer nor an array: cannot index it", varname);
			return -EINVAL;
		}
		if (fl->ref && dwarf_diename(vr)) {
			ferr(f, "'%s' is not a pointer: use '.%s', not '->%s'", varname, fl->name, fl->name);
			return -EINVAL;
		}
		if (!l->nref) {
			ferr(f, "'%s' is a structure held in registers: not supported", varname);
			return -ENOTSUP;
		}
	}
	if (!find_member(&type, fl->name, mem)) {
		/* close member names */
		Dwarf_Die m;
		char close[256] = "";
		if (!dwarf_child(&type, &m)) {
			do {
				const char *n = dwarf_diename(&m);
				if (dwarf_tag(&m) == DW_TAG_member && n &&
				    probe_distance(n, fl->name) <= 2 + (int)strlen(fl->name) / 4 &&
				    strlen(close) + strlen(n) + 8 < sizeof(close)) {
					strcat(close, close[0] ? ", " : "");
					strcat(close, n);
				}
			} while (!dwarf_siblingof(&m, &m));
		}
		ferr(f, "'%s' (type %s) has no member '%s'%s%s%s", varname,
		     dwarf_diename(&type) ? dwarf_diename(&type) : "(anonymous)", fl->name,
		     close[0] ? "; did you mean " : "", close, close[0] ? "?" : "");
		return -EINVAL;
	}
	if (tag == DW_TAG_union_type)
		offs = 0;
	else if (member_offset(mem, &offs)) {
		ferr(f, "cannot find the offset of '%s'", fl->name);
		return -ENOENT;
	}
	l->ref[l->nref - 1] += (long)offs;
	if (!dwarf_diename(mem))
		return var_fields(f, mem, varname, pa, fi, l, mem);
next:
	if (fi + 1 < pa->nfields)
		return var_fields(f, mem, fl->name, pa, fi + 1, l, mem);
	return 0;
}

/* The type suffix perf chooses, in @buf ("" for none); -errno when it can't. */
static int var_type(struct finder *f, Dwarf_Die *vr, const char *cast, struct loc *l, char *buf,
		    size_t len, bool user)
{
	Dwarf_Die type;
	int tag, sz;
	char prefix;

	buf[0] = 0;
	if (cast && strcmp(cast, "string") && strcmp(cast, "ustring") && strcmp(cast, "x") &&
	    strcmp(cast, "s") && strcmp(cast, "u")) {
		snprintf(buf, len, "%s", cast);
		return 0;
	}
	if (!die_get_real_type(vr, &type)) {
		ferr(f, "cannot find the type of '%s'", dwarf_diename(vr) ? dwarf_diename(vr) : "?");
		return -ENOENT;
	}
	if (cast && (!strcmp(cast, "string") || !strcmp(cast, "ustring"))) {
		tag = dwarf_tag(&type);
		if (tag != DW_TAG_pointer_type && tag != DW_TAG_array_type) {
			ferr(f, "cannot read '%s' as a string: it is not a pointer nor an array",
			     dwarf_diename(vr) ? dwarf_diename(vr) : "?");
			return -EINVAL;
		}
		if (!die_get_real_type(&type, &type)) {
			ferr(f, "cannot find the type of the string");
			return -ENOENT;
		}
		if (tag == DW_TAG_pointer_type)
			add_ref(l, 0, user);
		const char *n = dwarf_diename(&type);
		if (!n || (strcmp(n, "char") && strcmp(n, "unsigned char"))) {
			ferr(f, "cannot read '%s' as a string: it is not (unsigned) char * or []",
			     dwarf_diename(vr) ? dwarf_diename(vr) : "?");
			return -EINVAL;
		}
		snprintf(buf, len, "%s", cast);
		return 0;
	}
	if (cast && !strcmp(cast, "u"))
		prefix = 'u';
	else if (cast && !strcmp(cast, "s"))
		prefix = 's';
	else if (cast && !strcmp(cast, "x"))
		prefix = 'x';
	else
		prefix = die_is_signed_type(&type) ? 's' : 'x';
	sz = dwarf_bytesize(&type);
	if (sz <= 0)
		return 0;
	sz *= 8;
	if (sz > MAX_BASIC_TYPE_BITS)
		sz = MAX_BASIC_TYPE_BITS;
	snprintf(buf, len, "%c%d", prefix, sz);
	return 0;
}

/* The fetch text of @l, innermost ref last, as the kernel reads it. */
static void loc_print(struct finder *f, const struct loc *l, uint64_t probe_addr, char *buf, size_t len)
{
	size_t n = 0;
	int first = 0;

	buf[0] = 0;
	if (l->imm[0]) {
		snprintf(buf, len, "%s", l->imm);
		return;
	}
	if (!l->reg)
		first = 1;      /* the global's first deref is @+OFF itself */
	for (int i = l->nref - 1; i >= first && n < len; i--)
		n += (size_t)snprintf(buf + n, len - n, "%s%ld(", l->user[i] ? "+u" : (l->ref[i] >= 0 ? "+" : ""),
				      l->ref[i]);
	if (l->reg) {
		n += (size_t)snprintf(buf + n, len - n, "%s", l->reg);
	} else {
		/* @+OFF: the kernel adds OFF to (probe address - probe file offset) */
		uint64_t seg = probe_addr - pbin_va_to_off(f->b, probe_addr);
		n += (size_t)snprintf(buf + n, len - n, "@+0x%llx",
				      (unsigned long long)(l->gaddr + (uint64_t)l->ref[0] - seg));
	}
	for (int i = l->nref - 1; i >= first && n < len; i--)
		n += (size_t)snprintf(buf + n, len - n, ")");
}

struct var_find {
	const char *name;
	Dwarf_Addr addr;
};

static int find_var_cb(Dwarf_Die *d, void *data)
{
	struct var_find *vf = data;
	Dwarf_Attribute a;
	int tag = dwarf_tag(d);
	const char *n;

	if ((tag == DW_TAG_formal_parameter || tag == DW_TAG_variable) && (n = dwarf_diename(d)) &&
	    !strcmp(n, vf->name) &&
	    (dwarf_attr(d, DW_AT_external, &a) || dwarf_attr(d, DW_AT_location, &a) ||
	     dwarf_attr(d, DW_AT_const_value, &a)))
		return CB_END;
	return dwarf_haspc(d, vf->addr) > 0 ? CB_CONTINUE : CB_SIBLING;
}

static Dwarf_Die *find_variable_at(Dwarf_Die *sc, const char *name, Dwarf_Addr addr, Dwarf_Die *mem)
{
	struct var_find vf = { name, addr };

	return find_child(sc, find_var_cb, &vf, mem);
}

/* Names of variables visible at the probe point close to @name, for "did you mean". */
struct close_names {
	const char *name;
	Dwarf_Addr addr;
	char buf[256];
};

static int close_cb(Dwarf_Die *d, void *data)
{
	struct close_names *c = data;
	int tag = dwarf_tag(d);
	const char *n;

	if ((tag == DW_TAG_formal_parameter || tag == DW_TAG_variable) && (n = dwarf_diename(d)) &&
	    probe_distance(n, c->name) <= 1 + (int)strlen(c->name) / 3 && !strstr(c->buf, n) &&
	    strlen(c->buf) + strlen(n) + 4 < sizeof(c->buf)) {
		strcat(c->buf, c->buf[0] ? ", " : "");
		strcat(c->buf, n);
	}
	return dwarf_haspc(d, c->addr) > 0 ? CB_CONTINUE : CB_SIBLING;
}

int append(char **args, ...)
{
	va_list ap;
	const char *s;
	char *n;
	size_t ol = *args ? strlen(*args) : 0, len = ol;

	va_start(ap, args);
	while ((s = va_arg(ap, const char *)))
		len += strlen(s);
	va_end(ap);
	n = realloc(*args, len + 1);
	if (!n)
		return -ENOMEM;
	*args = n;
	n += ol;
	va_start(ap, args);
	while ((s = va_arg(ap, const char *))) {
		size_t l = strlen(s);
		memcpy(n, s, l);
		n += l;
	}
	va_end(ap);
	*n = 0;
	return 0;
}

int append_as_written(char **args, const struct pspec_arg *pa)
{
	return append(args, " ", pa->name ? pa->name : "", pa->name ? "=" : "", pa->var, pa->type ? ":" : "",
		      pa->type ? pa->type : "", NULL);
}

/* One arg at the probe point: a C expression through DWARF, anything else as written. */
int convert_arg(struct finder *f, Dwarf_Die *sc, const struct pspec_arg *pa, char **args)
{
	Dwarf_Die vr, mem, *vp = &vr;
	struct loc l;
	char *name, type[32], fetch[512];
	int ret;

	if (!pspec_is_c_varname(pa->var))
		return append_as_written(args, pa);
	name = pa->name ? strdup(pa->name) : pspec_arg_synth_name(pa);
	if (!find_variable_at(sc, pa->var, f->addr, &vr) &&
	    !find_variable_at(&f->cu, pa->var, 0, &vr)) {
		struct close_names c = { .name = pa->var, .addr = f->addr };
		Dwarf_Die m;
		find_child(sc, close_cb, &c, &m);
		c.addr = 0;
		find_child(&f->cu, close_cb, &c, &m);
		ferr(f, "no variable '%s' in %s at 0x%llx%s%s%s", pa->var,
		     dwarf_diename(sc) ? dwarf_diename(sc) : "this scope", (unsigned long long)f->addr,
		     c.buf[0] ? "; did you mean " : "", c.buf, c.buf[0] ? "?" : "");
		free(name);
		return -ENOENT;
	}
	ret = var_location(f, &vr, f->addr, &l);
	if (ret == -ENOENT || ret == -EINVAL) {
		ferr(f, "the variable '%s' has no location at 0x%llx (optimized out there?); "
		     "xol probe -V shows where variables can be read", pa->var, (unsigned long long)f->addr);
	} else if (ret == -ENOTSUP) {
		ferr(f, "the location of '%s' at 0x%llx is a DWARF expression xol cannot fetch",
		     pa->var, (unsigned long long)f->addr);
	} else if (pa->nfields) {
		if (l.imm[0]) {
			ferr(f, "'%s' is a constant: it has no members", pa->var);
			ret = -EINVAL;
		} else {
			ret = var_fields(f, &vr, pa->var, pa, 0, &l, &mem);
			vp = &mem;
		}
	}
	if (!ret)
		ret = var_type(f, vp, pa->type, &l, type, sizeof(type), pa->user);
	if (!ret) {
		loc_print(f, &l, f->addr, fetch, sizeof(fetch));
		ret = append(args, " ", name, "=", fetch, type[0] ? ":" : "", type, NULL);
	}
	free(name);
	return ret;
}
