// SPDX-License-Identifier: GPL-2.0-or-later
/* probe-sdt's marker without a semaphore: xolsdt:plain (i, i * 1000, -i). */
#include <sys/sdt.h>

__attribute__((noinline)) void plain_marker(int i)
{
	long k = (long)i * 1000;
	int neg = -i;

	DTRACE_PROBE3(xolsdt, plain, i, k, neg);
}
