// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The functions of a C unit, read once per binary straight from
 * .debug_info, for every spec that names a function.
 *
 * A function spec looks at every DW_TAG_subprogram of every unit, in
 * dwarf_getfuncs() order.  Through libdw that costs an abbreviation lookup
 * and an attribute scan per DIE, about 1 us per function: most of the time
 * `xol probe` spends on a binary of thousands of functions.  Here one pass
 * decodes the unit's DIEs directly (an abbreviation table indexed by code,
 * attributes skipped by form) and keeps, per subprogram, its offset and,
 * when nothing else can name it, its DW_AT_name.  The caller globs the
 * names and asks libdw only for the DIEs that match.
 *
 * The pass gives up (and the caller walks with dwarf_getfuncs) on anything
 * it does not know: units other than plain C compile units of DWARF 4 or 5,
 * imported units, an unknown form, compressed string sections, anything
 * out of bounds.  It never gives up half way: the list is complete or
 * there is none.
 *
 * The order is dwarf_getfuncs's for C: a subprogram before its children,
 * and the search descends only through subprograms, lexical blocks and
 * inlined instances, where C can nest a function; declarations are left
 * out, as dwarf_getfuncs leaves them.  Only a GNU nested function can be
 * in another's subtree, and it never has external linkage: in a unit
 * whose every subprogram abbreviation but declarations carries
 * DW_AT_external, no function can be nested, and each function's
 * children are passed over by its DW_AT_sibling, not read.
 *
 * Also kept per unit, once asked for: the functions' address ranges,
 * sorted, so that the function holding an address is a binary search and
 * not a walk of the unit (pbin_func_at); and what walk_lines reports for
 * the whole unit (probe-find.c), so that FUNC:RLN over a glob reads the
 * unit's lines once.
 */
#include <dwarf.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "probe-find.h"

/* A section's bytes, as libdw left them (decompressed in place); size 0 if absent. */
struct sect {
	const unsigned char *p;
	size_t size;
};

/* What pbin_funcs() keeps in the pbin: the sections once, each unit's list once. */
struct pindex {
	struct sect abbrev, str, line_str, str_offsets;
	struct pfuncs *units;
	int nunits;
};

/* One attribute of an abbreviation: its name and form. */
struct aspec {
	uint16_t name, form;
	int size;               /* of its value, or -1 if that depends on the value */
};

/*
 * An abbreviation, decoded once.  Most DIEs inside a function (parameters,
 * variables) have only fixed-size forms and nothing we need: @fixed lets
 * the reader step over them in one addition.
 */
/* What stands after a run of fixed-size values, in a step over a DIE's values. */
enum step_kind {
	STEP_END,               /* nothing: the DIE's values end */
	STEP_STRING,            /* DW_FORM_string */
	STEP_ULEB,              /* a LEB128 number: sdata, udata, loclistx, rnglistx */
	STEP_BLOCK,             /* a block with a ULEB128 length: exprloc, block */
	STEP_FORM,              /* any other form of variable size: attr_value() */
};

/* A step over values: @fixed bytes, then one value of @kind (its @form for STEP_FORM). */
struct skip_step {
	uint32_t fixed;
	uint16_t form;
	uint8_t kind;
};

/*
 * What the reader does with a DIE of an abbreviation, decided once: while
 * listing functions (act[1]) and while stepping over a subtree (act[0]).
 */
enum die_action {
	DIE_BAD,                /* no abbreviation has this code: the data is not what we think */
	DIE_STEP,               /* step over its values (it has no children) */
	DIE_DESCEND,            /* step over its values, then read its children */
	DIE_FUNC,               /* a function: read its name, list it, read its children */
	DIE_FUNC_PASS,          /* the same, its children passed over: none can be a function */
	DIE_PASS,               /* step over it and its children, by DW_AT_sibling if it has one */
	DIE_STOP,               /* an imported unit: libdw follows it; this reader gives up */
};

struct abbrev {
	unsigned tag;
	bool children;
	bool decl;              /* has DW_AT_declaration */
	bool external;          /* has DW_AT_external */
	bool plain;             /* nothing but DW_AT_name can name it */
	int fixed;              /* bytes of all its values, or -1 if one is of variable size */
	/*
	 * Most DIEs of variable size have one or two such values, each a
	 * DW_FORM_string or a block (exprloc): then quick[] has them, with
	 * the fixed-size bytes before each, and quick_after the bytes after.
	 */
	uint8_t nquick;         /* 0: not so, step by steps[] */
	struct {
		uint16_t before;
		uint8_t kind;   /* STEP_STRING or STEP_BLOCK */
	} quick[2];
	uint16_t quick_after;
	uint8_t act[2];         /* enum die_action: [0] stepping over a subtree, [1] listing */
	int name_at;            /* where the DW_AT_name to keep starts among its values, when only
				 * fixed-size values come before it; else -1 */
	unsigned name_idx;      /* which attribute that is */
	int sib_at, sib_size;   /* the same for a DW_AT_sibling of a fixed-size ref form */
	int sib_back;           /* else where it starts before the end of the values, when
				 * only fixed-size values follow it; else -1 */
	unsigned nattrs;
	struct aspec *attrs;    /* NULL: no abbreviation with this code */
	struct skip_step *steps; /* the values in as few steps as their sizes allow, STEP_END last */
};

struct reader {
	const unsigned char *info, *end;        /* the unit, from its first byte */
	Dwarf_Off unit_off;                     /* where it is in .debug_info */
	struct sect str, line_str, str_offsets;
	uint64_t str_offsets_base;
	unsigned version, addr_size, offset_size;
	struct abbrev *ab;                      /* by code */
	size_t nab;
	bool nests;                             /* a function can be in another's subtree */
	struct pfuncs *out;
};

/* DIE attributes that can name a function other than by its DW_AT_name. */
static bool names_elsewhere(unsigned at)
{
	return at == DW_AT_linkage_name || at == DW_AT_MIPS_linkage_name ||
	       at == DW_AT_abstract_origin || at == DW_AT_specification;
}

static bool uleb(const unsigned char **p, const unsigned char *end, uint64_t *v)
{
	unsigned shift = 0;

	*v = 0;
	while (*p < end) {
		unsigned char b = *(*p)++;
		if (shift < 64)
			*v |= (uint64_t)(b & 0x7f) << shift;
		shift += 7;
		if (!(b & 0x80))
			return true;
	}
	return false;
}

static bool skip(const unsigned char **p, const unsigned char *end, uint64_t n)
{
	if (n > (uint64_t)(end - *p))
		return false;
	*p += n;
	return true;
}

static uint64_t rd(const unsigned char *p, unsigned n)
{
	uint64_t v = 0;

	if (n == 4)             /* strp, ref4, sec_offset: one load */
		return (uint64_t)p[0] | (uint64_t)p[1] << 8 | (uint64_t)p[2] << 16 | (uint64_t)p[3] << 24;
	for (unsigned i = 0; i < n; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

static bool fixed(const unsigned char **p, const unsigned char *end, unsigned n, uint64_t *v)
{
	if (n > (size_t)(end - *p))
		return false;
	*v = rd(*p, n);
	*p += n;
	return true;
}

/* The string at @off of a string section; section() made sure the last one ends. */
static const char *sect_str(const struct sect *s, uint64_t off)
{
	return off < s->size ? (const char *)s->p + off : NULL;
}

/*
 * Step over one attribute value of @form.  When @name is not NULL and the
 * form is a string we can read, *name gets it; *value gets a constant or
 * reference value.  false: a form we do not know, or the end of the data.
 */
static bool attr_value(struct reader *r, const unsigned char **p, uint64_t form, const char **name,
		       uint64_t *value)
{
	const unsigned char *end = r->end;
	uint64_t v = 0;

	switch (form) {
	case DW_FORM_flag_present:
	case DW_FORM_implicit_const:
		break;
	case DW_FORM_addr:
		return fixed(p, end, r->addr_size, value);
	case DW_FORM_data1: case DW_FORM_ref1: case DW_FORM_flag: case DW_FORM_strx1: case DW_FORM_addrx1:
		if (!fixed(p, end, 1, &v))
			return false;
		break;
	case DW_FORM_data2: case DW_FORM_ref2: case DW_FORM_strx2: case DW_FORM_addrx2:
		if (!fixed(p, end, 2, &v))
			return false;
		break;
	case DW_FORM_strx3: case DW_FORM_addrx3:
		if (!fixed(p, end, 3, &v))
			return false;
		break;
	case DW_FORM_data4: case DW_FORM_ref4: case DW_FORM_ref_sup4: case DW_FORM_strx4: case DW_FORM_addrx4:
		if (!fixed(p, end, 4, &v))
			return false;
		break;
	case DW_FORM_data8: case DW_FORM_ref8: case DW_FORM_ref_sig8: case DW_FORM_ref_sup8:
		if (!fixed(p, end, 8, &v))
			return false;
		break;
	case DW_FORM_data16:
		return skip(p, end, 16);
	case DW_FORM_sdata: case DW_FORM_udata: case DW_FORM_ref_udata: case DW_FORM_strx:
	case DW_FORM_addrx: case DW_FORM_loclistx: case DW_FORM_rnglistx:
		if (!uleb(p, end, &v))  /* an sdata's bytes are skipped alike */
			return false;
		break;
	case DW_FORM_string: {
		const unsigned char *z = memchr(*p, 0, (size_t)(end - *p));
		if (!z)
			return false;
		if (name)
			*name = (const char *)*p;
		*p = z + 1;
		return true;
	}
	case DW_FORM_strp: case DW_FORM_line_strp: case DW_FORM_sec_offset: case DW_FORM_strp_sup:
	case DW_FORM_GNU_strp_alt: case DW_FORM_GNU_ref_alt:
		if (!fixed(p, end, r->offset_size, &v))
			return false;
		if (name && form == DW_FORM_strp)
			*name = sect_str(&r->str, v);
		else if (name && form == DW_FORM_line_strp)
			*name = sect_str(&r->line_str, v);
		break;
	case DW_FORM_ref_addr:
		return fixed(p, end, r->version < 3 ? r->addr_size : r->offset_size, value);
	case DW_FORM_block1: case DW_FORM_block2: case DW_FORM_block4: case DW_FORM_block:
	case DW_FORM_exprloc: {
		unsigned n = form == DW_FORM_block1 ? 1 : form == DW_FORM_block2 ? 2 :
			     form == DW_FORM_block4 ? 4 : 0;
		if (n ? !fixed(p, end, n, &v) : !uleb(p, end, &v))
			return false;
		return skip(p, end, v);
	}
	case DW_FORM_indirect:
		if (!uleb(p, end, &v))
			return false;
		return v != DW_FORM_indirect && v != DW_FORM_implicit_const &&
		       attr_value(r, p, v, name, value);
	default:
		return false;
	}
	if (name && (form == DW_FORM_strx || form == DW_FORM_strx1 || form == DW_FORM_strx2 ||
		     form == DW_FORM_strx3 || form == DW_FORM_strx4)) {
		uint64_t at = r->str_offsets_base + v * r->offset_size;
		if (r->str_offsets_base && r->str_offsets.size >= r->offset_size &&
		    at <= r->str_offsets.size - r->offset_size)
			*name = sect_str(&r->str, rd(r->str_offsets.p + at, r->offset_size));
	}
	*value = v;
	return true;
}

/* Bytes of a value of @form, or -1 if that depends on the value. */
static int form_size(const struct reader *r, uint64_t form)
{
	switch (form) {
	case DW_FORM_flag_present: case DW_FORM_implicit_const:
		return 0;
	case DW_FORM_data1: case DW_FORM_ref1: case DW_FORM_flag: case DW_FORM_strx1: case DW_FORM_addrx1:
		return 1;
	case DW_FORM_data2: case DW_FORM_ref2: case DW_FORM_strx2: case DW_FORM_addrx2:
		return 2;
	case DW_FORM_strx3: case DW_FORM_addrx3:
		return 3;
	case DW_FORM_data4: case DW_FORM_ref4: case DW_FORM_ref_sup4: case DW_FORM_strx4: case DW_FORM_addrx4:
		return 4;
	case DW_FORM_data8: case DW_FORM_ref8: case DW_FORM_ref_sig8: case DW_FORM_ref_sup8:
		return 8;
	case DW_FORM_data16:
		return 16;
	case DW_FORM_addr:
		return (int)r->addr_size;
	case DW_FORM_strp: case DW_FORM_line_strp: case DW_FORM_sec_offset: case DW_FORM_strp_sup:
	case DW_FORM_GNU_strp_alt: case DW_FORM_GNU_ref_alt:
		return (int)r->offset_size;
	case DW_FORM_ref_addr:
		return (int)(r->version < 3 ? r->addr_size : r->offset_size);
	}
	return -1;
}

static void free_abbrevs(struct reader *r)
{
	for (size_t i = 0; i < r->nab; i++) {
		free(r->ab[i].attrs);
		free(r->ab[i].steps);
	}
	free(r->ab);
}

static enum step_kind step_kind(uint16_t form)
{
	switch (form) {
	case DW_FORM_string:
		return STEP_STRING;
	case DW_FORM_sdata: case DW_FORM_udata: case DW_FORM_loclistx: case DW_FORM_rnglistx:
		return STEP_ULEB;
	case DW_FORM_exprloc: case DW_FORM_block:
		return STEP_BLOCK;
	}
	return STEP_FORM;
}

/* Runs of fixed-size values merged: a parameter's six attributes are two or three steps. */
static bool make_steps(struct abbrev *a)
{
	uint32_t run = 0;
	unsigned n = 0;

	a->steps = malloc((a->nattrs + 1) * sizeof(*a->steps));
	if (!a->steps)
		return false;
	for (unsigned i = 0; i < a->nattrs; i++) {
		if (a->attrs[i].size >= 0) {
			run += (uint32_t)a->attrs[i].size;
			continue;
		}
		a->steps[n++] = (struct skip_step){ run, a->attrs[i].form, step_kind(a->attrs[i].form) };
		run = 0;
	}
	a->steps[n] = (struct skip_step){ run, 0, STEP_END };
	a->nquick = 0;
	if (n > 2 || run > UINT16_MAX)
		return true;
	for (unsigned i = 0; i < n; i++) {
		if ((a->steps[i].kind != STEP_STRING && a->steps[i].kind != STEP_BLOCK) ||
		    a->steps[i].fixed > UINT16_MAX)
			return true;
		a->quick[i].before = (uint16_t)a->steps[i].fixed;
		a->quick[i].kind = a->steps[i].kind;
	}
	a->nquick = (uint8_t)n;
	a->quick_after = (uint16_t)run;
	return true;
}

/* Where C can nest a function: the DIEs dwarf_getfuncs descends through in a C unit. */
static bool descends(unsigned tag)
{
	return tag == DW_TAG_subprogram || tag == DW_TAG_lexical_block ||
	       tag == DW_TAG_inlined_subroutine;
}

static void decide(struct abbrev *a, bool nests)
{
	if (a->tag == DW_TAG_imported_unit) {
		a->act[0] = a->act[1] = DIE_STOP;
		return;
	}
	a->act[0] = a->children ? DIE_PASS : DIE_STEP;
	/* dwarf_getfuncs passes over declarations */
	if (a->tag == DW_TAG_subprogram && !a->decl)
		a->act[1] = nests || !a->children ? DIE_FUNC : DIE_FUNC_PASS;
	else if (!a->children)
		a->act[1] = DIE_STEP;
	else
		a->act[1] = descends(a->tag) ? DIE_DESCEND : DIE_PASS;
}

static bool is_ref(uint16_t form)
{
	return form == DW_FORM_ref1 || form == DW_FORM_ref2 || form == DW_FORM_ref4 || form == DW_FORM_ref8;
}

/* Where a DW_AT_sibling of a fixed-size form is, from either end of the values (sib_at, sib_back). */
static void find_sibling(struct abbrev *a)
{
	unsigned i, at;

	a->sib_at = a->sib_back = -1;
	for (i = 0, at = 0; i < a->nattrs && a->attrs[i].size >= 0; i++) {
		if (a->attrs[i].name == DW_AT_sibling) {
			if (is_ref(a->attrs[i].form)) {
				a->sib_at = (int)at;
				a->sib_size = a->attrs[i].size;
			}
			return;
		}
		at += (unsigned)a->attrs[i].size;
	}
	for (i = a->nattrs, at = 0; i-- > 0 && a->attrs[i].size >= 0;) {
		at += (unsigned)a->attrs[i].size;
		if (a->attrs[i].name == DW_AT_sibling) {
			if (is_ref(a->attrs[i].form)) {
				a->sib_back = (int)at;
				a->sib_size = a->attrs[i].size;
			}
			return;
		}
	}
}

static bool read_abbrevs(struct reader *r, const struct sect *abbrev, uint64_t off)
{
	const unsigned char *p, *end = abbrev->p + abbrev->size;
	uint64_t code, tag, name, form, c;

	if (off >= abbrev->size)
		return false;
	/* every one-byte code has an entry: most DIEs' codes need no bound check */
	r->ab = calloc(128, sizeof(*r->ab));
	if (!r->ab)
		return false;
	r->nab = 128;
	for (p = abbrev->p + off; uleb(&p, end, &code) && code; ) {
		if (code > 65536 || !uleb(&p, end, &tag) || p >= end)
			return false;
		if (code >= r->nab) {
			size_t n = code + 64;
			struct abbrev *ab = realloc(r->ab, n * sizeof(*ab));
			if (!ab)
				return false;
			memset(ab + r->nab, 0, (n - r->nab) * sizeof(*ab));
			r->ab = ab;
			r->nab = n;
		}
		struct abbrev *a = &r->ab[code];
		unsigned cap = 0;
		if (a->attrs)
			return false;   /* a code defined twice */
		a->tag = (unsigned)tag;
		a->children = *p++ == DW_CHILDREN_yes;
		a->plain = true;
		for (;;) {
			if (!uleb(&p, end, &name) || !uleb(&p, end, &form))
				return false;
			if (!name && !form)
				break;
			if (name > 0xffff || form > 0xffff)
				return false;
			if (form == DW_FORM_implicit_const && !uleb(&p, end, &c))
				return false;
			if (a->nattrs == cap) {
				struct aspec *v = realloc(a->attrs, (cap = cap ? cap * 2 : 8) * sizeof(*v));
				if (!v)
					return false;
				a->attrs = v;
			}
			a->attrs[a->nattrs++] =
				(struct aspec){ (uint16_t)name, (uint16_t)form, form_size(r, form) };
			a->plain &= !names_elsewhere((unsigned)name);
			a->decl |= name == DW_AT_declaration;
			a->external |= name == DW_AT_external;
		}
		if (!a->attrs && !(a->attrs = malloc(sizeof(*a->attrs))))
			return false;
		a->fixed = 0;
		for (unsigned i = 0; i < a->nattrs && a->fixed >= 0; i++)
			a->fixed = a->attrs[i].size < 0 ? -1 : a->fixed + a->attrs[i].size;
		a->name_at = -1;
		for (unsigned i = 0, at = 0; a->plain && i < a->nattrs; i++) {
			if (a->attrs[i].name == DW_AT_name) {
				a->name_at = (int)at;
				a->name_idx = i;
				break;
			}
			if (a->attrs[i].size < 0)
				break;
			at += (unsigned)a->attrs[i].size;
		}
		find_sibling(a);
		if (!make_steps(a))
			return false;
	}
	return true;
}

/* What the reader does with each abbreviation, once the unit's are all known. */
static void decide_all(struct reader *r)
{
	r->nests = false;
	for (size_t i = 0; i < r->nab; i++) {
		const struct abbrev *a = &r->ab[i];
		r->nests |= a->attrs && a->tag == DW_TAG_subprogram && !a->decl && !a->external;
	}
	for (size_t i = 0; i < r->nab; i++)
		if (r->ab[i].attrs)
			decide(&r->ab[i], r->nests);
}

/*
 * Step over the values of a DIE nothing is wanted from, from @p: where
 * they end, or NULL on bad data.  The common case, kept tight: @p stays in
 * a register, the rare forms go through a copy.
 */
static const unsigned char *skip_values(struct reader *r, const unsigned char *p, const struct abbrev *a)
{
	const unsigned char *end = r->end, *q;
	uint64_t v;

	for (const struct skip_step *st = a->steps;; st++) {
		if (st->fixed > (size_t)(end - p))
			return NULL;
		p += st->fixed;
		switch (st->kind) {
		case STEP_END:
			return p;
		case STEP_STRING:       /* short names of locals: a loop beats memchr */
			while (p < end && *p)
				p++;
			if (p >= end)
				return NULL;
			p++;
			break;
		case STEP_ULEB:
			while (p < end && (*p & 0x80))
				p++;
			if (p >= end)
				return NULL;
			p++;
			break;
		case STEP_BLOCK:        /* a location: its length nearly always one byte */
			if (p < end && *p < 0x80) {
				v = *p++;
			} else {
				q = p;
				if (!uleb(&q, end, &v))
					return NULL;
				p = q;
			}
			if (v > (size_t)(end - p))
				return NULL;
			p += v;
			break;
		default:
			q = p;
			if (!attr_value(r, &q, st->form, NULL, &v))
				return NULL;
			p = q;
		}
	}
}

/* skip_values() for a DIE whose values of variable size are in a->quick[]. */
static inline const unsigned char *skip_quick(struct reader *r, const unsigned char *p,
					      const struct abbrev *a)
{
	const unsigned char *start = p, *end = r->end;

	for (unsigned i = 0; i < a->nquick; i++) {
		if (a->quick[i].before >= (size_t)(end - p))
			return NULL;
		p += a->quick[i].before;
		if (a->quick[i].kind == STEP_STRING) {  /* a local's short name */
			while (*p)
				if (++p == end)
					return NULL;
			p++;
		} else if (*p < 0x80) {                 /* a location of fewer than 128 bytes */
			if (*p >= (size_t)(end - p))
				return NULL;
			p += 1 + *p;
		} else {
			return skip_values(r, start, a);
		}
	}
	if (a->quick_after > (size_t)(end - p))
		return NULL;
	return p + a->quick_after;
}

/* Step over the values of a DIE of @a: one addition when they are all of fixed size. */
static inline bool step(struct reader *r, const unsigned char **p, const struct abbrev *a)
{
	if (a->fixed >= 0)
		return skip(p, r->end, (uint64_t)a->fixed);
	return (*p = a->nquick ? skip_quick(r, *p, a) : skip_values(r, *p, a)) != NULL;
}

/* The name whose value starts at @q: the usual DW_FORM_strp read in place, any other form by attr_value(). */
static inline bool read_name(struct reader *r, const unsigned char *q, uint16_t form, const char **name)
{
	uint64_t v;

	if (form == DW_FORM_strp && r->offset_size == 4 && (size_t)(r->end - q) >= 4) {
		*name = sect_str(&r->str, rd(q, 4));
		return true;
	}
	return attr_value(r, &q, form, name, &v);
}

/* The values of a function's DIE whose name is not where it always is: one by one. */
static bool read_func_values(struct reader *r, const unsigned char **pp, const struct abbrev *a,
			     const char **name)
{
	uint64_t v;

	if (!a->plain)
		return step(r, pp, a);
	for (unsigned i = 0; i < a->nattrs; i++) {
		const struct aspec *as = &a->attrs[i];
		bool named = as->name == DW_AT_name;
		if (as->size >= 0 && !named) {
			if (!skip(pp, r->end, (uint64_t)as->size))
				return false;
		} else if (!attr_value(r, pp, as->form, named ? name : NULL, &v)) {
			return false;
		}
	}
	return true;
}

static bool grow_funcs(struct pfuncs *o)
{
	int cap = o->cap ? o->cap * 2 : 256;
	struct pfunc *nv = realloc(o->v, (size_t)cap * sizeof(*nv));

	if (!nv)
		return false;
	o->v = nv;
	o->cap = cap;
	return true;
}

/*
 * A function's DIE: its values, its DW_AT_name if nothing else can name
 * it, and it is listed.  In line in the walk: there is one per function,
 * and nearly all have their name where it always is.
 */
static inline bool read_func(struct reader *r, const unsigned char **pp, const struct abbrev *a,
			     const unsigned char *die)
{
	struct pfuncs *o = r->out;
	const char *name = NULL;

	if (a->plain && a->name_at >= 0) {
		/* the name where it always is; the values stepped over as any DIE's */
		if ((size_t)a->name_at >= (size_t)(r->end - *pp) ||
		    !read_name(r, *pp + a->name_at, a->attrs[a->name_idx].form, &name) || !step(r, pp, a))
			return false;
	} else if (!read_func_values(r, pp, a, &name)) {
		return false;
	}
	if (o->n == o->cap && !grow_funcs(o))
		return false;
	o->v[o->n++] = (struct pfunc){ r->unit_off + (uint64_t)(die - r->info), name };
	return true;
}

/*
 * The DW_AT_sibling of a DIE whose values, stepped over, run from @vals
 * to @after, when the abbreviation knows where it is.
 */
static bool fixed_sibling(const struct abbrev *a, const unsigned char *vals, const unsigned char *after,
			  uint64_t *sibling)
{
	if (a->sib_at >= 0)
		*sibling = rd(vals + a->sib_at, (unsigned)a->sib_size);
	else if (a->sib_back >= 0)
		*sibling = rd(after - a->sib_back, (unsigned)a->sib_size);
	else
		return false;
	return true;
}

/* *@pp to @sibling, past the children of the DIE before it, if it is ahead in the unit. */
static bool to_sibling(struct reader *r, const unsigned char **pp, uint64_t sibling)
{
	if (sibling <= (uint64_t)(*pp - r->info) || sibling >= (uint64_t)(r->end - r->info))
		return false;
	*pp = r->info + sibling;
	return true;
}

/*
 * A DIE to pass over with its children: 1 when its DW_AT_sibling took
 * *@pp past them, 0 when they follow (to step over), -1 on bad data.
 */
static int pass(struct reader *r, const unsigned char **pp, const struct abbrev *a)
{
	const unsigned char *vals = *pp;
	uint64_t v, sibling = 0;
	bool has_sibling = false;

	if (a->sib_at >= 0 || a->sib_back >= 0) {
		/* a call site, a type: the sibling where it always is, the values stepped over */
		if (!step(r, pp, a))
			return -1;
		has_sibling = fixed_sibling(a, vals, *pp, &sibling);
	} else {
		for (unsigned i = 0; i < a->nattrs; i++) {
			const struct aspec *as = &a->attrs[i];
			if (as->size >= 0 && as->name != DW_AT_sibling) {
				if (!skip(pp, r->end, (uint64_t)as->size))
					return -1;
				continue;
			}
			if (!attr_value(r, pp, as->form, NULL, &v))
				return -1;
			if (as->name == DW_AT_sibling &&
			    (as->form == DW_FORM_ref1 || as->form == DW_FORM_ref2 ||
			     as->form == DW_FORM_ref4 || as->form == DW_FORM_ref8 ||
			     as->form == DW_FORM_ref_udata)) {
				has_sibling = true;
				sibling = v;
			}
		}
	}
	return has_sibling && to_sibling(r, pp, sibling);   /* its children skipped at once */
}

/* How deep sibling lists may nest: deeper is not a C program's DWARF. */
#define MAX_DEPTH 256

/*
 * The DIEs from *@pp to the end of the sibling list they are in (its 0
 * entry), then *@pp after it: the subprograms among them listed, and read
 * down where a function can nest; elsewhere just stepped over.  One loop
 * and a stack of what each open list wants, not a call per list.
 */
static bool read_dies(struct reader *r, const unsigned char **pp)
{
	const unsigned char *p = *pp, *end = r->end;
	const struct abbrev *ab = r->ab;
	const size_t nab = r->nab;
	bool want[MAX_DEPTH], w = true;         /* w: want[depth] */
	int depth = 0;

	want[0] = true;
	for (;;) {
		const unsigned char *die = p;
		const struct abbrev *a;
		uint64_t code;
		uint8_t act;

		if (p >= end)
			return false;
		if (*p < 0x80) {
			code = *p++;    /* nearly every code fits in a byte, and has an entry */
		} else if (!uleb(&p, end, &code) || code >= nab) {
			return false;
		}
		if (!code) {            /* the end of a list: one DIE in five */
			if (!depth--)
				goto done;
			w = want[depth];
			continue;
		}
		a = &ab[code];
		act = a->act[w];
		if (act == DIE_STEP) {  /* most DIEs: parameters, variables, types */
			if (!step(r, &p, a))
				return false;
			continue;
		}
		switch (act) {
		case DIE_DESCEND:
			if (!step(r, &p, a))
				return false;
			w = true;
			break;
		case DIE_FUNC:
		case DIE_FUNC_PASS: {
			const unsigned char *vals = p;
			uint64_t sibling;
			if (!read_func(r, &p, a, die))
				return false;
			if (!a->children)
				continue;
			if (act == DIE_FUNC_PASS && fixed_sibling(a, vals, p, &sibling) &&
			    to_sibling(r, &p, sibling))
				continue;
			w = act == DIE_FUNC;
			break;
		}
		case DIE_PASS:
			switch (pass(r, &p, a)) {
			case 1:
				continue;
			case 0:
				w = false;
				break;
			default:
				return false;
			}
			break;
		default:                /* DIE_BAD, DIE_STOP */
			return false;
		}
		if (++depth == MAX_DEPTH)
			return false;
		want[depth] = w;
	}
done:
	*pp = p;
	return true;
}

/* @want's bytes; @strings: a string section, whose last string must end, for sect_str(). */
static struct sect section(Elf *e, const char *want, bool strings)
{
	struct sect s = { NULL, 0 };
	Elf_Scn *scn = NULL;
	size_t shstrndx;

	if (!e || elf_getshdrstrndx(e, &shstrndx))
		return s;
	while ((scn = elf_nextscn(e, scn))) {
		GElf_Shdr sh;
		const char *name;
		Elf_Data *d;
		if (!gelf_getshdr(scn, &sh) || !(name = elf_strptr(e, shstrndx, sh.sh_name)) ||
		    strcmp(name, want))
			continue;
		if (sh.sh_type == SHT_NOBITS || (sh.sh_flags & SHF_COMPRESSED) ||
		    !(d = elf_getdata(scn, NULL)) || !d->d_buf)
			return s;
		s.p = d->d_buf;
		s.size = d->d_size;
		if (strings && s.size && s.p[s.size - 1])
			s.size = 0;
		return s;
	}
	return s;
}

/* Step over the unit DIE at *@pp to its children: 1, or 0 if it has none, -1 if unreadable. */
static int unit_die(struct reader *r, const unsigned char **pp)
{
	uint64_t code, v;
	struct abbrev *a;

	if (!uleb(pp, r->end, &code) || !code || code >= r->nab || !r->ab[code].attrs)
		return -1;
	a = &r->ab[code];
	for (unsigned i = 0; i < a->nattrs; i++)
		if (!attr_value(r, pp, a->attrs[i].form, NULL, &v))
			return -1;
	return a->children;
}

/* Read the unit at @unit_off into @out; false if this reader cannot. */
static bool read_unit(struct pbin *b, struct pindex *ix, Dwarf_Off unit_off, Dwarf_Die *cu,
		      struct pfuncs *out)
{
	struct reader r = { .out = out };
	Dwarf_Off next, abbrev_off;
	Dwarf_Half version;
	uint8_t addr_size, offset_size, unit_type;
	size_t hsize;
	Dwarf_Attribute at;
	Dwarf_Word lang, base;
	const unsigned char *p;
	bool ok;
	int kids;

	if (dwarf_next_unit(b->dw, unit_off, &next, &hsize, &version, &abbrev_off, &addr_size,
			    &offset_size, NULL, NULL) ||
	    dwarf_cu_info(cu->cu, NULL, &unit_type, NULL, NULL, NULL, NULL, NULL))
		return false;
	if ((version != 4 && version != 5) || unit_type != DW_UT_compile ||
	    dwarf_tag(cu) != DW_TAG_compile_unit || dwarf_dieoffset(cu) != unit_off + hsize)
		return false;
	if (!dwarf_attr(cu, DW_AT_language, &at) || dwarf_formudata(&at, &lang) ||
	    (lang != DW_LANG_C89 && lang != DW_LANG_C && lang != DW_LANG_C99 && lang != DW_LANG_C11))
		return false;
	r.str = ix->str;
	r.line_str = ix->line_str;
	r.str_offsets = ix->str_offsets;
	if (dwarf_attr(cu, DW_AT_str_offsets_base, &at) && !dwarf_formudata(&at, &base))
		r.str_offsets_base = base;
	r.unit_off = unit_off;
	r.version = version;
	r.addr_size = addr_size;
	r.offset_size = offset_size;
	/* cu->addr points into the .debug_info bytes libdw reads: the unit starts hsize before it */
	r.info = (const unsigned char *)cu->addr - hsize;
	r.end = r.info + (next - unit_off);
	p = r.info + hsize;
	ok = read_abbrevs(&r, &ix->abbrev, abbrev_off);
	if (ok)
		decide_all(&r);
	ok = ok && (kids = unit_die(&r, &p)) >= 0 &&
	     (!kids || read_dies(&r, &p));
	free_abbrevs(&r);
	return ok;
}

struct pfuncs *pbin_funcs(struct pbin *b, Dwarf_Die *cu)
{
	Dwarf_Off unit_off = dwarf_dieoffset(cu) - dwarf_cuoffset(cu);
	struct pindex *ix = b->index;
	struct pfuncs *f;

	if (!ix) {
		Elf *e = dwarf_getelf(b->dw);
		ix = b->index = calloc(1, sizeof(*ix));
		if (!ix)
			return NULL;
		ix->abbrev = section(e, ".debug_abbrev", false);
		ix->str = section(e, ".debug_str", true);
		ix->line_str = section(e, ".debug_line_str", true);
		ix->str_offsets = section(e, ".debug_str_offsets", false);
	}
	for (int i = 0; i < ix->nunits; i++)
		if (ix->units[i].unit == unit_off)
			return ix->units[i].ok ? &ix->units[i] : NULL;
	f = realloc(ix->units, (size_t)(ix->nunits + 1) * sizeof(*f));
	if (!f)
		return NULL;
	ix->units = f;
	f = &ix->units[ix->nunits++];
	memset(f, 0, sizeof(*f));
	f->unit = unit_off;
	f->ok = ix->abbrev.size && read_unit(b, ix, unit_off, cu, f);
	if (!f->ok) {
		free(f->v);
		f->v = NULL;
		f->n = 0;
	}
	return f->ok ? f : NULL;
}

/* --- which function holds an address ----------------------------------------- */

struct prange {
	Dwarf_Addr lo, hi;
	Dwarf_Addr maxhi;       /* the highest hi of this range and all sorted before it */
	int idx;                /* the function, in DIE order */
};

static int cmp_range(const void *a, const void *b)
{
	const struct prange *x = a, *y = b;

	return x->lo < y->lo ? -1 : x->lo > y->lo;
}

static bool read_ranges(struct pbin *b, struct pfuncs *f)
{
	int cap = 0;

	for (int i = 0; i < f->n; i++) {
		Dwarf_Die d;
		Dwarf_Addr base, lo, hi;
		ptrdiff_t off = 0;

		if (!dwarf_offdie(b->dw, f->v[i].off, &d))
			return false;
		/* what dwarf_haspc() looks through */
		while ((off = dwarf_ranges(&d, off, &base, &lo, &hi)) > 0) {
			if (f->nranges == cap) {
				cap = cap ? cap * 2 : 256;
				struct prange *nv = realloc(f->ranges, (size_t)cap * sizeof(*nv));
				if (!nv)
					return false;
				f->ranges = nv;
			}
			f->ranges[f->nranges++] = (struct prange){ lo, hi, 0, i };
		}
	}
	qsort(f->ranges, (size_t)f->nranges, sizeof(*f->ranges), cmp_range);
	for (int i = 0; i < f->nranges; i++)
		f->ranges[i].maxhi = i && f->ranges[i - 1].maxhi > f->ranges[i].hi ? f->ranges[i - 1].maxhi
									   : f->ranges[i].hi;
	return true;
}

/*
 * For C units the subprograms that can hold code are the indexed ones, in
 * DIE order; the first (lowest index) whose ranges hold @addr is the one a
 * walk of the whole unit meets first.
 */
int pbin_func_at(struct pbin *b, Dwarf_Die *cu, Dwarf_Addr addr, Dwarf_Die *out)
{
	struct pfuncs *f = pbin_funcs(b, cu);
	int lo = 0, hi, best = -1;

	if (!f)
		return -1;
	if (!f->ranges_read) {
		f->ranges_read = true;
		if (!read_ranges(b, f)) {
			free(f->ranges);
			f->ranges = NULL;
			f->nranges = -1;
		}
	}
	if (f->nranges < 0)
		return -1;
	/* the last range starting at or below addr, then back while one could still reach it */
	hi = f->nranges - 1;
	while (lo <= hi) {
		int m = lo + (hi - lo) / 2;
		if (f->ranges[m].lo <= addr)
			lo = m + 1;
		else
			hi = m - 1;
	}
	for (int i = hi; i >= 0 && f->ranges[i].maxhi > addr; i--)
		if (addr >= f->ranges[i].lo && addr < f->ranges[i].hi &&
		    (best < 0 || f->ranges[i].idx < best))
			best = f->ranges[i].idx;
	if (best < 0)
		return 0;
	return dwarf_offdie(b->dw, f->v[best].off, out) ? 1 : -1;
}

void pbin_index_free(struct pbin *b)
{
	struct pindex *ix = b->index;

	if (!ix)
		return;
	for (int i = 0; i < ix->nunits; i++) {
		free(ix->units[i].v);
		free(ix->units[i].ranges);
		free(ix->units[i].lines);
		free(ix->units[i].rows);
		free(ix->units[i].lines_by_line);
		free(ix->units[i].rows_by_line);
	}
	free(ix->units);
	free(ix);
	b->index = NULL;
}
