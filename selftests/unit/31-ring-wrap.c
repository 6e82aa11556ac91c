// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Record rings: many laps around a small ring, padding at the end, shared-ring free space,
 * the straight path (ring_reserve_upto) mixed with the ordinary one.
 */
#include <stdbool.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/ring.h"
#include "selftests/unit/tap.h"

#define LAPS 300

struct check {
	uint64_t next; /* seq of the next record we expect */
	uint64_t bad;
};

static uint64_t rng = 88172645463325252ULL;

static uint64_t xorshift(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

/* Payload length and bytes are functions of the sequence number. */
static uint32_t len_of(uint64_t seq)
{
	uint64_t h = seq * 0x9e3779b97f4a7c15ULL;

	return (h >> 40) % 7 == 0 ? RING_PAYLOAD_MAX - (h >> 20) % 64 : (h >> 32) % 700;
}

static unsigned char byte_of(uint64_t seq, uint32_t j)
{
	return (unsigned char)((seq * 2654435761u) >> 8) ^ (unsigned char)j;
}

static int check_rec(void *ctx, unsigned ring, const struct ring_rec *rec, uint32_t len)
{
	struct check *c = ctx;
	uint64_t seq = rec->time;
	uint32_t j;

	(void)ring;
	if (seq != c->next || len != len_of(seq) || rec->type != (uint16_t)seq ||
	    rec->cpu != (uint16_t)seq || rec->pid != (uint32_t)getpid() || rec->tid != 1234 ||
	    rec->flags || rec->reserved0 || rec->reserved1)
		c->bad++;
	for (j = 0; j < len; j++)
		if (rec->data[j] != byte_of(seq, j))
			c->bad++;
	c->next = seq + 1;
	return 0;
}

static unsigned straight, fallback;

/*
 * The engine's straight path where it can (an upper bound of the size
 * first, the real size at commit), else the ordinary reserve.
 */
static int put_upto(struct ring_writer *w, uint64_t seq)
{
	uint32_t len = len_of(seq), max = len + (uint32_t)(seq % 300), j;
	struct ring_rec *rec = ring_reserve_upto(w, max > RING_PAYLOAD_MAX ? RING_PAYLOAD_MAX : max);

	if (!rec) {
		fallback++;
		return 0;
	}
	for (j = 0; j < len; j++)
		rec->data[j] = byte_of(seq, j);
	/* stale bytes past the record, as a string shorter than its bound leaves */
	for (; j < len + 8 && j < RING_PAYLOAD_MAX; j++)
		rec->data[j] = 0xee;
	ring_commit_upto(w, rec, (uint16_t)seq, len, seq, (uint16_t)seq);
	straight++;
	return 1;
}

static int put(struct ring_writer *w, uint64_t seq, bool upto)
{
	uint32_t len = len_of(seq), j;
	struct ring_rec *rec;

	if (upto && put_upto(w, seq))
		return 1;
	rec = ring_reserve(w, (uint16_t)seq, len, seq, (uint16_t)seq);
	if (!rec)
		return 0;
	for (j = 0; j < len; j++)
		rec->data[j] = byte_of(seq, j);
	ring_commit(w, rec);
	return 1;
}

/* Every byte of a shared ring outside [tail, head) must be zero after a drain. */
static uint64_t nonzero_free_bytes(int fd, unsigned ring)
{
	struct ring_region_hdr *h;
	struct ring_ctl *ctl;
	unsigned char *base, *data;
	uint64_t n = 0, pos, size;
	struct stat st;

	fstat(fd, &st);
	base = mmap(NULL, st.st_size, PROT_READ, MAP_SHARED, fd, 0);
	h = (struct ring_region_hdr *)base;
	size = h->ring_size;
	ctl = (struct ring_ctl *)(base + h->ctl_offset) + ring;
	data = base + h->data_offset + ring * size;
	for (pos = ctl->head; pos != ctl->tail + size; pos++)
		n += data[pos & (size - 1)] != 0;
	munmap(base, st.st_size);
	return n;
}

static void laps(const char *what, uint32_t nr_exclusive, uint32_t nr_shared, int kind, bool upto)
{
	struct ring_region_opts o = {
		.buffer_size = RING_SIZE_MIN * (nr_exclusive + nr_shared),
		.nr_exclusive = nr_exclusive,
		.nr_shared = nr_shared,
	};
	struct check c = { 0 };
	struct ring_region *r;
	struct ring_attach *a;
	struct ring_writer *w;
	struct ring_stats st;
	uint64_t seq = 0, bytes = 0, lost = 0;
	unsigned batch;

	ok(ring_region_create(&o, &r) == 0 && ring_region_ring_size(r) == RING_SIZE_MIN,
	   "%s: 16 KiB ring", what);
	ring_attach(ring_region_fd(r), getpid(), &a);
	w = ring_claim(a, 1234);
	is_int(w->kind, kind, "%s: writer kind", what);

	/* Batches of 1..6 records between drains: never full, always wrapping. */
	while (bytes < (uint64_t)LAPS * RING_SIZE_MIN) {
		for (batch = 1 + xorshift() % 3; batch; batch--, seq++) {
			if (!put(w, seq, upto))
				lost++;
			bytes += ring_aligned(RING_HDR_SIZE + len_of(seq));
		}
		ring_drain(r, check_rec, &c, 0);
	}
	is_int(lost, 0, "%s: nothing lost over %d laps", what, LAPS);
	is_int(c.next, seq, "%s: %llu records delivered in order", what, (unsigned long long)seq);
	is_int(c.bad, 0, "%s: every byte intact", what);
	ring_stats(r, w->ring, &st);
	is_int(st.records, seq, "%s: stats count them", what);
	is_int(st.corrupt + st.abandoned, 0, "%s: no corrupt or abandoned bytes", what);
	if (upto && kind == RING_EXCLUSIVE)
		ok(straight > seq / 2 && fallback > 0,
		   "%s: %u records straight, %u where the bound did not fit before the end",
		   what, straight, fallback);
	if (upto && kind == RING_SHARED)
		is_int(straight, 0, "%s: a shared ring has no straight path", what);
	if (kind == RING_SHARED)
		is_int(nonzero_free_bytes(ring_region_fd(r), w->ring), 0,
		       "%s: the reader left the free space zeroed", what);

	ring_unmap(a);
	ring_region_destroy(r);
}

static int count(void *ctx, unsigned ring, const struct ring_rec *rec, uint32_t len)
{
	(void)ring, (void)rec, (void)len;
	++*(unsigned *)ctx;
	return 0;
}

/* The first record that does not fit before the end is placed at offset 0. */
static void pad_at_end(void)
{
	struct ring_region_opts o = { .buffer_size = RING_SIZE_MIN, .nr_exclusive = 1 };
	struct ring_region *r;
	struct ring_attach *a;
	struct ring_writer *w;
	struct ring_rec *rec, *first;
	unsigned i, n = 0;

	ring_region_create(&o, &r);
	ring_attach(ring_region_fd(r), getpid(), &a);
	w = ring_claim(a, 99);
	first = ring_reserve(w, 0, RING_PAYLOAD_MAX, 0, 0); /* 4128 bytes a record */
	ring_abort(w, first);
	for (i = 0; i < 3; i++) {
		rec = ring_reserve(w, 0, RING_PAYLOAD_MAX, 0, 0);
		ring_commit(w, rec);
	}
	is_int(ring_drain(r, count, &n, 0), 3, "three records of 4128 bytes: 3/4 of the ring");
	rec = ring_reserve(w, 0, RING_PAYLOAD_MAX, 0, 0);
	ok(rec == first, "a record that would cross the end starts again at offset 0");
	is_int(w->pend, RING_SIZE_MIN + RING_RECORD_MAX, "after a PAD of the tail end");
	ring_commit(w, rec);
	is_int(ring_drain(r, count, &n, 0), 1, "the reader steps over the PAD to it");
	ring_unmap(a);
	ring_region_destroy(r);
}

int main(void)
{
	laps("exclusive", 1, 0, RING_EXCLUSIVE, false);
	laps("shared", 0, 1, RING_SHARED, false);
	laps("exclusive, straight path", 1, 0, RING_EXCLUSIVE, true);
	straight = fallback = 0;
	laps("shared, straight path tried", 0, 1, RING_SHARED, true);
	pad_at_end();
	return done_testing();
}
