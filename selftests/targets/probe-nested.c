// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * probe-nested: where a unit's functions are not all its children: GNU C
 * nested functions (one inside a loop's block), a static inline function
 * inlined into two callers, a declaration inside a block.  xol probe reads
 * a unit's functions itself (tools/xol/probe-index.c); these must come out
 * as perf finds them through libdw (40-probe-oracle.t).
 */
#include <stdio.h>
#include <stdlib.h>

static inline int sq(int x)
{
	return x * x;
}

__attribute__((noinline)) int outer(int n)
{
	int acc = 0;
	__attribute__((noinline)) int inner(int k)
	{
		return k + n + acc;
	}

	for (int i = 0; i < n; i++) {
		extern int puts(const char *s);
		__attribute__((noinline)) int deeper(int z)
		{
			return inner(z) * 2;
		}
		acc += deeper(i) + sq(i);
	}
	return acc;
}

__attribute__((noinline)) int twice(int a)
{
	return sq(a) + sq(a + 1);
}

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 3;

	printf("%d %d\n", outer(n), twice(n));
	return 0;
}
