// SPDX-License-Identifier: GPL-2.0-or-later
/* Choosing a script engine, and what the Python and Lua engines share: the fields as perf sees them. */
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "scripts/engine.h"
#include "trace/kstr.h"

static const struct script_engine_ops *const engines[] = {
	&script_python_ops,
	&script_lua_ops,
};

#define NENGINES (sizeof(engines) / sizeof(engines[0]))

static const struct script_engine_ops *by_name(const char *name, size_t len)
{
	for (size_t i = 0; i < NENGINES; i++) {
		const struct script_engine_ops *ops = engines[i];

		if (strlen(ops->name) == len && !strncasecmp(ops->name, name, len))
			return ops;
		for (const char *const *x = ops->exts; *x; x++)
			if (strlen(*x) == len && !strncasecmp(*x, name, len))
				return ops;
	}
	return NULL;
}

/* The engine a "lang:" prefix names, or NULL (then a ':' is part of the name). */
static const struct script_engine_ops *by_prefix(const char *path)
{
	const char *colon = strchr(path, ':');

	return colon ? by_name(path, (size_t)(colon - path)) : NULL;
}

const struct script_engine_ops *script_engine_for(const char *path)
{
	const struct script_engine_ops *ops = by_prefix(path);
	const char *dot;

	if (ops)
		return ops;
	dot = strrchr(path, '.');
	return dot && !strchr(dot, '/') ? by_name(dot + 1, strlen(dot + 1)) : NULL;
}

const char *script_file(const char *path)
{
	return by_prefix(path) ? strchr(path, ':') + 1 : path;
}

void script_gen_params(const struct script_field *f, unsigned n, FILE *o)
{
	unsigned count = 0, i;

	fprintf(o, "\tcommon_secs, common_nsecs, common_pid, common_comm,\n\t");
	fprintf(o, "common_callchain, ");
	for (i = 0; i < n; i++) {
		if (i)
			fprintf(o, ", ");
		if (++count % 5 == 0)
			fprintf(o, "\n\t");
		fprintf(o, "%s", f[i].name);
	}
	if (n)
		fprintf(o, ", ");
	if (++count % 5 == 0)
		fprintf(o, "\n\t\t");
}

/* --- the fields ------------------------------------------------------------ */

unsigned script_fields(const struct tp_event *ev, struct script_field *out)
{
	unsigned n = 0;

	if (ev->is_return) {
		out[n++] = (struct script_field){ .name = "__probe_func", .offset = 8, .size = 8 };
		out[n++] = (struct script_field){ .name = "__probe_ret_ip", .offset = 16, .size = 8 };
	} else {
		out[n++] = (struct script_field){ .name = "__probe_ip", .offset = 8, .size = 8 };
	}
	for (unsigned i = 0; i < ev->nargs; i++) {
		const struct tp_arg *a = &ev->args[i];
		const struct tp_type *t = &a->type;
		bool str = t->kind == TP_TYPE_STRING || t->kind == TP_TYPE_USTRING;
		unsigned count = t->count ? t->count : 1;

		/*
		 * As format.c declares them: `s32 x`, `u8 x[]`, `__data_loc
		 * char[] x`, `__data_loc char[][N] x`.  A 1-byte type is
		 * declared u8 or s8 (char and x8 too), which libtraceevent
		 * counts as a string type once it is an array.
		 */
		out[n++] = (struct script_field){
			.name = a->name,
			.type = t,
			.offset = a->offset,
			.size = t->size * count,
			.array = str || t->count,
			.dynamic = str,
			.string = str || (t->count && t->size == 1),
			.is_signed = str || t->kind == TP_TYPE_S,
		};
	}
	return n;
}

uint64_t script_read(const struct script_sample *s, uint32_t off, uint32_t size)
{
	uint64_t v = 0;

	if (size != 1 && size != 2 && size != 4 && size != 8)
		return 0;
	if ((uint64_t)off + size > s->raw_size)
		return 0;
	for (unsigned i = size; i-- > 0;)
		v = v << 8 | s->raw[off + i];
	return v;
}

bool script_array_bytes(const struct script_sample *s, const struct script_field *f,
			const uint8_t **p, uint32_t *len)
{
	uint32_t off = f->offset, n = f->size;

	if (f->dynamic) {
		/* perf reads the whole field as one number: a string array
		 * of 2 is read as a u64 and truncated, of 3 reads as 0 */
		uint32_t loc = (uint32_t)script_read(s, f->offset, f->size);

		off = loc & 0xffff;
		n = loc >> 16;
	}
	if ((uint64_t)off + n > s->raw_size) {
		*p = s->raw;
		*len = 0;
		return false;
	}
	*p = s->raw + off;
	*len = n;
	return true;
}

static bool k_isprint(uint8_t c)
{
	return k_ctype[c] & (K_P | K_U | K_L | K_D | K_SP);
}

bool script_is_printable(const uint8_t *p, uint32_t len)
{
	if (!p || !len || p[len - 1])
		return false;
	for (uint32_t i = 0; i < len - 1 && p[i]; i++)
		if (!k_isprint(p[i]) && !k_isspace(p[i]))
			return false;
	return true;
}

/* --- helper files ---------------------------------------------------------- */

#define MARKER "/scripts/python/Perf-Trace-Util/lib/Perf/Trace/Core.py"

static bool has_marker(const char *dir)
{
	char buf[2 * PATH_MAX];

	snprintf(buf, sizeof(buf), "%s%s", dir, MARKER);
	return access(buf, R_OK) == 0;
}

const char *script_exec_path(void)
{
	static char found[PATH_MAX];
	static const char *const rel[] = { "/..", "/../..", "/../../..", "/../libexec/xol" };
	const char *env = getenv("XOL_EXEC_PATH");
	char exe[PATH_MAX], buf[PATH_MAX + 32];
	ssize_t n;

	if (*found)
		return found;
	if (env && *env && has_marker(env))
		return strncpy(found, env, sizeof(found) - 1);
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n <= 0)
		return NULL;
	exe[n] = 0;
	*strrchr(exe, '/') = 0;
	for (size_t i = 0; i < sizeof(rel) / sizeof(rel[0]); i++) {
		snprintf(buf, sizeof(buf), "%s%s", exe, rel[i]);
		if (has_marker(buf) && realpath(buf, found))
			return found;
	}
	*found = 0;
	return NULL;
}
