/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What the unit tests of the trampolines' recording paths (26-insn-record,
 * 27-insn-return) share: the ring a fast path writes into, and the fields
 * of a struct arch_record_path that say where it finds the thread, its
 * CPU, its counters and its ring, and a stand-in for the return trampoline.  The includer defines struct fake_thread
 * (busy, dirty, tid, row, ring) and the TLS words fake_self and fake_cpu.
 */
#ifndef XOL_SELFTESTS_FAST_FIXTURE_H
#define XOL_SELFTESTS_FAST_FIXTURE_H

#include <stddef.h>
#include <string.h>

static uint8_t data[4096] __attribute__((aligned(64)));
static struct ring_ctl ctl;
static struct ring_writer w;

static void ring_reset(void)
{
	memset(data, 0xee, sizeof(data));
	memset(&ctl, 0, sizeof(ctl));
	memset(&w, 0, sizeof(w));
	w.mask = sizeof(data) - 1;
	w.limit = sizeof(data);
	w.data = data;
	w.ctl = &ctl;
	w.pid = 4242;
	w.tid = 4343;
	w.kind = RING_EXCLUSIVE;
}

#define R(f) ((int32_t)offsetof(struct xol_regs, f))

/* @rp's thread, CPU, counter and ring fields, for the fake thread at fake_self. */
static void fake_thread_fields(struct arch_record_path *rp)
{
	char *tp = __builtin_thread_pointer();

	rp->tls_off = (int32_t)((char *)&fake_self - tp);
	rp->cpu_tls_off = (int32_t)((char *)&fake_cpu - tp);
	rp->busy_off = offsetof(struct fake_thread, busy);
	rp->dirty_off = offsetof(struct fake_thread, dirty);
	rp->tid_off = offsetof(struct fake_thread, tid);
	rp->row_off = offsetof(struct fake_thread, row);
	rp->ring_off = offsetof(struct fake_thread, ring);
	rp->hits_off = 16;
	RING_WRITER_FIELDS(rp);
}

/*
 * The hijack path's fields in a fake thread of type @T whose pointer is
 * the TLS word @self (a macro: 26-insn-record and 27-insn-return each
 * have their own T, with busy unhooked depth max ctx shadow).
 */
#define FAKE_HIJACK_FIELDS(hp, T, self)						\
	do {									\
		(hp)->tls_off = (int32_t)((char *)&(self) -			\
					  (char *)__builtin_thread_pointer());	\
		(hp)->busy_off = offsetof(T, busy);				\
		(hp)->unhooked_off = offsetof(T, unhooked);			\
		(hp)->depth_off = offsetof(T, depth);				\
		(hp)->max_off = offsetof(T, max);				\
		(hp)->shadow_off = offsetof(T, shadow);				\
		(hp)->ctx_off = offsetof(T, ctx);				\
	} while (0)

/*
 * The return trampoline's stand-in: registers and flags kept, the real
 * address from stub_pop(sp after the ret), which the includer defines.
 */
void stub_rettramp(void);
asm(".text\n.type stub_rettramp, @function\nstub_rettramp:\n"
    "\tlea -8(%rsp), %rsp\n"
    "\tpush %rax\n\tpush %rcx\n\tpush %rdx\n\tpush %rsi\n\tpush %rdi\n"
    "\tpush %r8\n\tpush %r9\n\tpush %r10\n\tpush %r11\n"
    "\tpushfq\n\tlea -8(%rsp), %rsp\n"
    "\tlea 96(%rsp), %rdi\n"
    "\tcall stub_pop\n"
    "\tmov %rax, 88(%rsp)\n"
    "\tlea 8(%rsp), %rsp\n\tpopfq\n"
    "\tpop %r11\n\tpop %r10\n\tpop %r9\n\tpop %r8\n"
    "\tpop %rdi\n\tpop %rsi\n\tpop %rdx\n\tpop %rcx\n\tpop %rax\n"
    "\tret\n.size stub_rettramp, .-stub_rettramp\n");

#endif
