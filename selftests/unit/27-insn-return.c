// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The return fast path, executed: the code a hijacked slot points at,
 * which takes the frame off the shadow stack and records the return
 * itself (r:... rv=$retval b=%bx) or counts it (xol stat).  The entries
 * are hijacked by the return-hijack fast path (26-insn-record), the slow
 * way goes to a stub standing in for the shared return trampoline.
 *
 *  - record: each return recorded as emit() writes it (header, common_pid,
 *    __probe_func, __probe_ret_ip, $retval from the saved %rax, %rbx
 *    live), counted, head published, the frame taken off, the function's
 *    result and caller as without it, busy back to 0, the stub never
 *    called
 *  - nested returns, each with its own frame, in order
 *  - busy, unhooked frames, comm changed, the site's lists changed, no
 *    row, no ring, no room below the limit or before the ring's end, a
 *    writer not exclusive, another frame on top, none at all: the stub,
 *    which finds the frame where it was, and nothing counted or recorded
 *  - count only: each counter of the row, no record
 *  - recording and counting, the flags and every register survive both
 *    ways exactly, and the scratch registers are recorded as the function
 *    returned them
 *  - an entry event recording %di on the same function (latency): the
 *    hijacking trampoline writes its record too, entry and return records
 *    in turn; the entry's list changed, no room for its record, the
 *    shadow stack full or the thread busy: the general path, which finds
 *    nothing done
 *  - all of it twice: with the return fast path apart from the trampoline
 *    (the hijack writes the slot, the return goes on by a jmp), and right
 *    after it, as tramp_build() places it (the hijack goes in by a call
 *    from the trampoline's end, the return goes on by a ret)
 */
#include <stdbool.h>
#include <string.h>
#include <sys/mman.h>

#include "arch/x86/arch.h"
#include "core/ring.h"
#include "call-regs.h"
#include "tap.h"

#define diag(...) (printf("# " __VA_ARGS__), printf("\n"))

struct fake_frame {
	uint64_t ret, sp, site;
	uint32_t ctx, flags;
	uint64_t tramp;
};

struct fake_thread {
	int busy;
	int dirty;
	int32_t tid;
	unsigned unhooked, depth, max;
	uint32_t ctx;
	uint64_t *row;
	struct ring_writer *ring;
	struct fake_frame *shadow;
};

static __thread struct fake_thread *fake_self;
static __thread uint32_t fake_cpu;
#include "fast-fixture.h"
static uint64_t fake_gen;
/* frames[-1]: the sentinel below the shadow stack, its sp above every slot */
static struct fake_frame shadow_mem[9] = { { .sp = UINT64_MAX } }, *const frames = shadow_mem + 1;
static long slow_calls, through_stub, stub_bad;
static bool adjacent; /* the return fast path right after the trampoline: in by a call */
static const struct arch_record_path *entry_rec; /* the entry's record, by the hijacking path */

_Static_assert(sizeof(struct fake_frame) == ARCH_HIJACK_FRAME, "a frame as the paths write it");

__attribute__((target("general-regs-only")))
static void slow_handler(void *ctx, struct xol_regs *regs)
{
	(void)ctx;
	(void)regs;
	slow_calls++;
}


/*
 * The shared return trampoline's stand-in: the frame of this slot off the
 * stack wherever it is (every frame above it dropped), its address to go
 * on at.
 */
__attribute__((target("general-regs-only"), used))
uint64_t stub_pop(uint64_t sp_after_ret);
__attribute__((target("general-regs-only"), used))
uint64_t stub_pop(uint64_t sp_after_ret)
{
	struct fake_thread *t = fake_self;

	through_stub++;
	for (unsigned i = t->max; i-- > 0;) {
		if (t->shadow[i].sp == sp_after_ret - 8) {
			t->depth = i;
			return t->shadow[i].ret;
		}
	}
	stub_bad++;
	return 0;
}


/* call_probed(fn, x): fn(x) with %rbx = x + 100 across the call; it returns to after_call. */
long call_probed(long (*fn)(long), long x);
extern const char after_call[];
asm(".text\n.type call_probed, @function\ncall_probed:\n"
    "\tpush %rbx\n\tlea 100(%rsi), %rbx\n"
    "\tmov %rdi, %rax\n\tmov %rsi, %rdi\n"
    "\tcall *%rax\n"
    "after_call:\n"
    "\tpop %rbx\n\tret\n.size call_probed, .-call_probed\n");

#define FIXED 40 /* common 8, func 8, ret_ip 8, two args of 8 */
#define NEED  ((FIXED + RING_HDR_SIZE + 7) & ~7u)


static struct arch_return_path rpath(uint64_t func, const int32_t *regs, unsigned n,
				     unsigned ncount)
{
	struct arch_return_path rt = { 0 };
	struct arch_record_path *rp = &rt.rec;
	fake_thread_fields(rp);
	rp->need = NEED;
	rp->word = ring_word(RING_HDR_SIZE + FIXED, 0x4321, 0);
	rp->common = 0x4321;
	rp->ip = func;
	rp->list_addr = (uint64_t)&fake_gen;
	rp->list = 7;
	rp->nargs = n;
	for (unsigned i = 0; i < n; i++) {
		rp->arg[i].reg = regs[i];
		rp->arg[i].off = 24 + 8 * (int32_t)i;
		rp->arg[i].size = 8;
	}
	rt.unhooked_off = offsetof(struct fake_thread, unhooked);
	rt.depth_off = offsetof(struct fake_thread, depth);
	rt.shadow_off = offsetof(struct fake_thread, shadow);
	rt.ncount = ncount;
	for (unsigned i = 0; i < ncount; i++)
		rt.counter_off[i] = 8 + 16 * (int32_t)i;
	rt.slow = (uint64_t)stub_rettramp;
	rt.by_ret = adjacent;
	return rt;
}

/*
 * @code at the start of @area (8 KiB), its hijacking trampoline at 1024,
 * the return fast path of @rt at 4096, or (adjacent) right after the
 * trampoline's bytes.
 */
static uint8_t *place(uint8_t *area, const uint8_t *code, size_t len,
		      const struct arch_return_path *rt, int *rsize)
{
	uint8_t *site = area, *tramp = area + 1024, jmp[ARCH_JUMP_BYTES];
	uint8_t *ret = adjacent ? tramp + ARCH_RECORD_TRAMPOLINE_BYTES : area + 4096;
	struct arch_hijack_path hp = { 0 };
	struct arch_jump aj;

	memcpy(site, code, len);
	*rsize = arch_prepare_return_trampoline(ret, ARCH_RETURN_TRAMPOLINE_BYTES, (uint64_t)ret, rt);
	if (*rsize < 0 || arch_analyze_jump(&aj, site, len, (uint64_t)site))
		return NULL;
	FAKE_HIJACK_FIELDS(&hp, struct fake_thread, fake_self);
	hp.site = 0x5175;
	hp.ret_tramp = (uint64_t)ret;
	if (arch_prepare_hijack_trampoline(&aj, tramp, ARCH_RECORD_TRAMPOLINE_BYTES, (uint64_t)tramp,
					   slow_handler, NULL, &hp, entry_rec) < 0 ||
	    arch_jump_bytes(jmp, (uint64_t)site, (uint64_t)tramp))
		return NULL;
	memcpy(site, jmp, sizeof(jmp));
	/* adjacent: lea 8(%rsp),%rsp; call rel32 to inside the trampoline, its last 10 bytes */
	int32_t rel;
	memcpy(&rel, ret - 4, 4);
	if (adjacent && (memcmp(ret - 10, "\x48\x8d\x64\x24\x08\xe8", 6) ||
			 ret + rel < tramp || ret + rel >= ret - 10))
		return NULL;
	return site;
}

static uint8_t *new_area(void)
{
	uint8_t *a = mmap(NULL, 8192, PROT_READ | PROT_WRITE | PROT_EXEC,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	return a == MAP_FAILED ? NULL : a;
}

/* The probed function: movabs $body,%rax; jmp *%rax, so body returns through the slot. */
static long (*probed)(long);
static void (*hook)(void);
static int nest;

static void check_slot(void);

__attribute__((noinline)) static long body(long x)
{
	check_slot();
	if (hook)
		hook();
	if (nest && x > 0)
		return probed(x - 1) + 1;
	return 2 * x + 1;
}

static uint8_t *place_body(uint8_t *area, const struct arch_return_path *rt, int *rsize)
{
	uint8_t site[12] = { 0x48, 0xb8 };
	uint64_t b = (uint64_t)body;

	memcpy(site + 2, &b, 8);
	site[10] = 0xff; /* jmp *%rax */
	site[11] = 0xe0;
	return place(area, site, sizeof(site), rt, rsize);
}

static struct fake_thread me;
static uint64_t row[8];

static void me_reset(void)
{
	memset(&me, 0, sizeof(me));
	memset(frames, 0, 8 * sizeof(*frames));
	me.tid = 777;
	me.max = 8;
	me.ctx = 3;
	me.row = row;
	me.ring = &w;
	me.shadow = frames;
}

/*
 * The hooks: run inside the probed function, after its entry was hijacked.
 * Every hook checks the slot first: it holds the return code's address.
 */
static long slot_bad;
static void check_slot(void)
{
	const struct fake_frame *f = &frames[me.depth - 1];

	if (!me.depth || *(const uint64_t *)f->sp != f->tramp)
		slot_bad++;
}
static void set_busy(void) { me.busy = 1; }
static void set_unhooked(void) { me.unhooked = 1; }
static void set_dirty(void) { me.dirty = 1; }
static void set_gen(void) { fake_gen = 8; }
static void no_row(void) { me.row = NULL; }
static void no_ring(void) { me.ring = NULL; }
static void no_room(void) { w.limit = w.head + NEED - 8; }
static void at_end(void) { w.limit = w.head + sizeof(data); w.head = w.pend = sizeof(data) - NEED + 8; }
static void not_exclusive(void) { w.kind = RING_NONE; }
static void other_on_top(void) { frames[me.depth++] = (struct fake_frame){ .ret = 1, .sp = 8 }; }
static void none(void) { me.depth = 0; }

/* probed(0..9) from a fresh ring, thread and row, on CPU 5: the sum of the results. */
static long ten_calls(void)
{
	long sum = 0;

	ring_reset();
	me_reset();
	memset(row, 0, sizeof(row));
	fake_gen = 7;
	fake_cpu = 5;
	fake_self = &me;
	for (int i = 0; i < 10; i++)
		sum += call_probed(probed, i);
	return sum;
}

static void record(void)
{
	const int32_t regs[2] = { R(ax), R(bx) };
	struct arch_return_path rt = rpath(0, regs, 2, 0);
	uint8_t *area = new_area();
	int rsize = 0;

	ok(area != NULL, "an executable area");
	if (!area)
		return;
	rt.rec.ip = (uint64_t)area; /* __probe_func: the site */
	probed = (long (*)(long))place_body(area, &rt, &rsize);
	ok(probed != NULL && rsize <= ARCH_RETURN_TRAMPOLINE_BYTES,
	   "a return fast path recording $retval and %%bx: %d bytes", rsize);
	if (!probed)
		return;
	is_int(ten_calls(), 100, "the results come back (sum of 2i + 1)");
	is_int(row[2], 10, "every return counted in the row (byte offset 16)");
	is_int(through_stub + slow_calls, 0, "neither the stub nor the handler called");
	is_int(me.depth, 0, "every frame taken off");
	is_int(me.busy, 0, "busy back to 0");
	is_int(ctl.head, 10 * NEED, "head published: ten records of %u bytes", NEED);
	is_int(w.head, 10 * NEED, "the writer's head");
	is_int(w.pend, 10 * NEED, "and pend");
	int bad = 0;
	for (int i = 0; i < 10; i++) {
		const struct ring_rec *rec = (const void *)(data + i * NEED);
		uint64_t v[5];

		memcpy(v, rec->data, sizeof(v));
		if (rec->size != RING_HDR_SIZE + FIXED || rec->type != 0x4321 || rec->flags ||
		    rec->pid != 4242 || rec->tid != 4343 || rec->cpu != 5 || rec->reserved0 ||
		    rec->reserved1 || !rec->time || (i && rec->time < ((const struct ring_rec *)
			(data + (i - 1) * NEED))->time))
			bad++, diag("record %d: header", i);
		if (v[0] != (0x4321 | (uint64_t)777 << 32) || v[1] != (uint64_t)area ||
		    v[2] != (uint64_t)after_call || v[3] != (uint64_t)(2 * i + 1) ||
		    v[4] != (uint64_t)(i + 100))
			bad++, diag("record %d: payload %lx %lx %lx %lx %lx", i, v[0], v[1], v[2], v[3],
				    v[4]);
	}
	is_int(bad, 0, "each record as emit() writes it: common_pid, func, ret_ip, $retval, %%bx");
	is_int(slot_bad, 0, "inside, the slot holds the return code's address, as its frame says");
	is_int(data[10 * NEED], 0xee, "nothing written past the last record");

	/* nested: each return takes its own frame, innermost first */
	nest = 1;
	uint64_t head = ctl.head;
	is_int(call_probed(probed, 5), 6, "6 nested probed calls: the result");
	nest = 0;
	is_int(ctl.head, head + 6 * NEED, "six records");
	is_int(me.depth, 0, "every frame taken off");
	bad = 0;
	for (int i = 0; i < 6; i++) {
		uint64_t v[4];

		memcpy(v, ((const struct ring_rec *)(data + head + i * NEED))->data, sizeof(v));
		if (v[3] != (uint64_t)(i + 1) || (i == 5) != (v[2] == (uint64_t)after_call))
			bad++, diag("nested %d: ret_ip %lx rv %lx", i, v[2], v[3]);
	}
	is_int(bad, 0, "innermost first, each with its own return address and value");
	is_int(through_stub + slow_calls, 0, "none the slow way");

	/* every way to the shared trampoline: nothing counted or recorded, the frame found */
	static const struct {
		void (*fn)(void);
		const char *what;
	} slow[] = {
		{ set_busy, "busy" },
		{ set_unhooked, "frames given back to an unwinder" },
		{ set_dirty, "comm changed" },
		{ set_gen, "the site's lists changed" },
		{ no_row, "no row" },
		{ no_ring, "no ring" },
		{ no_room, "no room below the limit" },
		{ at_end, "no room before the ring's end" },
		{ not_exclusive, "a writer not exclusive (wiped by fork, shared)" },
		{ other_on_top, "another frame on top" },
		{ none, "no frame on the shadow stack" },
	};
	for (unsigned k = 0; k < sizeof(slow) / sizeof(slow[0]); k++) {
		long before = through_stub;
		uint64_t hits = row[2], wh = w.head;

		head = ctl.head;
		hook = slow[k].fn;
		long r = call_probed(probed, 20);
		hook = NULL;
		me.busy = me.dirty = 0;
		me.unhooked = 0;
		fake_gen = 7;
		me.row = row;
		me.ring = &w;
		w.kind = RING_EXCLUSIVE;
		w.head = w.pend = wh;
		w.limit = wh + sizeof(data);
		ok(r == 41 && through_stub == before + 1 && !stub_bad && me.depth == 0 &&
		   row[2] == hits && ctl.head == head,
		   "%s: the shared trampoline, nothing counted or recorded", slow[k].what);
	}
	is_int(slow_calls, 0, "the entries all hijacked");
	call_probed(probed, 1);
	is_int(ctl.head, head + NEED, "and then it records again");
	fake_self = NULL;
	munmap(area, 8192);
}

#define EFIXED 24 /* common 8, ip 8, a=%di 8 */
#define ENEED  ((EFIXED + RING_HDR_SIZE + 7) & ~7u)
static uint64_t fake_list;

static void record_both(void)
{
	const int32_t regs[2] = { R(ax), R(bx) };
	struct arch_return_path rt = rpath(0, regs, 2, 0);
	struct arch_record_path ep = { 0 };
	uint8_t *area = new_area();
	int rsize = 0;

	if (!area)
		return;
	fake_thread_fields(&ep);
	ep.hits_off = 32; /* row[4] */
	ep.need = ENEED;
	ep.word = ring_word(RING_HDR_SIZE + EFIXED, 0x1234, 0);
	ep.common = 0x1234;
	ep.ip = (uint64_t)area;
	ep.list_addr = (uint64_t)&fake_list;
	ep.list = 5;
	ep.nargs = 1;
	ep.arg[0].reg = R(di);
	ep.arg[0].off = 16;
	ep.arg[0].size = 8;
	rt.rec.ip = (uint64_t)area;
	entry_rec = &ep;
	probed = (long (*)(long))place_body(area, &rt, &rsize);
	entry_rec = NULL;
	ok(probed != NULL, "a hijacking trampoline that records the entry's %%di too");
	if (!probed)
		return;
	fake_list = 5;
	slow_calls = through_stub = 0;
	is_int(ten_calls(), 100, "entry and return recorded: the results come back");
	ok(row[4] == 10 && row[2] == 10, "each entry and each return counted");
	is_int(slow_calls + through_stub, 0, "neither the handler nor the stub called");
	is_int(ctl.head, 10 * (ENEED + NEED), "ten entry records and ten return records");
	int bad = 0;
	for (int i = 0, at = 0; i < 10; i++, at += ENEED + NEED) {
		const struct ring_rec *en = (const void *)(data + at), *re = (const void *)(data + at + ENEED);
		uint64_t v[3], u[4];

		memcpy(v, en->data, sizeof(v));
		memcpy(u, re->data, sizeof(u));
		if (en->type != 0x1234 || en->size != RING_HDR_SIZE + EFIXED ||
		    v[0] != (0x1234 | (uint64_t)777 << 32) || v[1] != (uint64_t)area ||
		    v[2] != (uint64_t)i || re->type != 0x4321 || u[3] != (uint64_t)(2 * i + 1) ||
		    en->time > re->time)
			bad++, diag("pair %d: %x %lx %lx %lx, %x %lx", i, en->type, v[0], v[1], v[2],
				    re->type, u[3]);
	}
	is_int(bad, 0, "in turn: each entry (common_pid, ip, a=%%di), then its return ($retval)");
	static const struct {
		uint64_t *word;
		uint64_t bad;
		const char *what;
	} slow[] = {
		{ &fake_list, 6, "the entry's list changed" },
		{ &w.limit, 0, "no room for the entry's record" },
	};
	for (unsigned k = 0; k < 4; k++) {
		long before = slow_calls;
		uint64_t hits = row[4], head = ctl.head, keep = 0;
		const char *what = k == 2 ? "the shadow stack full" : k == 3 ? "busy" : slow[k].what;

		if (k < 2) {
			keep = *slow[k].word;
			*slow[k].word = slow[k].bad;
		}
		me.max = k == 2 ? 0 : 8;
		me.busy = k == 3;
		long r = call_probed(probed, 20);
		if (k < 2)
			*slow[k].word = keep;
		me.max = 8;
		me.busy = 0;
		ok(r == 41 && slow_calls == before + 1 && ctl.head == head && row[4] == hits &&
		   me.depth == 0 && through_stub == 0,
		   "%s: the general path, nothing recorded, no frame", what);
	}
	call_probed(probed, 1);
	is_int(ctl.head, 11 * (ENEED + NEED), "and then it records both again");
	fake_self = NULL;
	munmap(area, 8192);
}

static void count(void)
{
	struct arch_return_path rt = rpath(0, NULL, 0, 2);
	uint8_t *area = new_area();
	int rsize = 0;

	probed = area ? (long (*)(long))place_body(area, &rt, &rsize) : NULL;
	ok(probed != NULL, "a return fast path counting two events: %d bytes", rsize);
	if (!probed)
		return;
	ring_reset();
	me_reset();
	memset(row, 0, sizeof(row));
	fake_gen = 7;
	fake_self = &me;
	through_stub = 0;
	long sum = 0;
	for (int i = 0; i < 10; i++)
		sum += call_probed(probed, i);
	is_int(sum, 100, "the results come back");
	ok(row[1] == 10 && row[3] == 10 && !row[2], "each counter of the row counts every return");
	is_int(ctl.head, 0, "nothing recorded");
	is_int(through_stub, 0, "never the slow way");
	is_int(me.depth, 0, "every frame taken off");
	me.ring = NULL;
	call_probed(probed, 1);
	is_int(row[1], 11, "no ring needed");
	hook = set_gen;
	call_probed(probed, 1);
	hook = NULL;
	fake_gen = 7;
	ok(row[1] == 11 && through_stub == 1, "the site's lists changed: the shared trampoline");
	fake_self = NULL;
	munmap(area, 8192);
}

/* flags and registers across both ways out */
static void (*site_fn)(void);

/* A 5-byte nop then ret: nothing of its own touches a flag or a register. */
static const uint8_t nop_site[] = { 0x0f, 0x1f, 0x44, 0x00, 0x00, 0xc3 };

/* Recording r9 and r11, or (@ncount) counting: what each saves is all it touches. */
static void preserved(unsigned ncount)
{
	const int32_t regs[2] = { R(r9), R(r11) };
	struct arch_return_path rt = rpath(0, regs, 2, ncount);
	const char *mode = ncount ? "counting" : "recording";
	uint8_t *area = new_area();
	int rsize;

	site_fn = area ? (void (*)(void))place(area, nop_site, sizeof(nop_site), &rt, &rsize) : NULL;
	ok(site_fn != NULL, "%s: a return fast path for a 5-byte nop and ret%s", mode,
	   ncount ? "" : ", args r9 r11");
	if (!site_fn)
		return;
	ring_reset();
	me_reset();
	memset(row, 0, sizeof(row));
	fake_self = &me;
	through_stub = 0;
	for (int k = 0; k < 6; k++) {
		static const uint64_t fl[] = { 0x202, 0x8d5, 0x0c1, 0x814, 0x202, 0x8d5 };
		uint64_t f_in = fl[k], out[17];
		uint64_t head = ctl.head;
		const struct ring_rec *rec = (const void *)(data + head);
		long stub = through_stub;
		bool fast = k < 4;

		fake_gen = fast ? 7 : 8;
		call_regs(site_fn, f_in, out);
		const char *way = fast ? "fast" : "slow";
		int regbad = 0;
		for (int i = 0; i < 15; i++)
			if (out[i] != 0x1001u + (unsigned)i)
				regbad++, diag("register %d: %lx", i, out[i]);
		if (fast && ncount) {
			ok(row[1] == (uint64_t)k + 1 && through_stub == stub,
			   "%s, flags 0x%lx: counted", mode, (unsigned long)f_in);
		} else if (fast) {
			uint64_t v[3];
			memcpy(v, rec->data + 16, sizeof(v));
			is_int(ctl.head, head + NEED, "%s, flags 0x%lx: recorded", mode,
			       (unsigned long)f_in);
			ok(v[1] == 0x1009 && v[2] == 0x100b,
			   "%s, flags 0x%lx: r9 r11 recorded as the function left them", mode,
			   (unsigned long)f_in);
		} else {
			ok(ctl.head == head && through_stub == stub + 1 && row[1] == 4 * !!ncount,
			   "%s, flags 0x%lx: the slow way, nothing counted or recorded", mode,
			   (unsigned long)f_in);
		}
		is_int(out[15] & 0x8d5, f_in & 0x8d5,
		       "%s, flags 0x%lx, %s way: the status flags survive exactly", mode,
		       (unsigned long)f_in, way);
		is_int(regbad, 0, "%s, flags 0x%lx, %s way: every general register survives", mode,
		       (unsigned long)f_in, way);
		is_int(me.depth, 0, "%s, flags 0x%lx, %s way: the frame off", mode,
		       (unsigned long)f_in, way);
	}
	fake_gen = 7;
	fake_self = NULL;
	munmap(area, 8192);
}

int main(void)
{
	for (int a = 0; a < 2; a++) {
		adjacent = a;
		diag("the return fast path %s", a ? "right after the trampoline: in by a call, "
						    "out by a ret" : "apart: out by a jmp");
		slow_calls = through_stub = stub_bad = slot_bad = 0;
		record();
		record_both();
		count();
		preserved(0);
		preserved(2);
	}
	return done_testing();
}
