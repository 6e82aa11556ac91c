// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * xol events: check uprobe_events definitions and show what the kernel would.
 *
 * Each -e DEF is one write(2) to uprobe_events, each --probe-file one write
 * of the whole file, applied in command-line order.  When all succeed,
 * stdout gets the listing (as reading uprobe_events shows it) or, with
 * --format, only the format file of each named event.  When one fails,
 * stdout gets nothing and stderr gets the error_log entry (three lines),
 * or one line naming the errno for the failures the kernel does not log.
 * Tests and the kernel oracle depend on exactly this split.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xol/xol.h"

#include "builtin.h"

struct write {
	const char *text; /* an -e definition, or NULL */
	const char *file; /* a --probe-file, "-" for stdin */
};

static void usage(FILE *out)
{
	fprintf(out,
		"usage: xol events [-e DEF]... [--probe-file FILE|-]... [--format GRP/EVENT]...\n"
		"\n"
		"  -e, --event DEF         apply DEF as one write to uprobe_events\n"
		"  -F, --probe-file FILE   apply FILE (- for stdin) as one write\n"
		"      --format GRP/EVENT  print the event's format file instead of the listing\n"
		"  -h, --help              show this help\n"
		"\n"
		"See Documentation/xol-events.md.\n");
}

static char *slurp(const char *path, size_t *len)
{
	FILE *f = strcmp(path, "-") ? fopen(path, "rb") : stdin;
	size_t cap = 4096, n = 0, got;
	char *buf = NULL, *p;

	if (!f)
		return NULL;
	do {
		p = realloc(buf, cap);
		if (!p) {
			free(buf);
			buf = NULL;
			errno = ENOMEM;
			break;
		}
		buf = p;
		got = fread(buf + n, 1, cap - n, f);
		n += got;
		if (n == cap)
			cap *= 2;
	} while (got);
	if (buf && ferror(f)) {
		free(buf);
		buf = NULL;
		errno = EIO;
	}
	if (f != stdin)
		fclose(f);
	*len = n;
	return buf;
}

static const char *errno_name(int e)
{
	const char *name = strerrorname_np(e);

	return name ? name : "E?";
}

static int apply(struct xol_events *evs, const struct write *w, unsigned nth)
{
	struct xol_error err;
	size_t len;
	char *buf = NULL;
	int ret;

	if (w->text) {
		ret = xol_events_write(evs, w->text, strlen(w->text), &err);
	} else {
		buf = slurp(w->file, &len);
		if (!buf) {
			fprintf(stderr, "xol events: %s: %s\n", w->file, strerror(errno));
			return -1;
		}
		ret = xol_events_write(evs, buf, len, &err);
		free(buf);
	}
	if (!ret)
		return 0;
	if (err.logged)
		xol_error_print(&err, stderr);
	else
		fprintf(stderr, "xol events: write %u, line %u: %s (%s): %s\n", nth, err.line,
			errno_name(-ret), err.message ? err.message : strerror(-ret), err.command);
	return -1;
}

int cmd_events(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "event", required_argument, NULL, 'e' },
		{ "probe-file", required_argument, NULL, 'F' },
		{ "format", required_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct write *writes = calloc((size_t)argc + 1, sizeof(*writes));
	const char **formats = calloc((size_t)argc + 1, sizeof(*formats));
	unsigned nwrites = 0, nformats = 0;
	struct xol_events *evs = NULL;
	char *text = NULL;
	size_t len = 0;
	FILE *mem = NULL;
	int c, status = 1;

	if (!writes || !formats) {
		fprintf(stderr, "xol events: out of memory\n");
		goto out;
	}
	while ((c = getopt_long(argc, argv, "+e:F:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'e':
			writes[nwrites++].text = optarg;
			break;
		case 'F':
			writes[nwrites++].file = optarg;
			break;
		case 'f':
			formats[nformats++] = optarg;
			break;
		case 'h':
			usage(stdout);
			status = 0;
			goto out;
		default:
			usage(stderr);
			status = 2;
			goto out;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "xol events: unexpected argument '%s'\n", argv[optind]);
		usage(stderr);
		status = 2;
		goto out;
	}

	evs = xol_events_new();
	if (!evs) {
		fprintf(stderr, "xol events: out of memory\n");
		goto out;
	}
	for (unsigned i = 0; i < nwrites; i++)
		if (apply(evs, &writes[i], i + 1))
			goto out;

	/* build all the output first: a failure must print nothing on stdout */
	mem = open_memstream(&text, &len);
	if (!mem) {
		fprintf(stderr, "xol events: %s\n", strerror(errno));
		goto out;
	}
	for (unsigned i = 0; i < nformats; i++) {
		int ret = xol_events_format(evs, formats[i], mem);

		if (ret) {
			fprintf(stderr, "xol events: --format %s: %s\n", formats[i],
				ret == -ENOENT ? "no such event" : strerror(-ret));
			goto out;
		}
	}
	if (!nformats && xol_events_list(evs, mem)) {
		fprintf(stderr, "xol events: cannot list the events\n");
		goto out;
	}
	if (fclose(mem)) {
		mem = NULL;
		fprintf(stderr, "xol events: %s\n", strerror(errno));
		goto out;
	}
	mem = NULL;
	fwrite(text, 1, len, stdout);
	status = fflush(stdout) ? 1 : 0;
out:
	if (mem)
		fclose(mem);
	free(text);
	xol_events_free(evs);
	free(writes);
	free(formats);
	return status;
}
