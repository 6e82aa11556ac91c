// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * perf probe's probe-point language, parsed as perf 6.1 parses it (so that
 * the same SPEC names the same place and the same args), with one
 * extension: C++'s "::" belongs to a function name, where perf takes the
 * first ':' for a line number and refuses.
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "probe-spec.h"

static int fail(char *err, size_t len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, len, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

bool pspec_is_c_varname(const char *s)
{
	return isalpha((unsigned char)s[0]) || s[0] == '_';
}

bool pspec_is_glob(const char *s)
{
	return strpbrk(s, "*?[") != NULL;
}

bool pspec_glob(const char *pat, const char *s)
{
	while (*pat) {
		if (*pat == '*') {
			while (*pat == '*')
				pat++;
			if (!*pat)
				return true;
			for (; *s; s++)
				if (pspec_glob(pat, s))
					return true;
			return false;
		}
		if (!*s)
			return false;
		if (*pat == '?') {
			pat++, s++;
			continue;
		}
		if (*pat == '[') {
			const char *p = pat + 1;
			bool neg = *p == '!' || *p == '^', hit = false;
			if (neg)
				p++;
			for (; *p && *p != ']'; p++) {
				if (p[1] == '-' && p[2] && p[2] != ']') {
					hit |= *s >= p[0] && *s <= p[2];
					p += 2;
				} else {
					hit |= *s == *p;
				}
			}
			if (!*p || hit == neg)
				return false;
			pat = p + 1, s++;
			continue;
		}
		if (*pat == '\\' && pat[1])
			pat++;
		if (*pat++ != *s++)
			return false;
	}
	return !*s;
}

bool pspec_lazy_match(const char *pat, const char *s)
{
	char *a = malloc(strlen(pat) + 1), *b = malloc(strlen(s) + 1);
	size_t i = 0, j = 0;
	bool r = false;

	if (a && b) {
		for (; *pat; pat++)
			if (!isspace((unsigned char)*pat))
				a[i++] = *pat;
		for (; *s; s++)
			if (!isspace((unsigned char)*s))
				b[j++] = *s;
		a[i] = b[j] = 0;
		r = pspec_glob(a, b);
	}
	free(a);
	free(b);
	return r;
}

/* The first of @set in @s, skipping backslash escapes and C++'s "::". */
static char *find_sep(char *s, const char *set)
{
	for (; *s; s++) {
		if (*s == '\\' && s[1]) {
			s++;
			continue;
		}
		if (s[0] == ':' && s[1] == ':') {
			s++;
			continue;
		}
		if (strchr(set, *s))
			return s;
	}
	return NULL;
}

static char *dup_unescape(const char *s)
{
	char *r = malloc(strlen(s) + 1), *d = r;

	if (!r)
		return NULL;
	for (; *s; s++) {
		if (*s == '\\' && s[1])
			s++;
		*d++ = *s;
	}
	*d = 0;
	return r;
}

static int parse_point(char *arg, struct pspec *ps, char *err, size_t len)
{
	char *p, *name, nc = 0;
	bool file_spec = false;

	/* SDT: sdt_PROVIDER:NAME, %PROVIDER:NAME, %sdt_PROVIDER:NAME */
	if (arg[0] == '%' || (!strncmp(arg, "sdt_", 4) && strchr(arg, ':') &&
			      !strpbrk(arg, "=@+%;"))) {
		char *c = strchr(arg, ':');
		if (arg[0] == '%')
			arg++;
		if (!c || !c[1] || c == arg)
			return fail(err, len, "'%s': an SDT marker is PROVIDER:NAME", ps->text);
		*c = 0;
		ps->sdt = true;
		ps->sdt_group = strdup(strncmp(arg, "sdt_", 4) ? arg : arg + 4);
		ps->sdt_name = strdup(c + 1);
		return 0;
	}
	p = strpbrk(arg, ";=@+%");
	if (p && *p == '=') {
		*p = 0;
		name = arg;
		arg = p + 1;
		char *c = strchr(name, ':');
		if (c) {
			*c = 0;
			ps->group = strdup(name);
			name = c + 1;
		}
		if (!*name || !pspec_is_c_varname(name))
			return fail(err, len, "'%s' is not a valid event name", name);
		for (char *q = name; *q; q++)
			if (!isalnum((unsigned char)*q) && *q != '_')
				return fail(err, len, "'%s' is not a valid event name", name);
		ps->event = strdup(name);
	}
	if (!find_sep(arg, "+@%")) {
		p = find_sep(arg, ";:");
		if (p && memchr(arg, '.', (size_t)(p - arg)))
			file_spec = true;
	}
	p = find_sep(arg, ";:+@%");
	if (p) {
		nc = *p;
		*p++ = 0;
	}
	if (arg[0]) {
		char *t = dup_unescape(arg);
		if (file_spec) {
			ps->file = t;
		} else {
			ps->func = t;
			if (!strncmp(t, "0x", 2)) {
				char *end;
				ps->abs_addr = strtoull(t, &end, 0);
				ps->has_abs = true;
				if (*end)
					return fail(err, len, "'%s': invalid absolute address", t);
			}
		}
	}
	while (p) {
		char c = nc, *end;
		arg = p;
		if (c == ';') {
			ps->lazy = strdup(arg);
			break;
		}
		p = find_sep(arg, ";:+@%");
		if (p) {
			nc = *p;
			*p++ = 0;
		}
		switch (c) {
		case ':':
			ps->line = (int)strtoul(arg, &end, 0);
			if (*end || end == arg)
				return fail(err, len, "'%s': there is a non-digit char in the line number '%s'",
					    ps->text, arg);
			break;
		case '+':
			ps->offset = strtoul(arg, &end, 0);
			if (*end || end == arg)
				return fail(err, len, "'%s': there is a non-digit char in the offset '%s'",
					    ps->text, arg);
			break;
		case '@':
			if (ps->file)
				return fail(err, len, "'%s': SRC@SRC is not allowed", ps->text);
			ps->file = dup_unescape(arg);
			break;
		case '%':
			if (strcmp(arg, "return"))
				return fail(err, len, "'%s': %%%s is not supported (only %%return)",
					    ps->text, arg);
			ps->retprobe = true;
			break;
		}
	}
	if (ps->lazy && ps->line)
		return fail(err, len, "'%s': a lazy pattern can't be used with a line number", ps->text);
	if (ps->lazy && ps->offset)
		return fail(err, len, "'%s': a lazy pattern can't be used with an offset", ps->text);
	if (ps->line && ps->offset)
		return fail(err, len, "'%s': an offset can't be used with a line number", ps->text);
	if (!ps->line && !ps->lazy && ps->file && !ps->func)
		return fail(err, len, "'%s': a source file needs a line number (SRC:LINE) or a pattern (SRC;PTN)",
			    ps->text);
	if (ps->offset && !ps->func)
		return fail(err, len, "'%s': a relative offset is only for a function", ps->text);
	if ((ps->offset || ps->line || ps->lazy) && ps->retprobe)
		return fail(err, len, "'%s': an offset, a line or a pattern can't be used with %%return",
			    ps->text);
	if (!ps->func && !ps->file)
		return fail(err, len, "'%s': no function or source file", ps->text);
	return 0;
}

static int parse_arg(char *s, struct pspec_arg *a, char *err, size_t len)
{
	char *t, *goodname;

	t = strchr(s, '=');
	if (t) {
		a->name = strndup(s, (size_t)(t - s));
		s = t + 1;
	}
	t = strchr(s, '@');
	if (t && t != s && !strcmp(t + 1, "user")) {
		*t = 0;
		a->user = true;
	}
	t = strchr(s, ':');
	if (t) {
		*t = 0;
		a->type = strdup(t + 1);
	}
	t = strpbrk(s, "-.[");
	if (!pspec_is_c_varname(s) || !t) {
		a->var = strdup(s);
		return 0;
	}
	a->var = strndup(s, (size_t)(t - s));
	goodname = a->var;
	do {
		struct pspec_field *f;
		if (a->nfields == PSPEC_MAX_FIELDS)
			return fail(err, len, "'%s': too many fields", s);
		f = &a->fields[a->nfields++];
		if (*t == '[') {
			s = t;
			f->index = strtol(s + 1, &t, 0);
			f->ref = true;
			if (*t != ']' || t == s + 1)
				return fail(err, len, "'%s': an array index must be a number", s);
			t++;
			if (!*t)
				t = NULL;
		} else {
			if (*t == '.') {
				s = t + 1;
				f->ref = false;
			} else if (t[1] == '>') {
				s = t + 2;
				f->ref = true;
			} else {
				return fail(err, len, "argument parse error: '%s'", s);
			}
			t = strpbrk(s, "-.[");
		}
		f->name = t ? strndup(s, (size_t)(t - s)) : strdup(s);
		if (*s != '[')
			goodname = f->name;
	} while (t);
	if (!a->name)
		a->name = strdup(goodname);
	return 0;
}

/* Split on white space, keeping quoted parts together (as perf's argv_split). */
static int split(char *s, char **argv, int max)
{
	int n = 0;

	while (*s) {
		while (isspace((unsigned char)*s))
			s++;
		if (!*s)
			break;
		if (n == max)
			return -1;
		char *d = s, q = 0;
		argv[n++] = d;
		while (*s && (q || !isspace((unsigned char)*s))) {
			if (q && *s == q)
				q = 0, s++;
			else if (!q && (*s == '"' || *s == '\''))
				q = *s++;
			else
				*d++ = *s++;
		}
		if (*s)
			s++;
		*d = 0;
	}
	return n;
}

int pspec_parse(const char *text, struct pspec *ps, char *err, size_t errlen)
{
	char *buf = strdup(text), *argv[PSPEC_MAX_ARGS + 1];
	int n, ret;

	/* the args as they are parsed: all of them are 53 KiB, 13 pages of stack to fault in */
	memset(ps, 0, offsetof(struct pspec, args));
	ps->text = strdup(text);
	if (!buf || !ps->text)
		return -ENOMEM;
	n = split(buf, argv, PSPEC_MAX_ARGS + 1);
	if (n <= 0) {
		free(buf);
		return fail(err, errlen, n ? "'%s': too many arguments (at most %d)" : "empty probe spec",
			    text, PSPEC_MAX_ARGS);
	}
	ret = parse_point(argv[0], ps, err, errlen);
	for (int i = 1; !ret && i < n; i++) {
		memset(&ps->args[i - 1], 0, sizeof(ps->args[i - 1]));
		ret = parse_arg(argv[i], &ps->args[i - 1], err, errlen);
		ps->nargs = i;
	}
	free(buf);
	return ret;
}

void pspec_free(struct pspec *ps)
{
	for (int i = 0; i < ps->nargs; i++) {
		struct pspec_arg *a = &ps->args[i];
		for (int j = 0; j < a->nfields; j++)
			free(a->fields[j].name);
		free(a->name);
		free(a->var);
		free(a->type);
	}
	free(ps->text);
	free(ps->group);
	free(ps->event);
	free(ps->func);
	free(ps->file);
	free(ps->lazy);
	free(ps->sdt_group);
	free(ps->sdt_name);
	memset(ps, 0, offsetof(struct pspec, args));
}

char *pspec_arg_synth_name(const struct pspec_arg *a)
{
	char *r;

	if (a->type) {
		if (asprintf(&r, "%s_%s", a->var, a->type) < 0)
			return NULL;
		return r;
	}
	return strdup(a->var);
}
