/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libinsncov.so, the library 12-insn-coverage.t probes at every instruction,
 * and insncov, the program that calls it.
 *
 * Every function of the library whose name starts with cov_ counts its own
 * entries (COV_ENTER, its first statement); insncov prints the counts at the
 * end ("calls cov_fib 1234"), which is what a probe on the function's first
 * instruction must count.  No other function of the library starts with
 * cov_ (its .cold parts do: cov_checked.cold).
 */
#ifndef INSNCOV_H
#define INSNCOV_H

#include <stddef.h>

/* X(name): every counted function, in insncov-lib.c then insncov-avx.c. */
#define INSNCOV_FUNCS(X)                                                          \
	X(cov_riprel_load) X(cov_riprel_store) X(cov_got) X(cov_switch)           \
	X(cov_sparse) X(cov_classify) X(cov_sum) X(cov_matmul) X(cov_fib)         \
	X(cov_chain) X(cov_mix) X(cov_tail) X(cov_scale) X(cov_tail_plt)          \
	X(cov_indirect) X(cov_indirect_tail) X(cov_op_add) X(cov_op_sub)          \
	X(cov_op_mul) X(cov_op_min) X(cov_libc) X(cov_poly) X(cov_vec4)           \
	X(cov_struct_copy) X(cov_minmax) X(cov_divmod) X(cov_atomic)              \
	X(cov_tls_ie) X(cov_tls_gd) X(cov_bits) X(cov_checked) X(cov_report)      \
	X(cov_strhash) X(cov_varsum) X(cov_vla) X(cov_sort) X(cov_cmp)            \
	X(cov_canary)                                                             \
	X(cov_avx_add) X(cov_avx_dot) X(cov_avx_switch) X(cov_avx_fill)

enum insncov_func {
#define X(f) COV_##f,
	INSNCOV_FUNCS(X)
#undef X
	COV_NFUNCS
};

struct cov_blob {
	long a[6];
};

/* How often the function numbered @k (enum insncov_func) was entered. */
unsigned long insncov_calls(int k);

long cov_riprel_load(long i);
void cov_riprel_store(long v);
long cov_got(long v);
long cov_switch(int op, long a, long b);
int cov_sparse(long x);
long cov_classify(long a, long b);
long cov_sum(const long *p, int n);
void cov_matmul(int n, const int *a, const int *b, int *c);
long cov_fib(int n);
long cov_chain(long x, long y);
long cov_tail(long x);
long cov_tail_plt(long x);
long cov_indirect(long x, long y);
long cov_indirect_tail(int k, long x, long y);
size_t cov_libc(char *dst, const char *src, size_t cap);
double cov_poly(double x, int n);
void cov_vec4(float *dst, const float *a, const float *b, int n);
long cov_struct_copy(struct cov_blob *out, const struct cov_blob *in);
long cov_minmax(long a, long b, long c);
long cov_divmod(long a, long b);
long cov_atomic(long v);
long cov_tls_ie(long v);
long cov_tls_gd(long v);
long cov_bits(unsigned long x);
long cov_checked(long x);
unsigned long cov_strhash(const char *s);
double cov_varsum(int n, ...);
long cov_vla(int n);
void cov_sort(int *v, int n);
long cov_canary(const char *s, int k);

void cov_avx_add(int *dst, const int *a, const int *b, int n);
float cov_avx_dot(const float *a, const float *b, int n);
long cov_avx_switch(int k, long x);
void cov_avx_fill(long *dst, long v, int n);

#endif
