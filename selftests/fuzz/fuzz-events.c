// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * fuzz-events: libFuzzer over the uprobe_events language (trace/).
 *
 * An input is a sequence of writes separated by NUL bytes, applied in order
 * to one set of events as writes to uprobe_events are; an empty write (two
 * NULs in a row) clears the set, as opening the file with O_TRUNC does.
 * After the writes the set is listed and every listed event's format file
 * is printed, and then the listing is written back, one line per write, into
 * a fresh set: that must be accepted and list the same (a round trip), except
 * where the kernel's own listing cannot be re-read either (see below).
 *
 * Records are rendered too, since a traced program can scribble on the ring
 * its records travel in: the last write's bytes, with each listed event's ID
 * put in common_type, are one record as they are and one at the start of an
 * otherwise zeroed page, rendered into buffers of several sizes.
 *
 * Paths in definitions are stat()ed.  The harness runs in a sandbox directory
 * ($XOL_FUZZ_DIR, or a new one under $TMPDIR) that it fills once, at start,
 * with a fixed set of files, so that relative paths reach every outcome:
 * regular files, a directory, symlinks (good and dangling), a FIFO.  Nothing
 * is ever created from the input, and nothing is deleted.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <xol/xol.h>

#define MAX_WRITES 32
#define LINE_MAX_BYTES 4094

static FILE *devnull;

static void die(const char *what)
{
	fprintf(stderr, "fuzz-events: %s\n", what);
	abort();
}

static void touch(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CREAT, 0644);

	if (fd < 0)
		return;
	if (text && write(fd, text, strlen(text)) < 0)
		(void)0;
	close(fd);
}

static void make_sandbox(void)
{
	const char *dir = getenv("XOL_FUZZ_DIR");
	char tmpl[4096];

	if (dir && *dir) {
		mkdir(dir, 0755);
	} else {
		snprintf(tmpl, sizeof(tmpl), "%s/xol-fuzz.XXXXXX",
			 getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
		dir = mkdtemp(tmpl);
	}
	if (!dir || chdir(dir))
		die("cannot enter the sandbox directory");
	touch("a", "\x7f" "ELF");
	touch("sh", NULL);
	touch("libc.so.6", NULL);
	touch("run-parts", NULL);
	touch(".dot", NULL);
	/* the files of the tables' fixture (selftests/lib/XolEvents.pm) */
	touch("a+b", NULL);
	touch("x:y", NULL);
	touch("caf\xe9", NULL);
	touch("1abc", NULL);
	touch("a(1)", NULL);
	touch("llllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllll", NULL);
	if (symlink("a+b", "link") && errno != EEXIST)
		(void)0;
	if (symlink("d", "dirlink") && errno != EEXIST)
		(void)0;
	mkdir("dir", 0755);
	mkdir("d", 0755);
	touch("d/x", NULL);
	if (symlink("a", "l") && errno != EEXIST)
		(void)0;
	if (symlink("nowhere", "dangling") && errno != EEXIST)
		(void)0;
	if (symlink("d", "ld") && errno != EEXIST)
		(void)0;
	if (mkfifo("fifo", 0644) && errno != EEXIST)
		(void)0;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	make_sandbox();
	devnull = fopen("/dev/null", "w");
	if (!devnull)
		die("/dev/null");
	return 0;
}

static void check_error(int ret, const struct xol_error *err)
{
	if (ret > 0 || ret < -4095)
		die("xol_events_write returned neither 0 nor -errno");
	if (!ret)
		return;
	if (err->err != ret)
		die("xol_error.err differs from the return value");
	if (!err->logged)
		return;
	if (!err->message || !err->id || !*err->message || !*err->id)
		die("a logged error without message or id");
	if (memchr(err->command, 0, sizeof(err->command)) == NULL)
		die("xol_error.command is not terminated");
	/*
	 * The kernel's caret can land past the end: after a deref, a type
	 * error is placed at the inner expression's offset plus the type's
	 * offset in the whole argument (trace/fetcharg.c), as 6.18 prints
	 * for "b=+6666666666(%di):b3@1=2/32" (column 51 of 48).  Never
	 * further than twice the command.
	 */
	if (err->pos > 2 * strlen(err->command) + 1)
		die("caret past twice the length of the command + 1");
	xol_error_print(err, devnull);
}

/* Names "GROUP/EVENT" of a listing, in order, without repeats (cuts @listing up). */
static size_t listed_names(char *listing, char **names, size_t max)
{
	size_t n = 0;

	for (char *line = strtok(listing, "\n"); line; line = strtok(NULL, "\n")) {
		char *sp = strchr(line, ' ');

		if ((line[0] != 'p' && line[0] != 'r') || line[1] != ':' || !sp)
			die("a listing line that is not p:GROUP/EVENT ...");
		*sp = '\0';
		int seen = 0;
		for (size_t i = 0; i < n; i++)
			seen |= !strcmp(names[i], line + 2);
		if (!seen && n < max)
			names[n++] = line + 2;
	}
	return n;
}

static char *list(struct xol_events *evs, size_t *len)
{
	char *buf = NULL;
	FILE *f = open_memstream(&buf, len);

	if (!f)
		die("open_memstream");
	if (xol_events_list(evs, f))
		die("xol_events_list failed");
	fclose(f);
	return buf;
}

/*
 * The kernel lists default event names without checking them (a stem like
 * "a+b" gives "p_a+b_0x1") and may list lines longer than it accepts; such a
 * listing cannot be written back, by the kernel either.
 */
static int rereadable(const struct xol_error *err, size_t linelen)
{
	if (linelen > LINE_MAX_BYTES)
		return 0;
	return !(err->logged && (!strcmp(err->id, "BAD_EVENT_NAME") ||
				 !strcmp(err->id, "EVENT_TOO_LONG") ||
				 !strcmp(err->id, "ARG_TOO_LONG")));
}

static void round_trip(const char *listing, size_t len)
{
	struct xol_events *again = xol_events_new();
	char *copy = malloc(len + 1), *second;
	size_t len2;
	int ok = 1;

	if (!again || !copy)
		die("out of memory");
	memcpy(copy, listing, len + 1);
	for (char *line = strtok(copy, "\n"); line && ok; line = strtok(NULL, "\n")) {
		struct xol_error err;
		int ret;

		memset(&err, 0, sizeof(err));
		ret = xol_events_write(again, line, strlen(line), &err);
		check_error(ret, &err);
		if (ret && rereadable(&err, strlen(line))) {
			fprintf(stderr, "fuzz-events: the listing line\n  %s\nis refused: %s (%s)\n",
				line, err.message ? err.message : "(not logged)", err.id ? err.id : "");
			die("round trip failed");
		}
		ok = !ret;
	}
	if (ok) {
		second = list(again, &len2);
		if (len2 != len || memcmp(second, listing, len)) {
			fprintf(stderr, "fuzz-events: listing\n%s\nwritten back lists\n%s\n", listing, second);
			die("round trip listed something else");
		}
		free(second);
	}
	free(copy);
	xol_events_free(again);
}

/* The ID: line of an event's format file. */
static int event_id(struct xol_events *evs, const char *name)
{
	char *buf = NULL, *id;
	size_t len;
	FILE *f = open_memstream(&buf, &len);
	int ret = -1;

	if (!f)
		die("open_memstream");
	xol_events_format(evs, name, f);
	fclose(f);
	id = strstr(buf, "\nID: ");
	if (id)
		ret = atoi(id + 5);
	free(buf);
	return ret;
}

static void render_one(struct xol_events *evs, const uint8_t *rec, size_t len)
{
	static const size_t sizes[] = { 0, 1, 8, 64, 65536 };
	static char out[65536];

	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		int n;

		memset(out, 'X', sizeof(out));
		n = xol_events_render(evs, rec, len, out, sizes[i]);
		if (n < 0 || !sizes[i])
			continue;
		/* a char of 0 renders as a NUL byte, as the kernel's %c does */
		size_t want = (size_t)n < sizes[i] ? (size_t)n : sizes[i] - 1;
		if (out[want] != '\0' || (want + 1 < sizeof(out) && out[want + 1] != 'X'))
			die("xol_events_render wrote other than snprintf would");
	}
}

static void render(struct xol_events *evs, char **names, size_t n, const uint8_t *last, size_t len)
{
	for (size_t i = 0; i < n; i++) {
		int id = event_id(evs, names[i]);
		uint8_t *rec = malloc(len ? len : 1), *page = calloc(1, 4096);
		uint16_t type = (uint16_t)id;

		if (!rec || !page)
			die("out of memory");
		if (id < 0)
			die("a listed event has no ID");
		memcpy(rec, last, len);
		memcpy(page, last, len < 4096 ? len : 4096);
		if (len >= 2)
			memcpy(rec, &type, 2);
		memcpy(page, &type, 2);
		render_one(evs, rec, len);     /* exactly as long as the input: overreads show */
		render_one(evs, page, 4096);
		free(rec);
		free(page);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct xol_events *evs = xol_events_new();
	const char *p = (const char *)data, *end = p + size, *last = p;
	char *names[256], *listing;
	size_t len, n, last_len = 0;

	if (!evs)
		die("xol_events_new failed");
	for (int w = 0; w < MAX_WRITES && p <= end; w++) {
		const char *nul = memchr(p, 0, end - p);
		size_t wlen = (nul ? nul : end) - p;
		struct xol_error err;

		last = p;
		last_len = wlen;
		if (!wlen && nul) {
			xol_events_clear(evs);
		} else if (wlen) {
			memset(&err, 0, sizeof(err));
			check_error(xol_events_write(evs, p, wlen, &err), &err);
		}
		if (!nul)
			break;
		p = nul + 1;
	}

	listing = list(evs, &len);
	char *scratch = strdup(listing);
	if (!scratch)
		die("out of memory");
	n = listed_names(scratch, names, 256);
	for (size_t i = 0; i < n; i++) {
		const char *slash = strchr(names[i], '/');

		int ret = xol_events_format(evs, names[i], devnull);

		if (ret) {
			fprintf(stderr, "fuzz-events: xol_events_format(\"%s\") = %d; listing:\n%s",
				names[i], ret, listing);
			die("a listed event has no format file");
		}
		/* an event name alone finds it too, in whatever group */
		if (slash)
			xol_events_format(evs, slash + 1, devnull);
	}
	xol_events_format(evs, "uprobes/nosuchevent", devnull);
	xol_events_format(evs, "", devnull);
	render(evs, names, n, (const uint8_t *)last, last_len);
	free(scratch);

	round_trip(listing, len);
	free(listing);
	xol_events_free(evs);
	return 0;
}
