// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * insncov [ROUNDS]: call every function of libinsncov.so ROUNDS times (50)
 * with inputs made from the round number, then print
 *
 *	result NAME HASH	every result of NAME folded into one number
 *	calls NAME N		how often NAME was entered (the library counts)
 *
 * and exit with a status made of the results (1..64).  Nothing depends on
 * addresses, time or the environment: two runs print the same, traced or not.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "insncov.h"

static unsigned long all = 14695981039346656037UL;

struct result {
	const char *name;
	unsigned long h;
};
static struct result res[64];
static int nres;

static void fold(const char *name, unsigned long v)
{
	int i;

	for (i = 0; i < nres && strcmp(res[i].name, name); i++)
		;
	if (i == nres) {
		res[nres].name = name;
		res[nres++].h = 14695981039346656037UL;
	}
	res[i].h = (res[i].h ^ v) * 1099511628211UL;
	all = (all ^ v) * 1099511628211UL;
}

static unsigned long dbits(double d)
{
	unsigned long u;

	memcpy(&u, &d, sizeof(u));
	return u;
}

static const char *const words[] = {
	"probe", "every instruction", "xol", "out of line and back again", "", "hello, kernel",
};
#define NWORDS (int)(sizeof(words) / sizeof(words[0]))

static void round_(int r)
{
	long la[20];
	int ia[20], ib[20], ic[20];
	float fa[20], fb[20], fc[20];
	long lf[16];
	char buf[16];
	struct cov_blob in, out;
	const char *w = words[r % NWORDS];

	for (int i = 0; i < 20; i++) {
		la[i] = (long)(i * 7 - r) * 3;
		ia[i] = (i * 13 + r * 5) % 23 - 11;
		ib[i] = (i * 3 + r) % 7;
		fa[i] = (float)(i + r % 5) * 0.25f;
		fb[i] = (float)(20 - i) * 0.5f;
	}

	cov_riprel_store(r * 7 - 20);
	fold("riprel_load", (unsigned long)cov_riprel_load(r * 37));
	fold("got", (unsigned long)cov_got(r));

	for (int op = -1; op < 14; op++)
		fold("switch", (unsigned long)cov_switch(op, r + 5, r % 9 + 1));
	for (int i = 0; i < 8; i++) {
		static const long sv[8] = { -5, 3, 100, 1000, 4096, 77777, 5, 0 };

		fold("sparse", (unsigned long)cov_sparse(i == 7 ? r : sv[i]));
	}
	fold("classify", (unsigned long)cov_classify(r - 10, 20 - r));
	fold("classify", (unsigned long)cov_classify(r, r));
	fold("classify", (unsigned long)cov_classify(r * 3, 150));

	fold("sum", (unsigned long)cov_sum(la, r % 17));
	cov_matmul(1 + r % 4, ia, ib, ic);
	for (int i = 0; i < 16; i++)
		fold("matmul", (unsigned long)ic[i] * (i < (1 + r % 4) * (1 + r % 4)));
	fold("fib", (unsigned long)cov_fib(r % 10));

	fold("chain", (unsigned long)cov_chain(r, r * 3));
	fold("tail", (unsigned long)cov_tail(r));
	fold("tail_plt", (unsigned long)cov_tail_plt(r));
	fold("indirect", (unsigned long)cov_indirect(r, 3));
	fold("indirect_tail", (unsigned long)cov_indirect_tail(r, r, 7));
	fold("libc", cov_libc(buf, w, sizeof(buf)));
	fold("libc", cov_strhash(buf));

	fold("poly", dbits(cov_poly(0.5 + r * 0.125, r % 9)));
	cov_vec4(fc, fa, fb, 4 + (r % 3) * 4);
	for (int i = 0; i < 4 + (r % 3) * 4; i++)
		fold("vec4", dbits(fc[i]));
	for (int i = 0; i < 6; i++)
		in.a[i] = r * 100 + i;
	fold("struct_copy", (unsigned long)cov_struct_copy(&out, &in));
	fold("struct_copy", (unsigned long)out.a[3]);

	fold("minmax", (unsigned long)cov_minmax(r, 50 - r, r * r % 37));
	fold("divmod", (unsigned long)cov_divmod(r * 1000 - 17, r % 7 + 1));
	fold("atomic", (unsigned long)cov_atomic(r));
	fold("tls", (unsigned long)cov_tls_ie(r));
	fold("tls", (unsigned long)cov_tls_gd(r));
	fold("bits", (unsigned long)cov_bits((unsigned long)r * 0x9e3779b97f4a7c15UL));
	fold("checked", (unsigned long)cov_checked(r));

	fold("strhash", cov_strhash(w));
	fold("varsum", dbits(cov_varsum(r % 4, 1.5, 2.5 * r, 3.5)));
	fold("vla", (unsigned long)cov_vla(1 + r % 12));
	for (int i = 0; i < 12; i++)
		ic[i] = (i * 7 + r * 3) % 11 - 5;
	cov_sort(ic, 12);
	for (int i = 0; i < 12; i++)
		fold("sort", (unsigned long)ic[i]);
	fold("canary", (unsigned long)cov_canary(w, r % 12));

	cov_avx_add(ic, ia, ib, r % 20);
	for (int i = 0; i < r % 20; i++)
		fold("avx_add", (unsigned long)ic[i]);
	fold("avx_dot", dbits(cov_avx_dot(fa, fb, r % 20)));
	fold("avx_switch", (unsigned long)cov_avx_switch(r % 10, r));
	cov_avx_fill(lf, r, 4 * (r % 4));
	for (int i = 0; i < 4 * (r % 4); i++)
		fold("avx_fill", (unsigned long)lf[i]);
}

int main(int argc, char **argv)
{
	static const char *const names[] = {
#define X(f) #f,
		INSNCOV_FUNCS(X)
#undef X
	};
	int rounds = argc > 1 ? atoi(argv[1]) : 50;

	for (int r = 0; r < rounds; r++)
		round_(r);
	for (int i = 0; i < nres; i++)
		printf("result %s %016lx\n", res[i].name, res[i].h);
	for (int k = 0; k < COV_NFUNCS; k++)
		printf("calls %s %lu\n", names[k], insncov_calls(k));
	return (int)(all % 64) + 1;
}
