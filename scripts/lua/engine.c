// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Lua handlers (Lua 5.4), with perf's Python handler names and argument
 * order so that scripts port line by line:
 *
 *   GROUP__EVENT(event_name, context, common_cpu, common_secs, common_nsecs,
 *                common_pid, common_comm, common_callchain, FIELD...
 *                [, perf_sample])
 *   trace_unhandled(event_name, context, fields [, perf_sample])
 *   trace_begin(), trace_end()
 *
 * perf_sample is passed when the function declares exactly one parameter
 * more than the others (debug.getinfo(f).nparams plays co_argcount).
 *
 * Values are Lua's own rather than perf's quirks (Documentation/
 * xol-script-lua.md): integers are 64-bit and exact, signed fields
 * sign-extended from their size, u64 above 2^63 wrapped negative (format
 * them with xol.u64()); a string is a Lua string up to its NUL when perf
 * would pass a str, else its raw bytes, and nil when the read faulted;
 * fixed arrays are sequences of integers, string arrays of strings.
 *
 * The helper module scripts/lua/xol.lua is loaded as the global `xol`
 * before the script runs; its C part is `xol.core`.
 */
#include <errno.h>
#include <inttypes.h>
#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>
#include <stdlib.h>
#include <string.h>

#include "scripts/engine.h"

#define NR_IDS 65536

struct lua_event {
	const struct tp_event *ev;
	char name[2 * TP_NAME_MAX + 3];    /* GROUP__EVENT */
	char ev_name[2 * TP_NAME_MAX + 3]; /* GROUP:EVENT */
	unsigned nfields;
	struct script_field fields[2 + TP_MAX_ARGS];
};

struct script_engine {
	lua_State *L;
	bool failed;
	const void *fn;          /* the last function whose nparams we know */
	int nparams;
	struct lua_event **events; /* by ID */
};

static const struct script_sample *current;

/* --- xol.core --------------------------------------------------------------- */

static int core_byte(lua_State *L, unsigned off)
{
	luaL_checkany(L, 1);
	lua_pushinteger(L, current && current->raw_size > off ? current->raw[off] : 0);
	return 1;
}

static int core_common_pc(lua_State *L) { return core_byte(L, 3); }
static int core_common_flags(lua_State *L) { return core_byte(L, 2); }

static int core_common_lock_depth(lua_State *L)
{
	luaL_checkany(L, 1);
	lua_pushinteger(L, -1);
	return 1;
}

/* xol.u64(v): the decimal text of an integer read as unsigned. */
static int core_u64(lua_State *L)
{
	char buf[24];

	snprintf(buf, sizeof(buf), "%" PRIu64, (uint64_t)luaL_checkinteger(L, 1));
	lua_pushstring(L, buf);
	return 1;
}

static const luaL_Reg core_funcs[] = {
	{ "common_pc", core_common_pc },
	{ "common_flags", core_common_flags },
	{ "common_lock_depth", core_common_lock_depth },
	{ "u64", core_u64 },
	{ NULL, NULL },
};

static int open_core(lua_State *L)
{
	luaL_newlib(L, core_funcs);
	return 1;
}

/* --- start ------------------------------------------------------------------ */

static int traceback(lua_State *L)
{
	const char *msg = lua_tostring(L, 1);

	if (!msg)
		msg = lua_pushfstring(L, "(error object is a %s value)", luaL_typename(L, 1));
	luaL_traceback(L, L, msg, 1);
	return 1;
}

/* Call the function below @nargs arguments; print the traceback on error. */
static int pcall(lua_State *L, int nargs)
{
	int base = lua_gettop(L) - nargs, err;

	lua_pushcfunction(L, traceback);
	lua_insert(L, base);
	err = lua_pcall(L, nargs, 0, base);
	if (err) {
		fprintf(stderr, "%s\n", lua_tostring(L, -1));
		lua_pop(L, 1);
	}
	lua_remove(L, base);
	return err ? -1 : 0;
}

static int call_hook(lua_State *L, const char *name)
{
	if (lua_getglobal(L, name) != LUA_TFUNCTION) {
		lua_pop(L, 1);
		return 0;
	}
	return pcall(L, 0);
}

/* package.path gets <exec>/scripts/lua/?.lua; then xol = require "xol". */
static int load_helpers(lua_State *L)
{
	const char *exec = script_exec_path();

	luaL_requiref(L, "xol.core", open_core, 0);
	lua_pop(L, 1);
	if (exec) {
		lua_getglobal(L, "package");
		lua_pushfstring(L, "%s/scripts/lua/?.lua;", exec);
		lua_getfield(L, -2, "path");
		lua_concat(L, 2);
		lua_setfield(L, -2, "path");
		lua_pop(L, 1);
	}
	lua_getglobal(L, "require");
	lua_pushstring(L, "xol");
	if (lua_pcall(L, 1, 1, 0)) {
		/* no helper file: the C part alone */
		lua_pop(L, 1);
		luaL_requiref(L, "xol.core", open_core, 0);
	}
	lua_setglobal(L, "xol");
	return 0;
}

static void finish(struct script_engine *e)
{
	if (e->events)
		for (unsigned i = 0; i < NR_IDS; i++)
			free(e->events[i]);
	free(e->events);
	if (e->L)
		lua_close(e->L);
	current = NULL;
	fflush(stdout);
	free(e);
}

static int lua_start(struct script_engine **out, const char *spec, int argc, char **argv)
{
	const char *path = script_file(spec);
	struct script_engine *e = calloc(1, sizeof(*e));
	lua_State *L;

	if (!e || !(e->events = calloc(NR_IDS, sizeof(*e->events))) ||
	    !(e->L = luaL_newstate())) {
		fprintf(stderr, "xol script: cannot start Lua: %s\n", strerror(ENOMEM));
		if (e)
			finish(e);
		return -1;
	}
	L = e->L;
	luaL_openlibs(L);
	load_helpers(L);
	/* arg, as the lua interpreter sets it: arg[0] the script, arg[1..] its arguments */
	lua_createtable(L, argc, 1);
	lua_pushstring(L, path);
	lua_rawseti(L, -2, 0);
	for (int i = 1; i < argc; i++) {
		lua_pushstring(L, argv[i]);
		lua_rawseti(L, -2, i);
	}
	lua_setglobal(L, "arg");

	if (luaL_loadfile(L, path)) {
		fprintf(stderr, "xol script: %s\n", lua_tostring(L, -1));
		finish(e);
		return -1;
	}
	for (int i = 1; i < argc; i++)
		lua_pushstring(L, argv[i]);
	if (pcall(L, argc > 1 ? argc - 1 : 0) || call_hook(L, "trace_begin")) {
		fprintf(stderr, "xol script: error starting Lua script %s\n", path);
		finish(e);
		return -1;
	}
	*out = e;
	return 0;
}

/* --- samples ---------------------------------------------------------------- */

static struct lua_event *event_of(struct script_engine *e, const struct tp_event *ev)
{
	struct lua_event *le = e->events[ev->id];

	if (le && le->ev == ev)
		return le;
	if (!le) {
		le = calloc(1, sizeof(*le));
		if (!le)
			return NULL;
		e->events[ev->id] = le;
	}
	le->ev = ev;
	snprintf(le->name, sizeof(le->name), "%s__%s", ev->group, ev->name);
	snprintf(le->ev_name, sizeof(le->ev_name), "%s:%s", ev->group, ev->name);
	le->nfields = script_fields(ev, le->fields);
	return le;
}

static int64_t sign_extend(uint64_t v, unsigned size)
{
	unsigned shift = 64 - 8 * size;

	return size >= 8 ? (int64_t)v : (int64_t)(v << shift) >> shift;
}

/* One string at @loc_off: nil if it faulted, text if perf would say str, else the bytes. */
static void push_string(lua_State *L, const struct script_sample *s, uint32_t loc_off)
{
	uint32_t loc = (uint32_t)script_read(s, loc_off, 4), off = loc & 0xffff, len = loc >> 16;
	const uint8_t *p = s->raw + off;

	if (!len || (uint64_t)off + len > s->raw_size)
		lua_pushnil(L);
	else if (script_is_printable(p, len))
		lua_pushstring(L, (const char *)p);
	else
		lua_pushlstring(L, (const char *)p, len);
}

static void push_field(lua_State *L, const struct script_field *f, const struct script_sample *s)
{
	const struct tp_type *t = f->type;
	unsigned esize = t ? t->size : f->size;
	bool str = t && (t->kind == TP_TYPE_STRING || t->kind == TP_TYPE_USTRING);

	if (t && t->count) {
		lua_createtable(L, t->count, 0);
		for (unsigned i = 0; i < t->count; i++) {
			if (str) {
				push_string(L, s, f->offset + 4 * i);
			} else {
				uint64_t v = script_read(s, f->offset + i * esize, esize);

				lua_pushinteger(L, (lua_Integer)(t->kind == TP_TYPE_S
							? sign_extend(v, esize) : (int64_t)v));
			}
			lua_rawseti(L, -2, i + 1);
		}
		return;
	}
	if (str) {
		push_string(L, s, f->offset);
		return;
	}
	{
		uint64_t v = script_read(s, f->offset, esize);

		lua_pushinteger(L, (lua_Integer)(t && t->kind == TP_TYPE_S ? sign_extend(v, esize)
									  : (int64_t)v));
	}
}

static void set_int(lua_State *L, const char *k, int64_t v)
{
	lua_pushinteger(L, v);
	lua_setfield(L, -2, k);
}

static void push_sample(lua_State *L, const struct lua_event *le, const struct script_sample *s,
			int comm, int callchain)
{
	lua_createtable(L, 0, 5);
	lua_pushstring(L, le->ev_name);
	lua_setfield(L, -2, "ev_name");
	lua_createtable(L, 0, 8);
	set_int(L, "pid", s->pid);
	set_int(L, "tid", s->tid);
	set_int(L, "cpu", s->cpu);
	set_int(L, "ip", (int64_t)s->ip);
	set_int(L, "time", (int64_t)s->time_ns);
	set_int(L, "period", (int64_t)s->period);
	set_int(L, "cpumode", s->cpumode);
	lua_setfield(L, -2, "sample");
	lua_pushlstring(L, (const char *)s->raw, s->raw_size);
	lua_setfield(L, -2, "raw_buf");
	lua_pushvalue(L, comm);
	lua_setfield(L, -2, "comm");
	lua_pushvalue(L, callchain);
	lua_setfield(L, -2, "callchain");
}

static int nparams(struct script_engine *e, int idx)
{
	lua_State *L = e->L;
	const void *fn = lua_topointer(L, idx);
	lua_Debug ar;

	if (fn == e->fn)
		return e->nparams;
	lua_pushvalue(L, idx);
	lua_getinfo(L, ">u", &ar);
	e->fn = fn;
	e->nparams = ar.nparams;
	return ar.nparams;
}

static int lua_sample(struct script_engine *e, const struct script_sample *s)
{
	lua_State *L = e->L;
	struct lua_event *le;
	int top = lua_gettop(L), fn, n, comm, callchain;
	bool unhandled = false;
	uint64_t secs = s->time_ns / 1000000000, nsecs = s->time_ns % 1000000000;
	int32_t pid = (int32_t)script_read(s, 4, 4);

	if (e->failed)
		return -1;
	current = s;
	le = event_of(e, s->event);
	if (!le) {
		fprintf(stderr, "xol script: %s\n", strerror(ENOMEM));
		e->failed = true;
		return -1;
	}
	if (lua_getglobal(L, le->name) != LUA_TFUNCTION) {
		lua_pop(L, 1);
		if (lua_getglobal(L, "trace_unhandled") != LUA_TFUNCTION) {
			lua_pop(L, 1);
			return 0;
		}
		unhandled = true;
	}
	fn = lua_gettop(L);
	lua_pushstring(L, s->comm ? s->comm : ":-1");
	comm = lua_gettop(L);
	lua_createtable(L, 0, 0);
	callchain = lua_gettop(L);
	lua_pushvalue(L, fn);
	lua_pushstring(L, le->name);
	lua_pushlightuserdata(L, e);
	if (!unhandled) {
		lua_pushinteger(L, (int32_t)s->cpu);
		lua_pushinteger(L, (lua_Integer)secs);
		lua_pushinteger(L, (lua_Integer)nsecs);
		lua_pushinteger(L, pid);
		lua_pushvalue(L, comm);
		lua_pushvalue(L, callchain);
		for (unsigned i = 0; i < le->nfields; i++)
			push_field(L, &le->fields[i], s);
		n = 8 + (int)le->nfields;
	} else {
		lua_createtable(L, 0, 6 + le->nfields);
		set_int(L, "common_cpu", (int32_t)s->cpu);
		set_int(L, "common_s", (int64_t)secs);
		set_int(L, "common_ns", (int64_t)nsecs);
		set_int(L, "common_pid", pid);
		lua_pushvalue(L, comm);
		lua_setfield(L, -2, "common_comm");
		lua_pushvalue(L, callchain);
		lua_setfield(L, -2, "common_callchain");
		for (unsigned i = 0; i < le->nfields; i++) {
			push_field(L, &le->fields[i], s);
			lua_setfield(L, -2, le->fields[i].name);
		}
		n = 3;
	}
	if (nparams(e, fn) == n + 1) {
		push_sample(L, le, s, comm, callchain);
		n++;
	}
	if (pcall(L, n)) {
		e->failed = true;
		lua_settop(L, top);
		return -1;
	}
	lua_settop(L, top);
	return 0;
}

static int lua_stop(struct script_engine *e)
{
	int err = e->failed ? -1 : call_hook(e->L, "trace_end");

	finish(e);
	return err;
}

/* --- -g lua ------------------------------------------------------------------- */

/* The shape of perf's Python skeleton, in Lua. */
static void gen_event(const struct tp_event *ev, FILE *o)
{
	struct script_field f[2 + TP_MAX_ARGS];
	unsigned n = script_fields(ev, f), count = 0, i;

	fprintf(o, "function %s__%s(event_name, context, common_cpu,\n", ev->group, ev->name);
	script_gen_params(f, n, o);
	fprintf(o, "perf_sample)\n");
	fprintf(o, "\tprint_header(event_name, common_cpu, common_secs, common_nsecs,\n"
		   "\t\tcommon_pid, common_comm)\n\n");
	fprintf(o, "\tprint(string.format(\"");
	for (i = 0, count = 0; i < n; i++) {
		if (i)
			fprintf(o, ", ");
		if (count && count % 3 == 0)
			fprintf(o, "\" ..\n\t\t\"");
		count++;
		fprintf(o, "%s=%s", f[i].name, f[i].array || f[i].size == 8 ? "%s" : "%d");
	}
	fprintf(o, "\",\n\t\t");
	for (i = 0, count = 0; i < n; i++) {
		const struct tp_type *t = f[i].type;

		if (i)
			fprintf(o, ", ");
		if (++count % 5 == 0)
			fprintf(o, "\n\t\t");
		if (f[i].array)
			fprintf(o, "xol.str(%s)", f[i].name);
		else if (f[i].size == 8 && (!t || t->kind != TP_TYPE_S))
			fprintf(o, "xol.u64(%s)", f[i].name);
		else if (f[i].size == 8)
			fprintf(o, "tostring(%s)", f[i].name);
		else
			fprintf(o, "%s", f[i].name);
	}
	fprintf(o, "))\n\n");
	fprintf(o, "\tprint(\"Sample: {\" .. get_table_as_string(perf_sample.sample, \", \") .. "
		   "\"}\")\n\n");
	fprintf(o, "\tprint()\nend\n\n");
}

static int lua_generate(const struct tp_event *const *events, FILE *o)
{
	fprintf(o, "-- xol script event handlers, generated by xol script -g lua\n"
		   "--\n"
		   "-- The handlers take perf's Python arguments, in perf's order.  Integers\n"
		   "-- are exact 64-bit values (xol.u64() prints one as unsigned), strings\n"
		   "-- are Lua strings or nil when the read faulted, arrays are sequences.\n"
		   "-- The helpers (xol.autodict, xol.add_stats, xol.top, xol.hist, ...)\n"
		   "-- are described in Documentation/xol-script-lua.md.\n\n"
		   "function trace_begin()\n\tprint(\"in trace_begin\")\nend\n\n"
		   "function trace_end()\n\tprint(\"in trace_end\")\nend\n\n");
	for (; *events; events++)
		gen_event(*events, o);
	fprintf(o, "function trace_unhandled(event_name, context, event_fields, perf_sample)\n"
		   "\tprint(get_table_as_string(event_fields))\n"
		   "\tprint(\"Sample: {\" .. get_table_as_string(perf_sample.sample, \", \") .. "
		   "\"}\")\nend\n\n"
		   "function print_header(event_name, cpu, secs, nsecs, pid, comm)\n"
		   "\tio.write(string.format(\"%%-20s %%5d %%05d.%%09d %%8d %%-20s \",\n"
		   "\t\tevent_name, cpu, secs, nsecs, pid, comm))\n"
		   "end\n\n"
		   "function get_table_as_string(t, delimiter)\n"
		   "\tlocal keys, out = {}, {}\n"
		   "\tfor k in pairs(t) do keys[#keys + 1] = k end\n"
		   "\ttable.sort(keys)\n"
		   "\tfor _, k in ipairs(keys) do out[#out + 1] = k .. \"=\" .. xol.str(t[k]) end\n"
		   "\treturn table.concat(out, delimiter or \" \")\n"
		   "end\n");
	return ferror(o) ? -1 : 0;
}

static const char *const lua_exts[] = { "lua", NULL };

const struct script_engine_ops script_lua_ops = {
	.name = "Lua",
	.exts = lua_exts,
	.start = lua_start,
	.sample = lua_sample,
	.stop = lua_stop,
	.generate = lua_generate,
};
