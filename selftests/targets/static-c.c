// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * 85-static.t: a statically linked C program (no libc the agent could use).
 * Each line N read from stdin makes N calls of work() (entry and return
 * probes, $retval 3a + b); it prints the sum.  A line "fork N" makes a
 * child do the N calls (with b = 100) while the parent waits.  At the end of its input
 * it exits with status 3.  It installs a SIGSEGV handler of its own, which
 * a fetch of a bad address must never reach.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

__attribute__((noinline)) long work(long a, long b)
{
	asm volatile("" : : : "memory");
	return 3 * a + b;
}

/* The program's own, installed after the agent's (nothing interposes a static sigaction()). */
static void on_segv(int sig)
{
	(void)sig;
	static const char msg[] = "static-c: its own SIGSEGV handler ran\n";
	if (write(2, msg, sizeof(msg) - 1) < 0)
		_exit(9);
	_exit(9);
}

int main(void)
{
	char line[64];
	long round = 0;

	signal(SIGSEGV, on_segv);

	while (fgets(line, sizeof(line), stdin)) {
		if (!strncmp(line, "fork ", 5)) {
			long n = strtol(line + 5, NULL, 10), sum = 0;
			pid_t pid = fork();
			if (pid == 0) {
				for (long i = 0; i < n; i++)
					sum += work(i, 100);
				printf("child: %ld calls, sum %ld\n", n, sum);
				fflush(stdout);
				_exit(0); /* exit() would move the shared offset of a buffered stdin */
			}
			int st = -1;
			waitpid(pid, &st, 0);
			printf("child exited with %d\n", WIFEXITED(st) ? WEXITSTATUS(st) : -1);
			fflush(stdout);
			continue;
		}
		long n = strtol(line, NULL, 10), sum = 0;
		for (long i = 0; i < n; i++)
			sum += work(i, round);
		printf("round %ld: %ld calls, sum %ld\n", round++, n, sum);
		fflush(stdout);
	}
	return 3;
}
