// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Return probes: the shadow stack, frames left without returning, and the
 * unwinders.
 *
 * The entry hit of a return-probed function takes the real return address
 * out of its slot (the word at the entry's %sp), pushes { ret, slot, site,
 * context, trampoline } on the thread's shadow stack and writes the
 * return trampoline's address into the slot: the site's own return fast
 * path (arch.h) where it has one, else the shared one.  The trampoline
 * finds the frame again by its slot (regs->sp - 8 after the ret),
 * records, and continues at the real address.
 *
 * Frames left without returning
 * -----------------------------
 * longjmp, C++ exceptions, pthread_exit, cancellation and a coroutine that
 * is never resumed leave frames on the shadow stack whose function never
 * returns through the trampoline.  They produce no return event; they are
 * found and counted ("left", per return event, in the session summary) by
 * three exact rules, none of which ever drops a frame that can still
 * return:
 *
 *  - at a return: every frame of the same context pushed after the one
 *    returning is dead (activations are LIFO within one context; a signal
 *    handler nests in the context it interrupted);
 *  - at an entry: frames of the same context on top of the shadow stack
 *    whose slot is at or below the new slot, on the same stack (the
 *    thread's own stack, or anything else), are dead: the new call
 *    reuses their stack;
 *  - when the thread exits, or the process (the agent's destructor): what
 *    is left.
 *
 * Contexts
 * --------
 * swapcontext/setcontext switch stacks inside one thread: a coroutine's
 * frames stay live while another runs.  The agent interposes both and
 * tags every frame with the context it was pushed in (an id per
 * ucontext_t, kept in a small table), so the rules above only ever apply
 * within one context.  Contexts are assumed not to migrate between
 * threads while they hold probed frames.
 *
 * Unwinders
 * ---------
 * An unwinder reading a hijacked slot would see the trampoline, which has
 * no unwind info of the caller: C++ exceptions would reach std::terminate,
 * backtrace() would stop.  So before any unwinder walks the stack, the
 * agent gives every hijacked slot of the current context its real address
 * back (the frames are marked UNHOOKED), and hijacks the ones still live
 * again afterwards: at once when the walk returns (backtrace,
 * _Unwind_Backtrace, a throw that found no handler), else at the thread's
 * next hit, where a frame whose slot lies above the current stack pointer
 * is live and one below it was unwound (counted as left).
 * The unwinder's entry points are interposed where programs call them
 * (_Unwind_RaiseException, _Unwind_Resume, _Unwind_Resume_or_Rethrow,
 * _Unwind_ForcedUnwind, _Unwind_Backtrace, backtrace); glibc reaches
 * _Unwind_ForcedUnwind (pthread_exit, cancellation) through dlsym, so
 * libgcc_s's own entry point gets an agent hook site too.
 *
 * Unwind info for the trampoline itself was the alternative; it cannot
 * work: the caller's address is in a per-thread array at a depth that a
 * DWARF expression cannot compute, and libgcc looks the FDE up at ra - 1.
 */
#include <dlfcn.h>
#include <errno.h>
#include <execinfo.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <ucontext.h>
#include <unwind.h>

#include "agent.h"

void *__cxa_begin_catch(void *e);

static struct shadow_frame *shadow_base;
static unsigned shadow_depth;

/* --- counting ------------------------------------------------------------ */

/* A frame left without returning: one more "left" for each of its return events. */
static void count_left(const struct xol_thread *t, const struct shadow_frame *f)
{
	const struct consumers *ret = __atomic_load_n(&f->site->ret, __ATOMIC_ACQUIRE);

	for (unsigned i = 0; i < ret->n; i++) {
		uint64_t *c;
		const struct agent_event *e = ret->ev[i];
		const struct agent_session *se = e->sess;
		struct wire_counters *row = t ? t->ss[se->slot].row : NULL;
		if (row) {
			c = &row[e->index].left;
			__atomic_store_n(c, __atomic_load_n(c, __ATOMIC_RELAXED) + 1, __ATOMIC_RELAXED);
		} else if (se->counters) {
			c = &se->counters[XOL_THREAD_SLOTS * wire_row_stride(se->nevents) + e->index].left;
			__atomic_fetch_add(c, 1, __ATOMIC_RELAXED);
		}
	}
}

/* --- set-up -------------------------------------------------------------- */

static bool have_return_events(void)
{
	for (unsigned s = 0; s < AGENT_SESSIONS; s++) {
		const struct agent_session *se = &agent.sess[s];
		for (unsigned i = 0; se->used && se->events && i < se->nevents; i++)
			if (se->events[i].w->is_return)
				return true;
	}
	return false;
}

/*
 * One reservation for every thread slot's shadow stack (and its sentinel),
 * never committed until touched: a thread pays for the depth it reaches,
 * and the hit path never allocates.
 */
void return_init(void)
{
	const char *env = getenv(RETURN_DEPTH_ENV);
	unsigned long depth = RETURN_DEPTH_DEFAULT;

	if (shadow_base || !have_return_events())
		return;
	if (env && *env) {
		char *end;
		unsigned long v = strtoul(env, &end, 0);
		if (!*end)
			depth = v > RETURN_DEPTH_MAX ? RETURN_DEPTH_MAX : v;
	}
	if (!depth)
		return;
	void *p = mmap(NULL, (size_t)XOL_THREAD_SLOTS * (depth + 1) * sizeof(struct shadow_frame),
		       PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (p == MAP_FAILED)
		return;
	shadow_depth = (unsigned)depth;
	__atomic_store_n(&shadow_base, p, __ATOMIC_RELEASE);
}

/* A thread block was claimed (slot t->slot): its shadow stack, empty. */
void return_thread_claim(struct xol_thread *t)
{
	struct shadow_frame *base = __atomic_load_n(&shadow_base, __ATOMIC_ACQUIRE);

	t->depth = 0;
	t->ctx = 0;
	t->unhooked = 0;
	t->stack_lo = t->stack_hi = 0;
	t->shadow = base ? base + (size_t)t->slot * (shadow_depth + 1) + 1 : NULL;
	t->shadow_max = base ? shadow_depth : 0;
	if (t->shadow)
		t->shadow[-1] = (struct shadow_frame){ .sp = SHADOW_SENTINEL_SP };
}

/* The thread's own stack, to tell it from a signal stack. */
void return_thread_setup(struct xol_thread *t)
{
	pthread_attr_t a;
	void *addr;
	size_t size;

	if (pthread_getattr_np(pthread_self(), &a))
		return;
	if (!pthread_attr_getstack(&a, &addr, &size)) {
		t->stack_lo = (uint64_t)addr;
		t->stack_hi = (uint64_t)addr + size;
	}
	pthread_attr_destroy(&a);
}

static bool counted_at_exit;

/* The thread is gone: whatever it still had on its shadow stack was left. */
void return_thread_release(struct xol_thread *t)
{
	for (unsigned i = 0; i < t->depth && !counted_at_exit; i++)
		count_left(t, &t->shadow[i]);
	t->depth = 0;
	t->unhooked = 0;
}

/* --- the hit path --------------------------------------------------------- */

static inline bool on_own_stack(const struct xol_thread *t, uint64_t a)
{
	return a - t->stack_lo < t->stack_hi - t->stack_lo;
}

static inline bool same_stack(const struct xol_thread *t, uint64_t a, uint64_t b)
{
	return on_own_stack(t, a) == on_own_stack(t, b);
}

/*
 * Frames an unwinder was given back: hijack again those of the current
 * context still live (slot above @sp on the same stack, still holding the
 * real address); drop and count those it unwound.  Frames on another stack
 * than @sp wait for a hit there.
 */
static __attribute__((noinline)) void rehook(struct xol_thread *t, uint64_t sp)
{
	unsigned w = 0, pending = 0;

	for (unsigned i = 0; i < t->depth; i++) {
		struct shadow_frame *f = &t->shadow[i];
		if ((f->flags & SHADOW_UNHOOKED) && f->ctx == t->ctx && same_stack(t, f->sp, sp)) {
			unsigned long v;
			if (f->sp > sp && !xol_load_safe(&v, (void *)f->sp) && v == f->ret &&
			    !xol_store8_safe(f->sp, f->tramp)) {
				f->flags &= ~SHADOW_UNHOOKED;
			} else {
				count_left(t, f);
				continue;
			}
		}
		if (f->flags & SHADOW_UNHOOKED)
			pending++;
		if (w != i)
			t->shadow[w] = *f;
		w++;
	}
	t->depth = w;
	t->unhooked = pending;
}

/*
 * Entry of a return-probed function, its return address at @slot (the
 * entry's %sp): hijack it.  False when it cannot be (shadow stack full,
 * slot unreadable): the caller counts a miss.
 */
bool return_push(struct xol_thread *t, struct site *s, uint64_t slot)
{
	unsigned long addr;

	if (__builtin_expect(t->unhooked != 0, 0))
		rehook(t, slot);
	/* The new call reuses the stack of frames that were left: drop them. */
	while (t->depth) {
		struct shadow_frame *top = &t->shadow[t->depth - 1];
		if (top->ctx != t->ctx || top->sp > slot || !same_stack(t, top->sp, slot))
			break;
		count_left(t, top);
		if (top->flags & SHADOW_UNHOOKED)
			t->unhooked--;
		t->depth--;
	}
	if (t->depth >= t->shadow_max || xol_load_sp(&addr, (void *)slot))
		return false;
	struct shadow_frame *f = &t->shadow[t->depth];
	f->ret = addr;
	f->sp = slot;
	f->site = s;
	f->ctx = t->ctx;
	f->flags = 0;
	/* Pairs with the release in site.c: its code is written. */
	f->tramp = __atomic_load_n(&s->ret_code, __ATOMIC_ACQUIRE);
	if (!f->tramp)
		f->tramp = agent.ret_tramp;
	/* Only now: a signal handler's hit in between sees a consistent stack. */
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	t->depth++;
	*(uint64_t *)slot = f->tramp;
	return true;
}

/*
 * At the return trampoline, for the frame whose slot was @slot: take it off
 * the shadow stack into @out, with every frame of its context pushed after
 * it (they were left).  False if there is none (cannot happen unless the
 * program moved a hijacked return address itself).
 */
bool return_pop(struct xol_thread *t, uint64_t slot, struct shadow_frame *out)
{
	unsigned i = t->depth;

	while (i && t->shadow[i - 1].sp != slot)
		i--;
	if (__builtin_expect(!i, 0))
		return false;
	i--;
	*out = t->shadow[i];
	if (__builtin_expect(i == t->depth - 1, 1)) {
		t->depth--;
	} else {
		/* Newer frames: of this context they were left, of others they wait. */
		unsigned w = i;
		for (unsigned k = i + 1; k < t->depth; k++) {
			struct shadow_frame *f = &t->shadow[k];
			if (f->ctx == out->ctx) {
				if (f->flags & SHADOW_UNHOOKED)
					t->unhooked--;
				count_left(t, f);
				continue;
			}
			t->shadow[w++] = *f;
		}
		t->depth = w;
	}
	if (__builtin_expect(t->unhooked != 0, 0))
		rehook(t, slot + 8);
	return true;
}

/* --- unwinders ------------------------------------------------------------ */

/*
 * Give the current context's hijacked slots their real addresses back,
 * before an unwinder reads them.  Any thread, any time: only the calling
 * thread's own frames are touched.
 */
static void unhook_all(void)
{
	struct xol_thread *t = thread_current();

	if (!t || !t->depth || !agent.ret_tramp)
		return;
	for (unsigned i = 0; i < t->depth; i++) {
		struct shadow_frame *f = &t->shadow[i];
		unsigned long v;
		if (f->ctx != t->ctx || (f->flags & SHADOW_UNHOOKED))
			continue;
		if (xol_load_safe(&v, (void *)f->sp) || v != f->tramp)
			continue; /* left already, its stack reused */
		if (xol_store8_safe(f->sp, f->ret))
			continue;
		f->flags |= SHADOW_UNHOOKED;
		t->unhooked++;
	}
}

/* After an unwinder returned: its caller's frames are all still live. */
static void rehook_now(void)
{
	struct xol_thread *t = thread_current();

	if (t && t->unhooked)
		rehook(t, (uint64_t)__builtin_frame_address(0));
}

#define REAL(name) \
	static typeof(name) *real_##name; \
	if (!real_##name) \
		real_##name = (typeof(name) *)REAL_NEXT(#name)

__attribute__((visibility("default")))
_Unwind_Reason_Code _Unwind_RaiseException(struct _Unwind_Exception *e)
{
	REAL(_Unwind_RaiseException);
	unhook_all();
	/* Returns only when no handler was found (std::terminate follows). */
	_Unwind_Reason_Code r = real__Unwind_RaiseException(e);
	rehook_now();
	return r;
}

__attribute__((visibility("default")))
void _Unwind_Resume(struct _Unwind_Exception *e)
{
	REAL(_Unwind_Resume);
	unhook_all();
	real__Unwind_Resume(e);
	__builtin_unreachable();
}

__attribute__((visibility("default")))
_Unwind_Reason_Code _Unwind_Resume_or_Rethrow(struct _Unwind_Exception *e)
{
	REAL(_Unwind_Resume_or_Rethrow);
	unhook_all();
	_Unwind_Reason_Code r = real__Unwind_Resume_or_Rethrow(e);
	rehook_now();
	return r;
}

__attribute__((visibility("default")))
_Unwind_Reason_Code _Unwind_ForcedUnwind(struct _Unwind_Exception *e, _Unwind_Stop_Fn stop,
					 void *arg)
{
	REAL(_Unwind_ForcedUnwind);
	unhook_all();
	_Unwind_Reason_Code r = real__Unwind_ForcedUnwind(e, stop, arg);
	rehook_now();
	return r;
}

__attribute__((visibility("default")))
_Unwind_Reason_Code _Unwind_Backtrace(_Unwind_Trace_Fn fn, void *arg)
{
	REAL(_Unwind_Backtrace);
	unhook_all();
	_Unwind_Reason_Code r = real__Unwind_Backtrace(fn, arg);
	rehook_now();
	return r;
}

__attribute__((visibility("default")))
int backtrace(void **buf, int size)
{
	REAL(backtrace);
	unhook_all();
	int n = real_backtrace(buf, size);
	rehook_now();
	return n;
}

/*
 * A catch handler begins: the unwinding is over, the frames it left are
 * dead and its own frame and the older ones return normally again.
 */
__attribute__((visibility("default")))
void *__cxa_begin_catch(void *e)
{
	REAL(__cxa_begin_catch);
	void *r = real___cxa_begin_catch(e);
	rehook_now();
	return r;
}

/* The agent's hook on libgcc_s's own _Unwind_ForcedUnwind (glibc's path). */
static void forced_unwind_hook(void)
{
	unhook_all();
}

/*
 * After the probes are armed: glibc unwinds pthread_exit and cancellation
 * through libgcc_s, found with dlsym, which no interposition sees.  Load
 * it now (glibc would at the first pthread_exit) and hook its entry.
 */
void return_arm(void)
{
	static bool done;

	if (done || !shadow_base)
		return;
	done = true;
	void *h = dlopen("libgcc_s.so.1", RTLD_NOW | RTLD_LOCAL);
	void *fn = h ? dlsym(h, "_Unwind_ForcedUnwind") : NULL;
	if (fn)
		site_place_hook((uint64_t)fn, forced_unwind_hook);
}

/* At exit: every thread's frames still on its shadow stack were left. */
void return_fini(void)
{
	if (counted_at_exit)
		return;
	/*
	 * Counted, not dropped: a thread still running while the process
	 * exits may yet return through the trampoline.
	 */
	for (unsigned i = 0; i < XOL_THREAD_SLOTS; i++) {
		struct xol_thread *t = thread_pool_slot(i);
		for (unsigned k = 0; t && k < t->depth; k++)
			count_left(t, &t->shadow[k]);
	}
	counted_at_exit = true;
}

/* --- contexts: swapcontext and setcontext --------------------------------- */

#define CTX_TABLE 1024

static struct {
	const ucontext_t *uc;
	uint32_t id;
} ctx_table[CTX_TABLE];
static int ctx_lock;
static uint32_t ctx_next = 1;

static inline unsigned ctx_hash(const ucontext_t *uc)
{
	return (unsigned)(((uint64_t)uc * 0x9e3779b97f4a7c15ull) >> 54) & (CTX_TABLE - 1);
}

/* The context id of @uc; @set: make it @id.  A context never seen gets a new id. */
static uint32_t ctx_of(const ucontext_t *uc, bool set, uint32_t id)
{
	unsigned i = ctx_hash(uc), n = 0;
	uint32_t r;

	while (__atomic_exchange_n(&ctx_lock, 1, __ATOMIC_ACQUIRE))
		;
	for (; n < CTX_TABLE; i = (i + 1) & (CTX_TABLE - 1), n++)
		if (!ctx_table[i].uc || ctx_table[i].uc == uc)
			break;
	if (n == CTX_TABLE) { /* full: start again */
		memset(ctx_table, 0, sizeof(ctx_table));
		i = ctx_hash(uc);
	}
	if (set || ctx_table[i].uc != uc) {
		ctx_table[i].uc = uc;
		ctx_table[i].id = set ? id : ctx_next++;
	}
	r = ctx_table[i].id;
	__atomic_store_n(&ctx_lock, 0, __ATOMIC_RELEASE);
	return r;
}

__attribute__((visibility("default")))
int swapcontext(ucontext_t *restrict oucp, const ucontext_t *restrict ucp)
{
	REAL(swapcontext);
	struct xol_thread *t = thread_current();
	uint32_t mine = t ? t->ctx : 0;

	if (t && shadow_base) {
		ctx_of(oucp, true, mine);
		t->ctx = ctx_of(ucp, false, 0);
	}
	int r = real_swapcontext(oucp, ucp);
	/* Back in this context, from whichever switched to it (uc_link too). */
	t = thread_current();
	if (t && shadow_base)
		t->ctx = mine;
	return r;
}

__attribute__((visibility("default")))
int setcontext(const ucontext_t *ucp)
{
	REAL(setcontext);
	struct xol_thread *t = thread_current();

	if (t && shadow_base)
		t->ctx = ctx_of(ucp, false, 0);
	return real_setcontext(ucp);
}
