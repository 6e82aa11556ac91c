// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The error_log: every error the uprobe parser can reach, with the message
 * Linux 6.18 prints for it, and the three-line entry xol_error_print()
 * writes, whose caret line is 13 + pos bytes as the kernel's selftest
 * (uprobe_syntax_errors.tc) measures it.
 */
#include <errno.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "selftests/unit/tap.h"
#include "trace/errors.h"
#include "xol/xol.h"

static const struct {
	const char *id, *msg;
} reachable[] = {
	{ "FILE_NOT_FOUND",    "Failed to find the given file" },
	{ "NO_REGULAR_FILE",   "Not a regular file" },
	{ "BAD_REFCNT",        "Invalid reference counter offset" },
	{ "REFCNT_OPEN_BRACE", "Reference counter brace is not closed" },
	{ "BAD_REFCNT_SUFFIX", "Reference counter has wrong suffix" },
	{ "BAD_UPROBE_OFFS",   "Invalid uprobe offset" },
	{ "BAD_ADDR_SUFFIX",   "Invalid probed address suffix" },
	{ "NO_GROUP_NAME",     "Group name is not specified" },
	{ "GROUP_TOO_LONG",    "Group name is too long" },
	{ "BAD_GROUP_NAME",    "Group name must follow the same rules as C identifiers" },
	{ "NO_EVENT_NAME",     "Event name is not specified" },
	{ "EVENT_TOO_LONG",    "Event name is too long" },
	{ "BAD_EVENT_NAME",    "Event name must follow the same rules as C identifiers" },
	{ "RETVAL_ON_PROBE",   "$retval is not available on probe" },
	{ "BAD_ARG_NUM",       "Invalid argument number" },
	{ "BAD_VAR",           "Invalid $-variable specified" }, /* "valiable" before 6.18 */
	{ "BAD_REG_NAME",      "Invalid register name" },
	{ "BAD_MEM_ADDR",      "Invalid memory address" },
	{ "BAD_IMM",           "Invalid immediate value" },
	{ "IMMSTR_NO_CLOSE",   "String is not closed with '\"'" },
	{ "BAD_FILE_OFFS",     "Invalid file offset value" },
	{ "SYM_ON_UPROBE",     "Symbol is not available with uprobe" },
	{ "TOO_MANY_OPS",      "Dereference is too much nested" },
	{ "DEREF_NEED_BRACE",  "Dereference needs a brace" },
	{ "BAD_DEREF_OFFS",    "Invalid dereference offset" },
	{ "DEREF_OPEN_BRACE",  "Dereference brace is not closed" },
	{ "COMM_CANT_DEREF",   "$comm can not be dereferenced" },
	{ "BAD_FETCH_ARG",     "Invalid fetch argument" },
	{ "ARRAY_NO_CLOSE",    "Array is not closed" },
	{ "BAD_ARRAY_SUFFIX",  "Array has wrong suffix" },
	{ "BAD_ARRAY_NUM",     "Invalid array size" },
	{ "ARRAY_TOO_BIG",     "Array number is too big" },
	{ "BAD_TYPE",          "Unknown type is specified" },
	{ "BAD_STRING",        "String accepts only memory argument" },
	{ "BAD_BITFIELD",      "Invalid bitfield" },
	{ "ARG_NAME_TOO_LONG", "Argument name is too long" },
	{ "NO_ARG_NAME",       "Argument name is not specified" },
	{ "BAD_ARG_NAME",      "Argument name must follow the same rules as C identifiers" },
	{ "USED_ARG_NAME",     "This argument name is already used" },
	{ "ARG_TOO_LONG",      "Argument expression is too long" },
	{ "NO_ARG_BODY",       "No argument expression" },
	{ "DIFF_PROBE_TYPE",   "Probe type is different from existing probe" },
	{ "DIFF_ARG_TYPE",     "Argument type or name is different from existing probe" },
	{ "SAME_PROBE",        "There is already the exact same probe event" },
	{ "NOSUP_BTFARG",      "BTF is not available or not supported" },
	{ "NOFENTRY_ARGS",     "$arg* can be used only on function entry or exit" },
	{ "NEED_STRING_TYPE",  "$comm and immediate-string only accepts string type" },
	{ "TOO_MANY_ARGS",     "Too many arguments are specified" },
	{ "EVENT_TOO_BIG",     "Event too big (too many fields?)" },
};

#define N(a) (sizeof(a) / sizeof((a)[0]))

static void test_table(void)
{
	unsigned n = 0;

	for (size_t i = 0; i < N(reachable); i++) {
		int e = tp_err_lookup(reachable[i].id);

		if (!ok(e >= 0, "%s is in the table", reachable[i].id))
			continue;
		is_str(tp_err_msg[e], reachable[i].msg, "  with the kernel's message");
		ok(tp_err_reachable[e], "  and is marked reachable");
	}
	for (int e = 0; e < TP_ERR_COUNT; e++)
		n += tp_err_reachable[e];
	is_int(n, N(reachable), "no other error is marked reachable");
	is_int(tp_err_lookup("MAXACT_NO_KPROBE"), -1, "an unknown id is -1");
	ok(tp_err_lookup("BAD_MAXACT") >= 0 && !tp_err_reachable[tp_err_lookup("BAD_MAXACT")],
	   "kprobe-only ids are known but unreachable");
	ok(!tp_err_reachable[tp_err_lookup("EVENT_EXIST")],
	   "EVENT_EXIST needs another kind of event, which xol does not have");
}

static char *print_entry(const struct xol_error *err)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	xol_error_print(err, f);
	fclose(f);
	return buf;
}

static void test_print(void)
{
	const char *def = "p:hx/b /usr/bin/true:0x10 %rax";
	struct xol_events *evs = xol_events_new();
	struct xol_error err;
	char *entry, *l2, *l3;
	regex_t re;

	is_int(xol_events_write(evs, def, strlen(def), &err), -EINVAL, "print: a bad register");
	entry = print_entry(&err);
	regcomp(&re, "^\\[ *[0-9]{1,}\\.[0-9]{6}\\] trace_uprobe: error: Invalid register name\n",
		REG_EXTENDED);
	ok(!regexec(&re, entry, 0, NULL, 0), "line 1: [ secs.usecs] trace_uprobe: error: MSG");
	regfree(&re);
	ok(entry[0] == '[' && strchr(entry, '.') - entry >= 6, "  seconds right-aligned in 5 columns");
	l2 = strchr(entry, '\n') + 1;
	l3 = strchr(l2, '\n') + 1;
	ok(l3 - l2 == 42 && !strncmp(l2, "  Command: p:hx/b /usr/bin/true:0x10 %rax\n", 42),
	   "line 2: the command");
	is_str(l3, "                                     ^\n", "line 3: the caret under %%rax");
	is_int(strlen(l3), 13 + err.pos, "  13 + pos bytes, as the kernel's selftest counts");
	free(entry);

	err.logged = 0;
	entry = print_entry(&err);
	is_str(entry, "", "nothing is printed for a failure the kernel does not log");
	free(entry);
	xol_events_free(evs);
}

int main(void)
{
	test_table();
	test_print();
	return done_testing();
}
