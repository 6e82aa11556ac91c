// SPDX-License-Identifier: GPL-2.0-or-later
/* The benchmark target: hot() called N times in a loop; prints ns per call. */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static const char *const names[] = { "alpha", "beta", "gamma", "delta" };

__attribute__((noinline)) long hot(long a, long b, const char *name)
{
	asm volatile("" ::"r"(name) : "memory");
	return a ^ b;
}

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 1000000, acc = 0;
	struct timespec t0, t1;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (long i = 0; i < n; i++)
		acc += hot(i, n - i, names[i & 3]);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	double ns = (double)(t1.tv_sec - t0.tv_sec) * 1e9 + (double)(t1.tv_nsec - t0.tv_nsec);
	printf("%.2f ns/call %ld calls acc=%ld\n", ns / (double)n, n, acc);
	return 0;
}
