// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * oracle-lib: calls into libxoltarget.so (found through rpath $ORIGIN).
 * `oracle-lib [ROUNDS]` (default 3): lib_sum, lib_label and lib_scale are
 * each called ROUNDS times; the results are printed at the end, after
 * "libxoltarget.so base 0x..." (where the library is mapped).
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>

#include "oracle-wait.h"

struct pt {
	int x, y;
	const char *label;
	short hist[4];
};

int lib_sum(const int *v, int n);
const char *lib_label(int i);
long lib_scale(struct pt *p, int k);

int main(int argc, char **argv)
{
	oracle_wait();
	static const int nums[6] = { 3, -1, 4, -1, 5, -9 };
	struct pt p = { 2, 100, "pt", { 0, 0, 0, 0 } };	/* on the stack */
	int rounds = argc > 1 ? atoi(argv[1]) : 3;
	long sum = 0, scale = 0;
	int len = 0;

	for (int i = 0; i < rounds; i++) {
		sum += lib_sum(nums, 2 + i);
		for (const char *s = lib_label(i); *s; s++)
			len++;
		scale += lib_scale(&p, i + 1);
	}
	Dl_info info;

	if (dladdr((void *)lib_sum, &info))
		printf("libxoltarget.so base %#lx\n", (unsigned long)info.dli_fbase);
	printf("lib_sum calls=%d sum=%ld\n", rounds, sum);
	printf("lib_label calls=%d len=%d\n", rounds, len);
	printf("lib_scale calls=%d sum=%ld\n", rounds, scale);
	return 0;
}
