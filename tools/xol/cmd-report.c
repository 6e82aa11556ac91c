// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * xol report: what a perf.data file says, aggregated.  Hits per key
 * (--sort event,comm,pid,tid,FIELD...), a log2 histogram of a field
 * (--hist FIELD), or entry-to-return latency (--latency EVENT): each
 * return is paired with the latest unreturned entry of the same function
 * on the same thread, so recursion pairs each activation with its own
 * return.  Tables as text (--stdio, the default) or --csv.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "builtin.h"
#include "perf-data.h"

static void usage(FILE *out)
{
	fprintf(out,
		"usage: xol report [-i FILE|-] [--stdio|--csv] [--sort KEY[,KEY]...]\n"
		"       xol report [-i FILE|-] --hist FIELD [--event EVENT]\n"
		"       xol report [-i FILE|-] --latency EVENT[,RETURN_EVENT]\n"
		"KEY: event, comm, pid, tid, cpu, or a field name (an argument of the events)\n");
}

/* --- values of fields ------------------------------------------------------ */

static const struct pf_field *field_of(const struct perf_evfmt *f, const char *name)
{
	for (unsigned i = 0; i < f->nfields; i++)
		if (!strcmp(f->fields[i].name, name))
			return &f->fields[i];
	return NULL;
}

static bool field_is_hex(const struct perf_evfmt *f, const struct pf_field *fd)
{
	for (unsigned i = 0; i < f->ev.nargs; i++)
		if (!strcmp(f->ev.args[i].name, fd->name))
			return f->ev.args[i].type.kind == TP_TYPE_X;
	return fd->is_long || fd->is_pointer;
}

/* A field's value read with its size and sign; false for strings and arrays. */
static bool field_num(const struct pf_field *fd, const struct perf_sample *s, int64_t *v)
{
	uint64_t u = 0;

	if (fd->is_array || fd->offset + fd->size > s->raw_size)
		return false;
	switch (fd->size) {
	case 1: {
		uint8_t x;
		memcpy(&x, s->raw + fd->offset, 1);
		u = fd->is_signed ? (uint64_t)(int64_t)(int8_t)x : x;
		break;
	}
	case 2: {
		uint16_t x;
		memcpy(&x, s->raw + fd->offset, 2);
		u = fd->is_signed ? (uint64_t)(int64_t)(int16_t)x : x;
		break;
	}
	case 4: {
		uint32_t x;
		memcpy(&x, s->raw + fd->offset, 4);
		u = fd->is_signed ? (uint64_t)(int64_t)(int32_t)x : x;
		break;
	}
	case 8:
		memcpy(&u, s->raw + fd->offset, 8);
		break;
	default: return false;
	}
	*v = (int64_t)u;
	return true;
}

static void field_text(const struct perf_evfmt *f, const struct pf_field *fd,
		       const struct perf_sample *s, struct strbuf *out)
{
	int64_t v;

	if (fd->is_dynamic && fd->size == 4 && fd->offset + 4 <= s->raw_size) {
		uint32_t loc;
		memcpy(&loc, s->raw + fd->offset, 4);
		uint32_t off = loc & 0xffff, len = loc >> 16;
		if (!len) {
			sb_puts(out, "(fault)");
			return;
		}
		if (off > s->raw_size || len > s->raw_size - off)
			len = off > s->raw_size ? 0 : s->raw_size - off;
		sb_put(out, s->raw + off, strnlen((const char *)s->raw + off, len));
		return;
	}
	if (fd->is_array) {
		size_t es = fd->arraylen ? fd->size / fd->arraylen : 1;
		const struct tp_arg *a = NULL;
		for (unsigned i = 0; i < f->ev.nargs && !a; i++)
			if (!strcmp(f->ev.args[i].name, fd->name))
				a = &f->ev.args[i];
		if (a && a->type.size)
			es = a->type.size;
		sb_putc(out, '{');
		for (size_t at = 0; at + es <= fd->size && fd->offset + at + es <= s->raw_size; at += es) {
			uint64_t x = 0;
			memcpy(&x, s->raw + fd->offset + at, es);
			sb_printf(out, "%s%" PRIu64, at ? "," : "", x);
		}
		sb_putc(out, '}');
		return;
	}
	if (!field_num(fd, s, &v)) {
		sb_puts(out, "?");
		return;
	}
	if (field_is_hex(f, fd))
		sb_printf(out, "0x%" PRIx64, (uint64_t)v);
	else if (fd->is_signed)
		sb_printf(out, "%" PRId64, v);
	else
		sb_printf(out, "%" PRIu64, (uint64_t)v);
}

/* --- a string-keyed table of counts --------------------------------------- */

struct row {
	char *key;          /* the columns joined with '\0' */
	size_t keylen;
	uint64_t hits;
};

struct table {
	struct row *rows;   /* open addressing */
	size_t n, cap;
};

static uint64_t hash(const char *p, size_t n)
{
	uint64_t h = 1469598103934665603ull;

	for (size_t i = 0; i < n; i++)
		h = (h ^ (uint8_t)p[i]) * 1099511628211ull;
	return h;
}

static int table_add(struct table *t, const char *key, size_t n)
{
	if (t->n * 2 >= t->cap) {
		size_t nc = t->cap ? t->cap * 2 : 1024;
		struct row *nr = calloc(nc, sizeof(*nr));
		if (!nr)
			return -ENOMEM;
		for (size_t i = 0; i < t->cap; i++) {
			if (!t->rows[i].key)
				continue;
			size_t h = hash(t->rows[i].key, t->rows[i].keylen) % nc;
			while (nr[h].key)
				h = (h + 1) % nc;
			nr[h] = t->rows[i];
		}
		free(t->rows);
		t->rows = nr;
		t->cap = nc;
	}
	size_t h = hash(key, n) % t->cap;
	while (t->rows[h].key && (t->rows[h].keylen != n || memcmp(t->rows[h].key, key, n)))
		h = (h + 1) % t->cap;
	if (!t->rows[h].key) {
		t->rows[h].key = malloc(n ? n : 1);
		if (!t->rows[h].key)
			return -ENOMEM;
		memcpy(t->rows[h].key, key, n);
		t->rows[h].keylen = n;
		t->n++;
	}
	t->rows[h].hits++;
	return 0;
}

static int by_hits(const void *a, const void *b)
{
	const struct row *x = a, *y = b;

	if (x->hits != y->hits)
		return x->hits < y->hits ? 1 : -1;
	size_t n = x->keylen < y->keylen ? x->keylen : y->keylen;
	int c = memcmp(x->key, y->key, n);
	return c ? c : (x->keylen > y->keylen) - (x->keylen < y->keylen);
}

/* --- output ------------------------------------------------------------------ */

static void csv_field(const char *s, size_t n)
{
	bool quote = strcspn(s, ",\"\n") < n;

	if (!quote) {
		fwrite(s, 1, n, stdout);
		return;
	}
	putchar('"');
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '"')
			putchar('"');
		putchar(s[i]);
	}
	putchar('"');
}

static int report_sort(struct perf_reader *r, char **keys, unsigned nkeys, bool csv)
{
	struct table t = { 0 };
	struct strbuf sb = STRBUF_INIT;
	struct perf_sample s;
	uint64_t total = 0;
	int ret;

	while ((ret = perfr_next(r, &s)) > 0) {
		sb.len = 0;
		for (unsigned k = 0; k < nkeys; k++) {
			const char *key = keys[k];
			if (!strcmp(key, "event")) {
				sb_puts(&sb, s.fmt->evname);
			} else if (!strcmp(key, "comm")) {
				sb_puts(&sb, s.comm);
			} else if (!strcmp(key, "pid")) {
				sb_printf(&sb, "%d", s.pid);
			} else if (!strcmp(key, "tid")) {
				sb_printf(&sb, "%d", s.tid);
			} else if (!strcmp(key, "cpu")) {
				sb_printf(&sb, "%u", s.cpu);
			} else {
				const struct pf_field *fd = field_of(s.fmt, key);
				if (fd)
					field_text(s.fmt, fd, &s, &sb);
				else
					sb_puts(&sb, "-");
			}
			sb_putc(&sb, 0);
		}
		if (sb.oom || table_add(&t, sb_str(&sb), sb.len)) {
			fprintf(stderr, "xol report: out of memory\n");
			return 1;
		}
		total++;
	}
	sb_release(&sb);
	if (ret < 0) {
		fprintf(stderr, "xol report: %s\n", perfr_error(r));
		return 1;
	}

	/* compact and sort by hits */
	size_t n = 0;
	for (size_t i = 0; i < t.cap; i++)
		if (t.rows[i].key)
			t.rows[n++] = t.rows[i];
	qsort(t.rows, n, sizeof(*t.rows), by_hits);

	/* column widths */
	size_t *w = calloc(nkeys, sizeof(*w));
	if (!w)
		return 1;
	for (unsigned k = 0; k < nkeys; k++)
		w[k] = strlen(keys[k]);
	for (size_t i = 0; i < n; i++) {
		const char *p = t.rows[i].key;
		for (unsigned k = 0; k < nkeys; k++) {
			size_t l = strlen(p);
			if (l > w[k])
				w[k] = l;
			p += l + 1;
		}
	}
	if (csv) {
		printf("hits,percent");
		for (unsigned k = 0; k < nkeys; k++)
			printf(",%s", keys[k]);
		printf("\n");
	} else {
		uint64_t lost = perfr_lost(r);
		printf("# Samples: %" PRIu64 "\n", total);
		if (lost)
			printf("# LOST: %" PRIu64 " records were lost while recording\n", lost);
		printf("#\n# %8s %10s ", "Overhead", "Samples");
		for (unsigned k = 0; k < nkeys; k++)
			printf(" %-*s", (int)w[k], keys[k]);
		printf("\n# %8s %10s ", "........", "..........");
		for (unsigned k = 0; k < nkeys; k++) {
			putchar(' ');
			for (size_t j = 0; j < w[k]; j++)
				putchar('.');
		}
		printf("\n#\n");
	}
	for (size_t i = 0; i < n; i++) {
		double pct = total ? 100.0 * (double)t.rows[i].hits / (double)total : 0;
		const char *p = t.rows[i].key;
		if (csv)
			printf("%" PRIu64 ",%.2f", t.rows[i].hits, pct);
		else
			printf("  %7.2f%% %10" PRIu64 " ", pct, t.rows[i].hits);
		for (unsigned k = 0; k < nkeys; k++) {
			size_t l = strlen(p);
			if (csv) {
				putchar(',');
				csv_field(p, l);
			} else {
				printf(" %-*s", (int)w[k], p);
			}
			p += l + 1;
		}
		putchar('\n');
	}
	for (size_t i = 0; i < n; i++)
		free(t.rows[i].key);
	free(t.rows);
	free(w);
	return 0;
}

/* --- log2 histograms --------------------------------------------------------- */

struct hist {
	uint64_t neg, zero, b[64]; /* b[i]: [2^i, 2^(i+1)) */
	uint64_t count;
};

static void hist_add(struct hist *h, int64_t v, bool is_signed)
{
	h->count++;
	if (is_signed && v < 0) {
		h->neg++;
	} else if (!v) {
		h->zero++;
	} else {
		uint64_t u = (uint64_t)v;
		h->b[63 - __builtin_clzll(u)]++;
	}
}

static void hist_print(const struct hist *h, const char *unit, bool csv)
{
	uint64_t max = h->neg > h->zero ? h->neg : h->zero;
	int lo = 64, hi = -1;
	char a[32], b[32];

	for (int i = 0; i < 64; i++) {
		if (h->b[i]) {
			lo = i < lo ? i : lo;
			hi = i;
		}
		if (h->b[i] > max)
			max = h->b[i];
	}
	if (csv)
		printf("low,high,count\n");
	if (h->neg)
		csv ? printf("-inf,0,%" PRIu64 "\n", h->neg)
		    : printf("%22s %10" PRIu64 " |%-40.*s|\n", "(..., 0)", h->neg,
			     (int)(h->neg * 40 / max), "@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@");
	if (h->zero)
		csv ? printf("0,1,%" PRIu64 "\n", h->zero)
		    : printf("%22s %10" PRIu64 " |%-40.*s|\n", "[0]", h->zero,
			     (int)(h->zero * 40 / max), "@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@");
	for (int i = lo; i <= hi; i++) {
		uint64_t l = 1ull << i, u = i == 63 ? 0 : 1ull << (i + 1);
		if (csv) {
			printf("%" PRIu64 ",%" PRIu64 ",%" PRIu64 "\n", l, u, h->b[i]);
			continue;
		}
		snprintf(a, sizeof(a), "%" PRIu64, l);
		snprintf(b, sizeof(b), "%" PRIu64, u);
		char range[80];
		snprintf(range, sizeof(range), "[%s, %s)", a, i == 63 ? "..." : b);
		printf("%22s %10" PRIu64 " |%-40.*s|\n", range, h->b[i], (int)(h->b[i] * 40 / max),
		       "@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@");
	}
	if (!csv && unit)
		printf("(%s)\n", unit);
}

static bool event_matches(const struct perf_evfmt *f, const char *name)
{
	if (!name)
		return true;
	const char *sep = strpbrk(name, ":/.");
	if (!sep)
		return !strcmp(f->ev.name, name);
	size_t gl = (size_t)(sep - name);
	return strlen(f->ev.group) == gl && !strncmp(f->ev.group, name, gl) &&
	       !strcmp(f->ev.name, sep + 1);
}

static int report_hist(struct perf_reader *r, const char *field, const char *event, bool csv)
{
	struct hist h = { 0 };
	struct perf_sample s;
	bool is_signed = false;
	uint64_t skipped = 0;
	int ret;

	while ((ret = perfr_next(r, &s)) > 0) {
		if (!event_matches(s.fmt, event))
			continue;
		const struct pf_field *fd = field_of(s.fmt, field);
		int64_t v;
		if (!fd)
			continue;
		if (!field_num(fd, &s, &v)) {
			skipped++;
			continue;
		}
		is_signed |= fd->is_signed;
		hist_add(&h, v, fd->is_signed);
	}
	if (ret < 0) {
		fprintf(stderr, "xol report: %s\n", perfr_error(r));
		return 1;
	}
	if (!h.count) {
		fprintf(stderr, "xol report: no numeric field '%s' in %s\n", field,
			event ? event : "any recorded event");
		return 1;
	}
	if (!csv)
		printf("# %s: %" PRIu64 " values, log2 buckets\n", field, h.count);
	hist_print(&h, NULL, csv);
	(void)is_signed;
	(void)skipped;
	return 0;
}

/* --- latency ------------------------------------------------------------------ */

/* Per thread and function: the entry times of the activations not yet returned. */
struct act {
	int32_t tid;
	uint64_t func;
	uint64_t *ts;
	size_t n, cap;
};

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

static uint64_t pct(const uint64_t *v, size_t n, unsigned p)
{
	size_t i = (n * p + 99) / 100;

	return v[i ? i - 1 : 0];
}

static int report_latency(struct perf_reader *r, const char *spec, bool csv)
{
	char *entry = strdup(spec), *ret_name = strchr(entry, ',');
	struct act *acts = NULL;
	size_t nacts = 0;
	uint64_t *lat = NULL;
	size_t nlat = 0, caplat = 0;
	uint64_t unmatched = 0;
	struct perf_sample s;
	int ret;

	if (!entry)
		return 1;
	if (ret_name)
		*ret_name++ = 0;
	while ((ret = perfr_next(r, &s)) > 0) {
		const struct tp_event *ev = &s.fmt->ev;
		bool is_entry = !ev->is_return && event_matches(s.fmt, entry);
		bool is_ret = ev->is_return && (ret_name ? event_matches(s.fmt, ret_name) : true);
		if (!is_entry && !is_ret)
			continue;
		if (s.raw_size < TP_ENTRY_HDR)
			continue;
		uint64_t func;
		memcpy(&func, s.raw + 8, 8); /* __probe_ip, or __probe_func of a return */
		struct act *a = NULL;
		for (size_t i = 0; i < nacts && !a; i++)
			if (acts[i].tid == s.tid && acts[i].func == func)
				a = &acts[i];
		if (is_entry) {
			if (!a) {
				struct act *na = realloc(acts, (nacts + 1) * sizeof(*na));
				if (!na)
					return 1;
				acts = na;
				a = &acts[nacts++];
				*a = (struct act){ .tid = s.tid, .func = func };
			}
			if (a->n == a->cap) {
				size_t nc = a->cap ? a->cap * 2 : 16;
				uint64_t *nt = realloc(a->ts, nc * sizeof(*nt));
				if (!nt)
					return 1;
				a->ts = nt;
				a->cap = nc;
			}
			a->ts[a->n++] = s.time;
			continue;
		}
		if (!a || !a->n) {
			/* a return of another function, or whose entry was not recorded */
			if (ret_name)
				unmatched++;
			continue;
		}
		uint64_t t0 = a->ts[--a->n];
		if (nlat == caplat) {
			caplat = caplat ? caplat * 2 : 1024;
			uint64_t *nl = realloc(lat, caplat * sizeof(*nl));
			if (!nl)
				return 1;
			lat = nl;
		}
		lat[nlat++] = s.time >= t0 ? s.time - t0 : 0;
	}
	if (ret < 0) {
		fprintf(stderr, "xol report: %s\n", perfr_error(r));
		return 1;
	}
	uint64_t open_acts = 0;
	for (size_t i = 0; i < nacts; i++) {
		open_acts += acts[i].n;
		free(acts[i].ts);
	}
	free(acts);
	if (!nlat) {
		fprintf(stderr, "xol report: --latency %s: no entry/return pairs (record the function's "
				"entry and its return probe, e.g. -e 'p:g/f BIN:OFF' -e 'r:g/f_ret BIN:OFF')\n",
			spec);
		free(entry);
		free(lat);
		return 1;
	}
	qsort(lat, nlat, sizeof(*lat), cmp_u64);
	struct hist h = { 0 };
	for (size_t i = 0; i < nlat; i++)
		hist_add(&h, (int64_t)lat[i], false);
	if (csv) {
		printf("event,count,p50_ns,p90_ns,p99_ns,max_ns\n%s,%zu,%" PRIu64 ",%" PRIu64
		       ",%" PRIu64 ",%" PRIu64 "\n", entry, nlat, pct(lat, nlat, 50),
		       pct(lat, nlat, 90), pct(lat, nlat, 99), lat[nlat - 1]);
	} else {
		printf("# latency of %s: %zu calls", entry, nlat);
		if (open_acts)
			printf(", %" PRIu64 " without a return", open_acts);
		printf("\n# p50 %" PRIu64 " ns  p90 %" PRIu64 " ns  p99 %" PRIu64 " ns  max %" PRIu64
		       " ns\n", pct(lat, nlat, 50), pct(lat, nlat, 90), pct(lat, nlat, 99),
		       lat[nlat - 1]);
		hist_print(&h, "ns", false);
	}
	free(entry);
	free(lat);
	return 0;
}

int cmd_report(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "input", required_argument, NULL, 'i' },
		{ "sort", required_argument, NULL, 's' },
		{ "hist", required_argument, NULL, 'H' },
		{ "event", required_argument, NULL, 'e' },
		{ "latency", required_argument, NULL, 'L' },
		{ "stdio", no_argument, NULL, 'S' },
		{ "csv", no_argument, NULL, 'C' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	const char *input = "xol.data", *sort = "event", *hist = NULL, *lat = NULL, *event = NULL;
	bool csv = false;
	struct perf_reader *r;
	char err[600];
	int c;

	while ((c = getopt_long(argc, argv, "i:s:e:h", opts, NULL)) != -1) {
		switch (c) {
		case 'i': input = optarg; break;
		case 's': sort = optarg; break;
		case 'H': hist = optarg; break;
		case 'e': event = optarg; break;
		case 'L': lat = optarg; break;
		case 'S': csv = false; break;
		case 'C': csv = true; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind < argc) {
		usage(stderr);
		return 2;
	}
	if (perfr_open(&r, input, err, sizeof(err))) {
		fprintf(stderr, "xol report: %s\n", err);
		return 1;
	}
	int ret;
	if (lat) {
		ret = report_latency(r, lat, csv);
	} else if (hist) {
		ret = report_hist(r, hist, event, csv);
	} else {
		char *copy = strdup(sort), *keys[32], *save = NULL;
		unsigned nkeys = 0;
		for (char *k = strtok_r(copy, ",", &save); k && nkeys < 32; k = strtok_r(NULL, ",", &save))
			keys[nkeys++] = k;
		ret = nkeys ? report_sort(r, keys, nkeys, csv) : 2;
		free(copy);
	}
	if (!ret && perfr_lost(r))
		fprintf(stderr, "xol report: WARNING: %llu records were lost while recording\n",
			(unsigned long long)perfr_lost(r));
	perfr_close(r);
	return ret;
}
