// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Functions to probe at every instruction: what -O2 makes of globals,
 * switches, floating point, vectors, calls through pointers, atomics and
 * TLS, plus hand-written assembly for what compilers rarely emit (loop,
 * jrcxz, call/pop, syscall, call *(%rsp), ret $N, rip-relative push/pop,
 * EVEX, mulx).  Every probed function is `long f(long a, long b)`.
 *
 * The arch unit tests include this file (with INSN_FUNCS_NO_MAIN); on its
 * own it prints every function's results, for end-to-end tests.
 */
#include <stdint.h>
#include <string.h>

#define PROBED __attribute__((noinline, used))

/* ---- data the functions reach rip-relatively --------------------------- */

long g_counter;
long g_table[8] = { 3, 1, 4, 1, 5, 9, 2, 6 };
int g_atomic;
long g_q = 0x1234;
long g_q2;
double g_scale = 1.5;
__thread long t_var;
char g_src[32] = "0123456789abcdefghijklmnopqrstu";
char g_dst[32];
typedef int v8si __attribute__((vector_size(32)));
typedef int v16si __attribute__((vector_size(64)));
v8si g_v8 = { 1, 2, 3, 4, 5, 6, 7, 8 };
v16si g_v16 = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16 };
long g_rb = 0x5a5a5a5a5a5a5a5aL;
long g_shuf[4] = { 0x0706050403020100L, 0x0f0e0d0c0b0a0908L, 0x0706050403020100L,
		   0x0f0e0d0c0b0a0908L };

static long helper_double(long x)
{
	return 2 * x + 1;
}

long (*g_fp)(long) = helper_double;
long (*g_fp2)(long, long);	/* set by insn_funcs_init(): a_helper */
volatile char g_str[16] = "probe me";

/* ---- compiled functions -------------------------------------------------- */

PROBED long f_riprel(long a, long b)
{
	g_counter += a;
	g_q2 = g_table[(a ^ b) & 7] * g_counter;
	return g_q2 + g_table[b & 7];
}

PROBED long f_switch(long a, long b)
{
	switch (a) {
	case 0: return b + 11;
	case 1: return b * 3;
	case 2: return b - 7;
	case 3: return b << 2;
	case 4: return b ^ 0x55;
	case 5: return -b;
	case 6: return b / 3;
	case 7: return b % 5;
	case 8: return b | 0x100;
	case 9: return ~b;
	default: return a + b;
	}
}

PROBED long f_sse(long a, long b)
{
	double x = (double)a * g_scale;

	for (long i = 0; i < (b & 7); i++)
		x = x * 0.5 + (double)i / 3.0;
	return (long)(x * 1000.0);
}

__attribute__((target("avx2"))) PROBED long f_avx(long a, long b)
{
	v8si v = { (int)a, (int)b, 1, 2, 3, 4, 5, 6 };

	v = v * g_v8 + g_v8;
	return v[0] + v[1] * 3 + v[7];
}

__attribute__((target("avx512f"))) PROBED long f_avx512(long a, long b)
{
	v16si v = { (int)a, (int)b, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14 };

	v = v + g_v16;
	return v[0] + v[1] * 3 + v[15];
}

PROBED long f_fib(long a, long b)
{
	if (a < 2)
		return a + b;
	return f_fib(a - 1, b) + f_fib(a - 2, b);
}

PROBED long f_fnptr(long a, long b)
{
	return g_fp(a) + g_fp(b) * 2;
}

PROBED long f_tailptr(long a, long b)
{
	return g_fp(a + b);
}

PROBED long f_libc(long a, long b)
{
	char buf[24];

	memcpy(buf, (const char *)g_str, sizeof(g_str));
	buf[(a & 7) + 1] = 0;
	return (long)strlen(buf) + b;
}

PROBED long f_loop(long a, long b)
{
	long s = 0;

	for (long i = 0; i < (a & 15); i++)
		s += (i & 1) ? i * b : g_table[i & 7];
	return s;
}

PROBED long f_cmov(long a, long b)
{
	long lo = a < b ? a : b, hi = a < b ? b : a;

	return (hi - lo) * (a == b ? 7 : 3) + (a > 0);
}

PROBED long f_atomic(long a, long b)
{
	int old = __atomic_fetch_add(&g_atomic, (int)a, __ATOMIC_SEQ_CST);
	int expected = old + (int)a;

	__atomic_compare_exchange_n(&g_atomic, &expected, (int)b, 0, __ATOMIC_SEQ_CST,
				    __ATOMIC_SEQ_CST);
	return old * 3 + g_atomic;
}

PROBED long f_tls(long a, long b)
{
	t_var += a;
	return t_var * b;
}

__attribute__((stack_protect)) PROBED long f_canary(long a, long b)
{
	volatile char buf[32];

	for (int i = 0; i < 32; i++)
		buf[i] = (char)(a + i);
	return buf[b & 31] + buf[(a + b) & 31];
}

/* ---- hand-written ------------------------------------------------------ */

long a_loop(long a, long b);		/* loop */
long a_loope(long a, long b);		/* loope/loopne */
long a_jrcxz(long a, long b);		/* jrcxz */
long a_jcc32(long a, long b);		/* jcc/jmp rel32 */
long a_getpc(long a, long b);		/* call next; pop */
long a_syscall(long a, long b);		/* syscall: rcx must be the next address */
long a_callstack(long a, long b);	/* call *(%rsp), call *8(%rsp) */
long a_pushpop_rip(long a, long b);	/* push/pop disp(%rip) */
long a_retimm(long a, long b);		/* ret $8 */
long a_repmovs(long a, long b);		/* rep movsb */
long a_flags(long a, long b);		/* pushf/popf, std/cld, lahf/sahf */
long a_rsp_rip(long a, long b);		/* mov %rsp,disp(%rip) */
long a_jmp_got(long a, long b);		/* jmp *disp(%rip) */
long a_call_got(long a, long b);	/* call *disp(%rip) */
long a_cmpxchg_rip(long a, long b);	/* lock cmpxchg %reg,disp(%rip) */
long a_mulx_rip(long a, long b);	/* mulx disp(%rip): uses rdx, rbx, rcx */
long a_vex3_rip(long a, long b);	/* vpshufb disp(%rip) (VEX3) */
long a_evex_rip(long a, long b);	/* vmovdqu64 disp(%rip),%zmm17 (EVEX) */
long a_rip_imm(long a, long b);		/* cmpq/addq $imm,disp(%rip): imm after disp */
long a_push_rsp(long a, long b);	/* push %rsp; push $imm; enter/leave */
long a_xchg_rip(long a, long b);	/* xchg %reg,disp(%rip) */
long a_call_reg(long a, long b);	/* call *%rax, call *%r11 */
long a_nops(long a, long b);		/* endbr64 and nops of every length */
long a_helper(long a, long b);		/* target of the calls above */

__asm__(
	"	.text\n"
	"	.p2align 4\n"
	"	.globl a_helper\n"
	"	.type a_helper,@function\n"
	"a_helper:\n"
	"	lea (%rsi,%rdi,2),%rax\n"
	"	ret\n"
	"	.size a_helper,.-a_helper\n"

	"	.globl a_loop\n"
	"	.type a_loop,@function\n"
	"a_loop:\n"
	"	mov %rdi,%rcx\n"
	"	and $15,%rcx\n"
	"	inc %rcx\n"
	"	mov %rsi,%rax\n"
	"1:	add %rcx,%rax\n"
	"	loop 1b\n"
	"	ret\n"
	"	.size a_loop,.-a_loop\n"

	"	.globl a_loope\n"
	"	.type a_loope,@function\n"
	"a_loope:\n"
	"	mov $8,%ecx\n"
	"	xor %eax,%eax\n"
	"1:	inc %rax\n"
	"	cmp %rdi,%rax\n"
	"	loopne 1b\n"
	"	mov %rcx,%rdx\n"
	"	mov $6,%ecx\n"
	"2:	add $2,%rax\n"
	"	cmp %rsi,%rax\n"
	"	loope 2b\n"
	"	lea (%rax,%rdx,8),%rax\n"
	"	shl $4,%rcx\n"
	"	add %rcx,%rax\n"
	"	ret\n"
	"	.size a_loope,.-a_loope\n"

	"	.globl a_jrcxz\n"
	"	.type a_jrcxz,@function\n"
	"a_jrcxz:\n"
	"	mov %rdi,%rcx\n"
	"	and $3,%rcx\n"
	"	mov %rsi,%rax\n"
	"	jrcxz 1f\n"
	"	imul %rcx,%rax\n"
	"1:	mov %edi,%ecx\n"
	"	and $1,%ecx\n"
	"	jecxz 2f\n"
	"	add $100,%rax\n"
	"2:	ret\n"
	"	.size a_jrcxz,.-a_jrcxz\n"

	"	.globl a_jcc32\n"
	"	.type a_jcc32,@function\n"
	"a_jcc32:\n"
	"	mov %rsi,%rax\n"
	"	cmp %rsi,%rdi\n"
	"	{disp32} jl 1f\n"
	"	{disp32} jg 2f\n"
	"	add $1000,%rax\n"
	"	{disp32} jmp 3f\n"
	"1:	sub $7,%rax\n"
	"	{disp32} jmp 3f\n"
	"2:	add $7,%rax\n"
	"3:	test $1,%dil\n"
	"	{disp32} jp 4f\n"
	"	{disp32} jo 4f\n"
	"	{disp32} jbe 4f\n"
	"	inc %rax\n"
	"4:	ret\n"
	"	.size a_jcc32,.-a_jcc32\n"

	"	.globl a_getpc\n"
	"	.type a_getpc,@function\n"
	"a_getpc:\n"
	"	call 1f\n"
	"1:	pop %rax\n"
	"	lea 1b(%rip),%rdx\n"
	"	sub %rdx,%rax\n"
	"	add %rdi,%rax\n"
	"	add %rsi,%rax\n"
	"	ret\n"
	"	.size a_getpc,.-a_getpc\n"

	"	.globl a_syscall\n"
	"	.type a_syscall,@function\n"
	"a_syscall:\n"
	"	mov $39,%eax\n"			/* getpid */
	"	syscall\n"
	"1:	lea 1b(%rip),%rdx\n"
	"	cmp %rdx,%rcx\n"
	"	jne 2f\n"
	"	test %rax,%rax\n"
	"	jle 2f\n"
	"	lea (%rdi,%rsi),%rax\n"
	"	ret\n"
	"2:	mov $-1,%rax\n"
	"	ret\n"
	"	.size a_syscall,.-a_syscall\n"

	"	.globl a_callstack\n"
	"	.type a_callstack,@function\n"
	"a_callstack:\n"
	"	push %rbx\n"
	"	lea a_helper(%rip),%rax\n"
	"	push %rax\n"
	"	call *(%rsp)\n"
	"	mov %rax,%rbx\n"
	"	mov %rax,%rdi\n"
	"	call *0(%rsp)\n"
	"	add %rax,%rbx\n"
	"	push %rax\n"
	"	call *8(%rsp)\n"
	"	add %rbx,%rax\n"
	"	add $16,%rsp\n"
	"	pop %rbx\n"
	"	ret\n"
	"	.size a_callstack,.-a_callstack\n"

	"	.globl a_pushpop_rip\n"
	"	.type a_pushpop_rip,@function\n"
	"a_pushpop_rip:\n"
	"	mov %rdi,g_q2(%rip)\n"
	"	push g_q2(%rip)\n"
	"	pop %rax\n"
	"	push %rsi\n"
	"	pop g_q2(%rip)\n"
	"	add g_q2(%rip),%rax\n"
	"	ret\n"
	"	.size a_pushpop_rip,.-a_pushpop_rip\n"

	"	.globl a_retimm\n"
	"	.type a_retimm,@function\n"
	"a_retimm:\n"
	"	push %rdi\n"
	"	call 1f\n"
	"	add %rsi,%rax\n"
	"	ret\n"
	"1:	mov 8(%rsp),%rax\n"
	"	imul $3,%rax\n"
	"	ret $8\n"
	"	.size a_retimm,.-a_retimm\n"

	"	.globl a_repmovs\n"
	"	.type a_repmovs,@function\n"
	"a_repmovs:\n"
	"	mov %rdi,%rcx\n"
	"	and $15,%rcx\n"
	"	inc %rcx\n"
	"	lea g_src(%rip),%rsi\n"
	"	lea g_dst(%rip),%rdi\n"
	"	movq $0,g_dst(%rip)\n"
	"	movq $0,g_dst+8(%rip)\n"
	"	rep movsb\n"
	"	mov g_dst+8(%rip),%rax\n"
	"	xor g_dst(%rip),%rax\n"
	"	ret\n"
	"	.size a_repmovs,.-a_repmovs\n"

	"	.globl a_flags\n"
	"	.type a_flags,@function\n"
	"a_flags:\n"
	"	cmp %rsi,%rdi\n"
	"	pushfq\n"
	"	std\n"
	"	lahf\n"
	"	cld\n"
	"	sahf\n"
	"	setl %dl\n"
	"	popfq\n"
	"	setb %al\n"
	"	movzbl %al,%eax\n"
	"	movzbl %dl,%edx\n"
	"	lea (%rax,%rdx,2),%rax\n"
	"	ret\n"
	"	.size a_flags,.-a_flags\n"

	"	.globl a_rsp_rip\n"
	"	.type a_rsp_rip,@function\n"
	"a_rsp_rip:\n"
	"	mov %rsp,g_q2(%rip)\n"
	"	mov g_q2(%rip),%rax\n"
	"	sub %rsp,%rax\n"
	"	add %rdi,%rax\n"
	"	ret\n"
	"	.size a_rsp_rip,.-a_rsp_rip\n"

	"	.globl a_jmp_got\n"
	"	.type a_jmp_got,@function\n"
	"a_jmp_got:\n"
	"	add $1,%rdi\n"
	"	jmp *g_fp2(%rip)\n"
	"	.size a_jmp_got,.-a_jmp_got\n"

	"	.globl a_call_got\n"
	"	.type a_call_got,@function\n"
	"a_call_got:\n"
	"	sub $8,%rsp\n"
	"	call *g_fp2(%rip)\n"
	"	add $8,%rsp\n"
	"	add $3,%rax\n"
	"	ret\n"
	"	.size a_call_got,.-a_call_got\n"

	"	.globl a_cmpxchg_rip\n"
	"	.type a_cmpxchg_rip,@function\n"
	"a_cmpxchg_rip:\n"
	"	mov %rdi,g_q2(%rip)\n"
	"	mov %rdi,%rax\n"
	"	lock cmpxchg %rsi,g_q2(%rip)\n"
	"	setz %cl\n"
	"	movzbl %cl,%ecx\n"
	"	mov g_q2(%rip),%rax\n"
	"	lea (%rax,%rcx,4),%rax\n"
	"	ret\n"
	"	.size a_cmpxchg_rip,.-a_cmpxchg_rip\n"

	"	.globl a_mulx_rip\n"
	"	.type a_mulx_rip,@function\n"
	"a_mulx_rip:\n"
	"	push %rbx\n"
	"	mov %rdi,%rdx\n"
	"	mulx g_q(%rip),%rbx,%rcx\n"
	"	lea (%rbx,%rcx),%rax\n"
	"	add %rsi,%rax\n"
	"	pop %rbx\n"
	"	ret\n"
	"	.size a_mulx_rip,.-a_mulx_rip\n"

	"	.globl a_vex3_rip\n"
	"	.type a_vex3_rip,@function\n"
	"a_vex3_rip:\n"
	"	vmovq %rdi,%xmm0\n"
	"	vpinsrq $1,%rsi,%xmm0,%xmm0\n"
	"	vpshufb g_shuf(%rip),%xmm0,%xmm9\n"
	"	vpaddq g_shuf(%rip),%xmm9,%xmm1\n"
	"	vmovq %xmm1,%rax\n"
	"	vpextrq $1,%xmm1,%rdx\n"
	"	xor %rdx,%rax\n"
	"	vzeroupper\n"
	"	ret\n"
	"	.size a_vex3_rip,.-a_vex3_rip\n"

	"	.globl a_evex_rip\n"
	"	.type a_evex_rip,@function\n"
	"a_evex_rip:\n"
	"	vmovdqu64 g_v16(%rip),%zmm17\n"
	"	vpbroadcastq %rdi,%zmm18\n"
	"	vpaddq g_v16(%rip),%zmm18,%zmm16\n"
	"	vpaddq %zmm17,%zmm16,%zmm16\n"
	"	vmovq %xmm16,%rax\n"
	"	vextracti64x4 $1,%zmm16,%ymm19\n"
	"	vmovq %xmm19,%rdx\n"
	"	lea (%rax,%rdx,2),%rax\n"
	"	add %rsi,%rax\n"
	"	vzeroupper\n"
	"	ret\n"
	"	.size a_evex_rip,.-a_evex_rip\n"

	"	.globl a_rip_imm\n"
	"	.type a_rip_imm,@function\n"
	"a_rip_imm:\n"
	"	mov %rdi,g_q2(%rip)\n"
	"	addq $0x12345,g_q2(%rip)\n"
	"	xor %eax,%eax\n"
	"	cmpq $0x12349,g_q2(%rip)\n"
	"	setg %al\n"
	"	andb $0x7f,g_q2(%rip)\n"
	"	add g_q2(%rip),%rax\n"
	"	imul %rsi,%rax\n"
	"	ret\n"
	"	.size a_rip_imm,.-a_rip_imm\n"

	"	.globl a_push_rsp\n"
	"	.type a_push_rsp,@function\n"
	"a_push_rsp:\n"
	"	enter $32,$0\n"
	"	push %rsp\n"
	"	pop %rax\n"
	"	sub %rsp,%rax\n"
	"	push $-5\n"
	"	add (%rsp),%rax\n"
	"	add %rdi,%rax\n"
	"	mov %rsi,-8(%rbp)\n"
	"	add -8(%rbp),%rax\n"
	"	leave\n"
	"	ret\n"
	"	.size a_push_rsp,.-a_push_rsp\n"

	"	.globl a_xchg_rip\n"
	"	.type a_xchg_rip,@function\n"
	"a_xchg_rip:\n"
	"	mov %rdi,g_q2(%rip)\n"
	"	mov %rsi,%rax\n"
	"	xchg %rax,g_q2(%rip)\n"
	"	sub g_q2(%rip),%rax\n"
	"	ret\n"
	"	.size a_xchg_rip,.-a_xchg_rip\n"

	"	.globl a_call_reg\n"
	"	.type a_call_reg,@function\n"
	"a_call_reg:\n"
	"	push %rbx\n"
	"	lea a_helper(%rip),%rax\n"
	"	call *%rax\n"
	"	mov %rax,%rbx\n"
	"	lea a_helper(%rip),%r11\n"
	"	mov %rbx,%rdi\n"
	"	call *%r11\n"
	"	add %rbx,%rax\n"
	"	pop %rbx\n"
	"	ret\n"
	"	.size a_call_reg,.-a_call_reg\n"

	"	.globl a_nops\n"
	"	.type a_nops,@function\n"
	"a_nops:\n"
	"	endbr64\n"
	"	nop\n"
	"	xchg %ax,%ax\n"
	"	nopl 0(%rax)\n"
	"	lea (%rdi,%rsi),%rax\n"
	"	nopw 0(%rax,%rax,1)\n"
	"	ret\n"
	"	.size a_nops,.-a_nops\n");

/* ---- the table the tests walk -------------------------------------------- */

enum { NEEDS_NONE, NEEDS_AVX2, NEEDS_AVX512, NEEDS_BMI2 };

struct insn_func {
	const char *name;
	long (*fn)(long, long);
	int needs;
};

#define F(f, n) { #f, f, n }
static const struct insn_func insn_funcs[] = {
	F(f_riprel, NEEDS_NONE),   F(f_switch, NEEDS_NONE),   F(f_sse, NEEDS_NONE),
	F(f_avx, NEEDS_AVX2),      F(f_avx512, NEEDS_AVX512), F(f_fib, NEEDS_NONE),
	F(f_fnptr, NEEDS_NONE),    F(f_tailptr, NEEDS_NONE),  F(f_libc, NEEDS_NONE),
	F(f_loop, NEEDS_NONE),     F(f_cmov, NEEDS_NONE),     F(f_atomic, NEEDS_NONE),
	F(f_tls, NEEDS_NONE),      F(f_canary, NEEDS_NONE),
	F(a_loop, NEEDS_NONE),     F(a_loope, NEEDS_NONE),    F(a_jrcxz, NEEDS_NONE),
	F(a_jcc32, NEEDS_NONE),    F(a_getpc, NEEDS_NONE),    F(a_syscall, NEEDS_NONE),
	F(a_callstack, NEEDS_NONE), F(a_pushpop_rip, NEEDS_NONE), F(a_retimm, NEEDS_NONE),
	F(a_repmovs, NEEDS_NONE),  F(a_flags, NEEDS_NONE),    F(a_rsp_rip, NEEDS_NONE),
	F(a_jmp_got, NEEDS_NONE),  F(a_call_got, NEEDS_NONE), F(a_cmpxchg_rip, NEEDS_NONE),
	F(a_mulx_rip, NEEDS_BMI2), F(a_vex3_rip, NEEDS_AVX2), F(a_evex_rip, NEEDS_AVX512),
	F(a_rip_imm, NEEDS_NONE),  F(a_push_rsp, NEEDS_NONE), F(a_xchg_rip, NEEDS_NONE),
	F(a_call_reg, NEEDS_NONE), F(a_nops, NEEDS_NONE),
};
#undef F
#define INSN_NFUNCS (sizeof(insn_funcs) / sizeof(insn_funcs[0]))

static const long insn_inputs[][2] = {
	{ 0, 0 }, { 1, 2 }, { 2, 1 }, { 3, 3 }, { 5, -4 }, { 7, 9 }, { 8, 8 },
	{ 9, 100 }, { 12, -7 }, { -3, 5 }, { 15, 1 }, { 6, 31 },
};
#define INSN_NINPUTS (sizeof(insn_inputs) / sizeof(insn_inputs[0]))

static int insn_func_runnable(const struct insn_func *f)
{
	__builtin_cpu_init();
	switch (f->needs) {
	case NEEDS_AVX2: return __builtin_cpu_supports("avx2");
	case NEEDS_AVX512: return __builtin_cpu_supports("avx512f");
	case NEEDS_BMI2: return __builtin_cpu_supports("bmi2");
	default: return 1;
	}
}

/* Put every global back, so that each run of a function sees the same state. */
static void insn_funcs_reset(void)
{
	g_counter = 0;
	g_atomic = 0;
	g_q = 0x1234;
	g_q2 = 0;
	t_var = 0;
	g_fp = helper_double;
	g_fp2 = a_helper;
	memset(g_dst, 0, sizeof(g_dst));
}

/* All of a function's results folded into one number, run from a clean state. */
static unsigned long insn_func_run(const struct insn_func *f, long *out)
{
	unsigned long h = 1469598103934665603UL;

	insn_funcs_reset();
	for (unsigned i = 0; i < INSN_NINPUTS; i++) {
		long r = f->fn(insn_inputs[i][0], insn_inputs[i][1]);

		if (out)
			out[i] = r;
		h = (h ^ (unsigned long)r) * 1099511628211UL;
	}
	return h;
}

#ifndef INSN_FUNCS_NO_MAIN
#include <stdio.h>

int main(void)
{
	for (unsigned i = 0; i < INSN_NFUNCS; i++) {
		if (!insn_func_runnable(&insn_funcs[i]))
			continue;
		printf("%s %016lx\n", insn_funcs[i].name, insn_func_run(&insn_funcs[i], NULL));
	}
	return 0;
}
#endif
