// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The benchmark target: hot N [MODE [THREADS]] calls one function N times
 * in each of THREADS threads (1 by default) and prints ns per call.
 *
 *   MODE n  hot()       first instruction mov: the kernel single-steps it
 *        p  hot_push()  push %rbp: the kernel emulates it
 *        5  hot_nop()   a 5-byte nop: the kernel (6.18) optimises it
 *        t  hot_tsc()   no probe: hot() with one rdtsc, what any hit that
 *                       records a timestamp pays at least
 *
 * Each thread times its own loop (started together at a barrier); the
 * line printed is the total throughput as ns per call (1e9 / the sum of
 * the threads' calls per second), then the calls and the throughput.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <sys/resource.h>
#include <stdlib.h>
#include <time.h>

static const char *const names[] = { "alpha", "beta", "gamma", "delta" };

/* Its first instruction is a mov: the kernel must single-step it. */
__attribute__((noinline)) long hot(long a, long b, const char *name)
{
	asm volatile("" ::"r"(name) : "memory");
	return a ^ b;
}

/* Its first instruction is push %rbp: the kernel emulates it, its fast case. */
long hot_push(long a, long b, const char *name);
asm(".text\n.globl hot_push\n.type hot_push, @function\nhot_push:\n"
    "\tpush %rbp\n\tmov %rsp, %rbp\n\tmov %rdi, %rax\n\txor %rsi, %rax\n"
    "\tpop %rbp\n\tret\n.size hot_push, .-hot_push\n");

/* Its first instruction is nopl 0(%rax,%rax,1): the one the kernel optimises to a call. */
long hot_nop(long a, long b, const char *name);
asm(".text\n.globl hot_nop\n.type hot_nop, @function\nhot_nop:\n"
    "\t.byte 0x0f, 0x1f, 0x44, 0x00, 0x00\n\tmov %rdi, %rax\n\txor %rsi, %rax\n"
    "\tret\n.size hot_nop, .-hot_nop\n");

/* hot() and one read of the time stamp counter, as every record makes. */
__attribute__((noinline)) long hot_tsc(long a, long b, const char *name)
{
	unsigned lo, hi;

	asm volatile("rdtsc" : "=a"(lo), "=d"(hi) : "r"(name) : "memory");
	return a ^ b ^ lo ^ hi;
}

static long n;
static long (*fn)(long, long, const char *);
static pthread_barrier_t start;

struct worker {
	pthread_t tid;
	double ns;
	long acc;
	long faults, switches; /* page faults, involuntary context switches: in the loop */
};

static void *run(void *arg)
{
	struct worker *w = arg;
	struct timespec t0, t1;
	long acc = 0;

	struct rusage r0, r1;

	pthread_barrier_wait(&start);
	getrusage(RUSAGE_THREAD, &r0);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (long i = 0; i < n; i++)
		acc += fn(i, n - i, names[i & 3]);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	getrusage(RUSAGE_THREAD, &r1);
	w->faults = r1.ru_minflt - r0.ru_minflt;
	w->switches = r1.ru_nivcsw - r0.ru_nivcsw;
	w->ns = (double)(t1.tv_sec - t0.tv_sec) * 1e9 + (double)(t1.tv_nsec - t0.tv_nsec);
	w->acc = acc;
	return NULL;
}

int main(int argc, char **argv)
{
	char mode = argc > 2 ? argv[2][0] : 'n';
	int threads = argc > 3 ? atoi(argv[3]) : 1;
	struct worker w[64];
	double per_sec = 0;
	long acc = 0, faults = 0, switches = 0;

	n = argc > 1 ? atol(argv[1]) : 1000000;
	fn = mode == 'p' ? hot_push : mode == '5' ? hot_nop : mode == 't' ? hot_tsc : hot;
	if (threads < 1 || threads > 64 || n < 1) {
		fprintf(stderr, "usage: hot N [n|p|5|t [THREADS]]\n");
		return 2;
	}
	pthread_barrier_init(&start, NULL, (unsigned)threads);
	for (int t = 1; t < threads; t++)
		pthread_create(&w[t].tid, NULL, run, &w[t]);
	run(&w[0]);
	for (int t = 0; t < threads; t++) {
		if (t)
			pthread_join(w[t].tid, NULL);
		per_sec += (double)n / w[t].ns * 1e9;
		acc += w[t].acc;
		faults += w[t].faults;
		switches += w[t].switches;
	}
	printf("%.2f ns/call %ld calls acc=%ld threads=%d %.2f Mcalls/s faults=%ld preempted=%ld\n",
	       1e9 / per_sec, n * threads, acc, threads, per_sec / 1e6, faults, switches);
	return 0;
}
