/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The arch contract: what core/ needs from an instruction set to place probes. */
#ifndef XOL_ARCH_X86_ARCH_H
#define XOL_ARCH_X86_ARCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "regs.h"

/*
 * Implement these for each architecture
 * -------------------------------------
 *
 *   constants   ARCH_BREAKPOINT_INSN/_BYTES, ARCH_JUMP_BYTES, ARCH_MAX_INSN_BYTES,
 *               ARCH_SLOT_BYTES, ARCH_TRAMPOLINE_BYTES, ARCH_JUMP_REACH
 *   types       struct arch_insn (one analysed instruction: the trap path),
 *               struct arch_jump (a displaced range: the jump path)
 *
 *   arming time (may allocate; never runs on the hit path)
 *     arch_analyze()             decode + classify one instruction, or refuse with a reason
 *     arch_insn_text()           its disassembly, for messages
 *     arch_prepare_slot()        its out-of-line copy, ending in a jump back
 *     arch_analyze_jump()        the whole instructions covering ARCH_JUMP_BYTES at a site
 *     arch_check_jump_func()     no branch of the function (jump tables read) lands inside it
 *     arch_decide_jump()         both: the agent's decision, which selftests run over libc
 *     arch_prepare_trampoline()  save regs, call the handler, restore, displaced copy, jump back
 *     arch_jump_bytes()          the bytes that send the site to its trampoline
 *     arch_map_displaced_ip()    original ip inside the displaced range -> trampoline ip
 *     arch_unmap_displaced_ip()  trampoline ip -> original ip (for disarming)
 *
 *   hit time (no locks, allocation, syscalls or libc; built -mgeneral-regs-only)
 *     arch_regs_from_ucontext()  SIGTRAP: the signal frame -> struct xol_regs
 *     arch_regs_to_ucontext()    and back
 *     arch_trap_site()           the breakpoint address a SIGTRAP reports
 *     arch_emulate()             run the displaced instruction on the registers, if cheap
 *     arch_regs_ip() & co.       read/write ip and sp without naming a register
 *
 * The trap path, per hit (SIGTRAP handler of the agent):
 *
 *	arch_regs_from_ucontext(&regs, uc);
 *	site = arch_trap_site(&regs);             // look the probe up by it
 *	arch_regs_set_ip(&regs, site);            // handlers see ip == probe address
 *	... run the consumers on &regs ...
 *	if (arch_emulate(&p->insn, &regs, store8) != 0)
 *		arch_regs_set_ip(&regs, slot_addr); // execute out of line
 *	arch_regs_to_ucontext(uc, &regs);
 *
 * Every error is 0 or -errno.  Refusals are -ENOTSUP with a static,
 * human-readable reason in ->reason; show it with the address and
 * arch_insn_text().  What x86 refuses (the table in insn.c gives the
 * reason for each): undecodable or truncated bytes; int3, int1, int N
 * (but int $0x80), ud0/1/2 (signals by design: out of line they would
 * report the slot's address); privileged, I/O and hypervisor
 * instructions (they fault in user mode anyway); sysenter, sysret, iret,
 * far call/jmp/ret (they do not return to the next instruction or change
 * CS); xbegin; relative branches with a 66 prefix; eip-relative operands;
 * call *%rsp.  Everything else runs out of line, the slot rewriting
 * whatever depends on where the instruction is.
 */

#define ARCH_BREAKPOINT_INSN	0xcc	/* int3 */
#define ARCH_BREAKPOINT_BYTES	1
#define ARCH_JUMP_BYTES		5	/* jmp rel32 */
#define ARCH_JUMP_REACH		0x7fffffffLL	/* a trampoline must lie this close to its site */
#define ARCH_MAX_INSN_BYTES	15

/*
 * Room for one relocated instruction and the jump back (the worst case,
 * a RIP-relative operand out of reach of the slot, takes 54 bytes).
 */
#define ARCH_SLOT_BYTES		64

/* Most instructions one jump site displaces: four 1-byte ones and one more. */
#define ARCH_JUMP_MAX_INSNS	5

/* Room for a whole trampoline: save/call/restore plus ARCH_JUMP_MAX_INSNS copies. */
#define ARCH_TRAMPOLINE_BYTES	512
/* The same with the switch to the agent's stack (arch_prepare_stack_trampoline). */
#define ARCH_STACK_TRAMPOLINE_BYTES 768
/* The same with the recording fast path (arch_prepare_record_trampoline). */
#define ARCH_RECORD_TRAMPOLINE_BYTES 1024

/* How an instruction is executed out of line (index of the ops table in insn.c). */
enum arch_insn_class {
	ARCH_INSN_PLAIN,	/* copy the bytes as they are */
	ARCH_INSN_NOP,		/* nop, endbr64: nothing to do */
	ARCH_INSN_RIPREL,	/* memory operand relative to rip: new displacement */
	ARCH_INSN_JMP_REL,	/* jmp rel8/rel32 */
	ARCH_INSN_JCC,		/* jcc rel8/rel32 */
	ARCH_INSN_LOOP,		/* loop, loope, loopne, jrcxz, jecxz */
	ARCH_INSN_CALL_REL,	/* call rel32 */
	ARCH_INSN_CALL_IND,	/* call *reg, call *mem (incl. rip-relative) */
	ARCH_INSN_SYSCALL,	/* syscall: the kernel returns to rcx */
	ARCH_INSN_PUSH,		/* push %reg64 */
	ARCH_INSN_NR_CLASSES
};

/* Facts about an instruction the engine may act on (struct arch_insn .flags). */
#define ARCH_INSN_F_RIPREL	0x01	/* reads or writes memory relative to its own address */
#define ARCH_INSN_F_NO_FALLTHROUGH 0x02	/* never continues at the next instruction (jmp, ret) */
#define ARCH_INSN_F_CALL	0x04	/* pushes the address of the next instruction */
#define ARCH_INSN_F_MAY_BLOCK	0x08	/* a thread may stay in its slot for unbounded time
					   (syscall): never free the slot while threads live */
#define ARCH_INSN_F_EMULATED	0x10	/* arch_emulate() normally handles it without the slot */
#define ARCH_INSN_F_BRANCH	0x20	/* has a relative branch target (->target) */

struct arch_insn {
	uint64_t addr;		/* where it lives in the target */
	uint64_t target;	/* branch target, or address of the rip-relative operand */
	const char *reason;	/* why arch_analyze() refused it, else NULL */
	uint8_t bytes[ARCH_MAX_INSN_BYTES];
	uint8_t len;
	uint8_t cls;		/* enum arch_insn_class */
	uint8_t flags;		/* ARCH_INSN_F_* */
	uint8_t op;		/* jcc: condition; loop: opcode; push: register number */
	uint8_t disp_off;	/* rip-relative: offset of the disp32 in bytes[] */
	uint8_t rel_off;	/* relative branch: offset of its displacement ... */
	uint8_t rel_size;	/* ... and its size (1 or 4) */
};

/*
 * arch_analyze - decode the instruction at @addr (@avail bytes readable at
 * @code), classify it and fill @ai.
 *
 * Return: 0, or -ENOTSUP with @ai->reason set (undecodable or truncated
 * bytes, an instruction that cannot run out of line).  @ai->bytes and
 * @ai->len hold what was looked at either way, for arch_insn_text().
 */
int arch_analyze(struct arch_insn *ai, const uint8_t *code, size_t avail, uint64_t addr);

/* The instruction in AT&T syntax, branch targets as absolute addresses. */
const char *arch_insn_text(const struct arch_insn *ai, char *buf, size_t size);

/* The name of an instruction class ("riprel", "jcc", ...), for the -v log. */
const char *arch_insn_class_name(const struct arch_insn *ai);

/*
 * arch_func_returns - the near ret instructions of the code at @addr
 * (@len bytes mapped at @code), decoded from its start to its end: their
 * addresses into @out (at most @max).  For code that holds only
 * instructions (Go's: no data or jump tables in its text).
 *
 * Return: how many, -EINVAL (undecodable bytes), -E2BIG (more than @max).
 */
int arch_func_returns(const uint8_t *code, size_t len, uint64_t addr, uint64_t *out, size_t max);

/*
 * arch_prepare_slot - write into @buf (mapped executable at @slot_addr,
 * which may be anywhere) the code that executes @ai as if at @ai->addr and
 * then continues at the next original instruction.
 *
 * Return: bytes written (at most ARCH_SLOT_BYTES), -ENOSPC if @size is too
 * small, -ENOTSUP with no slot possible at this address (a rip-relative
 * operand out of ±2 GiB of the slot in an instruction that also uses the
 * stack pointer; the reason is in @reason if not NULL).
 */
int arch_prepare_slot(const struct arch_insn *ai, uint8_t *buf, size_t size,
		      uint64_t slot_addr, const char **reason);

/*
 * ---- jump path ---------------------------------------------------------
 *
 *	arch_decide_jump(&j, code, avail, site,      // refused: use the trap path
 *			 pieces of the function (it, its .cold part), n, read, ctx, &where)
 *	tramp = xolarea_alloc(ARCH_TRAMPOLINE_BYTES within ARCH_JUMP_REACH of site)
 *	arch_prepare_trampoline(&j, buf, size, tramp, handler, probe)
 *	arch_jump_bytes(jmp, site, tramp)
 *	text poke: int3 at site, sync, jmp[1..4] + ARCH_BREAKPOINT_INSN over
 *		site + 5 .. site + j.len, sync, jmp[0]
 *
 * Pass the original bytes (not ones with another probe's int3 in them).
 * While and after poking, the agent's SIGTRAP handler maps any int3 hit
 * in [site, site + j.len): at the site itself it runs the handler, then
 * (anywhere in the range) resumes at arch_map_displaced_ip(&j, tramp,
 * trap address).  Threads found stopped at site < ip < site + j.len are
 * moved to arch_map_displaced_ip() too.
 *
 * Disarm: restore the original bytes the same way; a thread whose ip is in
 * the trampoline goes to arch_unmap_displaced_ip() if that is not 0, else
 * the trampoline must stay until it has left (with ARCH_INSN_F_MAY_BLOCK
 * in j.flags that may be never: a syscall in the copy can sleep forever).
 *
 * The handler runs on the thread's stack with only the general registers
 * and flags saved: like the rest of the hit path it must not touch vector
 * or x87 registers (build it with -mgeneral-regs-only).
 */

typedef void (*arch_handler_fn)(void *probe_ctx, struct xol_regs *regs);

struct arch_jump {
	uint64_t site;
	const char *reason;	/* why the jump path was refused, else NULL */
	uint8_t len;		/* bytes displaced, >= ARCH_JUMP_BYTES */
	uint8_t n;		/* instructions displaced */
	uint8_t flags;		/* union of the instructions' ARCH_INSN_F_* */
	uint8_t hit_before;	/* the handler runs before insn[hit_before] (0: at the site) */
	uint8_t orig_off[ARCH_JUMP_MAX_INSNS + 1];	/* boundaries in the site, [n] = len */
	uint16_t copy_off[ARCH_JUMP_MAX_INSNS + 1];	/* the same in the trampoline,
							   [n] = the jump back; prepare fills */
	uint16_t size;		/* trampoline bytes; prepare fills */
	struct arch_insn insn[ARCH_JUMP_MAX_INSNS];
};

/*
 * arch_analyze_jump - analyse the whole instructions that cover
 * ARCH_JUMP_BYTES from @site.  Return: 0, or -ENOTSUP with @aj->reason.
 */
int arch_analyze_jump(struct arch_jump *aj, const uint8_t *code, size_t avail, uint64_t site);

/*
 * arch_analyze_jump_to - for a probe on the ret at @last (a near ret): the
 * whole instructions from @site through it, at least ARCH_JUMP_BYTES, none
 * of them before the ret a branch or a call.  The trampoline then runs
 * those before the ret, the handler (ip = @last, the registers as they
 * are at the ret), and the ret: @aj->hit_before is the ret's index.
 * Return: 0, or -ENOTSUP with @aj->reason.
 */
int arch_analyze_jump_to(struct arch_jump *aj, const uint8_t *code, size_t avail, uint64_t site,
			 uint64_t last);

/*
 * arch_ret_jump_start - where the jump for the ret at @ret would start:
 * the latest instruction boundary of the function (@len bytes at @code,
 * run at @addr, decoded from its start) from which the instructions
 * through the ret are ARCH_JUMP_BYTES long.  0 if there is none.
 */
uint64_t arch_ret_jump_start(const uint8_t *code, size_t len, uint64_t addr, uint64_t ret);

/*
 * Reads of the target's memory (jump tables) for arch_check_jump_func():
 * @len bytes at @addr into @buf.  Return: 0, or -EFAULT (nothing there).
 */
typedef int (*arch_read_fn)(void *ctx, uint64_t addr, void *buf, size_t len);

/* Most pieces one function is in: the function and its .cold part. */
#define ARCH_JUMP_FUNC_PIECES	4

/* One piece of a function's code (the function, its .cold part): mapped at @code, run at @addr. */
struct arch_code_range {
	const uint8_t *code;
	uint64_t addr;
	size_t len;
};

/*
 * arch_check_jump_func - decode every piece @r[0..@nr) of the function
 * holding the site and refuse the jump if any branch may land strictly
 * inside the displaced range: a relative branch, a rip-relative lea that
 * takes the address of an instruction there (a label as a value), or an
 * entry of a jump table.  The targets of each indirect jmp are read from
 * its table (through @read) or found in its block (a lea'd label, a GOT
 * slot); a jmp whose targets cannot be known refuses the jump.  Also
 * refused: a site that is not an instruction boundary of its piece, a
 * displaced range that runs past the piece's end, undecodable bytes.
 *
 * Return: 0, or -ENOTSUP with @aj->reason set and *@where (if not NULL)
 * the address of the offending instruction; -ENOMEM.
 */
int arch_check_jump_func(struct arch_jump *aj, const struct arch_code_range *r, unsigned nr,
			 arch_read_fn read, void *read_ctx, uint64_t *where);

/*
 * arch_decide_jump - the whole arch decision for a site: arch_analyze_jump()
 * on the @avail bytes at @code (the site's, unpatched), then
 * arch_check_jump_func() on its function.  What the agent runs, and what
 * the selftests run over every function of the machine's libc.
 */
int arch_decide_jump(struct arch_jump *aj, const uint8_t *code, size_t avail, uint64_t site,
		     const struct arch_code_range *r, unsigned nr, arch_read_fn read,
		     void *read_ctx, uint64_t *where);

/* arch_check_jump_range: allow indirect jumps whose targets are unknown anyway. */
#define ARCH_CHECK_TRUST_INDIRECT 0x1

/*
 * arch_check_jump_range - arch_check_jump_func() on one piece of code at
 * @addr, mapped at @code, with no tables read: an indirect jmp whose
 * targets its block does not show refuses, unless @flags has
 * ARCH_CHECK_TRUST_INDIRECT.
 */
int arch_check_jump_range(struct arch_jump *aj, const uint8_t *code, size_t len,
			  uint64_t addr, unsigned int flags, uint64_t *where);

/*
 * arch_prepare_trampoline - write the trampoline for @aj into @buf (mapped
 * executable at @tramp_addr).  It skips the red zone, saves the flags and
 * every general register as a struct xol_regs (ip = site, sp = the site's
 * rsp), calls @handler(@probe_ctx, regs) on a 16-byte aligned stack with
 * the direction flag clear (vector registers are not saved), restores
 * everything (register changes made by the handler are kept, ip and sp
 * changes are not), runs the relocated instructions and jumps back to
 * site + len.
 *
 * Return: bytes written (also in @aj->size), -ENOSPC, -ENOTSUP (@aj->reason).
 */
int arch_prepare_trampoline(struct arch_jump *aj, uint8_t *buf, size_t size,
			    uint64_t tramp_addr, arch_handler_fn handler, void *probe_ctx);

struct arch_count_path;

/*
 * arch_prepare_stack_trampoline - arch_prepare_trampoline() for code whose
 * stack has no room to spare below %rsp (Go's goroutine stacks): the
 * handler runs on a stack of the agent's, whose top the thread keeps at
 * %fs:@os->tls_off (a TLS word; 0: none, then the site's stack as
 * usual).  In static Go programs (@os->skipped) a hit without the word
 * is skipped instead, and counted in *@os->skipped.  Nothing is written
 * below the site's %rsp: it is kept on top of
 * the agent's stack and the word is 0 while the handler runs, so a hit in
 * a signal handler that interrupts it stays on its own stack (see
 * emit_own_stack() for the few instructions where it would not).  With
 * @cp (else NULL), the counting fast path
 * runs on the agent's stack too.  @buf needs ARCH_STACK_TRAMPOLINE_BYTES.
 */
struct arch_own_stack {
	int32_t tls_off;         /* %fs-relative: the word with the agent's stack top */
	uint64_t *skipped;       /* static programs: if the word is 0, the hit is skipped and */
	int32_t scratch_off;     /* counted here, %rax and %rcx kept at %fs:scratch_off (16 bytes) */
};
int arch_prepare_stack_trampoline(struct arch_jump *aj, uint8_t *buf, size_t size,
				  uint64_t tramp_addr, arch_handler_fn handler, void *probe_ctx,
				  const struct arch_own_stack *os, const struct arch_count_path *cp);

/*
 * A counting fast path in front of the trampoline, for sites whose events
 * only count hits (xol stat): find the thread's state through %fs, and if
 * it is there and not busy, add 1 to each counter of its row and go
 * straight to the displaced copy.  Two registers saved, no call, no flag
 * changed (mov, lea, not, jrcxz and rd{fs,gs}base only).  Anything else
 * takes the general path through the handler, which counts too.
 *
 * With @gs_owner_off (static programs: no TLS of the agent's), the state
 * is %gs's base instead, when the u64 there at @gs_owner_off is this
 * thread's %fs base and the word at @fork_guard is not 0 (a page that a
 * fork wipes: a child's first hit takes the general path).
 */
#define ARCH_COUNT_MAX 4

struct arch_count_path {
	int32_t tls_off;   /* %fs-relative offset of the thread-state pointer */
	int32_t busy_off;  /* of an int in the thread state; counted only when 0 */
	int32_t row_off;   /* of the pointer to the thread's counter row (NULL: slow) */
	unsigned n;        /* counters, at most ARCH_COUNT_MAX */
	int32_t counter_off[ARCH_COUNT_MAX]; /* byte offsets of u64 counters in the row */
	int32_t gs_owner_off; /* not 0: the state is %gs's base, its owner's %fs base here */
	uint64_t fork_guard;  /* with it: the word that a fork wipes to 0 */
};

/* arch_prepare_trampoline with the counting fast path of @cp in front. */
int arch_prepare_count_trampoline(struct arch_jump *aj, uint8_t *buf, size_t size,
				  uint64_t tramp_addr, arch_handler_fn handler, void *probe_ctx,
				  const struct arch_count_path *cp);

/*
 * A recording fast path in front of the trampoline, for a site whose one
 * event records register values (xol trace a=%di b=%si:s32), numbers in
 * memory (n=+8(%di):u64) and strings (s=+0(%di):string): find the
 * thread's state through %fs; if it is there, not
 * busy, its comm unchanged, the site's event list still the one this was
 * built for, its counter row and ring writer there and room for the record
 * below the ring's cached limit without wrapping, then mark it busy, add 1
 * to the event's hits, write the record into the ring (header, time from
 * rdtsc, the CPU from rseq, the payload from the live registers), publish
 * it as ring_commit() does, unmark it and go straight to the displaced
 * copy.  Eight registers and the status flags (lahf/seto, restored with
 * add/sahf) saved below the red zone; no call but the memory copies' (r11
 * saved too then).  Anything else takes the general path through the
 * handler, which does the same the long way.
 * The record is byte for byte the one the handler would write.
 */
#define ARCH_RECORD_MAX_ARGS 8
#define ARCH_RECORD_MAX_STRINGS 4
#define ARCH_RECORD_MAX_MEMS 4

struct arch_record_path {
	int32_t tls_off;     /* %fs-relative: the thread-state pointer */
	int32_t cpu_tls_off; /* %fs-relative: a u32, the CPU (rseq's cpu_id) */
	/* in the thread state */
	int32_t busy_off;    /* int: recorded only when 0, 1 meanwhile */
	int32_t dirty_off;   /* int: not 0 sends the hit to the general path */
	int32_t tid_off;     /* int32: the record's common_pid */
	int32_t row_off;     /* pointer to the counter row (NULL: general path) */
	int32_t ring_off;    /* pointer to the ring writer (NULL: general path) */
	int32_t hits_off;    /* of the u64 in the row that counts the event's hits */
	/* in the ring writer (core/ring.h) and its ring_ctl */
	int32_t w_head_off, w_limit_off, w_pend_off, w_mask_off, w_data_off, w_ctl_off;
	int32_t w_pidtid_off; /* pid then tid, one u64: the header's */
	int32_t w_kind_off;  /* u32: recorded only when kind_exclusive */
	uint32_t kind_exclusive;
	int32_t ctl_head_off;
	/* the record */
	uint32_t need;       /* bytes it takes in the ring: header + payload, 8-aligned */
	uint64_t word;       /* the header's first word: size, type, flags */
	uint32_t common;     /* payload bytes 0-3: common_type, flags, preempt count */
	uint64_t ip;         /* payload bytes 8-15: __probe_ip */
	uint64_t list_addr;  /* the site's event list pointer, and the value it must */
	uint64_t list;       /*   still hold (read after busy is set) */
	unsigned nargs;
	struct {
		int32_t reg;     /* byte offset in struct xol_regs of a general register */
		int32_t off;     /* payload byte offset of its field */
		int32_t size;    /* the field's bytes, 1 2 4 or 8: the register's low ones */
	} arg[ARCH_RECORD_MAX_ARGS];
	/*
	 * Numbers in memory (+DISP(%reg):s32), each copied by @copy into its
	 * field, zeroed first: a fault part-way leaves the bytes before it.
	 */
	unsigned nmems;
	struct {
		int32_t reg, disp;  /* at this register's value plus this */
		int32_t off, size;  /* its field, 1 2 4 or 8 bytes */
	} mem[ARCH_RECORD_MAX_MEMS];
	uint64_t copy;       /* long (*)(dst %rdi, src %rsi, n %rdx) that changes only %rax and
				%r11, stopping at a fault (xol_copy_r11) */
	/*
	 * Strings (+DISP(%reg):string), each appended after the fixed part,
	 * its u32 field length << 16 | offset: need is then for the largest
	 * record, word has size 0 (the real one is added).  Only the
	 * recording path (not a return's, nor with a hijack) takes strings
	 * or numbers in memory.
	 */
	unsigned nstrings;
	struct {
		int32_t reg;     /* the string is at this register's value... */
		int32_t disp;    /* ...plus this */
		int32_t off;     /* payload byte offset of its u32 field */
	} str[ARCH_RECORD_MAX_STRINGS];
	uint32_t fixed;      /* payload bytes before the strings */
	uint32_t max;        /* payload bytes at most; a string gets what is left */
	uint64_t strncpy;    /* long (*)(dst %rdi, src %rsi, max %rdx) that changes only %rax and
				%r11: bytes copied with the NUL, else < 0 (xol_strncpy_safe) */
};

/* arch_prepare_trampoline with the recording fast path of @rp in front. */
int arch_prepare_record_trampoline(struct arch_jump *aj, uint8_t *buf, size_t size,
				   uint64_t tramp_addr, arch_handler_fn handler, void *probe_ctx,
				   const struct arch_record_path *rp);

/*
 * A return-hijack fast path in front of the trampoline, for a site whose
 * events are all return probes (its entry records nothing): find the
 * thread's state through %fs; if it is there, not busy, with no frame
 * given back to an unwinder, room on its shadow stack and no frame on top
 * whose slot is at or below this one (left frames to drop), then mark it
 * busy, push the frame { return address, slot, site, context, 0,
 * trampoline } as return_push() does (core/return.c), point the slot at
 * the return trampoline (the site's return fast path, or the shared one),
 * unmark it and go straight to the displaced copy.  Three registers and
 * the status flags saved below the red zone; no call.
 * Anything else takes the general path, which does the rest.
 *
 * When @ret_tramp is the byte right after the trampoline's @size bytes
 * (tramp_build() puts the site's return fast path there), the hijack
 * goes on to the displaced copy by a call from the trampoline's last 10
 * bytes, made with the slot popped: the call is what writes the slot
 * (until then it keeps the real address, for unwinders), and the return
 * stack buffer gets the return trampoline's address above the caller's,
 * so the function's ret is predicted and the return fast path can leave
 * by a ret of its own (arch_return_path.by_ret).  Only a hit where both
 * fast paths run is balanced: when either takes the long way the program
 * is the same, with mispredicted returns up the caller's chain.
 */
struct arch_hijack_path {
	int32_t tls_off;     /* %fs-relative: the thread-state pointer */
	/* in the thread state */
	int32_t busy_off;    /* int: pushed only when 0, 1 meanwhile */
	int32_t unhooked_off; /* u32: not 0 sends the hit to the general path */
	int32_t depth_off;   /* u32: frames on the shadow stack */
	int32_t max_off;     /* u32: its capacity */
	int32_t shadow_off;  /* pointer to the frames, ARCH_HIJACK_FRAME bytes each; the one
				before the first is a sentinel whose sp is all ones */
	int32_t ctx_off;     /* u32: the current execution context */
	uint64_t site;       /* the frame's site */
	uint64_t ret_tramp;  /* what the slot gets, and the frame's tramp */
};

/* struct shadow_frame: ret, sp (the slot), site, ctx and flags as one word, tramp */
#define ARCH_HIJACK_FRAME 40

/*
 * arch_prepare_trampoline with the return-hijack fast path of @hp in
 * front; with @rp (not NULL), one that also writes the entry's record as
 * the recording fast path does (p: a=%di and r: on one function, for
 * latency), eight registers saved, and takes the general path unless it
 * can do both.
 */
int arch_prepare_hijack_trampoline(struct arch_jump *aj, uint8_t *buf, size_t size,
				   uint64_t tramp_addr, arch_handler_fn handler, void *probe_ctx,
				   const struct arch_hijack_path *hp, const struct arch_record_path *rp);

/*
 * A return fast path: code that a hijacked slot points at instead of the
 * shared return trampoline, for a site whose return events only count
 * (xol stat: @ncount counters of one row) or are one event that records
 * 8-byte registers into a fixed-size record (r: ... $retval %dx).  When
 * the function returns there, it finds the thread's state through %fs;
 * if it is there, not busy, with no frame given back to an unwinder, its
 * comm unchanged, the site's return list still the one this was built
 * for, its counter row there (a record: its ring writer too, with room
 * as for the recording path) and the frame on top of its shadow stack
 * the one whose slot the return came through, it marks it busy, takes
 * the frame off (its real address into the slot), counts the hits or
 * writes the record (common_*, __probe_func, __probe_ret_ip, the args,
 * from the registers as they are at the return) as the handler would,
 * unmarks it and jumps to the real address.  Eight registers and the
 * status flags saved below the caller's %rsp; no call.  Anything else
 * gets every register and the flags back as they were and goes on to
 * the shared return trampoline (@slow), which does it the long way and
 * finds the frame where it was.  It goes on to the real address by an
 * indirect jmp, as the shared trampoline does: the ret that came here
 * already took the caller's entry off the return stack buffer (it was
 * mispredicted), and a second ret would leave the caller's returns off
 * by one.  With @by_ret, the entry's hijack pushed this code's address
 * by a call above the caller's entry (arch_hijack_path), the ret that
 * came here was predicted, and it goes on by a ret, predicted too.
 */
struct arch_return_path {
	struct arch_record_path rec; /* thread, list, ring and record as for the recording path:
					rec.ip is __probe_func, args from payload byte 24 */
	int32_t unhooked_off;        /* in the thread state: u32, not 0 sends the return the long way */
	int32_t depth_off;           /* u32: frames on the shadow stack */
	int32_t shadow_off;          /* as for the hijack path (with its sentinel) */
	unsigned ncount;             /* count only: this many counters of the row, 0: the record */
	int32_t counter_off[ARCH_COUNT_MAX]; /* byte offsets of u64 counters in the row */
	uint64_t slow;               /* the shared return trampoline */
	bool by_ret;                 /* go on by a ret, not a jmp: the entry hijacked by a call */
};

/* Room for a return fast path. */
#define ARCH_RETURN_TRAMPOLINE_BYTES 768

/*
 * arch_prepare_return_trampoline - write the return fast path of @rt into
 * @buf, mapped executable at @addr (anywhere: it goes on by absolute
 * jumps).  Return: bytes written, -ENOSPC, -EINVAL.
 */
int arch_prepare_return_trampoline(uint8_t *buf, size_t size, uint64_t addr,
				   const struct arch_return_path *rt);

/* The ARCH_JUMP_BYTES to write at @site.  Return: 0, -ERANGE if out of reach. */
int arch_jump_bytes(uint8_t out[ARCH_JUMP_BYTES], uint64_t site, uint64_t tramp_addr);

/*
 * Where a thread stopped at original address @ip continues in the
 * trampoline (the site itself maps to the displaced copy, after the
 * handler call).  Return: the new ip, or 0 if @ip is not an instruction
 * boundary inside the displaced range.
 */
uint64_t arch_map_displaced_ip(const struct arch_jump *aj, uint64_t tramp_addr, uint64_t ip);

/*
 * Where a thread stopped at trampoline address @ip can continue in the
 * original code once it is restored.  Return: the original ip, or 0 if the
 * thread is mid-way (saving, in the handler, in a multi-instruction
 * relocation) and the trampoline must be kept until it leaves.
 */
uint64_t arch_unmap_displaced_ip(const struct arch_jump *aj, uint64_t tramp_addr, uint64_t ip);

/* ---- hit time ---------------------------------------------------------- */

/*
 * A safe store of 8 bytes into the target's memory for arch_emulate() (the
 * engine's fault-tolerant write).  Return: 0 or -EFAULT.
 */
typedef int (*arch_store8_fn)(uint64_t addr, uint64_t val);

/*
 * arch_emulate - execute @ai on @regs (whose ip is @ai->addr) without
 * running it: nops, relative jmp/jcc/loop, call rel32, push %reg.
 *
 * Return: 0 with @regs updated (ip at the next instruction to run);
 * -ENOSYS if this instruction is not emulated (run the slot); -EFAULT if
 * @store8 failed (nothing changed: run the slot and let it fault itself).
 */
int arch_emulate(const struct arch_insn *ai, struct xol_regs *regs, arch_store8_fn store8);

/* @uc is a ucontext_t * as a SA_SIGINFO handler receives it. */
void arch_regs_from_ucontext(struct xol_regs *regs, const void *uc);
void arch_regs_to_ucontext(void *uc, const struct xol_regs *regs);

static inline uint64_t arch_regs_ip(const struct xol_regs *r) { return r->ip; }
static inline uint64_t arch_regs_sp(const struct xol_regs *r) { return r->sp; }
static inline uint64_t arch_regs_retval(const struct xol_regs *r) { return r->ax; }
static inline void arch_regs_set_ip(struct xol_regs *r, uint64_t ip) { r->ip = ip; }
static inline void arch_regs_set_sp(struct xol_regs *r, uint64_t sp) { r->sp = sp; }

/* The probe address of a SIGTRAP raised by ARCH_BREAKPOINT_INSN. */
static inline uint64_t arch_trap_site(const struct xol_regs *r)
{
	return r->ip - ARCH_BREAKPOINT_BYTES;
}

#endif
