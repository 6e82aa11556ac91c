/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Return probes: the per-thread shadow stack of hijacked return addresses. */
#ifndef XOL_CORE_RETURN_H
#define XOL_CORE_RETURN_H

#include <stdbool.h>
#include <stdint.h>

struct site;
struct xol_thread;
struct xol_regs;

/*
 * One activation of a return-probed function whose return slot we
 * hijacked.  sp is the address of the slot (the entry's %sp); it is what
 * the return trampoline finds the frame by, since no two live activations
 * of a thread share a slot.  ctx is the thread's execution context at the
 * entry (a swapcontext coroutine has its own): frames are LIFO within one
 * context only.
 */
struct shadow_frame {
	uint64_t ret;            /* the real return address */
	uint64_t sp;             /* where it was stored */
	struct site *site;
	uint32_t ctx;            /* the context it was pushed in */
	uint32_t flags;          /* SHADOW_* */
	uint64_t tramp;          /* what the slot was pointed at: a return trampoline */
};

#define SHADOW_UNHOOKED 0x1      /* the slot holds the real address again (an unwinder walks it) */

/*
 * Below each thread's shadow stack, shadow[-1], a frame that is never
 * popped: its sp is above every slot, so the trampolines' fast paths read
 * the frame under the top without testing the depth first (at depth 0 it
 * is neither at or below a new slot nor the slot of a return).
 */
#define SHADOW_SENTINEL_SP UINT64_MAX

#define RETURN_DEPTH_DEFAULT 16384
#define RETURN_DEPTH_MAX     (1u << 20)
#define RETURN_DEPTH_ENV     "XOL_RETURN_DEPTH"

/* Set-up (not the hit path). */
void return_init(void);
void return_thread_claim(struct xol_thread *t);
void return_thread_setup(struct xol_thread *t);
void return_thread_release(struct xol_thread *t);
void return_arm(void);
void return_fini(void);

/* Hit path. */
bool return_push(struct xol_thread *t, struct site *s, uint64_t slot);
bool return_pop(struct xol_thread *t, uint64_t slot, struct shadow_frame *out);

#endif
