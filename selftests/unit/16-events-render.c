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

#include "record.h"

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

	ev = rec_define(evs, "p:xolu/fa /bin/sh:0x11f0 n=%di:s64 arr=+0(%si):u8[4] s=+0(%si):string "
			 "bf=+0(%dx):b3@2/32 c=$comm ch=+0(%si):char");
	rec_begin(&r, ev, 0xee, 4242, 0x558d5b9911f0, 0);
	rec_num(&r, "n", 0, 0);
	rec_num(&r, "arr", 0, 'a');
	rec_num(&r, "arr", 1, 'l');
	rec_num(&r, "arr", 2, 'p');
	rec_num(&r, "arr", 3, 'h');
	rec_str(&r, "s", 0, "alpha");
	rec_num(&r, "bf", 0, 0);
	rec_str(&r, "c", 0, "procs");
	rec_num(&r, "ch", 0, 'a');
	is_render(&r, r.dyn,
		  "fa: (0x558d5b9911f0) n=0 arr={97,108,112,104} s=\"alpha\" bf=0 c=\"procs\" ch='a'",
		  "entry: every kind of field");
	xol_events_clear(evs);

	ev = rec_define(evs, "r:xolu/fr /bin/sh:0x11f0 rv=$retval:s32");
	rec_begin(&r, ev, 0xee, 4242, 0x558d5b9911f0, 0x558d5b9912b8);
	rec_num(&r, "rv", 0, (uint32_t)-35);
	is_render(&r, r.dyn, "fr: (0x558d5b9912b8 <- 0x558d5b9911f0) rv=-35",
		  "return: the return address first, then the function");
	xol_events_free(evs);
}

static void test_every_type(void)
{
	struct xol_events *evs = xol_events_new();
	const struct tp_event *ev;
	struct rec r;

	ev = rec_define(evs, "p:xolu/r1 /usr/bin/true:0x23d0 a=@+0:x64 s=@+1:string c=@+1:char "
			 "arr=@+0:u8[4] b=@+0:s8 i=@+0:s32 bf=@+0:b4@4/8 x=@+0:x16 cm=$comm "
			 "n=\\-1:s8 q=\\-2:s16 w=\\-3:s64 z=\\0:u64 m=\\18446744073709551615:u64 "
			 "ss=@+0x18:string[2] xa=@+0:x8[3] ca=@+1:char[3] sa=@+0:s8[2] "
			 "bb=@+0:b1@0/64 ff=\\7:string");
	if (!ok(ev, "every type: defined"))
		goto out;
	rec_begin(&r, ev, 0xee, 4242, 0x5563b73433d0, 0);
	rec_num(&r, "a", 0, 0x00010102464c457full);
	rec_str(&r, "s", 0, "ELF");
	rec_num(&r, "c", 0, 'E');
	for (unsigned i = 0; i < 4; i++)
		rec_num(&r, "arr", i, (uint8_t)"\x7f" "ELF"[i]);
	rec_num(&r, "b", 0, 0x7f);
	rec_num(&r, "i", 0, 0x464c457f);
	rec_num(&r, "bf", 0, 7); /* (0x7f << 0) >> 4, done by the modifier */
	rec_num(&r, "x", 0, 0x457f);
	rec_str(&r, "cm", 0, "true");
	rec_num(&r, "n", 0, 0xff);
	rec_num(&r, "q", 0, 0xfffe);
	rec_num(&r, "w", 0, (uint64_t)-3);
	rec_num(&r, "z", 0, 0);
	rec_num(&r, "m", 0, UINT64_MAX);
	rec_str(&r, "ss", 0, NULL);
	rec_str(&r, "ss", 1, NULL);
	for (unsigned i = 0; i < 3; i++) {
		rec_num(&r, "xa", i, (uint8_t)"\x7f" "EL"[i]);
		rec_num(&r, "ca", i, (uint8_t)"ELF"[i]);
	}
	rec_num(&r, "sa", 0, 0x7f);
	rec_num(&r, "sa", 1, 0x45);
	rec_num(&r, "bb", 0, 1);
	rec_str(&r, "ff", 0, NULL);
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

	ev = rec_define(evs, "p:xolu/e /bin/sh:1 s=+0(%si):string t=+0(%si):ustring c=%ax:char "
			 "lo=%ax:s64 x=%ax:x8 u=%ax:u16 b=+0(%ax):b1@0/64 bs=+0(%ax):s8[2]");
	rec_begin(&r, ev, 0xee, 4242, 0x1000, 0);
	rec_str(&r, "s", 0, "");
	rec_str(&r, "t", 0, "a b\tc");
	rec_num(&r, "c", 0, 0);
	rec_num(&r, "lo", 0, (uint64_t)INT64_MIN);
	rec_num(&r, "x", 0, 0);
	rec_num(&r, "u", 0, 65535);
	rec_num(&r, "b", 0, UINT64_MAX);
	rec_num(&r, "bs", 0, 0x80);
	rec_num(&r, "bs", 1, 0xff);
	is_render(&r, r.dyn,
		  "e: (0x1000) s=\"\" t=\"a b\tc\" c='\0' lo=-9223372036854775808 x=0x0 u=65535 "
		  "b=18446744073709551615 bs={-128,-1}",
		  "an empty string is \"\", a NUL char is the raw byte");
	/* a record cut short: reads stop at its end */
	rec_begin(&r, ev, 0xee, 4242, 0x1000, 0);
	rec_str(&r, "s", 0, "abcdef");
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

	ev = rec_define(evs, "p:xolu/api /bin/sh:1 a=%ax:u8");
	rec_begin(&r, ev, 0xee, 4242, 0xabc, 0);
	rec_num(&r, "a", 0, 200);
	is_int(xol_events_render(evs, r.b, r.dyn, buf, sizeof(buf)), 18,
	       "xol_events_render: the length");
	is_str(buf, "api: (0xabc) a=200", "  the text, found by common_type");
	is_int(xol_events_render(evs, r.b, r.dyn, buf, 8), 18, "  a short buffer: the full length");
	is_str(buf, "api: (0", "  and as much as fits");
	is_int(xol_events_render(evs, r.b, 4, buf, sizeof(buf)), -EINVAL, "  a record too short");
	rec_put(r.b, 9999, 2);
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
