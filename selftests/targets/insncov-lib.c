// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * libinsncov.so, plain -O2 -fPIC: what a compiler makes of ordinary C in a
 * shared library, to be probed at every instruction by 12-insn-coverage.t.
 *
 *   rip-relative loads, stores and read-modify-writes of hidden globals
 *   (every function's COV_ENTER is one: addq $1,cov_calls+8*k(%rip)), a
 *   GOT load, a jump table in .rodata, compare trees, loops, recursion,
 *   direct, PLT, indirect and tail calls (jmp, jmp *), libc calls and a
 *   callback called by libc (qsort), SSE scalar and packed moves, struct
 *   copies through xmm registers, cmov/setcc, div, lock xadd/cmpxchg, TLS
 *   initial-exec (%fs:) and general-dynamic (the 66 66 48 e8 call of
 *   __tls_get_addr, which xol and the kernel refuse to probe), a .cold
 *   part that runs, va_arg (movaps of xmm0-7 to the stack), a VLA
 *   (leave), the stack protector (%fs:0x28).
 *
 * The AVX2 and CET side is in insncov-avx.c.  Every function is entered
 * only through its symbol: noinline and noclone keep the compiler from
 * copying a part of it elsewhere, so that a probe on its first instruction
 * counts exactly what COV_ENTER counts.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "insncov.h"

#define API __attribute__((visibility("default"), noinline, noclone))
#define LOCAL static __attribute__((noinline, noclone))

__attribute__((visibility("hidden"))) unsigned long cov_calls[COV_NFUNCS];
#define COV_ENTER(f) (cov_calls[COV_##f]++)

unsigned long insncov_calls(int k)
{
	return k >= 0 && k < COV_NFUNCS ? cov_calls[k] : 0;
}

/* ---- globals: hidden ones rip-relative, the exported one through the GOT */

static long tbl[16] = { 3, 1, 4, 1, 5, 9, 2, 6, 5, 3, 5, 8, 9, 7, 9, 3 };
static long g_sum, g_last;
static int g_arr[4];
static short g_short;
static signed char g_byte;
long cov_pub_counter = 7;

API long cov_riprel_load(long i)
{
	COV_ENTER(cov_riprel_load);
	return tbl[i & 15] * 3 + tbl[(i >> 4) & 15] + g_sum + g_short + g_byte;
}

API void cov_riprel_store(long v)
{
	COV_ENTER(cov_riprel_store);
	g_last = v;
	g_sum += v;
	g_arr[v & 3] = (int)v;
	g_short = (short)v;
	g_byte = (signed char)(v >> 3);
}

API long cov_got(long v)
{
	COV_ENTER(cov_got);
	cov_pub_counter += v;
	return cov_pub_counter * 2 + g_arr[(v >> 1) & 3] + g_last;
}

/* ---- branches ------------------------------------------------------------ */

API long cov_switch(int op, long a, long b)
{
	COV_ENTER(cov_switch);
	switch (op) {
	case 0: return a + b;
	case 1: return a - b;
	case 2: return a * b;
	case 3: return b ? a / b : 0;
	case 4: return a << (b & 15);
	case 5: return a >> (b & 15);
	case 6: return a & b;
	case 7: return a | b;
	case 8: return a ^ b;
	case 9: a += b * 5;
		/* fall through */
	case 10: return a * 7 + g_sum;
	case 11: return -a;
	default: return 0;
	}
}

API int cov_sparse(long x)
{
	COV_ENTER(cov_sparse);
	switch (x) {
	case -5: return 4;
	case 3: return 1;
	case 100: return 2;
	case 1000: return 3;
	case 4096: return 6;
	case 77777: return 5;
	default: return 0;
	}
}

API long cov_classify(long a, long b)
{
	long r = 0;

	COV_ENTER(cov_classify);
	if (a > b)
		r += tbl[a & 15];
	else if (a == b)
		r += 2;
	else
		r -= tbl[b & 15];
	if ((a & 1) && b < 0)
		r *= 3;
	if (a > 100 || b > 100)
		r -= 10;
	return r;
}

/* ---- loops and recursion ------------------------------------------------- */

API long cov_sum(const long *p, int n)
{
	long s = 0;

	COV_ENTER(cov_sum);
	for (int i = 0; i < n; i++)
		s += p[i] * (i + 1);
	return s;
}

API void cov_matmul(int n, const int *a, const int *b, int *c)
{
	COV_ENTER(cov_matmul);
	for (int i = 0; i < n; i++)
		for (int j = 0; j < n; j++) {
			int s = 0;

			for (int k = 0; k < n; k++)
				s += a[i * n + k] * b[k * n + j];
			c[i * n + j] = s;
		}
}

API long cov_fib(int n)
{
	COV_ENTER(cov_fib);
	if (n < 2)
		return n;
	/* not a sum the compiler may turn into a loop: one entry per call */
	return (cov_fib(n - 1) + cov_fib(n - 2)) % 1000003;
}

/* ---- calls: direct, tail, PLT, indirect ---------------------------------- */

LOCAL long cov_mix(long a, long b)
{
	COV_ENTER(cov_mix);
	return (a * 31) ^ (b + g_last);
}

API long cov_chain(long x, long y)
{
	long r;

	COV_ENTER(cov_chain);
	r = cov_mix(x, y);
	r += cov_mix(y, r & 0xff);
	return r - cov_mix(r, x);
}

LOCAL long cov_scale(long x, long k)
{
	COV_ENTER(cov_scale);
	return x * k + g_sum;
}

API long cov_tail(long x)
{
	COV_ENTER(cov_tail);
	if (x & 1)
		return cov_scale(x, 3);
	return cov_scale(x + 1, 5);
}

API long cov_tail_plt(long x)
{
	COV_ENTER(cov_tail_plt);
	return cov_fib((int)(x & 7));
}

LOCAL long cov_op_add(long a, long b) { COV_ENTER(cov_op_add); return a + b; }
LOCAL long cov_op_sub(long a, long b) { COV_ENTER(cov_op_sub); return a - b; }
LOCAL long cov_op_mul(long a, long b) { COV_ENTER(cov_op_mul); return a * b; }
LOCAL long cov_op_min(long a, long b) { COV_ENTER(cov_op_min); return a < b ? a : b; }

static long (*const ops[4])(long, long) = { cov_op_add, cov_op_sub, cov_op_mul, cov_op_min };

API long cov_indirect(long x, long y)
{
	long r = 0;

	COV_ENTER(cov_indirect);
	for (int i = 0; i < 4; i++)
		r += ops[i](x + r, y);
	return r;
}

API long cov_indirect_tail(int k, long x, long y)
{
	COV_ENTER(cov_indirect_tail);
	return ops[k & 3](x, y);
}

API size_t cov_libc(char *dst, const char *src, size_t cap)
{
	size_t n;

	COV_ENTER(cov_libc);
	n = strlen(src);
	if (n >= cap)
		n = cap - 1;
	memcpy(dst, src, n);
	dst[n] = 0;
	return n + (strchr(dst, 'e') ? 100 : 0);
}

/* ---- SSE ------------------------------------------------------------------ */

static const double coef[8] = { 1.0, -0.5, 0.25, 3.0, -1.25, 0.125, 2.5, -0.75 };
static double g_scale = 1.5;

API double cov_poly(double x, int n)
{
	double r = 0, p = 1;

	COV_ENTER(cov_poly);
	for (int i = 0; i < n; i++) {
		r += p * coef[i & 7];
		p *= x;
	}
	if (r > 1000.0 || r < -1000.0)
		r = (double)(long)r;
	return r * g_scale;
}

typedef float v4sf __attribute__((vector_size(16)));

API void cov_vec4(float *dst, const float *a, const float *b, int n)
{
	COV_ENTER(cov_vec4);
	for (int i = 0; i + 4 <= n; i += 4) {
		v4sf x, y;

		memcpy(&x, a + i, sizeof(x));
		memcpy(&y, b + i, sizeof(y));
		x = x * y + x;
		memcpy(dst + i, &x, sizeof(x));
	}
}

static struct cov_blob g_blob;

API long cov_struct_copy(struct cov_blob *out, const struct cov_blob *in)
{
	COV_ENTER(cov_struct_copy);
	*out = *in;
	g_blob = *in;
	return out->a[5] + g_blob.a[0];
}

/* ---- arithmetic ------------------------------------------------------------ */

API long cov_minmax(long a, long b, long c)
{
	long lo, hi;

	COV_ENTER(cov_minmax);
	lo = a < b ? a : b;
	lo = lo < c ? lo : c;
	hi = a > b ? a : b;
	hi = hi > c ? hi : c;
	return (hi - lo) + labs(a - c) + (a == b);
}

API long cov_divmod(long a, long b)
{
	COV_ENTER(cov_divmod);
	return a / b + a % (b | 1) + (long)((unsigned long)a / 7) + (int)a / 3;
}

static long g_atom;

API long cov_atomic(long v)
{
	long old, expected;

	COV_ENTER(cov_atomic);
	old = __atomic_fetch_add(&g_atom, v, __ATOMIC_SEQ_CST);
	expected = old + v;
	__atomic_compare_exchange_n(&g_atom, &expected, expected & 0xffff, 0,
				    __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
	return old;
}

static __thread long t_ie __attribute__((tls_model("initial-exec")));
__thread long cov_tls_counter;	/* exported: general dynamic */

API long cov_tls_ie(long v)
{
	COV_ENTER(cov_tls_ie);
	t_ie += v;
	return t_ie;
}

API long cov_tls_gd(long v)
{
	COV_ENTER(cov_tls_gd);
	cov_tls_counter ^= v;
	return cov_tls_counter + 1;
}

API long cov_bits(unsigned long x)
{
	COV_ENTER(cov_bits);
	return __builtin_ctzl(x | (1UL << 40)) + __builtin_clzl(x | 1) +
	       (long)(__builtin_bswap64(x) ^ ((x << 13) | (x >> 51))) + __builtin_parityl(x);
}

/* ---- a .cold part that runs, now and then ------------------------------ */

static long g_errors;

__attribute__((cold)) LOCAL long cov_report(long x)
{
	COV_ENTER(cov_report);
	g_errors++;
	return -x;
}

API long cov_checked(long x)
{
	COV_ENTER(cov_checked);
	if (__builtin_expect(x % 13 == 0, 0)) {
		long r = cov_report(x);

		g_sum += r;
		return r * 2 + g_errors;
	}
	return x * 3 + g_errors;
}

/* ---- strings, varargs, the stack --------------------------------------- */

API unsigned long cov_strhash(const char *s)
{
	unsigned long h = 5381;

	COV_ENTER(cov_strhash);
	while (*s)
		h = h * 33 + (unsigned char)*s++;
	return h;
}

API double cov_varsum(int n, ...)
{
	va_list ap;
	double s = 0;

	COV_ENTER(cov_varsum);
	va_start(ap, n);
	for (int i = 0; i < n; i++)
		s += va_arg(ap, double);
	va_end(ap);
	return s;
}

API long cov_vla(int n)
{
	long buf[n];
	long s = 0;

	COV_ENTER(cov_vla);
	for (int i = 0; i < n; i++)
		buf[i] = (long)i * i + g_last;
	for (int i = 0; i < n; i++)
		s += buf[(i * 7) % n];
	return s;
}

LOCAL int cov_cmp(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;

	COV_ENTER(cov_cmp);
	return (x > y) - (x < y);
}

API void cov_sort(int *v, int n)
{
	COV_ENTER(cov_sort);
	qsort(v, (size_t)n, sizeof(*v), cov_cmp);
}

__attribute__((stack_protect)) API long cov_canary(const char *s, int k)
{
	char buf[40];
	long r = 0;

	COV_ENTER(cov_canary);
	strncpy(buf, s, sizeof(buf) - 1);
	buf[sizeof(buf) - 1] = 0;
	for (int i = 0; i < k && buf[i]; i++)
		r += buf[i] * (i + 1);
	return r;
}
