// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Lua handlers: perf's handler names and argument order, Lua's own values
 * (64-bit integers exact and sign-extended, nil for a faulted string,
 * sequences for arrays), trace_unhandled, the optional sample table, a
 * traceback and a failed run on error, the xol helper module, and -g lua.
 */
#include "selftests/unit/60-script.h"

#define ALL "p:xolt/all /bin/sh:0x11f0 n=%di:s32 big=%si:s64 u=%dx:u16 h=%cx:x32 " \
	    "arr=+0(%si):u8[4] w=+0(%si):s16[2] s=+0(%si):string c=+0(%si):char "  \
	    "bf=+0(%dx):b3@2/32 ss=+0(%si):string[2] top=%ax:u64\n"
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
	rec_num(r, "w", 1, (uint16_t)-2);
	rec_str(r, "s", 0, s);
	rec_num(r, "c", 0, 'a');
	rec_num(r, "bf", 0, 5);
	rec_str(r, "ss", 0, "p");
	rec_strn(r, "ss", 1, "q\1", 2);  /* no NUL: the raw bytes */
	rec_num(r, "top", 0, 0xfffffffffffffffeull);
}

static void fill_ret(struct rec *r)
{
	rec_start(r, ret, 778, 0x5555555551f0, 0x555555555abc);
	rec_num(r, "rv", 0, (uint64_t)-1);
}

static const char positional[] =
	"function trace_begin() print('begin', arg[1], arg[2], xol ~= nil) end\n"
	"function xolt__all(event_name, context, common_cpu, common_secs, common_nsecs,\n"
	"        common_pid, common_comm, common_callchain, __probe_ip, n, big, u, h,\n"
	"        arr, w, s, c, bf, ss, top)\n"
	"    print(event_name, common_cpu, common_secs, common_nsecs, common_pid,\n"
	"          common_comm, #common_callchain, math.type(common_secs))\n"
	"    print(string.format('0x%x', __probe_ip), n, big, u, h, xol.str(arr), xol.str(w),\n"
	"          xol.str(s), c, bf, ss[1], #ss[2], top, xol.u64(top))\n"
	"end\n"
	"function xolt__all_ret(event_name, context, common_cpu, common_secs, common_nsecs,\n"
	"        common_pid, common_comm, common_callchain, __probe_func, __probe_ret_ip,\n"
	"        rv, perf_sample)\n"
	"    print(event_name, string.format('0x%x 0x%x', __probe_func, __probe_ret_ip), rv)\n"
	"    local t = perf_sample.sample\n"
	"    print(perf_sample.ev_name, perf_sample.comm, #perf_sample.raw_buf, t.pid, t.tid,\n"
	"          t.cpu, t.ip, t.time, t.period, t.cpumode)\n"
	"    print(xol.common_pc(context), xol.common_flags(context))\n"
	"end\n"
	"function trace_end() print('end') end\n";

static const char positional_out[] =
	"begin\tone\ttwo\ttrue\n"
	"xolt__all\t3\t12\t345\t777\tapp\t0\tinteger\n"
	"0x5555555551f0\t-3\t-3\t65535\t3735928559\t{97,98,0,0}\t{1,-2}\thello\t97\t5\tp\t2\t"
	"-2\t18446744073709551614\n"
	"xolt__all\t3\t12\t346\t777\tapp\t0\tinteger\n"
	"0x5555555551f0\t-3\t-3\t65535\t3735928559\t{97,108,112,104}\t{1,-2}\t(fault)\t97\t5\t"
	"p\t2\t-2\t18446744073709551614\n"
	"xolt__all_ret\t0x5555555551f0 0x555555555abc\t-1\n"
	"xolt:all_ret\tapp\t32\t4242\t4243\t3\t4198400\t12000000347\t1\t2\n"
	"2\t1\n"
	"end\n";

static void test_positional(void)
{
	struct rec r[3];
	struct script_sample s[3];
	char *args[] = { "one", "two" };
	struct run run;

	fill_all(&r[0], "ab\0\0", "hello");
	fill_all(&r[1], "alph", NULL);
	fill_ret(&r[2]);
	for (unsigned i = 0; i < 3; i++)
		s[i] = rec_sample(&r[i], 3, 12000000345ull + i, "app");
	run_script(&run, "t61-positional.lua", positional, s, 3, 2, args);
	is_int(run.start, 0, "positional: starts");
	is_int(run.sample, 0, "positional: every sample handled");
	is_int(run.stop, 0, "positional: stops");
	is_text(run.out, positional_out, "positional: perf's order, Lua's values");
	is_str(run.err, "", "positional: nothing on stderr");
}

static const char unhandled[] =
	"function trace_unhandled(event_name, context, f)\n"
	"    local keys = {}\n"
	"    for k in pairs(f) do keys[#keys + 1] = k end\n"
	"    table.sort(keys)\n"
	"    for _, k in ipairs(keys) do io.write(k, '=', xol.str(f[k]), ' ') end\n"
	"    print(event_name)\n"
	"end\n"
	"function xolt__all_ret(...)\n"
	"    print('varargs get no sample:', select('#', ...))\n"
	"end\n";

static const char unhandled_out[] =
	"__probe_ip=93824992236016 arr={97,98,0,0} bf=5 big=-3 c=97 common_callchain={} "
	"common_comm=app common_cpu=0 common_ns=5 common_pid=777 common_s=1 h=3735928559 "
	"n=-3 s=hello ss={p,q\1} top=-2 u=65535 w={1,-2} xolt__all\n"
	"varargs get no sample:\t11\n";

static void test_unhandled(void)
{
	struct rec r[2];
	struct script_sample s[2];
	struct run run;

	fill_all(&r[0], "ab\0\0", "hello");
	fill_ret(&r[1]);
	s[0] = rec_sample(&r[0], 0, 1000000005, "app");
	s[1] = rec_sample(&r[1], 0, 1000000006, "app");
	run_script(&run, "t61-unhandled.lua", unhandled, s, 2, 0, NULL);
	is_int(run.sample, 0, "unhandled: handled");
	is_text(run.out, unhandled_out, "unhandled: perf's keys");
}

static const char failing[] =
	"function xolt__all(name, ctx, cpu, secs, nsecs)\n"
	"    print('called')\n"
	"    if nsecs == 346 then\n"
	"        error('boom')\n"
	"    end\n"
	"end\n"
	"function trace_end() print('trace_end ran') end\n";

static void test_exception(void)
{
	struct rec r[3];
	struct script_sample s[3];
	struct run run;

	for (unsigned i = 0; i < 3; i++) {
		fill_all(&r[i], "ab\0\0", "x");
		s[i] = rec_sample(&r[i], 0, 345 + i, "app");
	}
	run_script(&run, "t61-fail.lua", failing, s, 3, 0, NULL);
	is_int(run.sample, -1, "error: the sample fails");
	is_int(run.stop, -1, "error: so does the run");
	is_text(run.out, "called\ncalled\n", "error: no more handlers, no trace_end");
	ok(strstr(run.err, "t61-fail.lua:4: boom") && strstr(run.err, "stack traceback:") &&
		   strstr(run.err, "in function 'xolt__all'"),
	   "error: the traceback is printed");

	run_script(&run, "t61-syntax.lua", "function x(\n", s, 1, 0, NULL);
	is_int(run.start, -1, "syntax error: start fails");
	ok(strstr(run.err, "t61-syntax.lua:2:"), "syntax error: and says where");
}

static const char helpers[] =
	"local per_comm = xol.counter()\n"
	"local by_s = xol.autodict()\n"
	"local stats = {}\n"
	"local h = xol.hist()\n"
	"function xolt__all(event_name, context, common_cpu, common_secs, common_nsecs,\n"
	"        common_pid, common_comm, common_callchain, __probe_ip, n, big, u, h_, arr,\n"
	"        w, s)\n"
	"    per_comm[common_comm] = per_comm[common_comm] + 1\n"
	"    by_s[common_comm][s] = (rawget(by_s[common_comm], s) or 0) + 1\n"
	"    xol.add_stats(stats, s, common_nsecs)\n"
	"    h:add(common_nsecs)\n"
	"end\n"
	"function trace_end()\n"
	"    for _, e in ipairs(xol.top(per_comm)) do print(e.key, e.value) end\n"
	"    for _, e in ipairs(xol.top(by_s.app, 1)) do print('top', e.key, e.value) end\n"
	"    local st = stats.a\n"
	"    print(st.min, st.max, st.count, st.sum, st.avg)\n"
	"    h:print('nsecs')\n"
	"    print(xol.nsecs_str(xol.nsecs(3, 7)), xol.log2(0), xol.log2(1), xol.log2(1024))\n"
	"end\n";

static const char helpers_out[] =
	"app\t3\n"
	"top\ta\t2\n"
	"1\t5\t2\t6\t3.0\n"
	"nsecs\n"
	"[1]                     1 |@@@@@@@@@@@@@@@@@@@@@@@@@@                          |\n"
	"[2, 4)                  0 |                                                    |\n"
	"[4, 8)                  2 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|\n"
	"    3.000000007\t0\t1\t11\n";

static void test_helpers(void)
{
	struct rec r[3];
	struct script_sample s[3];
	struct run run;
	static const uint64_t ns[3] = { 1, 4, 5 };

	fill_all(&r[0], "ab\0\0", "a");
	fill_all(&r[1], "ab\0\0", "b");
	fill_all(&r[2], "ab\0\0", "a");
	s[0] = rec_sample(&r[0], 0, ns[0], "app");
	s[1] = rec_sample(&r[1], 0, ns[1], "app");
	s[2] = rec_sample(&r[2], 0, ns[2], "app");
	run_script(&run, "t61-helpers.lua", helpers, s, 3, 0, NULL);
	is_int(run.start, 0, "helpers: start");
	is_text(run.out, helpers_out, "helpers: counter, autodict, top, stats, hist, nsecs");
	if (*run.err)
		printf("# %s", run.err);
}

static const char generated_out[] =
	"in trace_begin\n"
	"xolt__all                3 00012.000000345      777 app                  "
	"__probe_ip=93824992236016, n=-3, big=-3, u=65535, h=3735928559, arr={97,98,0,0}, "
	"w={1,-2}, s=hello, c=97, bf=5, ss={p,q\1}, top=18446744073709551614\n"
	"Sample: {cpu=3, cpumode=2, ip=4198400, period=1, pid=4242, tid=4243, "
	"time=12000000345}\n"
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

	is_int(script_lua_ops.generate(events, f), 0, "-g lua: writes");
	fclose(f);
	ok(strstr(text, "function xolt__all(event_name, context, common_cpu,\n"
			"\tcommon_secs, common_nsecs, common_pid, common_comm,\n"
			"\tcommon_callchain, __probe_ip, n, big, u, \n"),
	   "-g lua: perf's argument list");
	fill_all(&r, "ab\0\0", "hello");
	s = rec_sample(&r, 3, 12000000345ull, "app");
	run_script(&run, "t61-perf-script.lua", text, &s, 1, 0, NULL);
	is_int(run.sample, 0, "-g lua: the skeleton runs");
	is_text(run.out, generated_out, "-g lua: and prints every field");
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
	test_positional();
	test_unhandled();
	test_exception();
	test_helpers();
	test_generate();
	xol_events_free(evs);
	return done_testing();
}
