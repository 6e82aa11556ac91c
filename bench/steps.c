// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Instructions per call, counted by single-stepping: steps [MODE [CALLS]]
 * calls one function of bench/hot.c's kind CALLS times (8 by default)
 * with the trap flag set, counts the SIGTRAPs, and prints the fewest
 * instructions one call took.  Traced by xol (a probe on the function),
 * the difference from an untraced run is what a hit executes: the
 * trampoline, the handler, the ring.  For machines without a PMU (VMs),
 * where perf cannot count instructions.
 *
 *   MODE n  hot(a, b, name)       one call
 *        r  hot(a, b, name)       the same (for a return probe: the pair)
 *
 * The first call is not counted: it claims the thread's ring and state.
 * With STEPS_IPS=FILE, the last call's instruction addresses go to FILE,
 * followed by the process's maps (bench/steps-annotate names them).
 */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ucontext.h>

static volatile long steps;
static unsigned long ips[4096];

__attribute__((noinline)) long hot(long a, long b, const char *name)
{
	asm volatile("" ::"r"(name) : "memory");
	return a ^ b;
}

static void on_trap(int sig, siginfo_t *si, void *uc)
{
	(void)sig;
	(void)si;
	if (steps < 4096)
		ips[steps] = (unsigned long)((ucontext_t *)uc)->uc_mcontext.gregs[REG_RIP];
	steps++;
}

/* Steps of one call between setting TF and clearing it again. */
__attribute__((noinline)) static long stepped(long i)
{
	long r;

	steps = 0;
	asm volatile("pushfq; orq $0x100,(%%rsp); popfq" ::: "memory", "cc");
	r = hot(i, 7, "alpha");
	asm volatile("pushfq; andq $~0x100,(%%rsp); popfq" ::: "memory", "cc");
	return r + 0 * steps;
}

int main(int argc, char **argv)
{
	int calls = argc > 2 ? atoi(argv[2]) : 8;
	struct sigaction sa;
	long best = -1;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_trap;
	sa.sa_flags = SA_SIGINFO;
	sigaction(SIGTRAP, &sa, NULL);
	hot(0, 0, "warm");
	for (int i = 0; i < calls; i++) {
		stepped(i);
		long n = steps;
		if (best < 0 || n < best)
			best = n;
	}
	printf("%ld insns/call\n", best);
	if (getenv("STEPS_IPS")) {	/* the last call's instructions, and the maps to name them */
		FILE *f = fopen(getenv("STEPS_IPS"), "w");
		char line[512];
		FILE *m = fopen("/proc/self/maps", "r");

		for (long i = 0; f && i < steps && i < 4096; i++)
			fprintf(f, "ip %lx\n", ips[i]);
		while (f && m && fgets(line, sizeof(line), m))
			fprintf(f, "map %s", line);
		if (m)
			fclose(m);
		if (f)
			fclose(f);
	}
	return 0;
}
