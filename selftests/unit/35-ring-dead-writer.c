// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Record rings: a writer that dies between reserve and commit never blocks
 * the reader for good.  Exclusive rings publish nothing before commit;
 * shared rings wait stall_ms, then step over the record of a thread that
 * is gone (or everything unfinished once the process is, with
 * RING_DRAIN_FINAL).
 */
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "core/ring.h"
#include "selftests/unit/tap.h"

#define STALL_MS 50

struct tally {
	unsigned n, by_type[128], busy;
};

static int count(void *ctx, unsigned ring, const struct ring_rec *rec, uint32_t len)
{
	struct tally *t = ctx;

	(void)ring, (void)len;
	t->n++;
	t->by_type[rec->type & 127]++;
	t->busy += !!(rec->flags & RING_F_BUSY);
	return 0;
}

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static void put(struct ring_writer *w, uint16_t type, unsigned n)
{
	while (n--) {
		struct ring_rec *rec = ring_reserve(w, type, 24, 0, 0);

		memset(rec->data, 0x5a, 24);
		ring_commit(w, rec);
	}
}

static uint64_t abandoned(struct ring_region *r)
{
	struct ring_stats st;
	uint64_t n = 0;
	uint32_t i;

	for (i = 0; i < ring_region_nr_rings(r); i++) {
		ring_stats(r, i, &st);
		n += st.abandoned;
	}
	return n;
}

/* --- a thread dies mid-record; its process lives on ---------------------------- */

static struct ring_attach *child_a;

static void *excl_then_die(void *p)
{
	struct ring_writer *w = ring_claim(child_a, gettid());

	(void)p;
	put(w, 1, 5);
	ring_reserve(w, 1, 24, 0, 0);
	pthread_exit(NULL); /* no commit, no release */
}

static void *shared_then_die(void *p)
{
	struct ring_writer *w = ring_claim(child_a, gettid());

	(void)p;
	ring_reserve(w, 2, 24, 0, 0);
	pthread_exit(NULL);
}

static void thread_dies(void)
{
	struct ring_region_opts o = {
		.buffer_size = 2 * RING_SIZE_MIN, .nr_exclusive = 1, .nr_shared = 1,
		.stall_ms = STALL_MS,
	};
	int ready[2], go[2];
	struct tally t = { 0 };
	struct ring_region *r;
	struct ring_stats st;
	double t0, took;
	pthread_t th;
	pid_t pid;
	char c;

	ring_region_create(&o, &r);
	if (pipe(ready) || pipe(go))
		return;
	pid = fork();
	if (!pid) {
		struct ring_writer *w;

		ring_attach(ring_region_fd(r), getpid(), &child_a);
		pthread_create(&th, NULL, excl_then_die, NULL);
		pthread_join(th, NULL);
		pthread_create(&th, NULL, shared_then_die, NULL);
		pthread_join(th, NULL);
		w = ring_claim(child_a, gettid()); /* the exclusive ring is held by a dead thread */
		put(w, 3, 10);
		if (write(ready[1], "r", 1) != 1 || read(go[0], &c, 1) != 1)
			_exit(1);
		_exit(0);
	}
	ring_region_set_pid(r, pid);
	if (read(ready[0], &c, 1) != 1)
		return;

	t0 = now_ms();
	while (now_ms() - t0 < 5000 && !(t.n == 15 && abandoned(r) == 1)) {
		ring_drain(r, count, &t, 0);
		usleep(5000);
	}
	took = now_ms() - t0;
	is_int(t.by_type[1], 5, "exclusive ring: the committed records, not the open one");
	is_int(t.by_type[3], 10, "shared ring: records behind the dead thread's come out");
	is_int(abandoned(r), 1, "its open record counted as abandoned");
	ok(took >= STALL_MS && took < 2000, "after stall_ms, not before, not forever (%.0f ms)", took);
	ring_stats(r, 0, &st);
	is_int(st.owner, 0, "the dead thread's exclusive ring was reaped");
	if (write(go[1], "g", 1) != 1)
		return;
	waitpid(pid, NULL, 0);
	close(ready[0]), close(ready[1]), close(go[0]), close(go[1]);
	ring_region_destroy(r);
}

/* --- the whole process is killed between reserve and commit --------------------- */

static int hang_exclusive;

static void *reserve_and_hang(void *p)
{
	struct ring_writer *w = ring_claim(child_a, gettid());

	if (hang_exclusive)
		put(w, 7, 3);
	ring_reserve(w, 99, 24, 0, 0);
	if (write(*(int *)p, "r", 1) != 1)
		return NULL;
	pause();
	return NULL;
}

static void process_killed(const char *what, int liveness, unsigned nr_exclusive)
{
	struct ring_region_opts o = {
		.buffer_size = 2 * RING_SIZE_MIN, .nr_exclusive = nr_exclusive, .nr_shared = 1,
		.stall_ms = STALL_MS,
	};
	int ready[2], inner[2];
	struct tally t = { 0 };
	struct ring_region *r;
	double t0, took;
	pthread_t th;
	pid_t pid;
	char c;

	ring_region_create(&o, &r);
	if (pipe(ready) || pipe(inner))
		return;
	hang_exclusive = nr_exclusive;
	pid = fork();
	if (!pid) {
		ring_attach(ring_region_fd(r), getpid(), &child_a);
		pthread_create(&th, NULL, reserve_and_hang, &inner[1]);
		if (read(inner[0], &c, 1) != 1)
			_exit(1);
		if (!hang_exclusive)
			put(ring_claim(child_a, gettid()), 7, 3); /* behind the open record */
		if (write(ready[1], "r", 1) != 1)
			_exit(1);
		pause();
		_exit(0);
	}
	if (liveness)
		ring_region_set_pid(r, pid);
	if (read(ready[0], &c, 1) != 1)
		return;

	t0 = now_ms();
	while (now_ms() - t0 < 3 * STALL_MS) {
		ring_drain(r, count, &t, 0);
		usleep(5000);
	}
	if (nr_exclusive) {
		is_int(t.n, 3, "%s: records before the open one come out at once", what);
	} else {
		is_int(t.n, 0, "%s: a live writer's open record holds the records behind it", what);
		is_int(abandoned(r), 0, "%s: and is not given up while its thread lives", what);
	}

	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	t0 = now_ms();
	if (liveness) {
		while (now_ms() - t0 < 5000 && t.n < 3) {
			ring_drain(r, count, &t, 0);
			usleep(5000);
		}
	} else {
		ring_drain(r, count, &t, 0);
		is_int(t.n, nr_exclusive ? 3 : 0, "%s: without a pid to check, the reader keeps waiting",
		       what);
		ring_drain(r, count, &t, RING_DRAIN_FINAL | RING_DRAIN_ABANDONED);
	}
	took = now_ms() - t0;
	is_int(t.n - t.busy, 3, "%s: the committed records come out (%.0f ms after the kill)", what,
	       took);
	if (!nr_exclusive) {
		is_int(abandoned(r), 1, "%s: the open record counted as abandoned", what);
		if (!liveness)
			ok(t.busy == 1 && t.by_type[99] == 1,
			   "%s: RING_DRAIN_ABANDONED shows it, header intact, RING_F_BUSY set", what);
	}
	close(ready[0]), close(ready[1]), close(inner[0]), close(inner[1]);
	ring_region_destroy(r);
}

/* --- a writer died between winning the CAS and writing its header -------------- */

static void headerless(void)
{
	struct ring_region_opts o = { .buffer_size = RING_SIZE_MIN, .nr_shared = 1, .stall_ms = 1 };
	struct tally t = { 0 };
	struct ring_region *r;
	struct ring_attach *a;
	struct ring_writer *w;
	struct ring_region_hdr *h;
	struct ring_ctl *ctl;
	unsigned char *base, *data;
	uint64_t pos, nonzero = 0;
	struct stat st;

	ring_region_create(&o, &r);
	ring_region_set_pid(r, getpid());
	ring_attach(ring_region_fd(r), getpid(), &a);
	w = ring_claim(a, 31337);
	put(w, 4, 2);
	fstat(ring_region_fd(r), &st);
	base = mmap(NULL, st.st_size, PROT_READ | PROT_WRITE, MAP_SHARED, ring_region_fd(r), 0);
	h = (struct ring_region_hdr *)base;
	ctl = (struct ring_ctl *)(base + h->ctl_offset);
	data = base + h->data_offset;
	__atomic_fetch_add(&ctl->head, 136, __ATOMIC_RELAXED); /* the CAS, then nothing */
	put(w, 5, 3);

	ring_drain(r, count, &t, 0);
	usleep(10000);
	ring_drain(r, count, &t, 0);
	is_int(t.by_type[4], 2, "records before the hole come out");
	is_int(t.by_type[5], 0, "a live process: the hole of unknown size is waited for");
	ring_drain(r, count, &t, RING_DRAIN_FINAL);
	is_int(t.by_type[5], 3, "final drain steps over the zeroed hole to the next record");
	is_int(abandoned(r), 1, "and counts it abandoned");
	for (pos = ctl->head; pos != ctl->tail + h->ring_size; pos++)
		nonzero += data[pos & (h->ring_size - 1)] != 0;
	is_int(nonzero, 0, "free space is zero again");
	munmap(base, st.st_size);
	ring_unmap(a);
	ring_region_destroy(r);
}

/* --- a thread leaves with a reservation open: ring_release discards it ---------- */

static void release_open(void)
{
	struct ring_region_opts o = { .buffer_size = RING_SIZE_MIN, .nr_shared = 1 };
	struct tally t = { 0 };
	struct ring_region *r;
	struct ring_attach *a;
	struct ring_writer *w1, *w2;

	ring_region_create(&o, &r);
	ring_attach(ring_region_fd(r), getpid(), &a);
	w1 = ring_claim(a, 1);
	w2 = ring_claim(a, 2);
	ring_reserve(w1, 8, 24, 0, 0);
	put(w2, 9, 4);
	ring_drain(r, count, &t, 0);
	is_int(t.n, 0, "an open shared record holds the others back");
	ring_release(w1);
	ring_drain(r, count, &t, 0);
	is_int(t.by_type[9], 4, "ring_release discards it and they come out");
	ok(t.by_type[8] == 0 && abandoned(r) == 0, "discarded, not delivered, not abandoned");
	ring_unmap(a);
	ring_region_destroy(r);
}

int main(void)
{
	thread_dies();
	process_killed("shared, pid known", 1, 0);
	process_killed("shared, final drain", 0, 0);
	process_killed("exclusive", 1, 1);
	headerless();
	release_open();
	return done_testing();
}
