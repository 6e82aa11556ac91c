// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The counting fast path of the jump path (xol stat), executed: a site
 * whose trampoline finds the thread's state through %fs and adds to its
 * counter row without saving registers or calling anything.
 *
 *  - a thread with a row, not busy: every hit counted in the row, the
 *    handler never called, the site's own instructions still run
 *  - a busy thread, a thread without state, a state without a row: the
 *    general path, through the handler, and the row untouched
 *  - the flags and every register survive the fast path exactly
 *  - all of it again on an agent's stack (arch_prepare_stack_trampoline,
 *    for Go): the counting done there, the site's stack untouched, the
 *    TLS word back to the stack's top after each hit
 *  - all of it again with the state found through %gs (static programs),
 *    where FSGSBASE is there: and a block whose owner is another %fs
 *    base, or a fork guard wiped to 0, takes the general path
 */
#include <string.h>
#include <sys/auxv.h>
#include <sys/mman.h>

#include "arch/x86/arch.h"
#include "tap.h"

struct fake_thread {
	int busy;
	uint64_t *row;
	uint64_t owner; /* the %gs mode's: the %fs base of its thread */
};

static __thread struct fake_thread *fake_self;
static int gs;                  /* the state through %gs, as in static programs */
static uint64_t fork_word = 1;  /* the %gs mode's fork guard: 0 in a child */

/* The thread's state, where the mode looks for it. */
static void set_state(struct fake_thread *t)
{
	if (!gs) {
		fake_self = t;
		return;
	}
	if (t) {
		uint64_t fs;
		asm volatile("rdfsbase %0" : "=r"(fs));
		t->owner = t->owner ? t->owner : fs;
	}
	asm volatile("wrgsbase %0" : : "r"(t) : "memory");
}
static long slow_calls, slow_off_stack;

/* The agent's stack of the own-stack mode, and the thread's word with its top. */
static int own;
static uint8_t own_stack[16384] __attribute__((aligned(16)));
static __thread uint64_t own_word __attribute__((tls_model("initial-exec")));
#define OWN_TOP ((uint64_t)(own_stack + sizeof(own_stack)))

__attribute__((target("general-regs-only")))
static void slow_handler(void *ctx, struct xol_regs *regs)
{
	uint64_t frame = (uint64_t)__builtin_frame_address(0);

	(void)ctx;
	(void)regs;
	slow_calls++;
	if (own && (frame < (uint64_t)own_stack || frame >= OWN_TOP || own_word != 0))
		slow_off_stack++;
}

/* The site: mov %edi,%eax; add %esi,%eax; nop; ret -- the jump displaces the first three. */
static const uint8_t add_site[] = { 0x89, 0xf8, 0x01, 0xf0, 0x90, 0xc3 };
/* A 5-byte nop then ret: nothing of its own touches a flag or a register. */
static const uint8_t nop_site[] = { 0x0f, 0x1f, 0x44, 0x00, 0x00, 0xc3 };

static uint8_t *place(uint8_t *area, const uint8_t *code, size_t len, unsigned ncount,
		      const int32_t *offs)
{
	uint8_t *site = area, *tramp = area + 2048, jmp[ARCH_JUMP_BYTES];
	struct arch_count_path cp = { 0 };
	struct arch_jump aj;

	memcpy(site, code, len);
	if (arch_analyze_jump(&aj, site, len, (uint64_t)site))
		return NULL;
	cp.tls_off = (int32_t)((char *)&fake_self - (char *)__builtin_thread_pointer());
	cp.busy_off = offsetof(struct fake_thread, busy);
	cp.row_off = offsetof(struct fake_thread, row);
	cp.n = ncount;
	memcpy(cp.counter_off, offs, ncount * sizeof(offs[0]));
	if (gs) {
		cp.gs_owner_off = offsetof(struct fake_thread, owner);
		cp.fork_guard = (uint64_t)&fork_word;
	}
	struct arch_own_stack os = {
		.tls_off = (int32_t)((char *)&own_word - (char *)__builtin_thread_pointer()),
	};
	if ((own ? arch_prepare_stack_trampoline(&aj, tramp, 2048, (uint64_t)tramp, slow_handler,
						 NULL, &os, &cp) :
		   arch_prepare_count_trampoline(&aj, tramp, 2048, (uint64_t)tramp, slow_handler,
						 NULL, &cp)) < 0 ||
	    arch_jump_bytes(jmp, (uint64_t)site, (uint64_t)tramp))
		return NULL;
	memcpy(site, jmp, sizeof(jmp));
	return site;
}

static void run(void)
{
	uint8_t *area = mmap(NULL, 4096, PROT_READ | PROT_WRITE | PROT_EXEC,
			     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	uint64_t row[8] = { 0 };
	struct fake_thread me = { 0, row, 0 };
	const int32_t offs[2] = { 0, 24 };
	int (*add)(int, int);
	int sum = 0;

	ok(area != MAP_FAILED, "an executable area");
	add = (int (*)(int, int))place(area, add_site, sizeof(add_site), 2, offs);
	slow_calls = slow_off_stack = 0;
	own_word = own ? OWN_TOP : 0;
	ok(add != NULL, "a counting trampoline for mov/add/nop/ret, two counters");
	if (!add)
		return;

	set_state(&me);
	for (int i = 0; i < 1000; i++)
		sum += add(i, 1);
	is_int(sum, 1000 * 999 / 2 + 1000, "the site's own instructions run (sum of i + 1)");
	is_int(row[0], 1000, "a thread with a row: the first counter counts every hit");
	is_int(row[3], 1000, "and the second one too (byte offset 24)");
	is_int(slow_calls, 0, "and the handler is never called");

	me.busy = 1;
	for (int i = 0; i < 10; i++)
		sum += add(i, 1);
	is_int(row[0], 1000, "a busy thread: the row is not touched");
	is_int(slow_calls, 10, "the general path runs the handler instead");

	me.busy = 0;
	me.row = NULL;
	add(1, 2);
	is_int(slow_calls, 11, "a state without a row: the general path");
	me.row = row;
	set_state(NULL);
	is_int(add(40, 2), 42, "a thread without state: the result is right");
	is_int(slow_calls, 12, "and it went through the handler");
	set_state(&me);
	if (gs) {
		uint64_t owner = me.owner;
		me.owner = owner + 4096;
		add(1, 1);
		is_int(slow_calls, 13, "%%gs: a block claimed by another %%fs base: the general path");
		me.owner = owner;
		fork_word = 0;
		add(1, 1);
		is_int(slow_calls, 14, "%%gs: in a child after fork (the guard wiped): the general path");
		fork_word = 1;
		add(1, 1);
		ok(slow_calls == 14 && row[0] == 1001, "%%gs: and then the fast path again");
	}

	/* flags and registers across the fast path */
	munmap(area, 4096);
	area = mmap(NULL, 4096, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS,
		    -1, 0);
	void (*nop)(void) = (void (*)(void))place(area, nop_site, sizeof(nop_site), 1, offs);
	ok(nop != NULL, "a counting trampoline for a 5-byte nop");
	if (nop) {
		for (int k = 0; k < 2; k++) {
			uint64_t f_in = k ? 0x8d5 /* CF PF AF ZF SF OF */ : 0x202, f_out;
			uint64_t rax_out, rcx_out, before = row[0];

			asm volatile("push %[fi]\n\t popfq\n\t"
				     "mov $0x4242, %%eax\n\t mov $0x4343, %%ecx\n\t"
				     "call *%[site]\n\t"
				     "pushfq\n\t pop %[fo]\n\t"
				     "mov %%rax, %[ra]\n\t mov %%rcx, %[rc]\n\t"
				     : [fo] "=&r"(f_out), [ra] "=&r"(rax_out), [rc] "=&r"(rcx_out)
				     : [fi] "r"(f_in), [site] "m"(nop)
				     : "rax", "rcx", "rdx", "rsi", "rdi", "r8", "r9", "r10", "r11",
				       "memory", "cc");
			is_int(row[0], before + 1, "flags 0x%lx: the hit was counted", (unsigned long)f_in);
			is_int(f_out & 0x8d5, f_in & 0x8d5, "flags 0x%lx: the status flags survive exactly",
			       (unsigned long)f_in);
			is_int(rax_out, 0x4242, "flags 0x%lx: rax (a scratch of the fast path) survives",
			       (unsigned long)f_in);
			is_int(rcx_out, 0x4343, "flags 0x%lx: rcx (the other scratch) survives",
			       (unsigned long)f_in);
		}
	}
	munmap(area, 4096);
	if (own) {
		is_int(slow_off_stack, 0, "own stack: the handler ran on it, the word 0 meanwhile");
		ok(own_word == OWN_TOP, "own stack: the word holds its top again");
	}
}

int main(void)
{
	run();
	own = 1;
	printf("# again, on an agent's stack\n");
	run();
	own = 0;
	if (getauxval(AT_HWCAP2) & 2) { /* HWCAP2_FSGSBASE */
		gs = 1;
		printf("# again, the state through %%gs\n");
		run();
		set_state(NULL);
	} else {
		printf("# no FSGSBASE: the %%gs mode (static programs) not run\n");
	}
	return done_testing();
}
