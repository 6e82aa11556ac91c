// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * 70-return-probes stress: 2 threads, a recursive return-probed function,
 * exceptions thrown at random depths and caught at random depths,
 * 1,000,000 calls in all.
 */
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <pthread.h>
#include <stdexcept>

static std::atomic<long> calls, returned;
static thread_local long mine;

struct Boom {
	int at;
};

__attribute__((noipa)) long rec(int n, int throw_at, int catch_at, unsigned *seed)
{
	calls.fetch_add(1, std::memory_order_relaxed);
	mine++;
	if (n == throw_at)
		throw Boom{n};
	long r;
	if (n == catch_at) {
		try {
			r = n ? rec(n - 1, throw_at, -1, seed) + 1 : 0;
		} catch (const Boom &b) {
			r = -b.at;
		}
	} else {
		r = n ? rec(n - 1, throw_at, catch_at, seed) + 1 : 0;
	}
	returned.fetch_add(1, std::memory_order_relaxed);
	return r;
}

static void *worker(void *arg)
{
	unsigned seed = (unsigned)(long)arg;
	long sum = 0, thrown = 0;

	while (mine < 500000) {
		int n = rand_r(&seed) % 64;
		int throw_at = rand_r(&seed) % 4 ? -1 : rand_r(&seed) % (n + 1);
		int catch_at = throw_at >= 0 && rand_r(&seed) % 2 ? throw_at + 1 + rand_r(&seed) % (n - throw_at + 1) : -1;
		try {
			sum += rec(n, throw_at, catch_at, &seed);
		} catch (const Boom &b) {
			thrown++;
		}
	}
	std::printf("worker %ld: sum %ld thrown %ld\n", (long)arg, sum, thrown);
	return nullptr;
}

int main()
{
	pthread_t th[2];
	for (long i = 0; i < 2; i++)
		pthread_create(&th[i], nullptr, worker, (void *)(i + 1));
	for (auto &t : th)
		pthread_join(t, nullptr);
	std::fflush(stdout);
	std::fprintf(stderr, "calls=%ld returned=%ld left=%ld\n", calls.load(), returned.load(),
		     calls.load() - returned.load());
	return 0;
}
