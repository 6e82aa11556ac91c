// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The jump path, executed: a jmp rel32 at a site, the trampoline calling
 * a counting handler, the displaced copy, the jump back.
 *
 *  - every register, the flags (DF included) and the red zone survive;
 *    the handler sees exactly what the trap path's handler sees there
 *  - threads "caught" inside the displaced range are moved into the copy
 *    (arch_map_displaced_ip), and threads inside the copy back out
 *    (arch_unmap_displaced_ip), and both continue correctly
 *  - with the switch to an agent's stack (arch_prepare_stack_trampoline):
 *    the same, the handler on that stack (the site's %rsp on top of it)
 *    while the thread's TLS word is 0, the word back to the top after; with
 *    the word 0, the handler on the site's stack as without the switch
 *  - a probe on a ret (arch_analyze_jump_to): the code before it, then the
 *    handler with the registers of the ret, then the ret, both ways
 *  - every instruction boundary of the real functions of 21-, where the
 *    jump is allowed, gives the same results and the same hit counts as
 *    the trap path, and the handler the same ip and sp (the other
 *    registers of a real function may hold leftovers of whoever ran before)
 */
#define INSN_FUNCS_NO_MAIN
#include "../targets/insn-funcs.c"
#include "../targets/insn-harness.h"
#include "tap.h"

#define CTX ((void *)0x5eed)
#define STATUS_FLAGS 0xcd5	/* CF PF AF ZF SF DF OF */

static uint8_t *tramp_area;

/*
 * The switch to an agent's stack: 0 none, 1 with a stack (its top in
 * hit_stack_top), 2 with the TLS word 0 (no stack for this thread).
 */
static int stack_mode;
static uint8_t hit_stack[16384] __attribute__((aligned(16)));
static __thread uint64_t hit_stack_word __attribute__((tls_model("initial-exec")));
#define HIT_STACK_TOP ((uint64_t)(hit_stack + sizeof(hit_stack)))

/*
 * stack_skip: as the agent for static Go programs has it, a hit whose
 * word is 0 is skipped and counted, with two scratch words of the thread's.
 */
static int stack_skip;
static __thread uint64_t scratch_words[2] __attribute__((tls_model("initial-exec")));
static uint64_t skipped;

/* Of a TLS variable from the thread pointer (a whole word: ld relaxes no 32-bit load). */
static __attribute__((noinline)) long tls_off(const void *var)
{
	return (const char *)var - (char *)__builtin_thread_pointer();
}

/* ---- the "probe" the trampoline calls ------------------------------------ */

static struct {
	long hits, bad_ctx, misaligned, df_set, wrong_stack;
	struct xol_regs first;
} jh;

/* Like the agent's hit path: the trampoline saves no vector or x87 state. */
__attribute__((target("general-regs-only")))
static void jump_handler(void *ctx, struct xol_regs *regs)
{
	if (ctx != CTX)
		jh.bad_ctx++;
	/* called with rsp % 16 == 0, so the pushed rbp sits 16-byte aligned */
	if ((uintptr_t)__builtin_frame_address(0) & 15)
		jh.misaligned++;
	if (__builtin_ia32_readeflags_u64() & 0x400)
		jh.df_set++;
	uint64_t frame = (uint64_t)__builtin_frame_address(0);
	int on = frame >= (uint64_t)hit_stack && frame < HIT_STACK_TOP;
	if (on != (stack_mode == 1) || (stack_mode && hit_stack_word != 0) ||
	    (stack_mode == 1 && *(uint64_t *)(HIT_STACK_TOP - 8) != regs->sp))
		jh.wrong_stack++;
	if (!jh.hits++)
		for (unsigned i = 0; i < XOL_REGS_WORDS; i++)
			((volatile uint64_t *)&jh.first)[i] = ((uint64_t *)regs)[i];
}

static struct {
	long hits;
	struct xol_regs first;
} th;

static void trap_probe(struct xol_regs *regs)
{
	if (!th.hits++)
		th.first = *regs;
}

static int same_regs(const struct xol_regs *a, const struct xol_regs *b, char *why, size_t n)
{
#define SAME(f) if (a->f != b->f) { snprintf(why, n, #f ": %#lx vs %#lx", \
					      (unsigned long)a->f, (unsigned long)b->f); return 0; }
	SAME(r15) SAME(r14) SAME(r13) SAME(r12) SAME(bp) SAME(bx) SAME(r11) SAME(r10)
	SAME(r9) SAME(r8) SAME(ax) SAME(cx) SAME(dx) SAME(si) SAME(di) SAME(ip) SAME(sp)
#undef SAME
	if ((a->flags ^ b->flags) & STATUS_FLAGS) {
		snprintf(why, n, "flags: %#lx vs %#lx", (unsigned long)a->flags,
			 (unsigned long)b->flags);
		return 0;
	}
	return 1;
}

/* ---- patching the site ----------------------------------------------------- */

static uint8_t saved[32];

static int jump_arm(struct arch_jump *aj, uint64_t tramp)
{
	uint8_t jmp[ARCH_JUMP_BYTES];

	if (arch_jump_bytes(jmp, aj->site, tramp))
		return -1;
	memcpy(saved, (void *)aj->site, aj->len);
	memcpy((void *)aj->site, jmp, sizeof(jmp));
	memset((void *)(aj->site + ARCH_JUMP_BYTES), ARCH_BREAKPOINT_INSN, aj->len - ARCH_JUMP_BYTES);
	return 0;
}

static void jump_disarm(const struct arch_jump *aj)
{
	memcpy((void *)aj->site, saved, aj->len);
}

static int prepare(struct arch_jump *aj, const uint8_t *code, size_t avail, uint64_t site,
		   const uint8_t *fn, size_t fn_len)
{
	uint64_t where;

	if (arch_analyze_jump(aj, code, avail, site))
		return -1;
	if (arch_check_jump_range(aj, fn, fn_len, (uint64_t)fn, 0, &where))
		return -1;
	memset(tramp_area, 0xcc, ARCH_STACK_TRAMPOLINE_BYTES);
	if (stack_mode) {
		struct arch_own_stack os = { .tls_off = (int32_t)tls_off(&hit_stack_word) };
		if (stack_skip) {
			os.skipped = &skipped;
			os.scratch_off = (int32_t)tls_off(scratch_words);
		}
		hit_stack_word = stack_mode == 1 ? HIT_STACK_TOP : 0;
		if (arch_prepare_stack_trampoline(aj, tramp_area, ARCH_STACK_TRAMPOLINE_BYTES,
						  (uint64_t)tramp_area, jump_handler, CTX, &os, NULL) < 0)
			return -2;
		return 0;
	}
	if (arch_prepare_trampoline(aj, tramp_area, ARCH_TRAMPOLINE_BYTES, (uint64_t)tramp_area,
				    jump_handler, CTX) < 0)
		return -2;
	return 0;
}

/* ---- the register block ------------------------------------------------------ */

static const struct blk_state input = {
	.ax = 0x1111111111111111, .bx = 0x2222222222222222, .cx = 0x3333333333333333,
	.dx = 0x4444444444444444, .si = 0x5555555555555555, .di = 0x6666666666666666,
	.bp = 0x7777777777777777, .r8 = 0x8888888888888888, .r9 = 0x9999999999999999,
	.r10 = 0xaaaaaaaaaaaaaaaa, .r11 = 0xbbbbbbbbbbbbbbbb, .r12 = 0xcccccccccccccccc,
	.r13 = 0xdddddddddddddddd, .r14 = 0xeeeeeeeeeeeeeeee, .r15 = 0xf0f0f0f0f0f0f0f0,
	.flags = 0x202 | 0x1 | 0x40 | 0x400 | 0x800,	/* CF ZF DF OF */
};

static struct blk_state run_from(const void *entry, uint64_t flags, int *sig)
{
	struct blk_state st = input;

	st.flags = flags;
	*sig = TRY(xol_run_block(&st, entry));
	return st;
}

static int same_state(const struct blk_state *a, const struct blk_state *b)
{
	return !memcmp(a, b, offsetof(struct blk_state, flags)) &&
	       !((a->flags ^ b->flags) & STATUS_FLAGS);
}

static void test_block(uint64_t flags, const char *flags_name)
{
	const uint8_t *code = (const uint8_t *)rb_block;
	size_t size = (size_t)(rb_block_end - (const char *)rb_block);
	int sites = 0, jumped = 0, bad_regs = 0, bad_view = 0, bad_map = 0, bad_unmap = 0, sig;
	struct arch_insn ai;

	insn_text_writable(code, size);
	for (size_t off = 0; off < size; off += ai.len) {
		uint64_t site = (uint64_t)(code + off);
		struct blk_state want, got;
		struct arch_jump aj;
		uint8_t slot_buf[ARCH_SLOT_BYTES];
		char why[128];

		if (arch_analyze(&ai, code + off, size - off, site))
			break;
		sites++;

		/* what the trap path's handler sees here, from the block's start */
		arch_prepare_slot(&ai, slot_buf, sizeof(slot_buf), (uint64_t)tramp_area, NULL);
		memcpy(tramp_area, slot_buf, sizeof(slot_buf));
		th.hits = 0;
		trap_handler = trap_probe;
		trap_arm(&ai, (uint64_t)tramp_area, TRAP_SLOT);
		got = run_from(code, flags, &sig);
		trap_disarm();
		trap_handler = NULL;

		if (prepare(&aj, code + off, size - off, site, code, size)) {
			printf("# rb_block+%#zx: no jump: %s\n", off, aj.reason);
			continue;
		}
		jumped++;

		/* 1. through the trampoline, from the block's start */
		memset(&jh, 0, sizeof(jh));
		uint64_t skipped0 = skipped;
		int skip = stack_skip && stack_mode == 2; /* skipped and counted, not run */
		jump_arm(&aj, (uint64_t)tramp_area);
		got = run_from(code, flags, &sig);
		jump_disarm(&aj);
		want = run_from(code, flags, &sig);
		if (sig || !same_state(&got, &want) || jh.hits != !skip || jh.bad_ctx || jh.misaligned ||
		    jh.df_set || jh.wrong_stack || skipped != skipped0 + (uint64_t)skip ||
		    hit_stack_word != (stack_mode == 1 ? HIT_STACK_TOP : 0)) {
			bad_regs++;
			printf("# rb_block+%#zx: sig %d, hits %ld, ctx %ld, misaligned %ld, df %ld, "
			       "wrong stack %ld, state %s\n", off, sig, jh.hits, jh.bad_ctx,
			       jh.misaligned, jh.df_set, jh.wrong_stack,
			       same_state(&got, &want) ? "same" : "DIFFERENT");
		} else if (!skip && !same_regs(&jh.first, &th.first, why, sizeof(why))) {
			bad_view++;
			printf("# rb_block+%#zx: the handler's view differs from the trap's: %s\n", off,
			       why);
		}

		/* 2. mid-patch: int3 over the whole range, threads at each boundary */
		memcpy(saved, (void *)site, aj.len);
		memset((void *)site, ARCH_BREAKPOINT_INSN, aj.len);
		trap.jump = &aj;
		trap.tramp = (uint64_t)tramp_area;
		for (int i = 0; i < aj.n; i++) {
			const uint8_t *at = code + off + aj.orig_off[i];

			memcpy((void *)site, saved, aj.len);
			want = run_from(at, flags, &sig);
			memset((void *)site, ARCH_BREAKPOINT_INSN, aj.len);
			jh.hits = 0;
			got = run_from(at, flags, &sig);
			if (sig || !same_state(&got, &want) || jh.hits != 0) {
				bad_map++;
				printf("# rb_block+%#zx: thread at +%d moved into the copy: sig %d %s\n",
				       off, aj.orig_off[i], sig,
				       same_state(&got, &want) ? "" : "state DIFFERENT");
			}
		}
		trap.jump = NULL;
		memcpy((void *)site, saved, aj.len);

		/* 3. threads inside the copy, and where they would go back to */
		for (int i = 0; i <= aj.n; i++) {
			uint64_t ip = (uint64_t)tramp_area + aj.copy_off[i];
			uint64_t back = arch_unmap_displaced_ip(&aj, (uint64_t)tramp_area, ip);
			int j = i;

			/* a nop copies to nothing: the boundary after it is the same place */
			while (j < aj.n && aj.copy_off[j + 1] == aj.copy_off[i])
				j++;

			if (i == aj.n && (aj.flags & (ARCH_INSN_F_NO_FALLTHROUGH | ARCH_INSN_F_CALL)))
				continue;	/* no jump back was written */
			want = run_from((const void *)(site + aj.orig_off[i]), flags, &sig);
			got = run_from((const void *)ip, flags, &sig);
			if (back != site + aj.orig_off[j] || sig || !same_state(&got, &want)) {
				bad_unmap++;
				printf("# rb_block+%#zx: thread at copy +%d: back to %#lx, sig %d %s\n",
				       off, aj.copy_off[i], (unsigned long)(back - (uint64_t)code), sig,
				       same_state(&got, &want) ? "" : "state DIFFERENT");
			}
		}
		if (arch_unmap_displaced_ip(&aj, (uint64_t)tramp_area, (uint64_t)tramp_area) != site ||
		    arch_unmap_displaced_ip(&aj, (uint64_t)tramp_area, (uint64_t)tramp_area + 9) != 0 ||
		    arch_map_displaced_ip(&aj, (uint64_t)tramp_area, site + aj.len) != 0)
			bad_unmap++;
	}
	ok(jumped >= 6 && jumped < sites, "rb_block (%s): the jump is allowed at %d of %d sites",
	   flags_name, jumped, sites);
	is_int(bad_regs, 0, "rb_block (%s): registers, flags and red zone survive, one hit, "
	       "aligned stack, DF clear in the handler", flags_name);
	is_int(bad_view, 0, "rb_block (%s): the handler sees what the trap path sees", flags_name);
	is_int(bad_map, 0, "rb_block (%s): threads inside the displaced range continue in the copy",
	       flags_name);
	is_int(bad_unmap, 0, "rb_block (%s): threads inside the copy continue in the original",
	       flags_name);
}

/* ---- real functions ---------------------------------------------------------- */

static struct {
	long jump_sites, hit_sites, refused;
} cov;

static void test_function(const struct insn_func *f)
{
	const uint8_t *code = (const uint8_t *)f->fn;
	size_t size = insn_sym_size(f->name);
	long expect[INSN_NINPUTS], got[INSN_NINPUTS];
	int sites = 0, jumped = 0, failed = 0, sig;
	char first[300] = "";
	struct arch_insn ai;

	insn_func_run(f, expect);
	insn_text_writable(code, size);
	for (size_t off = 0; off < size; off += ai.len) {
		uint64_t site = (uint64_t)(code + off);
		uint8_t slot_buf[ARCH_SLOT_BYTES];
		struct arch_jump aj;
		char why[160], text[96];
		long trap_hits;

		if (arch_analyze(&ai, code + off, size - off, site))
			break;
		sites++;
		if (prepare(&aj, code + off, size - off, site, code, size)) {
			cov.refused++;
			continue;
		}
		jumped++;
		cov.jump_sites++;

		/* the trap path's count and first view at this site */
		arch_prepare_slot(&ai, slot_buf, sizeof(slot_buf), (uint64_t)tramp_area + 2048, NULL);
		memcpy(tramp_area + 2048, slot_buf, sizeof(slot_buf));
		th.hits = 0;
		trap_handler = trap_probe;
		trap_arm(&ai, (uint64_t)tramp_area + 2048, TRAP_SLOT);
		sig = TRY(insn_func_run(f, got));
		trap_disarm();
		trap_handler = NULL;
		trap_hits = th.hits;

		memset(&jh, 0, sizeof(jh));
		jump_arm(&aj, (uint64_t)tramp_area);
		sig = TRY(insn_func_run(f, got));
		jump_disarm(&aj);

		why[0] = 0;
		if (sig)
			snprintf(why, sizeof(why), "signal %d at %#lx", sig, (unsigned long)try_ip);
		else if (memcmp(got, expect, sizeof(got)))
			snprintf(why, sizeof(why), "different results");
		else if (jh.hits != trap_hits)
			snprintf(why, sizeof(why), "%ld hits, the trap path had %ld", jh.hits, trap_hits);
		else if (jh.bad_ctx || jh.misaligned || jh.df_set || jh.wrong_stack)
			snprintf(why, sizeof(why), "handler: ctx %ld misaligned %ld df %ld stack %ld",
				 jh.bad_ctx, jh.misaligned, jh.df_set, jh.wrong_stack);
		else if (jh.hits && (jh.first.ip != th.first.ip || jh.first.sp != th.first.sp ||
				     (off == 0 && (jh.first.di != th.first.di ||
						   jh.first.si != th.first.si))))
			snprintf(why, sizeof(why), "the handler's ip/sp/arguments differ from the trap's");
		else
			why[0] = 0;
		if (jh.hits)
			cov.hit_sites++;
		if (why[0] && !failed++)
			snprintf(first, sizeof(first), "+%#zx %s (%d insns): %s", off,
				 arch_insn_text(&ai, text, sizeof(text)), aj.n, why);
	}
	ok(!failed, "%s: jump at %d of %d sites, same results, hits and registers as the trap path",
	   f->name, jumped, sites);
	if (failed)
		printf("#   %d failed, first %s\n", failed, first);
}

/* The ret instructions of a Go function, where its return probes go. */
static void test_func_returns(void)
{
	/* ret; mov $1,%eax; ret $8; jmp rel32 (a tail call); lret; int3 */
	static const uint8_t fn[] = { 0xc3, 0xb8, 0x01, 0x00, 0x00, 0x00, 0xc2, 0x08, 0x00,
				      0xe9, 0x00, 0x00, 0x00, 0x00, 0xcb, 0xcc };
	uint64_t r[4];

	ok(arch_func_returns(fn, sizeof(fn), 0x1000, r, 4) == 2 && r[0] == 0x1000 && r[1] == 0x1006,
	   "func returns: ret and ret $8, not a tail call's jmp nor a far ret");
	is_int(arch_func_returns(fn, sizeof(fn), 0x1000, r, 1), -E2BIG, "func returns: too many: -E2BIG");
	is_int(arch_func_returns(fn, 3, 0x1000, r, 4), -EINVAL, "func returns: undecodable: -EINVAL");
}

/*
 * A probe on a ret through the jump path (arch_analyze_jump_to): the
 * straight code before it runs first, then the handler with the registers
 * of the ret, then the ret; on the site's stack and on the agent's.
 */
static void test_ret_jump(void)
{
	/* lea 0x3(%rdi),%rax; ret -- and a ret that only straight code of 4 bytes precedes */
	static const uint8_t fn[] = { 0x48, 0x8d, 0x47, 0x03, 0xc3 };
	static const uint8_t short_fn[] = { 0xc3, 0x48, 0xf7, 0xd8, 0xc3 }; /* ret; neg %rax; ret */
	uint8_t *code = insn_map_near((uint64_t)tramp_area, 4096);
	struct arch_jump aj;

	if (!ok(code != NULL, "ret jump: code near the trampoline"))
		return;
	memcpy(code, fn, sizeof(fn));
	ok(arch_ret_jump_start(fn, sizeof(fn), 0x1000, 0x1004) == 0x1000 &&
	   arch_ret_jump_start(short_fn, sizeof(short_fn), 0x1000, 0x1004) == 0,
	   "ret jump: starts at the straight code 5 bytes before the ret's end, not across a ret");
	is_int(arch_analyze_jump_to(&aj, short_fn, sizeof(short_fn), 0x1000, 0x1004), -ENOTSUP,
	       "ret jump: refused across a ret");
	for (int mode = 0; mode < 2; mode++) {
		long (*f)(long) = (long (*)(long))(void *)code;
		struct arch_own_stack os = {
			.tls_off = (int32_t)tls_off(&hit_stack_word),
		};
		int n, sig;
		long got = 0;

		stack_mode = mode;
		hit_stack_word = mode ? HIT_STACK_TOP : 0;
		memset(&jh, 0, sizeof(jh));
		if (arch_analyze_jump_to(&aj, code, sizeof(fn), (uint64_t)code, (uint64_t)code + 4)) {
			ok(0, "ret jump: analysed: %s", aj.reason);
			continue;
		}
		memset(tramp_area, 0xcc, ARCH_STACK_TRAMPOLINE_BYTES);
		n = mode ? arch_prepare_stack_trampoline(&aj, tramp_area, ARCH_STACK_TRAMPOLINE_BYTES,
							 (uint64_t)tramp_area, jump_handler, CTX, &os, NULL) :
			   arch_prepare_trampoline(&aj, tramp_area, ARCH_TRAMPOLINE_BYTES,
						   (uint64_t)tramp_area, jump_handler, CTX);
		if (!ok(n > 0 && aj.hit_before == 1 && aj.len == 5, "ret jump (%s): trampoline",
			mode ? "agent's stack" : "own stack"))
			continue;
		jump_arm(&aj, (uint64_t)tramp_area);
		sig = TRY(got = f(4));
		jump_disarm(&aj);
		ok(!sig && got == 7 && jh.hits == 1 && !jh.wrong_stack && !jh.misaligned &&
		   jh.first.ip == (uint64_t)code + 4 && jh.first.ax == 7 && jh.first.di == 4,
		   "ret jump (%s): f(4) = %ld, one hit at the ret, %%ax already 7 there",
		   mode ? "agent's stack" : "own stack", got);
		ok(arch_map_displaced_ip(&aj, (uint64_t)tramp_area, (uint64_t)code) == (uint64_t)tramp_area &&
		   arch_map_displaced_ip(&aj, (uint64_t)tramp_area, (uint64_t)code + 4) ==
			   (uint64_t)tramp_area + aj.copy_off[1] &&
		   aj.copy_off[1] > aj.copy_off[0] &&
		   arch_unmap_displaced_ip(&aj, (uint64_t)tramp_area,
					   (uint64_t)tramp_area + aj.copy_off[1]) == (uint64_t)code + 4,
		   "ret jump (%s): a thread at the ret goes to the hit, and back",
		   mode ? "agent's stack" : "own stack");
	}
	stack_mode = 0;
	hit_stack_word = 0;
	munmap(code, 4096);
}

static void test_bytes(void)
{
	uint8_t b[ARCH_JUMP_BYTES];

	ok(arch_jump_bytes(b, 0x400000, 0x401000) == 0 && !memcmp(b, "\xe9\xfb\x0f\x00\x00", 5),
	   "jump bytes: jmp rel32");
	ok(arch_jump_bytes(b, 0x400000, 0x400000 - 0x7ffffff0ULL) == 0,
	   "jump bytes: 2 GiB back reaches");
	is_int(arch_jump_bytes(b, 0x400000, 0x100400000ULL), -ERANGE, "jump bytes: 4 GiB away: -ERANGE");
}

static void test_refusals(void)
{
	static const struct {
		const char *what;
		const char *hex;
		size_t n;
		const char *reason;
	} t[] = {
		{ "call first", "\xe8\x00\x00\x00\x00\x90", 6, NULL },
		{ "call then more", "\x90\xe8\x00\x00\x00\x00", 6, NULL },
		{ "nop, call", "\x90\x90\xe8\x00\x00\x00\x00", 7, NULL },
		{ "ret, padding", "\xc3\xcc\xcc\xcc\xcc\xcc", 6,
		  "a jmp/ret too close to the site: what follows is not this code" },
		{ "call, then the jump", "\xff\xd0\x90\x90\x90\x90", 6,
		  "a call too close to the site: it would return into the jump" },
		{ "jmp back inside", "\x90\x90\x90\x75\xfd\x90", 6,
		  "a branch in the displaced range targets its inside" },
		{ "int3 inside", "\x90\x90\xcc\x90\x90\x90", 6, "int3: a breakpoint is already there" },
		{ "too short", "\x90\x90", 2, "truncated: the instruction runs past the readable bytes" },
	};

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct arch_jump aj;
		int r = arch_analyze_jump(&aj, (const uint8_t *)t[i].hex, t[i].n, 0x400000);

		if (t[i].reason)
			ok(r == -ENOTSUP && aj.reason && !strcmp(aj.reason, t[i].reason),
			   "jump refused: %s (%s)", t[i].what, aj.reason ? aj.reason : "accepted");
		else
			ok(r == 0, "jump allowed: %s (%d insns, %d bytes)", t[i].what, aj.n, aj.len);
	}

	/* a function whose loop jumps back into the displaced range */
	{
		static const uint8_t fn[] = {
			0x55,				/* 0: push %rbp */
			0x48, 0x89, 0xe5,		/* 1: mov %rsp,%rbp */
			0x48, 0xff, 0xcf,		/* 4: dec %rdi */
			0x75, 0xfb,			/* 7: jnz 4 */
			0x5d, 0xc3,			/* 9: pop %rbp; ret */
		};
		static const uint8_t sw[] = {
			0x90, 0x90, 0x90, 0x90, 0x90, 0x90,	/* 0 */
			0xff, 0xe0,				/* 6: jmp *%rax */
		};
		struct arch_jump aj;
		uint64_t where = 0;
		int r;

		arch_analyze_jump(&aj, fn, sizeof(fn), 0x400000);
		r = arch_check_jump_range(&aj, fn, sizeof(fn), 0x400000, 0, &where);
		ok(r == -ENOTSUP && where == 0x400007 &&
		   !strcmp(aj.reason, "a branch in the function targets the displaced range"),
		   "function check: the loop's jnz at +7 lands inside (%s)", aj.reason);
		arch_analyze_jump(&aj, fn + 4, sizeof(fn) - 4, 0x400004);
		ok(arch_check_jump_range(&aj, fn, sizeof(fn), 0x400000, 0, &where) == 0,
		   "function check: a jnz to the site itself is fine");
		arch_analyze_jump(&aj, fn + 1, sizeof(fn) - 1, 0x400001);
		aj.site = 0x400002;	/* pretend a probe at a non-boundary */
		r = arch_check_jump_range(&aj, fn, sizeof(fn), 0x400000, 0, &where);
		ok(r == -ENOTSUP && !strcmp(aj.reason, "the site is not an instruction boundary"),
		   "function check: a site inside an instruction is refused");
		arch_analyze_jump(&aj, fn + 4, sizeof(fn) - 4, 0x400004);
		r = arch_check_jump_range(&aj, fn, 8, 0x400000, 0, &where);
		ok(r == -ENOTSUP && !strcmp(aj.reason, "the displaced range runs past the end of the function"),
		   "function check: the range may not leave the function");

		arch_analyze_jump(&aj, sw, sizeof(sw), 0x500000);
		r = arch_check_jump_range(&aj, sw, sizeof(sw), 0x500000, 0, &where);
		ok(r == -ENOTSUP && where == 0x500006 &&
		   !strcmp(aj.reason, "an indirect jump in the function may target the displaced range"),
		   "function check: an indirect jmp refuses, by default");
		ok(arch_check_jump_range(&aj, sw, sizeof(sw), 0x500000, ARCH_CHECK_TRUST_INDIRECT,
					 &where) == 0,
		   "function check: ... unless trusted");
		ok(arch_check_jump_range(&aj, fn, sizeof(fn), 0x400000, 0, &where) == 0,
		   "function check: another range (a .cold part) that does not branch here is fine");
	}
}

/*
 * The agent for static Go programs: the same blocks and functions on the
 * agent's stack, then every site with the word 0: each hit skipped and
 * counted, the registers, flags and red zone untouched.
 */
static void test_skip(void)
{
	stack_skip = 1;
	stack_mode = 1;
	test_block(input.flags, "CF ZF DF OF, on the agent's stack, a static Go program's");
	test_block(0x202 | 0x4 | 0x10 | 0x80, "PF AF SF, on the agent's stack, a static Go program's");
	ok(skipped == 0, "a static Go program's trampoline: no hit skipped while the word is set (%lu)",
	   (unsigned long)skipped);

	stack_mode = 2; /* every site with the word 0: registers and flags survive a skip */
	test_block(input.flags, "CF ZF DF OF, skipped");
	stack_skip = 0;
	stack_mode = 0;
}

int main(void)
{
	insn_harness_init();
	tramp_area = insn_map_near((uint64_t)rb_block, 4096);
	if (!ok(tramp_area != NULL, "trampoline area near the code"))
		return done_testing();

	test_bytes();
	test_func_returns();
	test_ret_jump();
	test_refusals();
	test_block(input.flags, "CF ZF DF OF");
	test_block(0x202 | 0x4 | 0x10 | 0x80, "PF AF SF");
	stack_mode = 1;
	test_block(input.flags, "CF ZF DF OF, on the agent's stack");
	test_block(0x202 | 0x4 | 0x10 | 0x80, "PF AF SF, on the agent's stack");
	stack_mode = 2;
	test_block(input.flags, "CF ZF DF OF, no agent's stack");
	stack_mode = 0;

	for (unsigned i = 0; i < INSN_NFUNCS; i++)
		if (insn_func_runnable(&insn_funcs[i]))
			test_function(&insn_funcs[i]);
	stack_mode = 1;
	for (unsigned i = 0; i < INSN_NFUNCS; i++)
		if (insn_func_runnable(&insn_funcs[i]))
			test_function(&insn_funcs[i]);
	stack_mode = 0;
	test_skip();
	printf("# %ld jump sites, %ld of them hit, %ld refused the jump\n", cov.jump_sites,
	       cov.hit_sites, cov.refused);
	ok(cov.hit_sites > 100, "more than 100 distinct jump sites were hit (%ld)", cov.hit_sites);
	return done_testing();
}
