// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Hit dispatch: what happens when a thread reaches an armed site.
 *
 * Called from the trampoline (jump path) or the SIGTRAP handler (trap
 * path) with the registers as they were at the site.  For each event on
 * the site it builds the record the event's `format` file describes and
 * commits it to the thread's ring.  No lock, no allocation, no system
 * call, no libc: the program may be inside malloc or clock_gettime.
 *
 * Return probes: the entry hit saves the real return address in the
 * thread's shadow stack and points the return slot at the return
 * trampoline; hit_return() pops it, records, and hands back the real
 * address to continue at.
 */
#include "agent.h"
#include "fetch.h"

enum { C_HITS, C_MISSES, C_LOST };

/*
 * The thread's own row of the event's session's counters: a plain
 * increment (single writer; an aligned 8-byte store is never torn for
 * the session reading it).
 */
static inline void count(const struct xol_thread *t, const struct agent_event *e, unsigned which)
{
	struct wire_counters *row = __atomic_load_n(&t->ss[e->slot].row, __ATOMIC_ACQUIRE);

	if (__builtin_expect(!row, 0))
		return;
	uint64_t *c = &row[e->index].hits + which;

	__atomic_store_n(c, __atomic_load_n(c, __ATOMIC_RELAXED) + 1, __ATOMIC_RELAXED);
}

/* For a thread with no slot: the shared last row, atomically. */
static inline void count_shared(const struct agent_event *e, unsigned which)
{
	const struct agent_session *se = e->sess;

	if (!se->counters)
		return;
	uint64_t *c = &se->counters[XOL_THREAD_SLOTS * wire_row_stride(se->nevents) + e->index].hits + which;

	__atomic_fetch_add(c, 1, __ATOMIC_RELAXED);
}

/*
 * The time (TSC, converted by the session) and the CPU.  The CPU comes
 * from the thread's rseq area, which the kernel keeps current (one load),
 * else from rdtscp's TSC_AUX, which costs twice a plain rdtsc.
 */
static inline uint64_t read_tsc(unsigned *cpu)
{
	uint32_t lo, hi, aux;

	if (__builtin_expect(agent.rseq_cpu_offset != 0, 1)) {
		asm volatile("rdtsc" : "=a"(lo), "=d"(hi));
		*cpu = *(volatile uint32_t *)((char *)__builtin_thread_pointer() +
					      agent.rseq_cpu_offset);
		return ((uint64_t)hi << 32) | lo;
	}
	asm volatile("rdtscp" : "=a"(lo), "=d"(hi), "=c"(aux));
	*cpu = aux & 0xfff;
	return ((uint64_t)hi << 32) | lo;
}

/* emit() of any event: fetch programs run by the interpreter, the ring's every case. */
static __attribute__((noinline)) void emit_general(struct xol_thread *t, struct agent_event *e,
						   struct ring_writer *ring, const struct xol_regs *regs,
						   const struct site *s, uint64_t ip, uint64_t ret_ip,
						   uint64_t ts, unsigned cpu)
{
	const struct wire_event *w = e->w;
	struct ring_rec *rr = NULL;
	struct fetch_ctx ctx;
	uint8_t *rec;
	/*
	 * Fixed-size records are fetched straight into the ring; records
	 * with strings are built in the thread's scratch first, since their
	 * size is known only at the end.
	 */
	if (e->has_dyn) {
		rec = t->scratch;
	} else {
		rr = ring_reserve(ring, w->id, w->fixed_size, ts, (uint16_t)cpu);
		if (!rr) {
			count(t, e, C_LOST);
			return;
		}
		rec = rr->data;
	}

	/* common_type, common_flags, common_preempt_count, common_pid (the tid) */
	rec[0] = (uint8_t)w->id;
	rec[1] = (uint8_t)(w->id >> 8);
	rec[2] = 0;
	rec[3] = 0;
	*(int32_t *)(rec + 4) = t->tid;
	*(uint64_t *)(rec + 8) = ip; /* __probe_ip, or __probe_func */
	if (w->is_return)
		*(uint64_t *)(rec + 16) = ret_ip;

	ctx.regs = regs;
	ctx.foffs_base = s->foffs_base;
	ctx.comm = t->comm;
	ctx.data = e->data;
	ctx.rec = rec;
	ctx.dyn = w->fixed_size;
	ctx.max = TP_RECORD_MAX;
	for (unsigned i = 0; i < w->nargs; i++) {
		const struct fetch_insn *in = e->args[i].prog.insn;
		uint8_t *field = rec + e->args[i].offset;
		unsigned long v, left;

		switch (e->fast[i]) {
		case FETCH_FAST_REG:
			fetch_put(field, *(const uint64_t *)((const char *)regs + in[0].param), in[1].size);
			break;
		case FETCH_FAST_MEM:
			v = *(const uint64_t *)((const char *)regs + in[0].param) + (uint64_t)in[1].param;
			left = xol_copy_safe(field, (const void *)v, in[1].size);
			for (unsigned k = in[1].size - (unsigned)left; k < in[1].size; k++)
				field[k] = 0; /* a fault part-way keeps what was read */
			break;
		case FETCH_FAST_STACK:
			if (xol_load_safe(&v, (const void *)(regs->sp + 8 * (uint64_t)in[0].param)))
				v = 0;
			fetch_put(field, v, in[1].size);
			break;
		default:
			fetch_run(&e->args[i].prog, e->args[i].offset, &ctx);
		}
	}

	if (!rr) {
		rr = ring_reserve(ring, w->id, ctx.dyn, ts, (uint16_t)cpu);
		if (!rr) {
			count(t, e, C_LOST);
			return;
		}
		ring_copy(rr->data, rec, ctx.dyn);
	}
	ring_commit(ring, rr);
}

/*
 * An argument of the straight path other than a register number: a
 * deref, a stack slot, a string (appended at @dyn, as fetch_run's
 * store_string() does).  Returns the new end of the record.
 */
static __attribute__((noinline)) uint32_t arg_straight(const struct fast_arg *a, uint8_t *rec,
						       uint64_t r, const struct xol_regs *regs,
						       uint32_t dyn)
{
	uint8_t *field = rec + a->offset;
	unsigned long v, left;
	long len;

	switch (a->kind) {
	case FETCH_FAST_MEM:
		left = xol_copy_safe(field, (const void *)(r + (uint64_t)a->param), a->size);
		for (unsigned k = a->size - (unsigned)left; k < a->size; k++)
			field[k] = 0; /* a fault part-way keeps what was read */
		break;
	case FETCH_FAST_STACK:
		if (xol_load_safe(&v, (const void *)(regs->sp + 8 * (uint64_t)a->param)))
			v = 0;
		fetch_put(field, v, a->size);
		break;
	case FETCH_FAST_STRING:
		len = -1;
		if (dyn < TP_RECORD_MAX)
			len = xol_strncpy_safe((char *)rec + dyn, (const char *)(r + (uint64_t)a->param),
					       TP_RECORD_MAX - dyn < TP_STRING_MAX ?
					       TP_RECORD_MAX - dyn : TP_STRING_MAX);
		if (len < 0)
			len = 0; /* fault, or longer than a page: recorded as a fault */
		*(fetch_u32 *)field = (uint32_t)len << 16 | dyn;
		dyn += (uint32_t)len;
		break;
	default: /* FETCH_FAST_REG */
		fetch_put(field, r, a->size);
		break;
	}
	return dyn;
}

/*
 * The straight path of emit(): an event whose arguments are all of the
 * fast kinds (e->fast_all), written into the exclusive ring where it is,
 * strings included, and committed with one header write.  False when the
 * ring has no room for it there (its end, a limit to refresh, a shared
 * ring): emit() then takes the general path, which decides.
 */
static inline __attribute__((always_inline)) bool
emit_straight(struct xol_thread *t, const struct agent_event *e, struct ring_writer *ring,
	      const struct xol_regs *regs, uint64_t ip, uint64_t ret_ip, uint64_t ts, unsigned cpu)
{
	const struct wire_event *w = e->w;
	uint32_t size = w->fixed_size;
	struct ring_rec *rr = ring_reserve_upto(ring, e->has_dyn ? TP_RECORD_MAX : size);
	uint8_t *rec;

	if (__builtin_expect(!rr, 0))
		return false;
	rec = rr->data;
	/* common_type, common_flags, common_preempt_count (0 0), common_pid (the tid) */
	*(fetch_u64 *)rec = (uint64_t)w->id | (uint64_t)(uint32_t)t->tid << 32;
	*(fetch_u64 *)(rec + 8) = ip; /* __probe_ip, or __probe_func */
	if (w->is_return)
		*(fetch_u64 *)(rec + 16) = ret_ip;
	for (unsigned i = 0, n = w->nargs; i < n; i++) {
		const struct fast_arg *a = &e->fa[i];
		uint64_t r = *(const uint64_t *)((const char *)regs + a->reg);

		if (__builtin_expect(a->kind == FETCH_FAST_REG && a->size == 8, 1))
			*(fetch_u64 *)(rec + a->offset) = r;
		else
			size = arg_straight(a, rec, r, regs, size);
	}
	ring_commit_upto(ring, rr, w->id, size, ts, (uint16_t)cpu);
	return true;
}

/* @ip: __probe_ip, or __probe_func of a return event (then @ret_ip is __probe_ret_ip). */
static inline __attribute__((always_inline)) void
emit(struct xol_thread *t, struct agent_event *e, const struct xol_regs *regs, const struct site *s,
     uint64_t ip, uint64_t ret_ip)
{
	const struct wire_event *w = e->w;
	struct ring_writer *ring;
	unsigned cpu;
	uint64_t ts;

	count(t, e, C_HITS);
	if (w->flags & WIRE_EV_COUNT_ONLY)
		return;
	ring = t->ss[e->slot].ring;
	if (__builtin_expect(!ring, 0)) {
		count(t, e, C_LOST);
		return;
	}
	ts = read_tsc(&cpu);
	if (__builtin_expect(e->fast_all, 1) && emit_straight(t, e, ring, regs, ip, ret_ip, ts, cpu))
		return;
	emit_general(t, e, ring, regs, s, ip, ret_ip, ts, cpu);
}

static void miss_all(const struct xol_thread *t, const struct consumers *c)
{
	for (unsigned i = 0; i < c->n; i++) {
		if (t) {
			count(t, c->ev[i], C_HITS);
			count(t, c->ev[i], C_MISSES);
		} else {
			count_shared(c->ev[i], C_HITS);
			count_shared(c->ev[i], C_MISSES);
		}
	}
}

/* Pairs with the release store in site_add_consumer(). */
static inline const struct consumers *load(struct consumers *const *p)
{
	return __atomic_load_n(p, __ATOMIC_ACQUIRE);
}

/*
 * A hit marks its thread busy before it reads the site's lists, so that
 * the agent, once it has replaced the lists (a session going away) and
 * run a membarrier, knows from the busy flags alone which hits may still
 * use the old ones (thread_quiesce): a hit that was not busy yet
 * reads the new lists.  The membarrier is the other half of the fence
 * this needs; the hit path pays only a compiler barrier.
 */
static inline void busy_then_read(struct xol_thread *t)
{
	t->busy = BUSY_HIT;
	asm volatile("" ::: "memory");
}

/*
 * At a ret of a function whose return events fire there (a Go function's):
 * the records an ordinary return probe makes at its trampoline, with the
 * registers as they are after the ret (ip the return address, sp above
 * it), the function's entry and the return address, which is on top of
 * the stack.  Nothing is pushed at the entry, so nothing can be left.
 */
static __attribute__((noinline)) void hit_ret_site(struct xol_thread *t, const struct site *s,
						  const struct consumers *rs, struct xol_regs *regs)
{
	uint64_t ip = arch_regs_ip(regs), sp = arch_regs_sp(regs);
	unsigned long ret;

	if (xol_load_sp(&ret, (const void *)sp))
		ret = 0; /* the ret itself will fault, as untraced */
	arch_regs_set_ip(regs, ret);
	arch_regs_set_sp(regs, sp + 8);
	for (unsigned i = 0; i < rs->n; i++)
		emit(t, rs->ev[i], regs, s, s->func, ret);
	arch_regs_set_ip(regs, ip);
	arch_regs_set_sp(regs, sp);
}

static __attribute__((always_inline)) inline void hit_entry_inline(struct site *s,
								      struct xol_regs *regs)
{
	struct xol_thread *t = thread_self();

	if (!t || t->busy) {
		if (t && t->busy == BUSY_AGENT)
			return; /* the agent's own work: not the program's hit */
		miss_all(t, load(&s->entry));
		miss_all(t, load(&s->ret));
		miss_all(t, load(&s->rsite));
		return;
	}
	busy_then_read(t);
	const struct consumers *entry = load(&s->entry), *ret = load(&s->ret), *rs = load(&s->rsite);
	if (__builtin_expect(t->comm_dirty, 0))
		thread_emit_comm(t);
	for (unsigned i = 0; i < entry->n; i++)
		emit(t, entry->ev[i], regs, s, s->addr, 0);
	if (rs->n)
		hit_ret_site(t, s, rs, regs);

	if (ret->n && !return_push(t, s, regs->sp))
		miss_all(t, ret); /* deeper than the shadow stack */
	t->busy = 0;
}

/*
 * At the return trampoline: regs->sp is one word above the slot the
 * return address was taken from, which names the frame (return.c).
 */
uint64_t hit_return(struct xol_regs *regs)
{
	struct xol_thread *t = thread_self();
	uint64_t slot = regs->sp - 8, ret;
	struct site *site;
	unsigned d;

	if (!t)
		return 0;
	/*
	 * The frame on top, nothing given back to an unwinder: return_pop()'s
	 * common case, here.  What it holds is read before it is given up: a
	 * signal handler's hit may push over it once depth is down.
	 */
	d = t->depth;
	if (__builtin_expect(d && !t->unhooked && t->shadow[d - 1].sp == slot, 1)) {
		ret = t->shadow[d - 1].ret;
		site = t->shadow[d - 1].site;
		__atomic_signal_fence(__ATOMIC_SEQ_CST);
		t->depth = d - 1;
	} else {
		struct shadow_frame frame;

		if (!return_pop(t, slot, &frame))
			return 0;
		ret = frame.ret;
		site = frame.site;
	}
	/* As the kernel does: the handlers see ip at the real return address. */
	arch_regs_set_ip(regs, ret);
	if (!t->busy) {
		busy_then_read(t);
		const struct consumers *rl = load(&site->ret);
		if (__builtin_expect(t->comm_dirty, 0))
			thread_emit_comm(t);
		for (unsigned i = 0; i < rl->n; i++)
			emit(t, rl->ev[i], regs, site, site->addr, ret);
		t->busy = 0;
	} else if (t->busy != BUSY_AGENT) {
		miss_all(t, load(&site->ret));
	}
	return ret;
}

/* Called by xol_return_trampoline (arch/x86/rettramp.S). */
uint64_t xol_return_hit(struct xol_regs *regs)
{
	return hit_return(regs);
}

/* Called by a site's jump trampoline (the jump path). */
void jump_hit(void *site, struct xol_regs *regs)
{
	hit_entry_inline(site, regs);
}

void hit_entry(struct site *s, struct xol_regs *regs)
{
	hit_entry_inline(s, regs);
}
