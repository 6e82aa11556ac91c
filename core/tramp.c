// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The trampoline a jump site gets: which of the arch's fast paths its
 * events allow, filled in from the agent's own structures (the thread's
 * state, its rings and counters, the shadow stack), and the whole built
 * for a place in an XOL area.  site.c decides where and when.
 *
 * Every fast path checks, after it marks its thread busy as a hit does,
 * that what it was built for still holds (the site's list, or for a
 * return its lists' generation), and takes the long way otherwise: a
 * trampoline is never changed once written, only replaced.
 */
#include <errno.h>
#include <string.h>

#include "agent.h"
#include "uaccess.h"

/*
 * A site whose events only count (xol stat, no return probe) gets the
 * trampoline's counting fast path: each hit adds to the thread's counter
 * row without saving registers or calling anything.  In a static program
 * too: there the path finds the thread's block through %gs.
 */
static bool count_path(const struct site *s, struct arch_count_path *cp)
{
	if (s->ret->n || s->rsite->n || !s->entry->n || s->entry->n > ARCH_COUNT_MAX)
		return false;
	const struct agent_session *se = s->entry->ev[0]->sess;
	memset(cp, 0, sizeof(*cp));
	cp->tls_off = (int32_t)agent.tls_self_off;
#ifdef XOL_NOLIBC
	/* the block %gs names, if this thread's (thread_current()); none in a child after fork */
	if (!nolibc_fork_guard)
		return false; /* a kernel without MADV_WIPEONFORK: no fork would be seen */
	cp->gs_owner_off = offsetof(struct xol_thread, owner_fs);
	cp->fork_guard = (uint64_t)(uintptr_t)nolibc_fork_guard;
#else
	if (!cp->tls_off)
		return false;
#endif
	cp->busy_off = offsetof(struct xol_thread, busy);
	cp->row_off = (int32_t)(offsetof(struct xol_thread, ss) +
				se->slot * sizeof(struct thread_session) +
				offsetof(struct thread_session, row));
	for (unsigned i = 0; i < s->entry->n; i++) {
		const struct agent_event *e = s->entry->ev[i];
		if (!(e->w->flags & WIRE_EV_COUNT_ONLY) || e->sess != se)
			return false; /* one row pointer: the events of one session */
		cp->counter_off[cp->n++] = (int32_t)(e->index * sizeof(struct wire_counters) +
						     offsetof(struct wire_counters, hits));
	}
	return true;
}

/* The thread's state as a fast path finds it, with the row of session slot @slot. */
static void thread_fields(struct arch_record_path *rp, unsigned slot)
{
	const size_t ts = offsetof(struct xol_thread, ss) + slot * sizeof(struct thread_session);

	rp->tls_off = (int32_t)agent.tls_self_off;
	rp->cpu_tls_off = (int32_t)agent.rseq_cpu_offset;
	rp->busy_off = offsetof(struct xol_thread, busy);
	rp->dirty_off = offsetof(struct xol_thread, comm_dirty);
	rp->tid_off = offsetof(struct xol_thread, tid);
	rp->row_off = (int32_t)(ts + offsetof(struct thread_session, row));
	rp->ring_off = (int32_t)(ts + offsetof(struct thread_session, ring));
}

/*
 * The record of @e as a fast path writes it, if it can: general registers
 * (all 8 bytes, or the low 4, 2 or 1 of a typed one), and numbers and
 * strings at a general register plus a displacement (+8(%di):s32,
 * +8(%di):string), exactly as
 * emit() writes them (core/hit.c).  Needs the CPU from rseq and the
 * thread pointer in TLS.
 */
_Static_assert(TP_STRING_MAX >= TP_RECORD_MAX, "a string gets what is left of the record");

static bool record_event(const struct agent_event *e, struct arch_record_path *rp)
{
	const struct wire_event *w = e->w;

	/* not in static programs: no TLS, and their copies are C with system calls (nolibc-next.c) */
	if (agent.nolibc || !agent.tls_self_off || !agent.rseq_cpu_offset ||
	    (w->flags & WIRE_EV_COUNT_ONLY) || !e->fast_all || w->nargs > ARCH_RECORD_MAX_ARGS ||
	    w->fixed_size < 16 || w->fixed_size > RING_PAYLOAD_MAX)
		return false;
	memset(rp, 0, sizeof(*rp));
	for (unsigned i = 0; i < w->nargs; i++) {
		const struct fast_arg *a = &e->fa[i];
		if (a->reg > offsetof(struct xol_regs, di))
			return false; /* not a general register */
		if (a->kind == FETCH_FAST_REG && fetch_put_size(a->size)) {
			rp->arg[rp->nargs].reg = a->reg;
			rp->arg[rp->nargs].size = a->size;
			rp->arg[rp->nargs++].off = a->offset;
		} else if (a->kind == FETCH_FAST_MEM && fetch_put_size(a->size) &&
			   rp->nmems < ARCH_RECORD_MAX_MEMS && a->param == (int32_t)a->param) {
			rp->mem[rp->nmems].reg = a->reg;
			rp->mem[rp->nmems].disp = (int32_t)a->param;
			rp->mem[rp->nmems].off = a->offset;
			rp->mem[rp->nmems++].size = a->size;
		} else if (a->kind == FETCH_FAST_STRING && rp->nstrings < ARCH_RECORD_MAX_STRINGS &&
			   a->param == (int32_t)a->param) {
			rp->str[rp->nstrings].reg = a->reg;
			rp->str[rp->nstrings].disp = (int32_t)a->param;
			rp->str[rp->nstrings++].off = a->offset;
		} else {
			return false;
		}
	}
	if (e->has_dyn != (rp->nstrings > 0))
		return false; /* a __data_loc field that is not such a string */
	thread_fields(rp, e->slot);
	rp->hits_off = (int32_t)(e->index * sizeof(struct wire_counters) +
				 offsetof(struct wire_counters, hits));
	RING_WRITER_FIELDS(rp);
	rp->need = (uint32_t)ring_aligned(RING_HDR_SIZE + w->fixed_size);
	rp->word = ring_word(RING_HDR_SIZE + w->fixed_size, w->id, 0);
	rp->common = w->id;
	rp->copy = (uint64_t)(uintptr_t)xol_copy_r11;
	if (rp->nstrings) { /* as ring_reserve_upto(TP_RECORD_MAX), then the real size */
		rp->fixed = w->fixed_size;
		rp->max = TP_RECORD_MAX;
		rp->need = (uint32_t)ring_aligned(RING_HDR_SIZE + TP_RECORD_MAX);
		rp->word = ring_word(0, w->id, 0);
		rp->strncpy = (uint64_t)(uintptr_t)xol_strncpy_safe;
	}
	return true;
}

/*
 * A site whose one event records 8-byte registers into a fixed-size
 * record (xol trace a=%di b=%si) gets the trampoline's recording fast
 * path: the record written by the trampoline itself, without saving
 * every register or calling anything.
 */
static bool record_path(const struct site *s, struct arch_record_path *rp)
{
	if (s->ret->n || s->rsite->n || s->entry->n != 1 || s->own_stack || s->ret_at ||
	    s->entry->ev[0]->w->is_return || !record_event(s->entry->ev[0], rp))
		return false;
	rp->ip = s->addr;
	rp->list_addr = (uint64_t)(uintptr_t)&s->entry;
	rp->list = (uint64_t)(uintptr_t)s->entry;
	return true;
}

/*
 * A site whose return events only count (xol stat), or are one event
 * that records 8-byte registers into a fixed-size record ($retval), gets
 * a return fast path after its trampoline: the slots its entries hijack
 * point there, and it does what hit_return() would, without saving every
 * register or calling anything (arch.h).  It checks the site's list
 * generation, not the list: a frame may return to it long after the list
 * it was built for was freed.
 */
static bool return_path(const struct site *s, struct arch_return_path *rt)
{
	const struct consumers *ret = s->ret;

	if (!ret->n || ret->n > ARCH_COUNT_MAX || s->own_stack || s->ret_at ||
	    !agent.tls_self_off || !agent.ret_tramp)
		return false;
	memset(rt, 0, sizeof(*rt));
	if (ret->ev[0]->w->flags & WIRE_EV_COUNT_ONLY) {
		const struct agent_event *e0 = ret->ev[0];
		for (unsigned i = 0; i < ret->n; i++) {
			const struct agent_event *e = ret->ev[i];
			if (!(e->w->flags & WIRE_EV_COUNT_ONLY) || e->sess != e0->sess)
				return false; /* one row pointer: the events of one session */
			rt->counter_off[rt->ncount++] =
				(int32_t)(e->index * sizeof(struct wire_counters) +
					  offsetof(struct wire_counters, hits));
		}
		thread_fields(&rt->rec, e0->slot);
	} else if (ret->n != 1 || !record_event(ret->ev[0], &rt->rec) || rt->rec.nstrings ||
		   rt->rec.nmems) {
		return false;
	}
	rt->rec.ip = s->addr; /* __probe_func */
	rt->rec.list_addr = (uint64_t)(uintptr_t)&s->lists_gen;
	rt->rec.list = s->lists_gen;
	rt->unhooked_off = offsetof(struct xol_thread, unhooked);
	rt->depth_off = offsetof(struct xol_thread, depth);
	rt->shadow_off = offsetof(struct xol_thread, shadow);
	rt->slow = agent.ret_tramp;
	return true;
}

_Static_assert(sizeof(struct shadow_frame) == ARCH_HIJACK_FRAME &&
	       offsetof(struct shadow_frame, ret) == 0 && offsetof(struct shadow_frame, sp) == 8 &&
	       offsetof(struct shadow_frame, site) == 16 && offsetof(struct shadow_frame, ctx) == 24 &&
	       offsetof(struct shadow_frame, flags) == 28 &&
	       offsetof(struct shadow_frame, tramp) == 32, "the frame the hijack path writes");

/* The return-hijack fast path's fields, where the site allows one (its entry events aside). */
static bool hijack_fields(const struct site *s, struct arch_hijack_path *hp)
{
	if (s->rsite->n || !s->ret->n || s->own_stack || s->ret_at || !agent.tls_self_off ||
	    !agent.ret_tramp)
		return false;
	memset(hp, 0, sizeof(*hp));
	hp->tls_off = (int32_t)agent.tls_self_off;
	hp->busy_off = offsetof(struct xol_thread, busy);
	hp->unhooked_off = offsetof(struct xol_thread, unhooked);
	hp->depth_off = offsetof(struct xol_thread, depth);
	hp->max_off = offsetof(struct xol_thread, shadow_max);
	hp->shadow_off = offsetof(struct xol_thread, shadow);
	hp->ctx_off = offsetof(struct xol_thread, ctx);
	hp->site = (uint64_t)(uintptr_t)s;
	hp->ret_tramp = agent.ret_tramp;
	return true;
}

/*
 * A site whose events are all return probes gets the return-hijack fast
 * path: the entry records nothing, the trampoline itself pushes the shadow
 * frame and hijacks the return slot where return_push() would find it
 * simple (core/return.c).
 */
static bool hijack_path(const struct site *s, struct arch_hijack_path *hp)
{
	return !s->entry->n && hijack_fields(s, hp);
}

/*
 * A site with one entry event that records registers as the recording
 * path does and return probes besides (p: a=%di with r:, for latency)
 * gets the return-hijack fast path that writes the entry's record too.
 */
static bool record_hijack_path(const struct site *s, struct arch_hijack_path *hp,
			       struct arch_record_path *rp)
{
	if (s->entry->n != 1 || s->entry->ev[0]->w->is_return || !hijack_fields(s, hp) ||
	    !record_event(s->entry->ev[0], rp) || rp->nstrings || rp->nmems)
		return false;
	rp->ip = s->addr;
	rp->list_addr = (uint64_t)(uintptr_t)&s->entry;
	rp->list = (uint64_t)(uintptr_t)s->entry;
	return true;
}

/*
 * The entry part of the trampoline of @s, to run at @tramp, into @buf:
 * with the switch to the agent's stack where the program's has no room
 * (Go), with the counting fast path where the events only count, the
 * recording one where one event records registers, the return-hijack one
 * where all are return probes or besides them one event records
 * registers, pointing the slots at @ret_code if not 0 (only with
 * @may_count).  Returns its size or -errno.
 */
static int build_entry(struct site *s, uint8_t *buf, size_t size, uint8_t *tramp,
		       bool may_count, uint64_t ret_code)
{
	struct arch_count_path cp;
	struct arch_record_path rp;
	struct arch_hijack_path hp;
	bool counting = may_count && count_path(s, &cp);

	if (may_count && !counting && record_path(s, &rp)) {
		int n = arch_prepare_record_trampoline(&s->jump, buf, size, (uint64_t)tramp,
						       jump_hit, s, &rp);
		if (n != -ENOSPC)
			return n;
	}
	if (may_count && (hijack_path(s, &hp) || record_hijack_path(s, &hp, &rp))) {
		if (ret_code)
			hp.ret_tramp = ret_code;
		int n = arch_prepare_hijack_trampoline(&s->jump, buf, size, (uint64_t)tramp,
						       jump_hit, s, &hp, s->entry->n ? &rp : NULL);
		if (n != -ENOSPC)
			return n;
	}
	if (s->own_stack) {
		struct arch_own_stack os = {
			.tls_off = (int32_t)agent.tls_stack_off,
			.skipped = agent.nolibc ? &s->skipped : NULL,
			.scratch_off = GO_TLS_SCRATCH,
		};
		return arch_prepare_stack_trampoline(&s->jump, buf, size, (uint64_t)tramp, jump_hit,
						     s, &os, counting && !agent.nolibc ? &cp : NULL);
	}
	if (counting)
		return arch_prepare_count_trampoline(&s->jump, buf, size, (uint64_t)tramp,
						     jump_hit, s, &cp);
	return arch_prepare_trampoline(&s->jump, buf, size, (uint64_t)tramp, jump_hit, s);
}

/*
 * The trampoline of @s (@size bytes, as tramp_bytes() says), to run
 * at @tramp, into @buf: the entry part, and where the site has a return
 * fast path, that in its last ARCH_RETURN_TRAMPOLINE_BYTES (*@ret_code:
 * its address, else 0), the bytes between filled with int3.  Returns the
 * bytes to write or -errno.
 */
int tramp_build(struct site *s, uint8_t *buf, size_t size, uint8_t *tramp, bool may_count,
		uint64_t *ret_code)
{
	struct arch_return_path rt;
	struct arch_record_path rp;
	struct arch_hijack_path hp;
	size_t at;
	int r, n;

	*ret_code = 0;
	if (!may_count || size <= ARCH_RETURN_TRAMPOLINE_BYTES || !return_path(s, &rt))
		return build_entry(s, buf, size, tramp, may_count, 0);
	at = size - ARCH_RETURN_TRAMPOLINE_BYTES;
	/* its entry then hijacks by a call (arch.h) */
	rt.by_ret = hijack_path(s, &hp) || record_hijack_path(s, &hp, &rp);
	r = arch_prepare_return_trampoline(buf + at, ARCH_RETURN_TRAMPOLINE_BYTES,
					   (uint64_t)tramp + at, &rt);
	if (r < 0)
		return build_entry(s, buf, size, tramp, may_count, 0);
	n = build_entry(s, buf, at, tramp, may_count, (uint64_t)tramp + at);
	if (n < 0)
		return n;
	memset(buf + n, ARCH_BREAKPOINT_INSN, at - (size_t)n);
	*ret_code = (uint64_t)tramp + at;
	return (int)at + r;
}

size_t tramp_bytes(const struct site *s)
{
	struct arch_record_path rp;
	struct arch_hijack_path hp;
	struct arch_return_path rt;

	if (s->own_stack)
		return ARCH_STACK_TRAMPOLINE_BYTES;
	return (record_path(s, &rp) || hijack_path(s, &hp) || record_hijack_path(s, &hp, &rp) ?
		ARCH_RECORD_TRAMPOLINE_BYTES : ARCH_TRAMPOLINE_BYTES) +
	       (return_path(s, &rt) ? ARCH_RETURN_TRAMPOLINE_BYTES : 0);
}

/* What the fast paths of @s's trampoline do, for the -v log: "" or "; ..." each. */
void tramp_describe(const struct site *s, const char **entry, const char **ret)
{
	struct arch_record_path rp;
	struct arch_hijack_path hp;
	struct arch_return_path rt;

	*entry = s->own_stack ? "" :
		 record_path(s, &rp) ? "; the trampoline writes the record" :
		 hijack_path(s, &hp) ? "; the trampoline hijacks the return" :
		 record_hijack_path(s, &hp, &rp) ?
		 "; the trampoline writes the record and hijacks the return" : "";
	*ret = !s->ret_code ? "" : return_path(s, &rt) && rt.ncount ?
	       "; its own code counts the return" : "; its own code records the return";
}
