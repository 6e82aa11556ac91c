// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Record rings, slow paths: the agent's attach/claim/release/detach and the
 * collector's create/drain/wait/stats.  The protocol is described at the top
 * of ring.h; the hit path (reserve/commit) lives there too.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/ring.h"

/* --- geometry: one check for both sides ------------------------------------ */

#define RING_CTL_OFFSET   512u
#define RING_MAX_RINGS    65536u
#define RING_MAX_WRITERS  (1u << 20)

static int is_pow2(uint64_t x)
{
	return x && !(x & (x - 1));
}

static uint64_t round_up(uint64_t x, uint64_t to)
{
	return (x + to - 1) / to * to;
}

/* @h is a private copy: a region written by another process is read once. */
static int ring_geometry_check(const struct ring_region_hdr *h, uint64_t file_size, uint64_t pg)
{
	uint64_t data_size;

	if (h->magic != RING_MAGIC || h->version != RING_VERSION)
		return -EPROTO;
	if (!h->nr_rings || h->nr_rings > RING_MAX_RINGS || h->nr_shared > h->nr_rings)
		return -EINVAL;
	if (!h->nr_writers || h->nr_writers > RING_MAX_WRITERS)
		return -EINVAL;
	if (!is_pow2(h->ring_size) || h->ring_size < RING_SIZE_MIN || h->ring_size > RING_SIZE_MAX)
		return -EINVAL;
	if (h->ctl_offset < sizeof(*h) || h->ctl_offset % 64 ||
	    h->ctl_offset > h->data_offset ||
	    (h->data_offset - h->ctl_offset) / sizeof(struct ring_ctl) < h->nr_rings)
		return -EINVAL;
	data_size = h->nr_rings * h->ring_size; /* < 2^48: no overflow */
	if (h->data_offset % pg || h->data_offset > file_size ||
	    data_size != h->total_size - h->data_offset || h->total_size > file_size)
		return -EINVAL;
	return 0;
}

/* --- agent side --------------------------------------------------------------- */

/* Wipe-on-fork: all zero in a forked child, so nothing there reaches the region. */
struct ring_agent {
	uint32_t nr_rings;
	uint32_t nr_shared;
	uint32_t nr_writers; /* 0: claims find nothing (forked child, detached) */
	uint32_t pid;
	uint64_t ring_size;
	struct ring_region_hdr *hdr;
	struct ring_ctl *ctl;
	unsigned char *data;
	struct ring_writer w[];
};

/* Private and inherited as is: what a forked child needs to let go. */
struct ring_attach {
	void *base; /* the region */
	size_t size;
	int owned; /* mapped by ring_attach: detach and unmap may replace it */
	void *map; /* this handle and its ring_agent */
	size_t map_size;
	struct ring_agent *agent;
};

/* What ring_claim hands out when there is nothing: kind RING_NONE, never written. */
static struct ring_writer ring_dead_writer;

/* The agent's private part: wipe-on-fork writer slots behind a plain page. */
static int attach_setup(void *base, size_t size, int owned, uint32_t pid, struct ring_attach **out)
{
	uint64_t pg = (uint64_t)sysconf(_SC_PAGESIZE), priv, wiped;
	struct ring_region_hdr h;
	struct ring_attach *a;
	struct ring_agent *ag;
	void *map;
	int err;

	if (size < pg)
		return -EINVAL;
	memcpy(&h, base, sizeof(h)); /* check one snapshot, use only the checked copy */
	err = ring_geometry_check(&h, size, pg);
	if (err)
		return err;

	priv = round_up(sizeof(*a), pg);
	wiped = round_up(sizeof(*ag) + (uint64_t)h.nr_writers * sizeof(struct ring_writer), pg);
	map = mmap(NULL, priv + wiped, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (map == MAP_FAILED)
		return -errno;
	if (madvise((char *)map + priv, wiped, MADV_WIPEONFORK) < 0) {
		err = -errno; /* before Linux 4.14: no safe fork story, refuse */
		munmap(map, priv + wiped);
		return err;
	}
	a = map;
	a->base = base;
	a->size = size;
	a->owned = owned;
	a->map = map;
	a->map_size = priv + wiped;
	ag = a->agent = (struct ring_agent *)((char *)map + priv);
	ag->nr_rings = h.nr_rings;
	ag->nr_shared = h.nr_shared;
	ag->pid = pid;
	ag->ring_size = h.ring_size;
	ag->hdr = base;
	ag->ctl = (struct ring_ctl *)((char *)base + h.ctl_offset);
	ag->data = (unsigned char *)base + h.data_offset;
	ag->nr_writers = h.nr_writers; /* last: claims may start */
	*out = a;
	return 0;
}

int ring_attach(int fd, uint32_t pid, struct ring_attach **out)
{
	struct stat st;
	void *base;
	int err;

	if (fstat(fd, &st) < 0)
		return -errno;
	if ((uint64_t)st.st_size < (uint64_t)sysconf(_SC_PAGESIZE))
		return -EINVAL;
	base = mmap(NULL, st.st_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (base == MAP_FAILED)
		return -errno;
	err = attach_setup(base, st.st_size, 1, pid, out);
	if (err)
		munmap(base, st.st_size);
	return err;
}

int ring_attach_mem(void *base, size_t size, uint32_t pid, struct ring_attach **out)
{
	return attach_setup(base, size, 0, pid, out);
}

static void writer_setup(struct ring_agent *ag, struct ring_writer *w, uint32_t ring, uint32_t kind)
{
	w->ring = ring;
	w->ctl = &ag->ctl[ring];
	w->data = ag->data + (uint64_t)ring * ag->ring_size;
	w->mask = ag->ring_size - 1;
	w->pid = ag->pid;
	w->open = NULL;
	w->head = 0;
	w->limit = 0;
	if (kind == RING_EXCLUSIVE) {
		/* Relaxed: the owner CAS (C1) already ordered us after the last owner. */
		w->head = __atomic_load_n(&w->ctl->head, __ATOMIC_RELAXED);
		w->pend = w->head;
		/* W3: pairs with R3 in ring_publish. */
		w->limit = __atomic_load_n(&w->ctl->tail, __ATOMIC_ACQUIRE) + ag->ring_size;
	}
	w->kind = kind;
}

struct ring_writer *ring_claim(struct ring_attach *a, uint32_t tid)
{
	struct ring_agent *ag = a->agent;
	uint32_t n, nr_excl, i, expected;
	struct ring_writer *w = NULL;

	/*
	 * Relaxed: set before any thread could call us, cleared by
	 * ring_detach; a stale non-zero only lets one more claim into a region
	 * that is being let go, which is harmless.
	 */
	n = __atomic_load_n(&ag->nr_writers, __ATOMIC_RELAXED);
	if (!tid || !n)
		return &ring_dead_writer;
	for (i = 0; i < n && !w; i++) {
		struct ring_writer *s = &ag->w[((uint64_t)tid + i) % n];

		expected = 0;
		/*
		 * C1: pairs with C2 in ring_release; the slot's last thread is
		 * done with it.  The relaxed look first keeps the scan from
		 * writing every line it passes.
		 */
		if (!__atomic_load_n(&s->tid, __ATOMIC_RELAXED) &&
		    __atomic_compare_exchange_n(&s->tid, &expected, tid, 0, __ATOMIC_ACQUIRE,
						__ATOMIC_RELAXED))
			w = s;
	}
	if (!w) {
		/* Counters in the region header: relaxed, nothing is published through them. */
		__atomic_fetch_add(&ag->hdr->failed_claims, 1, __ATOMIC_RELAXED);
		return &ring_dead_writer;
	}

	nr_excl = ag->nr_rings - ag->nr_shared;
	for (i = 0; i < nr_excl; i++) {
		uint32_t k = ((uint64_t)tid + i) % nr_excl;
		struct ring_ctl *ctl = &ag->ctl[k];

		expected = 0;
		/*
		 * C1: pairs with C2 in ring_release and ring_reap; the previous
		 * owner's last head (W1) is visible to us.
		 */
		if (!__atomic_load_n(&ctl->owner, __ATOMIC_RELAXED) &&
		    __atomic_compare_exchange_n(&ctl->owner, &expected, tid, 0, __ATOMIC_ACQUIRE,
						__ATOMIC_RELAXED)) {
			writer_setup(ag, w, k, RING_EXCLUSIVE);
			return w;
		}
	}
	if (!ag->nr_shared) {
		__atomic_fetch_add(&ag->hdr->failed_claims, 1, __ATOMIC_RELAXED);
		/* C2: pairs with C1 above. */
		__atomic_store_n(&w->tid, 0, __ATOMIC_RELEASE);
		return &ring_dead_writer;
	}
	__atomic_fetch_add(&ag->hdr->shared_claims, 1, __ATOMIC_RELAXED);
	writer_setup(ag, w, nr_excl + tid % ag->nr_shared, RING_SHARED);
	return w;
}

/*
 * Fault the writer's ring in now (not the hit path: thread start), so that
 * hits do not pay a page fault per page of ring the first time round.
 */
void ring_prefault(struct ring_writer *w)
{
	if (w->kind == RING_EXCLUSIVE && w->data)
		madvise(w->data, w->mask + 1, MADV_POPULATE_WRITE);
}

void ring_release(struct ring_writer *w)
{
	uint32_t tid = w->tid;

	if (!tid)
		return; /* the dead writer, or a forked child's wiped slot */
	if (w->kind == RING_SHARED && w->open)
		ring_abort(w, w->open);
	if (w->kind == RING_EXCLUSIVE) {
		/*
		 * C2: pairs with C1 in ring_claim; our last head store (W1) is
		 * visible to the next owner.  A CAS, not a store: if the
		 * collector reaped the ring, it is no longer ours to free.
		 */
		__atomic_compare_exchange_n(&w->ctl->owner, &tid, 0, 0, __ATOMIC_RELEASE,
					    __ATOMIC_RELAXED);
	}
	w->kind = RING_NONE;
	w->limit = 0;
	w->head = 0;
	w->ctl = NULL;
	w->data = NULL;
	/* C2: pairs with C1 in ring_claim; the slot may now go to another thread. */
	__atomic_store_n(&w->tid, 0, __ATOMIC_RELEASE);
}

unsigned ring_reap_writers(struct ring_attach *a)
{
	struct ring_agent *ag = a->agent;
	uint32_t i, n = __atomic_load_n(&ag->nr_writers, __ATOMIC_RELAXED);
	unsigned freed = 0;

	for (i = 0; i < n; i++) {
		struct ring_writer *w = &ag->w[i];
		/*
		 * Acquire, for a tid stored by a claim.  The slot's other fields
		 * were written by a thread that has exited by the time the
		 * kernel says ESRCH: nothing of it is still in flight.
		 */
		uint32_t tid = __atomic_load_n(&w->tid, __ATOMIC_ACQUIRE);

		if (!tid || tgkill(ag->pid, tid, 0) == 0 || errno != ESRCH)
			continue;
		/*
		 * The thread is gone and nobody else takes a claimed slot: what
		 * ring_release would have done.  A shared ring's open record is
		 * left to the collector, which counts it abandoned.
		 */
		if (w->kind == RING_SHARED)
			w->open = NULL;
		ring_release(w);
		freed++;
	}
	return freed;
}

void ring_detach(struct ring_attach *a)
{
	void *p;

	if (!a || !a->base)
		return;
	/* New claims find nothing; in a forked child this already reads 0. */
	__atomic_store_n(&a->agent->nr_writers, 0, __ATOMIC_RELAXED);
	if (!a->owned)
		return; /* someone else's mapping: leave it alone */
	p = mmap(a->base, a->size, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED | MAP_NORESERVE, -1, 0);
	if (p == MAP_FAILED)
		return; /* keep the old mapping rather than leave a hole */
}

void ring_unmap(struct ring_attach *a)
{
	void *map, *base;
	size_t map_size, size;

	if (!a)
		return;
	base = a->base;
	size = a->size;
	map = a->map;
	map_size = a->map_size;
	if (a->owned)
		munmap(base, size);
	munmap(map, map_size); /* @a lives in there */
}

#ifndef XOL_AGENT
/* --- collector side ----------------------------------------------------------- */

struct ring_rstate {
	uint64_t tail; /* the truth: ctl->tail is stored, never loaded */
	uint64_t records, bytes, abandoned, corrupt, peak;
	uint64_t lost_seen;
	uint64_t bad_head; /* a misaligned head already counted */
	uint64_t stall_pos, stall_since; /* stall_since 0: not stalled */
};

struct ring_region {
	int fd;
	unsigned char *base;
	size_t size;
	struct ring_region_hdr *hdr;
	struct ring_ctl *ctl;
	unsigned char *data;
	uint32_t nr_rings, nr_shared;
	uint64_t ring_size;
	pid_t pid;
	uint64_t stall_ns;
	uint64_t wait_min_ns, wait_max_ns, wait_ns;
	uint64_t claims_seen;
	/* what the last drain saw, for ring_wait() */
	uint64_t last_fill;  /* most bytes consumed from one ring, in 1/256 of its size */
	uint64_t last_records;
	int last_lost;
	struct ring_rstate rs[];
};

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + ts.tv_nsec;
}

int ring_region_create(const struct ring_region_opts *o, struct ring_region **out)
{
	uint64_t pg = (uint64_t)sysconf(_SC_PAGESIZE), buffer, ring_size, nr, total, data_offset;
	struct ring_region_opts d = { 0 };
	struct ring_region_hdr *hdr;
	struct ring_region *r;
	unsigned char *base;
	int fd, err;
	uint32_t i;

	if (o)
		d = *o;
	if (!d.nr_exclusive && !d.nr_shared)
		d.nr_exclusive = 16, d.nr_shared = 1;
	buffer = d.buffer_size ? d.buffer_size : 8u << 20;
	nr = (uint64_t)d.nr_exclusive + d.nr_shared;
	if (nr > RING_MAX_RINGS)
		return -EINVAL;
	if (!d.nr_writers)
		d.nr_writers = 1024;
	if (d.nr_writers > RING_MAX_WRITERS)
		return -EINVAL;
	ring_size = buffer / nr;
	if (ring_size < RING_SIZE_MIN)
		return -ENOSPC; /* the caller asks for fewer rings or more memory */
	while (ring_size & (ring_size - 1))
		ring_size &= ring_size - 1;
	if (ring_size > RING_SIZE_MAX)
		ring_size = RING_SIZE_MAX;
	data_offset = round_up(RING_CTL_OFFSET + nr * sizeof(struct ring_ctl), pg);
	total = data_offset + nr * ring_size;

	r = calloc(1, sizeof(*r) + nr * sizeof(r->rs[0]));
	if (!r)
		return -ENOMEM;
	fd = memfd_create("xol-rings", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (fd < 0)
		goto fail_errno;
	/* Sealed: a target that shrank it could make the collector fault. */
	if (ftruncate(fd, total) < 0 ||
	    fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL) < 0)
		goto fail_errno;
	base = mmap(NULL, total, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (base == MAP_FAILED)
		goto fail_errno;

	hdr = (struct ring_region_hdr *)base;
	hdr->version = RING_VERSION;
	hdr->nr_rings = nr;
	hdr->nr_shared = d.nr_shared;
	hdr->nr_writers = d.nr_writers;
	hdr->ring_size = ring_size;
	hdr->ctl_offset = RING_CTL_OFFSET;
	hdr->data_offset = data_offset;
	hdr->total_size = total;
	r->ctl = (struct ring_ctl *)(base + RING_CTL_OFFSET);
	for (i = 0; i < nr; i++)
		r->ctl[i].kind = i < d.nr_exclusive ? RING_EXCLUSIVE : RING_SHARED;
	/*
	 * Last.  No pairing needed: the agent maps the region only after it
	 * received the fd, which orders it after all of this.
	 */
	hdr->magic = RING_MAGIC;

	r->fd = fd;
	r->base = base;
	r->size = total;
	r->hdr = hdr;
	r->data = base + data_offset;
	r->nr_rings = nr;
	r->nr_shared = d.nr_shared;
	r->ring_size = ring_size;
	r->pid = d.pid;
	r->stall_ns = (uint64_t)(d.stall_ms ? d.stall_ms : 100) * 1000000u;
	r->wait_min_ns = (uint64_t)(d.wait_min_us ? d.wait_min_us : 1000) * 1000u;
	r->wait_max_ns = (uint64_t)(d.wait_max_us ? d.wait_max_us : 10000) * 1000u;
	if (r->wait_max_ns < r->wait_min_ns)
		r->wait_max_ns = r->wait_min_ns;
	r->wait_ns = r->wait_min_ns;
	*out = r;
	return 0;

fail_errno:
	err = -errno;
	if (fd >= 0)
		close(fd);
	free(r);
	return err;
}

void ring_region_destroy(struct ring_region *r)
{
	if (!r)
		return;
	munmap(r->base, r->size);
	close(r->fd);
	free(r);
}

int ring_region_fd(const struct ring_region *r)
{
	return r->fd;
}

void *ring_region_mem(const struct ring_region *r, size_t *size)
{
	*size = r->size;
	return r->base;
}

uint32_t ring_region_nr_rings(const struct ring_region *r)
{
	return r->nr_rings;
}

uint64_t ring_region_ring_size(const struct ring_region *r)
{
	return r->ring_size;
}

void ring_region_set_pid(struct ring_region *r, pid_t pid)
{
	r->pid = pid;
}

/* 'Z' or 'X' in /proc/PID/task/TID/stat: exited, waiting to be reaped. */
static int task_is_zombie(pid_t pid, uint32_t tid)
{
	char path[64], buf[512], *p;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/task/%u/stat", (int)pid, tid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = 0;
	p = strrchr(buf, ')');
	return p && p[1] == ' ' && (p[2] == 'Z' || p[2] == 'X');
}

/*
 * Is thread @tid of @pid (@tid 0: the whole process) certainly gone?  Only
 * "yes" lets the reader step over what that thread reserved.  Assumes the
 * collector and the target share a pid namespace (pid 0 disables checks).
 */
static int task_gone(pid_t pid, uint32_t tid)
{
	int rc;

	if (pid <= 0)
		return 0;
	rc = tid ? tgkill(pid, tid, 0) : kill(pid, 0);
	if (rc < 0 && errno == ESRCH)
		return 1;
	return task_is_zombie(pid, tid ? tid : (uint32_t)pid);
}

/*
 * The record at @pos has been unfinished at every drain since stall_since:
 * may the reader give up on it?  Cheap until stall_ns has passed.
 */
static int writer_gone(struct ring_region *r, struct ring_rstate *rs, uint64_t pos, uint32_t tid)
{
	uint64_t now = now_ns();

	if (!rs->stall_since || rs->stall_pos != pos) {
		rs->stall_pos = pos;
		rs->stall_since = now;
		return 0;
	}
	if (now - rs->stall_since < r->stall_ns)
		return 0;
	return task_gone(r->pid, tid);
}

/*
 * Give [from, to) back to the writers.  A shared ring's free space must be
 * zero (ring.h, "Shared rings"), so it is cleared first.
 */
static void ring_publish(struct ring_region *r, unsigned i, uint64_t from, uint64_t to)
{
	unsigned char *data = r->data + (uint64_t)i * r->ring_size;
	uint64_t mask = r->ring_size - 1;

	if (from == to)
		return;
	if (i >= r->nr_rings - r->nr_shared) {
		if (to - from >= r->ring_size) /* a resync to a bogus head: once is enough */
			from = to - r->ring_size;
		while (from != to) {
			uint64_t off = from & mask, n = to - from;

			if (n > r->ring_size - off)
				n = r->ring_size - off;
			memset(data + off, 0, n);
			from += n;
		}
	}
	/* R3: pairs with W3 in reserve; we are done reading (and zeroing) below @to. */
	__atomic_store_n(&r->ctl[i].tail, to, __ATOMIC_RELEASE);
}

static uint64_t word_at(const unsigned char *data, uint64_t pos, uint64_t mask)
{
	const struct ring_rec *rec = (const struct ring_rec *)(data + (pos & mask));

	/* R2: pairs with W2 (__ring_place, ring_commit, ring_abort). */
	return __atomic_load_n(&rec->word, __ATOMIC_ACQUIRE);
}

static long drain_ring(struct ring_region *r, unsigned i, ring_record_fn *fn, void *ctx,
		       unsigned flags, int *stop)
{
	struct ring_rstate *rs = &r->rs[i];
	struct ring_ctl *ctl = &r->ctl[i];
	unsigned char *data = r->data + (uint64_t)i * r->ring_size;
	uint64_t size = r->ring_size, mask = size - 1, tail = rs->tail, released = tail;
	uint64_t head, lost, start = tail;
	int shared = i >= r->nr_rings - r->nr_shared, final = flags & RING_DRAIN_FINAL;
	long n = 0;

	lost = __atomic_load_n(&ctl->lost, __ATOMIC_RELAXED); /* a counter: relaxed */
	if (lost != rs->lost_seen) {
		rs->lost_seen = lost;
		r->last_lost = 1;
	}
	/* R1: pairs with W1 in ring_commit; exclusive rings are complete below head. */
	head = __atomic_load_n(&ctl->head, __ATOMIC_ACQUIRE);
	if (head % RING_ALIGN) {
		/* Never adopted: the next commit of an exclusive writer repairs it. */
		if (head != rs->bad_head)
			rs->corrupt += RING_ALIGN;
		rs->bad_head = head;
		return 0;
	}
	if (head - tail > size) { /* also head < tail: not a position we handed out */
		rs->corrupt += size;
		tail = head;
		goto publish;
	}
	if (head - tail > rs->peak)
		rs->peak = head - tail;

	while (tail != head) {
		struct ring_rec *rec = (struct ring_rec *)(data + (tail & mask));
		uint64_t word = word_at(data, tail, mask), occ;
		uint32_t rsize = (uint32_t)word;
		uint16_t rflags = word >> 48;
		int ret;

		if (!word) {
			/* Shared ring: a writer won the CAS but wrote nothing yet. */
			if (!shared)
				goto corrupt;
			if (!final && !writer_gone(r, rs, tail, 0))
				break;
			/* Its reservation is still all zero: the next record is the next non-zero word. */
			while (tail != head && !word_at(data, tail, mask))
				tail += RING_ALIGN;
			rs->abandoned++;
			continue;
		}
		occ = ring_aligned(rsize);
		if (rsize < RING_ALIGN || occ > size - (tail & mask) || occ > head - tail)
			goto corrupt;
		if (rflags & RING_F_PAD) {
			if (rsize % RING_ALIGN)
				goto corrupt;
			tail += occ;
			continue;
		}
		if (rsize < RING_HDR_SIZE || rsize > RING_RECORD_MAX)
			goto corrupt;
		if (rflags & RING_F_BUSY) {
			if (!shared)
				goto corrupt;
			if (!final && !writer_gone(r, rs, tail, rec->tid))
				break;
			if (flags & RING_DRAIN_ABANDONED) {
				ret = fn(ctx, i, rec, rsize - RING_HDR_SIZE);
				if (ret < 0) {
					*stop = ret;
					break;
				}
			}
			rs->abandoned++;
			tail += occ;
			continue;
		}
		if (!(rflags & RING_F_DISCARD)) {
			ret = fn(ctx, i, rec, rsize - RING_HDR_SIZE);
			if (ret < 0) {
				*stop = ret;
				break;
			}
			rs->records++;
			rs->bytes += rsize;
			n++;
		}
		tail += occ;
		if (tail - released >= size / 4) { /* let the writers in early */
			ring_publish(r, i, released, tail);
			released = tail;
		}
	}
	goto publish;

corrupt:
	/* Head is always a record boundary: start again from there. */
	rs->corrupt += head - tail;
	tail = head;
publish:
	ring_publish(r, i, released, tail);
	rs->tail = tail;
	if ((tail - start) * 256 / size > r->last_fill)
		r->last_fill = (tail - start) * 256 / size;
	return n;
}

/* A thread that found no free ring: maybe one is held by a dead thread. */
static void reap_if_claims_failed(struct ring_region *r)
{
	/* Counters: relaxed. */
	uint64_t claims = __atomic_load_n(&r->hdr->shared_claims, __ATOMIC_RELAXED) +
			  __atomic_load_n(&r->hdr->failed_claims, __ATOMIC_RELAXED);

	if (claims != r->claims_seen) {
		r->claims_seen = claims;
		ring_reap(r);
	}
}

long ring_drain(struct ring_region *r, ring_record_fn *fn, void *ctx, unsigned flags)
{
	long n = 0;
	int stop = 0;
	uint32_t i;

	reap_if_claims_failed(r);
	for (i = 0; i < r->nr_rings && !stop; i++)
		n += drain_ring(r, i, fn, ctx, flags, &stop);
	r->last_records += n;
	return stop ? stop : n;
}

long ring_drain_one(struct ring_region *r, unsigned ring, ring_record_fn *fn, void *ctx,
		    unsigned flags)
{
	long n;
	int stop = 0;

	if (ring >= r->nr_rings)
		return 0;
	reap_if_claims_failed(r);
	n = drain_ring(r, ring, fn, ctx, flags, &stop);
	r->last_records += n;
	return stop ? stop : n;
}

uint64_t ring_ready(const struct ring_region *r, unsigned ring)
{
	if (ring >= r->nr_rings)
		return 0;
	/*
	 * Relaxed: only a hint of where to look.  drain_ring loads head again
	 * with acquire (R1) before it reads a byte below it.
	 */
	return __atomic_load_n(&r->ctl[ring].head, __ATOMIC_RELAXED) - r->rs[ring].tail;
}

void ring_wait(struct ring_region *r)
{
	struct timespec ts;

	if (r->last_fill >= 128) {
		r->wait_ns = r->wait_min_ns; /* half a ring since the last drain: go again now */
	} else {
		if (r->last_lost || r->last_fill >= 32)
			r->wait_ns = r->wait_ns / 2 > r->wait_min_ns ? r->wait_ns / 2 : r->wait_min_ns;
		else if (!r->last_records)
			r->wait_ns = r->wait_ns * 2 < r->wait_max_ns ? r->wait_ns * 2 : r->wait_max_ns;
		ts.tv_sec = r->wait_ns / 1000000000u;
		ts.tv_nsec = r->wait_ns % 1000000000u;
		nanosleep(&ts, NULL);
	}
	r->last_fill = 0;
	r->last_records = 0;
	r->last_lost = 0;
}

void ring_stats(const struct ring_region *r, unsigned i, struct ring_stats *st)
{
	const struct ring_rstate *rs;

	memset(st, 0, sizeof(*st));
	if (i >= r->nr_rings)
		return;
	rs = &r->rs[i];
	st->records = rs->records;
	st->bytes = rs->bytes;
	st->lost = __atomic_load_n(&r->ctl[i].lost, __ATOMIC_RELAXED); /* counters: relaxed */
	st->abandoned = rs->abandoned;
	st->corrupt = rs->corrupt;
	st->peak = rs->peak;
	st->owner = __atomic_load_n(&r->ctl[i].owner, __ATOMIC_RELAXED);
	st->kind = i >= r->nr_rings - r->nr_shared ? RING_SHARED : RING_EXCLUSIVE;
}

void ring_region_claims(const struct ring_region *r, uint64_t *shared, uint64_t *failed)
{
	*shared = __atomic_load_n(&r->hdr->shared_claims, __ATOMIC_RELAXED);
	*failed = __atomic_load_n(&r->hdr->failed_claims, __ATOMIC_RELAXED);
}

unsigned ring_reap(struct ring_region *r)
{
	unsigned n = 0;
	uint32_t i;

	for (i = 0; i < r->nr_rings - r->nr_shared; i++) {
		uint32_t owner = __atomic_load_n(&r->ctl[i].owner, __ATOMIC_RELAXED); /* the CAS decides */

		/*
		 * C2: pairs with C1 in ring_claim.  The owner is dead, so a
		 * new thread cannot hold this ring under the same tid (claims
		 * only take free rings); the CAS loses to nobody but a buggy
		 * target.
		 */
		if (owner && task_gone(r->pid, owner) &&
		    __atomic_compare_exchange_n(&r->ctl[i].owner, &owner, 0, 0, __ATOMIC_RELEASE,
						__ATOMIC_RELAXED))
			n++;
	}
	return n;
}
#endif /* !XOL_AGENT */
