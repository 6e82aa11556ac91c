// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Instruction analysis as a table: bytes -> class and flags, or the exact
 * reason for refusing; the disassembly text; a few slots byte for byte.
 */
#include <errno.h>
#include <stdlib.h>

#include "arch/x86/arch.h"
#include "tap.h"

#define AT 0x400000ULL	/* where the table's instructions pretend to live */

#define PLAIN	"plain"
#define NOP	"nop"
#define RIPREL	"riprel"
#define JMP	"jmp"
#define JCC	"jcc"
#define LOOP	"loop"
#define CALL	"call"
#define CALLIND	"call-ind"
#define SYSCALL	"syscall"
#define PUSH	"push"

#define F_RIP	ARCH_INSN_F_RIPREL
#define F_NF	ARCH_INSN_F_NO_FALLTHROUGH
#define F_CALL	ARCH_INSN_F_CALL
#define F_BLOCK	ARCH_INSN_F_MAY_BLOCK
#define F_EMU	ARCH_INSN_F_EMULATED
#define F_BR	ARCH_INSN_F_BRANCH

static const struct {
	const char *hex;
	const char *want;	/* a class name, or the refusal reason */
	unsigned flags;		/* accepted: the exact flags */
	long long target;	/* accepted with F_BR or F_RIP: target - AT */
} cases[] = {
#define REFUSE(hex, reason)		{ hex, reason, 0, 0 }
#define ACCEPT(hex, cls, flags, target)	{ hex, cls, flags, target }
	/* refused: raises a signal on purpose, or faults in user mode */
	REFUSE("cc", "int3: a breakpoint is already there"),
	REFUSE("cd 03", "int N: raises a signal by design"),
	REFUSE("cd 29", "int N: raises a signal by design"),
	REFUSE("f1", "int1: raises SIGTRAP by design"),
	REFUSE("0f 0b", "ud2: raises SIGILL by design"),
	REFUSE("0f b9 00", "ud1: raises SIGILL by design"),
	REFUSE("0f ff 00", "ud0: raises SIGILL by design"),
	REFUSE("f4", "hlt: privileged, faults in user mode"),
	REFUSE("fa", "cli: needs I/O privilege, faults in user mode"),
	REFUSE("fb", "sti: needs I/O privilege, faults in user mode"),
	REFUSE("ec", "in: port I/O, faults in user mode"),
	REFUSE("e6 80", "out: port I/O, faults in user mode"),
	REFUSE("6c", "insb: port I/O, faults in user mode"),
	REFUSE("6f", "outsd: port I/O, faults in user mode"),
	REFUSE("0f 01 c1", "vmcall: hypervisor call, SIGILL in user mode"),
	REFUSE("0f 01 d9", "vmmcall: hypervisor call, SIGILL in user mode"),
	REFUSE("0f 20 c0", "privileged instruction: faults in user mode"),	/* mov %cr0 */
	REFUSE("0f 30", "privileged instruction: faults in user mode"),	/* wrmsr */
	REFUSE("0f 01 f8", "privileged instruction: faults in user mode"),	/* swapgs */
	/* refused: does not return to the next instruction or changes mode */
	REFUSE("0f 34", "sysenter: the kernel returns to the vDSO, not to the next instruction"),
	REFUSE("0f 07", "sysret: privileged, faults in user mode"),
	REFUSE("48 cf", "iret: far return through an interrupt frame"),
	REFUSE("cb", "far call/jump/return: changes the code segment"),
	REFUSE("ff 1c 24", "far call/jump/return: changes the code segment"),
	REFUSE("ff 2c 24", "far call/jump/return: changes the code segment"),
	REFUSE("c7 f8 00 00 00 00", "xbegin: relative abort address of a transaction"),
	/* refused: cannot be relocated faithfully */
	REFUSE("66 eb 00", "relative branch with an operand-size prefix: Intel and AMD disagree on its target"),
	REFUSE("66 0f 84 00 00 00 00", "relative branch with an operand-size prefix: Intel and AMD disagree on its target"),
	REFUSE("67 8b 05 00 00 00 00", "eip-relative operand (address-size prefix)"),
	REFUSE("ff d4", "call *%rsp: its target is the stack pointer the call moves"),
	/* refused: not an instruction */
	REFUSE("06", "undecodable bytes"),
	REFUSE("0f 04", "undecodable bytes"),
	REFUSE("", "truncated: the instruction runs past the readable bytes"),
	REFUSE("48", "truncated: the instruction runs past the readable bytes"),
	REFUSE("e8 00 00", "truncated: the instruction runs past the readable bytes"),
	REFUSE("c4", "truncated: the instruction runs past the readable bytes"),

	/* nothing to do */
	ACCEPT("90", NOP, F_EMU, 0),
	ACCEPT("66 90", NOP, F_EMU, 0),
	ACCEPT("0f 1f 44 00 00", NOP, F_EMU, 0),
	ACCEPT("66 2e 0f 1f 84 00 00 00 00 00", NOP, F_EMU, 0),
	ACCEPT("f3 0f 1e fa", NOP, F_EMU, 0),		/* endbr64 */
	/* push %reg: emulated */
	ACCEPT("55", PUSH, F_EMU, 0),
	ACCEPT("54", PUSH, F_EMU, 0),
	ACCEPT("41 57", PUSH, F_EMU, 0),
	ACCEPT("66 55", PLAIN, 0, 0),			/* push %bp: 16-bit */
	ACCEPT("6a 05", PLAIN, 0, 0),
	ACCEPT("0f a0", PLAIN, 0, 0),			/* push %fs */
	/* relative branches */
	ACCEPT("eb fe", JMP, F_BR | F_NF | F_EMU, 0),
	ACCEPT("e9 00 01 00 00", JMP, F_BR | F_NF | F_EMU, 0x105),
	ACCEPT("f2 e9 00 00 00 00", JMP, F_BR | F_NF | F_EMU, 6),	/* bnd jmp */
	ACCEPT("74 10", JCC, F_BR | F_EMU, 0x12),
	ACCEPT("0f 8f 00 f0 ff ff", JCC, F_BR | F_EMU, 6 - 0x1000),
	ACCEPT("3e 75 02", JCC, F_BR | F_EMU, 5),		/* branch hint */
	ACCEPT("e2 fe", LOOP, F_BR | F_EMU, 0),
	ACCEPT("e1 00", LOOP, F_BR | F_EMU, 2),
	ACCEPT("e0 00", LOOP, F_BR | F_EMU, 2),
	ACCEPT("e3 7f", LOOP, F_BR | F_EMU, 0x81),
	ACCEPT("67 e3 00", LOOP, F_BR, 3),			/* jecxz: not emulated */
	ACCEPT("67 e2 00", LOOP, F_BR, 3),
	ACCEPT("e8 00 00 00 00", CALL, F_BR | F_CALL | F_EMU, 5),
	ACCEPT("f2 e8 fb ff ff ff", CALL, F_BR | F_CALL | F_EMU, 1),
	/* indirect calls: push the real return address, then jump */
	ACCEPT("ff d0", CALLIND, F_CALL, 0),
	ACCEPT("41 ff d3", CALLIND, F_CALL, 0),
	ACCEPT("ff 14 24", CALLIND, F_CALL, 0),
	ACCEPT("ff 54 24 08", CALLIND, F_CALL, 0),
	ACCEPT("3e ff 14 c5 00 00 00 00", CALLIND, F_CALL, 0),
	ACCEPT("ff 15 10 00 00 00", CALLIND, F_CALL | F_RIP, 0x16),
	/* indirect jumps and returns: run anywhere */
	ACCEPT("ff e0", PLAIN, F_NF, 0),
	ACCEPT("3e ff e0", PLAIN, F_NF, 0),			/* notrack jmp *%rax */
	ACCEPT("ff 24 c5 00 00 00 00", PLAIN, F_NF, 0),
	ACCEPT("ff 25 fa ff ff ff", RIPREL, F_NF | F_RIP, 0),	/* PLT/GOT tail call */
	ACCEPT("c3", PLAIN, F_NF, 0),
	ACCEPT("f2 c3", PLAIN, F_NF, 0),
	ACCEPT("c2 08 00", PLAIN, F_NF, 0),
	/* system calls */
	ACCEPT("0f 05", SYSCALL, F_BLOCK, 0),
	ACCEPT("cd 80", PLAIN, F_BLOCK, 0),
	/* rip-relative operands of every encoding */
	ACCEPT("48 8d 05 00 00 00 00", RIPREL, F_RIP, 7),		/* lea */
	ACCEPT("48 8b 05 f9 ff ff ff", RIPREL, F_RIP, 0),
	ACCEPT("83 3d 10 00 00 00 05", RIPREL, F_RIP, 0x17),	/* imm after the disp */
	ACCEPT("f0 48 0f b1 0d 00 00 00 00", RIPREL, F_RIP, 9),	/* lock cmpxchg */
	ACCEPT("ff 35 00 00 00 00", RIPREL, F_RIP, 6),		/* push mem */
	ACCEPT("8f 05 00 00 00 00", RIPREL, F_RIP, 6),		/* pop mem */
	ACCEPT("f2 0f 10 05 00 01 00 00", RIPREL, F_RIP, 0x108),	/* movsd */
	ACCEPT("c5 fe 6f 05 00 00 00 00", RIPREL, F_RIP, 8),	/* vmovdqu, VEX2 */
	ACCEPT("c4 62 79 00 0d 00 00 00 00", RIPREL, F_RIP, 9),	/* vpshufb, VEX3 */
	ACCEPT("62 e1 fe 48 6f 0d 00 00 00 00", RIPREL, F_RIP, 10), /* vmovdqu64 %zmm17, EVEX */
	ACCEPT("c4 e2 63 f6 0d 00 00 00 00", RIPREL, F_RIP, 9),	/* mulx: uses rdx, rbx, rcx */
	ACCEPT("64 48 8b 05 00 00 00 00", RIPREL, F_RIP, 8),	/* fs: + rip */
	ACCEPT("0f 18 0d 00 00 00 00", RIPREL, F_RIP, 7),		/* prefetcht0 */
	/* everything else runs as it is */
	ACCEPT("64 48 8b 04 25 28 00 00 00", PLAIN, 0, 0),		/* mov %fs:0x28,%rax */
	ACCEPT("f3 48 a5", PLAIN, 0, 0),			/* rep movsq */
	ACCEPT("0f a2", PLAIN, 0, 0),			/* cpuid */
	ACCEPT("0f 31", PLAIN, 0, 0),			/* rdtsc */
	ACCEPT("f3 90", PLAIN, 0, 0),			/* pause */
	ACCEPT("9c", PLAIN, 0, 0),
	ACCEPT("9d", PLAIN, 0, 0),
	ACCEPT("c9", PLAIN, 0, 0),			/* leave */
	ACCEPT("c8 20 00 00", PLAIN, 0, 0),			/* enter */
	ACCEPT("0f 01 d0", PLAIN, 0, 0),			/* xgetbv */
	ACCEPT("0f 01 d5", PLAIN, 0, 0),			/* xend */
	ACCEPT("0f ae f8", PLAIN, 0, 0),			/* sfence */
	ACCEPT("48 8b 44 24 08", PLAIN, 0, 0),
	ACCEPT("8e d8", PLAIN, 0, 0),			/* mov %eax,%ds */
};

static size_t unhex(const char *s, uint8_t *out)
{
	size_t n = 0;

	while (*s) {
		char *end;

		if (*s == ' ') {
			s++;
			continue;
		}
		out[n++] = (uint8_t)strtoul(s, &end, 16);
		s = end;
	}
	return n;
}

static void test_table(void)
{
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct arch_insn ai;
		uint8_t b[32];
		size_t n = unhex(cases[i].hex, b);
		int r = arch_analyze(&ai, b, n, AT);
		char text[96];

		arch_insn_text(&ai, text, sizeof(text));
		if (r) {
			is_str(ai.reason, cases[i].want, "%-28s (%s) refused", cases[i].hex, text);
			continue;
		}
		if (!ok(ai.reason == NULL && ai.len == n &&
			!strcmp(arch_insn_class_name(&ai), cases[i].want) && ai.flags == cases[i].flags &&
			(!(ai.flags & (F_BR | F_RIP)) || ai.target == AT + cases[i].target),
			"%-28s (%s) is %s", cases[i].hex, text, cases[i].want))
			printf("#   got: r=%d len=%u class=%s flags=%#x target=%+lld reason=%s\n", r, ai.len,
			       arch_insn_class_name(&ai), ai.flags, (long long)(ai.target - AT),
			       ai.reason ? ai.reason : "-");
	}
}

static void text_is(const char *hex, uint64_t at, const char *want)
{
	struct arch_insn ai;
	uint8_t b[32];
	size_t n = unhex(hex, b);
	char text[96];

	arch_analyze(&ai, b, n, at);
	is_str(arch_insn_text(&ai, text, sizeof(text)), want, "text of %s", hex);
}

static void test_text(void)
{
	text_is("55", AT, "push %rbp");
	text_is("e8 00 00 00 00", 0x1000, "call 0x1005");
	text_is("74 fe", 0x2000, "jz 0x2000");
	text_is("48 8b 05 10 00 00 00", 0x1000, "mov 0x10(%rip), %rax  # 0x1017");
	text_is("ff 25 fa 0f 00 00", 0x1000, "jmp 0xffa(%rip)  # 0x2000");
	text_is("cc", AT, "int3");
	text_is("06", AT, "(bad)");
}

/* Slots byte for byte where the layout is the contract; execution is in 21-. */
static void slot_is(const char *hex, uint64_t at, uint64_t slot, const char *want, const char *what)
{
	struct arch_insn ai;
	uint8_t b[32], w[ARCH_SLOT_BYTES], s[ARCH_SLOT_BYTES];
	size_t n = unhex(hex, b), wn = unhex(want, w);
	int r;

	arch_analyze(&ai, b, n, at);
	r = arch_prepare_slot(&ai, s, sizeof(s), slot, NULL);
	if (!ok(r == (int)wn && !memcmp(s, w, wn), "slot: %s", what)) {
		printf("#   got %d:", r);
		for (int i = 0; i < r; i++)
			printf(" %02x", s[i]);
		printf("\n");
	}
}

static void test_slots(void)
{
	struct arch_insn ai;
	uint8_t b[32], s[ARCH_SLOT_BYTES];
	const char *reason = NULL;
	size_t n;
	int r;

	/* the slot 0x1000 below the site: jump back is rel32 */
	slot_is("55", 0x402000, 0x401000, "55 e9 fb 0f 00 00", "push %rbp, jump back");
	slot_is("90", 0x402000, 0x401000, "e9 fc 0f 00 00", "nop: just the jump back");
	slot_is("48 8b 05 00 10 00 00", 0x402000, 0x401000, "48 8b 05 00 20 00 00 e9 fb 0f 00 00",
		"rip-relative: displacement moved by the distance");
	slot_is("c3", 0x402000, 0x401000, "c3", "ret: nothing after it");
	slot_is("74 10", 0x402000, 0x401000,
		"74 02 eb 05 e9 09 10 00 00 e9 f4 0f 00 00", "jcc: taken over a short jmp");
	slot_is("e8 00 00 00 00", 0x402000, 0x401000,
		"ff 35 05 00 00 00 e9 fa 0f 00 00 05 20 40 00 00 00 00 00",
		"call: push the original return address, jump");
	slot_is("0f 05", 0x402000, 0x401000, "0f 05 48 b9 02 20 40 00 00 00 00 00 e9 f1 0f 00 00",
		"syscall: rcx as if run in place");
	/* indirect calls: the same operand as a jump (Zydis re-encodes), +8 on the stack */
	slot_is("41 ff d3", 0x402000, 0x401000,
		"ff 35 03 00 00 00 41 ff e3 03 20 40 00 00 00 00 00", "call *%r11: jmp *%r11");
	slot_is("3e ff d0", 0x402000, 0x401000,
		"ff 35 03 00 00 00 3e ff e0 03 20 40 00 00 00 00 00", "notrack kept");
	slot_is("ff 14 24", 0x402000, 0x401000,
		"ff 35 04 00 00 00 ff 64 24 08 03 20 40 00 00 00 00 00", "call *(%rsp): jmp *8(%rsp)");
	slot_is("ff 54 24 7c", 0x402000, 0x401000,
		"ff 35 07 00 00 00 ff a4 24 84 00 00 00 04 20 40 00 00 00 00 00",
		"call *0x7c(%rsp): jmp *0x84(%rsp), now with a disp32");
	slot_is("ff 14 c4", 0x402000, 0x401000,
		"ff 35 04 00 00 00 ff 64 c4 08 03 20 40 00 00 00 00 00",
		"call *(%rsp,%rax,8): jmp *8(%rsp,%rax,8)");
	slot_is("64 ff 14 25 10 00 00 00", 0x402000, 0x401000,
		"ff 35 08 00 00 00 64 ff 24 25 10 00 00 00 08 20 40 00 00 00 00 00",
		"call *%fs:0x10: segment kept");
	slot_is("ff 15 00 10 00 00", 0x402000, 0x401000,
		"ff 35 06 00 00 00 ff 25 fa 1f 00 00 06 20 40 00 00 00 00 00",
		"call *disp(%rip): jmp *disp'(%rip)");
	/* 16 GiB away: absolute jumps */
	slot_is("55", 0x402000, 0x400401000ULL,
		"55 ff 25 00 00 00 00 01 20 40 00 00 00 00 00", "far slot: absolute jump back");
	slot_is("48 8b 05 00 10 00 00", 0x402000, 0x400401000ULL,
		"48 8d 64 24 80 56 48 be 07 20 40 00 00 00 00 00 48 8b 86 00 10 00 00 5e "
		"48 8d a4 24 80 00 00 00 ff 25 00 00 00 00 07 20 40 00 00 00 00 00",
		"far slot: rip-relative through %rsi, below the red zone");
	slot_is("ff 25 00 10 00 00", 0x402000, 0x400401000ULL,
		"50 48 b8 06 30 40 00 00 00 00 00 48 8b 00 48 87 04 24 c3",
		"far slot: jmp through the GOT entry's absolute address");

	n = unhex("48 89 25 00 10 00 00", b);	/* mov %rsp,disp(%rip) */
	arch_analyze(&ai, b, n, 0x402000);
	r = arch_prepare_slot(&ai, s, sizeof(s), 0x400401000ULL, &reason);
	is_int(r, -ENOTSUP, "far slot refused for mov %%rsp,disp(%%rip)");
	is_str(reason, "rip-relative operand out of reach of the slot, and the instruction uses the stack pointer",
	       "... with the reason");
	r = arch_prepare_slot(&ai, s, sizeof(s), 0x401000, NULL);
	ok(r > 0, "... while a near slot works");

	n = unhex("74 10", b);
	arch_analyze(&ai, b, n, 0x402000);
	is_int(arch_prepare_slot(&ai, s, 8, 0x401000, NULL), -ENOSPC, "too small a slot: -ENOSPC");
}

int main(void)
{
	test_table();
	test_text();
	test_slots();
	return done_testing();
}
