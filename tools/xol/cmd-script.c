// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * xol script: a perf.data file as perf script prints it (byte for byte:
 * the default columns comm, tid, cpu, time, event and trace), or handed
 * to Python or Lua handlers (-s), or a handler skeleton (-g).
 */
#include <dlfcn.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "builtin.h"
#include "perf-data.h"
#include "scripts/engine.h"

static void usage(FILE *out)
{
	fprintf(out,
		"usage: xol script [-i FILE|-] [--ns]\n"
		"       xol script [-i FILE|-] -s SCRIPT.py|SCRIPT.lua [ARGS]...\n"
		"       xol script [-i FILE] -g python|lua\n");
}

/*
 * The engines are in xol-script.so, next to xol in the build directory and
 * in PREFIX/libexec/xol once installed.  Linked into xol, libpython and
 * liblua would be loaded by every command for the few runs that want
 * them.  RTLD_GLOBAL: Python's extension modules (lib-dynload) take the
 * interpreter's symbols from the global scope.
 */
static const struct script_engine_ops *engine_for(const char *path)
{
	static const char *const where[] = { "/xol-script.so", "/../libexec/xol/xol-script.so" };
	const struct script_engine_ops *(*lookup)(const char *) = NULL;
	const struct script_engine_ops *ops;
	char exe[PATH_MAX], so[PATH_MAX + 64];
	const char *why = "not found next to xol or in ../libexec/xol";
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

	if (n > 0) {
		exe[n] = 0;
		*strrchr(exe, '/') = 0;
	}
	for (size_t i = 0; n > 0 && i < sizeof(where) / sizeof(where[0]) && !lookup; i++) {
		void *h;

		snprintf(so, sizeof(so), "%s%s", exe, where[i]);
		if (access(so, R_OK))
			continue;
		h = dlopen(so, RTLD_NOW | RTLD_GLOBAL);
		why = h ? "it has no script_engine_for" : dlerror();
		if (h)
			lookup = (typeof(lookup))dlsym(h, "script_engine_for");
	}
	if (!lookup) {
		fprintf(stderr, "xol script: no script engines (xol-script.so: %s), so '%s' cannot run\n",
			why, path);
		return NULL;
	}
	ops = lookup(path);
	if (!ops)
		fprintf(stderr, "xol script: no script engine for '%s' (Python: .py, Lua: .lua)\n", path);
	return ops;
}

/* "%16s %5d [%03d] %12s: %*s: " then the trace text, as builtin-script.c prints it. */
static void print_sample(struct strbuf *sb, const struct perf_sample *s, int name_width, bool ns)
{
	size_t n = strlen(s->comm);
	char num[32];
	int k;

	for (size_t i = n; i < 16; i++)
		sb_putc(sb, ' ');
	sb_put(sb, s->comm, n);
	if (s->tid >= 0 && s->cpu < 1000 && !ns) {
		/* " %5d [%03u] %12s: " without printf: this is the hot loop */
		sb_putc(sb, ' ');
		sb_put_u64_width(sb, (uint64_t)s->tid, 5, ' ');
		sb_put(sb, " [", 2);
		sb_put_u64_width(sb, s->cpu, 3, '0');
		sb_put(sb, "] ", 2);
		uint64_t secs = s->time / 1000000000ull, usec = s->time % 1000000000ull / 1000;
		size_t at = sb->len;
		sb_put_u64(sb, secs);
		size_t w = sb->len - at + 7;
		sb->len = at;
		for (size_t i = w; i < 12; i++)
			sb_putc(sb, ' ');
		sb_put_u64(sb, secs);
		sb_putc(sb, '.');
		sb_put_u64_width(sb, usec, 6, '0');
		sb_put(sb, ": ", 2);
	} else {
		k = snprintf(num, sizeof(num), " %5d [%03u] ", s->tid, s->cpu);
		sb_put(sb, num, (size_t)k);
		uint64_t secs = s->time / 1000000000ull, sub = s->time % 1000000000ull;
		if (ns)
			k = snprintf(num, sizeof(num), "%5llu.%09llu: ", (unsigned long long)secs,
				     (unsigned long long)sub);
		else
			k = snprintf(num, sizeof(num), "%lu.%06lu", (unsigned long)secs,
				     (unsigned long)(sub / 1000));
		if (!ns) {
			for (int i = k; i < 12; i++)
				sb_putc(sb, ' ');
			sb_put(sb, num, (size_t)k);
			sb_put(sb, ": ", 2);
		} else {
			sb_put(sb, num, (size_t)k);
		}
	}
	n = strlen(s->fmt->evname);
	for (size_t i = n; i < (size_t)name_width; i++)
		sb_putc(sb, ' ');
	sb_put(sb, s->fmt->evname, n);
	sb_put(sb, ": ", 2);
	pf_print(s->fmt, s->raw, s->raw_size, s->raw_avail, sb);
	sb_putc(sb, '\n');
}

static int print_all(struct perf_reader *r, bool ns)
{
	struct strbuf sb = STRBUF_INIT;
	struct perf_sample s;
	unsigned n;
	int width = 0, ret;
	const struct perf_evfmt *const *ev = perfr_recorded(r, &n);

	for (unsigned i = 0; i < n; i++)
		if ((int)strlen(ev[i]->evname) > width)
			width = (int)strlen(ev[i]->evname);
	while ((ret = perfr_next(r, &s)) > 0) {
		print_sample(&sb, &s, width, ns);
		if (sb.len >= 1 << 16) {
			if (fwrite(sb.buf, 1, sb.len, stdout) != sb.len)
				break;
			sb.len = 0;
		}
	}
	if (sb.len)
		fwrite(sb.buf, 1, sb.len, stdout);
	sb_release(&sb);
	fflush(stdout);
	return ret;
}

static int run_script(struct perf_reader *r, const char *path, int argc, char **argv)
{
	const struct script_engine_ops *ops = engine_for(path);
	struct script_engine *e;
	struct perf_sample s;
	int ret, failed = 0;

	if (!ops)
		return 2;
	if (ops->start(&e, path, argc, argv))
		return 1;
	while ((ret = perfr_next(r, &s)) > 0) {
		struct script_sample ss = {
			.event = &s.fmt->ev, .cpu = s.cpu, .time_ns = s.time, .pid = s.pid,
			.tid = s.tid, .comm = s.comm, .raw = s.raw, .raw_size = s.raw_size,
			.period = s.period, .ip = s.ip, .cpumode = (uint8_t)(s.misc & 7),
			.attr = s.attr,
		};
		if (ops->sample(e, &ss)) {
			failed = 1;
			break;
		}
	}
	if (ret < 0)
		fprintf(stderr, "xol script: %s\n", perfr_error(r));
	fflush(stdout);
	if (ops->stop(e))
		failed = 1;
	return failed || ret < 0 ? 1 : 0;
}

static int generate(struct perf_reader *r, const char *lang)
{
	const char *ext = !strcasecmp(lang, "python") || !strcasecmp(lang, "py") ? "py"
			: !strcasecmp(lang, "lua") ? "lua" : NULL;
	char name[32];

	if (!ext) {
		fprintf(stderr, "xol script: -g: unknown language '%s' (python or lua)\n", lang);
		return 2;
	}
	snprintf(name, sizeof(name), "perf-script.%s", ext);
	const struct script_engine_ops *ops = engine_for(name);
	if (!ops)
		return 2;
	unsigned n;
	const struct perf_evfmt *const *f = perfr_formats(r, &n);
	const struct tp_event **evs = calloc(n + 1, sizeof(*evs));
	if (!evs)
		return 1;
	for (unsigned i = 0; i < n; i++)
		evs[i] = &f[i]->ev;
	FILE *out = fopen(name, "w");
	if (!out) {
		fprintf(stderr, "xol script: %s: %s\n", name, strerror(errno));
		free(evs);
		return 1;
	}
	int err = ops->generate(evs, out);
	if (fclose(out))
		err = -1;
	free(evs);
	if (err) {
		fprintf(stderr, "xol script: could not write %s\n", name);
		return 1;
	}
	fprintf(stderr, "generated %s script: %s\n", ops->name, name);
	return 0;
}

int cmd_script(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "input", required_argument, NULL, 'i' },
		{ "script", required_argument, NULL, 's' },
		{ "gen-script", required_argument, NULL, 'g' },
		{ "ns", no_argument, NULL, 'N' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	const char *input = "xol.data", *script = NULL, *gen = NULL;
	struct perf_reader *r;
	bool ns = false;
	char err[600];
	int c;

	while ((c = getopt_long(argc, argv, "+i:s:g:h", opts, NULL)) != -1) {
		switch (c) {
		case 'i':
			input = optarg;
			break;
		case 's':
			script = optarg;
			break;
		case 'g':
			gen = optarg;
			break;
		case 'N':
			ns = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind < argc && !script) {
		usage(stderr);
		return 2;
	}
	if (perfr_open(&r, input, err, sizeof(err))) {
		fprintf(stderr, "xol script: %s\n", err);
		return 1;
	}
	int ret;
	if (gen) {
		ret = generate(r, gen);
	} else if (script) {
		/* the script sees itself as argv[0], then the arguments after the options */
		argv[optind - 1] = (char *)script;
		ret = run_script(r, script, argc - optind + 1, argv + optind - 1);
	} else {
		ret = print_all(r, ns) < 0 ? 1 : 0;
		if (ret)
			fprintf(stderr, "xol script: %s\n", perfr_error(r));
	}
	if (!ret && perfr_lost(r))
		fprintf(stderr, "xol script: warning: %llu records were lost while recording\n",
			(unsigned long long)perfr_lost(r));
	perfr_close(r);
	return ret;
}
