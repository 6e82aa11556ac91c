// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The registry and write(2) semantics of uprobe_events: appending probes
 * to an event, the SAME_PROBE / DIFF_* refusals, deletions, clearing, IDs,
 * line splitting, comments, the 4094-byte line limit, the first failing
 * line stopping a write, the kernel's Latin-1 tokens, relative paths and
 * default names.  Each scenario here was run against Linux 6.18 first.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "selftests/unit/tap.h"
#include "trace/events.h"
#include "trace/strbuf.h"
#include "xol/xol.h"

static struct xol_error err;

static int w(struct xol_events *evs, const char *text)
{
	return xol_events_write(evs, text, strlen(text), &err);
}

/* Write a buffer that may hold NUL bytes. */
static int wn(struct xol_events *evs, const char *text, size_t len)
{
	return xol_events_write(evs, text, len, &err);
}

static char listing_buf[1 << 16];

static const char *listing(struct xol_events *evs)
{
	FILE *f = fmemopen(listing_buf, sizeof(listing_buf), "w");

	xol_events_list(evs, f);
	fputc('\0', f);
	fclose(f);
	return listing_buf;
}

static unsigned count_events(struct xol_events *evs)
{
	unsigned n = 0;

	for (const struct tp_event *e = tp_first_event(evs); e; e = e->next)
		n++;
	return n;
}

static void test_append(void)
{
	struct xol_events *evs = xol_events_new();
	const struct tp_event *ev;
	const struct tp_probe *p;

	is_int(w(evs, "p:xolu/a /bin/sh:1 x=%ax y=%bx:u8"), 0, "append: first probe");
	is_int(w(evs, "p:xolu/a /bin/sh:1 x=%cx y=%bx:u8"), 0,
	       "same event, same place, other arg text: a second probe");
	is_int(w(evs, "p:xolu/a /bin/sh:3(0x10) x=%ax y=+0(%bx):b2@3/8"), 0,
	       "a bitfield in a u8 container is the same type as u8");
	is_str(listing(evs),
	       "p:xolu/a /bin/sh:0x0000000000000001 x=%ax y=%bx:u8\n"
	       "p:xolu/a /bin/sh:0x0000000000000001 x=%cx y=%bx:u8\n"
	       "p:xolu/a /bin/sh:0x0000000000000003(0x10) x=%ax y=+0(%bx):b2@3/8\n",
	       "one listing line per probe, all with the event's name");
	is_int(count_events(evs), 1, "one event");
	ev = tp_first_event(evs);
	is_int(ev->nprobes, 3, "with three probes");
	p = tp_first_probe(evs);
	ok(ev->args == p->args, "the event's args are its first probe's");
	is_str(p->next->args[0].text, "%cx", "each probe keeps its own arg text");
	ok(p->next->args[0].prog.insn[0].param != p->args[0].prog.insn[0].param,
	   "and its own fetch program");

	is_int(w(evs, "p:xolu/a /bin/sh:1 x=%ax y=%bx:u8"), -EEXIST, "the very same probe again");
	is_str(err.id, "SAME_PROBE", "  SAME_PROBE");
	is_int(w(evs, "r:xolu/a /bin/sh:5 x=%ax y=%bx:u8"), -EEXIST, "a return probe");
	is_str(err.id, "DIFF_PROBE_TYPE", "  DIFF_PROBE_TYPE");
	is_int(w(evs, "p:xolu/a /bin/sh:5%return x=%ax y=%bx:u8"), -EEXIST, "%%return too");
	is_str(err.id, "DIFF_PROBE_TYPE", "  DIFF_PROBE_TYPE");
	is_int(w(evs, "p:xolu/a /bin/sh:2 x=%ax"), -EEXIST, "fewer args");
	is_str(err.id, "DIFF_ARG_TYPE", "  DIFF_ARG_TYPE");
	is_int(err.pos, strlen("p:xolu/a /bin/sh:2 x=%ax") + 1, "  one column past the end");
	is_int(listing(evs)[0] != '\0', 1, "refusals change nothing");
	xol_events_free(evs);

	/* the same probe under another event is fine */
	evs = xol_events_new();
	is_int(w(evs, "p:xolu/a /bin/sh:1 x=%ax\np:xolu/b /bin/sh:1 x=%ax"), 0,
	       "the same place in two events");
	is_int(count_events(evs), 2, "two events");
	xol_events_free(evs);
}

static void test_refctr(void)
{
	struct xol_events *evs = xol_events_new();

	is_int(w(evs, "p:xolu/a /bin/sh:3(0x10)"), 0, "refctr: a probe with a semaphore");
	is_int(w(evs, "p:xolu/b /bin/sh:3(0x12)"), -EINVAL, "another refctr at the same place");
	ok(!err.logged, "  is refused without an error_log entry");
	is_int(w(evs, "p:xolu/b /bin/sh:3"), -EINVAL, "no refctr there either");
	is_int(w(evs, "p:xolu/b /bin/sh:3(0x10)"), 0, "the same refctr is fine");
	is_int(w(evs, "p:xolu/c /bin/sh:4(0)"), 0, "(0) is no refctr");
	is_int(w(evs, "p:xolu/d /bin/sh:4"), 0, "so it agrees with none");
	is_str(listing(evs),
	       "p:xolu/a /bin/sh:0x0000000000000003(0x10)\n"
	       "p:xolu/b /bin/sh:0x0000000000000003(0x10)\n"
	       "p:xolu/c /bin/sh:0x0000000000000004\n"
	       "p:xolu/d /bin/sh:0x0000000000000004\n",
	       "and (0) is not listed");
	xol_events_free(evs);
}

static void test_delete(void)
{
	struct xol_events *evs = xol_events_new();
	const struct tp_event *ev;
	unsigned id;

	w(evs, "p:xolu/a /bin/sh:1 x=%ax y=%bx:u8\n"
	       "p:xolu/a /bin/sh:2(0x20) x=%cx y=%bx:u8\n"
	       "p:xolu2/a /bin/sh:1\n"
	       "p:xolu/b /bin/sh:5");
	ev = tp_first_event(evs);
	id = ev->id;

	is_int(w(evs, "-:xolu/a /bin/sh:0x1"), -ENOENT, "delete: the offset must be as listed");
	ok(!err.logged, "  deletions are never logged");
	is_int(w(evs, "-:xolu/a /bin/sh:0x0000000000000001 x=%cx"), -ENOENT, "  args must match");
	is_int(w(evs, "-:xolu/a /bin/sh:0x0000000000000002"), -ENOENT,
	       "  and the refctr is part of the location");
	is_int(w(evs, "-:xolu/a /bin/sh:0x0000000000000002(0x20) x=%cx y=%bx:u8 z"), -ENOENT,
	       "  more args than the probe has");
	is_int(w(evs, "-:xolu/a /bin/sh:0x0000000000000001 x=%ax"), 0,
	       "a prefix of the args picks one probe");
	is_str(listing(evs),
	       "p:xolu/a /bin/sh:0x0000000000000002(0x20) x=%cx y=%bx:u8\n"
	       "p:xolu2/a /bin/sh:0x0000000000000001\n"
	       "p:xolu/b /bin/sh:0x0000000000000005\n",
	       "  the other probe stays");
	ev = tp_find_event(evs, "xolu/a");
	ok(ev && ev->id == id && ev->nprobes == 1, "  in the same event, same ID");
	ok(ev && ev->args == tp_first_probe(evs)->args,
	   "  whose args are now those of its remaining probe");

	is_int(w(evs, "-:"), -EINVAL, "-: names nothing");
	is_int(w(evs, "-"), -EINVAL, "- alone");
	is_int(w(evs, "-x"), -EINVAL, "-x");
	is_int(w(evs, "-:/"), -ENOENT, "-:/ is the empty group: no match");
	is_int(w(evs, "-:a"), 0, "-:EVENT deletes that name in every group");
	is_str(listing(evs), "p:xolu/b /bin/sh:0x0000000000000005\n", "  both of them");
	is_int(w(evs, "-:xolu2/"), -ENOENT, "-:GRP/ with nothing left in it");
	is_int(w(evs, "-:xolu/"), 0, "-:GRP/ deletes the whole group");
	is_str(listing(evs), "", "  empty");
	is_int(w(evs, " -:xolu/b"), -EINVAL, "a deletion must start the line");
	ok(!err.logged, "  (then it is not a uprobe line: nothing logged)");

	/* name=text pairs are compared whole, however long */
	w(evs, "p:xolu/a /bin/sh:1 xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx=+0(+0(+0(+0(+0(+0(+0(+0(%ax)))))))):u64");
	is_int(w(evs, "-:xolu/a /bin/sh:0x0000000000000001 xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx="
		      "+0(+0(+0(+0(+0(+0(+0(+0(%ax)"),
	       -ENOENT, "a long pair cut at 64 bytes does not match");
	is_int(w(evs, "-:xolu/a /bin/sh:0x0000000000000001 xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx="
		      "+0(+0(+0(+0(+0(+0(+0(+0(%ax)))))))):u64"),
	       0, "the whole pair does");
	xol_events_free(evs);
}

static void test_clear_and_ids(void)
{
	struct xol_events *evs = xol_events_new();
	const struct tp_event *a, *b;
	unsigned last;

	w(evs, "p:xolu/a /bin/sh:1\np:xolu/b /bin/sh:2\np:xolu/a /bin/sh:3");
	a = tp_find_event(evs, "xolu/a");
	b = tp_find_event(evs, "xolu.b");
	ok(a && b && a->id && b->id > a->id, "IDs: small, increasing per new event");
	ok(tp_find_event(evs, "b") == b, "an event can be found by its name alone");
	ok(!tp_find_event(evs, "xolu/c"), "  or not at all");
	last = b->id;
	w(evs, "-:xolu/b");
	w(evs, "p:xolu/c /bin/sh:4");
	ok(tp_find_event(evs, "xolu/c")->id > last, "a deleted event's ID is not reused at once");
	xol_events_clear(evs);
	is_str(listing(evs), "", "clear removes every event");
	ok(!tp_first_event(evs) && !tp_first_probe(evs), "  and every probe");
	is_int(w(evs, "p:xolu/a /bin/sh:1"), 0, "the registry works after a clear");
	{
		FILE *null = fopen("/dev/null", "w");

		is_int(xol_events_format(evs, "xolu/none", null), -ENOENT, "no format for no event");
		is_int(xol_events_format(evs, "xolu/a", null), 0, "  a format for an event");
		fclose(null);
	}
	xol_events_free(evs);
}

static void test_lines(void)
{
	struct xol_events *evs = xol_events_new();
	struct strbuf sb = STRBUF_INIT;

	is_int(w(evs, "p:xolu/a /bin/sh:1\np:xolu/b /bin/sh:2 %rax\np:xolu/c /bin/sh:3"), -EINVAL,
	       "lines: the first failing line stops the write");
	is_int(err.line, 2, "  it is line 2");
	is_str(err.command, "p:xolu/b /bin/sh:2 %rax", "  its command");
	is_str(listing(evs), "p:xolu/a /bin/sh:0x0000000000000001\n", "  the lines before it stay");
	xol_events_clear(evs);

	is_int(w(evs, "\n\n   \t\n# a comment\np:xolu/a /bin/sh:1 x=%ax # trailing\n"), 0,
	       "empty lines, blank lines, comments and a final newline");
	is_str(listing(evs), "p:xolu/a /bin/sh:0x0000000000000001 x=%ax\n", "  only the probe");
	is_int(w(evs, "p:xolu/b /bin/sh:1 x=%ax#y=%bx"), 0, "a '#' ends the line, even in a token");
	is_int(w(evs, ""), 0, "an empty write");
	is_int(w(evs, "#p:xolu/c /bin/sh:1("), 0, "a commented-out bad line");
	xol_events_clear(evs);

	is_int(w(evs, "p:xolu/a\t/bin/sh:1  \v%rax\f\r"), -EINVAL,
	       "tokens: any run of white space separates");
	is_str(err.command, "p:xolu/a /bin/sh:1 %rax", "  the command is rebuilt with single spaces");
	is_int(err.pos, 19, "  and the caret counts in it");
	is_int(w(evs, "p:xolu/a\xa0/bin/sh:1"), 0, "0xa0 is a space, as in the kernel's ctype");
	is_int(w(evs, "p:\xe9g/x /bin/sh:1"), 0, "Latin-1 letters make good group names");
	is_int(w(evs, "p:xolu/\xe9 /bin/sh:1"), 0, "  and event names");
	is_int(w(evs, "p:xolu/a\xd7 /bin/sh:1"), -EINVAL, "but 0xd7 (multiplication sign) is not a letter");
	is_str(err.id, "BAD_EVENT_NAME", "  BAD_EVENT_NAME");
	xol_events_clear(evs);

	/* a line is at most 4094 bytes and its newline; the last line 4095 */
	sb_puts(&sb, "p:xolu/l /bin/sh:1 #");
	while (sb.len < 4094)
		sb_putc(&sb, 'x');
	sb_puts(&sb, "\np:xolu/m /bin/sh:2");
	is_int(wn(evs, sb.buf, sb.len), 0, "a line of 4094 bytes and its newline");
	xol_events_clear(evs);
	sb.len = 4094;
	sb_puts(&sb, "x\np:xolu/m /bin/sh:2");
	is_int(wn(evs, sb.buf, sb.len), -EINVAL, "4095 bytes and a newline: too long");
	ok(!err.logged, "  not logged");
	is_str(listing(evs), "", "  nothing applied");
	sb.len = 4095;
	is_int(wn(evs, sb.buf, sb.len), 0, "4095 bytes as the last line, no newline: fine");
	xol_events_clear(evs);
	sb_putc(&sb, 'x');
	is_int(wn(evs, sb.buf, sb.len), -EINVAL, "4096: too long");
	sb_release(&sb);

	/* lines that straddle the 4096-byte chunks are read whole */
	sb_puts(&sb, "p:xolu/k /bin/sh:3\np:xolu/l /bin/sh:1 #");
	while (sb.len < 3000)
		sb_putc(&sb, 'x');
	sb_puts(&sb, "\np:xolu/l /bin/sh:1 #");
	while (sb.len < 6000)
		sb_putc(&sb, 'y');
	sb_puts(&sb, "\np:xolu/n /bin/sh:2");
	is_int(wn(evs, sb.buf, sb.len), -EEXIST, "lines across the 4096-byte chunks");
	is_int(err.line, 3, "  line 3 is line 2 again, but for its comment");
	is_str(err.id, "SAME_PROBE", "  SAME_PROBE");
	is_str(listing(evs),
	       "p:xolu/k /bin/sh:0x0000000000000003\n"
	       "p:xolu/l /bin/sh:0x0000000000000001\n", "  the first two lines stay");
	sb_release(&sb);
	xol_events_clear(evs);

	is_int(wn(evs, "p:xolu/k /bin/sh:3\0\np:xolu/m /bin/sh:2", 37), -EINVAL,
	       "a NUL in the first line: the kernel calls that line too long");
	is_str(listing(evs), "", "  nothing applied");
	is_int(wn(evs, "p:xolu/k /bin/sh:3\np:xolu/m /bin/sh:2\0", 38), -EINVAL,
	       "a NUL in a later line");
	is_str(listing(evs), "p:xolu/k /bin/sh:0x0000000000000003\n", "  the lines before it stay");
	xol_events_free(evs);
}

static void test_not_mine(void)
{
	static const char *const not_mine[] = {
		"p", "r", "p:xolu/b", "x /bin/sh:1", "P /bin/sh:1", "p /bin/sh",
		"p /bin/sh:abc", "p /bin/sh:+10", "p /bin/sh:x10", "p /bin/sh:", "p a+b:0x10",
	};
	struct xol_events *evs = xol_events_new();

	for (size_t i = 0; i < sizeof(not_mine) / sizeof(not_mine[0]); i++) {
		is_int(w(evs, not_mine[i]), -EINVAL, "not a uprobe line: '%s'", not_mine[i]);
		ok(!err.logged && err.message, "  not logged, but explained: %s", err.message);
	}
	xol_events_free(evs);
}

static void test_names(void)
{
	struct xol_events *evs = xol_events_new();
	char name[200];

	is_int(w(evs, "p /bin/sh:0x6a\nr10 /bin/sh:0x69\nr10:ignored /bin/sh:0x68\n"
		      "p:xolu/ /bin/sh:0x65\nr:xolu/ /bin/sh:0x66\npxyz /bin/sh:0x67"),
	       0, "names: default names, and the junk after p/r ignored");
	is_str(listing(evs),
	       "p:uprobes/p_sh_0x6a /bin/sh:0x000000000000006a\n"
	       "r:uprobes/p_sh_0x69 /bin/sh:0x0000000000000069\n"
	       "r:uprobes/p_sh_0x68 /bin/sh:0x0000000000000068\n"
	       "p:xolu/p_sh_0x65 /bin/sh:0x0000000000000065\n"
	       "r:xolu/p_sh_0x66 /bin/sh:0x0000000000000066\n"
	       "p:uprobes/p_sh_0x67 /bin/sh:0x0000000000000067\n",
	       "  p_<stem>_0x<offset>, 'p' even for return probes");
	xol_events_clear(evs);

	/* files with odd names, in a directory of our own, by relative paths */
	char dir[] = "/tmp/xol-14-XXXXXX", cwd[PATH_MAX];
	static const char *const files[] = { "a+b", ".hid", "x:y", "libc.so.6", "my-prog_2",
		"LLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLL" };

	if (!ok(mkdtemp(dir) && getcwd(cwd, sizeof(cwd)) && !chdir(dir), "a scratch directory"))
		return;
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++)
		close(open(files[i], O_CREAT | O_WRONLY, 0644));
	is_int(symlink("a+b", "lnk"), 0, "a symlink");
	mkdir("sub", 0755);
	is_int(w(evs, "p ./a+b:0x10\nr ./.hid:020\np:xolu/ ./x:y:0x10%return(0x20)\n"
		      "p ./libc.so.6:4096\np ./my-prog_2:1\np:xolu/ sub/../lnk:0\n"),
	       0, "relative paths resolve against the current directory");
	is_str(listing(evs),
	       "p:uprobes/p_a+b_0x10 ./a+b:0x0000000000000010\n"
	       "r:uprobes/p__0x10 ./.hid:0x0000000000000010\n"
	       "r:xolu/p_x:y_0x10 ./x:y:0x0000000000000010(0x20)\n"
	       "p:uprobes/p_libc_0x1000 ./libc.so.6:0x0000000000001000\n"
	       "p:uprobes/p_my_0x1 ./my-prog_2:0x0000000000000001\n"
	       "p:xolu/p_lnk_0x0 sub/../lnk:0x0000000000000000\n",
	       "  the stem is cut at . - _, unchecked; paths are listed as written");
	{
		const struct tp_probe *p = tp_first_probe(evs), *l = p;
		struct stat st;

		while (l->next)
			l = l->next;
		stat("a+b", &st);
		ok(p->dev == st.st_dev && p->ino == st.st_ino, "the probe is on the file's inode");
		ok(l->dev == st.st_dev && l->ino == st.st_ino, "  also through a symlink");
	}
	snprintf(name, sizeof(name), "p ./%s:0x123456789", files[5]);
	is_int(w(evs, name), 0, "a long file name");
	snprintf(name, sizeof(name), "p_%s_0x123456789", files[5]);
	name[63] = '\0';
	ok(tp_find_event(evs, name), "  makes a default name cut to 63 characters: %s", name);
	is_int(w(evs, "p:xolu/e :1/"), -EINVAL, "an empty path is the current directory");
	is_str(err.id, "NO_REGULAR_FILE", "  which is not a regular file");
	is_int(w(evs, "p:xolu/e sub:1/"), -EINVAL, "a path with no '/' before the ':'");
	is_str(err.id, "NO_REGULAR_FILE", "  still a path: the '/' may be anywhere in the token");
	xol_events_free(evs);
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++)
		unlink(files[i]);
	unlink("lnk");
	rmdir("sub");
	if (chdir(cwd) || rmdir(dir))
		printf("# could not clean %s\n", dir);
}

static void test_data_pool(void)
{
	struct xol_events *evs = xol_events_new();
	const struct tp_event *ev;
	const struct tp_probe *p;

	is_int(w(evs, "p:xolu/a /bin/sh:1 s=\\\"one\" t=\\\"two\"\n"
		      "p:xolu/a /bin/sh:2 s=\\\"three\" t=$comm"),
	       0, "immediate strings: two probes of one event");
	ev = tp_first_event(evs);
	p = tp_first_probe(evs);
	is_int(ev->data_len, 4 + 4 + 6, "one pool for the event, NULs included");
	ok(ev->data && !memcmp(ev->data, "one\0two\0three\0", 14), "  in definition order");
	is_int(p->args[0].prog.insn[0].op, FETCH_OP_DATA, "  DATA");
	is_int(p->args[1].prog.insn[0].param, 4, "  params are offsets in the pool");
	is_int(p->next->args[0].prog.insn[0].param, 8, "  the second probe's are rebased");
	is_str(ev->data + p->next->args[0].prog.insn[0].param, "three", "  to its own string");
	xol_events_free(evs);
}

/* Thousands of events in one write, as xol probe and xol stat -x make them. */
static void test_many(void)
{
	struct xol_events *evs = xol_events_new();
	struct strbuf sb = { 0 };
	const struct tp_event *ev;
	const struct tp_probe *p;
	unsigned n = 0, prev = 0;
	bool ordered = true, found = true;

	for (int i = 0; i < 3000; i++) {
		char line[64];
		int k = snprintf(line, sizeof(line), "p:g%d/f_%d /bin/sh:%d\n", i % 3, i / 2, i);
		sb_put(&sb, line, (size_t)k);
	}
	is_int(wn(evs, sb.buf, sb.len), 0, "3000 lines in one write");
	for (ev = tp_first_event(evs); ev; ev = ev->next, n++) {
		ordered &= ev->id > prev;
		prev = ev->id;
	}
	is_int((int)n, 3000, "  3000 events (a name in two groups is two events)");
	ok(ordered, "  in registry order, IDs increasing");
	for (int i = 0; i < 3000; i++) {
		char name[32];
		snprintf(name, sizeof(name), "g%d/f_%d", i % 3, i / 2);
		ev = tp_find_event(evs, name);
		found &= ev != NULL && ev->nprobes == 1;
	}
	ok(found, "  each found by group and name");
	ev = tp_find_event(evs, "f_7");
	ok(ev && !strcmp(ev->group, "g2"), "  by name alone: the first registered (g2/f_7 before g0/f_7)");
	is_int(w(evs, "p:g0/f_1 /bin/sh:0x3"), -EEXIST, "  the same probe again is refused");
	is_int(w(evs, "p:g0/f_1 /bin/sh:5000"), 0, "  a second probe joins its event");
	ev = tp_find_event(evs, "g0/f_1");
	ok(ev && ev->nprobes == 2, "  which has two probes");
	is_int(w(evs, "p:g1/x /bin/sh:4(0x10)"), -EINVAL, "  one offset, one refctr: checked among thousands");
	is_int(w(evs, "-:g2/f_1499"), 0, "delete the last event");
	is_int(w(evs, "p:g2/last /bin/sh:9000"), 0, "  and add one after it");
	for (p = tp_first_probe(evs); p->next; p = p->next)
		;
	ok(!strcmp(p->event->name, "last"), "  it is last in the listing");
	sb_release(&sb);
	xol_events_free(evs);
}

/* IDs come round after 65535: then a new event skips the IDs still taken. */
static void test_id_wrap(void)
{
	struct xol_events *evs = xol_events_new();
	const struct tp_event *ev;
	bool ok_all = true;

	w(evs, "p:xolu/keep /bin/sh:1");
	for (int i = 0; i < 65534 && ok_all; i++)
		ok_all = !w(evs, "p:xolu/tmp /bin/sh:2") && !w(evs, "-:xolu/tmp");
	ok(ok_all, "65534 events made and deleted");
	w(evs, "p:xolu/again /bin/sh:3");
	ev = tp_find_event(evs, "xolu/again");
	ok(ev && ev->id == 2, "after 65535, the smallest free ID: 1 is still taken");
	w(evs, "p:xolu/next /bin/sh:4");
	ev = tp_find_event(evs, "xolu/next");
	ok(ev && ev->id == 3, "  and then the next");
	xol_events_free(evs);
}

int main(void)
{
	test_append();
	test_refctr();
	test_delete();
	test_clear_and_ids();
	test_lines();
	test_not_mine();
	test_names();
	test_data_pool();
	test_many();
	test_id_wrap();
	return done_testing();
}
