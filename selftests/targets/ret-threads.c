// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * 70-return-probes: pthread_exit and cancellation inside return-probed
 * frames, with cleanup handlers; the main thread's frames return.
 */
#include <pthread.h>
#include <stdio.h>
#include <unistd.h>

static long calls, returned;
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_barrier_t bar;

static void add(long *c)
{
	pthread_mutex_lock(&mu);
	(*c)++;
	pthread_mutex_unlock(&mu);
}

static void cleanup(void *arg)
{
	printf("cleanup %s\n", (const char *)arg);
}

__attribute__((noipa)) int work(int n, int mode)
{
	add(&calls);
	if (n == 0) {
		if (mode == 1)
			pthread_exit((void *)42);
		if (mode == 2) {
			pthread_barrier_wait(&bar);
			for (;;)
				pause(); /* a cancellation point */
		}
	}
	int r;
	pthread_cleanup_push(cleanup, n == 3 ? "work(3)" : "");
	r = n ? work(n - 1, mode) + 1 : 0;
	pthread_cleanup_pop(0);
	add(&returned);
	return r;
}

static void *thread(void *arg)
{
	long mode = (long)arg;
	return (void *)(long)work(5, (int)mode);
}

int main(void)
{
	pthread_t th;
	void *rv;

	pthread_barrier_init(&bar, NULL, 2);
	for (long mode = 0; mode < 3; mode++) {
		pthread_create(&th, NULL, thread, (void *)mode);
		if (mode == 2) {
			pthread_barrier_wait(&bar);
			pthread_cancel(th);
		}
		pthread_join(th, &rv);
		printf("mode %ld: %s %ld\n", mode, rv == PTHREAD_CANCELED ? "canceled" : "returned",
		       rv == PTHREAD_CANCELED ? 0 : (long)rv);
	}
	printf("main: %d\n", work(4, 0));
	printf("calls=%ld returned=%ld left=%ld\n", calls, returned, calls - returned);
	return 0;
}
