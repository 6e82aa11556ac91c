// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * arch_emulate() against the CPU: every jcc condition under every flag
 * combination and every loop form compared with what the processor does;
 * call and push through the store callback (and its failure); the
 * signal-frame register mapping.
 */
#include <errno.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <ucontext.h>

#include "arch/x86/arch.h"
#include "tap.h"

#define AT 0x10000000ULL

static uint8_t *code;

static struct arch_insn insn(const uint8_t *b, size_t n, uint64_t at)
{
	struct arch_insn ai;

	if (arch_analyze(&ai, b, n, at))
		printf("# unexpected refusal: %s\n", ai.reason);
	return ai;
}

/* setcc on the real CPU: push %rdi; popfq; setcc %al; movzbl %al,%eax; ret */
static int cpu_cond(unsigned cc, uint64_t flags)
{
	uint8_t *p = code;
	int (*fn)(uint64_t) = (int (*)(uint64_t))(void *)code;

	*p++ = 0x57;
	*p++ = 0x9d;
	*p++ = 0x0f;
	*p++ = 0x90 + cc;
	*p++ = 0xc0;
	*p++ = 0x0f;
	*p++ = 0xb6;
	*p++ = 0xc0;
	*p++ = 0xc3;
	return fn(flags);
}

static void test_jcc(void)
{
	static const unsigned bits[] = { 1 << 0, 1 << 2, 1 << 6, 1 << 7, 1 << 11 };
	int bad_short = 0, bad_near = 0, n = 0;

	for (unsigned cc = 0; cc < 16; cc++) {
		uint8_t s[2] = { 0x70 + cc, 0x10 }, l[6] = { 0x0f, 0x80 + cc, 0x00, 0x01, 0x00, 0x00 };
		struct arch_insn js = insn(s, 2, AT), jl = insn(l, 6, AT);

		for (unsigned m = 0; m < 32; m++) {
			uint64_t fl = 0x202;	/* IF and the reserved bit */
			struct xol_regs r = { 0 };
			int want;

			for (int b = 0; b < 5; b++)
				if (m & (1u << b))
					fl |= bits[b];
			want = cpu_cond(cc, fl);
			r.flags = fl;
			r.ip = AT;
			if (arch_emulate(&js, &r, NULL) || r.ip != (want ? AT + 0x12 : AT + 2))
				bad_short++;
			r.ip = AT;
			if (arch_emulate(&jl, &r, NULL) || r.ip != (want ? AT + 0x106 : AT + 6))
				bad_near++;
			n++;
		}
	}
	is_int(bad_short, 0, "jcc rel8: all 16 conditions x 32 flag sets agree with setcc (%d)", n);
	is_int(bad_near, 0, "jcc rel32: all 16 conditions x 32 flag sets agree with setcc (%d)", n);
}

/*
 *	mov %rdi,%rcx; push %rsi; popfq; OP +4; xor %eax,%eax; jmp +5;
 *	mov $1,%eax; mov %rcx,(%rdx); ret
 */
static int cpu_loop(uint8_t op, uint64_t rcx, uint64_t flags, uint64_t *rcx_out)
{
	static const uint8_t tmpl[] = { 0x48, 0x89, 0xf9, 0x56, 0x9d, 0x00, 0x04, 0x31, 0xc0,
					0xeb, 0x05, 0xb8, 0x01, 0x00, 0x00, 0x00, 0x48, 0x89,
					0x0a, 0xc3 };
	int (*fn)(uint64_t, uint64_t, uint64_t *) = (int (*)(uint64_t, uint64_t, uint64_t *))(void *)code;

	memcpy(code, tmpl, sizeof(tmpl));
	code[5] = op;
	return fn(rcx, flags, rcx_out);
}

static void test_loop(void)
{
	static const uint8_t ops[] = { 0xe0, 0xe1, 0xe2, 0xe3 };
	static const uint64_t counts[] = { 0, 1, 2, 5, 0x100000000ULL };
	int bad = 0, n = 0;

	for (unsigned o = 0; o < 4; o++) {
		uint8_t b[2] = { ops[o], 0x20 };
		struct arch_insn ai = insn(b, 2, AT);

		for (unsigned c = 0; c < 5; c++)
			for (int zf = 0; zf < 2; zf++) {
				uint64_t fl = 0x202 | (zf ? 0x40 : 0), rcx_cpu;
				int taken = cpu_loop(ops[o], counts[c], fl, &rcx_cpu);
				struct xol_regs r = { .cx = counts[c], .flags = fl, .ip = AT };

				if (arch_emulate(&ai, &r, NULL) || r.cx != rcx_cpu ||
				    r.ip != (taken ? AT + 0x22 : AT + 2)) {
					bad++;
					printf("# op %02x rcx %#lx zf %d: cpu %d/%#lx emu ip +%#lx rcx %#lx\n",
					       ops[o], (unsigned long)counts[c], zf, taken,
					       (unsigned long)rcx_cpu, (unsigned long)(r.ip - AT),
					       (unsigned long)r.cx);
				}
				n++;
			}
	}
	is_int(bad, 0, "loop/loope/loopne/jrcxz agree with the CPU on ip and rcx (%d cases)", n);
}

static uint64_t stack[8];
static int store_calls;

static int store_ok(uint64_t addr, uint64_t val)
{
	store_calls++;
	*(uint64_t *)addr = val;
	return 0;
}

static int store_fault(uint64_t addr, uint64_t val)
{
	(void)addr;
	(void)val;
	store_calls++;
	return -EFAULT;
}

static void test_call_push(void)
{
	static const uint8_t call[] = { 0xe8, 0xfb, 0x0f, 0x00, 0x00 };	/* call +0xffb */
	struct arch_insn ai = insn(call, sizeof(call), AT);
	struct xol_regs r = { .sp = (uint64_t)&stack[4], .ip = AT }, before;
	int bad = 0;

	ok(arch_emulate(&ai, &r, store_ok) == 0 && r.ip == AT + 0x1000 &&
	   r.sp == (uint64_t)&stack[3] && stack[3] == AT + 5, "call rel32: pushes the next address, jumps");
	r.sp = (uint64_t)&stack[4];
	r.ip = AT;
	before = r;
	store_calls = 0;
	ok(arch_emulate(&ai, &r, store_fault) == -EFAULT && !memcmp(&r, &before, sizeof(r)) &&
	   store_calls == 1, "call rel32: a failed store is -EFAULT, registers untouched");
	ok(arch_emulate(&ai, &r, NULL) == -ENOSYS, "call rel32 without a store function: -ENOSYS");

	/* push %reg for all 16 registers, each word of the block holding its own value */
	for (unsigned reg = 0; reg < 16; reg++) {
		static const char *const names[16] = { "ax", "cx", "dx", "bx", "sp", "bp", "si", "di",
							"r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15" };
		int off = arch_reg_offset(names[reg], strlen(names[reg]));
		uint8_t b[2];
		size_t n = 0;

		if (reg >= 8)
			b[n++] = 0x41;
		b[n++] = 0x50 + (reg & 7);
		ai = insn(b, n, AT);
		for (unsigned w = 0; w < XOL_REGS_WORDS; w++)
			((uint64_t *)&r)[w] = 0x1000 + w;
		r.sp = (uint64_t)&stack[4];
		r.ip = AT;
		before = r;
		if (arch_emulate(&ai, &r, store_ok) || r.ip != AT + n || r.sp != before.sp - 8 ||
		    stack[3] != *(uint64_t *)((char *)&before + off))
			bad++;
	}
	is_int(bad, 0, "push %%reg: all 16 registers pushed from the right word of the block");
}

static void test_simple(void)
{
	static const struct {
		const char *what;
		uint8_t b[8];
		size_t n;
		int want;
		uint64_t ip;
	} t[] = {
		{ "nop",		{ 0x90 }, 1, 0, AT + 1 },
		{ "endbr64",		{ 0xf3, 0x0f, 0x1e, 0xfa }, 4, 0, AT + 4 },
		{ "nopl 0(%rax)",	{ 0x0f, 0x1f, 0x40, 0x00 }, 4, 0, AT + 4 },
		{ "jmp rel8",		{ 0xeb, 0xfe }, 2, 0, AT },
		{ "jmp rel32",		{ 0xe9, 0x00, 0x00, 0x00, 0x80 }, 5, 0, AT + 5 - 0x80000000ULL },
		{ "mov %rsp,%rbp",	{ 0x48, 0x89, 0xe5 }, 3, -ENOSYS, AT },
		{ "ret",		{ 0xc3 }, 1, -ENOSYS, AT },
		{ "mov rip-rel",	{ 0x48, 0x8b, 0x05, 0, 0, 0, 0 }, 7, -ENOSYS, AT },
		{ "call *%rax",		{ 0xff, 0xd0 }, 2, -ENOSYS, AT },
		{ "syscall",		{ 0x0f, 0x05 }, 2, -ENOSYS, AT },
		{ "jecxz",		{ 0x67, 0xe3, 0x00 }, 3, -ENOSYS, AT },
		{ "push $5",		{ 0x6a, 0x05 }, 2, -ENOSYS, AT },
	};

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct arch_insn ai = insn(t[i].b, t[i].n, AT);
		struct xol_regs r = { .ip = AT, .sp = (uint64_t)&stack[4] };
		int e = arch_emulate(&ai, &r, store_ok);

		ok(e == t[i].want && r.ip == t[i].ip && !!(ai.flags & ARCH_INSN_F_EMULATED) == !e,
		   "%s: %s", t[i].what, e ? "not emulated" : "emulated");
	}
}

static void test_ucontext(void)
{
	ucontext_t uc, uc2;
	struct xol_regs r;
	int bad = 0;

	memset(&uc, 0, sizeof(uc));
	for (int i = 0; i < NGREG; i++)
		uc.uc_mcontext.gregs[i] = 0x100 + i;
	uc.uc_mcontext.gregs[REG_CSGSFS] = 0x002b000000000033LL;
	uc.uc_flags = 0x2;	/* UC_SIGCONTEXT_SS */
	arch_regs_from_ucontext(&r, &uc);
#define CHECK(f, R) bad += r.f != (uint64_t)uc.uc_mcontext.gregs[R]
	CHECK(r15, REG_R15); CHECK(r14, REG_R14); CHECK(r13, REG_R13); CHECK(r12, REG_R12);
	CHECK(bp, REG_RBP);  CHECK(bx, REG_RBX);  CHECK(r11, REG_R11); CHECK(r10, REG_R10);
	CHECK(r9, REG_R9);   CHECK(r8, REG_R8);   CHECK(ax, REG_RAX);  CHECK(cx, REG_RCX);
	CHECK(dx, REG_RDX);  CHECK(si, REG_RSI);  CHECK(di, REG_RDI);  CHECK(ip, REG_RIP);
	CHECK(flags, REG_EFL); CHECK(sp, REG_RSP);
#undef CHECK
	ok(!bad && r.cs == 0x33 && r.ss == 0x2b && r.orig_ax == (uint64_t)-1,
	   "ucontext -> regs: every register where the kernel's pt_regs has it");
	ok(arch_trap_site(&r) == (uint64_t)uc.uc_mcontext.gregs[REG_RIP] - 1,
	   "the trap site is the byte before the reported ip");

	uc2 = uc;
	for (unsigned w = 0; w < XOL_REGS_WORDS; w++)
		((uint64_t *)&r)[w] += 0x1000;
	arch_regs_to_ucontext(&uc2, &r);
	bad = 0;
	for (int i = 0; i < NGREG; i++) {
		int changed = uc2.uc_mcontext.gregs[i] != uc.uc_mcontext.gregs[i];
		int should = i <= REG_EFL;	/* r8 ... rip, eflags; not segments, err, trapno */

		bad += changed != should;
	}
	ok(!bad, "regs -> ucontext: general registers, ip, sp and flags written, segments kept");
}

int main(void)
{
	code = mmap(NULL, 4096, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS,
		    -1, 0);
	if (code == MAP_FAILED)
		return 1;
	test_jcc();
	test_loop();
	test_call_push();
	test_simple();
	test_ucontext();
	return done_testing();
}
