// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * oracle-mt: four threads named oracle-w0..oracle-w3, started together
 * (a barrier), each calling mt_step(worker, i, tag) CALLS times
 * (`oracle-mt [CALLS]`, default 50).  The order of hits across threads
 * varies; the set of hits does not.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#include "oracle-wait.h"

#define NTHREADS 4

static const char *const tags[NTHREADS] = { "red", "green", "blue", "white" };
static pthread_barrier_t start;
static long calls;

__attribute__((noipa, used)) int mt_step(int worker, unsigned i, const char *tag)
{
	return worker * 1000 + (int)(i % 17) - tag[0];
}

static void *worker(void *arg)
{
	int w = (int)(long)arg;
	char name[16];
	long acc = 0;

	snprintf(name, sizeof(name), "oracle-w%d", w);
	pthread_setname_np(pthread_self(), name);
	pthread_barrier_wait(&start);
	for (long i = 0; i < calls; i++)
		acc += mt_step(w, (unsigned)i, tags[w]);
	return (void *)acc;
}

int main(int argc, char **argv)
{
	oracle_wait();
	pthread_t th[NTHREADS];
	long total = 0;

	calls = argc > 1 ? atol(argv[1]) : 50;
	pthread_barrier_init(&start, NULL, NTHREADS);
	for (long w = 0; w < NTHREADS; w++)
		pthread_create(&th[w], NULL, worker, (void *)w);
	for (int w = 0; w < NTHREADS; w++) {
		void *r;

		pthread_join(th[w], &r);
		total += (long)r;
	}
	printf("mt_step calls=%ld total=%ld\n", NTHREADS * calls, total);
	return 0;
}
