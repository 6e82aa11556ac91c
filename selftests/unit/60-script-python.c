// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Python handlers get what perf 6.1's Python engine gives them, quirks
 * included: the positional arguments in perf's order, s32 -3 as
 * 4294967293 (perf reads every integer unsigned from its size), arrays as
 * bytearray unless they are printable NUL-terminated strings, a field that
 * was once a bytearray stays one, trace_unhandled's short common_s /
 * common_ns keys, perf_sample_dict only for a handler that declares it,
 * and perf's helper modules behind PERF_EXEC_PATH.  The expected texts
 * were checked against perf script on kernel tracepoints where the same
 * case exists (signal:signal_generate's int code=-6 gives 4294967290).
 */
#include "selftests/unit/60-script.h"

#define ALL "p:xolt/all /bin/sh:0x11f0 n=%di:s32 big=%si:s64 u=%dx:u16 h=%cx:x32 " \
	    "arr=+0(%si):u8[4] w=+0(%si):u16[2] s=+0(%si):string c=+0(%si):char "  \
	    "bf=+0(%dx):b3@2/32\n"
#define RET "r:xolt/all_ret /bin/sh:0x11f0 rv=$retval:s64\n"

static const struct tp_event *all, *ret;

static void fill_all(struct rec *r, const char *arr, const char *s)
{
	rec_start(r, all, 777, 0x5555555551f0, 0);
	rec_num(r, "n", 0, (uint32_t)-3);
	rec_num(r, "big", 0, (uint64_t)-3);
	rec_num(r, "u", 0, 65535);
	rec_num(r, "h", 0, 0xdeadbeef);
	for (unsigned i = 0; i < 4; i++)
		rec_num(r, "arr", i, (uint8_t)arr[i]);
	rec_num(r, "w", 0, 1);
	rec_num(r, "w", 1, 2);
	rec_str(r, "s", 0, s);
	rec_num(r, "c", 0, 'a');
	rec_num(r, "bf", 0, 5);
}

static void fill_ret(struct rec *r)
{
	rec_start(r, ret, 778, 0x5555555551f0, 0x555555555abc);
	rec_num(r, "rv", 0, (uint64_t)-1);
}

static void test_choose(void)
{
	ok(script_engine_for("a.py") == &script_python_ops, "a.py is Python");
	ok(script_engine_for("dir/A.PY") == &script_python_ops, "the extension in any case");
	ok(script_engine_for("x.lua") == &script_lua_ops, "x.lua is Lua");
	ok(script_engine_for("lua:x.py") == &script_lua_ops, "a lang: prefix wins");
	ok(script_engine_for("python:x") == &script_python_ops, "python: names it too");
	ok(!script_engine_for("x.pl"), "no Perl");
	ok(!script_engine_for("d.py/x"), "a dot in a directory is not an extension");
	is_str(script_file("Python:a/b.x"), "a/b.x", "the prefix is stripped");
	is_str(script_file("c:/x.py"), "c:/x.py", "an unknown prefix is part of the name");
}

static const char positional[] =
	"import sys\n"
	"def trace_begin():\n"
	"    print('begin', sys.argv[1:], __name__)\n"
	"def xolt__all(event_name, context, common_cpu, common_secs, common_nsecs,\n"
	"        common_pid, common_comm, common_callchain, __probe_ip, n, big, u, h,\n"
	"        arr, w, s, c, bf):\n"
	"    print(event_name, common_cpu, common_secs, common_nsecs, common_pid,\n"
	"          common_comm, common_callchain)\n"
	"    print(hex(__probe_ip), n, big, u, h, repr(arr), repr(w), repr(s), c, bf)\n"
	"def xolt__all_ret(event_name, context, common_cpu, common_secs, common_nsecs,\n"
	"        common_pid, common_comm, common_callchain, __probe_func, __probe_ret_ip,\n"
	"        rv, perf_sample_dict):\n"
	"    print(event_name, hex(__probe_func), hex(__probe_ret_ip), rv)\n"
	"    d = perf_sample_dict\n"
	"    print(list(d.keys()))\n"
	"    print(d['sample'])\n"
	"    print(d['ev_name'], d['comm'], len(d['raw_buf']), len(d['attr']),\n"
	"          d['callchain'] is not None)\n"
	"def trace_end():\n"
	"    print('end')\n";

static const char positional_out[] =
	"begin ['one', 'two'] __main__\n"
	"xolt__all 3 12 345 777 app []\n"
	"0x5555555551f0 4294967293 -3 65535 3735928559 'ab' bytearray(b'\\x01\\x00\\x02\\x00')"
	" 'hello' 97 5\n"
	"xolt__all 3 12 346 777 app []\n"
	"0x5555555551f0 4294967293 -3 65535 3735928559 bytearray(b'alph') "
	"bytearray(b'\\x01\\x00\\x02\\x00') bytearray(b'') 97 5\n"
	"xolt__all 3 12 347 777 app []\n"
	"0x5555555551f0 4294967293 -3 65535 3735928559 bytearray(b'ab\\x00\\x00') "
	"bytearray(b'\\x01\\x00\\x02\\x00') bytearray(b'x\\x00') 97 5\n"
	"xolt__all_ret 0x5555555551f0 0x555555555abc -1\n"
	"['ev_name', 'attr', 'sample', 'raw_buf', 'comm', 'callchain', 'brstack', "
	"'brstacksym', 'iregs', 'uregs']\n"
	"{'pid': 4242, 'tid': 4243, 'cpu': 3, 'ip': 4198400, 'time': 12000000348, "
	"'period': 1, 'phys_addr': 0, 'addr': 0, 'values': [(0, 0, 0)], 'weight': 0, "
	"'transaction': 0, 'datasrc': 84410401, "
	"'datasrc_decode': '|OP N/A|LVL N/A|SNP N/A|TLB N/A|LCK N/A|BLK  N/A', 'cpumode': 2}\n"
	"xolt:all_ret app 32 128 True\n"
	"end\n";

static void test_positional(void)
{
	struct rec r[4];
	struct script_sample s[4];
	char *args[] = { "one", "two" };
	struct run run;

	fill_all(&r[0], "ab\0\0", "hello");
	fill_all(&r[1], "alph", NULL);      /* not a string: a bytearray from now on */
	fill_all(&r[2], "ab\0\0", "x");     /* printable again, still bytearrays */
	fill_ret(&r[3]);
	for (unsigned i = 0; i < 4; i++)
		s[i] = rec_sample(&r[i], 3, 12000000345ull + i, "app");
	run_script(&run, "t60-positional.py", positional, s, 4, 2, args);
	is_int(run.start, 0, "positional: starts");
	is_int(run.sample, 0, "positional: every sample handled");
	is_int(run.stop, 0, "positional: stops");
	is_text(run.out, positional_out, "positional: perf's arguments and values");
	is_str(run.err, "", "positional: nothing on stderr");
}

static const char unhandled[] =
	"def trace_unhandled(event_name, context, event_fields_dict):\n"
	"    print(event_name, sorted(event_fields_dict.items()))\n"
	"def xolt__all_ret(*args):\n"
	"    print('varargs get no dict:', len(args))\n";

static const char unhandled_out[] =
	"xolt__all [('__probe_ip', 93824992236016), ('arr', 'ab'), ('bf', 5), ('big', -3), "
	"('c', 97), ('common_callchain', []), ('common_comm', 'app'), ('common_cpu', 0), "
	"('common_ns', 5), ('common_pid', 777), ('common_s', 1), ('h', 3735928559), "
	"('n', 4294967293), ('s', 'hello'), ('u', 65535), ('w', bytearray(b'\\x01\\x00\\x02\\x00'))]\n"
	"varargs get no dict: 11\n";

static void test_unhandled(void)
{
	struct rec r[2];
	struct script_sample s[2];
	struct run run;

	fill_all(&r[0], "ab\0\0", "hello");
	fill_ret(&r[1]);
	s[0] = rec_sample(&r[0], 0, 1000000005, "app");
	s[1] = rec_sample(&r[1], 0, 1000000006, "app");
	run_script(&run, "t60-unhandled.py", unhandled, s, 2, 0, NULL);
	is_int(run.sample, 0, "unhandled: handled");
	is_text(run.out, unhandled_out, "unhandled: perf's dict keys");
}

static const char failing[] =
	"def xolt__all(*a):\n"
	"    print('called')\n"
	"    if a[4] == 346:\n"
	"        raise ValueError('boom')\n"
	"def trace_end():\n"
	"    print('trace_end ran')\n";

static void test_exception(void)
{
	struct rec r[3];
	struct script_sample s[3];
	struct run run;

	for (unsigned i = 0; i < 3; i++) {
		fill_all(&r[i], "ab\0\0", "x");
		s[i] = rec_sample(&r[i], 0, 345 + i, "app");
	}
	run_script(&run, "t60-fail.py", failing, s, 3, 0, NULL);
	is_int(run.sample, -1, "exception: the sample fails");
	is_int(run.stop, -1, "exception: so does the run");
	is_text(run.out, "called\ncalled\n", "exception: no more handlers, no trace_end");
	ok(strstr(run.err, "Traceback (most recent call last):") &&
		   strstr(run.err, "t60-fail.py\", line 4, in xolt__all") &&
		   strstr(run.err, "ValueError: boom"),
	   "exception: the traceback is printed");

	run_script(&run, "t60-syntax.py", "def x(:\n", s, 1, 0, NULL);
	is_int(run.start, -1, "syntax error: start fails");
	ok(strstr(run.err, "SyntaxError"), "syntax error: and says so");
}

static const char helpers[] =
	"import os\n"
	"import sys\n"
	"sys.path.append(os.environ['PERF_EXEC_PATH'] + \\\n"
	"\t'/scripts/python/Perf-Trace-Util/lib/Perf/Trace')\n"
	"from perf_trace_context import *\n"
	"from Core import *\n"
	"from Util import *\n"
	"counts = autodict()\n"
	"stats = {}\n"
	"def trace_begin():\n"
	"    define_flag_field('xolt__all', 'h', '|')\n"
	"    define_flag_value('xolt__all', 'h', 1, 'ONE')\n"
	"    define_flag_value('xolt__all', 'h', 4, 'FOUR')\n"
	"    define_symbolic_value('xolt__all', 'u', 65535, 'MAX')\n"
	"def xolt__all(event_name, context, common_cpu, common_secs, common_nsecs,\n"
	"        common_pid, common_comm, common_callchain, __probe_ip, n, big, u, h,\n"
	"        arr, w, s, c, bf):\n"
	"    try:\n"
	"        counts[common_comm][s] += 1\n"
	"    except TypeError:\n"
	"        counts[common_comm][s] = 1\n"
	"    add_stats(stats, event_name, nsecs(common_secs, common_nsecs))\n"
	"    print(common_pc(context), common_flags(context), common_lock_depth(context),\n"
	"          trace_flag_str(common_flags(context)), nsecs_str(nsecs(common_secs, common_nsecs)),\n"
	"          flag_str(event_name, 'h', 5), symbol_str(event_name, 'u', u),\n"
	"          perf_sample_insn(context), perf_script_context is not None)\n"
	"def trace_end():\n"
	"    for comm in sorted(counts):\n"
	"        for k in sorted(counts[comm]):\n"
	"            print(comm, k, counts[comm][k])\n"
	"    print(stats, nsecs_secs(3000000000), nsecs_nsecs(3000000007), avg(3, 2),\n"
	"          strerror(2), taskState(1))\n"
	"    print(EventHeaders(1, 2, 3000, 4, 'c', []).ts_format())\n";

static const char helpers_out[] =
	"2 1 -1 IRQS_OFF     1.000000005 ONE | FOUR MAX None True\n"
	"2 1 -1 IRQS_OFF     1.000000006 ONE | FOUR MAX None True\n"
	"2 1 -1 IRQS_OFF     1.000000007 ONE | FOUR MAX None True\n"
	"app a 2\n"
	"app b 1\n"
	"{'xolt__all': (1000000005, 1000000007, 1000000006.25, 3)} 3.0 7 1.5 ENOENT S\n"
	"2.3\n";

static void test_helpers(void)
{
	struct rec r[3];
	struct script_sample s[3];
	struct run run;

	fill_all(&r[0], "ab\0\0", "a");
	fill_all(&r[1], "ab\0\0", "b");
	fill_all(&r[2], "ab\0\0", "a");
	for (unsigned i = 0; i < 3; i++)
		s[i] = rec_sample(&r[i], 0, 1000000005 + i, "app");
	run_script(&run, "t60-helpers.py", helpers, s, 3, 0, NULL);
	is_int(run.start, 0, "helpers: Core and Util import from PERF_EXEC_PATH");
	is_text(run.out, helpers_out, "helpers: perf_trace_context, Core and Util");
	if (*run.err)
		printf("# %s", run.err);
}

/* perf script -g python's text for these two formats, and what it prints. */
static const char generated_head[] =
	"# perf script event handlers, generated by perf script -g python\n"
	"# Licensed under the terms of the GNU GPL License version 2\n";

static const char generated_all[] =
	"def xolt__all(event_name, context, common_cpu,\n"
	"\tcommon_secs, common_nsecs, common_pid, common_comm,\n"
	"\tcommon_callchain, __probe_ip, n, big, u, \n"
	"\th, arr, w, s, c, \n"
	"\tbf, perf_sample_dict):\n"
	"\t\tprint_header(event_name, common_cpu, common_secs, common_nsecs,\n"
	"\t\t\tcommon_pid, common_comm)\n"
	"\n"
	"\t\tprint(\"__probe_ip=%u, n=%d, big=%d, \" \\\n"
	"\t\t\"u=%u, h=%u, arr=%s, \" \\\n"
	"\t\t\"w=%s, s=%s, c=%u, \" \\\n"
	"\t\t\"bf=%u\" % \\\n"
	"\t\t(__probe_ip, n, big, u, \n"
	"\t\th, arr, w, s, c, \n"
	"\t\tbf))\n";

static const char generated_out[] =
	"in trace_begin\n"
	"xolt__all                3 00012.000000345      777 app                  "
	"__probe_ip=93824992236016, n=4294967293, big=-3, u=65535, h=3735928559, arr=ab, "
	"w=bytearray(b'\\x01\\x00\\x02\\x00'), s=hello, c=97, bf=5\n"
	"Sample: {addr=0, cpu=3, cpumode=2, datasrc=84410401, "
	"datasrc_decode=|OP N/A|LVL N/A|SNP N/A|TLB N/A|LCK N/A|BLK  N/A, ip=4198400, "
	"period=1, phys_addr=0, pid=4242, tid=4243, time=12000000345, transaction=0, "
	"values=[(0, 0, 0)], weight=0}\n"
	"\n"
	"in trace_end\n";

static void test_generate(void)
{
	const struct tp_event *events[] = { all, ret, NULL };
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	struct rec r;
	struct script_sample s;
	struct run run;

	is_int(script_python_ops.generate(events, f), 0, "-g python: writes");
	fclose(f);
	ok(!strncmp(text, generated_head, strlen(generated_head)), "-g python: perf's header");
	if (!ok(strstr(text, generated_all), "-g python: a handler as perf writes it"))
		printf("# %s\n", text);
	ok(strstr(text, "def xolt__all_ret(event_name, context, common_cpu,\n"
			"\tcommon_secs, common_nsecs, common_pid, common_comm,\n"
			"\tcommon_callchain, __probe_func, __probe_ret_ip, rv, perf_sample_dict):\n"),
	   "-g python: the return event's handler");

	fill_all(&r, "ab\0\0", "hello");
	s = rec_sample(&r, 3, 12000000345ull, "app");
	run_script(&run, "t60-perf-script.py", text, &s, 1, 0, NULL);
	is_int(run.sample, 0, "-g python: the skeleton runs");
	is_text(run.out, generated_out, "-g python: and prints what perf's would");
	if (*run.err)
		printf("# %s", run.err);
	free(text);
}

int main(void)
{
	struct xol_events *evs = xol_events_new();

	all = rec_define(evs, ALL);
	ret = rec_define(evs, RET);
	if (!ok(all && ret, "events defined"))
		return done_testing();
	test_choose();
	test_positional();
	test_unhandled();
	test_exception();
	test_helpers();
	test_generate();
	xol_events_free(evs);
	return done_testing();
}
