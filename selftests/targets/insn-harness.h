/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Test harness for the arch layer: run real code with an int3 or a jump at
 * one instruction, the way the agent does it, and survive it going wrong.
 *
 *   insn_sym()          a function's address and size from our own symtab
 *   insn_map_near/far() executable memory within / beyond ±2 GiB of the code
 *   insn_text_writable() let the test patch its own .text
 *   trap_arm/disarm()   int3 at a site; the SIGTRAP handler runs `trap_handler`
 *                       (if set) then emulates or sends the thread to the slot,
 *                       or maps an interior ip through a struct arch_jump
 *   TRY(...)            run a call, turning SIGSEGV/SIGILL/SIGBUS/SIGTRAP
 *                       surprises and 10 s hangs (SIGALRM) into a failure
 *                       instead of a dead test
 */
#ifndef XOL_SELFTESTS_INSN_HARNESS_H
#define XOL_SELFTESTS_INSN_HARNESS_H

#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <ucontext.h>
#include <unistd.h>

#include "arch/x86/arch.h"

/* ---- symbols --------------------------------------------------------------- */

/* Size of the function at @addr named @name in /proc/self/exe, or 0. */
static __attribute__((unused)) size_t insn_sym_size(const char *name)
{
	static Elf *elf;
	static int fd = -1;
	Elf_Scn *scn = NULL;
	GElf_Shdr sh;

	if (!elf) {
		elf_version(EV_CURRENT);
		fd = open("/proc/self/exe", O_RDONLY);
		elf = elf_begin(fd, ELF_C_READ, NULL);
		if (!elf)
			return 0;
	}
	while ((scn = elf_nextscn(elf, scn))) {
		Elf_Data *d;

		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_SYMTAB)
			continue;
		d = elf_getdata(scn, NULL);
		for (size_t i = 0; d && i < sh.sh_size / sh.sh_entsize; i++) {
			GElf_Sym sym;
			const char *n;

			if (!gelf_getsym(d, (int)i, &sym))
				continue;
			n = elf_strptr(elf, sh.sh_link, sym.st_name);
			if (n && !strcmp(n, name) && GELF_ST_TYPE(sym.st_info) == STT_FUNC)
				return sym.st_size;
		}
	}
	return 0;
}

/* ---- memory ------------------------------------------------------------------ */

static __attribute__((unused)) int64_t insn_dist(uint64_t a, uint64_t b)
{
	return a > b ? (int64_t)(a - b) : (int64_t)(b - a);
}

static __attribute__((unused)) uint8_t *insn_map_at(uint64_t hint, size_t len)
{
	void *p = mmap((void *)hint, len, PROT_READ | PROT_WRITE | PROT_EXEC,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

/* RWX memory within 1 GiB of @near (so within ±2 GiB of all the test's code and data). */
static __attribute__((unused)) uint8_t *insn_map_near(uint64_t near, size_t len)
{
	for (uint64_t step = 64 << 20; step < (1ULL << 30); step += 64 << 20) {
		uint8_t *p = insn_map_at((near - step) & ~0xfffULL, len);

		if (!p)
			p = insn_map_at((near + step) & ~0xfffULL, len);
		if (p)
			return p;
	}
	return NULL;
}

/* RWX memory at least 8 GiB from @far (out of rel32 reach of everything in the binary). */
static __attribute__((unused)) uint8_t *insn_map_far(uint64_t far, size_t len)
{
	for (uint64_t d = 8ULL << 30; d < (64ULL << 30); d += 4ULL << 30) {
		uint8_t *p = NULL;

		if (far > d + (1ULL << 32))
			p = insn_map_at((far - d) & ~0xfffULL, len);
		if (!p && far + d < 0x7f0000000000ULL)
			p = insn_map_at((far + d) & ~0xfffULL, len);
		if (p && insn_dist((uint64_t)p, far) > (4LL << 30))
			return p;
	}
	return NULL;
}

static __attribute__((unused)) int insn_text_writable(const void *addr, size_t len)
{
	uintptr_t lo = (uintptr_t)addr & ~0xfffUL;
	uintptr_t hi = ((uintptr_t)addr + len + 0xfff) & ~0xfffUL;

	return mprotect((void *)lo, hi - lo, PROT_READ | PROT_WRITE | PROT_EXEC);
}

/* ---- the trap -------------------------------------------------------------- */

enum trap_mode { TRAP_EMULATE, TRAP_SLOT };

static struct {
	uint64_t site;
	const struct arch_insn *ai;
	uint64_t slot;
	enum trap_mode mode;
	/* jump path: an int3 anywhere in [jump->site, +len) maps into the trampoline */
	const struct arch_jump *jump;
	uint64_t tramp;
	uint8_t saved;
	long hits, emulated, stray;
} trap;

static void (*trap_handler)(struct xol_regs *regs);	/* the "probe", if any */

static sigjmp_buf try_env;
static volatile int try_active;
static volatile int try_sig;
static volatile uint64_t try_ip;

static __attribute__((unused)) int plain_store8(uint64_t addr, uint64_t val)
{
	*(uint64_t *)addr = val;
	return 0;
}

static __attribute__((unused)) void on_trap(int sig, siginfo_t *si, void *ucv)
{
	struct xol_regs regs;
	uint64_t site;

	(void)sig;
	(void)si;
	arch_regs_from_ucontext(&regs, ucv);
	site = arch_trap_site(&regs);
	if (trap.jump && site >= trap.jump->site && site < trap.jump->site + trap.jump->len) {
		uint64_t ip = arch_map_displaced_ip(trap.jump, trap.tramp, site);

		if (!ip)
			goto stray;
		if (site == trap.jump->site) {
			trap.hits++;
			arch_regs_set_ip(&regs, site);
			if (trap_handler)
				trap_handler(&regs);
		}
		arch_regs_set_ip(&regs, ip);
		arch_regs_to_ucontext(ucv, &regs);
		return;
	}
	if (site != trap.site || !trap.ai)
		goto stray;
	trap.hits++;
	arch_regs_set_ip(&regs, site);
	if (trap_handler)
		trap_handler(&regs);
	if (trap.mode == TRAP_EMULATE && arch_emulate(trap.ai, &regs, plain_store8) == 0)
		trap.emulated++;
	else
		arch_regs_set_ip(&regs, trap.slot);
	arch_regs_to_ucontext(ucv, &regs);
	return;
stray:
	trap.stray++;
	if (try_active) {
		try_sig = SIGTRAP;
		try_ip = regs.ip;
		siglongjmp(try_env, 1);
	}
	abort();
}

static __attribute__((unused)) void on_crash(int sig, siginfo_t *si, void *ucv)
{
	(void)si;
	if (!try_active) {
		signal(sig, SIG_DFL);
		return;
	}
	try_sig = sig;
	try_ip = ((ucontext_t *)ucv)->uc_mcontext.gregs[REG_RIP];
	siglongjmp(try_env, 1);
}

static __attribute__((unused)) void insn_harness_init(void)
{
	struct sigaction sa = { .sa_flags = SA_SIGINFO | SA_NODEFER };
	static char altstack[65536];
	stack_t ss = { .ss_sp = altstack, .ss_size = sizeof(altstack) };

	sigaltstack(&ss, NULL);
	sa.sa_sigaction = on_trap;
	sigaction(SIGTRAP, &sa, NULL);
	sa.sa_sigaction = on_crash;
	sa.sa_flags |= SA_ONSTACK;
	sigaction(SIGSEGV, &sa, NULL);
	sigaction(SIGILL, &sa, NULL);
	sigaction(SIGBUS, &sa, NULL);
	sigaction(SIGALRM, &sa, NULL);	/* a relocation gone wrong may loop */
}

static __attribute__((unused)) void trap_arm(const struct arch_insn *ai, uint64_t slot, enum trap_mode mode)
{
	trap.site = ai->addr;
	trap.ai = ai;
	trap.slot = slot;
	trap.mode = mode;
	trap.hits = trap.emulated = trap.stray = 0;
	trap.saved = *(volatile uint8_t *)ai->addr;
	*(volatile uint8_t *)ai->addr = ARCH_BREAKPOINT_INSN;
}

static __attribute__((unused)) void trap_disarm(void)
{
	*(volatile uint8_t *)trap.site = trap.saved;
	trap.ai = NULL;
	trap.site = 0;
}

/*
 * TRY(expr): evaluate expr; 0 if it completed, else the signal that
 * interrupted it (try_ip tells where).
 */
#define TRY(expr)                                                               \
	({                                                                      \
		volatile int r_ = 0;                                            \
		try_sig = 0;                                                    \
		if (sigsetjmp(try_env, 1) == 0) {                               \
			try_active = 1;                                         \
			alarm(10);                                              \
			expr;                                                   \
			alarm(0);                                               \
			try_active = 0;                                         \
		} else {                                                        \
			alarm(0);                                               \
			try_active = 0;                                         \
			r_ = try_sig;                                           \
		}                                                               \
		r_;                                                             \
	})

/* ---- a register-exact run of a piece of code --------------------------- */

/* Every general register but rsp, and the flags: in before, out after. */
struct blk_state {
	uint64_t ax, bx, cx, dx, si, di, bp, r8, r9, r10, r11, r12, r13, r14, r15, flags;
};

/*
 * xol_run_block(st, entry): load every register and the flags from *st,
 * call entry, store every register and the flags back into *st.
 *
 * rb_block mixes registers and flags, keeps values in its red zone across
 * instructions (-8, -16 and -128(%rsp)), reads memory rip-relatively, takes
 * a forward jcc and calls a helper: whatever runs at one of its
 * instructions must leave all of it exactly as it was.
 */
void xol_run_block(struct blk_state *st, const void *entry);
void rb_block(void);
extern const char rb_block_end[];
extern long g_rb;

__asm__(
	"	.text\n"
	"	.globl xol_run_block\n"
	"	.type xol_run_block,@function\n"
	"xol_run_block:\n"
	"	push %rbp\n	push %rbx\n	push %r12\n	push %r13\n	push %r14\n	push %r15\n"
	"	push %rdi\n"
	"	push %rsi\n"
	/* the block's red zone: the same bytes for a run that enters mid-way */
	"	lea -144(%rsp),%rax\n"
	"	mov $18,%ecx\n"
	"1:	movq $0x3c3c3c3c,(%rax)\n"
	"	add $8,%rax\n"
	"	loop 1b\n"
	"	mov 0(%rdi),%rax\n	mov 8(%rdi),%rbx\n	mov 16(%rdi),%rcx\n	mov 24(%rdi),%rdx\n"
	"	mov 32(%rdi),%rsi\n	mov 48(%rdi),%rbp\n	mov 56(%rdi),%r8\n	mov 64(%rdi),%r9\n"
	"	mov 72(%rdi),%r10\n	mov 80(%rdi),%r11\n	mov 88(%rdi),%r12\n	mov 96(%rdi),%r13\n"
	"	mov 104(%rdi),%r14\n	mov 112(%rdi),%r15\n"
	"	push 120(%rdi)\n	popfq\n"
	"	mov 40(%rdi),%rdi\n"
	"	call *(%rsp)\n"
	"	push %rdi\n"
	"	mov 16(%rsp),%rdi\n"
	"	mov %rax,0(%rdi)\n	mov %rbx,8(%rdi)\n	mov %rcx,16(%rdi)\n	mov %rdx,24(%rdi)\n"
	"	mov %rsi,32(%rdi)\n	mov %rbp,48(%rdi)\n	mov %r8,56(%rdi)\n	mov %r9,64(%rdi)\n"
	"	mov %r10,72(%rdi)\n	mov %r11,80(%rdi)\n	mov %r12,88(%rdi)\n	mov %r13,96(%rdi)\n"
	"	mov %r14,104(%rdi)\n	mov %r15,112(%rdi)\n"
	"	pushfq\n	pop 120(%rdi)\n"
	"	pop 40(%rdi)\n"
	"	cld\n"
	"	add $16,%rsp\n"
	"	pop %r15\n	pop %r14\n	pop %r13\n	pop %r12\n	pop %rbx\n	pop %rbp\n"
	"	ret\n"
	"	.size xol_run_block,.-xol_run_block\n"

	"rb_helper:\n"
	"	lea 0x77(%rax,%rdx),%rax\n"
	"	ret\n"

	"	.globl rb_block\n"
	"	.type rb_block,@function\n"
	"rb_block:\n"
	"	mov %rax,-8(%rsp)\n"
	"	mov %rbx,-16(%rsp)\n"
	"	mov %rcx,-128(%rsp)\n"
	"	inc %rdx\n"
	"	nop\n"
	"	add %r8,%r9\n"
	"	xor g_rb(%rip),%r10\n"
	"	adc %r11,%r12\n"
	"	cmovz %r13,%r14\n"
	"	jc 1f\n"
	"	not %rbp\n"
	"1:	mov -8(%rsp),%r15\n"
	"	add -16(%rsp),%rsi\n"
	"	sub -128(%rsp),%rdi\n"
	"	lea 0x11(%rbx,%rax,2),%rbx\n"
	"	bswap %rax\n"
	"	call rb_helper\n"
	"	rol $3,%rcx\n"
	"	nopl 0(%rax)\n"
	"	ret\n"
	"	.globl rb_block_end\n"
	"rb_block_end:\n"
	"	.size rb_block,.-rb_block\n");

#endif
