// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The fetch programs each form of fetch-arg compiles to (trace/fetch.h):
 * one load, derefs, one store, a bitfield modifier, an array loop, END,
 * in the kernel's shape, so the interpreter (core/fetch.c) reads exactly
 * what the kernel's process_fetch_insn() would.
 *
 * A program is written here as its ops joined by "; ":
 *   REG di | STACK n | STACKP | RETVAL | IMM 0x.. | COMM | DATA n | FOFFS ±0x..
 *   DEREF ±n | ST_RAW size | ST_MEM size ±off | ST_STRING ±off | ST_USTRING ±off
 *   MOD_BF size <<l >>r | LP_ARRAY n
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "arch/x86/regs.h"
#include "selftests/unit/tap.h"
#include "trace/events.h"
#include "trace/strbuf.h"
#include "xol/xol.h"

static const struct compiled {
	char kind;          /* 'p' or 'r' */
	const char *arg;
	const char *prog;
} compiled[] = {
	{ 'p', "%di",                  "REG di; ST_RAW 8" },
	{ 'p', "%di:u8",               "REG di; ST_RAW 1" },
	{ 'p', "%r15:s16",             "REG r15; ST_RAW 2" },
	{ 'p', "%ip:x32",              "REG ip; ST_RAW 4" },
	{ 'p', "%flags",               "REG flags; ST_RAW 8" },
	{ 'p', "%orig_ax:char",        "REG orig_ax; ST_RAW 1" },
	{ 'p', "$stack",               "STACKP; ST_RAW 8" },
	{ 'p', "$stack0",              "STACK 0; ST_RAW 8" },
	{ 'p', "$stack12:u32",         "STACK 12; ST_RAW 4" },
	{ 'p', "$stack4294967297",     "STACK 1; ST_RAW 8" }, /* the kernel keeps 32 bits */
	{ 'r', "$retval",              "RETVAL; ST_RAW 8" },
	{ 'r', "$retval:s32",          "RETVAL; ST_RAW 4" },
	{ 'p', "$comm",                "COMM; ST_STRING +0" },
	{ 'p', "$COMM:string",         "COMM; ST_STRING +0" },
	{ 'p', "\\\"ab\"",             "DATA 0; ST_STRING +0" },
	{ 'p', "\\42:u16",             "IMM 0x2a; ST_RAW 2" },
	{ 'p', "\\-1",                 "IMM 0xffffffffffffffff; ST_RAW 8" },
	{ 'p', "\\+0x10:s8",           "IMM 0x10; ST_RAW 1" },
	{ 'p', "\\0777",               "IMM 0x1ff; ST_RAW 8" },
	{ 'p', "\\4096:string",        "IMM 0x1000; ST_STRING +0" },
	{ 'p', "@0x1000:u32",          "IMM 0x1000; ST_MEM 4 +0" },
	{ 'p', "@4096:string",         "IMM 0x1000; ST_STRING +0" },
	{ 'p', "@0x10:string[2]",      "IMM 0x10; DEREF +0; ST_STRING +0; LP_ARRAY 2" },
	{ 'p', "@+0x10:u8",            "FOFFS +0x10; ST_MEM 1 +0" },
	{ 'p', "@+-8",                 "FOFFS -0x8; ST_MEM 8 +0" },
	{ 'p', "@+1:string",           "FOFFS +0x1; ST_STRING +0" },
	{ 'p', "+8(%si)",              "REG si; ST_MEM 8 +8" },
	{ 'p', "-8(%si):s16",          "REG si; ST_MEM 2 -8" },
	{ 'p', "+0x10(+8(%cx)):u16",   "REG cx; DEREF +8; ST_MEM 2 +16" },
	{ 'p', "++8(%di)",             "REG di; ST_MEM 8 +8" },
	{ 'p', "+-8(%di)",             "REG di; ST_MEM 8 -8" },
	{ 'p', "+u8(%di):x8",          "REG di; ST_MEM 1 +8" },
	{ 'p', "-u8(%di)",             "REG di; ST_MEM 8 -8" },
	{ 'p', "+0(%ax)junk",          "REG ax; ST_MEM 8 +0" },
	{ 'p', "+0(+0(+0(%ax)))",      "REG ax; DEREF +0; DEREF +0; ST_MEM 8 +0" },
	{ 'p', "+8($stack):x8[8]",     "STACKP; ST_MEM 1 +8; LP_ARRAY 8" },
	{ 'p', "+0($stack2)",          "STACK 2; ST_MEM 8 +0" },
	{ 'r', "+0($retval):string",   "RETVAL; ST_STRING +0" },
	{ 'p', "+0(%si):string",       "REG si; ST_STRING +0" },
	{ 'p', "+4(%si):ustring",      "REG si; ST_USTRING +4" },
	{ 'p', "+u4(%si):string",      "REG si; ST_USTRING +4" },
	{ 'p', "+0(%si):string[2]",    "REG si; DEREF +0; ST_STRING +0; LP_ARRAY 2" },
	{ 'p', "+8(%si):ustring[3]",   "REG si; DEREF +8; ST_USTRING +0; LP_ARRAY 3" },
	{ 'p', "+8(%si):u8[4]",        "REG si; ST_MEM 1 +8; LP_ARRAY 4" },
	{ 'p', "+0(%si):char[5]",      "REG si; ST_MEM 1 +0; LP_ARRAY 5" },
	{ 'p', "+0(%si):b3@2/32",      "REG si; ST_MEM 4 +0; MOD_BF 4 <<27 >>29" },
	{ 'p', "%di:b4@4/8",           "REG di; ST_RAW 1; MOD_BF 1 <<0 >>4" },
	{ 'p', "+0(%di):b1@63/64",     "REG di; ST_MEM 8 +0; MOD_BF 8 <<0 >>63" },
	{ 'p', "+0(%di):b0x3@0x1/0x10","REG di; ST_MEM 2 +0; MOD_BF 2 <<12 >>13" },
	{ 'p', "+0(%si):b2@1/8[4]",    "REG si; ST_MEM 1 +0; MOD_BF 1 <<5 >>6; LP_ARRAY 4" },
	/* W + O wraps to 0, so the kernel accepts it: shifts past the width */
	{ 'p', "+0(%ax):b18446744073709551615@1/64", "REG ax; ST_MEM 8 +0; MOD_BF 8 <<64 >>65" },
	{ 'p', "+0(+0(+0(+0(+0(+0(+0(+0(+0(+0(+0(+0(+0(+0(%ax))))))))))))))",
	  "REG ax; DEREF +0; DEREF +0; DEREF +0; DEREF +0; DEREF +0; DEREF +0; DEREF +0; "
	  "DEREF +0; DEREF +0; DEREF +0; DEREF +0; DEREF +0; DEREF +0; ST_MEM 8 +0" },
};

#define N(a) (sizeof(a) / sizeof((a)[0]))

static void disasm(const struct fetch_prog *prog, struct strbuf *sb)
{
	for (int i = 0; i < FETCH_INSN_MAX; i++) {
		const struct fetch_insn *in = &prog->insn[i];
		int64_t v = in->param;

		if (in->op == FETCH_OP_END)
			break;
		if (i)
			sb_puts(sb, "; ");
		switch (in->op) {
		case FETCH_OP_REG: sb_printf(sb, "REG %s", arch_reg_name((int)v)); break;
		case FETCH_OP_STACK: sb_printf(sb, "STACK %" PRId64, v); break;
		case FETCH_OP_STACKP: sb_puts(sb, "STACKP"); break;
		case FETCH_OP_RETVAL: sb_puts(sb, "RETVAL"); break;
		case FETCH_OP_IMM: sb_printf(sb, "IMM 0x%" PRIx64, (uint64_t)v); break;
		case FETCH_OP_COMM: sb_puts(sb, "COMM"); break;
		case FETCH_OP_DATA: sb_printf(sb, "DATA %" PRId64, v); break;
		case FETCH_OP_FOFFS:
			sb_printf(sb, "FOFFS %c0x%" PRIx64, v < 0 ? '-' : '+',
				  (uint64_t)(v < 0 ? -v : v));
			break;
		case FETCH_OP_DEREF: sb_printf(sb, "DEREF %+" PRId64, v); break;
		case FETCH_OP_ST_RAW: sb_printf(sb, "ST_RAW %u", in->size); break;
		case FETCH_OP_ST_MEM: sb_printf(sb, "ST_MEM %u %+" PRId64, in->size, v); break;
		case FETCH_OP_ST_STRING: sb_printf(sb, "ST_STRING %+" PRId64, v); break;
		case FETCH_OP_ST_USTRING: sb_printf(sb, "ST_USTRING %+" PRId64, v); break;
		case FETCH_OP_MOD_BF:
			sb_printf(sb, "MOD_BF %u <<%u >>%u", in->size, in->lshift, in->rshift);
			break;
		case FETCH_OP_LP_ARRAY: sb_printf(sb, "LP_ARRAY %" PRId64, v); break;
		default: sb_printf(sb, "?%u", in->op);
		}
	}
}

static const struct tp_event *define(struct xol_events *evs, char kind, const char *arg)
{
	struct xol_error err;
	char def[256];

	snprintf(def, sizeof(def), "%c:xolu/c /bin/sh:0x10 %s", kind, arg);
	if (xol_events_write(evs, def, strlen(def), &err)) {
		printf("# %s: %s at %u\n", def, err.id ? err.id : "?", err.pos);
		return NULL;
	}
	return tp_first_event(evs);
}

static void test_programs(void)
{
	for (size_t i = 0; i < N(compiled); i++) {
		struct xol_events *evs = xol_events_new();
		const struct tp_event *ev = define(evs, compiled[i].kind, compiled[i].arg);
		struct strbuf sb = STRBUF_INIT;

		if (ev)
			disasm(&ev->args[0].prog, &sb);
		is_str(sb.buf, compiled[i].prog, "%c %s", compiled[i].kind, compiled[i].arg);
		if (ev) {
			const struct fetch_prog *p = &ev->args[0].prog;
			int n = 0;

			while (n < FETCH_INSN_MAX && p->insn[n].op != FETCH_OP_END)
				n++;
			ok(n < FETCH_INSN_MAX, "  ends with END within %d ops", FETCH_INSN_MAX);
		}
		sb_release(&sb);
		xol_events_free(evs);
	}
}

/* What the engine needs besides the program: type, size, count and offset. */
static void test_layout(void)
{
	struct xol_events *evs = xol_events_new();
	const struct tp_event *ev;

	ev = define(evs, 'p', "a=%di:u8 b=+0(%si):s16[3] c=+0(%si):string d=+0(%si):b3@2/32 "
			      "e=+0(%si):string[2] f=%ax:char g=%ax");
	if (!ok(ev, "layout: an event with one arg of each shape"))
		return;
	is_int(ev->nargs, 7, "  7 args");
	is_int(ev->args[0].offset, 16, "  after the 16-byte entry header");
	is_int(ev->args[1].offset, 17, "  packed, no alignment");
	is_int(ev->args[1].type.kind, TP_TYPE_S, "  s16[3]: signed");
	is_int(ev->args[1].type.size, 2, "    2 bytes each");
	is_int(ev->args[1].type.count, 3, "    3 of them");
	is_int(ev->args[2].offset, 23, "  a string: a 4-byte __data_loc");
	is_int(ev->args[2].type.kind, TP_TYPE_STRING, "    string");
	is_int(ev->args[2].type.size, 4, "    size 4");
	is_int(ev->args[3].type.kind, TP_TYPE_BITFIELD, "  b3@2/32: a bitfield");
	is_int(ev->args[3].type.size, 4, "    in a 4-byte container");
	is_int(ev->args[3].type.bf_width, 3, "    3 bits wide");
	is_int(ev->args[3].type.bf_offset, 2, "    from bit 2");
	is_int(ev->args[4].offset, 31, "  string[2]");
	is_int(ev->args[4].type.count, 2, "    two __data_loc");
	is_int(ev->args[5].offset, 39, "  a char");
	is_int(ev->args[5].type.kind, TP_TYPE_CHAR, "    char");
	is_int(ev->args[6].type.kind, TP_TYPE_X, "  no type: x64");
	is_int(ev->args[6].type.size, 8, "    8 bytes");
	is_int(ev->fixed_size, 48, "fixed_size: header and fixed fields");
	xol_events_free(evs);

	evs = xol_events_new();
	ev = define(evs, 'r', "rv=$retval:s32 s=+0($retval):string");
	if (ok(ev, "a return event")) {
		ok(ev->is_return, "  is a return event");
		is_int(ev->args[0].offset, 24, "  args after the 24-byte return header");
		is_int(ev->fixed_size, 32, "  fixed_size");
	}
	xol_events_free(evs);

	evs = xol_events_new();
	ev = define(evs, 'p', "");
	if (ok(ev, "an event with no args"))
		is_int(ev->fixed_size, 16, "  is just the header");
	xol_events_free(evs);
}

int main(void)
{
	test_programs();
	test_layout();
	return done_testing();
}
