/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Records made by hand for the tests: fixed fields at their format offsets, strings after. */
#ifndef XOL_SELFTESTS_RECORD_H
#define XOL_SELFTESTS_RECORD_H

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "trace/events.h"
#include "xol/xol.h"

struct rec {
	const struct tp_event *ev;
	uint8_t b[4096];
	uint32_t dyn;
};

static inline void rec_put(uint8_t *p, uint64_t v, unsigned size)
{
	for (unsigned i = 0; i < size; i++, v >>= 8)
		p[i] = (uint8_t)v;
}

static inline const struct tp_arg *rec_arg(const struct rec *r, const char *name)
{
	for (unsigned i = 0; i < r->ev->nargs; i++)
		if (!strcmp(r->ev->args[i].name, name))
			return &r->ev->args[i];
	printf("# no arg %s\n", name);
	return &r->ev->args[0];
}

/* The common header and probe addresses; every other byte is @fill. */
static inline void rec_begin(struct rec *r, const struct tp_event *ev, uint8_t fill, int32_t pid,
			     uint64_t ip, uint64_t ret_ip)
{
	memset(r->b, fill, sizeof(r->b));
	r->ev = ev;
	rec_put(r->b, ev->id, 2);
	rec_put(r->b + 2, 0, 2);
	rec_put(r->b + 4, (uint32_t)pid, 4);
	rec_put(r->b + 8, ip, 8);
	if (ev->is_return)
		rec_put(r->b + 16, ret_ip, 8);
	r->dyn = ev->fixed_size;
}

/* Element @i of a numeric arg. */
static inline void rec_num(struct rec *r, const char *name, unsigned i, uint64_t v)
{
	const struct tp_arg *a = rec_arg(r, name);

	rec_put(r->b + a->offset + i * a->type.size, v, a->type.size);
}

/* Element @i of a string arg: @len bytes of @s (NUL included); NULL stores a fault. */
static inline void rec_strn(struct rec *r, const char *name, unsigned i, const char *s,
			    uint32_t len)
{
	const struct tp_arg *a = rec_arg(r, name);

	if (!s)
		len = 0;
	rec_put(r->b + a->offset + 4 * i, (uint64_t)len << 16 | r->dyn, 4);
	if (len)
		memcpy(r->b + r->dyn, s, len);
	r->dyn += len;
}

static inline void rec_str(struct rec *r, const char *name, unsigned i, const char *s)
{
	rec_strn(r, name, i, s, s ? (uint32_t)strlen(s) + 1 : 0);
}

/* Apply @def to @evs; the event it made (the last one), or NULL after saying why. */
static inline const struct tp_event *rec_define(struct xol_events *evs, const char *def)
{
	const struct tp_event *ev, *last = NULL;
	struct xol_error err;

	if (xol_events_write(evs, def, strlen(def), &err)) {
		printf("# %s: %s at %u\n", def, err.id ? err.id : "?", err.pos);
		return NULL;
	}
	for (ev = tp_first_event(evs); ev; ev = ev->next)
		last = ev;
	return last;
}

#endif
