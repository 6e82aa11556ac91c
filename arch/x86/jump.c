// SPDX-License-Identifier: GPL-2.0-or-later
/* The jump path: a jmp rel32 at the site, a trampoline that calls the handler, the displaced copy. */
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
 * A fast path (counting, recording, return hijack: see arch.h) goes first,
 * at offset 0: it steps over the red zone too, does its work with a few
 * registers saved and jumps to copy_off[0] itself, or puts everything
 * back and goes on to the general path drawn above.
 */

#define REGS_SIZE	((int)sizeof(struct xol_regs))		/* 168 */
#define REDZONE		128
#define OFF(f)		((int)offsetof(struct xol_regs, f))

_Static_assert(sizeof(struct xol_regs) == 21 * 8, "trampoline pushes 21 words");

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

static void emit_disp32(struct emit *e, const char *op, size_t n, int32_t disp)
{
	emit_bytes(e, op, n);
	emit_u32(e, (uint32_t)disp);
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

static void patch_rel32(struct emit *e, size_t at, size_t target)
{
	uint32_t rel = (uint32_t)((int64_t)target - (int64_t)(at + 4));

	if (!e->err && at + 4 <= e->size)
		memcpy(e->buf + at, &rel, 4);
}

/*
 * The counting fast path (see struct arch_count_path).  Returns where the
 * rel32 of its final jmp to the displaced copy is, to patch later.  With
 * @own_off, it runs on the agent's stack, just switched to (the word at
 * %fs:own_off holds the site's %rsp): no red zone to step over, and the
 * site's %rsp back before the jmp; its general path follows it.
 */
static size_t emit_count_fast(struct emit *e, const struct arch_count_path *cp, int32_t own_off)
{
	size_t slow_jmp, count_jrcxz, slow_pos, to_copy;

	if (!own_off)
		emit_bytes(e, "\x48\x8d\x64\x24\x80", 5);	/* lea -0x80(%rsp),%rsp */
	emit_bytes(e, "\x50\x51", 2);			/* push %rax; push %rcx */
	emit_disp32(e, "\x64\x48\x8b\x0c\x25", 5, cp->tls_off); /* mov %fs:tls,%rcx */
	emit_bytes(e, "\xe3\x0b", 2);			/* jrcxz slow (11 bytes on) */
	emit_bytes(e, "\x48\x89\xc8", 3);		/* mov %rcx,%rax */
	emit_disp32(e, "\x8b\x88", 2, cp->busy_off);	/* mov busy(%rax),%ecx */
	count_jrcxz = e->pos;
	emit_bytes(e, "\xe3\x00", 2);			/* jrcxz count */
	slow_pos = e->pos;				/* slow: */
	emit_bytes(e, "\x59\x58", 2);			/* pop %rcx; pop %rax */
	if (!own_off)
		emit_bytes(e, "\x48\x8d\xa4\x24\x80\x00\x00\x00", 8); /* lea 0x80(%rsp),%rsp */
	emit_u8(e, 0xe9);				/* jmp general */
	slow_jmp = e->pos;
	emit_u32(e, 0);
	if (!e->err)
		e->buf[count_jrcxz + 1] = (uint8_t)(e->pos - (count_jrcxz + 2));
	emit_disp32(e, "\x48\x8b\x88", 3, cp->row_off);	/* count: mov row(%rax),%rcx */
	emit_u8(e, 0xe3);				/* jrcxz slow */
	emit_u8(e, (uint8_t)(slow_pos - (e->pos + 1)));
	for (unsigned i = 0; i < cp->n; i++) {
		emit_disp32(e, "\x48\x8b\x81", 3, cp->counter_off[i]); /* mov off(%rcx),%rax */
		emit_bytes(e, "\x48\x8d\x40\x01", 4);	/* lea 1(%rax),%rax */
		emit_disp32(e, "\x48\x89\x81", 3, cp->counter_off[i]); /* mov %rax,off(%rcx) */
	}
	emit_bytes(e, "\x59\x58", 2);			/* pop %rcx; pop %rax */
	if (own_off)					/* xchg %rsp,%fs:off */
		emit_disp32(e, "\x64\x48\x87\x24\x25", 5, own_off);
	else
		emit_bytes(e, "\x48\x8d\xa4\x24\x80\x00\x00\x00", 8); /* lea 0x80(%rsp),%rsp */
	emit_u8(e, 0xe9);				/* jmp copy */
	to_copy = e->pos;
	emit_u32(e, 0);
	patch_rel32(e, slow_jmp, e->pos);		/* general: */
	return to_copy;
}

/* Machine numbers of the general registers, by their place in struct xol_regs. */
static int regs_to_machine(int32_t off)
{
	static const int8_t num[] = { 15, 14, 13, 12, 5, 3, 11, 10, 9, 8, 0, 1, 2, 6, 7 };

	if (off < 0 || off % 8 || off / 8 >= (int32_t)sizeof(num))
		return -1;
	return num[off / 8];
}

/* op with a 64-bit ModRM register @reg and memory disp32(@base), base not rsp/r12. */
static void emit_rm(struct emit *e, uint8_t rex, uint8_t op, int reg, int base, int32_t disp)
{
	rex |= (uint8_t)((reg & 8 ? 4 : 0) | (base & 8 ? 1 : 0));
	if (rex)
		emit_u8(e, rex);
	emit_u8(e, op);
	emit_u8(e, (uint8_t)(0x80 | (reg & 7) << 3 | (base & 7)));
	emit_u32(e, (uint32_t)disp);
}

enum { RAX, RCX, RDX, RBX, RSP, RBP, RSI, RDI };
#define REXW 0x48

/* jcc rel32 to be patched: returns where its rel32 is. */
static size_t emit_jcc(struct emit *e, uint8_t cc)
{
	size_t at;

	emit_u8(e, 0x0f);
	emit_u8(e, cc);
	at = e->pos;
	emit_u32(e, 0);
	return at;
}

#define JZ  0x84
#define JNZ 0x85
#define JA  0x87

/*
 * The fast paths' way in: %rcx = the thread's state (%fs-relative), to
 * the slow way (three jcc rel32s appended to @to_slow) when there is none,
 * when it is busy or when the int at @flag_off is set; else busy = 1.
 */
static void emit_take_thread(struct emit *e, int32_t tls_off, int32_t busy_off, int32_t flag_off,
			     size_t *to_slow, size_t *ns)
{
	emit_disp32(e, "\x64\x48\x8b\x0c\x25", 5, tls_off); /* mov %fs:tls,%rcx */
	emit_bytes(e, "\x48\x85\xc9", 3);		/* test %rcx,%rcx */
	to_slow[(*ns)++] = emit_jcc(e, JZ);
	emit_rm(e, 0, 0x83, 7, RCX, busy_off);		/* cmpl $0,busy(%rcx) */
	emit_u8(e, 0);
	to_slow[(*ns)++] = emit_jcc(e, JNZ);
	emit_rm(e, 0, 0x83, 7, RCX, flag_off);		/* cmpl $0,flag(%rcx) */
	emit_u8(e, 0);
	to_slow[(*ns)++] = emit_jcc(e, JNZ);
	emit_rm(e, 0, 0xc7, 0, RCX, busy_off);		/* movl $1,busy(%rcx) */
	emit_u32(e, 1);
}


/* The flags, the registers a fast path saved (@pops: its pop instructions) and %rsp back. */
static void emit_fast_restore(struct emit *e, const char *pops, size_t npops)
{
	emit_bytes(e, "\x58\x04\x7f\x9e", 4);		/* pop %rax; add $0x7f,%al; sahf */
	emit_bytes(e, pops, npops);
	emit_bytes(e, "\x48\x8d\xa4\x24\x80\x00\x00\x00", 8); /* lea 0x80(%rsp),%rsp */
}

/*
 * The fast paths' ways out: done (busy = 0, restore, jmp to the displaced
 * copy), unbusy (busy = 0, then as slow) and slow (restore, then on into
 * the general path that follows).  Returns where the done jmp's rel32 is.
 */
static size_t emit_fast_exits(struct emit *e, int32_t busy_off, const char *pops, size_t npops,
			      const size_t *to_unbusy, size_t nu, const size_t *to_slow, size_t ns)
{
	size_t to_copy;

	emit_rm(e, 0, 0xc7, 0, RCX, busy_off);		/* movl $0,busy(%rcx) */
	emit_u32(e, 0);
	emit_fast_restore(e, pops, npops);
	emit_u8(e, 0xe9);				/* jmp copy */
	to_copy = e->pos;
	emit_u32(e, 0);
	for (size_t i = 0; i < nu; i++)			/* unbusy: */
		patch_rel32(e, to_unbusy[i], e->pos);
	emit_rm(e, 0, 0xc7, 0, RCX, busy_off);		/* movl $0,busy(%rcx) */
	emit_u32(e, 0);
	for (size_t i = 0; i < ns; i++)			/* slow: */
		patch_rel32(e, to_slow[i], e->pos);
	emit_fast_restore(e, pops, npops);
	return to_copy;
}

/*
 * The recording fast path (see struct arch_record_path).  Returns where
 * the rel32 of its final jmp to the displaced copy is, to patch later; its
 * slow way out falls through to the general path that follows it.
 *
 *	lea -128(%rsp),%rsp; push rax rcx rdx rsi rdi r8 r9 r10
 *	lahf; seto %al; push rax			the status flags
 *	rcx = %fs:self: 0, busy, comm changed	-> slow
 *	busy = 1; the event list, the row (rdi), the writer (rsi)   -> unbusy
 *	r9 = head + need: past the limit	-> unbusy
 *	r8 = head & mask: need runs past the end -> unbusy
 *	r8 = data + r8 (the record), r10 = ctl; the writer not exclusive -> unbusy
 *	hits += 1; rdtsc; header, payload, args at r8; commit r9
 *	busy = 0; flags, registers back; jmp copy
 * unbusy: busy = 0
 * slow:   flags, registers back; (the general path)
 *
 * Every field of the writer that an address comes from is loaded before
 * the check of its kind: a fork from a signal handler in between leaves
 * the child a wiped writer (kind 0, ring.h), which that check sends the
 * long way, and after it the child stores only through addresses taken
 * before, into the region it has replaced with anonymous memory, as the
 * handler's commit does.
 */
static size_t emit_record_fast(struct emit *e, const struct arch_record_path *rp)
{
	enum { R8 = 8, R9, R10 };
	/* where the saved registers are, from %rsp after the nine pushes */
	static const int8_t slot[16] = { [RAX] = 64, [RCX] = 56, [RDX] = 48, [RSI] = 40,
					 [RDI] = 32, [R8] = 24, [R9] = 16, [R10] = 8 };
	size_t to_slow[4], to_unbusy[8], ns = 0, nu = 0;

	emit_bytes(e, "\x48\x8d\x64\x24\x80", 5);	/* lea -0x80(%rsp),%rsp */
	emit_bytes(e, "\x50\x51\x52\x56\x57", 5);	/* push %rax %rcx %rdx %rsi %rdi */
	emit_bytes(e, "\x41\x50\x41\x51\x41\x52", 6);	/* push %r8 %r9 %r10 */
	emit_bytes(e, "\x9f\x0f\x90\xc0\x50", 5);	/* lahf; seto %al; push %rax */
	emit_take_thread(e, rp->tls_off, rp->busy_off, rp->dirty_off, to_slow, &ns);
	/* After busy, as the handler reads the lists (core/hit.c, busy_then_read). */
	emit_bytes(e, "\x48\xba", 2);			/* movabs $list_addr,%rdx */
	emit_u64(e, rp->list_addr);
	emit_bytes(e, "\x48\xb8", 2);			/* movabs $list,%rax */
	emit_u64(e, rp->list);
	emit_bytes(e, "\x48\x3b\x02", 3);		/* cmp (%rdx),%rax */
	to_unbusy[nu++] = emit_jcc(e, JNZ);
	emit_rm(e, REXW, 0x8b, RDI, RCX, rp->row_off);	/* mov row(%rcx),%rdi */
	emit_bytes(e, "\x48\x85\xff", 3);		/* test %rdi,%rdi */
	to_unbusy[nu++] = emit_jcc(e, JZ);
	emit_rm(e, REXW, 0x8b, RSI, RCX, rp->ring_off);	/* mov ring(%rcx),%rsi */
	emit_bytes(e, "\x48\x85\xf6", 3);		/* test %rsi,%rsi */
	to_unbusy[nu++] = emit_jcc(e, JZ);
	/* room: head + need <= limit, (head & mask) + need - 1 <= mask */
	emit_rm(e, REXW, 0x8b, R8, RSI, rp->w_head_off); /* mov head(%rsi),%r8 */
	emit_rm(e, REXW, 0x8d, R9, R8, (int32_t)rp->need); /* lea need(%r8),%r9 */
	emit_rm(e, REXW, 0x3b, R9, RSI, rp->w_limit_off); /* cmp limit(%rsi),%r9 */
	to_unbusy[nu++] = emit_jcc(e, JA);
	emit_rm(e, REXW, 0x23, R8, RSI, rp->w_mask_off); /* and mask(%rsi),%r8 */
	emit_rm(e, REXW, 0x8d, RAX, R8, (int32_t)rp->need - 1); /* lea need-1(%r8),%rax */
	emit_rm(e, REXW, 0x3b, RAX, RSI, rp->w_mask_off); /* cmp mask(%rsi),%rax */
	to_unbusy[nu++] = emit_jcc(e, JA);
	emit_rm(e, REXW, 0x03, R8, RSI, rp->w_data_off); /* add data(%rsi),%r8 */
	emit_rm(e, REXW, 0x8b, R10, RSI, rp->w_ctl_off); /* mov ctl(%rsi),%r10 */
	emit_rm(e, 0, 0x83, 7, RSI, rp->w_kind_off);	/* cmpl $exclusive,kind(%rsi) */
	emit_u8(e, (uint8_t)rp->kind_exclusive);
	to_unbusy[nu++] = emit_jcc(e, JNZ);
	/* the hit counts; the record */
	emit_rm(e, REXW, 0x83, 0, RDI, rp->hits_off);	/* addq $1,hits(%rdi) */
	emit_u8(e, 1);
	emit_bytes(e, "\x0f\x31", 2);			/* rdtsc */
	emit_bytes(e, "\x48\xc1\xe2\x20", 4);		/* shl $32,%rdx */
	emit_bytes(e, "\x48\x09\xc2", 3);		/* or %rax,%rdx */
	emit_bytes(e, "\x49\x89\x50\x08", 4);		/* mov %rdx,8(%r8): time */
	emit_bytes(e, "\x48\xb8", 2);			/* movabs $word,%rax */
	emit_u64(e, rp->word);
	emit_bytes(e, "\x49\x89\x00", 3);		/* mov %rax,(%r8): size type flags */
	emit_rm(e, REXW, 0x8b, RAX, RSI, rp->w_pidtid_off); /* mov pidtid(%rsi),%rax */
	emit_bytes(e, "\x49\x89\x40\x10", 4);		/* mov %rax,16(%r8): pid tid */
	emit_disp32(e, "\x64\x8b\x04\x25", 4, rp->cpu_tls_off); /* mov %fs:cpu,%eax */
	emit_bytes(e, "\x0f\xb7\xc0", 3);		/* movzwl %ax,%eax */
	emit_bytes(e, "\x49\x89\x40\x18", 4);		/* mov %rax,24(%r8): cpu 0 0 */
	emit_rm(e, 0, 0x8b, RAX, RCX, rp->tid_off);	/* mov tid(%rcx),%eax */
	emit_bytes(e, "\x48\xc1\xe0\x20", 4);		/* shl $32,%rax */
	emit_bytes(e, "\x48\x0d", 2);			/* or $common,%rax */
	emit_u32(e, rp->common);
	emit_bytes(e, "\x49\x89\x40\x20", 4);		/* mov %rax,32(%r8): common_* */
	emit_bytes(e, "\x48\xb8", 2);			/* movabs $ip,%rax */
	emit_u64(e, rp->ip);
	emit_bytes(e, "\x49\x89\x40\x28", 4);		/* mov %rax,40(%r8): __probe_ip */
	for (unsigned i = 0; i < rp->nargs; i++) {
		int r = regs_to_machine(rp->arg[i].reg);
		int32_t at = 32 + rp->arg[i].off;

		if (slot[r] > 0) {			/* a scratch: its saved value */
			emit_bytes(e, "\x48\x8b\x84\x24", 4); /* mov slot(%rsp),%rax */
			emit_u32(e, (uint32_t)slot[r]);
			r = RAX;
		}
		emit_rm(e, REXW, 0x89, r, R8, at);	/* mov %reg,at(%r8) */
	}
	/* commit, as ring_commit(): ctl->head (W1, a plain store is a release on x86) */
	emit_rm(e, REXW, 0x89, R9, R10, rp->ctl_head_off); /* mov %r9,head(%r10) */
	emit_rm(e, REXW, 0x89, R9, RSI, rp->w_head_off); /* mov %r9,head(%rsi) */
	emit_rm(e, REXW, 0x89, R9, RSI, rp->w_pend_off); /* mov %r9,pend(%rsi) */
	/* pop %r10 %r9 %r8 %rdi %rsi %rdx %rcx %rax */
	return emit_fast_exits(e, rp->busy_off, "\x41\x5a\x41\x59\x41\x58\x5f\x5e\x5a\x59\x58", 11,
			       to_unbusy, nu, to_slow, ns);
}

/*
 * The return-hijack fast path (see struct arch_hijack_path).  Returns
 * where the rel32 of its final jmp to the displaced copy is; its slow way
 * out falls through to the general path.
 *
 *	lea -128(%rsp),%rsp; push rax rcx rdx rsi; lahf; seto %al; push rax
 *	rcx = %fs:self: 0, busy, unhooked	-> slow
 *	busy = 1; depth >= max			-> unbusy
 *	rax = &shadow[depth]; rdx = the slot (the site's %rsp)
 *	depth and rax[-1].sp <= slot		-> unbusy (frames left: return_push drops them)
 *	rax[0] = { *slot, slot, site, ctx }; depth++; *slot = ret_tramp
 *	busy = 0; flags, registers back; jmp copy
 */
static size_t emit_hijack_fast(struct emit *e, const struct arch_hijack_path *hp)
{
	size_t to_slow[3], to_unbusy[2], to_push, ns = 0, nu = 0;

	emit_bytes(e, "\x48\x8d\x64\x24\x80", 5);	/* lea -0x80(%rsp),%rsp */
	emit_bytes(e, "\x50\x51\x52\x56", 4);		/* push %rax %rcx %rdx %rsi */
	emit_bytes(e, "\x9f\x0f\x90\xc0\x50", 5);	/* lahf; seto %al; push %rax */
	emit_take_thread(e, hp->tls_off, hp->busy_off, hp->unhooked_off, to_slow, &ns);
	emit_rm(e, 0, 0x8b, RAX, RCX, hp->depth_off);	/* mov depth(%rcx),%eax */
	emit_rm(e, 0, 0x3b, RAX, RCX, hp->max_off);	/* cmp max(%rcx),%eax */
	to_unbusy[nu++] = emit_jcc(e, 0x83);		/* jae unbusy */
	emit_bytes(e, "\x48\xc1\xe0\x05", 4);		/* shl $5,%rax */
	emit_rm(e, REXW, 0x03, RAX, RCX, hp->shadow_off); /* add shadow(%rcx),%rax */
	emit_bytes(e, "\x48\x8d\x94\x24\xa8\x00\x00\x00", 8); /* lea 0xa8(%rsp),%rdx: the slot */
	emit_rm(e, 0, 0x83, 7, RCX, hp->depth_off);	/* cmpl $0,depth(%rcx) */
	emit_u8(e, 0);
	emit_u8(e, 0x74);				/* je push */
	to_push = e->pos;
	emit_u8(e, 0);
	emit_bytes(e, "\x48\x39\x50\xe8", 4);		/* cmp %rdx,-24(%rax): top's sp - slot */
	to_unbusy[nu++] = emit_jcc(e, 0x86);		/* jbe unbusy */
	if (!e->err)
		e->buf[to_push] = (uint8_t)(e->pos - (to_push + 1));
	emit_bytes(e, "\x48\x8b\x32", 3);		/* push: mov (%rdx),%rsi */
	emit_bytes(e, "\x48\x89\x30", 3);		/* mov %rsi,(%rax): ret */
	emit_bytes(e, "\x48\x89\x50\x08", 4);		/* mov %rdx,8(%rax): sp */
	emit_bytes(e, "\x48\xbe", 2);			/* movabs $site,%rsi */
	emit_u64(e, hp->site);
	emit_bytes(e, "\x48\x89\x70\x10", 4);		/* mov %rsi,16(%rax): site */
	emit_rm(e, 0, 0x8b, RSI, RCX, hp->ctx_off);	/* mov ctx(%rcx),%esi */
	emit_bytes(e, "\x48\x89\x70\x18", 4);		/* mov %rsi,24(%rax): ctx, flags 0 */
	emit_rm(e, 0, 0x83, 0, RCX, hp->depth_off);	/* addl $1,depth(%rcx): after the frame */
	emit_u8(e, 1);
	emit_bytes(e, "\x48\xbe", 2);			/* movabs $ret_tramp,%rsi */
	emit_u64(e, hp->ret_tramp);
	emit_bytes(e, "\x48\x89\x32", 3);		/* mov %rsi,(%rdx): the slot hijacked */
	/* pop %rsi %rdx %rcx %rax */
	return emit_fast_exits(e, hp->busy_off, "\x5e\x5a\x59\x58", 4, to_unbusy, nu, to_slow, ns);
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
	if (rp && (cp || stack_tls_off || hb || rp->nargs > ARCH_RECORD_MAX_ARGS ||
		   rp->need < 48 || rp->need % 8 || rp->kind_exclusive > 127))
		return -EINVAL;
	if (hp && (cp || rp || stack_tls_off || hb))
		return -EINVAL;
	for (unsigned i = 0; rp && i < rp->nargs; i++)
		if (regs_to_machine(rp->arg[i].reg) < 0 || rp->arg[i].off < 16)
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
	if (rp)
		to_copy = emit_record_fast(&e, rp);
	if (hp)
		to_copy = emit_hijack_fast(&e, hp);
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
	if (cp || rp || hp)
		patch_rel32(&e, to_copy, cont);
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
				   const struct arch_hijack_path *hp)
{
	return prepare(aj, buf, size, tramp_addr, handler, probe_ctx, NULL, NULL, NULL, hp);
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
