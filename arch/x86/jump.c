// SPDX-License-Identifier: GPL-2.0-or-later
/* The jump path: a jmp rel32 at the site, a trampoline that calls the handler, the copy. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/*
 * Trampoline layout (tramp + offset):
 *
 *   0        lea -128(%rsp),%rsp          step over the red zone
 *            push ss, sp, flags, cs, ip, orig_ax, di ... r15
 *                                         a struct xol_regs, pt_regs order;
 *                                         sp/ss/cs/ip filled in after
 *            cld                          the C handler expects DF = 0
 *            rdi = probe_ctx, rsi = regs, rbx = regs (callee-saved)
 *            and $-16,%rsp; call *handler
 *            rsp = rbx; flags by std/add/sahf (no popfq: see emit_restore_flags)
 *            pop r15 ... di; skip orig_ax/ip/cs/flags
 *            lea 144(%rsp),%rsp           back to the site's rsp
 *   copy_off[0]  relocated insn 0         <- arch_map_displaced_ip(site)
 *   copy_off[1]  relocated insn 1
 *   ...
 *   copy_off[n]  jmp site + len           (omitted after a jmp/ret/call)
 *
 * Everything before copy_off[0] only touches memory below the site's red
 * zone, so a thread may be sent to any copy_off[i] from site + orig_off[i]
 * and back, and one sitting at offset 0 can go back to the site.
 *
 * A fast path (counting, recording, return hijack: see arch.h; fast.c
 * emits them) goes first, at offset 0: it steps over the red zone too,
 * does its work with a few registers saved and jumps to copy_off[0]
 * itself, or puts everything back and goes on to the general path drawn
 * above.  A return hijack whose site's return fast path follows the
 * trampoline goes to copy_off[0] by way of its last 10 bytes instead:
 *
 *   size - 10    lea 8(%rsp),%rsp; call copy_off[0]
 *   size         the return fast path     <- the address that call pushes
 */

#define REGS_SIZE	((int)sizeof(struct xol_regs))		/* 168 */
#define REDZONE		128
#define OFF(f)		((int)offsetof(struct xol_regs, f))

_Static_assert(sizeof(struct xol_regs) == 21 * 8, "trampoline pushes 21 words");

/* lea 8(%rsp),%rsp; call rel32: a hijack's way to the copy, just before the return code */
#define CALL_IN_BYTES	10

static int refuse(struct arch_jump *aj, const char *reason)
{
	aj->reason = reason;
	return -ENOTSUP;
}

int arch_analyze_jump(struct arch_jump *aj, const uint8_t *code, size_t avail, uint64_t site)
{
	size_t off = 0;

	memset(aj, 0, sizeof(*aj));
	aj->site = site;
	while (off < ARCH_JUMP_BYTES) {
		struct arch_insn *ai = &aj->insn[aj->n];

		if (arch_analyze(ai, code + off, avail - off, site + off))
			return refuse(aj, ai->reason);
		/*
		 * The jump overwrites whatever follows the displaced range's
		 * instructions: a call would return there, and the bytes after
		 * a jmp or ret are reached from elsewhere.
		 */
		if (off + ai->len < ARCH_JUMP_BYTES) {
			if (ai->flags & ARCH_INSN_F_CALL)
				return refuse(aj, "a call too close to the site: it would return into the jump");
			if (ai->flags & ARCH_INSN_F_NO_FALLTHROUGH)
				return refuse(aj, "a jmp/ret too close to the site: what follows is not this code");
		}
		aj->orig_off[aj->n] = off;
		aj->flags |= ai->flags;
		off += ai->len;
		aj->n++;
	}
	aj->len = off;
	aj->orig_off[aj->n] = off;
	for (int i = 0; i < aj->n; i++) {
		const struct arch_insn *ai = &aj->insn[i];

		if ((ai->flags & ARCH_INSN_F_BRANCH) && ai->target > site && ai->target < site + off)
			return refuse(aj, "a branch in the displaced range targets its inside");
	}
	return 0;
}

int arch_analyze_jump_to(struct arch_jump *aj, const uint8_t *code, size_t avail, uint64_t site,
			 uint64_t last)
{
	size_t off = 0;

	memset(aj, 0, sizeof(*aj));
	aj->site = site;
	while (site + off < last) {
		struct arch_insn *ai = &aj->insn[aj->n];

		if (aj->n == ARCH_JUMP_MAX_INSNS - 1)
			return refuse(aj, "too many instructions before the ret");
		if (arch_analyze(ai, code + off, avail - off, site + off))
			return refuse(aj, ai->reason);
		if (ai->flags & (ARCH_INSN_F_CALL | ARCH_INSN_F_NO_FALLTHROUGH | ARCH_INSN_F_BRANCH))
			return refuse(aj, "a branch or call before the ret");
		aj->orig_off[aj->n++] = off;
		off += ai->len;
	}
	if (site + off != last || arch_analyze(&aj->insn[aj->n], code + off, avail - off, last))
		return refuse(aj, "the ret is not where the instructions before it end");
	if (!(aj->insn[aj->n].flags & ARCH_INSN_F_NO_FALLTHROUGH) ||
	    (aj->insn[aj->n].flags & ARCH_INSN_F_BRANCH))
		return refuse(aj, "no ret at the end");
	aj->orig_off[aj->n] = off;
	aj->flags |= aj->insn[aj->n].flags;
	off += aj->insn[aj->n].len;
	aj->n++;
	if (off < ARCH_JUMP_BYTES)
		return refuse(aj, "fewer than 5 bytes up to the end of the ret");
	for (int i = 0; i < aj->n; i++)
		aj->flags |= aj->insn[i].flags;
	aj->len = off;
	aj->orig_off[aj->n] = off;
	aj->hit_before = aj->n - 1;
	return 0;
}

uint64_t arch_ret_jump_start(const uint8_t *code, size_t len, uint64_t addr, uint64_t ret)
{
	uint64_t starts[ARCH_JUMP_MAX_INSNS] = { 0 };
	size_t off = 0;
	unsigned n = 0;

	while (off < len && addr + off < ret) {
		uint64_t target, lea;
		int ind, k = insn_scan(code + off, len - off, addr + off, &target, &lea, &ind);

		if (k < 0)
			return 0;
		starts[n++ % ARCH_JUMP_MAX_INSNS] = addr + off;
		off += (size_t)k;
	}
	if (addr + off != ret || off >= len)
		return 0;
	/* The latest start from which the instructions through the ret cover a jump. */
	uint8_t r = code[off];
	uint64_t end = ret + (r == 0xc2 ? 3 : 1);
	for (unsigned i = 1; i < ARCH_JUMP_MAX_INSNS && i <= n; i++) {
		uint64_t st = starts[(n - i) % ARCH_JUMP_MAX_INSNS];
		struct arch_insn ai;

		/* Only straight code: what ends a block before the ret ends the search. */
		if (arch_analyze(&ai, code + (st - addr), len - (st - addr), st) ||
		    (ai.flags & (ARCH_INSN_F_CALL | ARCH_INSN_F_NO_FALLTHROUGH | ARCH_INSN_F_BRANCH)))
			return 0;
		if (end - st >= ARCH_JUMP_BYTES)
			return st;
	}
	return 0;
}

/* The instruction boundaries and branch targets of a function, for the jump-table walk. */
struct scan {
	uint32_t *starts[ARCH_JUMP_FUNC_PIECES];	/* per piece: offsets of its instructions */
	size_t nstarts[ARCH_JUMP_FUNC_PIECES];
	uint64_t *targets;
	size_t ntargets, cap;
};

static int push_target(struct scan *sc, uint64_t t)
{
	if (sc->ntargets == sc->cap) {
		size_t cap = sc->cap ? 2 * sc->cap : 256;
		uint64_t *p = realloc(sc->targets, cap * sizeof(*p));
		if (!p)
			return -ENOMEM;
		sc->targets = p;
		sc->cap = cap;
	}
	sc->targets[sc->ntargets++] = t;
	return 0;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* A table's target, checked: stop the walk when it lands inside the displaced range. */
static int target_inside(void *ctx, uint64_t t)
{
	const struct arch_jump *aj = ctx;

	return t > aj->site && t < aj->site + aj->len;
}

/*
 * One piece: every relative branch and taken address against the
 * displaced range; instruction starts, branch targets and whether it holds
 * an indirect jmp into @sc.
 */
static int scan_piece(struct arch_jump *aj, const struct arch_code_range *r, struct scan *sc,
		      unsigned piece, int *indirect, uint64_t *where)
{
	uint64_t lo = aj->site, hi = aj->site + aj->len;
	int site_inside = lo >= r->addr && lo < r->addr + r->len, boundary = 0;
	size_t off = 0;

	if (site_inside && hi > r->addr + r->len) {
		*where = lo;
		return refuse(aj, "the displaced range runs past the end of the function");
	}
	sc->starts[piece] = malloc((r->len + 1) * sizeof(uint32_t));
	if (!sc->starts[piece])
		return -ENOMEM;
	while (off < r->len) {
		uint64_t pc = r->addr + off, target, lea;
		int ind, n = insn_scan(r->code + off, r->len - off, pc, &target, &lea, &ind);

		*where = pc;
		if (n < 0)
			return refuse(aj, "undecodable bytes in the function: cannot check its branches");
		sc->starts[piece][sc->nstarts[piece]++] = (uint32_t)off;
		if (pc == lo)
			boundary = 1;
		if (site_inside && pc > lo && pc < hi && !boundary)
			return refuse(aj, "the site is not an instruction boundary");
		if (target > lo && target < hi)
			return refuse(aj, "a branch in the function targets the displaced range");
		if (lea > lo && lea < hi)
			return refuse(aj, "the function takes the address of an instruction in the displaced range");
		if (target && push_target(sc, target))
			return -ENOMEM;
		*indirect |= ind;
		off += n;
	}
	if (site_inside && !boundary) {
		*where = lo;
		return refuse(aj, "the site is not an instruction boundary");
	}
	return 0;
}

static int check_func(struct arch_jump *aj, const struct arch_code_range *r, unsigned nr,
		      arch_read_fn read, void *read_ctx, unsigned flags, uint64_t *where)
{
	struct scan sc = { 0 };
	uint64_t dummy;
	int err = 0, indirect = 0;

	if (!where)
		where = &dummy;
	if (nr > ARCH_JUMP_FUNC_PIECES)
		return -EINVAL;
	for (unsigned i = 0; i < nr && !err; i++)
		err = scan_piece(aj, &r[i], &sc, i, &indirect, where);
	if (!err && indirect) {
		struct jtab_func f = { .r = r, .nr = nr, .read = read, .read_ctx = read_ctx };

		if (sc.ntargets)
			qsort(sc.targets, sc.ntargets, sizeof(*sc.targets), cmp_u64);
		f.targets = sc.targets;
		f.ntargets = sc.ntargets;
		for (unsigned i = 0; i < nr && !err; i++) {
			for (size_t k = 0; k < sc.nstarts[i] && !err; k++) {
				const uint8_t *p = r[i].code + sc.starts[i][k];
				uint64_t pc = r[i].addr + sc.starts[i][k], t, lea;
				struct jtab_info info;
				int ind;

				if (insn_scan(p, r[i].len - sc.starts[i][k], pc, &t, &lea, &ind) < 0 || !ind)
					continue;
				*where = pc;
				int res = jtab_targets(&f, sc.starts[i], k, r[i].addr, target_inside, aj,
						       &info);
				if (res == 1)
					err = refuse(aj, "a jump table in the function targets the displaced range");
				else if (res < 0 && !(flags & ARCH_CHECK_TRUST_INDIRECT))
					err = refuse(aj, "an indirect jump in the function may target the displaced range");
			}
		}
	}
	for (unsigned i = 0; i < nr; i++)
		free(sc.starts[i]);
	free(sc.targets);
	return err;
}

int arch_check_jump_func(struct arch_jump *aj, const struct arch_code_range *r, unsigned nr,
			 arch_read_fn read, void *read_ctx, uint64_t *where)
{
	return check_func(aj, r, nr, read, read_ctx, 0, where);
}

int arch_check_jump_range(struct arch_jump *aj, const uint8_t *code, size_t len,
			  uint64_t addr, unsigned int flags, uint64_t *where)
{
	struct arch_code_range r = { .code = code, .addr = addr, .len = len };

	return check_func(aj, &r, 1, NULL, NULL, flags, where);
}

int arch_decide_jump(struct arch_jump *aj, const uint8_t *code, size_t avail, uint64_t site,
		     const struct arch_code_range *r, unsigned nr, arch_read_fn read,
		     void *read_ctx, uint64_t *where)
{
	if (where)
		*where = site;
	if (arch_analyze_jump(aj, code, avail, site))
		return -ENOTSUP;
	return arch_check_jump_func(aj, r, nr, read, read_ctx, where);
}

/*
 * Save the registers as a struct xol_regs and call the handler.  On the
 * site's stack (@stack_tls_off 0): below its red zone, regs->sp computed.
 * On the agent's stack (the thread's %fs:stack_tls_off holds the site's
 * %rsp): that %rsp kept on top of it, the word 0 while the handler runs
 * (a hit nested in a signal handler stays on its own stack).
 */
static void emit_save(struct emit *e, uint64_t site, arch_handler_fn handler, void *ctx,
		      int32_t stack_tls_off)
{
	if (stack_tls_off) {
		emit_disp32(e, "\x64\xff\x34\x25", 4, stack_tls_off); /* push %fs:off */
		emit_disp32(e, "\x64\x48\xc7\x04\x25", 5, stack_tls_off); /* movq $0,%fs:off */
		emit_u32(e, 0);
	} else {
		emit_bytes(e, "\x48\x8d\x64\x24\x80", 5);	/* lea -0x80(%rsp),%rsp */
	}
	emit_bytes(e, "\x6a\x00", 2);			/* push $0          ss */
	emit_bytes(e, "\x6a\x00", 2);			/* push $0          sp */
	emit_u8(e, 0x9c);				/* pushfq           flags */
	emit_bytes(e, "\x6a\x00", 2);			/* push $0          cs */
	emit_bytes(e, "\x6a\x00", 2);			/* push $0          ip */
	emit_bytes(e, "\x6a\xff", 2);			/* push $-1         orig_ax */
	emit_bytes(e, "\x57\x56\x52\x51\x50", 5);	/* push %rdi %rsi %rdx %rcx %rax */
	emit_bytes(e, "\x41\x50\x41\x51\x41\x52\x41\x53", 8); /* push %r8 %r9 %r10 %r11 */
	emit_bytes(e, "\x53\x55", 2);			/* push %rbx %rbp */
	emit_bytes(e, "\x41\x54\x41\x55\x41\x56\x41\x57", 8); /* push %r12 %r13 %r14 %r15 */
	emit_u8(e, 0xfc);				/* cld */

	if (stack_tls_off) {
		emit_bytes(e, "\x48\x8b\x84\x24", 4);	/* mov REGS(%rsp),%rax */
		emit_u32(e, REGS_SIZE);
	} else {
		emit_bytes(e, "\x48\x8d\x84\x24", 4);	/* lea REDZONE+REGS(%rsp),%rax */
		emit_u32(e, REDZONE + REGS_SIZE);
	}
	emit_bytes(e, "\x48\x89\x84\x24", 4);		/* mov %rax,sp(%rsp) */
	emit_u32(e, OFF(sp));
	emit_bytes(e, "\x48\xc7\x84\x24", 4);		/* movq $USER_DS,ss(%rsp) */
	emit_u32(e, OFF(ss));
	emit_u32(e, 0x2b);
	emit_bytes(e, "\x48\xc7\x84\x24", 4);		/* movq $USER_CS,cs(%rsp) */
	emit_u32(e, OFF(cs));
	emit_u32(e, 0x33);
	emit_bytes(e, "\x48\xb8", 2);			/* movabs $site,%rax */
	emit_u64(e, site);
	emit_bytes(e, "\x48\x89\x84\x24", 4);		/* mov %rax,ip(%rsp) */
	emit_u32(e, OFF(ip));

	emit_bytes(e, "\x48\xbf", 2);			/* movabs $ctx,%rdi */
	emit_u64(e, (uint64_t)(uintptr_t)ctx);
	emit_bytes(e, "\x48\x89\xe6", 3);		/* mov %rsp,%rsi */
	emit_bytes(e, "\x48\x89\xe3", 3);		/* mov %rsp,%rbx */
	emit_bytes(e, "\x48\x83\xe4\xf0", 4);		/* and $-16,%rsp */
	emit_bytes(e, "\x48\xb8", 2);			/* movabs $handler,%rax */
	emit_u64(e, (uint64_t)(uintptr_t)handler);
	emit_bytes(e, "\xff\xd0", 2);			/* call *%rax */
}

/*
 * The flags without popfq, which is microcoded and costs more than the
 * rest of the restore: DF with std when it was set (the handler ran with
 * DF clear), OF by an add that overflows exactly when it was set, then
 * SF ZF AF PF CF with sahf.  Only these can differ: nothing in between
 * touches the system flags.  %rax and %rcx are scratch here; their saved
 * values are popped after.
 */
static void emit_restore_flags(struct emit *e)
{
	emit_bytes(e, "\x48\x8b\x8c\x24", 4);		/* mov flags(%rsp),%rcx */
	emit_u32(e, OFF(flags));
	emit_bytes(e, "\xf7\xc1\x00\x04\x00\x00", 6);	/* test $0x400,%ecx (DF) */
	emit_bytes(e, "\x74\x01", 2);			/* jz 1f */
	emit_u8(e, 0xfd);				/* std */
	emit_bytes(e, "\x89\xc8", 2);			/* 1: mov %ecx,%eax */
	emit_bytes(e, "\xc1\xe8\x0b", 3);		/* shr $11,%eax */
	emit_bytes(e, "\x24\x01", 2);			/* and $1,%al: OF */
	emit_bytes(e, "\x04\x7f", 2);			/* add $0x7f,%al: OF = al */
	emit_bytes(e, "\x88\xcc", 2);			/* mov %cl,%ah */
	emit_u8(e, 0x9e);				/* sahf: SF ZF AF PF CF */
}

/* Back to the site's %rsp: past the red zone, or from the agent's stack. */
static void emit_restore(struct emit *e, int32_t stack_tls_off)
{
	emit_bytes(e, "\x48\x89\xdc", 3);		/* mov %rbx,%rsp */
	emit_restore_flags(e);
	emit_bytes(e, "\x41\x5f\x41\x5e\x41\x5d\x41\x5c", 8); /* pop %r15 %r14 %r13 %r12 */
	emit_bytes(e, "\x5d\x5b", 2);			/* pop %rbp %rbx */
	emit_bytes(e, "\x41\x5b\x41\x5a\x41\x59\x41\x58", 8); /* pop %r11 %r10 %r9 %r8 */
	emit_bytes(e, "\x58\x59\x5a\x5e\x5f", 5);	/* pop %rax %rcx %rdx %rsi %rdi */
	emit_bytes(e, "\x48\x8d\x64\x24", 4);		/* lea 24(%rsp),%rsp: orig_ax ip cs */
	emit_u8(e, OFF(flags) - OFF(orig_ax));
	emit_bytes(e, "\x48\x8d\xa4\x24", 4);		/* lea flags,sp,ss + REDZONE(%rsp),%rsp */
	emit_u32(e, REGS_SIZE - OFF(flags) + (stack_tls_off ? 0 : REDZONE));
	if (stack_tls_off) {
		emit_disp32(e, "\x64\x8f\x04\x25", 4, stack_tls_off); /* pop %fs:off: the site's rsp */
		emit_disp32(e, "\x64\x48\x87\x24\x25", 5, stack_tls_off); /* xchg %rsp,%fs:off */
	}
}

/*
 * The switch to the agent's stack.  The thread's %fs:off holds the top of
 * its stack (0: none yet, or in use by the hit this one interrupted).  No
 * flag changes, and a hit in a signal handler that interrupts any of this
 * puts the word back as it found it before the interrupted one goes on.
 *
 *	xchg %rsp,%fs:off	rsp = top, %fs:off = the site's rsp
 *	xchg %rcx,%rsp		rcx = top (to test), rsp = the site's rcx
 *	jrcxz none
 *	jmp own
 * none:
 *	xchg %rcx,%rsp		rsp = 0, rcx back
 *	xchg %rsp,%fs:off	as on entry
 *	jmp general		the handler on the site's stack, as usual
 * own:
 *	xchg %rcx,%rsp		rsp = top, rcx back
 *	(the counting fast path, if any: when it counts, it ends with
 *	 xchg %rsp,%fs:off and jmp copy)
 *	push %fs:off		the site's rsp, on the agent's stack
 *	movq $0,%fs:off		in use
 *	save, call, restore
 *	pop %fs:off
 *	xchg %rsp,%fs:off	the site's rsp, and the top back in the word
 *	jmp copy
 * general:
 *
 * From the first exchange to the last of either path, %rsp holds no
 * stack of the site's: a signal arriving there needs its alternate stack,
 * which every thread of a Go program has (Go installs its handlers
 * SA_ONSTACK).  A hit in a handler of a signal that arrives in the five
 * instructions before "movq $0" finds the site's rsp in the word and runs
 * below it, as every hit does without the switch.  Returns where the
 * rel32s of "jmp general" and "jmp copy" are, to patch.
 */
static void emit_own_stack(struct emit *e, uint64_t site, arch_handler_fn handler, void *ctx,
			   const struct arch_own_stack *os, const struct arch_count_path *cp,
			   size_t *to_general, size_t *to_copy, size_t *count_to_copy,
			   size_t *skip_to_copy)
{
	int32_t off = os->tls_off, sc = os->scratch_off;
	size_t none_jmp;

	emit_disp32(e, "\x64\x48\x87\x24\x25", 5, off);	/* xchg %rsp,%fs:off */
	emit_bytes(e, "\x48\x87\xcc", 3);		/* xchg %rcx,%rsp */
	emit_bytes(e, "\xe3\x02", 2);			/* jrcxz none */
	emit_bytes(e, "\xeb\x11", 2);			/* jmp own (17 bytes on) */
	emit_bytes(e, "\x48\x87\xcc", 3);		/* none: xchg %rcx,%rsp */
	emit_disp32(e, "\x64\x48\x87\x24\x25", 5, off);	/* xchg %rsp,%fs:off */
	emit_u8(e, 0xe9);				/* jmp general (or skip) */
	none_jmp = e->pos;
	emit_u32(e, 0);
	emit_bytes(e, "\x48\x87\xcc", 3);		/* own: xchg %rcx,%rsp */
	if (cp)
		*count_to_copy = emit_count_fast(e, cp, off);
	emit_save(e, site, handler, ctx, off);
	emit_restore(e, off);
	emit_u8(e, 0xe9);				/* jmp copy */
	*to_copy = e->pos;
	emit_u32(e, 0);
	if (!os->skipped) {
		*to_general = none_jmp;
		return;
	}
	/*
	 * skip: no stack of the agent's (the word is 0): the hit is counted
	 * in *skipped, with %rax and %rcx kept in two more words of the
	 * thread's (nothing is written below the site's %rsp) and the flags
	 * in %ah and %al (OF) as emit_restore_flags() puts them back.
	 */
	patch_rel32(e, none_jmp, e->pos);
	emit_disp32(e, "\x64\x48\x89\x04\x25", 5, sc);	/* mov %rax,%fs:sc */
	emit_disp32(e, "\x64\x48\x89\x0c\x25", 5, sc + 8); /* mov %rcx,%fs:sc+8 */
	emit_u8(e, 0x9f);				/* lahf */
	emit_bytes(e, "\x0f\x90\xc0", 3);		/* seto %al */
	emit_bytes(e, "\x48\xb9", 2);			/* movabs $skipped,%rcx */
	emit_u64(e, (uint64_t)(uintptr_t)os->skipped);
	emit_bytes(e, "\xf0\x48\xff\x01", 4);	/* lock incq (%rcx) */
	emit_bytes(e, "\x04\x7f\x9e", 3);		/* add $0x7f,%al (OF); sahf */
	emit_disp32(e, "\x64\x48\x8b\x04\x25", 5, sc);	/* mov %fs:sc,%rax */
	emit_disp32(e, "\x64\x48\x8b\x0c\x25", 5, sc + 8); /* mov %fs:sc+8,%rcx */
	emit_u8(e, 0xe9);				/* jmp copy */
	*skip_to_copy = e->pos;
	emit_u32(e, 0);
}

static int prepare(struct arch_jump *aj, uint8_t *buf, size_t size, uint64_t tramp_addr,
		   arch_handler_fn handler, void *probe_ctx, const struct arch_count_path *cp,
		   const struct arch_own_stack *os, const struct arch_record_path *rp,
		   const struct arch_hijack_path *hp)
{
	struct emit e = { .buf = buf, .size = size, .addr = tramp_addr };
	int32_t stack_tls_off = os ? os->tls_off : 0;
	size_t to_copy = 0, own_to_copy = 0, own_to_general = 0, skip_to_copy = 0, cont;
	int hb = aj->hit_before;
	uint64_t ip = aj->site + aj->orig_off[hb];

	if (!aj->n || hb >= aj->n)
		return -EINVAL;
	if (cp && (cp->n == 0 || cp->n > ARCH_COUNT_MAX || hb))
		return -EINVAL;
	if (rp && (cp || stack_tls_off || hb || rp->need < 48 || !record_args_ok(rp, 16)))
		return -EINVAL;
	if (hp && (cp || stack_tls_off || hb || (rp && (rp->nstrings || rp->nmems))))
		return -EINVAL;
	/* The displaced instructions before the hit, then the hit, then the rest. */
	for (int i = 0; i < hb; i++) {
		aj->copy_off[i] = e.pos;
		relocate_one(&aj->insn[i], &e, 0);
	}
	if (hb)
		aj->copy_off[hb] = e.pos; /* a thread sent to insn hb runs the hit first */
	if (cp && !stack_tls_off)
		to_copy = emit_count_fast(&e, cp, 0);
	bool call_in = hp && hp->ret_tramp == tramp_addr + size;
	if (hp)
		to_copy = emit_hijack_fast(&e, hp, rp, call_in);
	else if (rp)
		to_copy = emit_record_fast(&e, rp);
	if (stack_tls_off) {
		emit_own_stack(&e, ip, handler, probe_ctx, os, cp, &own_to_general,
			       &own_to_copy, &to_copy, &skip_to_copy);
		if (own_to_general)
			patch_rel32(&e, own_to_general, e.pos);
	}
	emit_save(&e, ip, handler, probe_ctx, 0);
	emit_restore(&e, 0);
	cont = e.pos;
	for (int i = hb; i < aj->n; i++) {
		if (i > hb || !hb)
			aj->copy_off[i] = e.pos;
		relocate_one(&aj->insn[i], &e, 0);
	}
	aj->copy_off[aj->n] = e.pos;
	if (!(aj->insn[aj->n - 1].flags & (ARCH_INSN_F_NO_FALLTHROUGH | ARCH_INSN_F_CALL)))
		emit_jmp(&e, aj->site + aj->len);
	if (call_in && !e.err) {
		/* in by a call whose return address is the return fast path (arch.h) */
		if (e.pos + CALL_IN_BYTES > size)
			return -ENOSPC;
		memset(buf + e.pos, ARCH_BREAKPOINT_INSN, size - CALL_IN_BYTES - e.pos);
		e.pos = size - CALL_IN_BYTES;
		patch_rel32(&e, to_copy, e.pos);
		emit_bytes(&e, "\x48\x8d\x64\x24\x08", 5); /* lea 8(%rsp),%rsp: the slot off */
		emit_u8(&e, 0xe8);			/* call copy: the slot back on */
		emit_u32(&e, (uint32_t)(cont - (e.pos + 4)));
	} else if (cp || rp || hp) {
		patch_rel32(&e, to_copy, cont);
	}
	if (stack_tls_off)
		patch_rel32(&e, own_to_copy, cont);
	if (skip_to_copy)
		patch_rel32(&e, skip_to_copy, cont);
	if (e.err) {
		aj->reason = e.reason;
		return e.err;
	}
	aj->size = e.pos;
	return (int)e.pos;
}

int arch_prepare_trampoline(struct arch_jump *aj, uint8_t *buf, size_t size,
			    uint64_t tramp_addr, arch_handler_fn handler, void *probe_ctx)
{
	return prepare(aj, buf, size, tramp_addr, handler, probe_ctx, NULL, NULL, NULL, NULL);
}

int arch_prepare_stack_trampoline(struct arch_jump *aj, uint8_t *buf, size_t size,
				  uint64_t tramp_addr, arch_handler_fn handler, void *probe_ctx,
				  const struct arch_own_stack *os, const struct arch_count_path *cp)
{
	if (!os->tls_off || (os->skipped && (cp || !os->scratch_off)))
		return -EINVAL;
	return prepare(aj, buf, size, tramp_addr, handler, probe_ctx, cp, os, NULL, NULL);
}

int arch_prepare_count_trampoline(struct arch_jump *aj, uint8_t *buf, size_t size,
				  uint64_t tramp_addr, arch_handler_fn handler, void *probe_ctx,
				  const struct arch_count_path *cp)
{
	return prepare(aj, buf, size, tramp_addr, handler, probe_ctx, cp, NULL, NULL, NULL);
}

int arch_prepare_record_trampoline(struct arch_jump *aj, uint8_t *buf, size_t size,
				   uint64_t tramp_addr, arch_handler_fn handler, void *probe_ctx,
				   const struct arch_record_path *rp)
{
	return prepare(aj, buf, size, tramp_addr, handler, probe_ctx, NULL, NULL, rp, NULL);
}

int arch_prepare_hijack_trampoline(struct arch_jump *aj, uint8_t *buf, size_t size,
				   uint64_t tramp_addr, arch_handler_fn handler, void *probe_ctx,
				   const struct arch_hijack_path *hp, const struct arch_record_path *rp)
{
	return prepare(aj, buf, size, tramp_addr, handler, probe_ctx, NULL, NULL, rp, hp);
}

int arch_jump_bytes(uint8_t out[ARCH_JUMP_BYTES], uint64_t site, uint64_t tramp_addr)
{
	uint32_t rel = (uint32_t)(tramp_addr - (site + 5));

	if (!rel32_reaches(site + 5, tramp_addr))
		return -ERANGE;
	out[0] = 0xe9;
	memcpy(out + 1, &rel, 4);
	return 0;
}

uint64_t arch_map_displaced_ip(const struct arch_jump *aj, uint64_t tramp_addr, uint64_t ip)
{
	for (int i = 0; i < aj->n; i++)
		if (ip == aj->site + aj->orig_off[i])
			return tramp_addr + aj->copy_off[i];
	return 0;
}

uint64_t arch_unmap_displaced_ip(const struct arch_jump *aj, uint64_t tramp_addr, uint64_t ip)
{
	if (ip == tramp_addr)
		return aj->site;
	/* The last match wins: a nop copies to nothing, so it shares its offset. */
	for (int i = aj->n; i >= 0; i--)
		if (ip == tramp_addr + aj->copy_off[i])
			return aj->site + aj->orig_off[i];
	return 0;
}
