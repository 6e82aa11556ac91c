// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * 70-return-probes: longjmp and siglongjmp out of return-probed frames,
 * from the frames themselves and from a signal handler (on the thread's
 * stack and on an alternate signal stack).
 */
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>

static jmp_buf jb;
static sigjmp_buf sjb;
static long calls, returned;
static volatile int depth_now;

__attribute__((noipa)) int dive(int n, int jump_at, int how)
{
	calls++;
	depth_now = n;
	if (n == jump_at) {
		if (how == 0)
			longjmp(jb, n + 1);
		if (how == 1)
			raise(SIGUSR1); /* the handler siglongjmps */
	}
	int r = n ? dive(n - 1, jump_at, how) + 1 : 0;
	returned++;
	return r;
}

static void on_usr1(int sig)
{
	(void)sig;
	/* A probed function inside the handler, then out of it all. */
	dive(3, -1, 0);
	siglongjmp(sjb, depth_now + 100);
}

int main(void)
{
	static char alt[65536];
	stack_t ss = { .ss_sp = alt, .ss_size = sizeof(alt) };
	struct sigaction sa = { .sa_handler = on_usr1 };

	sigaltstack(&ss, NULL);
	sigaction(SIGUSR1, &sa, NULL);
	for (volatile int i = 0; i < 1000; i++) {
		int v = setjmp(jb);
		if (!v)
			dive(40, i % 41, 0);
		else if (i % 100 == 0)
			printf("longjmp %d: %d\n", i, v);
	}
	for (volatile int k = 0; k < 2; k++) {
		sa.sa_flags = k ? SA_ONSTACK : 0;
		sigaction(SIGUSR1, &sa, NULL);
		for (volatile int i = 0; i < 300; i++) {
			int v = sigsetjmp(sjb, 1);
			if (!v)
				dive(25, i % 26, 1);
			else if (i % 50 == 0)
				printf("siglongjmp%s %d: %d\n", k ? " (altstack)" : "", i, v);
		}
	}
	printf("normal: %d\n", dive(10, -1, 0));
	printf("calls=%ld returned=%ld left=%ld\n", calls, returned, calls - returned);
	return 0;
}
