// SPDX-License-Identifier: GPL-2.0-or-later
/* 70-return-probes: a return-probed function recursing N deep (argv[1]). */
#include <stdio.h>
#include <stdlib.h>

volatile long sink;
long calls;

__attribute__((noipa)) long rec(long n)
{
	long r = n ? rec(n - 1) : 0;

	sink += r;
	calls++;
	return r + 1;
}

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 10000;

	printf("rec(%ld) = %ld\n", n, rec(n));
	printf("calls=%ld returned=%ld left=0\n", calls, calls);
	return 3;
}
