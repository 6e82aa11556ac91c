// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * xol probe: resolve perf probe specs (functions, lines, variables, SDT
 * markers) in a binary into uprobe_events definitions, named as perf
 * probe names them; list functions (-F), variables (-V) and lines (-L).
 */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "builtin.h"
#include "xol/xol.h"
#include "probe-defs.h"
#include "probe-find.h"
#include "trace/strbuf.h"

static void usage(FILE *out)
{
	fprintf(out,
		"usage: xol probe -x BIN [-n] [-a] 'SPEC' ...   print the uprobe_events line(s) of each SPEC\n"
		"       xol probe -x BIN -F [FILTER]           list functions\n"
		"       xol probe -x BIN -V 'SPEC'             list the variables at a probe point\n"
		"       xol probe -x BIN -L 'SPEC'             list the source lines where probes can go\n"
		"  SPEC: [[GRP:]EVENT=]FUNC[@SRC][:RLN|+OFFS|%%return|;PTN] [ARG ...]\n"
		"        [[GRP:]EVENT=]SRC:ALN [ARG ...]    |    sdt_PROVIDER:NAME, %%PROVIDER:NAME\n"
		"  ARG:  [NAME=]VAR[->MEMBER|.MEMBER|[INDEX]...][:TYPE], $params, $vars, $retval, %%REG, ...\n"
		"  --debug-dir DIRS   where to look for debug files (':'-separated; default\n"
		"                     $XOL_DEBUG_DIR or /usr/lib/debug); debuginfod if $DEBUGINFOD_URLS\n"
		"  --max-probes N     refuse a spec that gives more than N probes (perf: 128)\n");
}

bool probe_is_definition(const char *s)
{
	while (isspace((unsigned char)*s))
		s++;
	if (s[0] == '-' && s[1] == ':')
		return true;
	if (s[0] != 'p' && s[0] != 'r')
		return false;
	s++;
	while (isdigit((unsigned char)*s))
		s++;
	return *s == ':' || isspace((unsigned char)*s) || !*s;
}

/* perf's event name from a base: cut at '.' or '@' (symbol versions, .constprop), C++ scope and template dropped. */
static void event_base(const char *in, char *out, size_t len)
{
	const char *s = in, *c;
	size_t n = 0;

	while ((c = strstr(s, "::")))
		s = c + 2;
	for (; *s && n + 1 < len; s++) {
		if (*s == '.' || *s == '@' || *s == '<' || *s == '(')
			break;
		out[n++] = (isalnum((unsigned char)*s) || *s == '_') ? *s : '_';
	}
	out[n] = 0;
	if (!n || isdigit((unsigned char)out[0]))
		snprintf(out, len, "probe_%s", in);
}

/* The strings of @parts, up to a NULL, into @out of @len bytes, cut as snprintf cuts: no printf per probe. */
static void join(char *out, size_t len, const char *const *parts)
{
	size_t n = 0;

	for (; *parts; parts++)
		for (const char *s = *parts; *s && n + 1 < len; s++)
			out[n++] = *s;
	out[n] = 0;
}

/* "p:GROUP/EVENT PATH:0xOFF(0xREFCTR) ARGS", one probe's definition line. */
static void put_definition(struct strbuf *sb, const struct ptev *p, const char *name, const char *path)
{
	sb_putc(sb, p->retprobe ? 'r' : 'p');
	sb_putc(sb, ':');
	sb_puts(sb, name);
	sb_putc(sb, ' ');
	sb_puts(sb, path);
	sb_putc(sb, ':');
	sb_put_hex(sb, p->off);
	if (p->refctr) {
		sb_putc(sb, '(');
		sb_put_hex(sb, p->refctr);
		sb_putc(sb, ')');
	}
	sb_puts(sb, p->args);
	sb_putc(sb, '\n');
}

/*
 * The event names taken so far, each with the spec that took it: a glob
 * over thousands of functions takes thousands of names, and a spec
 * reuses its own names but not an earlier spec's.
 */
struct name {
	char *s;                /* NULL: a free slot */
	int spec;
};

struct names {
	struct name *slot;      /* open addressing */
	size_t cap, n;          /* cap: 0 or a power of two, at least twice n */
};

static size_t names_hash(const char *s)
{
	size_t h = 5381;

	while (*s)
		h = h * 33 + (unsigned char)*s++;
	return h;
}

/* @s's entry, or NULL. */
static const struct name *names_find(const struct names *nl, const char *s)
{
	for (size_t i = nl->cap ? names_hash(s) & (nl->cap - 1) : 0; nl->cap && nl->slot[i].s;
	     i = (i + 1) & (nl->cap - 1))
		if (!strcmp(nl->slot[i].s, s))
			return &nl->slot[i];
	return NULL;
}

/* Add @s (the set owns it from now on) as taken by @spec, unless it is there. */
static void names_add(struct names *nl, char *s, int spec)
{
	size_t i;

	if (!s)
		return;
	if (2 * (nl->n + 1) > nl->cap) {
		struct names big = { calloc(nl->cap ? nl->cap * 2 : 64, sizeof(struct name)),
				     nl->cap ? nl->cap * 2 : 64, 0 };
		if (!big.slot) {
			free(s);
			return;
		}
		for (i = 0; i < nl->cap; i++)
			if (nl->slot[i].s)
				names_add(&big, nl->slot[i].s, nl->slot[i].spec);
		free(nl->slot);
		*nl = big;
	}
	for (i = names_hash(s) & (nl->cap - 1); nl->slot[i].s; i = (i + 1) & (nl->cap - 1))
		if (!strcmp(nl->slot[i].s, s)) {
			free(s);
			return;
		}
	nl->slot[i] = (struct name){ s, spec };
	nl->n++;
}

static void names_free(struct names *nl)
{
	for (size_t i = 0; i < nl->cap; i++)
		free(nl->slot[i].s);
	free(nl->slot);
	memset(nl, 0, sizeof(*nl));
}

int probe_specs_to_defs(const char *bin, const char *const *specs, int nspecs,
			const struct probe_opts *o, char **text, FILE *err)
{
	struct pbin b;
	struct names taken = { 0 };
	struct strbuf sb = STRBUF_INIT;
	char *out, gbuf[96];
	int ret;

	*text = NULL;
	ret = pbin_open(&b, bin, o->debug_dirs, err);
	if (ret) {
		pbin_close(&b);
		return ret;
	}
	snprintf(gbuf, sizeof(gbuf), "probe_%s", b.stem);      /* perf's group */
	for (int i = 0; i < nspecs && !ret; i++) {
		struct pspec ps;
		struct ptevs t = { 0 };
		char msg[512];

		ret = pspec_parse(specs[i], &ps, msg, sizeof(msg));
		if (ret) {
			fprintf(err, "xol probe: %s\n", msg);
			pspec_free(&ps);
			break;
		}
		ret = probe_find(&b, &ps, &t, o->max_probes, err);
		/* One name for the spec's probes (the kernel appends probes to an event), perf's suffix _N
		 * when an earlier spec took it. */
		char chosen[128] = "";
		for (int k = 0; !ret && k < t.n; k++) {
			struct ptev *p = &t.v[k];
			char base[96], name[128];
			const char *group = ps.group ? ps.group : p->group ? p->group : gbuf;

			if (ps.event && !ps.sdt)
				snprintf(base, sizeof(base), "%s", ps.event);
			else if (p->event)
				event_base(p->event, base, sizeof(base));
			else if (ps.func && strncmp(ps.func, "0x", 2) && !pspec_is_glob(ps.func)) {
				event_base(ps.func, base, sizeof(base));
				if (ps.line) {
					size_t l = strlen(base);
					snprintf(base + l, sizeof(base) - l, "_L%d", ps.line);
				}
			} else {
				event_base(p->realname, base, sizeof(base));
			}
			/* globs and SDT can name several events: each takes its own name once */
			join(name, sizeof(name),
			     (const char *[]){ group, "/", base, p->retprobe ? "__return" : "", NULL });
			const struct name *had = names_find(&taken, name);
			if (had && had->spec == i) {
				strcpy(chosen, name);     /* both 128 bytes */
			} else {
				if (had) {
					for (int s = 1; s < 1000; s++) {
						snprintf(name, sizeof(name), "%s/%s_%d", group, base, s);
						if (!names_find(&taken, name))
							break;
					}
				}
				names_add(&taken, strdup(name), i);
				strcpy(chosen, name);     /* both 128 bytes */
			}
			put_definition(&sb, p, chosen, b.path);
		}
		ptevs_free(&t);
		pspec_free(&ps);
	}
	names_free(&taken);
	pbin_close(&b);
	out = sb.buf ? sb.buf : strdup("");
	if (!ret && (sb.oom || !out))
		ret = -ENOMEM;
	if (!ret) {
		/* What perf leaves to the kernel (a type it does not know, too many args) is
		 * caught here, with the kernel's message and caret. */
		struct xol_events *evs = xol_events_new();
		struct xol_error e;
		ret = evs ? xol_events_write(evs, out, strlen(out), &e) : -ENOMEM;
		if (ret && evs) {
			fprintf(err, "xol probe: uprobe_events would refuse the definition:\n");
			if (e.logged)
				xol_error_print(&e, err);
		}
		xol_events_free(evs);
	}
	if (ret) {
		free(out);
		return ret;
	}
	*text = out;
	return 0;
}

int cmd_probe(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "exec", required_argument, NULL, 'x' },
		{ "add", required_argument, NULL, 'a' },
		{ "dry-run", no_argument, NULL, 'n' },
		{ "funcs", optional_argument, NULL, 'F' },
		{ "vars", required_argument, NULL, 'V' },
		{ "line", required_argument, NULL, 'L' },
		{ "debug-dir", required_argument, NULL, 'D' },
		{ "max-probes", required_argument, NULL, 'M' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	struct probe_opts po = { 0 };
	const char *bin = NULL, *vars = NULL, *line = NULL, *filter = NULL;
	const char **specs = calloc((size_t)argc + 1, sizeof(char *));
	bool funcs = false;
	int nspecs = 0, c, ret = 0;

	while ((c = getopt_long(argc, argv, "x:a:nF::V:L:vh", opts, NULL)) != -1) {
		switch (c) {
		case 'x': bin = optarg; break;
		case 'a': specs[nspecs++] = optarg; break;
		case 'n': break;        /* xol probe never writes anything: always a dry run */
		case 'F':
			funcs = true;
			if (optarg)
				filter = optarg;
			else if (optind < argc && argv[optind][0] != '-')
				filter = argv[optind++];
			break;
		case 'V': vars = optarg; break;
		case 'L': line = optarg; break;
		case 'D': po.debug_dirs = optarg; break;
		case 'M': po.max_probes = atoi(optarg); break;
		case 'v': break;
		case 'h': usage(stdout); free(specs); return 0;
		default: usage(stderr); free(specs); return 2;
		}
	}
	while (optind < argc)
		specs[nspecs++] = argv[optind++];
	if (!bin) {
		usage(stderr);
		fprintf(stderr, "xol probe: which binary? (-x BIN)\n");
		free(specs);
		return 2;
	}
	if (funcs || vars || line) {
		struct pbin b;
		struct pspec ps;
		char msg[512];
		if (pbin_open(&b, bin, po.debug_dirs, stderr)) {
			pbin_close(&b);
			free(specs);
			return 1;
		}
		if (funcs) {
			ret = probe_list_funcs(&b, filter, stdout);
		} else if (pspec_parse(vars ? vars : line, &ps, msg, sizeof(msg))) {
			fprintf(stderr, "xol probe: %s\n", msg);
			ret = -EINVAL;
			pspec_free(&ps);
		} else {
			ret = vars ? probe_list_vars(&b, &ps, stdout, stderr) :
				     probe_list_lines(&b, &ps, stdout, stderr);
			pspec_free(&ps);
		}
		pbin_close(&b);
		free(specs);
		return ret ? 1 : 0;
	}
	if (!nspecs) {
		usage(stderr);
		free(specs);
		return 2;
	}
	char *text;
	ret = probe_specs_to_defs(bin, specs, nspecs, &po, &text, stderr);
	free(specs);
	if (ret)
		return 1;
	fputs(text, stdout);
	free(text);
	return 0;
}
