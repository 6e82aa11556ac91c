// SPDX-License-Identifier: GPL-2.0-or-later
/* The benchmark target: hot() (or hot_push() with "p") called N times; prints ns per call. */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static const char *const names[] = { "alpha", "beta", "gamma", "delta" };

/* Its first instruction is a mov: the kernel must single-step it. */
__attribute__((noinline)) long hot(long a, long b, const char *name)
{
	asm volatile("" ::"r"(name) : "memory");
	return a ^ b;
}

/* Its first instruction is push %rbp: the kernel emulates it, its fast case. */
long hot_push(long a, long b, const char *name);
asm(".text\n.globl hot_push\n.type hot_push, @function\nhot_push:\n"
    "\tpush %rbp\n\tmov %rsp, %rbp\n\tmov %rdi, %rax\n\txor %rsi, %rax\n"
    "\tpop %rbp\n\tret\n.size hot_push, .-hot_push\n");

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 1000000, acc = 0;
	long (*fn)(long, long, const char *) = argc > 2 && argv[2][0] == 'p' ? hot_push : hot;
	struct timespec t0, t1;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (long i = 0; i < n; i++)
		acc += fn(i, n - i, names[i & 3]);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	double ns = (double)(t1.tv_sec - t0.tv_sec) * 1e9 + (double)(t1.tv_nsec - t0.tv_nsec);
	printf("%.2f ns/call %ld calls acc=%ld\n", ns / (double)n, n, acc);
	return 0;
}
