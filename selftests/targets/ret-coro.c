// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * 70-return-probes: swapcontext coroutines that switch inside
 * return-probed frames; one coroutine is abandoned, one ends via uc_link.
 */
#include <stdio.h>
#include <stdlib.h>
#include <ucontext.h>

static ucontext_t main_ctx, co_ctx[3];
static long calls, returned;

__attribute__((noipa)) int step(int co, int n)
{
	calls++;
	int r = 0;
	if (n) {
		r = step(co, n - 1) + 1;
	} else if (co >= 0) {
		/* switch away in the deepest probed frame */
		swapcontext(&co_ctx[co], &main_ctx);
		r = 100 * co;
	}
	returned++;
	return r;
}

static void body(int co)
{
	for (int round = 0; round < 4; round++)
		printf("co %d round %d: %d\n", co, round, step(co, 3 + co));
}

int main(void)
{
	for (int c = 0; c < 3; c++) {
		getcontext(&co_ctx[c]);
		co_ctx[c].uc_stack.ss_sp = malloc(128 * 1024);
		co_ctx[c].uc_stack.ss_size = 128 * 1024;
		co_ctx[c].uc_link = &main_ctx;
		makecontext(&co_ctx[c], (void (*)(void))body, 1, c);
	}
	/* interleave: each coroutine is suspended inside step() while others run */
	for (int i = 0; i < 5; i++)
		for (int c = 0; c < 3; c++) {
			if (c == 2 && i >= 2)
				continue; /* coroutine 2 is left suspended for good */
			printf("main -> co %d (main's own step: %d)\n", c, step(-1, 1));
			swapcontext(&main_ctx, &co_ctx[c]);
		}
	printf("calls=%ld returned=%ld left=%ld\n", calls, returned, calls - returned);
	return 0;
}
