// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * spin ROUNDS: ROUNDS rounds of 2000 calls of tick(), 10 ms apart, so a
 * probe on tick() fires all along a run of about ROUNDS/100 seconds.  The
 * number of calls is fixed and the output depends only on ROUNDS, however
 * slow a probe makes the calls: one line on stderr every 50 rounds, the sum
 * on stdout at the end, and an exit status made from it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

__attribute__((noinline)) long tick(long i)
{
	asm volatile("" : "+r"(i));
	return (i * 2654435761u) >> 7 & 0xff;
}

int main(int argc, char **argv)
{
	long rounds = argc > 1 ? atol(argv[1]) : 200, sum = 0;
	struct timespec pause = { 0, 10 * 1000 * 1000 };

	for (long r = 1; r <= rounds; r++) {
		for (long i = 0; i < 2000; i++)
			sum += tick(r * 2000 + i);
		if (r % 50 == 0)
			fprintf(stderr, "spin: round %ld\n", r);
		nanosleep(&pause, NULL);
	}
	printf("spin: %ld calls, sum %ld\n", rounds * 2000, sum);
	return (int)(sum % 100);
}
