// SPDX-License-Identifier: GPL-2.0-or-later
/* 70-return-probes: fork inside return-probed frames; both sides return. */
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

static long calls, returned;

__attribute__((noipa)) int outer(int n)
{
	calls++;
	int r;
	if (n) {
		r = outer(n - 1) + 1;
	} else {
		fflush(stdout);
		pid_t p = fork();
		if (p == 0) {
			r = 1000;
		} else {
			int st;
			waitpid(p, &st, 0);
			r = WEXITSTATUS(st);
		}
	}
	returned++;
	return r;
}

int main(void)
{
	int r = outer(5);
	printf("%s: outer = %d, calls=%ld returned=%ld left=%ld\n", r > 1000 ? "child" : "parent",
	       r, calls, returned, calls - returned);
	fflush(stdout);
	if (r >= 1000)
		_exit(7);
	return 0;
}
