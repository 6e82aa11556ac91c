// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * DIE helpers for xol probe, doing what perf's dwarf-aux does: entry
 * addresses, function definitions and instances, names (linkage, qualified),
 * types stripped of qualifiers, declaration files and lines, location lists.
 */
#include <dwarf.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "probe-dwarf.h"

Dwarf_Die *find_child(Dwarf_Die *rt, int (*cb)(Dwarf_Die *, void *), void *data, Dwarf_Die *mem)
{
	Dwarf_Die child;
	int r;

	if (dwarf_child(rt, mem) != 0)
		return NULL;
	do {
		r = cb(mem, data);
		if (r == CB_END)
			return mem;
		if ((r & CB_CHILD) && find_child(mem, cb, data, &child)) {
			*mem = child;
			return mem;
		}
	} while ((r & CB_SIBLING) && dwarf_siblingof(mem, mem) == 0);
	return NULL;
}

/*
 * Which attributes a DIE has is in its abbreviation (dwarf_hasattr); where
 * a value is needs a scan of the values before it (dwarf_attr): a
 * function's dozen of them, for each lookup.  Presence is asked first.
 */
int die_entry(Dwarf_Die *d, Dwarf_Addr *pc)
{
	Dwarf_Attribute a;

	if (dwarf_hasattr(d, DW_AT_entry_pc))
		return dwarf_entrypc(d, pc);
	/* dwarf_entrypc's answer without DW_AT_entry_pc */
	return dwarf_attr(d, DW_AT_low_pc, &a) ? dwarf_formaddr(&a, pc) : -1;
}

struct pc_attrs {
	Dwarf_Attribute low, high;
	bool has_low, has_high, has_entry;
};

static int pc_attrs_cb(Dwarf_Attribute *a, void *arg)
{
	struct pc_attrs *pa = arg;

	switch (dwarf_whatattr(a)) {
	case DW_AT_low_pc:
		pa->low = *a;
		pa->has_low = true;
		break;
	case DW_AT_high_pc:
		pa->high = *a;
		pa->has_high = true;
		break;
	case DW_AT_entry_pc:
		pa->has_entry = true;
		return DWARF_CB_ABORT;
	}
	return DWARF_CB_OK;
}

bool die_one_range(Dwarf_Die *d, Dwarf_Addr *lo, Dwarf_Addr *hi)
{
	struct pc_attrs pa = { .has_low = false };
	Dwarf_Word len;

	dwarf_getattrs(d, pc_attrs_cb, &pa, 0);
	if (pa.has_entry || !pa.has_low || !pa.has_high || dwarf_formaddr(&pa.low, lo))
		return false;
	/* dwarf_highpc's rule: an address, else (DWARF 4) a length from low_pc */
	if (!dwarf_formaddr(&pa.high, hi))
		return true;
	if (dwarf_formudata(&pa.high, &len))
		return false;
	*hi = *lo + len;
	return true;
}

int die_entrypc(Dwarf_Die *d, Dwarf_Addr *pc)
{
	Dwarf_Addr base, end;
	ptrdiff_t off;

	if (!die_entry(d, pc))
		return 0;
	if (!dwarf_hasattr(d, DW_AT_ranges))
		return -ENOENT;
	off = dwarf_ranges(d, 0, &base, pc, &end);
	return off > 0 ? 0 : -ENOENT;
}

bool die_is_func_instance(Dwarf_Die *d)
{
	Dwarf_Addr t;
	int tag = dwarf_tag(d);

	if (tag != DW_TAG_subprogram && tag != DW_TAG_inlined_subroutine)
		return false;
	return die_entry(d, &t) == 0 || dwarf_hasattr(d, DW_AT_ranges);
}

bool die_is_func_def(Dwarf_Die *d)
{
	Dwarf_Addr pc;

	if (dwarf_tag(d) != DW_TAG_subprogram || dwarf_hasattr(d, DW_AT_declaration))
		return false;
	return dwarf_hasattr(d, DW_AT_inline) || die_entrypc(d, &pc) == 0;
}

static int linkage_attr_cb(Dwarf_Attribute *a, void *arg)
{
	switch (dwarf_whatattr(a)) {
	case DW_AT_linkage_name:
	case DW_AT_MIPS_linkage_name:
	case DW_AT_abstract_origin:
	case DW_AT_specification:
		*(bool *)arg = true;
		return DWARF_CB_ABORT;
	}
	return DWARF_CB_OK;
}

const char *die_linkage_name(Dwarf_Die *d)
{
	Dwarf_Attribute a;
	bool may = false;

	/* One pass over the DIE's attributes rules out most C functions; the
	 * lookups below cost six. */
	dwarf_getattrs(d, linkage_attr_cb, &may, 0);
	if (!may)
		return NULL;
	if (!dwarf_attr_integrate(d, DW_AT_linkage_name, &a) &&
	    !dwarf_attr_integrate(d, DW_AT_MIPS_linkage_name, &a))
		return NULL;
	return dwarf_formstring(&a);
}

/* "ns::Class::name" of a function DIE, from the scopes of its declaration. */
static void die_qualified_name(Dwarf_Die *d, char *buf, size_t len)
{
	Dwarf_Die spec, *decl = d, *scopes = NULL;
	Dwarf_Attribute a;
	int n;

	buf[0] = 0;
	if (dwarf_attr(d, DW_AT_specification, &a) && dwarf_formref_die(&a, &spec))
		decl = &spec;
	else if (dwarf_attr(d, DW_AT_abstract_origin, &a) && dwarf_formref_die(&a, &spec))
		return die_qualified_name(&spec, buf, len);
	n = dwarf_getscopes_die(decl, &scopes);
	for (int i = n - 1; i >= 1; i--) {
		int tag = dwarf_tag(&scopes[i]);
		const char *nm = dwarf_diename(&scopes[i]);
		if ((tag == DW_TAG_namespace || tag == DW_TAG_class_type ||
		     tag == DW_TAG_structure_type || tag == DW_TAG_union_type) && nm) {
			strncat(buf, nm, len - strlen(buf) - 1);
			strncat(buf, "::", len - strlen(buf) - 1);
		}
	}
	free(scopes);
	strncat(buf, dwarf_diename(d) ? dwarf_diename(d) : "", len - strlen(buf) - 1);
}

bool die_match_name(Dwarf_Die *d, const char *pat)
{
	const char *n = dwarf_diename(d);

	if (n && pspec_glob(pat, n))
		return true;
	n = die_linkage_name(d);
	if (n && pspec_glob(pat, n))
		return true;
	if (strstr(pat, "::")) {
		char q[512];
		die_qualified_name(d, q, sizeof(q));
		return pspec_glob(pat, q);
	}
	return false;
}

Dwarf_Die *die_get_type(Dwarf_Die *d, Dwarf_Die *mem)
{
	Dwarf_Attribute a;

	if (dwarf_attr_integrate(d, DW_AT_type, &a) && dwarf_formref_die(&a, mem))
		return mem;
	return NULL;
}

/* The type with const, volatile, restrict, shared and typedefs stripped. */
Dwarf_Die *die_get_real_type(Dwarf_Die *d, Dwarf_Die *mem)
{
	int tag;

	d = die_get_type(d, mem);
	while (d) {
		tag = dwarf_tag(d);
		if (tag != DW_TAG_const_type && tag != DW_TAG_volatile_type &&
		    tag != DW_TAG_restrict_type && tag != DW_TAG_shared_type &&
		    tag != DW_TAG_typedef)
			break;
		d = die_get_type(d, mem);
	}
	return d;
}

bool die_is_signed_type(Dwarf_Die *t)
{
	Dwarf_Attribute a;
	Dwarf_Word enc;

	if (!dwarf_attr(t, DW_AT_encoding, &a) || dwarf_formudata(&a, &enc))
		return false;
	return enc == DW_ATE_signed_char || enc == DW_ATE_signed || enc == DW_ATE_signed_fixed;
}

const char *die_decl_file(Dwarf_Die *d)
{
	Dwarf_Die spec;
	Dwarf_Attribute a;
	const char *f = dwarf_decl_file(d);

	if (!f && dwarf_attr(d, DW_AT_abstract_origin, &a) && dwarf_formref_die(&a, &spec))
		f = dwarf_decl_file(&spec);
	return f;
}

int die_decl_line(Dwarf_Die *d, int *line)
{
	Dwarf_Die spec;
	Dwarf_Attribute a;

	if (!dwarf_decl_line(d, line))
		return 0;
	if (dwarf_attr(d, DW_AT_abstract_origin, &a) && dwarf_formref_die(&a, &spec))
		return dwarf_decl_line(&spec, line);
	return -1;
}

/* Whether the tail of @a is @b, path component-wise (perf's strtailcmp). */
bool tail_match(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);

	if (lb > la)
		return false;
	if (strcmp(a + la - lb, b))
		return false;
	return la == lb || a[la - lb - 1] == '/';
}

static int has_loclist_cb(Dwarf_Attribute *a, void *arg)
{
	bool *hit = arg;
	unsigned f = dwarf_whatform(a);

	if (dwarf_whatattr(a) == DW_AT_location &&
	    (f == DW_FORM_loclistx || f == DW_FORM_sec_offset || f == DW_FORM_data4 ||
	     f == DW_FORM_data8)) {
		*hit = true;
		return DWARF_CB_ABORT;
	}
	return DWARF_CB_OK;
}

bool die_has_loclist_rec(Dwarf_Die *d)
{
	Dwarf_Die c;
	bool hit = false;

	dwarf_getattrs(d, has_loclist_cb, &hit, 0);
	if (hit)
		return true;
	if (dwarf_child(d, &c) == 0) {
		do {
			if (die_has_loclist_rec(&c))
				return true;
		} while (dwarf_siblingof(&c, &c) == 0);
	}
	return false;
}
