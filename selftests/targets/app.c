// SPDX-License-Identifier: GPL-2.0-or-later
/* The demo program: a hot little function with numbers and a string. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const fruit[] = { "apple", "banana", "cherry", "damson" };

__attribute__((noinline)) long work(long a, int b, const char *name)
{
	long r = a * 3 + b;

	for (const char *p = name; *p; p++)
		r += *p;
	return r % 1000;
}

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 4;
	long sum = 0;

	for (int i = 0; i < n; i++)
		sum += work(i, -i, fruit[i % 4]);
	printf("sum=%ld\n", sum);
	return (int)(sum & 0x3f);
}
