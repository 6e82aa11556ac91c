// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The recording and return-hijack fast paths of the jump path, executed.
 * Recording (xol trace a=%di b=%si): a site whose trampoline writes the
 * record into the thread's exclusive ring itself, without saving every
 * register or calling anything.
 *
 *  - a thread with a row and a ring with room: every hit counted and
 *    recorded (header, time, CPU, payload, register args, scratch
 *    registers among them), head published, the handler never called,
 *    the site's own instructions still run, busy back to 0
 *  - busy, comm changed, no state, no row, no ring, the site's list
 *    replaced, no room before the ring's end or below its limit, a
 *    writer that is not exclusive: the general path, through the
 *    handler, and nothing written
 *  - the flags and every register survive the fast path exactly, and the
 *    red zone below the site's %rsp is untouched
 *  - numbers in memory (+8(%di):u32 +0(%r11):u64 +1(%si):u16 +3(%dx):u8):
 *    each the bytes there, 0 where the read faults (a stand-in), every
 *    register, r11 among them, and the flags kept
 *  - strings (s=+0(%di):string t=+2(%r11):string x=%dx): copied after
 *    the fixed part by xol_strncpy_safe, each u32 field length << 16 |
 *    offset, the header's size the real one, the ring advanced by it
 *    8-aligned; one with no NUL in what is left of the record, and (by a
 *    stand-in) one that faults: length 0, the next string still copied;
 *    every register (r11, which the copy changes, too) and the flags
 *    survive; no room for the largest record: the general path
 *
 * Return hijack (a site with return probes only): the trampoline pushes
 * the shadow frame and points the return slot at the return trampoline
 * (here a stub that pops the frame and goes on at its address).
 *
 *  - each call: a frame { ret, slot, site, ctx, 0, tramp }, the function returns
 *    through the stub to its caller, with its result, depth back
 *  - busy, unhooked frames, a full shadow stack, a frame on top whose slot
 *    is at or below the new one, no state: the general path, nothing pushed
 *  - nested calls (a probed function calling itself) push and pop in order
 *  - the flags and every register survive the fast path exactly
 */
#include <string.h>
#include <sys/mman.h>

#include "arch/x86/arch.h"
#include "core/ring.h"
#include "call-regs.h"
#include "tap.h"

#define diag(...) (printf("# " __VA_ARGS__), printf("\n"))

struct fake_thread {
	int busy;
	int dirty;
	int32_t tid;
	uint64_t *row;
	struct ring_writer *ring;
};

static __thread struct fake_thread *fake_self;
static __thread uint32_t fake_cpu;
#include "fast-fixture.h"
static long slow_calls;
static uint64_t fake_list_word;

__attribute__((target("general-regs-only")))
static void slow_handler(void *ctx, struct xol_regs *regs)
{
	(void)ctx;
	(void)regs;
	slow_calls++;
}

/* The site: mov %edi,%eax; add %esi,%eax; nop; ret -- the jump displaces the first three. */
static const uint8_t add_site[] = { 0x89, 0xf8, 0x01, 0xf0, 0x90, 0xc3 };
/* A 5-byte nop then ret: nothing of its own touches a flag or a register. */
static const uint8_t nop_site[] = { 0x0f, 0x1f, 0x44, 0x00, 0x00, 0xc3 };

#define FIXED 40 /* common 8, ip 8, three args of 8 */
#define NEED  ((FIXED + RING_HDR_SIZE + 7) & ~7u)

static struct arch_record_path path(uint64_t ip, const int32_t *regs, unsigned n)
{
	struct arch_record_path rp = { 0 };
	fake_thread_fields(&rp);
	rp.need = NEED;
	rp.word = ring_word(RING_HDR_SIZE + FIXED, 0x1234, 0);
	rp.common = 0x1234;
	rp.ip = ip;
	rp.list_addr = (uint64_t)&fake_list_word;
	rp.list = 0xfeed;
	rp.nargs = n;
	for (unsigned i = 0; i < n; i++) {
		rp.arg[i].reg = regs[i];
		rp.arg[i].off = 16 + 8 * (int32_t)i;
		rp.arg[i].size = 8;
	}
	return rp;
}

/* @code at the start of @area, its recording trampoline for @rp at 1024: the site, or NULL. */
static uint8_t *arm(uint8_t *area, const uint8_t *code, size_t len,
		    const struct arch_record_path *rp, int *size)
{
	uint8_t *site = area, *tramp = area + 1024, jmp[ARCH_JUMP_BYTES];
	struct arch_jump aj;

	memcpy(site, code, len);
	if (arch_analyze_jump(&aj, site, len, (uint64_t)site))
		return NULL;
	*size = arch_prepare_record_trampoline(&aj, tramp, ARCH_RECORD_TRAMPOLINE_BYTES, (uint64_t)tramp,
					       slow_handler, NULL, rp);
	if (*size < 0 || arch_jump_bytes(jmp, (uint64_t)site, (uint64_t)tramp))
		return NULL;
	memcpy(site, jmp, sizeof(jmp));
	return site;
}

/* An empty ring, the site's list as built, CPU 3, @me the thread, no slow call yet. */
static void start(struct fake_thread *me)
{
	ring_reset();
	fake_list_word = 0xfeed;
	fake_cpu = 3;
	fake_self = me;
	slow_calls = 0;
}

static uint8_t *place(uint8_t *area, const uint8_t *code, size_t len, const int32_t *regs,
		      unsigned n, int *size)
{
	struct arch_record_path rp = path((uint64_t)area, regs, n);

	return arm(area, code, len, &rp, size);
}


static void basic(void)
{
	uint8_t *area = mmap(NULL, 4096, PROT_READ | PROT_WRITE | PROT_EXEC,
			     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	const int32_t regs[3] = { R(di), R(si), R(r12) };
	uint64_t row[4] = { 0 };
	struct fake_thread me = { .tid = 777, .row = row, .ring = &w };
	int (*add)(int, int);
	int sum = 0, size = 0;

	ok(area != MAP_FAILED, "an executable area");
	add = (int (*)(int, int))place(area, add_site, sizeof(add_site), regs, 3, &size);
	ok(add != NULL && size <= ARCH_RECORD_TRAMPOLINE_BYTES,
	   "a recording trampoline for mov/add/nop/ret, three args: %d bytes", size);
	if (!add)
		return;
	start(&me);
	for (int i = 0; i < 10; i++) {
		register long r12 asm("r12") = 1000 + i;
		asm volatile("" : "+r"(r12));
		sum += add(i, 1);
		asm volatile("" ::"r"(r12));
	}
	is_int(sum, 45 + 10, "the site's own instructions run (sum of i + 1)");
	is_int(row[2], 10, "every hit counted in the row (byte offset 16)");
	is_int(slow_calls, 0, "and the handler never called");
	is_int(me.busy, 0, "busy back to 0");
	is_int(ctl.head, 10 * NEED, "head published: ten records of %u bytes", NEED);
	is_int(w.head, 10 * NEED, "the writer's head");
	is_int(w.pend, 10 * NEED, "and pend");
	int bad = 0;
	for (int i = 0; i < 10; i++) {
		const struct ring_rec *rec = (const void *)(data + i * NEED);
		const uint8_t *p = rec->data;
		uint64_t v[5];

		memcpy(v, p, sizeof(v));
		if (rec->size != RING_HDR_SIZE + FIXED || rec->type != 0x1234 || rec->flags ||
		    rec->pid != 4242 || rec->tid != 4343 || rec->cpu != 3 || rec->reserved0 ||
		    rec->reserved1 || !rec->time || (i && rec->time < ((const struct ring_rec *)
			(data + (i - 1) * NEED))->time))
			bad++, diag("record %d: header", i);
		if (v[0] != (0x1234 | (uint64_t)777 << 32) || v[1] != (uint64_t)add ||
		    v[2] != (uint64_t)i || v[3] != 1 || v[4] != (uint64_t)(1000 + i))
			bad++, diag("record %d: payload %lx %lx %lx %lx %lx", i, v[0], v[1], v[2], v[3],
				    v[4]);
	}
	is_int(bad, 0, "each record as emit() writes it: header, common_pid, ip, di si r12");
	is_int(data[10 * NEED], 0xee, "nothing written past the last record");

	/* every way to the general path, nothing recorded */
	long slow = slow_calls;
	uint64_t head = ctl.head;
	me.busy = 1;
	add(1, 1);
	is_int(slow_calls, ++slow, "busy: the general path");
	me.busy = 0;
	me.dirty = 1;
	add(1, 1);
	is_int(slow_calls, ++slow, "comm changed: the general path");
	is_int(me.busy, 0, "busy left 0");
	me.dirty = 0;
	fake_list_word = 0xbeef;
	add(1, 1);
	is_int(slow_calls, ++slow, "the site's event list replaced: the general path");
	is_int(me.busy, 0, "busy back to 0");
	fake_list_word = 0xfeed;
	me.row = NULL;
	add(1, 1);
	is_int(slow_calls, ++slow, "no row: the general path");
	me.row = row;
	me.ring = NULL;
	add(1, 1);
	is_int(slow_calls, ++slow, "no ring: the general path");
	me.ring = &w;
	w.limit = w.head + NEED - 8;
	add(1, 1);
	is_int(slow_calls, ++slow, "no room below the limit: the general path");
	is_int(me.busy, 0, "busy back to 0");
	w.limit = w.head + sizeof(data);
	w.head = w.pend = sizeof(data) - NEED + 8;
	add(1, 1);
	is_int(slow_calls, ++slow, "no room before the ring's end: the general path");
	w.head = w.pend = head;
	w.kind = RING_NONE;
	add(1, 1);
	is_int(slow_calls, ++slow, "a writer not exclusive (wiped by fork, shared): the general path");
	is_int(me.busy, 0, "busy back to 0");
	w.kind = RING_EXCLUSIVE;
	fake_self = NULL;
	is_int(add(40, 2), 42, "no thread state: the result is right");
	is_int(slow_calls, ++slow, "through the handler");
	fake_self = &me;
	is_int(row[2], 10, "none of these counted by the fast path");
	is_int(ctl.head, head, "nor recorded");
	add(2, 2);
	is_int(ctl.head, head + NEED, "and then it records again");
	munmap(area, 4096);
}

/* flags, registers and the red zone across the fast path */
static void (*site_fn)(void);

static void preserved(void)
{
	uint8_t *area = mmap(NULL, 4096, PROT_READ | PROT_WRITE | PROT_EXEC,
			     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	const int32_t regs[3] = { R(ax), R(r9), R(r11) };
	uint64_t row[4] = { 0 };
	struct fake_thread me = { .tid = 1, .row = row, .ring = &w };
	int size;

	site_fn = (void (*)(void))place(area, nop_site, sizeof(nop_site), regs, 3, &size);
	ok(site_fn != NULL, "a recording trampoline for a 5-byte nop, args ax r9 r11");
	if (!site_fn)
		return;
	start(&me);
	for (int k = 0; k < 4; k++) {
		static const uint64_t fl[] = { 0x202, 0x8d5, 0x0c1, 0x814 };
		uint64_t f_in = fl[k], out[17];
		uint64_t head = ctl.head;
		const struct ring_rec *rec = (const void *)(data + head);

		/* the registers, flags and red zone around the call (call-regs.h) */
		call_regs(site_fn, f_in, out);
		int regbad = 0;
		for (int i = 0; i < 15; i++)
			if (out[i] != 0x1001u + (unsigned)i)
				regbad++, diag("register %d: %lx", i, out[i]);
		is_int(ctl.head, head + NEED, "flags 0x%lx: recorded", (unsigned long)f_in);
		is_int(out[15] & 0x8d5, f_in & 0x8d5, "flags 0x%lx: the status flags survive exactly",
		       (unsigned long)f_in);
		is_int(regbad, 0, "flags 0x%lx: every general register survives",
		       (unsigned long)f_in);
		is_int(out[16], 0, "flags 0x%lx: the red zone below the site's %%rsp untouched",
		       (unsigned long)f_in);
		uint64_t v[3];
		memcpy(v, rec->data + 16, sizeof(v));
		ok(v[0] == 0x1001 && v[1] == 0x1009 && v[2] == 0x100b,
		   "flags 0x%lx: scratch registers recorded as they were (ax r9 r11)",
		   (unsigned long)f_in);
	}
	is_int(slow_calls, 0, "never the general path");
	munmap(area, 4096);
}

/* Typed registers (%di:u8 %si:s16 %r9:u32 %ax:x8 %r12:u16): their low bytes, packed. */
static void typed(void)
{
	uint8_t *area = mmap(NULL, 4096, PROT_READ | PROT_WRITE | PROT_EXEC,
			     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	static const struct { int32_t reg, off, size; } a[] = {
		{ R(di), 16, 1 }, { R(si), 17, 2 }, { R(r9), 19, 4 }, { R(ax), 23, 1 }, { R(r12), 24, 2 },
	};
	struct arch_record_path rp = path((uint64_t)area, NULL, 0);
	uint64_t row[4] = { 0 }, out[17];
	struct fake_thread me = { .tid = 1, .row = row, .ring = &w };
	int size;

	rp.nargs = 5;
	for (unsigned i = 0; i < 5; i++) {
		rp.arg[i].reg = a[i].reg;
		rp.arg[i].off = a[i].off;
		rp.arg[i].size = a[i].size;
	}
	rp.need = (RING_HDR_SIZE + 26 + 7) & ~7u;
	rp.word = ring_word(RING_HDR_SIZE + 26, 0x1234, 0);
	uint8_t *site = arm(area, nop_site, sizeof(nop_site), &rp, &size);
	ok(site != NULL, "a recording trampoline for typed registers of 1, 2 and 4 bytes");
	if (!site)
		return;
	start(&me);
	call_regs((void (*)(void))site, 0x202, out);
	static const uint8_t want[10] = { 0x07, 0x06, 0x10, 0x09, 0x10, 0x00, 0x00, 0x01, 0x0c, 0x10 };
	const struct ring_rec *rec = (const void *)data;
	int regbad = 0;
	for (int i = 0; i < 15; i++)
		regbad += out[i] != 0x1001u + (unsigned)i;
	ok(rec->size == RING_HDR_SIZE + 26 && !memcmp(rec->data + 16, want, sizeof(want)) &&
	   data[RING_HDR_SIZE + 26] == 0xee,
	   "each field the register's low bytes (%%dil and %%al among them), nothing past them");
	ok(!regbad && ctl.head == rp.need && !slow_calls, "registers kept, recorded by the fast path");
	fake_self = NULL;
	munmap(area, 4096);
}

/* --- strings ---------------------------------------------------------------- */

long xol_strncpy_safe(char *dst, const char *src, unsigned long max);

/*
 * A stand-in for the copy @real where a read faults (no handler here to
 * make a fault return): -EFAULT for an address below 64 KiB, with r11
 * changed as a copy changes it; @real itself for any other.
 */
#define FAULTING(name, real)							\
	long name(void *dst, const void *src, unsigned long n);			\
	asm(".text\n.type " #name ", @function\n" #name ":\n"			\
	    "\tcmp $0x10000, %rsi\n\tjae " #real "\n"				\
	    "\tmov $-14, %rax\n\tmov $0x5a5a, %r11d\n\tret\n")
FAULTING(stub_strncpy, xol_strncpy_safe);

#define SFIXED 32 /* common 8, ip 8, x 8, the two strings' u32 fields */
#define SMAX   200 /* payload bytes at most */
#define SNEED  ((RING_HDR_SIZE + SMAX + 7) & ~7u)

/* s=+0(%di):string t=+2(%r11):string x=%dx, copied by @copy, onto @code in @area. */
static uint8_t *place_strings(uint8_t *area, const uint8_t *code, size_t len, void *copy)
{
	struct arch_record_path rp = path((uint64_t)area, (const int32_t[]){ R(dx) }, 1);
	int size;

	rp.need = SNEED;
	rp.word = ring_word(0, 0x1234, 0);
	rp.nstrings = 2;
	rp.str[0].reg = R(di);
	rp.str[0].disp = 0;
	rp.str[0].off = 24;
	rp.str[1].reg = R(r11);
	rp.str[1].disp = 2;
	rp.str[1].off = 28;
	rp.fixed = SFIXED;
	rp.max = SMAX;
	rp.strncpy = (uint64_t)copy;
	return arm(area, code, len, &rp, &size);
}

/* fn(s, x) with %r11 = t, as no C call can pass it. */
static void call_r11(void (*fn)(void), const char *s, const char *t, long x)
{
	asm volatile("mov %[t], %%r11\n\tcall *%[fn]"
		     : "+D"(s), "+d"(x)
		     : [fn] "r"(fn), [t] "r"(t)
		     : "rax", "rcx", "rsi", "r8", "r9", "r10", "r11", "memory", "cc");
}

/* The record at @at: its header's size, and each string as the trace will read it. */
static bool str_record(size_t at, long x, const char *s, const char *t, size_t *next)
{
	const struct ring_rec *rec = (const void *)(data + at);
	const uint8_t *p = rec->data;
	uint32_t f[2];
	uint64_t v;
	size_t size = SFIXED + (s ? strlen(s) + 1 : 0) + (t ? strlen(t) + 1 : 0);

	memcpy(&v, p + 16, 8);
	memcpy(f, p + 24, 8);
	*next = at + ((RING_HDR_SIZE + size + 7) & ~7u);
	if (rec->size != RING_HDR_SIZE + size || rec->type != 0x1234 || v != (uint64_t)x)
		return diag("record at %zu: size %u type %x x %lx", at, rec->size, rec->type, v), false;
	for (int i = 0; i < 2; i++) {
		const char *want = i ? t : s;
		uint32_t off = f[i] & 0xffff, n = f[i] >> 16;

		if (!want ? n != 0 : n != strlen(want) + 1 || memcmp(p + off, want, n))
			return diag("record at %zu: string %d: %u bytes at %u", at, i, n, off), false;
	}
	return true;
}

static void strings(void)
{
	uint8_t *area = mmap(NULL, 4096, PROT_READ | PROT_WRITE | PROT_EXEC,
			     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	uint64_t row[4] = { 0 };
	struct fake_thread me = { .tid = 777, .row = row, .ring = &w };
	char longer[SMAX + 10];
	size_t at = 0;
	int bad = 0;

	void (*fn)(void) = (void (*)(void))place_strings(area, nop_site, sizeof(nop_site),
							  xol_strncpy_safe);
	ok(fn != NULL, "a recording trampoline with two strings and a register");
	if (!fn)
		return;
	start(&me);
	call_r11(fn, "alpha", "xxbeta", 5);
	call_r11(fn, "", "xx", 6);
	bad += !str_record(0, 5, "alpha", "beta", &at);
	bad += !str_record(at, 6, "", "", &at);
	is_int(bad, 0, "each string after the fixed part, its field length << 16 | offset");
	is_int(ctl.head, at, "the ring advanced by each record's real size, 8-aligned");
	is_int(row[2], 2, "both counted");
	memset(longer, 'z', sizeof(longer) - 1);
	longer[sizeof(longer) - 1] = 0;
	call_r11(fn, longer, "xxgamma", 7);
	bad += !str_record(at, 7, NULL, "gamma", &at);
	is_int(bad, 0, "no NUL within what is left of the record: length 0, the next copied");
	w.limit = w.head + SNEED - 8;
	call_r11(fn, "alpha", "xxbeta", 8);
	is_int(slow_calls, 1, "no room for the largest record: the general path");
	is_int(ctl.head, at, "nothing written");
	w.limit = w.head + sizeof(data);
	is_int(slow_calls, 1, "else never the general path");
	munmap(area, 4096);

	/* a fault (the stand-in), with every register and the flags around it */
	area = mmap(NULL, 4096, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS,
		    -1, 0);
	site_fn = (void (*)(void))place_strings(area, nop_site, sizeof(nop_site), stub_strncpy);
	ok(site_fn != NULL, "the same with a copy that can fault");
	if (!site_fn)
		return;
	ring_reset();
	for (int k = 0; k < 2; k++) {
		static const uint64_t fl[] = { 0x202, 0x8d5 };
		uint64_t out[17], head = ctl.head;
		size_t next;

		call_regs(site_fn, fl[k], out); /* %di 0x1007, %r11 0x100b: both fault */
		int regbad = 0;
		for (int i = 0; i < 15; i++)
			if (out[i] != 0x1001u + (unsigned)i)
				regbad++, diag("register %d: %lx", i, out[i]);
		ok(str_record(head, 0x1003, NULL, NULL, &next) && ctl.head == next,
		   "flags 0x%lx: strings that fault recorded with length 0", (unsigned long)fl[k]);
		is_int(out[15] & 0x8d5, fl[k] & 0x8d5, "flags 0x%lx: the status flags survive",
		       (unsigned long)fl[k]);
		is_int(regbad, 0, "flags 0x%lx: every general register survives, r11 too",
		       (unsigned long)fl[k]);
		is_int(out[16], 0, "flags 0x%lx: the red zone below the site's %%rsp untouched",
		       (unsigned long)fl[k]);
	}
	is_int(slow_calls, 1, "never the general path");
	fake_self = NULL;
	munmap(area, 4096);
}

/* --- numbers in memory ---------------------------------------------------- */

long xol_copy_r11(void *dst, const void *src, unsigned long n);

FAULTING(stub_copy, xol_copy_r11);

/* a=+8(%di):u32 b=+0(%r11):u64 c=+1(%si):u16 d=+3(%dx):u8 x=%dx, copied by @copy. */
static uint8_t *place_mems(uint8_t *area, void *copy)
{
	struct arch_record_path rp = path((uint64_t)area, (const int32_t[]){ R(dx) }, 1);
	static const struct { int32_t reg, disp, off, size; } m[] = {
		{ R(di), 8, 24, 4 }, { R(r11), 0, 28, 8 }, { R(si), 1, 36, 2 }, { R(dx), 3, 38, 1 },
	};
	int size;

	rp.need = (RING_HDR_SIZE + 39 + 7) & ~7u;
	rp.word = ring_word(RING_HDR_SIZE + 39, 0x1234, 0);
	rp.nmems = 4;
	for (unsigned i = 0; i < 4; i++) {
		rp.mem[i].reg = m[i].reg;
		rp.mem[i].disp = m[i].disp;
		rp.mem[i].off = m[i].off;
		rp.mem[i].size = m[i].size;
	}
	rp.copy = (uint64_t)copy;
	return arm(area, nop_site, sizeof(nop_site), &rp, &size);
}

static void mems(void)
{
	uint8_t *area = mmap(NULL, 8192, PROT_READ | PROT_WRITE | PROT_EXEC,
			     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	uint64_t row[4] = { 0 }, out[17];
	struct fake_thread me = { .tid = 777, .row = row, .ring = &w };
	static const uint8_t src[16] = { 0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17,
					 0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f };
	void (*fn)(void) = (void (*)(void))place_mems(area, xol_copy_r11);

	ok(fn != NULL, "a recording trampoline with four numbers in memory and a register");
	if (!fn)
		return;
	start(&me);
	/* di = src, si = src + 4, r11 = src + 2, dx = src + 9 */
	asm volatile("mov %[t], %%r11\n\tcall *%[fn]"
		     : : [fn] "r"(fn), [t] "r"(src + 2), "D"(src), "S"(src + 4), "d"(src + 9)
		     : "rax", "rcx", "r8", "r9", "r10", "r11", "memory", "cc");
	uint8_t want[23];
	uint64_t x = (uint64_t)(src + 9);
	memcpy(want, &x, 8);
	memcpy(want + 8, src + 8, 4);
	memcpy(want + 12, src + 2, 8);
	memcpy(want + 20, src + 5, 2);
	want[22] = src[12];
	const struct ring_rec *rec = (const void *)data;
	ok(rec->size == RING_HDR_SIZE + 39 && !memcmp(rec->data + 16, want, sizeof(want)) &&
	   !slow_calls, "each number the bytes at its register plus its offset (%%r11 too)");
	munmap(area, 8192);

	area = mmap(NULL, 8192, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS,
		    -1, 0);
	site_fn = (void (*)(void))place_mems(area, stub_copy);
	ok(site_fn != NULL, "the same with a copy that can fault");
	if (!site_fn)
		return;
	ring_reset();
	memset(data, 0x77, 64);
	call_regs(site_fn, 0x8d5, out); /* every address below 64 KiB: each read faults */
	int regbad = 0;
	for (int i = 0; i < 15; i++)
		regbad += out[i] != 0x1001u + (unsigned)i;
	static const uint8_t zeros[15];
	ok(!memcmp(rec->data + 24, zeros, 15) && ctl.head == ((RING_HDR_SIZE + 39 + 7) & ~7u),
	   "reads that fault: their fields 0, the record written");
	ok(!regbad && (out[15] & 0x8d5) == 0x8d5 && !out[16] && !slow_calls,
	   "every register (r11 too), the flags and the red zone kept");
	fake_self = NULL;
	munmap(area, 8192);
}

/* --- the return hijack ---------------------------------------------------- */

struct fake_frame {
	uint64_t ret, sp, site;
	uint32_t ctx, flags;
	uint64_t tramp;
};

struct fake_rthread {
	int busy;
	unsigned unhooked, depth, max;
	uint32_t ctx;
	struct fake_frame *shadow;
};

static __thread struct fake_rthread *fake_rself;
/* frames[-1]: the sentinel below the shadow stack, its sp above every slot */
static struct fake_frame shadow_mem[9] = { { .sp = UINT64_MAX } }, *const frames = shadow_mem + 1;
static long through_stub, frame_bad;
static uint64_t hijack_site;


/* What the stub calls: the frame on top off the stack, checked; its address to go on at. */
__attribute__((target("general-regs-only"), used))
uint64_t stub_pop(uint64_t sp_after_ret);
__attribute__((target("general-regs-only"), used))
uint64_t stub_pop(uint64_t sp_after_ret)
{
	struct fake_rthread *t = fake_rself;
	struct fake_frame *f = &t->shadow[--t->depth];

	through_stub++;
	if (f->sp != sp_after_ret - 8 || f->site != hijack_site || f->ctx != t->ctx || f->flags ||
	    f->tramp != (uint64_t)stub_rettramp)
		frame_bad++;
	return f->ret;
}


static uint8_t *place_hijack(uint8_t *area, const uint8_t *code, size_t len)
{
	uint8_t *site = area, *tramp = area + 1024, jmp[ARCH_JUMP_BYTES];
	struct arch_hijack_path hp = { 0 };
	struct arch_jump aj;

	memcpy(site, code, len);
	if (arch_analyze_jump(&aj, site, len, (uint64_t)site))
		return NULL;
	FAKE_HIJACK_FIELDS(&hp, struct fake_rthread, fake_rself);
	hp.site = hijack_site = 0x5175;
	hp.ret_tramp = (uint64_t)stub_rettramp;
	if (arch_prepare_hijack_trampoline(&aj, tramp, ARCH_RECORD_TRAMPOLINE_BYTES, (uint64_t)tramp,
					   slow_handler, NULL, &hp, NULL) < 0 ||
	    arch_jump_bytes(jmp, (uint64_t)site, (uint64_t)tramp))
		return NULL;
	memcpy(site, jmp, sizeof(jmp));
	return site;
}

/* A probed function that calls itself through a pointer: fn(n) = n ? fn(n - 1) + 1 : 0. */
static long (*rec_fn)(long);

__attribute__((noinline)) static long rec_body(long n)
{
	return n ? rec_fn(n - 1) + 1 : 0;
}

static void hijack(void)
{
	uint8_t *area = mmap(NULL, 4096, PROT_READ | PROT_WRITE | PROT_EXEC,
			     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	struct fake_rthread me = { .max = 8, .ctx = 7, .shadow = frames };
	int (*add)(int, int) = (int (*)(int, int))place_hijack(area, add_site, sizeof(add_site));
	int sum = 0;

	ok(add != NULL, "a return-hijack trampoline for mov/add/nop/ret");
	if (!add)
		return;
	fake_rself = &me;
	slow_calls = through_stub = frame_bad = 0;
	for (int i = 0; i < 100; i++)
		sum += add(i, 1);
	is_int(sum, 4950 + 100, "the site's own instructions run, the result comes back");
	is_int(through_stub, 100, "every call returned through the return trampoline");
	is_int(frame_bad, 0, "each frame: its slot, the site, the context, flags 0, the trampoline");
	is_int(me.depth, 0, "the shadow stack empty again");
	is_int(slow_calls, 0, "the handler never called");
	is_int(me.busy, 0, "busy back to 0");

	me.busy = 1;
	add(1, 1);
	is_int(slow_calls, 1, "busy: the general path");
	me.busy = 0;
	me.unhooked = 1;
	add(1, 1);
	is_int(slow_calls, 2, "frames given back to an unwinder: the general path");
	me.unhooked = 0;
	me.depth = me.max;
	add(1, 1);
	is_int(slow_calls, 3, "a full shadow stack: the general path");
	is_int(me.busy, 0, "busy back to 0");
	me.depth = 1;
	frames[0].sp = 0; /* a frame left below: the new call reuses its stack */
	add(1, 1);
	is_int(slow_calls, 4, "a frame on top at or below the slot: the general path");
	me.depth = 0;
	fake_rself = NULL;
	is_int(add(40, 2), 42, "no thread state: the result is right");
	is_int(slow_calls, 5, "through the handler");
	is_int(through_stub, 100, "none of these hijacked");
	fake_rself = &me;

	/* nested: a probed function entered again before it returns */
	munmap(area, 4096);
	area = mmap(NULL, 4096, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS,
		    -1, 0);
	/* the site: jmp *rec_body through rax -- movabs $rec_body,%rax; jmp *%rax */
	uint8_t tramp_site[12] = { 0x48, 0xb8 };
	uint64_t body = (uint64_t)rec_body;
	memcpy(tramp_site + 2, &body, 8);
	tramp_site[10] = 0xff;
	tramp_site[11] = 0xe0;
	rec_fn = (long (*)(long))place_hijack(area, tramp_site, sizeof(tramp_site));
	ok(rec_fn != NULL, "a return-hijack trampoline for movabs/jmp *%%rax");
	if (rec_fn) {
		through_stub = frame_bad = 0;
		is_int(rec_fn(5), 5, "6 nested probed calls: the result");
		is_int(through_stub, 6, "each returned through the return trampoline");
		is_int(frame_bad, 0, "each found its own frame on top");
		is_int(me.depth, 0, "the shadow stack empty again");
		is_int(slow_calls, 5, "none took the general path");
		me.max = 3;
		is_int(rec_fn(5), 5, "deeper than the shadow stack: the result");
		is_int(through_stub, 9, "the first three hijacked");
		is_int(slow_calls, 8, "the rest through the general path");
	}

	/* flags and registers across the fast path */
	munmap(area, 4096);
	area = mmap(NULL, 4096, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS,
		    -1, 0);
	me.max = 8;
	site_fn = (void (*)(void))place_hijack(area, nop_site, sizeof(nop_site));
	for (int k = 0; site_fn && k < 2; k++) {
		uint64_t f_in = k ? 0x8d5 : 0x202, out[17];
		long before = through_stub;

		call_regs(site_fn, f_in, out);
		int regbad = 0;
		for (int i = 0; i < 15; i++)
			if (out[i] != 0x1001u + (unsigned)i)
				regbad++, diag("register %d: %lx", i, out[i]);
		is_int(through_stub, before + 1, "flags 0x%lx: hijacked", (unsigned long)f_in);
		is_int(out[15] & 0x8d5, f_in & 0x8d5, "flags 0x%lx: the status flags survive exactly",
		       (unsigned long)f_in);
		is_int(regbad, 0, "flags 0x%lx: every general register survives",
		       (unsigned long)f_in);
	}
	fake_rself = NULL;
	munmap(area, 4096);
}

int main(void)
{
	basic();
	preserved();
	typed();
	strings();
	mems();
	hijack();
	return done_testing();
}
