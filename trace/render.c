// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * One record as the kernel's `trace` file prints it, from the event name on:
 *
 *   work: (0x55d0c2a4f1c0) n=-3 h=0x1f s="text" c='a' arr={1,2,3}
 *   work_ret: (0x55d0c2a4f2b8 <- 0x55d0c2a4f1c0) rv=0
 *
 * The return form prints the return address first, then the function, the
 * opposite order of its record fields.  Each type prints as the kernel's
 * print function for it does (kernel/trace/trace_probe.c): unsigned and
 * bitfields in decimal, signed sign-extended from their width, hex with
 * 0x and no padding, a char as the raw byte in quotes, a string in double
 * quotes up to its first NUL, or (fault) when its length is 0.
 */
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "internal.h"
#include "render.h"

struct rec {
	const uint8_t *p;
	size_t len;
};

/* Little-endian @size bytes at @off; bytes past the record read as 0. */
static uint64_t get(const struct rec *r, size_t off, unsigned size)
{
	uint64_t v = 0;

	for (unsigned i = size; i-- > 0;)
		v = (v << 8) | (off + i < r->len ? r->p[off + i] : 0);
	return v;
}

static int64_t sign_extend(uint64_t v, unsigned size)
{
	unsigned shift = 64 - 8 * size;

	return (int64_t)(v << shift) >> shift;
}

static void print_string(struct strbuf *sb, const struct rec *r, size_t off)
{
	uint32_t loc = (uint32_t)get(r, off, 4);
	size_t start = loc & 0xffff, end;

	if (!(loc >> 16)) {
		sb_puts(sb, "(fault)");
		return;
	}
	for (end = start; end < r->len && r->p[end]; end++)
		;
	sb_putc(sb, '"');
	if (start < end)
		sb_put(sb, r->p + start, end - start);
	sb_putc(sb, '"');
}

static void print_value(struct strbuf *sb, const struct tp_type *t, const struct rec *r,
			size_t off)
{
	uint64_t v;

	if (tp_type_is_string(t)) {
		print_string(sb, r, off);
		return;
	}
	v = get(r, off, t->size);
	switch (t->kind) {
	case TP_TYPE_S:
		sb_put_s64(sb, sign_extend(v, t->size));
		break;
	case TP_TYPE_X:
		sb_put_hex(sb, v);
		break;
	case TP_TYPE_CHAR:
		sb_putc(sb, '\'');
		sb_putc(sb, (char)v); /* the raw byte, even a NUL, as %c does */
		sb_putc(sb, '\'');
		break;
	default: /* u, and bitfields, which the modifier left unsigned */
		sb_put_u64(sb, v);
	}
}

int tp_render(const struct tp_event *ev, const void *data, size_t len, struct strbuf *sb)
{
	const struct rec r = { data, len };

	sb_puts(sb, ev->name);
	sb_put(sb, ": (", 3);
	if (ev->is_return) {
		sb_put_hex(sb, get(&r, 16, 8));
		sb_put(sb, " <- ", 4);
	}
	sb_put_hex(sb, get(&r, 8, 8));
	sb_putc(sb, ')');

	for (unsigned i = 0; i < ev->nargs; i++) {
		const struct tp_arg *a = &ev->args[i];
		size_t off = a->offset;

		sb_putc(sb, ' ');
		sb_puts(sb, a->name);
		sb_putc(sb, '=');
		if (!a->type.count) {
			print_value(sb, &a->type, &r, off);
			continue;
		}
		sb_putc(sb, '{');
		for (unsigned j = 0; j < a->type.count; j++, off += a->type.size) {
			print_value(sb, &a->type, &r, off);
			sb_putc(sb, j == a->type.count - 1u ? '}' : ',');
		}
	}
	return sb->oom ? -ENOMEM : 0;
}
