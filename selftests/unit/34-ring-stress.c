// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Record rings under load, as in a real session: a traced process (fork)
 * with 4 writer threads x 1,000,000 records, the collector draining
 * concurrently from the parent through the shared memfd.  Every record
 * must be intact (checksummed payload), each thread's records in order, and
 * recorded + lost = 4,000,000.
 */
#include <pthread.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "core/ring.h"
#include "selftests/unit/tap.h"

#define NTHREADS 4
#define PER_THREAD 1000000

#include "ring-payload.h"

/* Written by the traced process, read by the collector after it exits. */
struct shared_result {
	uint64_t fails[NTHREADS];
	uint32_t tids[NTHREADS];
};

struct target {
	struct ring_attach *a;
	struct shared_result *res;
	unsigned pace;
	uint32_t t;
};

static void *writer(void *p)
{
	struct target *tg = p;
	uint32_t t = tg->t, tid = gettid(), len;
	struct ring_writer *w = ring_claim(tg->a, tid);
	struct ring_rec *rec;
	uint64_t s, fails = 0;

	for (s = 0; s < PER_THREAD; s++) {
		for (unsigned k = tg->pace; k; k--) /* the program's own work between hits */
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
	tg->res->fails[t] = fails;
	tg->res->tids[t] = tid;
	return NULL;
}

static void traced_process(int fd, struct shared_result *res, unsigned pace)
{
	struct target tg[NTHREADS];
	pthread_t th[NTHREADS];
	struct ring_attach *a;
	uint32_t i;

	if (ring_attach(fd, getpid(), &a))
		_exit(2);
	for (i = 0; i < NTHREADS; i++) {
		tg[i] = (struct target){ a, res, pace, i };
		pthread_create(&th[i], NULL, writer, &tg[i]);
	}
	for (i = 0; i < NTHREADS; i++)
		pthread_join(th[i], NULL);
	_exit(0);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void session(const char *what, uint32_t nr_exclusive, uint32_t nr_shared, unsigned pace)
{
	struct ring_region_opts o = {
		.buffer_size = 4 << 20, .nr_exclusive = nr_exclusive, .nr_shared = nr_shared,
		.wait_min_us = 500, .wait_max_us = 5000,
	};
	struct payload_tally c = { 0 };
	struct shared_result *res;
	struct ring_region *r;
	struct ring_stats st;
	uint64_t got = 0, fails = 0, lost = 0, per_thread_ok = 0, shared, failed;
	int status = -1, exited = 0;
	double t0, t;
	pid_t pid;
	uint32_t i;

	res = mmap(NULL, sizeof(*res), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	r = NULL;
	is_int(ring_region_create(&o, &r), 0, "%s: region created", what);
	ok(r, "%s: %u exclusive + %u shared rings of %llu KiB", what,
	   nr_exclusive, nr_shared, (unsigned long long)ring_region_ring_size(r) >> 10);
	t0 = now();
	pid = fork();
	if (!pid)
		traced_process(ring_region_fd(r), res, pace);
	c.pid = pid;
	ring_region_set_pid(r, pid);
	while (!exited) {
		exited = waitpid(pid, &status, WNOHANG) == pid;
		ring_drain(r, payload_check, &c, exited ? RING_DRAIN_FINAL : 0);
		if (!exited)
			ring_wait(r);
	}
	t = now() - t0;

	for (i = 0; i < NTHREADS; i++) {
		got += c.got[i];
		fails += res->fails[i];
		per_thread_ok += c.got[i] + res->fails[i] == PER_THREAD &&
				 (!c.got[i] || c.seen_tid[i] == res->tids[i]);
	}
	for (i = 0; i < ring_region_nr_rings(r); i++) {
		ring_stats(r, i, &st);
		lost += st.lost;
	}
	ring_region_claims(r, &shared, &failed);
	is_int(status, 0, "%s: the traced process ran to the end", what);
	is_int(got + fails, NTHREADS * PER_THREAD, "%s: recorded %llu + lost %llu = 4,000,000", what,
	       (unsigned long long)got, (unsigned long long)fails);
	ok(got > 0, "%s: the collector kept up with part of it (%.0f records/s over %.2f s)", what,
	   got / t, t);
	is_int(lost, fails, "%s: the rings' lost counters match the writers' failures", what);
	is_int(c.bad, 0, "%s: every record intact", what);
	is_int(c.misordered, 0, "%s: per-thread order kept", what);
	is_int(per_thread_ok, NTHREADS, "%s: accounted thread by thread, with their tids", what);
	is_int(failed, 0, "%s: every thread found a ring", what);
	ring_region_destroy(r);
	munmap(res, sizeof(*res));
}

int main(void)
{
	session("exclusive rings", 4, 1, 200);
	session("one shared ring", 0, 1, 200);
	session("exclusive, flat out", 4, 1, 0);
	session("mixed, paced", 2, 1, 2000);
	return done_testing();
}
