// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * `xol events`, as the kernel-oracle test and the fuzzer drive it: stdout
 * carries only the listing (or the format files), stderr only the error
 * entry (three lines when the kernel logs one, one line naming the errno
 * when it does not), exit status 0 or 1, and nothing on stdout on failure.
 */
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "selftests/unit/tap.h"

static char xol[PATH_MAX];

struct run {
	int status;
	char out[8192], err[8192];
};

static void slurp(const char *path, char *buf, size_t size)
{
	FILE *f = fopen(path, "r");
	size_t n = f ? fread(buf, 1, size - 1, f) : 0;

	buf[n] = '\0';
	if (f)
		fclose(f);
}

/* Run xol with @argv (NULL-terminated, without argv[0]) and @input on stdin. */
static void run(struct run *r, const char *input, const char *const *argv)
{
	char in[] = "/tmp/xol-17-in-XXXXXX", out[] = "/tmp/xol-17-out-XXXXXX",
	     err[] = "/tmp/xol-17-err-XXXXXX";
	int fi = mkstemp(in), fo = mkstemp(out), fe = mkstemp(err), st;
	const char *args[32] = { xol };
	pid_t pid;

	for (int i = 0; argv[i] && i < 30; i++)
		args[i + 1] = argv[i];
	if (input && write(fi, input, strlen(input)) < 0)
		perror("write");
	lseek(fi, 0, SEEK_SET);
	fflush(stdout);
	pid = fork();
	if (!pid) {
		dup2(fi, 0);
		dup2(fo, 1);
		dup2(fe, 2);
		execv(xol, (char *const *)args);
		_exit(127);
	}
	waitpid(pid, &st, 0);
	r->status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
	slurp(out, r->out, sizeof(r->out));
	slurp(err, r->err, sizeof(r->err));
	close(fi);
	close(fo);
	close(fe);
	unlink(in);
	unlink(out);
	unlink(err);
}

static int lines(const char *s)
{
	int n = 0;

	for (; *s; s++)
		n += *s == '\n';
	return n;
}

#define RUN(r, input, ...) run(r, input, (const char *const[]){ "events", ##__VA_ARGS__, NULL })

static void test_listing(void)
{
	struct run r;

	RUN(&r, NULL, "-e", "p:xolu/a /bin/sh:0x10 %ax", "-e", "r:xolu/b /bin/sh:0x20 $retval:s32");
	is_int(r.status, 0, "listing: exit 0");
	is_str(r.out,
	       "p:xolu/a /bin/sh:0x0000000000000010 arg1=%ax\n"
	       "r:xolu/b /bin/sh:0x0000000000000020 arg1=$retval:s32\n",
	       "  stdout is what reading uprobe_events shows");
	is_str(r.err, "", "  stderr is empty");

	RUN(&r, NULL);
	is_int(r.status, 0, "no definitions");
	is_str(r.out, "", "  an empty listing");

	RUN(&r, "p:xolu/a /bin/sh:1\n# two lines\np:xolu/b /bin/sh:2\n", "-F", "-");
	is_int(r.status, 0, "a probe file on stdin: one write");
	is_str(r.out, "p:xolu/a /bin/sh:0x0000000000000001\np:xolu/b /bin/sh:0x0000000000000002\n",
	       "  both lines applied");

	RUN(&r, NULL, "-e", "p:xolu/a /bin/sh:1", "-e", "p:xolu/b /bin/sh:2", "-e", "-:xolu/a");
	is_str(r.out, "p:xolu/b /bin/sh:0x0000000000000002\n", "-e writes apply in order");
}

static void test_format(void)
{
	struct run r;

	RUN(&r, NULL, "-e", "p:xolu/a /bin/sh:0x10 n=%di:s64", "-e", "p:xolu/b /bin/sh:1",
	    "--format", "xolu/a");
	is_int(r.status, 0, "--format: exit 0");
	ok(!strncmp(r.out, "name: a\nID: ", 12), "  only the format file");
	ok(strstr(r.out, "\tfield:s64 n;\toffset:16;\tsize:8;\tsigned:1;\n\n"
			 "print fmt: \"(%lx) n=%Ld\", REC->__probe_ip, REC->n\n"),
	   "  with the arg's field and the print fmt");
	ok(!strstr(r.out, "p:xolu/a"), "  and no listing");

	RUN(&r, NULL, "-e", "p:xolu/a /bin/sh:1", "-e", "p:xolu/b /bin/sh:2", "--format", "a",
	    "--format", "xolu/b");
	ok(strstr(r.out, "name: a\n") && strstr(r.out, "name: b\n") &&
	   strstr(r.out, "name: a\n") < strstr(r.out, "name: b\n"), "several --format, in order");

	RUN(&r, NULL, "-e", "p:xolu/a /bin/sh:1", "--format", "xolu/nope");
	is_int(r.status, 1, "--format of no event: exit 1");
	is_str(r.out, "", "  nothing on stdout");
	is_int(lines(r.err), 1, "  one line on stderr");
}

static void test_errors(void)
{
	struct run r;
	char *l3;

	RUN(&r, NULL, "-e", "p:xolu/a /bin/sh:1", "-e", "p:hx/b /usr/bin/true:0x10 %rax");
	is_int(r.status, 1, "a bad definition: exit 1");
	is_str(r.out, "", "  nothing on stdout, not even the good one before it");
	is_int(lines(r.err), 3, "  three lines on stderr");
	ok(strstr(r.err, "] trace_uprobe: error: Invalid register name\n"
			 "  Command: p:hx/b /usr/bin/true:0x10 %rax\n"),
	   "  the error_log entry");
	l3 = strstr(r.err, "\n  Command:");
	l3 = l3 ? strchr(l3 + 1, '\n') + 1 : r.err;
	is_str(l3, "                                     ^\n", "  with its caret");

	RUN(&r, NULL, "-e", "p /bin/sh");
	is_int(r.status, 1, "not a uprobe line: exit 1");
	is_str(r.out, "", "  nothing on stdout");
	is_int(lines(r.err), 1, "  one line on stderr");
	ok(strstr(r.err, "EINVAL") && strstr(r.err, "p /bin/sh"), "  naming the errno and the line");

	RUN(&r, NULL, "-e", "-:xolu/none");
	is_int(r.status, 1, "deleting nothing: exit 1");
	ok(strstr(r.err, "ENOENT") != NULL, "  ENOENT");

	RUN(&r, NULL, "--probe-file", "/nonexistent/file");
	is_int(r.status, 1, "an unreadable probe file: exit 1");
	is_int(lines(r.err), 1, "  one line");
}

static void test_usage(void)
{
	struct run r;

	RUN(&r, NULL, "-h");
	is_int(r.status, 0, "-h: exit 0");
	ok(strstr(r.out, "usage: xol events") != NULL, "  usage on stdout");
	RUN(&r, NULL, "--bogus");
	is_int(r.status, 2, "an unknown option: exit 2");
	is_str(r.out, "", "  nothing on stdout");
	RUN(&r, NULL, "stray");
	is_int(r.status, 2, "a stray argument: exit 2");
}

int main(int argc, char **argv)
{
	const char *build = getenv("XOL_BUILD");
	char self[PATH_MAX];

	(void)argc;
	if (build) {
		snprintf(xol, sizeof(xol), "%s/xol", build);
	} else {
		/* build/selftests/NN.t (or build/san/selftests/NN.t) -> build/xol */
		if (!realpath(argv[0], self))
			snprintf(self, sizeof(self), "%s", argv[0]);
		snprintf(xol, sizeof(xol), "%s/../xol", dirname(self));
	}
	if (access(xol, X_OK)) {
		printf("1..0 # SKIP %s is not built\n", xol);
		return 0;
	}
	test_listing();
	test_format();
	test_errors();
	test_usage();
	return done_testing();
}
