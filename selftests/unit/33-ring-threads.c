// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Record rings: writer threads and a reader thread in one process (so
 * ThreadSanitizer sees both sides): every record intact, per-thread order
 * kept, recorded + lost = written, for exclusive, mixed and shared rings.
 */
#include <pthread.h>
#include <stdint.h>
#include <unistd.h>

#include "core/ring.h"
#include "selftests/unit/tap.h"

#define NTHREADS 4
#define PER_THREAD 200000

#include "ring-payload.h"

struct run {
	unsigned pace; /* spin iterations between records: the program's own work */
	struct ring_region *r;
	struct ring_attach *a;
	int done;
	uint64_t fails[NTHREADS];
	uint32_t tids[NTHREADS];
	struct payload_tally tally; /* reader side */
};

struct arg {
	struct run *run;
	uint32_t t;
};

static void *writer(void *p)
{
	struct arg *arg = p;
	struct run *run = arg->run;
	uint32_t t = arg->t, tid = gettid(), len;
	struct ring_writer *w = ring_claim(run->a, tid);
	struct ring_rec *rec;
	uint64_t s, fails = 0;

	run->tids[t] = tid;
	for (s = 0; s < PER_THREAD; s++) {
		for (unsigned k = run->pace; k; k--)
			__asm__ volatile("" ::: "memory");
		len = len_of(t, s);
		rec = ring_reserve(w, t, len, s, t);
		if (!rec) {
			fails++;
			continue;
		}
		fill(rec->data, t, s, len);
		ring_commit(w, rec);
	}
	ring_release(w);
	run->fails[t] = fails;
	return NULL;
}

static void *reader(void *p)
{
	struct run *run = p;

	while (!__atomic_load_n(&run->done, __ATOMIC_ACQUIRE)) {
		ring_drain(run->r, payload_check, &run->tally, 0);
		ring_wait(run->r);
	}
	ring_drain(run->r, payload_check, &run->tally, RING_DRAIN_FINAL);
	return NULL;
}

static void one_run(const char *what, uint32_t nr_exclusive, uint32_t nr_shared, unsigned pace)
{
	struct ring_region_opts o = {
		.buffer_size = (uint64_t)(nr_exclusive + nr_shared) << 18,
		.nr_exclusive = nr_exclusive, .nr_shared = nr_shared,
		.wait_min_us = 200, .wait_max_us = 2000,
	};
	struct run run = { .pace = pace };
	struct arg args[NTHREADS];
	pthread_t th[NTHREADS], rd;
	uint64_t got = 0, lost = 0, fails = 0, per_thread_ok = 0, shared, failed;
	struct ring_stats st;
	size_t mem_size;
	void *mem;
	uint32_t i;

	ok(ring_region_create(&o, &run.r) == 0, "%s: %u exclusive + %u shared rings", what,
	   nr_exclusive, nr_shared);
	run.tally.pid = getpid();
	ring_region_set_pid(run.r, run.tally.pid);
	/* One mapping for both sides, so ThreadSanitizer sees every pairing. */
	mem = ring_region_mem(run.r, &mem_size);
	ok(ring_attach_mem(mem, mem_size, getpid(), &run.a) == 0, "%s: agent attached in-process", what);
	pthread_create(&rd, NULL, reader, &run);
	for (i = 0; i < NTHREADS; i++) {
		args[i] = (struct arg){ &run, i };
		pthread_create(&th[i], NULL, writer, &args[i]);
	}
	for (i = 0; i < NTHREADS; i++)
		pthread_join(th[i], NULL);
	__atomic_store_n(&run.done, 1, __ATOMIC_RELEASE);
	pthread_join(rd, NULL);

	for (i = 0; i < NTHREADS; i++) {
		got += run.tally.got[i];
		fails += run.fails[i];
		per_thread_ok += run.tally.got[i] + run.fails[i] == PER_THREAD &&
				 (!run.tally.got[i] || run.tally.seen_tid[i] == run.tids[i]);
	}
	for (i = 0; i < ring_region_nr_rings(run.r); i++) {
		ring_stats(run.r, i, &st);
		lost += st.lost;
	}
	ring_region_claims(run.r, &shared, &failed);
	is_int(got + fails, NTHREADS * PER_THREAD, "%s: recorded %llu + lost %llu = written", what,
	       (unsigned long long)got, (unsigned long long)fails);
	is_int(lost, fails, "%s: the rings' lost counters match the writers' failures", what);
	is_int(run.tally.bad, 0, "%s: every record intact", what);
	is_int(run.tally.misordered, 0, "%s: per-thread order kept", what);
	is_int(per_thread_ok, NTHREADS, "%s: accounted thread by thread, with their tids", what);
	is_int(failed, 0, "%s: every thread found a ring", what);
	ring_detach(run.a);
	ring_unmap(run.a);
	ring_region_destroy(run.r);
}

int main(void)
{
	one_run("exclusive, flat out", 4, 1, 0);
	one_run("mixed, flat out", 2, 1, 0);
	one_run("shared, flat out", 0, 1, 0);
	one_run("exclusive, paced", 4, 1, 1000);
	one_run("mixed, paced", 2, 1, 1000);
	one_run("shared, paced", 0, 1, 1000);
	return done_testing();
}
