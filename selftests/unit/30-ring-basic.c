// SPDX-License-Identifier: GPL-2.0-or-later
/* Record rings: layout, attach checks, one thread's records in order and intact. */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "core/ring.h"
#include "selftests/unit/tap.h"

#define NREC 1000

struct seen {
	unsigned n, bad;
	uint32_t pid;
	int stop_at; /* refuse the record with this index once */
	unsigned refused;
};

static uint32_t rec_len(unsigned i)
{
	return (i * 37) % 300; /* 0 .. 299: every alignment */
}

static unsigned char rec_byte(unsigned i, unsigned j)
{
	return (unsigned char)(i * 131 + j * 7 + 1);
}

static int check(void *ctx, unsigned ring, const struct ring_rec *rec, uint32_t len)
{
	struct seen *s = ctx;
	unsigned i = s->n, j;

	if ((int)i == s->stop_at && !s->refused) {
		s->refused = 1;
		return -EAGAIN;
	}
	if (ring != 0 || len != rec_len(i) || rec->size != RING_HDR_SIZE + len ||
	    rec->type != (uint16_t)(i % 5) || rec->flags || rec->time != 1000u + i ||
	    rec->pid != s->pid || rec->tid != 4242 || rec->cpu != i % 3 || rec->reserved0 ||
	    rec->reserved1 || ((uintptr_t)rec & 7))
		s->bad++;
	for (j = 0; j < len; j++)
		if (rec->data[j] != rec_byte(i, j))
			s->bad++;
	s->n++;
	return 0;
}

static int write_one(struct ring_writer *w, unsigned i)
{
	unsigned char buf[400];
	struct ring_rec *rec;
	uint32_t len = rec_len(i), j;

	for (j = 0; j < len; j++)
		buf[j] = rec_byte(i, j);
	rec = ring_reserve(w, i % 5, len, 1000u + i, i % 3);
	if (!rec)
		return 0;
	ring_copy(rec->data, buf, len);
	ring_commit(w, rec);
	return 1;
}

static void test_layout(void)
{
	is_int(offsetof(struct ring_rec, size), 0, "header: size at 0");
	is_int(offsetof(struct ring_rec, type), 4, "header: type at 4");
	is_int(offsetof(struct ring_rec, flags), 6, "header: flags at 6");
	is_int(offsetof(struct ring_rec, time), 8, "header: time at 8");
	is_int(offsetof(struct ring_rec, pid), 16, "header: pid at 16");
	is_int(offsetof(struct ring_rec, tid), 20, "header: tid at 20");
	is_int(offsetof(struct ring_rec, cpu), 24, "header: cpu at 24");
	is_int(offsetof(struct ring_rec, data), RING_HDR_SIZE, "header: payload at 32");
	is_int(ring_word(0x11223344, 0x5566, 0x7788), 0x7788556611223344ULL,
	       "commit word = size | type << 32 | flags << 48");
}

static void test_copy(void)
{
	unsigned char src[64], dst[80];
	unsigned bad = 0, n, off, i;

	for (i = 0; i < sizeof(src); i++)
		src[i] = (unsigned char)(i * 3 + 1);
	for (off = 0; off < 8; off++)
		for (n = 0; n <= 56; n++) {
			memset(dst, 0xee, sizeof(dst));
			ring_copy(dst + off, src + (n & 7), n);
			for (i = 0; i < sizeof(dst); i++)
				if (dst[i] != (i >= off && i < off + n ? src[(n & 7) + i - off] : 0xee))
					bad++;
		}
	is_int(bad, 0, "ring_copy copies every length and alignment, nothing more");
}

static void test_create_attach(void)
{
	struct ring_region_opts o = { .buffer_size = 64 << 10, .nr_exclusive = 8, .nr_shared = 1 };
	struct ring_region *r;
	struct ring_attach *a;
	int fd;

	is_int(ring_region_create(&o, &r), -ENOSPC, "64 KiB for 9 rings is too small");
	ok(ring_region_create(NULL, &r) == 0, "default region");
	is_int(ring_region_nr_rings(r), 17, "default: 16 exclusive + 1 shared rings");
	ok(ring_region_ring_size(r) >= RING_SIZE_MIN &&
	   !(ring_region_ring_size(r) & (ring_region_ring_size(r) - 1)), "ring size is a power of two");
	is_int(ftruncate(ring_region_fd(r), 1 << 20), -1, "the region is sealed against resizing");
	ring_region_destroy(r);

	fd = memfd_create("not-a-region", MFD_CLOEXEC);
	ok(ftruncate(fd, 1 << 20) == 0, "scratch memfd");
	is_int(ring_attach(fd, getpid(), &a), -EPROTO, "attach refuses a region without the magic");
	ok(ftruncate(fd, 100) == 0, "shrink");
	is_int(ring_attach(fd, getpid(), &a), -EINVAL, "attach refuses a region smaller than a page");
	close(fd);
	is_int(ring_attach(-1, getpid(), &a), -EBADF, "attach refuses a bad fd");
}

static void test_one_thread(void)
{
	struct ring_region_opts o = { .buffer_size = 1 << 20, .nr_exclusive = 2, .nr_shared = 1 };
	struct seen s = { .stop_at = -1 };
	struct ring_region *r;
	struct ring_attach *a;
	struct ring_writer *w, *w2;
	struct ring_stats st;
	struct ring_rec *rec;
	uint64_t bytes = 0, sh, fl;
	unsigned i, written = 0;

	ok(ring_region_create(&o, &r) == 0, "region: 2 exclusive + 1 shared");
	ok(ring_attach(ring_region_fd(r), getpid(), &a) == 0, "agent attaches through the fd");
	s.pid = getpid();

	w = ring_claim(a, 4242);
	is_int(w->kind, RING_EXCLUSIVE, "first thread gets an exclusive ring");
	is_int(ring_drain(r, check, &s, 0), 0, "nothing to drain yet");

	for (i = 0; i < NREC; i++) {
		written += write_one(w, i);
		bytes += RING_HDR_SIZE + rec_len(i);
	}
	is_int(written, NREC, "%d records reserved and committed", NREC);
	is_int(ring_drain(r, check, &s, 0), NREC, "drain delivers them all");
	is_int(s.n, NREC, "in order");
	is_int(s.bad, 0, "every header field and payload byte intact");

	ring_stats(r, w->ring, &st);
	is_int(st.records, NREC, "stats: records");
	is_int(st.bytes, bytes, "stats: bytes (headers included)");
	is_int(st.lost, 0, "stats: nothing lost");
	is_int(st.owner, 4242, "stats: the ring's owner");

	ok(ring_reserve(w, 1, RING_PAYLOAD_MAX + 1, 0, 0) == NULL, "a payload over 4096 bytes is refused");
	ring_stats(r, w->ring, &st);
	is_int(st.lost, 1, "and counted lost");
	ok((rec = ring_reserve(w, 1, RING_PAYLOAD_MAX, 0, 0)) != NULL, "4096 bytes fit");
	ring_abort(w, rec);

	rec = ring_reserve(w, 9, 8, 0, 0);
	ring_abort(w, rec);
	s.n = 0;
	for (i = 0; i < 10; i++)
		write_one(w, i);
	is_int(ring_drain(r, check, &s, 0), 10, "aborted records never show");
	is_int(s.bad, 0, "records after an abort are intact");

	s.n = 0;
	s.stop_at = 3;
	for (i = 0; i < 6; i++)
		write_one(w, i);
	is_int(ring_drain(r, check, &s, 0), -EAGAIN, "a callback's error stops the drain");
	is_int(s.n, 3, "records before it were consumed");
	is_int(ring_drain(r, check, &s, 0), 3, "the refused record comes again");
	is_int(s.n, 6, "then the rest");
	is_int(s.bad, 0, "all intact");

	ring_release(w);
	ring_stats(r, 0, &st);
	is_int(st.owner, 0, "release frees the ring");
	w2 = ring_claim(a, 777);
	is_int(w2->kind, RING_EXCLUSIVE, "another thread claims a ring");
	w = ring_claim(a, 778);
	is_int(w->kind, RING_EXCLUSIVE, "and a second one");
	ok(w->ring != w2->ring, "two threads, two rings");
	w = ring_claim(a, 779);
	is_int(w->kind, RING_SHARED, "no exclusive ring left: the shared one");
	is_int(w->ring, 2, "the shared ring is the last");
	ring_region_claims(r, &sh, &fl);
	is_int(sh, 1, "one thread went to the shared ring");
	is_int(fl, 0, "no thread was left without a ring");

	ring_detach(a);
	ring_unmap(a);
	ring_region_destroy(r);
}

int main(void)
{
	test_layout();
	test_copy();
	test_create_attach();
	test_one_thread();
	return done_testing();
}
