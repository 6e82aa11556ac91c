/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The ring tests' payload: records whose every byte can be checked, and
 * the reader's tally of them.  Include after defining NTHREADS.
 */
#ifndef XOL_SELFTESTS_RING_PAYLOAD_H
#define XOL_SELFTESTS_RING_PAYLOAD_H

#include <stdint.h>
#include <string.h>

#include "core/ring.h"

/* Payload: seq (u64), thread (u32), bytes, FNV-1a of all that (u32). */
static inline uint32_t len_of(uint32_t t, uint64_t s)
{
	return 16 + (uint32_t)((s * 7 + t * 13) % 97);
}

static inline uint32_t fnv1a(const unsigned char *p, uint32_t n)
{
	uint32_t h = 2166136261u;

	while (n--)
		h = (h ^ *p++) * 16777619u;
	return h;
}

static inline void fill(unsigned char *d, uint32_t t, uint64_t s, uint32_t len)
{
	uint32_t i, sum;

	memcpy(d, &s, 8);
	memcpy(d + 8, &t, 4);
	for (i = 12; i < len - 4; i++)
		d[i] = (unsigned char)(s * 31 + i * 7 + t);
	sum = fnv1a(d, len - 4);
	memcpy(d + len - 4, &sum, 4);
}

/* What the reader saw, for each writer thread (record type = thread index). */
struct payload_tally {
	uint32_t pid;
	uint64_t got[NTHREADS], next[NTHREADS], bad, misordered;
	uint32_t seen_tid[NTHREADS];
};

static inline int payload_check(void *ctx, unsigned ring, const struct ring_rec *rec, uint32_t len)
{
	struct payload_tally *c = ctx;
	uint32_t t = rec->type, tt, sum;
	uint64_t s;

	(void)ring;
	if (t >= NTHREADS) {
		c->bad++;
		return 0;
	}
	memcpy(&s, rec->data, 8);
	memcpy(&tt, rec->data + 8, 4);
	memcpy(&sum, rec->data + len - 4, 4);
	if (tt != t || rec->time != s || rec->cpu != t || len != len_of(t, s) ||
	    sum != fnv1a(rec->data, len - 4) || rec->pid != c->pid)
		c->bad++;
	if (!c->seen_tid[t])
		c->seen_tid[t] = rec->tid;
	else if (c->seen_tid[t] != rec->tid)
		c->bad++;
	if (s < c->next[t])
		c->misordered++;
	c->next[t] = s + 1;
	c->got[t]++;
	return 0;
}
#endif
