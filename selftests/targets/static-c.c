// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * 85-static.t: a statically linked C program (no libc the agent could use).
 * Each line N read from stdin makes N calls of work() (entry and return
 * probes, $retval 3a + b); it prints the sum.  At the end of its input it
 * exits with status 3.
 */
#include <stdio.h>
#include <stdlib.h>

__attribute__((noinline)) long work(long a, long b)
{
	asm volatile("" : : : "memory");
	return 3 * a + b;
}

int main(void)
{
	char line[64];
	long round = 0;

	while (fgets(line, sizeof(line), stdin)) {
		long n = strtol(line, NULL, 10), sum = 0;
		for (long i = 0; i < n; i++)
			sum += work(i, round);
		printf("round %ld: %ld calls, sum %ld\n", round++, n, sum);
		fflush(stdout);
	}
	return 3;
}
