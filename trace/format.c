// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The `format` file of an event, and its print fmt, as tracefs shows them.
 *
 * The record an event writes (x86-64; every probe of the event the same):
 *
 *   offset  size  field
 *   0       2     common_type            the event's ID
 *   2       1     common_flags
 *   3       1     common_preempt_count
 *   4       4     common_pid             signed
 *   8       8     __probe_ip             entry probes: the hit address
 *   8       8     __probe_func           return probes: the function entry
 *   16      8     __probe_ret_ip         return probes: the return address
 *   16|24   ...   the args, packed in order with no alignment, each
 *                 size x count bytes (a string is a u32 __data_loc)
 *   fixed_size    string bytes, NUL included, in the order they were
 *                 stored; a __data_loc is (len << 16) | offset from the
 *                 record's start, len 0 meaning the read faulted
 *
 * Array fields are declared `u8 name[]` (no length, size is the whole
 * array) and a string array `__data_loc char[][N] name`, as 6.18 does.
 */
#include <string.h>

#include "events.h"
#include "internal.h"

static void field(struct strbuf *sb, const char *type, const char *name, unsigned offset,
		  unsigned size, bool is_signed)
{
	sb_printf(sb, "\tfield:%s %s;\toffset:%u;\tsize:%u;\tsigned:%d;\n", type, name, offset,
		  size, is_signed);
}

static void arg_field(struct strbuf *sb, const struct tp_arg *arg)
{
	const struct tp_type_info *ti = tp_type_info(&arg->type);
	unsigned n = arg->type.count;

	if (n && tp_type_is_string(&arg->type))
		sb_printf(sb, "\tfield:%s[%u] %s;", ti->fmttype, n, arg->name);
	else
		sb_printf(sb, "\tfield:%s %s%s;", ti->fmttype, arg->name, n ? "[]" : "");
	sb_printf(sb, "\toffset:%u;\tsize:%u;\tsigned:%d;\n", arg->offset,
		  ti->size * (n ? n : 1), ti->is_signed);
}

void tp_print_fmt(const struct tp_event *ev, struct strbuf *sb)
{
	sb_puts(sb, ev->is_return ? "\"(%lx <- %lx)" : "\"(%lx)");
	for (unsigned i = 0; i < ev->nargs; i++) {
		const struct tp_arg *a = &ev->args[i];
		const char *fmt = tp_type_info(&a->type)->fmt;

		sb_printf(sb, " %s=", a->name);
		if (!a->type.count) {
			sb_puts(sb, fmt);
			continue;
		}
		sb_printf(sb, "{%s", fmt);
		for (unsigned j = 1; j < a->type.count; j++)
			sb_printf(sb, ",%s", fmt);
		sb_putc(sb, '}');
	}
	sb_puts(sb, ev->is_return ? "\", REC->__probe_func, REC->__probe_ret_ip"
				  : "\", REC->__probe_ip");
	for (unsigned i = 0; i < ev->nargs; i++) {
		const struct tp_arg *a = &ev->args[i];
		const char *fmt = tp_type_is_string(&a->type) ? ", __get_str(%s%s)" : ", REC->%s%s";
		char idx[8];

		if (!a->type.count) {
			sb_printf(sb, fmt, a->name, "");
			continue;
		}
		for (unsigned j = 0; j < a->type.count; j++) {
			snprintf(idx, sizeof(idx), "[%u]", j);
			sb_printf(sb, fmt, a->name, idx);
		}
	}
}

void tp_format(const struct tp_event *ev, struct strbuf *sb)
{
	sb_printf(sb, "name: %s\nID: %u\nformat:\n", ev->name, ev->id);
	field(sb, "unsigned short", "common_type", 0, 2, false);
	field(sb, "unsigned char", "common_flags", 2, 1, false);
	field(sb, "unsigned char", "common_preempt_count", 3, 1, false);
	field(sb, "int", "common_pid", 4, 4, true);
	sb_putc(sb, '\n');
	if (ev->is_return) {
		field(sb, "unsigned long", "__probe_func", 8, 8, false);
		field(sb, "unsigned long", "__probe_ret_ip", 16, 8, false);
	} else {
		field(sb, "unsigned long", "__probe_ip", 8, 8, false);
	}
	for (unsigned i = 0; i < ev->nargs; i++)
		arg_field(sb, &ev->args[i]);
	sb_puts(sb, "\nprint fmt: ");
	tp_print_fmt(ev, sb);
	sb_putc(sb, '\n');
}
