// SPDX-License-Identifier: GPL-2.0-or-later
/* Gathering definitions from -e and --probe-file, reporting errors as error_log does. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "defs.h"
#include "probe-defs.h"
#include "trace/events.h"

void defs_init(struct defs *d)
{
	memset(d, 0, sizeof(*d));
	d->evs = xol_events_new();
}

static void count_probes(struct defs *d)
{
	d->nprobes = 0;
	for (const struct tp_probe *p = tp_first_probe(d->evs); p; p = p->next)
		d->nprobes++;
}

static int apply(struct defs *d, const char *buf, size_t len, const char *where)
{
	struct xol_error err;
	int ret;

	if (!d->evs) {
		fprintf(stderr, "xol: out of memory\n");
		return -ENOMEM;
	}
	ret = xol_events_write(d->evs, buf, len, &err);
	if (ret) {
		if (err.logged)
			xol_error_print(&err, stderr);
		else
			fprintf(stderr, "xol: %s: line %u: %s\n", where, err.line, strerror(-ret));
		return ret;
	}
	count_probes(d);
	return 0;
}

int defs_add_text(struct defs *d, const char *text)
{
	return apply(d, text, strlen(text), "-e");
}

int defs_add_file(struct defs *d, const char *path)
{
	FILE *f = strcmp(path, "-") ? fopen(path, "r") : stdin;
	char *buf = NULL;
	size_t len = 0, cap = 0;
	int ret;

	if (!f) {
		fprintf(stderr, "xol: %s: %s\n", path, strerror(errno));
		return -errno;
	}
	for (;;) {
		if (cap - len < 4096) {
			char *nb = realloc(buf, cap = cap ? cap * 2 : 65536);
			if (!nb) {
				free(buf);
				return -ENOMEM;
			}
			buf = nb;
		}
		size_t n = fread(buf + len, 1, cap - len, f);
		if (!n)
			break;
		len += n;
	}
	if (f != stdin)
		fclose(f);
	ret = apply(d, buf ? buf : "", len, path);
	free(buf);
	return ret;
}

int defs_add_event(struct defs *d, const char *text)
{
	const char **p;

	if (probe_is_definition(text))
		return defs_add_text(d, text);
	p = realloc(d->pending, (size_t)(d->npending + 1) * sizeof(*p));
	if (!p)
		return -ENOMEM;
	d->pending = p;
	d->pending[d->npending++] = text;
	return 0;
}

int defs_finish(struct defs *d)
{
	struct probe_opts po = { .debug_dirs = d->debug_dir };
	char *text;
	int ret;

	if (!d->npending)
		return 0;
	if (!d->exec) {
		fprintf(stderr, "xol: -e '%s' is not a uprobe_events definition; to resolve it as a "
			"probe spec (as perf probe does), say in which binary: -x BIN\n", d->pending[0]);
		return -EINVAL;
	}
	ret = probe_specs_to_defs(d->exec, d->pending, d->npending, &po, &text, stderr);
	if (ret)
		return ret;
	ret = apply(d, text, strlen(text), d->exec);
	free(text);
	free(d->pending);
	d->pending = NULL;
	d->npending = 0;
	return ret;
}

void defs_release(struct defs *d)
{
	free(d->pending);
	d->pending = NULL;
	xol_events_free(d->evs);
	d->evs = NULL;
}

int parse_size(const char *s, size_t *out)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || end == s)
		return -EINVAL;
	switch (*end) {
	case 'g': case 'G': v <<= 10; /* fall through */
	case 'm': case 'M': v <<= 10; /* fall through */
	case 'k': case 'K': v <<= 10; end++; break;
	case 0: break;
	default: return -EINVAL;
	}
	if (*end && strcmp(end, "B") && strcmp(end, "iB"))
		return -EINVAL;
	*out = (size_t)v;
	return 0;
}
