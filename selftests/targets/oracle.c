// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * oracle: the target of the kernel-oracle tests (10-trace-oracle.t,
 * 11-trace-golden.t), built -O0 and -O2, PIE and non-PIE.
 *
 * `oracle [ROUNDS]` (default 3) calls every probed function ROUNDS times,
 * in the same order each round, then prints one line per function with
 * its call count and a checksum of the results.  take_ptr is called twice
 * per round (once with a bad pointer it does not touch); depth recurses
 * (round i calls depth(i + 1), which calls itself down to depth(0)).
 *
 * Every value a probe can see lives in registers, in globals or on the main
 * thread's stack, never on the heap: with ASLR off, a run under the kernel's
 * uprobes and a run under xol (same environment) see the same numbers and
 * the same addresses.
 *
 * The *_mid labels are probe points inside functions with known register
 * contents (set by the asm operands just before them).
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "oracle-wait.h"

/* noipa: never inlined, cloned or given a private calling convention. */
#define PROBED __attribute__((noipa, used))

/* Layouts fixed by the x86_64 psABI; the definitions use these offsets. */
struct inner {
	int id;			/* +0 */
	char tag[4];		/* +4 */
	struct inner *next;	/* +8 */
};

struct rec {
	int i32;		/* +0 */
	unsigned a : 3;		/* +4: the u32 at +4, bits 0..2 */
	unsigned b : 5;		/*     bits 3..7 */
	unsigned c : 12;	/*     bits 8..19 */
	int d : 4;		/*     bits 20..23, signed */
	short s16;		/* +8 */
	unsigned char u8s[4];	/* +10 */
	long l64;		/* +16 */
	const char *name;	/* +24 */
	char label[8];		/* +32 */
	double ratio;		/* +40 */
	struct inner *in;	/* +48 */
	int arr[4];		/* +56 */
	const char *names[2];	/* +72 */
};				/* 88 bytes */

_Static_assert(offsetof(struct inner, next) == 8, "inner.next");
_Static_assert(offsetof(struct rec, s16) == 8, "rec.s16");
_Static_assert(offsetof(struct rec, u8s) == 10, "rec.u8s");
_Static_assert(offsetof(struct rec, l64) == 16, "rec.l64");
_Static_assert(offsetof(struct rec, name) == 24, "rec.name");
_Static_assert(offsetof(struct rec, label) == 32, "rec.label");
_Static_assert(offsetof(struct rec, ratio) == 40, "rec.ratio");
_Static_assert(offsetof(struct rec, in) == 48, "rec.in");
_Static_assert(offsetof(struct rec, arr) == 56, "rec.arr");
_Static_assert(offsetof(struct rec, names) == 72, "rec.names");
_Static_assert(sizeof(struct rec) == 88, "rec");

/* --- globals: @ADDR and @+OFFS read these -------------------------------- */

long g_counter = 0x1122334455667788;
char g_name[16] = "oracle-global";
int g_arr[4] = { 10, -20, 30, -40 };
double g_dbl[3] = { 1.5, -2.25, 3.141592653589793 };
float g_flt[2] = { 0.5f, -1.0f };
struct inner g_inner[3] = {
	{ 1, "n1", &g_inner[1] },
	{ 22, "n22", &g_inner[2] },
	{ 333, "n33", NULL },
};
struct rec g_rec[2] = {
	{ .i32 = -123456, .a = 5, .b = 17, .c = 0xabc, .d = -3, .s16 = -2,
	  .u8s = { 1, 2, 254, 255 }, .l64 = -1234567890123, .name = "first",
	  .label = "lbl-one", .ratio = 0.25, .in = &g_inner[0],
	  .arr = { 7, -8, 9, -10 }, .names = { "alpha", "beta" } },
	{ .i32 = 42, .a = 2, .b = 31, .c = 1, .d = 7, .s16 = 32767,
	  .u8s = { 'x', 'y', 'z', 0 }, .l64 = 99, .name = "second",
	  .label = "two", .ratio = -8.5, .in = &g_inner[1],
	  .arr = { 100, 200, 300, 400 }, .names = { "gamma", "delta" } },
};
struct rec *g_recp = &g_rec[1];
const char *const g_strs[4] = { "apple", "", "caf\xc3\xa9", "say \"hi\" 'x' \\n" };
char g_long[5001];	/* 5000 'x': longer than a trace string may be */

/* --- probed functions ------------------------------------------------------ */

/* Six integer arguments: %di %si %dx %cx %r8 %r9. */
PROBED long take_ints(int a, long b, unsigned short c, signed char d, unsigned long e, long f)
{
	return a + b + c + d + (long)e + f;
}

/* Eight arguments: the 7th and 8th are $stack1 and $stack2 at the entry. */
PROBED long take_many(long a1, long a2, long a3, long a4, long a5, long a6, long a7, long a8)
{
	return a1 - a2 + a3 - a4 + a5 - a6 + a7 * 3 - a8;
}

/* A struct (on the caller's stack) and a pointer into its middle (&r->arr[2]). */
PROBED long take_rec(const struct rec *r, const int *mid)
{
	long sum = r->i32 + r->a + r->b + r->c + r->d + r->s16 + r->l64 + mid[-2] + mid[1];

	for (int i = 0; i < 4; i++)
		sum += r->u8s[i] + r->label[i];
	sum += r->in ? r->in->id : 0;
	/* %di = r, %bx = sum */
	__asm__ volatile(".globl take_rec_mid\ntake_rec_mid:" :: "D"(r), "b"(sum) : "memory");
	return sum;
}

/* Strings: plain, empty, UTF-8, quotes and backslashes, too long. */
PROBED size_t take_strs(const char *s, const char *empty, const char *utf8, const char *quoted,
			const char *toolong)
{
	return strlen(s) + strlen(empty) + strlen(utf8) + strlen(quoted) + strlen(toolong);
}

/* @p is only read when @n is not 0: probes may read it anyway, and fault. */
PROBED long take_ptr(const char *p, long n)
{
	return n ? p[0] + n : n;
}

/* Floating point in registers (invisible to probes) and in memory. */
PROBED double take_double(double x, const double *px, const float *pf)
{
	return x * *px + *pf;
}

/* A list: nested dereferences +0(+8(+8(%di))). */
PROBED long walk(const struct inner *head, int limit)
{
	long sum = 0;
	int n = 0;

	for (const struct inner *p = head; p && n < limit; p = p->next, n++)
		sum += (long)p->id * (n + 1);
	/* %ax = sum, %cx = n, %si = head */
	__asm__ volatile(".globl walk_mid\nwalk_mid:" :: "a"(sum), "c"(n), "S"(head) : "memory");
	return sum ^ n;
}

/* Returns a pointer: +0($retval):string on the return probe. */
PROBED const char *pick_name(int i)
{
	return g_strs[i & 3];
}

/* Negative return values of every width. */
PROBED long leaf_neg(long x)
{
	return -(x * 1000) - 7;
}

/* Recursion: nested return probes.  depth(n) = 3 * depth(n - 1) + n, depth(0) = 1. */
PROBED long depth(int n)
{
	long r;

	if (n <= 0)
		return 1;
	r = depth(n - 1);
	__asm__ volatile("" ::: "memory");	/* no tail-recursion elimination */
	return r * 3 + n;
}

/* Every general register holds a known value at regs_mid. */
PROBED long regs_point(long seed)
{
	register long r8 __asm__("r8") = seed + 8;
	register long r9 __asm__("r9") = seed + 9;
	register long r10 __asm__("r10") = seed + 10;
	register long r11 __asm__("r11") = seed + 11;
	register long r12 __asm__("r12") = seed + 12;
	register long r13 __asm__("r13") = seed + 13;
	register long r14 __asm__("r14") = seed + 14;
	register long r15 __asm__("r15") = seed + 15;

	__asm__ volatile(".globl regs_mid\nregs_mid:"
			 :: "a"(seed), "b"(seed + 1), "c"(seed + 2), "d"(seed + 3),
			    "S"(seed + 4), "D"(seed + 5), "r"(r8), "r"(r9), "r"(r10),
			    "r"(r11), "r"(r12), "r"(r13), "r"(r14), "r"(r15)
			 : "memory");
	return seed * 2;
}

/* --- the driver ---------------------------------------------------------- */

static long calls[10], sums[10];

static void note(int fn, long v)
{
	calls[fn]++;
	sums[fn] += v;
}

/* Out of line: return probes see return addresses inside it. */
static __attribute__((noinline)) void round_of_calls(int i)
{
	struct rec local = g_rec[i & 1];	/* on the stack: a pointer probes see the same */

	local.i32 += i;
	local.arr[3] += i;
	note(0, take_ints(100 * i - 7, -(1L << 40) + i, 0xfff0 + i, -128 + i,
			  0xdeadbeef00000000UL | (unsigned)i, -1 - i));
	note(1, take_many(1000 + i, 2000 + i, 3000 + i, 4000 + i, 5000 + i, 6000 + i,
			  -7000 - i, 0x7fffffffffffffffL - i));
	note(2, take_rec(&local, &local.arr[2]));
	note(3, (long)take_strs(g_strs[i & 3], g_strs[1], g_strs[2], g_strs[3], g_long));
	note(4, take_ptr((const char *)0x10, 0));
	note(4, take_ptr(g_name, 1 + i));
	note(5, (long)take_double(g_dbl[i % 3], &g_dbl[i % 3], &g_flt[i & 1]));
	note(6, walk(&g_inner[0], 3 - i));
	note(7, (long)strlen(pick_name(i)));
	note(8, leaf_neg(i + 1) + regs_point(0x100 * (i + 1)));
	note(9, depth(i + 1));
}

int main(int argc, char **argv)
{
	oracle_wait();
	static const char *const names[] = {
		"take_ints", "take_many", "take_rec", "take_strs", "take_ptr",
		"take_double", "walk", "pick_name", "leaf_neg+regs_point", "depth",
	};
	int rounds = argc > 1 ? atoi(argv[1]) : 3;

	memset(g_long, 'x', sizeof(g_long) - 1);
	for (int i = 0; i < rounds; i++)
		round_of_calls(i);
	for (int f = 0; f < 10; f++)
		printf("%s calls=%ld sum=%ld\n", names[f], calls[f], sums[f]);
	return 0;
}
