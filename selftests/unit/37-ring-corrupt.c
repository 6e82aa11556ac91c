// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Record rings: the region is writable by the traced process, which may be
 * buggy.  The collector must count what it cannot parse, start again from
 * head, and never read outside the ring; the agent must refuse a region
 * whose geometry does not add up.
 */
#include <errno.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/ring.h"
#include "selftests/unit/tap.h"

struct view { /* the test's own window on the region, as a scribbling target has */
	unsigned char *base;
	size_t size;
	struct ring_region_hdr *h;
	struct ring_ctl *ctl;
	unsigned char *data;
};

static void view_open(struct view *v, int fd)
{
	struct stat st;

	fstat(fd, &st);
	v->size = st.st_size;
	v->base = mmap(NULL, v->size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	v->h = (struct ring_region_hdr *)v->base;
	v->ctl = (struct ring_ctl *)(v->base + v->h->ctl_offset);
	v->data = v->base + v->h->data_offset;
}

struct tally {
	unsigned n, bad_len;
	uint64_t sum;
};

static int count(void *ctx, unsigned ring, const struct ring_rec *rec, uint32_t len)
{
	struct tally *t = ctx;
	uint32_t i;

	(void)ring;
	t->n++;
	t->bad_len += len > RING_PAYLOAD_MAX || rec->size != RING_HDR_SIZE + len;
	for (i = 0; i < len; i++) /* touch every byte: faults if outside the region */
		t->sum += rec->data[i];
	return 0;
}

static void put(struct ring_writer *w, unsigned n)
{
	while (n--) {
		struct ring_rec *rec = ring_reserve(w, 1, 24, 0, 0);

		if (rec) {
			memset(rec->data, 1, 24);
			ring_commit(w, rec);
		}
	}
}

static uint64_t corrupt_bytes(struct ring_region *r, unsigned ring)
{
	struct ring_stats st;

	ring_stats(r, ring, &st);
	return st.corrupt;
}

static void framing(const char *what, uint32_t nr_exclusive, uint32_t nr_shared)
{
	struct ring_region_opts o = { .buffer_size = RING_SIZE_MIN, .nr_exclusive = nr_exclusive, .nr_shared = nr_shared };
	struct ring_region *r;
	struct ring_attach *a;
	struct ring_writer *w;
	struct tally t = { 0 };
	struct view v;
	uint64_t head;

	ring_region_create(&o, &r);
	ring_attach(ring_region_fd(r), getpid(), &a);
	view_open(&v, ring_region_fd(r));
	w = ring_claim(a, 7);

	put(w, 3);
	((struct ring_rec *)(v.data + 56))->size = 0xfffffff0; /* the second record */
	ring_drain(r, count, &t, 0);
	is_int(t.n, 1, "%s: a record with an impossible size stops the walk", what);
	is_int(corrupt_bytes(r, 0), 112, "%s: the rest up to head is counted corrupt", what);
	put(w, 2);
	ring_drain(r, count, &t, 0);
	is_int(t.n, 3, "%s: records after it come out: the reader started again from head", what);

	head = v.ctl->head;
	v.ctl->head = head + 10 * RING_SIZE_MIN;
	ring_drain(r, count, &t, 0);
	ok(corrupt_bytes(r, 0) > 112, "%s: head beyond tail + ring size is counted", what);
	v.ctl->head = head - 8; /* behind tail */
	ring_drain(r, count, &t, 0);
	ok(t.n == 3 && !t.bad_len, "%s: head behind tail delivers nothing", what);
	v.ctl->head = head + 10 * RING_SIZE_MIN;
	ring_drain(r, count, &t, 0);
	ok(t.n == 3, "%s: a reader resynced to a bogus head keeps its footing", what);

	ring_unmap(a);
	munmap(v.base, v.size);
	ring_region_destroy(r);
}

static uint64_t rng = 0x2545f4914f6cdd1dULL;

static uint64_t xorshift(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

/* Garbage everywhere: the reader may deliver nonsense, but only inside the ring. */
static void garbage(void)
{
	struct ring_region_opts o = { .buffer_size = 2 * RING_SIZE_MIN, .nr_exclusive = 1, .nr_shared = 1 };
	struct ring_region *r;
	struct tally t = { 0 };
	struct view v;
	uint64_t round, tail[2] = { 0 };
	struct ring_stats st;

	ring_region_create(&o, &r);
	view_open(&v, ring_region_fd(r));
	for (round = 0; round < 2000; round++) {
		unsigned ring = round & 1;
		unsigned char *d = v.data + ring * RING_SIZE_MIN;
		uint64_t pos;

		/* Chains of plausible headers from tail on, with now and then a bad one. */
		tail[ring] = v.ctl[ring].tail;
		memset(d, 0, RING_SIZE_MIN);
		for (pos = tail[ring]; pos < tail[ring] + RING_SIZE_MIN;) {
			uint64_t x = xorshift(), size = 8 + x % 600, off = pos & (RING_SIZE_MIN - 1);
			uint16_t flags = (x >> 32) % 8 ? 0 : (uint16_t)(x >> 40);

			if ((x >> 48) % 50 == 0)
				size = x >> 20; /* anything */
			else if (off + ring_aligned(size) > RING_SIZE_MIN)
				size = RING_SIZE_MIN - off, flags = RING_F_PAD;
			*(uint64_t *)(d + off) = ring_word((uint32_t)size, 1, flags);
			pos += ring_aligned(size) < RING_SIZE_MIN - off ? ring_aligned(size ? size : 8)
								       : RING_SIZE_MIN - off;
		}
		v.ctl[ring].head = tail[ring] + xorshift() % (RING_SIZE_MIN + 1);
		if (round % 7) /* else misaligned: never adopted */
			v.ctl[ring].head &= ~7ULL;
		ring_drain(r, count, &t, round % 5 ? 0 : RING_DRAIN_FINAL);
	}
	ring_stats(r, 0, &st);
	is_int(t.bad_len, 0, "2000 rings of garbage: every delivered record's length is sane");
	ok(!(v.ctl[0].tail % 8) && !(v.ctl[1].tail % 8), "the reader never took a misaligned head");
	ok(t.n > 1000 && st.corrupt > 0, "the reader walked them (%u records, %llu bytes corrupt) "
	   "touching every payload byte", t.n, (unsigned long long)st.corrupt);
	munmap(v.base, v.size);
	ring_region_destroy(r);
}

static void bad_geometry(void)
{
	struct ring_region *r;
	struct ring_attach *a;
	struct ring_region_hdr save;
	struct view v;
	int fd;

	ring_region_create(NULL, &r);
	fd = ring_region_fd(r);
	view_open(&v, fd);
	save = *v.h;

#define REFUSED(field, value, what)                                                       \
	do {                                                                                \
		v.h->field = (value);                                                       \
		is_int(ring_attach(fd, 1, &a), -EINVAL, "attach refuses " what);           \
		*v.h = save;                                                                \
	} while (0)

	REFUSED(ring_size, save.ring_size + 8, "a ring size that is not a power of two");
	REFUSED(ring_size, RING_SIZE_MIN / 2, "rings smaller than RING_SIZE_MIN");
	REFUSED(nr_rings, save.nr_rings + 1, "more rings than the file holds");
	REFUSED(nr_rings, 0, "no ring");
	REFUSED(nr_shared, save.nr_rings + 1, "more shared rings than rings");
	REFUSED(data_offset, save.data_offset + 8, "unaligned data");
	REFUSED(ctl_offset, save.data_offset, "control blocks overlapping the data");
	REFUSED(total_size, save.total_size * 2, "a size beyond the file");
	REFUSED(nr_writers, 0, "zero writer slots");
	v.h->version = 99;
	is_int(ring_attach(fd, 1, &a), -EPROTO, "attach refuses another version");
	*v.h = save;
	ok(ring_attach(fd, 1, &a) == 0, "and takes the region once it is right again");
	ring_unmap(a);
	munmap(v.base, v.size);
	ring_region_destroy(r);
}

int main(void)
{
	framing("exclusive", 1, 0);
	framing("shared", 0, 1);
	garbage();
	bad_geometry();
	return done_testing();
}
