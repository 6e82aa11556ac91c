// SPDX-License-Identifier: GPL-2.0-or-later
/* Record rings: a full ring drops and counts, never overwrites; no ring at all; ring_wait. */
#include <stdint.h>
#include <time.h>
#include <unistd.h>

#include "core/ring.h"
#include "selftests/unit/tap.h"

struct seq_check {
	uint64_t n, last, bad;
};

static int check(void *ctx, unsigned ring, const struct ring_rec *rec, uint32_t len)
{
	struct seq_check *c = ctx;
	uint64_t v;

	(void)ring;
	memcpy(&v, rec->data, sizeof(v));
	if (len != 40 || v != rec->time || (c->n && rec->time <= c->last))
		c->bad++;
	c->last = rec->time;
	c->n++;
	return 0;
}

static uint64_t now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000ull + ts.tv_nsec / 1000;
}

static void fill(const char *what, uint32_t nr_exclusive, uint32_t nr_shared)
{
	struct ring_region_opts o = {
		.buffer_size = RING_SIZE_MIN, .nr_exclusive = nr_exclusive, .nr_shared = nr_shared,
	};
	struct seq_check c = { 0 };
	struct ring_region *r;
	struct ring_attach *a;
	struct ring_writer *w;
	struct ring_stats st;
	struct ring_rec *rec;
	uint64_t i, okays = 0, fails = 0, delivered;

	ring_region_create(&o, &r);
	ring_attach(ring_region_fd(r), getpid(), &a);
	w = ring_claim(a, 500);

	/* 72-byte records: 227 fit in 16 KiB; try 1000. */
	for (i = 0; i < 1000; i++) {
		rec = ring_reserve(w, 1, 40, i, 0);
		if (!rec) {
			fails++;
			continue;
		}
		memcpy(rec->data, &i, sizeof(i));
		ring_commit(w, rec);
		okays++;
	}
	is_int(okays, RING_SIZE_MIN / 72, "%s: the ring holds what fits", what);
	ring_stats(r, w->ring, &st);
	is_int(st.lost, fails, "%s: every refusal counted as lost (%llu)", what,
	       (unsigned long long)fails);
	delivered = ring_drain(r, check, &c, 0);
	is_int(delivered, okays, "%s: the records already in the ring survive", what);
	is_int(c.bad, 0, "%s: intact and in order (no overwrite)", what);
	is_int(delivered + st.lost, 1000, "%s: recorded + lost = attempts", what);

	for (i = 1000; i < 1100; i++) {
		rec = ring_reserve(w, 1, 40, i, 0);
		if (rec) {
			memcpy(rec->data, &i, sizeof(i));
			ring_commit(w, rec);
		}
	}
	is_int(ring_drain(r, check, &c, 0), 100, "%s: room again after the drain", what);
	is_int(c.bad, 0, "%s: still in order", what);

	ring_unmap(a);
	ring_region_destroy(r);
}

static void no_ring(void)
{
	struct ring_region_opts o = {
		.buffer_size = 2 * RING_SIZE_MIN, .nr_exclusive = 1, .nr_shared = 0,
	};
	struct ring_region *r;
	struct ring_attach *a;
	struct ring_writer *w1, *w2, *w3;
	uint64_t shared, failed;

	ring_region_create(&o, &r);
	ring_attach(ring_region_fd(r), getpid(), &a);
	w1 = ring_claim(a, 10);
	w2 = ring_claim(a, 11);
	is_int(w1->kind, RING_EXCLUSIVE, "the only ring goes to the first thread");
	is_int(w2->kind, RING_NONE, "no free ring and no shared ring: a dead writer");
	ok(ring_reserve(w2, 0, 8, 0, 0) == NULL, "a dead writer's reserve fails");
	ring_commit(w2, NULL);
	ring_release(w2);
	ring_region_claims(r, &shared, &failed);
	is_int(failed, 1, "counted as a failed claim");
	ring_release(w1);
	w3 = ring_claim(a, 13);
	is_int(w3->kind, RING_EXCLUSIVE, "a released ring is claimed again");
	ring_unmap(a);
	ring_region_destroy(r);

	o.nr_shared = 1;
	o.nr_writers = 2;
	ring_region_create(&o, &r);
	ring_attach(ring_region_fd(r), getpid(), &a);
	w1 = ring_claim(a, 10);
	w2 = ring_claim(a, 11);
	w3 = ring_claim(a, 12);
	is_int(w2->kind, RING_SHARED, "second thread: the shared ring");
	is_int(w3->kind, RING_NONE, "third thread: no writer slot left, a dead writer");
	ring_region_claims(r, &shared, &failed);
	ok(shared == 1 && failed == 1, "claims counted: 1 shared, 1 failed");
	ring_release(w2);
	w3 = ring_claim(a, 12);
	is_int(w3->kind, RING_SHARED, "a released slot is reused");
	ring_unmap(a);
	ring_region_destroy(r);
}

static int nothing(void *ctx, unsigned ring, const struct ring_rec *rec, uint32_t len)
{
	(void)ctx, (void)ring, (void)rec, (void)len;
	return 0;
}

static void waiting(void)
{
	struct ring_region_opts o = {
		.buffer_size = 4 * RING_SIZE_MIN, .nr_exclusive = 1, .nr_shared = 0,
		.wait_min_us = 20000, .wait_max_us = 80000,
	};
	struct ring_region *r;
	struct ring_attach *a;
	struct ring_writer *w;
	struct ring_rec *rec;
	uint64_t t0, idle, busy;
	int i;

	ring_region_create(&o, &r);
	ring_attach(ring_region_fd(r), getpid(), &a);
	w = ring_claim(a, 20);

	for (i = 0; i < 6; i++) { /* idle: 40, 80, 80, … ms */
		ring_drain(r, nothing, NULL, 0);
		ring_wait(r);
	}
	t0 = now_us();
	ring_drain(r, nothing, NULL, 0);
	ring_wait(r);
	idle = now_us() - t0;
	ok(idle >= 80000 && idle < 400000, "idle: the wait backs off to wait_max (%llu us)",
	   (unsigned long long)idle);

	for (i = 0; i < 40; i++) { /* 40 * 1056 bytes: 2/3 of the ring */
		rec = ring_reserve(w, 0, 1024, 0, 0);
		ring_commit(w, rec);
	}
	t0 = now_us();
	ring_drain(r, nothing, NULL, 0);
	ring_wait(r);
	busy = now_us() - t0;
	ok(busy < 10000, "over half a ring since the last drain: no sleep (%llu us)",
	   (unsigned long long)busy);
	t0 = now_us();
	ring_drain(r, nothing, NULL, 0);
	ring_wait(r);
	busy = now_us() - t0;
	ok(busy >= 20000 && busy < 200000, "then it sleeps again, starting near wait_min (%llu us)",
	   (unsigned long long)busy);
	ring_unmap(a);
	ring_region_destroy(r);
}

int main(void)
{
	fill("exclusive", 1, 0);
	fill("shared", 0, 1);
	no_ring();
	waiting();
	return done_testing();
}
