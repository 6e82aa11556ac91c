/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Record rings: the agent writes a record at each hit, the collector drains them. */
#ifndef XOL_CORE_RING_H
#define XOL_CORE_RING_H

/*
 * One region, many rings
 * ----------------------
 * The collector creates one shared-memory region per traced process (a
 * sealed memfd, sized by --buffer-size) and passes its fd to the agent over
 * the control socket.  The region holds N rings:
 *
 *   offset 0        struct ring_region_hdr        geometry, claim counters
 *   ctl_offset      struct ring_ctl[N]            512 bytes each: owner, head, tail
 *   data_offset     ring 0 data | ring 1 data | … each ring_size bytes (power of 2)
 *
 * Rings [0, N - nr_shared) are EXCLUSIVE: a thread claims one with a CAS on
 * its owner field at its first hit and is then its only writer until it
 * exits.  Rings [N - nr_shared, N) are SHARED: threads that found no free
 * exclusive ring write there with a multi-producer reserve.
 *
 * Why per thread and not per CPU.  A user-space writer cannot disable
 * preemption, so a per-CPU ring still has several writers (any thread
 * migrated or preempted between "which CPU am I on" and the write) and needs
 * an atomic read-modify-write on every hit plus a commit protocol that
 * tolerates a writer parked mid-record.  A ring owned by one thread has
 * exactly one writer: reserve is arithmetic on the writer's own cache line,
 * commit is one release store, per-thread order is free, and a writer that
 * dies between reserve and commit has published nothing, so it can never
 * stall the reader.  The price is memory per thread; the collector fixes N,
 * and threads beyond the exclusive rings fall back to the shared ones (the
 * per-CPU-like multi-producer path) instead of losing records.
 *
 * Records
 * -------
 * Every record starts with this 32-byte header and is followed by the
 * payload (an event's record laid out as its kernel `format` file says).
 * A record occupies ALIGN(size, 8) bytes; records never wrap around the end
 * of a ring: the writer fills the tail end with a PAD record instead.
 *
 *   byte  0        4      6      8                16     20     24   26   28     32
 *        +--------+------+------+----------------+------+------+----+----+------+-----------
 *        | size   | type | flags| time           | pid  | tid  |cpu | 0  | 0    | payload …
 *        | u32    | u16  | u16  | u64            | u32  | u32  |u16 |u16 | u32  | size - 32
 *        +--------+------+------+----------------+------+------+----+----+------+-----------
 *         \_____ commit word: one u64, little-endian _____/
 *
 *   size   header + payload bytes (not rounded); PAD: bytes to skip (8-aligned)
 *   type   the engine's event id; the ring never interprets it
 *   flags  RING_F_BUSY (reserved, not yet committed: shared rings only),
 *          RING_F_PAD, RING_F_DISCARD (aborted by its writer)
 *   time   raw u64 the engine passes (TSC or CLOCK_MONOTONIC ns)
 *   pid, tid  the writer as the traced process sees itself
 *   cpu    the engine's value (e.g. TSC_AUX from rdtscp); 0 if unknown
 *
 * Positions
 * ---------
 * head and tail are byte counts that only grow (64 bits: they never wrap);
 * a position's offset in the ring is pos & (ring_size - 1).  The writers own
 * head, the reader owns tail, and head - tail <= ring_size always.
 *
 * Exclusive rings (one producer).  reserve computes the record's place from
 * the writer's private copy of head and a cached limit (tail + ring_size as
 * last seen); only when that limit is passed does it reload tail.  It writes
 * the header (flags 0) and returns a pointer into the ring.  commit stores
 * head with release: the reader loads head with acquire and may then read
 * every byte below it.  Nothing past head is ever visible, so an
 * uncommitted record costs the reader nothing.
 *
 * Shared rings (many producers).  reserve moves head with a CAS, then
 * writes the header with RING_F_BUSY using a release store of the commit
 * word; commit stores the word again without BUSY, with release.  The
 * reader stops at the first record whose word is 0 (a writer that won the
 * CAS but has not written its header yet) or BUSY, so records come out in
 * reservation order.  To tell "not written yet" from last lap's bytes, the
 * reader zeroes every byte it consumed in a shared ring before it releases
 * the space by storing tail: free space in a shared ring is always zero.
 *
 * Full ring: the record is dropped, reserve returns NULL (the engine counts
 * it against the event) and the ring's lost counter grows.  Writers never
 * wait and never overwrite unread records.
 *
 * Writers that die
 * ----------------
 * Exclusive ring: an uncommitted record was never published; nothing to do.
 * The ring stays owned by the dead tid; ring_drain reaps such rings when the
 * agent reports that a claim found no free ring (the owner is checked with
 * tgkill(pid, tid, 0) and /proc, so only the collector makes that call).
 * Shared ring: a BUSY record blocks the records behind it.  The reader waits
 * `stall_ms`; then, if the writer's thread is gone (same check), it skips
 * the record and counts it in `abandoned`.  A zero word (death between the
 * CAS and the header store, a few instructions) cannot be skipped while the
 * process lives because its size is unknown; once the process has exited,
 * the collector drains with RING_DRAIN_FINAL, which abandons BUSY records
 * and steps over zero words (such a reservation is still all zero, and every
 * written record begins with a non-zero word, so the next record is the
 * first non-zero word).  A stalled shared ring never blocks other rings; its
 * own writers see it full and count their drops.
 *
 * fork
 * ----
 * The agent keeps its writer slots (one per thread: the thread's tid, its
 * ring, the cached head and limit) in private memory marked
 * MADV_WIPEONFORK.  In a child they read as zeros: every reserve fails and
 * every claim finds nothing, from the first instruction after fork, with no
 * check added to the fast path (a zero limit already sends reserve to the
 * slow path, which finds no ring).  The child then calls ring_detach(),
 * which maps anonymous memory over the parent's region without storing a
 * byte into it, and attaches the new region the collector sends.
 *
 * The child's thread may still be inside a hit (fork from a signal handler
 * that interrupted one).  Its commit does nothing (the wiped writer has no
 * ring), and its late payload stores land in the anonymous memory provided
 * the engine detaches in its pthread_atfork child handler, which runs before
 * fork returns in the child.
 *
 * Trust
 * -----
 * The region is writable by the traced process, which may be buggy; the
 * collector must not crash or loop because of it.  The memfd is sealed
 * against resizing (no SIGBUS), the reader keeps its own copy of the
 * geometry and of tail (the shared tail is only ever stored), reads each
 * commit word once, accepts a record only if it lies inside the ring and
 * below head, never adopts a misaligned head, and on bad framing counts the
 * bytes up to head as `corrupt` and starts again from head (always a record
 * boundary).  Payloads are handed to the callback with a validated length;
 * their content is the target's business.  The agent, for its part, checks
 * the geometry once at attach and uses only its private copy.
 *
 * Waking the collector
 * --------------------
 * The collector polls: ring_wait() sleeps between wait_min_us and
 * wait_max_us, halving the interval after a drain that took more than 1/8
 * of a ring or saw new drops, doubling it after a drain that found nothing,
 * and not sleeping at all after one that took more than half a ring.
 * Writers pay nothing.  A futex wake would react faster to bursts, but it is
 * a syscall on the hit path (forbidden: a probe on a syscall wrapper or in a
 * signal handler must still work) and needs a "reader sleeping" flag that
 * commits would have to read; sizing the rings for wait_max_us at peak rate
 * is the cheaper answer.
 *
 * Memory ordering, all in one place (each site repeats its pairing):
 *   W1 commit, exclusive: store-release head      ↔ R1 load-acquire head
 *   W2 reserve/commit, shared: store-release word ↔ R2 load-acquire word
 *   R3 reader: store-release tail (after reading  ↔ W3 load-acquire tail
 *      and, for shared rings, zeroing the space)
 *   C1 claim: CAS-acquire owner/slot              ↔ C2 release: store-release owner/slot
 */

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#if __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "the ring commit word assumes a little-endian layout"
#endif

#define RING_MAGIC       0x31474e49524c4f58ULL /* "XOLRING1" */
#define RING_VERSION     1u
#define RING_HDR_SIZE    32u
#define RING_PAYLOAD_MAX 4096u /* a kernel trace record is at most one page */
#define RING_RECORD_MAX  (RING_HDR_SIZE + RING_PAYLOAD_MAX)
#define RING_ALIGN       8u
#define RING_SIZE_MIN    (16u << 10) /* > 2 records of RING_RECORD_MAX */
#define RING_SIZE_MAX    (1ULL << 32)

/* struct ring_rec.flags */
#define RING_F_BUSY    0x0001 /* reserved, not committed (shared rings) */
#define RING_F_PAD     0x0002 /* filler up to the end of the ring */
#define RING_F_DISCARD 0x0004 /* aborted by its writer */

enum ring_kind {
	RING_NONE,      /* a dead writer: reserve always fails */
	RING_EXCLUSIVE, /* one writer thread at a time */
	RING_SHARED,    /* any number of writer threads */
};

struct ring_rec {
	union {
		struct {
			uint32_t size;
			uint16_t type;
			uint16_t flags;
		};
		uint64_t word; /* the three above as one atomic unit */
	};
	uint64_t time;
	uint32_t pid;
	uint32_t tid;
	uint16_t cpu;
	uint16_t reserved0;
	uint32_t reserved1;
	unsigned char data[];
};

_Static_assert(sizeof(struct ring_rec) == RING_HDR_SIZE, "record header is 32 bytes");

/* --- shared memory layout (both processes) ------------------------------ */

struct ring_region_hdr {
	uint64_t magic;
	uint32_t version;
	uint32_t nr_rings;    /* exclusive rings first, then shared ones */
	uint32_t nr_shared;
	uint32_t nr_writers;  /* writer slots the agent allocates (threads at once) */
	uint64_t ring_size;
	uint64_t ctl_offset;
	uint64_t data_offset;
	uint64_t total_size;
	uint64_t shared_claims; /* threads that found no free exclusive ring */
	uint64_t failed_claims; /* threads left without any ring */
};

struct ring_ctl {
	/* written at creation, then only by claim/release/reap */
	uint32_t owner; /* tid of the exclusive owner, 0 when free */
	uint32_t kind;  /* enum ring_kind */
	uint8_t pad0[128 - 8];
	/* written by the writers */
	uint64_t head;
	uint64_t lost; /* reservations refused: full, or record too large */
	uint8_t pad1[128 - 16];
	/* written by the reader only */
	uint64_t tail;
	uint8_t pad2[256 - 8];
};

_Static_assert(sizeof(struct ring_ctl) == 512, "ring_ctl is 512 bytes");
_Static_assert(offsetof(struct ring_ctl, head) == 128, "head on its own line pair");
_Static_assert(offsetof(struct ring_ctl, tail) == 256, "tail on its own line pair");

/* --- agent side ----------------------------------------------------------- */

/*
 * One per writing thread, in the agent's wipe-on-fork memory.  Every field
 * the fast path touches is in this one cache line.
 */
struct ring_writer {
	uint64_t head;  /* exclusive: where the next reservation starts */
	uint64_t limit; /* exclusive: reserve below this without reading tail; 0 otherwise */
	union {
		uint64_t pend;         /* exclusive: end of the open reservation */
		struct ring_rec *open; /* shared: the open reservation, or NULL */
	};
	uint64_t mask; /* ring_size - 1 */
	unsigned char *data;
	struct ring_ctl *ctl;
	uint32_t pid;
	uint32_t tid; /* 0: the slot is free */
	uint32_t kind;
	uint32_t ring;
} __attribute__((aligned(64)));

_Static_assert(sizeof(struct ring_writer) == 64, "one writer, one cache line");
_Static_assert(offsetof(struct ring_writer, pid) % 8 == 0 && offsetof(struct ring_rec, pid) % 8 == 0 &&
	       offsetof(struct ring_writer, tid) == offsetof(struct ring_writer, pid) + 4 &&
	       offsetof(struct ring_rec, tid) == offsetof(struct ring_rec, pid) + 4,
	       "pid and tid copied as one word");

/*
 * Where a trampoline's recording path finds the writer's fields and
 * ctl->head, written into @rp's w_*_off, kind_exclusive and ctl_head_off
 * (struct arch_record_path: a macro, so this header needs no arch one).
 */
#define RING_WRITER_FIELDS(rp)							\
	do {									\
		(rp)->w_head_off = offsetof(struct ring_writer, head);		\
		(rp)->w_limit_off = offsetof(struct ring_writer, limit);	\
		(rp)->w_pend_off = offsetof(struct ring_writer, pend);		\
		(rp)->w_mask_off = offsetof(struct ring_writer, mask);		\
		(rp)->w_data_off = offsetof(struct ring_writer, data);		\
		(rp)->w_ctl_off = offsetof(struct ring_writer, ctl);		\
		(rp)->w_pidtid_off = offsetof(struct ring_writer, pid);	\
		(rp)->w_kind_off = offsetof(struct ring_writer, kind);		\
		(rp)->kind_exclusive = RING_EXCLUSIVE;				\
		(rp)->ctl_head_off = offsetof(struct ring_ctl, head);		\
	} while (0)

struct ring_attach;

/*
 * ring_attach - map the region behind @fd (the agent's side; not the hit
 * path).  @pid is the agent's process id, copied into every record.
 * Validates the geometry.  Returns 0 or -errno.
 */
int ring_attach(int fd, uint32_t pid, struct ring_attach **out);

/*
 * ring_attach_mem - the same for a region already mapped in this process
 * (a collector and an agent in one process: ring_region_mem()).  Sharing
 * one mapping also lets ThreadSanitizer follow the synchronisation, which
 * it cannot across two mappings of one memfd.  ring_detach and ring_unmap
 * leave that mapping alone.
 */
int ring_attach_mem(void *base, size_t size, uint32_t pid, struct ring_attach **out);

/*
 * ring_claim - a writer for the calling thread @tid: a free exclusive ring
 * if there is one, else a shared ring, else a writer whose reserve always
 * fails.  Never NULL.  Lock-free, no syscall, no libc: callable from the
 * first hit of a new thread.  Call once per thread.
 */
struct ring_writer *ring_claim(struct ring_attach *a, uint32_t tid);

/*
 * ring_prefault - populate @w's ring (exclusive rings only), so that no
 * page fault lands on the hit path (one per 4 KiB of records otherwise:
 * ~60 ns a record on this VM's first pass); not for the hit path.
 */
void ring_prefault(struct ring_writer *w);

/*
 * ring_release - at thread exit (the agent's TLS destructor).  Discards an
 * open reservation and gives the ring back.  @w must not be used again.
 */
void ring_release(struct ring_writer *w);

/*
 * ring_reap_writers - free the writer slots (and exclusive rings) of
 * threads that exited without ring_release (a raw exit syscall).  For the
 * agent's control thread, not the hit path: it asks the kernel about each
 * thread.  Returns how many it freed.
 */
unsigned ring_reap_writers(struct ring_attach *a);

/*
 * ring_detach - stop using the region without storing a byte into it: the
 * mapping is replaced by private anonymous memory, so a late store from a
 * thread still inside a hit lands nowhere.  The way out for a forked child
 * (whose writers already fail) and for the end of a session.
 */
void ring_detach(struct ring_attach *a);

/*
 * ring_unmap - free what ring_attach allocated.  Only once no thread can
 * still hold one of its writers (in a forked child: after the engine has
 * dropped the forking thread's writer pointer).
 */
void ring_unmap(struct ring_attach *a);

/* --- the hit path: inline, no syscalls, no libc ---------------------------- */

#define ring_likely(x)   __builtin_expect(!!(x), 1)
#define ring_unlikely(x) __builtin_expect(!!(x), 0)

static inline uint64_t ring_word(uint32_t size, uint16_t type, uint16_t flags)
{
	return (uint64_t)size | (uint64_t)type << 32 | (uint64_t)flags << 48;
}

static inline uint64_t ring_aligned(uint64_t n)
{
	return (n + RING_ALIGN - 1) & ~(uint64_t)(RING_ALIGN - 1);
}

/* Bytes of PAD needed before a record of @need bytes reserved at @pos. */
static inline uint64_t ring_pad(uint64_t pos, uint64_t need, uint64_t mask)
{
	uint64_t off = pos & mask;

	return off + need > mask + 1 ? mask + 1 - off : 0;
}

/*
 * Write the PAD (if any) and the header of a record reserved at @pos.
 * @flags is 0 in an exclusive ring (head publishes it) and RING_F_BUSY in a
 * shared one (the commit word publishes it).
 */
static inline struct ring_rec *__ring_place(struct ring_writer *w, uint64_t pos, uint64_t pad,
					    uint32_t size, uint16_t type, uint16_t flags,
					    uint64_t time, uint16_t cpu)
{
	struct ring_rec *rec;

	if (ring_unlikely(pad)) {
		rec = (struct ring_rec *)(w->data + (pos & w->mask));
		/* W2: pairs with R2; a PAD is born committed. */
		__atomic_store_n(&rec->word, ring_word((uint32_t)pad, 0, RING_F_PAD),
				 __ATOMIC_RELEASE);
		pos += pad;
	}
	rec = (struct ring_rec *)(w->data + (pos & w->mask));
	rec->time = time;
	rec->pid = w->pid;
	rec->tid = w->tid;
	rec->cpu = cpu;
	rec->reserved0 = 0;
	rec->reserved1 = 0;
	/*
	 * W2: pairs with R2.  For a BUSY header the reader only needs tid (to
	 * ask whether the writer still lives); release makes the fields above
	 * visible with it.  In an exclusive ring head publishes the record and
	 * this could be relaxed; release costs nothing on x86.
	 */
	__atomic_store_n(&rec->word, ring_word(size, type, flags), __ATOMIC_RELEASE);
	return rec;
}

/*
 * A counter, so relaxed: nothing is published through it.  The exclusive
 * owner is its only writer and needs no lock prefix; atomics keep the
 * reader's loads race-free.
 */
static inline void __ring_count_lost(struct ring_writer *w)
{
	if (w->kind == RING_SHARED)
		__atomic_fetch_add(&w->ctl->lost, 1, __ATOMIC_RELAXED);
	else
		__atomic_store_n(&w->ctl->lost, __atomic_load_n(&w->ctl->lost, __ATOMIC_RELAXED) + 1,
				 __ATOMIC_RELAXED);
}

/*
 * Everything that is not "exclusive ring, room below the cached limit":
 * refresh the limit, the shared ring's CAS, drops, dead writers.
 */
static __attribute__((noinline)) struct ring_rec *
__ring_reserve_slow(struct ring_writer *w, uint16_t type, uint32_t len, uint64_t time, uint16_t cpu)
{
	uint64_t size = w->mask + 1, need, pos, pad, tail;
	struct ring_ctl *ctl = w->ctl;
	struct ring_rec *rec;

	if (w->kind == RING_NONE)
		return NULL; /* no ring, or a forked child's wiped slot */
	if (len > RING_PAYLOAD_MAX)
		goto lost;
	need = ring_aligned(RING_HDR_SIZE + len);

	if (w->kind == RING_EXCLUSIVE) {
		pos = w->head;
		pad = ring_pad(pos, need, w->mask);
		/* W3: pairs with R3; the reader is done with every byte below tail. */
		tail = __atomic_load_n(&ctl->tail, __ATOMIC_ACQUIRE);
		w->limit = tail + size;
		if (pos + pad + need > w->limit)
			goto lost;
		rec = __ring_place(w, pos, pad, RING_HDR_SIZE + len, type, 0, time, cpu);
		w->pend = pos + pad + need;
		return rec;
	}

	/* Relaxed: a guess for the CAS below, which checks it. */
	pos = __atomic_load_n(&ctl->head, __ATOMIC_RELAXED);
	for (;;) {
		/*
		 * W3: pairs with R3; the space below tail + size has been read
		 * and zeroed.  Loaded before head is used, so head >= tail.
		 */
		tail = __atomic_load_n(&ctl->tail, __ATOMIC_ACQUIRE);
		if ((int64_t)(pos - tail) < 0) { /* pos is older than tail: reload */
			pos = __atomic_load_n(&ctl->head, __ATOMIC_RELAXED);
			continue;
		}
		pad = ring_pad(pos, need, w->mask);
		if (pos + pad + need - tail > size)
			goto lost;
		/*
		 * Relaxed: the CAS only hands out [pos, pos + pad + need); what
		 * we write there is published by W2, and the space was made
		 * ours by the acquire of tail above.
		 */
		if (__atomic_compare_exchange_n(&ctl->head, &pos, pos + pad + need, 0,
						__ATOMIC_RELAXED, __ATOMIC_RELAXED))
			break;
	}
	rec = __ring_place(w, pos, pad, RING_HDR_SIZE + len, type, RING_F_BUSY, time, cpu);
	w->open = rec;
	return rec;
lost:
	__ring_count_lost(w);
	return NULL;
}

/*
 * ring_reserve - room for a record of @len payload bytes, or NULL when the
 * ring is full, @len > RING_PAYLOAD_MAX, or @w has no ring (count the hit as
 * lost).  The header is written; fill ring_rec.data[0..len) and call
 * ring_commit() or ring_abort().  One open reservation per writer: the
 * engine's recursion guard keeps a nested hit from reaching here.
 */
static inline struct ring_rec *ring_reserve(struct ring_writer *w, uint16_t type, uint32_t len,
					    uint64_t time, uint16_t cpu)
{
	uint64_t pos = w->head, need = ring_aligned(RING_HDR_SIZE + (uint64_t)len);
	uint64_t pad = ring_pad(pos, need, w->mask);
	struct ring_rec *rec;

	/* Shared, dead and wiped writers have limit 0 and always go slow. */
	if (ring_unlikely(len > RING_PAYLOAD_MAX || pos + pad + need > w->limit))
		return __ring_reserve_slow(w, type, len, time, cpu);
	rec = __ring_place(w, pos, pad, RING_HDR_SIZE + len, type, 0, time, cpu);
	w->pend = pos + pad + need;
	return rec;
}

/* ring_commit - publish @rec, reserved from @w; the reader may now see it. */
static inline void ring_commit(struct ring_writer *w, struct ring_rec *rec)
{
	if (ring_likely(w->kind == RING_EXCLUSIVE)) {
		/* W1: pairs with R1; header and payload above become visible with head. */
		__atomic_store_n(&w->ctl->head, w->pend, __ATOMIC_RELEASE);
		w->head = w->pend;
	} else if (w->kind == RING_SHARED) {
		/* W2: pairs with R2; payload visible before the word loses BUSY. */
		uint64_t word = __atomic_load_n(&rec->word, __ATOMIC_RELAXED); /* our own store */

		__atomic_store_n(&rec->word, word & ~((uint64_t)RING_F_BUSY << 48), __ATOMIC_RELEASE);
		w->open = NULL;
	}
}

/*
 * The straight path for one writer, when the size is known only at the
 * end (strings): ring_reserve_upto() returns where a record of at most
 * @max payload bytes goes, if it fits in an exclusive ring below the
 * cached limit without a PAD; else NULL, and the caller takes the
 * ordinary ring_reserve() with the size it then knows.  Nothing is
 * written: fill data[0..len) and call ring_commit_upto(), which writes
 * the header with the real size and commits.  Shared, dead and wiped
 * writers have limit 0: always NULL.
 */
static inline struct ring_rec *ring_reserve_upto(struct ring_writer *w, uint32_t max)
{
	uint64_t pos = w->head, need = ring_aligned(RING_HDR_SIZE + (uint64_t)max);

	if (ring_unlikely((pos & w->mask) + need > w->mask + 1 || pos + need > w->limit ||
			  max > RING_PAYLOAD_MAX))
		return NULL;
	return (struct ring_rec *)(w->data + (pos & w->mask));
}

static inline void ring_commit_upto(struct ring_writer *w, struct ring_rec *rec, uint16_t type,
				    uint32_t len, uint64_t time, uint16_t cpu)
{
	typedef uint64_t __attribute__((may_alias)) u64_alias;
	uint64_t end = w->head + ring_aligned(RING_HDR_SIZE + (uint64_t)len);

	/* The header in four words: size type flags, time, pid tid, cpu and zeros. */
	rec->word = ring_word(RING_HDR_SIZE + len, type, 0);
	rec->time = time;
	*(u64_alias *)&rec->pid = *(const u64_alias *)&w->pid;
	*(u64_alias *)&rec->cpu = cpu;
	/* A forked child's wiped writer (a fork in a signal handler): nothing to publish. */
	if (ring_unlikely(w->kind != RING_EXCLUSIVE))
		return;
	/* W1: pairs with R1; header and payload become visible with head. */
	__atomic_store_n(&w->ctl->head, end, __ATOMIC_RELEASE);
	w->head = end;
	w->pend = end;
}

/*
 * ring_abort - give up @rec (a filter said no, or the thread is leaving).
 * Not counted as lost: the engine decides what the hit was.
 */
static inline void ring_abort(struct ring_writer *w, struct ring_rec *rec)
{
	if (w->kind == RING_EXCLUSIVE) {
		w->pend = w->head; /* never published: the next reserve reuses it */
	} else if (w->kind == RING_SHARED) {
		/* W2: pairs with R2; the reader skips it. */
		__atomic_store_n(&rec->word,
				 ring_word(rec->size, rec->type, RING_F_DISCARD), __ATOMIC_RELEASE);
		w->open = NULL;
	}
}

/*
 * ring_copy - copy @n bytes into a record without libc.  The empty asm
 * keeps the compiler from turning the loop back into a call to memcpy.
 */
static inline void ring_copy(void *dst, const void *src, size_t n)
{
	typedef uint64_t __attribute__((may_alias, aligned(1))) u64_unaligned;
	unsigned char *d = dst;
	const unsigned char *s = src;

	for (; n >= 8; n -= 8, d += 8, s += 8) {
		*(u64_unaligned *)d = *(const u64_unaligned *)s;
		__asm__("" : "+r"(d), "+r"(s));
	}
	for (; n; n--) {
		*d++ = *s++;
		__asm__("" : "+r"(d), "+r"(s));
	}
}

/* --- collector side --------------------------------------------------------- */

struct ring_region;

struct ring_region_opts {
	uint64_t buffer_size;  /* bytes of ring data in all; default 8 MiB */
	uint32_t nr_exclusive; /* both 0: 16 exclusive and 1 shared */
	uint32_t nr_shared;    /* 0 is allowed: then threads beyond the exclusive rings get none */
	uint32_t nr_writers;   /* threads the agent serves at once; default 1024 */
	pid_t pid;             /* the traced process, for liveness checks; 0: none */
	uint32_t stall_ms;     /* a BUSY record this old gets its writer checked; default 100 */
	uint32_t wait_min_us;  /* ring_wait() bounds; defaults 1000 and 10000 */
	uint32_t wait_max_us;
};

/*
 * ring_region_create - a memfd region (sealed against resizing) holding
 * nr_exclusive + nr_shared rings of ring_size = buffer_size / nr rounded down
 * to a power of two (at least RING_SIZE_MIN).  Returns 0 or -errno.
 */
int ring_region_create(const struct ring_region_opts *opts, struct ring_region **out);
void ring_region_destroy(struct ring_region *r);

/* The fd to send to the agent (owned by the region). */
int ring_region_fd(const struct ring_region *r);
/* The collector's own mapping of the region, for ring_attach_mem(). */
void *ring_region_mem(const struct ring_region *r, size_t *size);
uint32_t ring_region_nr_rings(const struct ring_region *r);
uint64_t ring_region_ring_size(const struct ring_region *r);

/* Set once the traced process exists (liveness checks need it). */
void ring_region_set_pid(struct ring_region *r, pid_t pid);

/*
 * ring_record_fn - one committed record of ring @ring; @len payload bytes
 * follow the header (validated: the record lies inside the ring).  The
 * memory is shared with a process that may be buggy: read it, never keep a
 * pointer to it.  Return 0 to go on; a negative value stops ring_drain,
 * which returns it and delivers this record again next time.
 */
typedef int ring_record_fn(void *ctx, unsigned ring, const struct ring_rec *rec, uint32_t len);

/* ring_drain flags */
#define RING_DRAIN_FINAL     0x1 /* no writer will ever come back: abandon what is unfinished */
#define RING_DRAIN_ABANDONED 0x2 /* also pass abandoned records (flags has RING_F_BUSY, payload is junk) */

/*
 * ring_drain - deliver, ring after ring, every record committed so far in
 * commit order within each ring, and give the space back to the writers.
 * Returns the number of records delivered or the callback's negative value.
 */
long ring_drain(struct ring_region *r, ring_record_fn *fn, void *ctx, unsigned flags);

/*
 * ring_drain_one - ring_drain for ring @ring alone (a collector that found
 * only one ring with records needs no merge across rings).
 */
long ring_drain_one(struct ring_region *r, unsigned ring, ring_record_fn *fn, void *ctx,
		    unsigned flags);

/*
 * ring_ready - how far ring @ring's head is past what the reader took: 0
 * when it has nothing.  A hint read without ordering (ring_drain orders its
 * own reads), and the target's word: it may be anything, even huge.
 */
uint64_t ring_ready(const struct ring_region *r, unsigned ring);

/* ring_wait - sleep as long as the last drain suggests (see "Waking the collector"). */
void ring_wait(struct ring_region *r);

struct ring_stats {
	uint64_t records;   /* committed records delivered */
	uint64_t bytes;     /* their size, headers included, padding not */
	uint64_t lost;      /* reservations refused: ring full or record too large */
	uint64_t abandoned; /* reserved but never committed: the writer died */
	uint64_t corrupt;   /* bytes skipped because the framing was invalid */
	uint64_t peak;      /* most bytes found waiting at one drain */
	uint32_t owner;     /* tid of the exclusive owner now, 0 if none */
	uint32_t kind;      /* enum ring_kind */
};

void ring_stats(const struct ring_region *r, unsigned ring, struct ring_stats *st);

/* Threads of the traced process that got a shared ring / no ring at all. */
void ring_region_claims(const struct ring_region *r, uint64_t *shared, uint64_t *failed);

/* Give back exclusive rings whose owner thread is gone (ring_drain does it when needed). */
unsigned ring_reap(struct ring_region *r);

#endif
