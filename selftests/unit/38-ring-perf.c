// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Record rings: what a record costs.  Prints ns per reserve + fill + commit
 * of a 64-byte record (32-byte header + 32 bytes of payload) on one thread,
 * for an exclusive and a shared ring, and the records per second a reader
 * drains, alone and against a writer in another process.  The bounds are
 * loose (sanitizer builds run here too); the figures are the point.
 */
#include <signal.h>
#include <stdint.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "core/ring.h"
#include "selftests/unit/tap.h"

#define BATCH 16384 /* 1 MiB of 64-byte records */
#define ROUNDS 64

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

static int sum_cb(void *ctx, unsigned ring, const struct ring_rec *rec, uint32_t len)
{
	(void)ring, (void)len;
	*(uint64_t *)ctx += rec->time;
	return 0;
}

static inline int hit(struct ring_writer *w, uint64_t i)
{
	uint64_t payload[4] = { i, i ^ 1, i ^ 2, i ^ 3 };
	struct ring_rec *rec = ring_reserve(w, 1, sizeof(payload), i, 0);

	if (!rec)
		return 0;
	ring_copy(rec->data, payload, sizeof(payload));
	ring_commit(w, rec);
	return 1;
}

/* Best batch of ROUNDS: the cost without the noise of a shared 2-core box. */
static double write_cost(uint32_t nr_exclusive, uint32_t nr_shared)
{
	struct ring_region_opts o = { .buffer_size = 4 << 20, .nr_exclusive = nr_exclusive, .nr_shared = nr_shared };
	struct ring_region *r;
	struct ring_attach *a;
	struct ring_writer *w;
	uint64_t best = UINT64_MAX, t0, t, sum = 0, i, n = 0, written = 0;
	int round;

	ring_region_create(&o, &r);
	ring_attach(ring_region_fd(r), getpid(), &a);
	w = ring_claim(a, gettid());
	for (round = 0; round < ROUNDS; round++) {
		t0 = now_ns();
		for (i = 0; i < BATCH; i++)
			written += hit(w, n++);
		t = now_ns() - t0;
		if (t < best)
			best = t;
		ring_drain(r, sum_cb, &sum, 0);
	}
	ok(written == (uint64_t)ROUNDS * BATCH, "%s ring: no drop while measuring",
	   nr_exclusive ? "exclusive" : "shared");
	ring_unmap(a);
	ring_region_destroy(r);
	return (double)best / BATCH;
}

static double drain_rate(void)
{
	struct ring_region_opts o = { .buffer_size = 4 << 20, .nr_exclusive = 1, .nr_shared = 0 };
	struct ring_region *r;
	struct ring_attach *a;
	struct ring_writer *w;
	uint64_t best = UINT64_MAX, t0, t, sum = 0, i, n = 0;
	long got;
	int round;

	ring_region_create(&o, &r);
	ring_attach(ring_region_fd(r), getpid(), &a);
	w = ring_claim(a, gettid());
	for (round = 0; round < ROUNDS; round++) {
		for (i = 0; i < 4 * BATCH; i++)
			hit(w, n++);
		t0 = now_ns();
		got = ring_drain(r, sum_cb, &sum, 0);
		t = now_ns() - t0;
		if (got == 4 * BATCH && t < best)
			best = t;
	}
	ring_unmap(a);
	ring_region_destroy(r);
	return best == UINT64_MAX ? 0 : 4.0 * BATCH * 1e9 / best;
}

/* A writer process flat out, the reader draining as a collector would. */
static void sustained(void)
{
	struct ring_region_opts o = { .buffer_size = 4 << 20, .nr_exclusive = 1, .nr_shared = 0,
				      .wait_min_us = 100, .wait_max_us = 1000 };
	struct ring_region *r;
	struct ring_stats st;
	uint64_t sum = 0, t0, got = 0;
	double secs;
	pid_t pid;

	ring_region_create(&o, &r);
	pid = fork();
	if (!pid) {
		struct ring_attach *a;
		struct ring_writer *w;
		uint64_t i = 0;

		ring_attach(ring_region_fd(r), getpid(), &a);
		w = ring_claim(a, gettid());
		for (;;)
			hit(w, i++);
	}
	t0 = now_ns();
	while (now_ns() - t0 < 500000000ull) {
		got += ring_drain(r, sum_cb, &sum, 0);
		ring_wait(r);
	}
	secs = (now_ns() - t0) / 1e9;
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	got += ring_drain(r, sum_cb, &sum, RING_DRAIN_FINAL);
	ring_stats(r, 0, &st);
	ok(got > 0, "against a writer process flat out: %.1f M records/s drained, %.0f%% of %.1f M/s offered",
	   got / secs / 1e6, 100.0 * got / (got + st.lost), (got + st.lost) / secs / 1e6);
	ring_region_destroy(r);
}

int main(void)
{
	double excl = write_cost(1, 0), shared = write_cost(0, 1), rate = drain_rate();

	ok(excl > 0 && excl < 2000, "exclusive ring: %.1f ns per reserve + fill + commit of a 64-byte record", excl);
	ok(shared > 0 && shared < 2000, "shared ring, one thread: %.1f ns per record", shared);
	ok(rate > 100000, "reader alone: %.1f M records/s", rate / 1e6);
	sustained();
	return done_testing();
}
