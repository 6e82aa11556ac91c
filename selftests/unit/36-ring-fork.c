// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Record rings: a forked child never writes into its parent's rings;
 * claims under contention; rings of dead threads are reaped.
 */
#include <pthread.h>
#include <stdint.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/ring.h"
#include "selftests/unit/tap.h"

struct tally {
	unsigned n, by_type[16];
	uint32_t pid_of_type[16];
	unsigned char last_byte;
};

static int count(void *ctx, unsigned ring, const struct ring_rec *rec, uint32_t len)
{
	struct tally *t = ctx;

	(void)ring;
	t->n++;
	t->by_type[rec->type & 15]++;
	t->pid_of_type[rec->type & 15] = rec->pid;
	if (len)
		t->last_byte = rec->data[len - 1];
	return 0;
}

static void put(struct ring_writer *w, uint16_t type, unsigned n)
{
	while (n--) {
		struct ring_rec *rec = ring_reserve(w, type, 24, 0, 0);

		if (!rec)
			return;
		memset(rec->data, 0x22, 24);
		ring_commit(w, rec);
	}
}

/* Bits of the child's exit status: which promises held. */
enum {
	CHILD_EXCL_WIPED = 1,  /* the exclusive writer reads as a dead one */
	CHILD_SHARED_WIPED = 2,
	CHILD_NO_CLAIM = 4,    /* a new thread finds no ring in the old region */
	CHILD_NEW_REGION = 8,  /* and records through the new one */
	CHILD_ALL = 15,
};

static void fork_child(void)
{
	struct ring_region_opts o = { .buffer_size = 2 * RING_SIZE_MIN, .nr_exclusive = 1, .nr_shared = 1 };
	struct ring_region *r, *r2;
	struct ring_attach *a, *a2;
	struct ring_writer *we, *ws;
	struct ring_stats st0, st1, st;
	struct ring_rec *open_rec;
	struct tally t = { 0 }, t2 = { 0 };
	int status = 0, bits;
	pid_t pid;

	ring_region_create(&o, &r);
	ring_region_create(&o, &r2); /* what the collector sends the child */
	ring_attach(ring_region_fd(r), getpid(), &a);
	we = ring_claim(a, gettid());
	ws = ring_claim(a, 424242);
	put(we, 1, 3);
	put(ws, 2, 2);
	/* As if fork() came from a signal handler that interrupted a hit. */
	open_rec = ring_reserve(we, 3, 24, 0, 0);
	memset(open_rec->data, 0x11, 24);
	ring_stats(r, 0, &st0);
	ring_stats(r, 1, &st1);

	pid = fork();
	if (!pid) {
		struct ring_writer *w;

		bits = 0;
		if (we->kind == RING_NONE && !we->limit && !ring_reserve(we, 4, 24, 0, 0))
			bits |= CHILD_EXCL_WIPED;
		if (ws->kind == RING_NONE && !ring_reserve(ws, 4, 24, 0, 0))
			bits |= CHILD_SHARED_WIPED;
		w = ring_claim(a, gettid());
		if (w->kind == RING_NONE && !ring_reserve(w, 4, 24, 0, 0))
			bits |= CHILD_NO_CLAIM;
		ring_commit(we, open_rec); /* the hit goes on: lands nowhere */
		ring_detach(a);
		memset(open_rec->data, 0xee, 24); /* private memory now */
		ring_unmap(a);
		if (!ring_attach(ring_region_fd(r2), getpid(), &a2)) {
			w = ring_claim(a2, gettid());
			put(w, 5, 2);
			bits |= CHILD_NEW_REGION;
		}
		_exit(bits);
	}
	waitpid(pid, &status, 0);
	bits = WIFEXITED(status) ? WEXITSTATUS(status) : 0;
	ok(bits & CHILD_EXCL_WIPED, "child: the forking thread's exclusive writer is wiped, reserve fails");
	ok(bits & CHILD_SHARED_WIPED, "child: a shared writer is wiped too");
	ok(bits & CHILD_NO_CLAIM, "child: a new thread finds no ring in the parent's region");
	ok(bits & CHILD_NEW_REGION, "child: attaches the region the collector sent it");

	ring_stats(r, 0, &st);
	ok(st.records == st0.records && st.lost == st0.lost, "parent's exclusive ring untouched");
	ok(open_rec->data[0] == 0x11 && open_rec->data[23] == 0x11,
	   "the child's late stores into an open record did not reach the parent");
	ring_commit(we, open_rec);
	put(ws, 2, 1);
	is_int(ring_drain(r, count, &t, 0), 7, "parent: its records, and only its");
	ok(t.by_type[1] == 3 && t.by_type[2] == 3 && t.by_type[3] == 1 && t.by_type[4] == 0,
	   "parent: 3 + 3 + the open one, none of the child's");
	ring_stats(r, 1, &st);
	is_int(st.lost, st1.lost, "parent's shared ring: no drop caused by the child");
	is_int(ring_drain(r2, count, &t2, 0), 2, "child's records arrive in the child's region");
	is_int(t2.pid_of_type[5], pid, "stamped with the child's pid");
	ring_unmap(a);
	ring_region_destroy(r);
	ring_region_destroy(r2);
}

/* --- many threads claim at once ------------------------------------------------- */

#define CLAIMERS 16

static struct ring_attach *ca;
static struct ring_writer *claimed[CLAIMERS];
static pthread_barrier_t barrier;

static void *claimer(void *p)
{
	uintptr_t i = (uintptr_t)p;

	pthread_barrier_wait(&barrier);
	claimed[i] = ring_claim(ca, gettid());
	put(claimed[i], (uint16_t)(i & 15), 1);
	return NULL;
}

static void contention(void)
{
	struct ring_region_opts o = { .buffer_size = 5 * RING_SIZE_MIN, .nr_exclusive = 4, .nr_shared = 1 };
	struct ring_region *r;
	struct ring_stats st;
	pthread_t th[CLAIMERS];
	unsigned excl = 0, shared = 0, owners = 0, rings = 0, i;
	uint64_t nshared, nfailed;
	struct tally t = { 0 };

	ring_region_create(&o, &r);
	ring_attach(ring_region_fd(r), getpid(), &ca);
	pthread_barrier_init(&barrier, NULL, CLAIMERS);
	for (i = 0; i < CLAIMERS; i++)
		pthread_create(&th[i], NULL, claimer, (void *)(uintptr_t)i);
	for (i = 0; i < CLAIMERS; i++)
		pthread_join(th[i], NULL);
	for (i = 0; i < CLAIMERS; i++) {
		excl += claimed[i]->kind == RING_EXCLUSIVE;
		shared += claimed[i]->kind == RING_SHARED;
		if (claimed[i]->kind == RING_EXCLUSIVE)
			rings |= 1u << claimed[i]->ring;
	}
	is_int(excl, 4, "%d threads race for 4 exclusive rings: 4 win", CLAIMERS);
	is_int(rings, 0xf, "each exclusive ring has exactly one owner");
	is_int(shared, CLAIMERS - 4, "the others share the shared ring");
	ring_region_claims(r, &nshared, &nfailed);
	ok(nshared == CLAIMERS - 4 && nfailed == 0, "claims counted");
	is_int(ring_drain(r, count, &t, 0), CLAIMERS, "one record from each");
	for (i = 0; i < CLAIMERS; i++)
		ring_release(claimed[i]);
	for (i = 0; i < 4; i++) {
		ring_stats(r, i, &st);
		owners += st.owner != 0;
	}
	is_int(owners, 0, "released: no owner left");
	pthread_barrier_destroy(&barrier);
	ring_unmap(ca);
	ring_region_destroy(r);
}

/* --- a thread exits without ring_release ---------------------------------------- */

static void *claim_and_leave(void *p)
{
	put(ring_claim(p, gettid()), 1, 1);
	return NULL; /* no ring_release: say, it left by a raw exit */
}

static void reap(void)
{
	struct ring_region_opts o = { .buffer_size = 3 * RING_SIZE_MIN, .nr_exclusive = 2, .nr_shared = 1 };
	struct ring_region *r;
	struct ring_attach *a;
	struct ring_writer *mine, *w;
	struct ring_stats st;
	pthread_t th;

	ring_region_create(&o, &r);
	ring_region_set_pid(r, getpid());
	ring_attach(ring_region_fd(r), getpid(), &a);
	mine = ring_claim(a, gettid());
	pthread_create(&th, NULL, claim_and_leave, a);
	pthread_join(th, NULL);
	w = ring_claim(a, 5555555); /* not a live thread, but never checked: it is not an owner */
	is_int(w->kind, RING_SHARED, "both exclusive rings held, one by a dead thread");
	is_int(ring_reap(r), 1, "reap frees the dead thread's ring, not the live one's");
	ring_stats(r, mine->ring, &st);
	ok(st.owner == (uint32_t)gettid(), "the live owner keeps its ring");
	ring_release(w);
	w = ring_claim(a, 5555556);
	is_int(w->kind, RING_EXCLUSIVE, "the reaped ring is claimed again");
	ring_unmap(a);
	ring_region_destroy(r);
}

/* The agent's side: a dead thread's writer slot and ring, without the collector. */
static void reap_writers(void)
{
	struct ring_region_opts o = { .buffer_size = 2 * RING_SIZE_MIN, .nr_exclusive = 1, .nr_shared = 1,
				      .nr_writers = 2 };
	struct ring_region *r;
	struct ring_attach *a;
	struct ring_writer *mine, *w;
	struct ring_stats st;
	pthread_t th;

	ring_region_create(&o, &r);
	ring_attach(ring_region_fd(r), getpid(), &a);
	pthread_create(&th, NULL, claim_and_leave, a);
	pthread_join(th, NULL);
	mine = ring_claim(a, gettid());
	is_int(mine->kind, RING_SHARED, "the only exclusive ring is held by a dead thread");
	w = ring_claim(a, 5555557);
	is_int(w->kind, RING_NONE, "and both writer slots are taken");
	is_int(ring_reap_writers(a), 1, "the agent frees the dead thread's slot, not the live one's");
	ring_stats(r, 0, &st);
	is_int(st.owner, 0, "and its exclusive ring");
	w = ring_claim(a, 5555558);
	is_int(w->kind, RING_EXCLUSIVE, "both are claimed again");
	is_int(mine->tid, gettid(), "the live thread's slot is untouched");
	ring_unmap(a);
	ring_region_destroy(r);
}

int main(void)
{
	fork_child();
	contention();
	reap();
	reap_writers();
	return done_testing();
}
