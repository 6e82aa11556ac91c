// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * libinsncov.so, the other half: built with -fcf-protection=full (endbr64
 * at every entry, `notrack jmp *` through the jump table, as distributions
 * that enable CET build everything) and, only where the CPU has AVX2,
 * -mavx2 (vmovdqu/vmovups of ymm registers, vpbroadcastq, vzeroupper).
 * Without AVX2 the same vectors are made of SSE moves, so the program runs
 * the same on any x86-64.
 */
#include <string.h>

#include "insncov.h"

#define API __attribute__((visibility("default"), noinline, noclone))

extern __attribute__((visibility("hidden"))) unsigned long cov_calls[COV_NFUNCS];
#define COV_ENTER(f) (cov_calls[COV_##f]++)

typedef int v8si __attribute__((vector_size(32)));
typedef float v8sf __attribute__((vector_size(32)));
typedef long v4di __attribute__((vector_size(32)));

static v8si g_bias = { 1, -1, 2, -2, 3, -3, 4, -4 };

API void cov_avx_add(int *dst, const int *a, const int *b, int n)
{
	int i;

	COV_ENTER(cov_avx_add);
	for (i = 0; i + 8 <= n; i += 8) {
		v8si x, y;

		memcpy(&x, a + i, sizeof(x));
		memcpy(&y, b + i, sizeof(y));
		x = x + y + g_bias;
		memcpy(dst + i, &x, sizeof(x));
	}
	for (; i < n; i++)
		dst[i] = a[i] + b[i];
}

API float cov_avx_dot(const float *a, const float *b, int n)
{
	v8sf acc = { 0 };
	float s = 0;
	int i;

	COV_ENTER(cov_avx_dot);
	for (i = 0; i + 8 <= n; i += 8) {
		v8sf x, y;

		memcpy(&x, a + i, sizeof(x));
		memcpy(&y, b + i, sizeof(y));
		acc += x * y;
	}
	for (int k = 0; k < 8; k++)
		s += acc[k];
	for (; i < n; i++)
		s += a[i] * b[i];
	return s;
}

API long cov_avx_switch(int k, long x)
{
	COV_ENTER(cov_avx_switch);
	switch (k) {
	case 0: return x + 1;
	case 1: return x * 9;
	case 2: return x - 100;
	case 3: return x >> 2;
	case 4: return x ^ 0x5a5a;
	case 5: return ~x;
	case 6: return x * x;
	case 7: return x | 1;
	default: return -1;
	}
}

API void cov_avx_fill(long *dst, long v, int n)
{
	v4di w = { v, v, v, v };

	COV_ENTER(cov_avx_fill);
	for (int i = 0; i + 4 <= n; i += 4) {
		memcpy(dst + i, &w, sizeof(w));
		w += (v4di){ 1, 2, 3, 4 };
	}
}
