// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * An event's `format` file, read back from a perf.data file's tracing
 * data the way perf's libtraceevent reads it: the same field flags
 * (array, string, dynamic, long), the same failures (a field list it
 * cannot parse ends the list and marks the event [FAILED TO PARSE]), and
 * the print fmt cut into literal text and conversions.  The event is
 * also rebuilt as a struct tp_event, which is what script engines and
 * xol report take.
 *
 * Only the print fmt arguments that probe events use are understood:
 * REC->f, REC->f[N] and __get_str(f).  Anything else marks the event
 * failed, which prints its fields raw, as perf does for what it cannot
 * parse.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "perf-data.h"

/* A line: pointer and length, without the newline. */
struct line {
	const char *p;
	size_t n;
};

static bool next_line(const char **at, const char *end, struct line *l)
{
	if (*at >= end)
		return false;
	const char *nl = memchr(*at, '\n', (size_t)(end - *at));
	l->p = *at;
	l->n = (size_t)((nl ? nl : end) - *at);
	*at = nl ? nl + 1 : end;
	return true;
}

static bool starts(const struct line *l, const char *s)
{
	size_t n = strlen(s);

	return l->n >= n && !memcmp(l->p, s, n);
}

static char *dupn(const char *p, size_t n)
{
	char *s = malloc(n + 1);

	if (s) {
		memcpy(s, p, n);
		s[n] = 0;
	}
	return s;
}

/* Tokens of a field declaration: words, or one punctuation character. */
static size_t decl_tokens(const char *p, size_t n, const char **tok, size_t *len, size_t max)
{
	size_t nt = 0, i = 0;

	while (i < n && nt < max) {
		if (isspace((unsigned char)p[i])) {
			i++;
			continue;
		}
		size_t j = i;
		if (isalnum((unsigned char)p[i]) || p[i] == '_') {
			while (j < n && (isalnum((unsigned char)p[j]) || p[j] == '_'))
				j++;
		} else {
			j = i + 1;
		}
		tok[nt] = p + i;
		len[nt++] = j - i;
		i = j;
	}
	return nt;
}

static bool is_word(const char *t)
{
	return isalnum((unsigned char)*t) || *t == '_';
}

static uint32_t type_size(const char *name)
{
	static const struct { const char *n; uint32_t s; } t[] = {
		{ "char", 1 }, { "u8", 1 }, { "s8", 1 }, { "short", 2 }, { "u16", 2 }, { "s16", 2 },
		{ "int", 4 }, { "u32", 4 }, { "s32", 4 }, { "long", 8 }, { "u64", 8 }, { "s64", 8 },
	};
	size_t n = strcspn(name, "[");

	if (!strncmp(name, "unsigned ", 9)) {
		name += 9;
		n -= 9;
	}
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		if (strlen(t[i].n) == n && !strncmp(t[i].n, name, n))
			return t[i].s;
	return 0;
}

/*
 * "field:TYPE NAME[N];\toffset:O;\tsize:S;\tsigned:G;" as event_read_fields
 * takes it.  Returns 0, or -1 where libtraceevent gives up.
 */
static int parse_field(const struct line *l, struct pf_field *f)
{
	const char *p = l->p + strspn(l->p, "\t ");
	const char *end = l->p + l->n;
	const char *semi;
	const char *tok[64];
	size_t len[64];

	memset(f, 0, sizeof(*f));
	if ((size_t)(end - p) < 6 || memcmp(p, "field:", 6))
		return -1;
	p += 6;
	semi = memchr(p, ';', (size_t)(end - p));
	if (!semi)
		return -1;
	size_t nt = decl_tokens(p, (size_t)(semi - p), tok, len, 64);
	size_t i = 0;
	char type[256] = "", name[128] = "";
	uint32_t size_dynamic = 0;

	/* the type: words and '*' while another word or '*' follows */
	while (i + 1 < nt && (is_word(tok[i + 1]) || *tok[i + 1] == '*')) {
		if (*tok[i + 1] == '*' || *tok[i] == '*')
			f->is_pointer |= *tok[i + 1] == '*';
		if (strlen(type) + len[i] + 2 >= sizeof(type))
			return -1;
		if (*type)
			strcat(type, " ");
		strncat(type, tok[i], len[i]);
		i++;
	}
	if (!*type || i >= nt || len[i] >= sizeof(name))
		return -1;
	memcpy(name, tok[i], len[i]);
	name[len[i]] = 0;
	i++;
	if (i < nt && *tok[i] == '[') {
		char brackets[64] = "[";
		f->is_array = true;
		i++;
		while (i < nt && *tok[i] != ']') {
			f->arraylen = (uint32_t)strtoul(tok[i], NULL, 0);
			if (strlen(brackets) + len[i] + 1 >= sizeof(brackets))
				return -1;
			strncat(brackets, tok[i], len[i]);
			i++;
		}
		if (i >= nt)
			return -1;
		strcat(brackets, "]");
		i++;
		if (i < nt && is_word(tok[i])) {
			/* "type [] item": the brackets belong to the type */
			if (strlen(type) + strlen(name) + strlen(brackets) + 2 >= sizeof(type))
				return -1;
			strcat(type, " ");
			strcat(type, name);
			strcat(type, brackets);
			size_dynamic = type_size(name);
			if (len[i] >= sizeof(name))
				return -1;
			memcpy(name, tok[i], len[i]);
			name[len[i]] = 0;
			i++;
		} else {
			if (strlen(type) + strlen(brackets) + 1 >= sizeof(type))
				return -1;
			strcat(type, brackets);
		}
	}
	if (i != nt)
		return -1; /* "expected ';'" */

	f->is_string = f->is_array && (strstr(type, "char") || strstr(type, "u8") || strstr(type, "s8"));
	f->is_dynamic = !strncmp(type, "__data_loc", 10);
	f->is_long = strstr(type, "long") != NULL;

	p = semi + 1;
	unsigned long v[3] = { 0, 0, 0 };
	static const char *const keys[3] = { "offset:", "size:", "signed:" };
	for (int k = 0; k < 3; k++) {
		p += strspn(p, "\t ");
		size_t kl = strlen(keys[k]);
		if (end - p < (long)kl || memcmp(p, keys[k], kl)) {
			if (k == 2)
				break; /* signed: is optional */
			return -1;
		}
		char *e;
		v[k] = strtoul(p + kl, &e, 0);
		if (e == p + kl || e >= end || *e != ';')
			return -1;
		p = e + 1;
	}
	if (v[0] > 0xffff || v[1] > 0xffff)
		return -1;
	f->offset = (uint32_t)v[0];
	f->size = (uint32_t)v[1];
	f->is_signed = v[2] != 0;
	if (f->is_array) {
		if (f->arraylen)
			f->elemsize = f->size / f->arraylen;
		else if (f->is_dynamic)
			f->elemsize = size_dynamic;
		else if (f->is_string)
			f->elemsize = 1;
		else if (f->is_long)
			f->elemsize = 8;
	} else {
		f->elemsize = f->size;
	}
	f->type = strdup(type);
	f->name = strdup(name);
	return f->type && f->name ? 0 : -1;
}

static int find_field(const struct perf_evfmt *ef, const char *name, size_t n)
{
	for (unsigned i = 0; i < ef->nfields; i++)
		if (strlen(ef->fields[i].name) == n && !memcmp(ef->fields[i].name, name, n))
			return (int)i;
	return -1;
}

/* "\"fmt\", arg, arg": the literal cut at each conversion, then each argument. */
static int parse_print_fmt(struct perf_evfmt *ef, const char *p, const char *end)
{
	struct pf_seg *segs = NULL;
	unsigned nsegs = 0;
	/* an unknown conversion prints as >c<: up to three bytes for each one read */
	char *lit = malloc(3 * (size_t)(end - p) + 1);
	size_t ll = 0;

	if (!lit || p >= end || *p != '"')
		goto fail;
	p++;
	/* the literal, with libtraceevent's escapes: \n \t \r \\, else the character */
	for (;;) {
		if (p >= end)
			goto fail;
		char c = *p++;
		if (c == '"')
			break;
		if (c == '\\') {
			if (p >= end)
				goto fail;
			c = *p++;
			c = c == 'n' ? '\n' : c == 't' ? '\t' : c == 'r' ? '\r' : c;
			lit[ll++] = c;
			continue;
		}
		if (c != '%') {
			lit[ll++] = c;
			continue;
		}
		/* a conversion */
		const char *save = p - 1;
		int8_t ls = 0;
		char letter = 0;
		while (p < end && !letter) {
			c = *p++;
			switch (c) {
			case '%':
				if (p - 1 == save + 1) {
					lit[ll++] = '%';
					letter = -1;
				}
				break;
			case '#': case '.': case 'z': case 'Z': case '-':
			case '0': case '1': case '2': case '3': case '4':
			case '5': case '6': case '7': case '8': case '9':
				break;
			case 'h': ls--; break;
			case 'l': ls++; break;
			case 'L': ls = 2; break;
			case 'd': case 'u': case 'i': case 'x': case 'X': case 'o': case 's':
				letter = c;
				break;
			default:
				/* libtraceevent prints what it does not know as >c< and takes no argument */
				lit[ll++] = '>';
				lit[ll++] = c;
				lit[ll++] = '<';
				letter = -1;
			}
		}
		if (letter <= 0)
			continue;
		struct pf_seg *ns = realloc(segs, (nsegs + 1) * sizeof(*ns));
		if (!ns || (size_t)(p - save) >= sizeof(ns->conv))
			goto fail_ns;
		segs = ns;
		struct pf_seg *s = &segs[nsegs++];
		memset(s, 0, sizeof(*s));
		s->lit = dupn(lit, ll);
		s->litlen = (uint32_t)ll;
		memcpy(s->conv, save, (size_t)(p - save));
		s->letter = letter;
		s->ls = ls;
		ll = 0;
		if (!s->lit)
			goto fail;
		continue;
fail_ns:
		if (ns)
			segs = ns;
		goto fail;
	}
	/* the tail literal */
	struct pf_seg *ns = realloc(segs, (nsegs + 1) * sizeof(*ns));
	if (!ns)
		goto fail;
	segs = ns;
	memset(&segs[nsegs], 0, sizeof(*segs));
	segs[nsegs].lit = dupn(lit, ll);
	segs[nsegs].litlen = (uint32_t)ll;
	nsegs++;
	ef->segs = segs;
	ef->nsegs = nsegs;
	free(lit);
	lit = NULL;
	if (!segs[nsegs - 1].lit)
		return -1;

	/* the arguments, one per conversion, in order */
	unsigned ai = 0;
	while (p < end) {
		p += strspn(p, " \t");
		if (p >= end)
			break;
		if (*p != ',')
			return -1;
		p++;
		p += strspn(p, " \t");
		const char *a = p;
		int depth = 0;
		while (p < end && (depth || *p != ',')) {
			depth += *p == '(' || *p == '[';
			depth -= *p == ')' || *p == ']';
			p++;
		}
		const char *ae = p;
		while (ae > a && isspace((unsigned char)ae[-1]))
			ae--;
		if (ai >= nsegs - 1)
			continue; /* more arguments than conversions: never used */
		struct pf_seg *s = &segs[ai++];
		if (ae - a > 5 && !memcmp(a, "REC->", 5)) {
			const char *nm = a + 5, *br = memchr(nm, '[', (size_t)(ae - nm));
			s->field = find_field(ef, nm, (size_t)((br ? br : ae) - nm));
			s->arg = br ? PF_ARG_INDEX : PF_ARG_FIELD;
			if (br)
				s->index = (uint32_t)strtoul(br + 1, NULL, 0);
		} else if (ae - a > 10 && !memcmp(a, "__get_str(", 10) && ae[-1] == ')') {
			s->field = find_field(ef, a + 10, (size_t)(ae - 1 - (a + 10)));
			s->arg = PF_ARG_STR;
		} else {
			return -1;
		}
		if (s->field < 0)
			return -1;
	}
	/* a conversion without an argument: "[FAILED TO PARSE]" */
	return ai >= nsegs - 1 ? 0 : -1;
fail:
	free(lit);
	for (unsigned i = 0; i < nsegs; i++)
		free(segs[i].lit);
	free(segs);
	return -1;
}

/* The tp_event that engines and reports see: args are the non-common, non-__probe fields. */
static int rebuild_event(struct perf_evfmt *ef)
{
	struct tp_event *ev = &ef->ev;

	ev->args = calloc(ef->nfields ? ef->nfields : 1, sizeof(*ev->args));
	if (!ev->args)
		return -1;
	for (unsigned i = ef->ncommon; i < ef->nfields; i++) {
		const struct pf_field *f = &ef->fields[i];
		if (!strcmp(f->name, "__probe_ret_ip"))
			ev->is_return = true;
		if (!strcmp(f->name, "__probe_ip") || !strcmp(f->name, "__probe_func") ||
		    !strcmp(f->name, "__probe_ret_ip"))
			continue;
		struct tp_arg *a = &ev->args[ev->nargs++];
		snprintf(a->name, sizeof(a->name), "%s", f->name);
		a->offset = f->offset;
		/* the kind from the print fmt text after " NAME=": 0x%, '%c', %d or %u */
		char key[TP_ARG_NAME_MAX + 4];
		snprintf(key, sizeof(key), " %s=", f->name);
		const char *k = ef->print_fmt ? strstr(ef->print_fmt, key) : NULL;
		char kind = 'u';
		if (k) {
			k += strlen(key);
			k += *k == '{';
			kind = !strncmp(k, "0x", 2) ? 'x' : !strncmp(k, "'%c'", 4) ? 'c'
			     : strchr("dDi", k[strcspn(k, "diuxXsc")]) ? 'd' : 'u';
		}
		uint32_t es = f->is_array && f->arraylen ? f->size / f->arraylen
			    : f->is_array ? type_size(f->type) : f->size;
		if (f->is_dynamic) {
			a->type.kind = TP_TYPE_STRING;
			a->type.size = 4;
			if (f->size > 4)
				a->type.count = (uint8_t)(f->size / 4);
		} else {
			a->type.kind = kind == 'x' ? TP_TYPE_X : kind == 'c' ? TP_TYPE_CHAR
				     : kind == 'd' || f->is_signed ? TP_TYPE_S : TP_TYPE_U;
			if (!es || es > 8 || (es & (es - 1)))
				es = f->size && f->size <= 8 ? f->size : 1;
			a->type.size = (uint8_t)es;
			if (f->is_array)
				a->type.count = (uint8_t)(f->size / es);
		}
		uint32_t end = f->offset + f->size;
		if (end > ev->fixed_size)
			ev->fixed_size = end;
	}
	return 0;
}

struct perf_evfmt *pf_parse(const char *sys, const char *text, size_t len)
{
	const char *at = text, *end = text + len;
	struct perf_evfmt *ef = calloc(1, sizeof(*ef));
	struct line l;
	int part = 0; /* 0 header, 1 common fields, 2 fields, 3 after */
	bool have_name = false, have_id = false;

	if (!ef)
		return NULL;
	snprintf(ef->ev.group, sizeof(ef->ev.group), "%s", sys);
	while (next_line(&at, end, &l)) {
		if (part == 0) {
			if (starts(&l, "name: ")) {
				size_t n = l.n - 6 < TP_NAME_MAX ? l.n - 6 : TP_NAME_MAX;
				memcpy(ef->ev.name, l.p + 6, n);
				ef->ev.name[n] = 0;
				have_name = true;
			} else if (starts(&l, "ID: ")) {
				char buf[24];
				size_t n = l.n - 4 < sizeof(buf) - 1 ? l.n - 4 : sizeof(buf) - 1;
				memcpy(buf, l.p + 4, n);
				buf[n] = 0;
				char *e;
				unsigned long id = strtoul(buf, &e, 10);
				if (e == buf || id > 0xffff)
					goto bad;
				ef->ev.id = (uint16_t)id;
				have_id = true;
			} else if (starts(&l, "format:")) {
				part = 1;
			}
			continue;
		}
		if (part == 1 || part == 2) {
			if (!l.n || strspn(l.p, " \t") >= l.n) {
				if (part == 1)
					ef->ncommon = ef->nfields;
				part++;
				continue;
			}
			if (ef->failed)
				continue;
			struct pf_field *nf = realloc(ef->fields, (ef->nfields + 1) * sizeof(*nf));
			if (!nf)
				goto bad;
			ef->fields = nf;
			if (parse_field(&l, &ef->fields[ef->nfields])) {
				free(ef->fields[ef->nfields].name);
				free(ef->fields[ef->nfields].type);
				ef->failed = true;   /* the fields parsed so far stay */
				continue;
			}
			ef->nfields++;
			continue;
		}
		if (starts(&l, "print fmt: ")) {
			ef->print_fmt = dupn(l.p + 11, l.n - 11);
			if (!ef->failed && parse_print_fmt(ef, l.p + 11, l.p + l.n)) {
				for (unsigned i = 0; i < ef->nsegs; i++)
					free(ef->segs[i].lit);
				free(ef->segs);
				ef->segs = NULL;
				ef->nsegs = 0;
				ef->failed = true;
			}
			break;
		}
	}
	if (!have_name || !have_id || part < 2)
		goto bad;
	if (!ef->nsegs)
		ef->failed = true;
	if (rebuild_event(ef))
		goto bad;
	return ef;
bad:
	pf_free(ef);
	return NULL;
}

void pf_free(struct perf_evfmt *ef)
{
	if (!ef)
		return;
	for (unsigned i = 0; i < ef->nfields; i++) {
		free(ef->fields[i].name);
		free(ef->fields[i].type);
	}
	for (unsigned i = 0; i < ef->nsegs; i++)
		free(ef->segs[i].lit);
	free(ef->fields);
	free(ef->segs);
	free(ef->ev.args);
	free(ef->evname);
	free(ef->print_fmt);
	free(ef);
}
