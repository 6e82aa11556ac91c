// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Records built by hand, byte by byte as the engine stores them, and the
 * trace text they render to.  The expected lines are what Linux 6.18
 * printed in its `trace` file for the same definitions and values (the
 * first two are from the spec's §15, the big one from /usr/bin/true's
 * entry point, whose first bytes are "\x7fELF\x02\x01\x01\x00").
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "selftests/unit/tap.h"
#include "trace/events.h"
#include "trace/render.h"
#include "trace/strbuf.h"
#include "xol/xol.h"

/* A record under construction: fixed fields at their offsets, strings after. */
struct rec {
	const struct tp_event *ev;
	uint8_t b[4096];
	uint32_t dyn;
};

static const struct tp_arg *arg(const struct rec *r, const char *name)
{
	for (unsigned i = 0; i < r->ev->nargs; i++)
		if (!strcmp(r->ev->args[i].name, name))
			return &r->ev->args[i];
	printf("# no arg %s\n", name);
	return &r->ev->args[0];
}

static void put(uint8_t *p, uint64_t v, unsigned size)
{
	for (unsigned i = 0; i < size; i++, v >>= 8)
		p[i] = (uint8_t)v;
}

static void start(struct rec *r, const struct tp_event *ev, uint64_t ip, uint64_t ret_ip)
{
	memset(r->b, 0xee, sizeof(r->b)); /* garbage beyond what is set */
	r->ev = ev;
	put(r->b, ev->id, 2);
	put(r->b + 2, 0, 2);
	put(r->b + 4, 4242, 4);
	put(r->b + 8, ip, 8);
	if (ev->is_return)
		put(r->b + 16, ret_ip, 8);
	r->dyn = ev->fixed_size;
}

/* element @i of a numeric arg */
static void num(struct rec *r, const char *name, unsigned i, uint64_t v)
{
	const struct tp_arg *a = arg(r, name);

	put(r->b + a->offset + i * a->type.size, v, a->type.size);
}

/* element @i of a string arg; NULL stores a fault (length 0) */
static void str(struct rec *r, const char *name, unsigned i, const char *s)
{
	const struct tp_arg *a = arg(r, name);
	uint32_t len = s ? (uint32_t)strlen(s) + 1 : 0;

	put(r->b + a->offset + 4 * i, (uint64_t)len << 16 | r->dyn, 4);
	memcpy(r->b + r->dyn, s ? s : "", len);
	r->dyn += len;
}

static const struct tp_event *define(struct xol_events *evs, const char *def)
{
	struct xol_error err;

	if (xol_events_write(evs, def, strlen(def), &err)) {
		printf("# %s: %s at %u\n", def, err.id ? err.id : "?", err.pos);
		return NULL;
	}
	return tp_first_event(evs);
}

/* Compare whole texts, NUL bytes included (a NUL char prints as one). */
#define is_render(r, len, want, what) is_render_n(r, len, want, sizeof(want) - 1, what)

static void is_render_n(const struct rec *r, size_t len, const char *want, size_t want_len,
			const char *what)
{
	struct strbuf sb = STRBUF_INIT;

	is_int(tp_render(r->ev, r->b, len, &sb), 0, "%s: renders", what);
	if (!ok(sb.len == want_len && !memcmp(sb.buf, want, want_len), "%s", what))
		printf("#   got:  '%s'\n#   want: '%s'\n", sb.buf, want);
	sb_release(&sb);
}

static void test_spec_examples(void)
{
	struct xol_events *evs = xol_events_new();
	const struct tp_event *ev;
	struct rec r;

	ev = define(evs, "p:xolu/fa /bin/sh:0x11f0 n=%di:s64 arr=+0(%si):u8[4] s=+0(%si):string "
			 "bf=+0(%dx):b3@2/32 c=$comm ch=+0(%si):char");
	start(&r, ev, 0x558d5b9911f0, 0);
	num(&r, "n", 0, 0);
	num(&r, "arr", 0, 'a');
	num(&r, "arr", 1, 'l');
	num(&r, "arr", 2, 'p');
	num(&r, "arr", 3, 'h');
	str(&r, "s", 0, "alpha");
	num(&r, "bf", 0, 0);
	str(&r, "c", 0, "procs");
	num(&r, "ch", 0, 'a');
	is_render(&r, r.dyn,
		  "fa: (0x558d5b9911f0) n=0 arr={97,108,112,104} s=\"alpha\" bf=0 c=\"procs\" ch='a'",
		  "entry: every kind of field");
	xol_events_clear(evs);

	ev = define(evs, "r:xolu/fr /bin/sh:0x11f0 rv=$retval:s32");
	start(&r, ev, 0x558d5b9911f0, 0x558d5b9912b8);
	num(&r, "rv", 0, (uint32_t)-35);
	is_render(&r, r.dyn, "fr: (0x558d5b9912b8 <- 0x558d5b9911f0) rv=-35",
		  "return: the return address first, then the function");
	xol_events_free(evs);
}

static void test_every_type(void)
{
	struct xol_events *evs = xol_events_new();
	const struct tp_event *ev;
	struct rec r;

	ev = define(evs, "p:xolu/r1 /usr/bin/true:0x23d0 a=@+0:x64 s=@+1:string c=@+1:char "
			 "arr=@+0:u8[4] b=@+0:s8 i=@+0:s32 bf=@+0:b4@4/8 x=@+0:x16 cm=$comm "
			 "n=\\-1:s8 q=\\-2:s16 w=\\-3:s64 z=\\0:u64 m=\\18446744073709551615:u64 "
			 "ss=@+0x18:string[2] xa=@+0:x8[3] ca=@+1:char[3] sa=@+0:s8[2] "
			 "bb=@+0:b1@0/64 ff=\\7:string");
	if (!ok(ev, "every type: defined"))
		goto out;
	start(&r, ev, 0x5563b73433d0, 0);
	num(&r, "a", 0, 0x00010102464c457full);
	str(&r, "s", 0, "ELF");
	num(&r, "c", 0, 'E');
	for (unsigned i = 0; i < 4; i++)
		num(&r, "arr", i, (uint8_t)"\x7f" "ELF"[i]);
	num(&r, "b", 0, 0x7f);
	num(&r, "i", 0, 0x464c457f);
	num(&r, "bf", 0, 7); /* (0x7f << 0) >> 4, done by the modifier */
	num(&r, "x", 0, 0x457f);
	str(&r, "cm", 0, "true");
	num(&r, "n", 0, 0xff);
	num(&r, "q", 0, 0xfffe);
	num(&r, "w", 0, (uint64_t)-3);
	num(&r, "z", 0, 0);
	num(&r, "m", 0, UINT64_MAX);
	str(&r, "ss", 0, NULL);
	str(&r, "ss", 1, NULL);
	for (unsigned i = 0; i < 3; i++) {
		num(&r, "xa", i, (uint8_t)"\x7f" "EL"[i]);
		num(&r, "ca", i, (uint8_t)"ELF"[i]);
	}
	num(&r, "sa", 0, 0x7f);
	num(&r, "sa", 1, 0x45);
	num(&r, "bb", 0, 1);
	str(&r, "ff", 0, NULL);
	is_render(&r, r.dyn,
		  "r1: (0x5563b73433d0) a=0x10102464c457f s=\"ELF\" c='E' arr={127,69,76,70} b=127 "
		  "i=1179403647 bf=7 x=0x457f cm=\"true\" n=-1 q=-2 w=-3 z=0 m=18446744073709551615 "
		  "ss={(fault),(fault)} xa={0x7f,0x45,0x4c} ca={'E','L','F'} sa={127,69} bb=1 "
		  "ff=(fault)",
		  "as the kernel printed it");
out:
	xol_events_free(evs);
}

static void test_edges(void)
{
	struct xol_events *evs = xol_events_new();
	const struct tp_event *ev;
	struct rec r;

	ev = define(evs, "p:xolu/e /bin/sh:1 s=+0(%si):string t=+0(%si):ustring c=%ax:char "
			 "lo=%ax:s64 x=%ax:x8 u=%ax:u16 b=+0(%ax):b1@0/64 bs=+0(%ax):s8[2]");
	start(&r, ev, 0x1000, 0);
	str(&r, "s", 0, "");
	str(&r, "t", 0, "a b\tc");
	num(&r, "c", 0, 0);
	num(&r, "lo", 0, (uint64_t)INT64_MIN);
	num(&r, "x", 0, 0);
	num(&r, "u", 0, 65535);
	num(&r, "b", 0, UINT64_MAX);
	num(&r, "bs", 0, 0x80);
	num(&r, "bs", 1, 0xff);
	is_render(&r, r.dyn,
		  "e: (0x1000) s=\"\" t=\"a b\tc\" c='\0' lo=-9223372036854775808 x=0x0 u=65535 "
		  "b=18446744073709551615 bs={-128,-1}",
		  "an empty string is \"\", a NUL char is the raw byte");
	/* a record cut short: reads stop at its end */
	start(&r, ev, 0x1000, 0);
	str(&r, "s", 0, "abcdef");
	is_render(&r, ev->fixed_size + 3, "e: (0x1000) s=\"abc\" t=\"\" c='\xee' lo=-1229782938247303442 "
		  "x=0xee u=61166 b=17216961135462248174 bs={-18,-18}",
		  "a string running past the record stops there");
	is_render(&r, 12, "e: (0x1000) s=(fault) t=(fault) c='\0' lo=0 x=0x0 u=0 b=0 bs={0,0}",
		  "fields past the record read as zero");
	xol_events_free(evs);
}

static void test_api(void)
{
	struct xol_events *evs = xol_events_new();
	const struct tp_event *ev;
	char buf[64];
	struct rec r;

	ev = define(evs, "p:xolu/api /bin/sh:1 a=%ax:u8");
	start(&r, ev, 0xabc, 0);
	num(&r, "a", 0, 200);
	is_int(xol_events_render(evs, r.b, r.dyn, buf, sizeof(buf)), 18,
	       "xol_events_render: the length");
	is_str(buf, "api: (0xabc) a=200", "  the text, found by common_type");
	is_int(xol_events_render(evs, r.b, r.dyn, buf, 8), 18, "  a short buffer: the full length");
	is_str(buf, "api: (0", "  and as much as fits");
	is_int(xol_events_render(evs, r.b, 4, buf, sizeof(buf)), -EINVAL, "  a record too short");
	put(r.b, 9999, 2);
	is_int(xol_events_render(evs, r.b, r.dyn, buf, sizeof(buf)), -ENOENT, "  an unknown ID");
	xol_events_free(evs);
}

int main(void)
{
	test_spec_examples();
	test_every_type();
	test_edges();
	test_api();
	return done_testing();
}
