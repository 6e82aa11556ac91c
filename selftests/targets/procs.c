// SPDX-License-Identifier: GPL-2.0-or-later
/* Threads and children: each worker calls step() a given number of times. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

static volatile long total;

__attribute__((noinline)) int step(int worker, int i)
{
	__atomic_fetch_add(&total, 1, __ATOMIC_RELAXED);
	return worker * 1000 + (i & 7);
}

static long per;

static void *worker(void *arg)
{
	int w = (int)(long)arg;
	long acc = 0;

	for (long i = 0; i < per; i++)
		acc += step(w, (int)i);
	return (void *)acc;
}

/* procs THREADS CALLS [fork]: THREADS threads × CALLS calls; "fork" repeats it in a child. */
int main(int argc, char **argv)
{
	int nthreads = argc > 1 ? atoi(argv[1]) : 4;
	pthread_t th[64];
	pid_t child = -1;

	per = argc > 2 ? atol(argv[2]) : 1000;
	if (nthreads > 64)
		nthreads = 64;
	if (argc > 3)
		child = fork();
	for (int i = 0; i < nthreads; i++)
		pthread_create(&th[i], NULL, worker, (void *)(long)i);
	for (int i = 0; i < nthreads; i++)
		pthread_join(th[i], NULL);
	if (child > 0)
		waitpid(child, NULL, 0);
	printf("%s total=%ld\n", child == 0 ? "child" : "parent", total);
	return 0;
}
