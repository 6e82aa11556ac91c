// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * 70-return-probes: signal handlers that run return-probed functions,
 * raised inside return-probed frames, on the thread's stack and on an
 * alternate signal stack, nested once.
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>

static volatile sig_atomic_t handler_depth;
static long calls, returned, handled;

__attribute__((noipa)) long nest(int d, int sig_at)
{
	calls++;
	if (d == sig_at)
		raise(SIGUSR1);
	long r = d ? nest(d - 1, sig_at) + 1 : 0;
	returned++;
	return r;
}

static void on_usr1(int sig)
{
	(void)sig;
	handler_depth++;
	handled++;
	/* probed frames in the handler; the first level raises once more */
	handled += nest(4, handler_depth == 1 ? 2 : -1);
	handler_depth--;
}

int main(void)
{
	static char alt[65536];
	stack_t ss = { .ss_sp = alt, .ss_size = sizeof(alt) };
	struct sigaction sa;
	long total = 0;

	sigaltstack(&ss, NULL);
	for (int k = 0; k < 2; k++) {
		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = on_usr1;
		sa.sa_flags = SA_NODEFER | (k ? SA_ONSTACK : 0);
		sigaction(SIGUSR1, &sa, NULL);
		for (int i = 0; i < 500; i++)
			total += nest(6, i % 8);
	}
	printf("total %ld, handled %ld\n", total, handled);
	printf("calls=%ld returned=%ld left=%ld\n", calls, returned, calls - returned);
	return 0;
}
