// SPDX-License-Identifier: GPL-2.0-or-later
/* The jump path's fast paths: generated code that does a whole hit with a few registers saved. */
#include <errno.h>
#include <stdbool.h>

#include "internal.h"

/*
 * The counting fast path (see struct arch_count_path).  Returns where the
 * rel32 of its final jmp to the displaced copy is, to patch later.  With
 * @own_off, it runs on the agent's stack, just switched to (the word at
 * %fs:own_off holds the site's %rsp): no red zone to step over, and the
 * site's %rsp back before the jmp; its general path follows it.
 */
size_t emit_count_fast(struct emit *e, const struct arch_count_path *cp, int32_t own_off)
{
	size_t slow_jmp, count_jrcxz, slow_pos, to_copy, to_slow[4], ns = 0;

	if (!own_off)
		emit_bytes(e, "\x48\x8d\x64\x24\x80", 5);	/* lea -0x80(%rsp),%rsp */
	emit_bytes(e, "\x50\x51", 2);			/* push %rax; push %rcx */
	if (cp->gs_owner_off) {
		emit_bytes(e, "\xf3\x48\x0f\xae\xc9", 5); /* rdgsbase %rcx */
		to_slow[ns++] = e->pos + 1;
		emit_bytes(e, "\xe3\x00", 2);		/* jrcxz slow */
		emit_disp32(e, "\x48\x8b\x89", 3, cp->gs_owner_off); /* mov owner(%rcx),%rcx */
		emit_bytes(e, "\xf3\x48\x0f\xae\xc0", 5); /* rdfsbase %rax */
		emit_bytes(e, "\x48\xf7\xd0", 3);	/* not %rax */
		emit_bytes(e, "\x48\x8d\x4c\x08\x01", 5); /* lea 1(%rax,%rcx),%rcx: owner - fs */
		emit_bytes(e, "\xe3\x02", 2);		/* jrcxz mine (2 bytes on) */
		to_slow[ns++] = e->pos + 1;
		emit_bytes(e, "\xeb\x00", 2);		/* jmp slow */
		emit_bytes(e, "\x48\xb8", 2);		/* mine: movabs $fork_guard,%rax */
		emit_u64(e, cp->fork_guard);
		emit_bytes(e, "\x48\x8b\x08", 3);	/* mov (%rax),%rcx */
		to_slow[ns++] = e->pos + 1;
		emit_bytes(e, "\xe3\x00", 2);		/* jrcxz slow: a child after fork */
		/* the state's fields %gs-relative from here on: no register holds it */
		emit_disp32(e, "\x65\x8b\x0c\x25", 4, cp->busy_off); /* mov %gs:busy,%ecx */
	} else {
		emit_disp32(e, "\x64\x48\x8b\x0c\x25", 5, cp->tls_off); /* mov %fs:tls,%rcx */
		to_slow[ns++] = e->pos + 1;
		emit_bytes(e, "\xe3\x00", 2);		/* jrcxz slow */
		emit_bytes(e, "\x48\x89\xc8", 3);	/* mov %rcx,%rax */
		emit_disp32(e, "\x8b\x88", 2, cp->busy_off); /* mov busy(%rax),%ecx */
	}
	count_jrcxz = e->pos;
	emit_bytes(e, "\xe3\x00", 2);			/* jrcxz count */
	slow_pos = e->pos;				/* slow: */
	for (size_t i = 0; i < ns && !e->err; i++)
		e->buf[to_slow[i]] = (uint8_t)(slow_pos - (to_slow[i] + 1));
	emit_bytes(e, "\x59\x58", 2);			/* pop %rcx; pop %rax */
	if (!own_off)
		emit_bytes(e, "\x48\x8d\xa4\x24\x80\x00\x00\x00", 8); /* lea 0x80(%rsp),%rsp */
	emit_u8(e, 0xe9);				/* jmp general */
	slow_jmp = e->pos;
	emit_u32(e, 0);
	if (!e->err)
		e->buf[count_jrcxz + 1] = (uint8_t)(e->pos - (count_jrcxz + 2));
	if (cp->gs_owner_off)				/* count: mov %gs:row,%rcx */
		emit_disp32(e, "\x65\x48\x8b\x0c\x25", 5, cp->row_off);
	else						/* count: mov row(%rax),%rcx */
		emit_disp32(e, "\x48\x8b\x88", 3, cp->row_off);
	emit_u8(e, 0xe3);				/* jrcxz slow */
	emit_u8(e, (uint8_t)(slow_pos - (e->pos + 1)));
	for (unsigned i = 0; i < cp->n; i++) {
		emit_disp32(e, "\x48\x8b\x81", 3, cp->counter_off[i]); /* mov off(%rcx),%rax */
		emit_bytes(e, "\x48\x8d\x40\x01", 4);	/* lea 1(%rax),%rax */
		emit_disp32(e, "\x48\x89\x81", 3, cp->counter_off[i]); /* mov %rax,off(%rcx) */
	}
	emit_bytes(e, "\x59\x58", 2);			/* pop %rcx; pop %rax */
	if (own_off)					/* xchg %rsp,%fs:off */
		emit_disp32(e, "\x64\x48\x87\x24\x25", 5, own_off);
	else
		emit_bytes(e, "\x48\x8d\xa4\x24\x80\x00\x00\x00", 8); /* lea 0x80(%rsp),%rsp */
	emit_u8(e, 0xe9);				/* jmp copy */
	to_copy = e->pos;
	emit_u32(e, 0);
	patch_rel32(e, slow_jmp, e->pos);		/* general: */
	return to_copy;
}

/* Machine numbers of the general registers, by their place in struct xol_regs. */
int regs_to_machine(int32_t off)
{
	static const int8_t num[] = { 15, 14, 13, 12, 5, 3, 11, 10, 9, 8, 0, 1, 2, 6, 7 };

	if (off < 0 || off % 8 || off / 8 >= (int32_t)sizeof(num))
		return -1;
	return num[off / 8];
}

/* op with a 64-bit ModRM register @reg and memory disp32(@base), base not rsp/r12. */
static void emit_rm(struct emit *e, uint8_t rex, uint8_t op, int reg, int base, int32_t disp)
{
	rex |= (uint8_t)((reg & 8 ? 4 : 0) | (base & 8 ? 1 : 0));
	if (rex)
		emit_u8(e, rex | 0x40);	/* REX, with W R B as asked */
	emit_u8(e, op);
	emit_u8(e, (uint8_t)(0x80 | (reg & 7) << 3 | (base & 7)));
	emit_u32(e, (uint32_t)disp);
}

enum { RAX, RCX, RDX, RBX, RSP, RBP, RSI, RDI };
#define REXW 0x48

/* jcc rel32 to be patched: returns where its rel32 is. */
static size_t emit_jcc(struct emit *e, uint8_t cc)
{
	size_t at;

	emit_u8(e, 0x0f);
	emit_u8(e, cc);
	at = e->pos;
	emit_u32(e, 0);
	return at;
}

#define JZ  0x84
#define JNZ 0x85
#define JA  0x87

/*
 * The fast paths' way in: %rcx = the thread's state (%fs-relative), to
 * the slow way (jcc rel32s appended to @to_slow) when there is none, or
 * when its busy int or one of the @nflags ints at @flag_off is set; else
 * busy = 1.  Each int is read on its own, never two with one 8-byte
 * compare: busy was just stored 4 bytes wide by the hit before, and a
 * load wider than the store it reads cannot be forwarded from it, so it
 * waits for the store to reach the cache (6 ns a return pair here).
 */
static void emit_take_thread(struct emit *e, int32_t tls_off, int32_t busy_off,
			     const int32_t *flag_off, unsigned nflags, size_t *to_slow, size_t *ns)
{
	emit_disp32(e, "\x64\x48\x8b\x0c\x25", 5, tls_off); /* mov %fs:tls,%rcx */
	emit_bytes(e, "\x48\x85\xc9", 3);		/* test %rcx,%rcx */
	to_slow[(*ns)++] = emit_jcc(e, JZ);
	for (unsigned i = 0; i <= nflags; i++) {
		emit_rm(e, 0, 0x83, 7, RCX, i ? flag_off[i - 1] : busy_off); /* cmpl $0,off(%rcx) */
		emit_u8(e, 0);
		to_slow[(*ns)++] = emit_jcc(e, JNZ);
	}
	emit_rm(e, 0, 0xc7, 0, RCX, busy_off);		/* movl $1,busy(%rcx) */
	emit_u32(e, 1);
}

enum { R8 = 8, R9, R10, R11 };

/*
 * The recording paths save these: (with strings or numbers in memory, r11
 * first: their copies change it) rax rcx rdx rsi rdi r8 r9 r10, then the
 * status flags (lahf; seto %al), and pop them with REC_POPS (REC_POPS_R11).
 */
static void emit_rec_save(struct emit *e, bool r11)
{
	if (r11)
		emit_bytes(e, "\x41\x53", 2);		/* push %r11 */
	emit_bytes(e, "\x50\x51\x52\x56\x57", 5);	/* push %rax %rcx %rdx %rsi %rdi */
	emit_bytes(e, "\x41\x50\x41\x51\x41\x52", 6);	/* push %r8 %r9 %r10 */
	emit_bytes(e, "\x9f\x0f\x90\xc0\x50", 5);	/* lahf; seto %al; push %rax */
}

#define REC_POPS "\x41\x5a\x41\x59\x41\x58\x5f\x5e\x5a\x59\x58" /* r10 r9 r8 rdi rsi rdx rcx rax */
#define REC_POPS_R11 REC_POPS "\x41\x5b" /* ... rax r11 */
#define REC_SAVED 72 /* bytes emit_rec_save() pushes (without r11) */

/* Where emit_rec_save() left each register it saved, from %rsp (r11: with copies to make). */
static const int8_t rec_saved_at[16] = { [RAX] = 64, [RCX] = 56, [RDX] = 48, [RSI] = 40,
					 [RDI] = 32, [R8] = 24, [R9] = 16, [R10] = 8, [R11] = 72 };

/* Where a recording path finds register @r's value saved, or 0 if it is still live. */
static int32_t rec_saved(const struct arch_record_path *rp, int r)
{
	if (r < 0 || r > 15 || (r == R11 && !rp->nstrings && !rp->nmems))
		return 0; /* r < 0: record_args_ok() refuses it */
	return rec_saved_at[r];
}

/*
 * The flags, the registers a fast path saved (@pops: its pop instructions)
 * and %rsp back up by @up: past the red zone (a return has none).
 */
static void emit_fast_restore(struct emit *e, const char *pops, size_t npops, int32_t up)
{
	emit_bytes(e, "\x58\x04\x7f\x9e", 4);		/* pop %rax; add $0x7f,%al; sahf */
	emit_bytes(e, pops, npops);
	if (up)
		emit_disp32(e, "\x48\x8d\xa4\x24", 4, up); /* lea up(%rsp),%rsp */
}

/*
 * The fast paths' ways out: done (busy = 0, restore, jmp to the displaced
 * copy), unbusy (busy = 0, then as slow) and slow (restore, then on into
 * the general path that follows).  Returns where the done jmp's rel32 is.
 * With @slow, a return fast path's instead: no red zone, done goes to
 * the address @saved + 8 bytes below %rsp (@saved: what it pushed), by a
 * jmp or with @by_ret by a push and a ret, slow to @slow (the shared
 * return trampoline), and 0 is returned.
 */
static size_t emit_fast_exits(struct emit *e, int32_t busy_off, const char *pops, size_t npops,
			      const size_t *to_unbusy, size_t nu, const size_t *to_slow, size_t ns,
			      uint64_t slow, int32_t saved, bool by_ret)
{
	int32_t up = slow ? 0 : 0x80;
	size_t to_copy = 0;

	emit_rm(e, 0, 0xc7, 0, RCX, busy_off);		/* movl $0,busy(%rcx) */
	emit_u32(e, 0);
	emit_fast_restore(e, pops, npops, up);
	if (slow && by_ret) {
		emit_bytes(e, "\xff\x74\x24", 3);	/* push -(saved + 8)(%rsp): at %rsp - 8 */
		emit_u8(e, (uint8_t)-(saved + 8));
		emit_u8(e, 0xc3);			/* ret */
	} else if (slow) {
		emit_bytes(e, "\xff\x64\x24", 3);	/* jmp *-(saved + 8)(%rsp) */
		emit_u8(e, (uint8_t)-(saved + 8));
	} else {
		emit_u8(e, 0xe9);			/* jmp copy */
		to_copy = e->pos;
		emit_u32(e, 0);
	}
	for (size_t i = 0; i < nu; i++)			/* unbusy: */
		patch_rel32(e, to_unbusy[i], e->pos);
	emit_rm(e, 0, 0xc7, 0, RCX, busy_off);		/* movl $0,busy(%rcx) */
	emit_u32(e, 0);
	for (size_t i = 0; i < ns; i++)			/* slow: */
		patch_rel32(e, to_slow[i], e->pos);
	emit_fast_restore(e, pops, npops, up);
	if (slow)
		emit_jmp(e, slow);
	return to_copy;
}

/* After busy is set, as the handler reads the lists (core/hit.c, busy_then_read). */
static void emit_list_check(struct emit *e, const struct arch_record_path *rp, size_t *to_unbusy,
			    size_t *nu)
{
	emit_bytes(e, "\x48\xba", 2);			/* movabs $list_addr,%rdx */
	emit_u64(e, rp->list_addr);
	if ((int64_t)rp->list == (int32_t)rp->list) {
		emit_bytes(e, "\x48\x81\x3a", 3);	/* cmpq $list,(%rdx) */
		emit_u32(e, (uint32_t)rp->list);
	} else {
		emit_bytes(e, "\x48\xb8", 2);		/* movabs $list,%rax */
		emit_u64(e, rp->list);
		emit_bytes(e, "\x48\x3b\x02", 3);	/* cmp (%rdx),%rax */
	}
	to_unbusy[(*nu)++] = emit_jcc(e, JNZ);
}

/* rdi = the thread's counter row (%rcx: the thread), none -> unbusy. */
static void emit_row(struct emit *e, const struct arch_record_path *rp, size_t *to_unbusy,
		     size_t *nu)
{
	emit_rm(e, REXW, 0x8b, RDI, RCX, rp->row_off);	/* mov row(%rcx),%rdi */
	emit_bytes(e, "\x48\x85\xff", 3);		/* test %rdi,%rdi */
	to_unbusy[(*nu)++] = emit_jcc(e, JZ);
}

/*
 * The ring: rsi = the writer, r8 = where the record goes, r9 = the head
 * after it, r10 = the ring's ctl; no writer, no room below the cached
 * limit or before the ring's end, not exclusive -> unbusy.
 */
static void emit_ring_room(struct emit *e, const struct arch_record_path *rp, size_t *to_unbusy,
			   size_t *nu)
{
	emit_rm(e, REXW, 0x8b, RSI, RCX, rp->ring_off);	/* mov ring(%rcx),%rsi */
	emit_bytes(e, "\x48\x85\xf6", 3);		/* test %rsi,%rsi */
	to_unbusy[(*nu)++] = emit_jcc(e, JZ);
	/* room: head + need <= limit, (head & mask) + need - 1 <= mask */
	emit_rm(e, REXW, 0x8b, R8, RSI, rp->w_head_off); /* mov head(%rsi),%r8 */
	if (rp->nstrings)
		emit_bytes(e, "\x4c\x89\xc2", 3);	/* mov %r8,%rdx: the head, for emit_copies() */
	emit_rm(e, REXW, 0x8d, R9, R8, (int32_t)rp->need); /* lea need(%r8),%r9 */
	emit_rm(e, REXW, 0x3b, R9, RSI, rp->w_limit_off); /* cmp limit(%rsi),%r9 */
	to_unbusy[(*nu)++] = emit_jcc(e, JA);
	emit_rm(e, REXW, 0x23, R8, RSI, rp->w_mask_off); /* and mask(%rsi),%r8 */
	emit_rm(e, REXW, 0x8d, RAX, R8, (int32_t)rp->need - 1); /* lea need-1(%r8),%rax */
	emit_rm(e, REXW, 0x3b, RAX, RSI, rp->w_mask_off); /* cmp mask(%rsi),%rax */
	to_unbusy[(*nu)++] = emit_jcc(e, JA);
	emit_rm(e, REXW, 0x03, R8, RSI, rp->w_data_off); /* add data(%rsi),%r8 */
	emit_rm(e, REXW, 0x8b, R10, RSI, rp->w_ctl_off); /* mov ctl(%rsi),%r10 */
	emit_rm(e, 0, 0x83, 7, RSI, rp->w_kind_off);	/* cmpl $exclusive,kind(%rsi) */
	emit_u8(e, (uint8_t)rp->kind_exclusive);
	to_unbusy[(*nu)++] = emit_jcc(e, JNZ);
}

/*
 * The hit counted and the record written at r8 and committed (registers
 * as emit_ring_room() left them): the header, common_*, rp->ip, the args,
 * from the live registers or where emit_rec_save() put them.  A return's
 * __probe_ret_ip (payload bytes 16-23) is its caller's to write.
 */
static void emit_record_write(struct emit *e, const struct arch_record_path *rp)
{
	emit_bytes(e, "\x48\xb8", 2);			/* movabs $word,%rax */
	emit_u64(e, rp->word);
	if (rp->nstrings)
		emit_bytes(e, "\x48\x09\xd0", 3);	/* or %rdx,%rax: the size emit_copies() left */
	emit_bytes(e, "\x49\x89\x00", 3);		/* mov %rax,(%r8): size type flags */
	emit_rm(e, REXW, 0x83, 0, RDI, rp->hits_off);	/* addq $1,hits(%rdi) */
	emit_u8(e, 1);
	emit_bytes(e, "\x0f\x31", 2);			/* rdtsc */
	emit_bytes(e, "\x41\x89\x40\x08", 4);		/* mov %eax,8(%r8): time */
	emit_bytes(e, "\x41\x89\x50\x0c", 4);		/* mov %edx,12(%r8) */
	emit_rm(e, REXW, 0x8b, RAX, RSI, rp->w_pidtid_off); /* mov pidtid(%rsi),%rax */
	emit_bytes(e, "\x49\x89\x40\x10", 4);		/* mov %rax,16(%r8): pid tid */
	emit_disp32(e, "\x64\x0f\xb7\x04\x25", 5, rp->cpu_tls_off); /* movzwl %fs:cpu,%eax */
	emit_bytes(e, "\x49\x89\x40\x18", 4);		/* mov %rax,24(%r8): cpu 0 0 */
	emit_bytes(e, "\x41\xc7\x40\x20", 4);		/* movl $common,32(%r8): common_* */
	emit_u32(e, rp->common);
	emit_rm(e, 0, 0x8b, RAX, RCX, rp->tid_off);	/* mov tid(%rcx),%eax */
	emit_bytes(e, "\x41\x89\x40\x24", 4);		/* mov %eax,36(%r8): common_pid */
	emit_bytes(e, "\x48\xb8", 2);			/* movabs $ip,%rax */
	emit_u64(e, rp->ip);
	emit_bytes(e, "\x49\x89\x40\x28", 4);		/* mov %rax,40(%r8): __probe_ip/func */
	for (unsigned i = 0; i < rp->nargs; i++) {
		int r = regs_to_machine(rp->arg[i].reg);
		int32_t at = 32 + rp->arg[i].off;

		int32_t size = rp->arg[i].size;

		if (rec_saved(rp, r) > 0) {		/* a scratch: its saved value */
			emit_bytes(e, "\x48\x8b\x84\x24", 4); /* mov saved(%rsp),%rax */
			emit_u32(e, (uint32_t)rec_saved(rp, r));
			r = RAX;
		}
		if (size == 2)
			emit_u8(e, 0x66);		/* operand size 16 */
		/* mov %reg,at(%r8), 8 4 2 or 1 bytes (%sil %dil: with a REX) */
		emit_rm(e, size == 8 ? REXW : size == 1 && r >= RSP && r <= RDI ? 0x40 : 0,
			size == 1 ? 0x88 : 0x89, r, R8, at);
	}
	/* commit, as ring_commit(): ctl->head (W1, a plain store is a release on x86) */
	emit_rm(e, REXW, 0x89, R9, R10, rp->ctl_head_off); /* mov %r9,head(%r10) */
	emit_rm(e, REXW, 0x89, R9, RSI, rp->w_head_off); /* mov %r9,head(%rsi) */
	emit_rm(e, REXW, 0x89, R9, RSI, rp->w_pend_off); /* mov %r9,pend(%rsi) */
}

/* %rsi = the value register @r had at the site, plus @disp (@pushed bytes pushed since). */
static void emit_source(struct emit *e, const struct arch_record_path *rp, int r, int32_t disp,
			int32_t pushed)
{
	if (rec_saved(rp, r) > 0) {			/* mov saved+pushed(%rsp),%rsi */
		emit_disp32(e, "\x48\x8b\xb4\x24", 4, rec_saved(rp, r) + pushed);
	} else {					/* mov %reg,%rsi */
		emit_u8(e, (uint8_t)(REXW | (r & 8 ? 4 : 0)));
		emit_u8(e, 0x89);
		emit_u8(e, (uint8_t)(0xc0 | (r & 7) << 3 | RSI));
	}
	emit_disp32(e, "\x48\x8d\xb6", 3, disp);	/* lea disp(%rsi),%rsi */
}

/*
 * The numbers in memory and the strings of @rp, as arg_straight() writes
 * them (core/hit.c).  A number: its field zeroed, then copied by rp->copy,
 * which stops at a fault.  A string: copied by rp->strncpy to where the
 * payload ends so far, with at most what is left of rp->max, its u32 field
 * (length << 16 | offset) written, a fault or no NUL within reach recorded
 * as length 0; then r9 = the new head and rdx = the record's size, header
 * and payload.  The row (rdi), the writer (rsi) and, with strings, the
 * head emit_ring_room() left in rdx wait on the stack meanwhile; both
 * copies take rdi rsi rdx and change only rax and r11 (and the flags).
 */
static void emit_copies(struct emit *e, const struct arch_record_path *rp)
{
	int32_t pushed = rp->nstrings ? 24 : 16;

	static const uint8_t zero[9][3] = {	/* mov $0,field(%r8): 41 c6 80 / 66 41 c7 80 / ... */
		[1] = { 0x41, 0xc6, 0x80 }, [2] = { 0x41, 0xc7, 0x80 },
		[4] = { 0x41, 0xc7, 0x80 }, [8] = { 0x49, 0xc7, 0x80 },
	};

	emit_bytes(e, "\x56\x57", 2);			/* push %rsi; push %rdi */
	if (rp->nstrings)
		emit_u8(e, 0x52);			/* push %rdx: the head */
	for (unsigned i = 0; i < rp->nmems; i++) {
		int32_t size = rp->mem[i].size, at = 32 + rp->mem[i].off;

		if (size == 2)
			emit_u8(e, 0x66);
		emit_bytes(e, (const char *)zero[size], 3); /* mov{b,w,l,q} $0,at(%r8) */
		emit_u32(e, (uint32_t)at);
		if (size == 1)
			emit_u8(e, 0);
		else if (size == 2)
			emit_bytes(e, "\0\0", 2);
		else
			emit_u32(e, 0);
		emit_source(e, rp, regs_to_machine(rp->mem[i].reg), rp->mem[i].disp, pushed);
		emit_disp32(e, "\x49\x8d\xb8", 3, at);	/* lea at(%r8),%rdi */
		emit_u8(e, 0xba);			/* mov $size,%edx */
		emit_u32(e, (uint32_t)size);
		emit_bytes(e, "\x48\xb8", 2);		/* movabs $copy,%rax */
		emit_u64(e, rp->copy);
		emit_bytes(e, "\xff\xd0", 2);		/* call *%rax */
	}
	if (!rp->nstrings) {
		emit_bytes(e, "\x5f\x5e", 2);		/* pop %rdi; pop %rsi */
		return;
	}
	emit_bytes(e, "\x41\xb9", 2);			/* mov $fixed,%r9d: the payload's end */
	emit_u32(e, rp->fixed);
	for (unsigned i = 0; i < rp->nstrings; i++) {
		emit_source(e, rp, regs_to_machine(rp->str[i].reg), rp->str[i].disp, pushed);
		emit_bytes(e, "\x4b\x8d\x7c\x08\x20", 5);	/* lea 32(%r8,%r9),%rdi */
		emit_u8(e, 0xba);			/* mov $max,%edx */
		emit_u32(e, rp->max);
		emit_bytes(e, "\x44\x29\xca", 3);	/* sub %r9d,%edx: what is left */
		emit_bytes(e, "\x48\xb8", 2);		/* movabs $strncpy,%rax */
		emit_u64(e, rp->strncpy);
		emit_bytes(e, "\xff\xd0", 2);		/* call *%rax */
		emit_bytes(e, "\x48\x85\xc0\x79\x02", 5); /* test %rax,%rax; jns 1f */
		emit_bytes(e, "\x31\xc0", 2);		/* xor %eax,%eax: a fault, length 0 */
		emit_bytes(e, "\x89\xc2\xc1\xe2\x10", 5);	/* 1: mov %eax,%edx; shl $16,%edx */
		emit_bytes(e, "\x44\x09\xca", 3);	/* or %r9d,%edx */
		emit_rm(e, 0, 0x89, RDX, R8, 32 + rp->str[i].off); /* mov %edx,field(%r8) */
		emit_bytes(e, "\x49\x01\xc1", 3);	/* add %rax,%r9 */
	}
	emit_bytes(e, "\x58\x5f\x5e", 3);		/* pop %rax (the head); pop %rdi; pop %rsi */
	emit_bytes(e, "\x49\x8d\x51\x20", 4);		/* lea 32(%r9),%rdx: the size */
	emit_bytes(e, "\x4d\x8d\x49\x27", 4);		/* lea 39(%r9),%r9 */
	emit_bytes(e, "\x49\x83\xe1\xf8", 4);		/* and $-8,%r9: 8-aligned */
	emit_bytes(e, "\x49\x01\xc1", 3);		/* add %rax,%r9: the new head */
}

/*
 * The recording fast path (see struct arch_record_path).  Returns where
 * the rel32 of its final jmp to the displaced copy is, to patch later; its
 * slow way out falls through to the general path that follows it.
 *
 *	lea -128(%rsp),%rsp; push rax rcx rdx rsi rdi r8 r9 r10
 *	lahf; seto %al; push rax			the status flags
 *	rcx = %fs:self: 0, busy, comm changed	-> slow
 *	busy = 1; the event list, the row (rdi), the writer (rsi)   -> unbusy
 *	r9 = head + need: past the limit	-> unbusy
 *	r8 = head & mask: need runs past the end -> unbusy
 *	r8 = data + r8 (the record), r10 = ctl; the writer not exclusive -> unbusy
 *	hits += 1; rdtsc; header, payload, args at r8; commit r9
 *	busy = 0; flags, registers back; jmp copy
 * unbusy: busy = 0
 * slow:   flags, registers back; (the general path)
 *
 * Every field of the writer that an address comes from is loaded before
 * the check of its kind: a fork from a signal handler in between leaves
 * the child a wiped writer (kind 0, ring.h), which that check sends the
 * long way, and after it the child stores only through addresses taken
 * before, into the region it has replaced with anonymous memory, as the
 * handler's commit does.
 */
size_t emit_record_fast(struct emit *e, const struct arch_record_path *rp)
{
	size_t to_slow[4], to_unbusy[8], ns = 0, nu = 0;

	bool copies = rp->nstrings || rp->nmems;

	emit_bytes(e, "\x48\x8d\x64\x24\x80", 5);	/* lea -0x80(%rsp),%rsp */
	emit_rec_save(e, copies);
	emit_take_thread(e, rp->tls_off, rp->busy_off, &rp->dirty_off, 1, to_slow, &ns);
	emit_list_check(e, rp, to_unbusy, &nu);
	emit_row(e, rp, to_unbusy, &nu);
	emit_ring_room(e, rp, to_unbusy, &nu);
	if (copies)
		emit_copies(e, rp);
	emit_record_write(e, rp);
	if (copies)
		return emit_fast_exits(e, rp->busy_off, REC_POPS_R11, sizeof(REC_POPS_R11) - 1,
				       to_unbusy, nu, to_slow, ns, 0, 0, false);
	return emit_fast_exits(e, rp->busy_off, REC_POPS, sizeof(REC_POPS) - 1, to_unbusy, nu,
			       to_slow, ns, 0, 0, false);
}

/*
 * The return-hijack fast path (see struct arch_hijack_path), with @rp the
 * entry's record too.  Returns where the rel32 of its final jmp to the
 * displaced copy is; its slow way out falls through to the general path.
 *
 *	lea -128(%rsp),%rsp; push rax rcx rdx; lahf; seto %al; push rax
 *					(@rp: the eight registers of the recording path)
 *	rcx = %fs:self: 0, busy, unhooked (@rp: comm changed) -> slow
 *	busy = 1; @rp: the list, the row, the writer and room -> unbusy
 *	depth >= max				-> unbusy
 *	rax = &shadow[depth]; rdx = the slot (the site's %rsp)
 *	rax[-1].sp <= slot			-> unbusy (frames left: return_push drops them;
 *						   at depth 0 rax[-1] is the sentinel)
 *	rax[0] = { *slot, slot, site, ctx, 0, ret_tramp }; depth++
 *	*slot = ret_tramp			(not with @call_in: the call writes it)
 *	@rp: hits += 1; rdtsc; the record; commit
 *	busy = 0; flags, registers back; jmp copy
 *				(@call_in, ret_tramp right after: lea 8(%rsp),%rsp; call copy)
 *
 * Everything that can send it the long way is checked before anything is
 * written, so the general path finds the hit untouched.
 */
size_t emit_hijack_fast(struct emit *e, const struct arch_hijack_path *hp,
			const struct arch_record_path *rp, bool call_in)
{
	const int32_t flags[2] = { hp->unhooked_off, rp ? rp->dirty_off : 0 };
	const int32_t slot = 0x80 + (rp ? REC_SAVED : 32); /* past the red zone and what is pushed */
	size_t to_slow[5], to_unbusy[10], ns = 0, nu = 0; /* 4 and 8 at most: room to spare */

	emit_bytes(e, "\x48\x8d\x64\x24\x80", 5);	/* lea -0x80(%rsp),%rsp */
	if (rp) {
		emit_rec_save(e, false);
	} else {
		emit_bytes(e, "\x50\x51\x52", 3);	/* push %rax %rcx %rdx */
		emit_bytes(e, "\x9f\x0f\x90\xc0\x50", 5); /* lahf; seto %al; push %rax */
	}
	emit_take_thread(e, hp->tls_off, hp->busy_off, flags, rp ? 2 : 1, to_slow, &ns);
	if (rp) {
		emit_list_check(e, rp, to_unbusy, &nu);
		emit_row(e, rp, to_unbusy, &nu);
		emit_ring_room(e, rp, to_unbusy, &nu);
	}
	emit_rm(e, 0, 0x8b, RAX, RCX, hp->depth_off);	/* mov depth(%rcx),%eax */
	emit_rm(e, 0, 0x3b, RAX, RCX, hp->max_off);	/* cmp max(%rcx),%eax */
	to_unbusy[nu++] = emit_jcc(e, 0x83);		/* jae unbusy */
	emit_bytes(e, "\x48\x8d\x04\x80", 4);		/* lea (%rax,%rax,4),%rax */
	emit_bytes(e, "\x48\xc1\xe0\x03", 4);		/* shl $3,%rax: 40 bytes a frame */
	emit_rm(e, REXW, 0x03, RAX, RCX, hp->shadow_off); /* add shadow(%rcx),%rax */
	emit_bytes(e, "\x48\x8d\x94\x24", 4);		/* lea slot(%rsp),%rdx: the slot */
	emit_u32(e, (uint32_t)slot);
	emit_bytes(e, "\x48\x39\x50\xe0", 4);		/* cmp %rdx,-32(%rax): top's sp - slot */
	to_unbusy[nu++] = emit_jcc(e, 0x86);		/* jbe unbusy (never the sentinel) */
	emit_bytes(e, "\x48\x89\x50\x08", 4);		/* mov %rdx,8(%rax): sp */
	emit_bytes(e, "\x48\x8b\x12", 3);		/* mov (%rdx),%rdx */
	emit_bytes(e, "\x48\x89\x10", 3);		/* mov %rdx,(%rax): ret */
	emit_bytes(e, "\x48\xba", 2);			/* movabs $site,%rdx */
	emit_u64(e, hp->site);
	emit_bytes(e, "\x48\x89\x50\x10", 4);		/* mov %rdx,16(%rax): site */
	emit_rm(e, 0, 0x8b, RDX, RCX, hp->ctx_off);	/* mov ctx(%rcx),%edx */
	emit_bytes(e, "\x48\x89\x50\x18", 4);		/* mov %rdx,24(%rax): ctx, flags 0 */
	emit_bytes(e, "\x48\xba", 2);			/* movabs $ret_tramp,%rdx */
	emit_u64(e, hp->ret_tramp);
	emit_bytes(e, "\x48\x89\x50\x20", 4);		/* mov %rdx,32(%rax): tramp */
	emit_rm(e, 0, 0x83, 0, RCX, hp->depth_off);	/* addl $1,depth(%rcx): after the frame */
	emit_u8(e, 1);
	/*
	 * The slot hijacked, unless the call in writes it: until then it
	 * keeps the real address, so an unwinder's unhook_all() (return.c)
	 * in a signal handler meanwhile passes the frame over, and no second
	 * write can undo what it did.
	 */
	if (!call_in) {
		emit_bytes(e, "\x48\x89\x94\x24", 4); /* mov %rdx,slot(%rsp) */
		emit_u32(e, (uint32_t)slot);
	}
	if (rp) {
		emit_record_write(e, rp);
		return emit_fast_exits(e, hp->busy_off, REC_POPS, sizeof(REC_POPS) - 1, to_unbusy,
				       nu, to_slow, ns, 0, 0, false);
	}
	/* pop %rdx %rcx %rax */
	return emit_fast_exits(e, hp->busy_off, "\x5a\x59\x58", 3, to_unbusy, nu, to_slow, ns, 0, 0,
			       false);
}

/*
 * The return fast path (see struct arch_return_path), where a hijacked
 * slot sends the function's ret.  Nothing below the caller's %rsp (c) is
 * live after a return: what is saved goes there (72 bytes to record, 40
 * to count), and the real address below it, at c - 80 (c - 48), which
 * stays inside the 128 bytes that signal delivery skips until the jmp has
 * read it.  The slot itself is left as it was, for the long way.
 *
 *	record: push rax rcx rdx rsi rdi r8 r9 r10; count: push rax rcx rdx rdi
 *	lahf; seto %al; push rax
 *	rcx = %fs:self: 0, busy, unhooked, comm changed -> slow
 *	busy = 1; the list, the row (rdi)	-> unbusy
 *	record: the writer and room, as the recording path -> unbusy
 *	rax = &shadow[depth - 1]: its slot not c - 8 (the sentinel's never) -> unbusy
 *	c - 80 = rax->ret; depth--		after the frame is read
 *	count: each counter += 1; record: hits += 1, the record
 *	busy = 0; flags, registers back (%rsp = c); jmp *-80(%rsp)
 *						(by_ret: push -80(%rsp); ret)
 * unbusy: busy = 0
 * slow:   flags, registers back; jmp slow
 *
 * Everything the long way could decide otherwise is checked before the
 * frame is taken: the shared trampoline finds it where it was.
 */
static void emit_return_fast(struct emit *e, const struct arch_return_path *rt)
{
	/* Counting needs four registers (rax rcx rdx rdi), recording eight. */
	static const char count_pops[] = "\x5f\x5a\x59\x58"; /* rdi rdx rcx rax */
	const struct arch_record_path *rp = &rt->rec;
	const int32_t flags[2] = { rt->unhooked_off, rp->dirty_off };
	const char *pops = rt->ncount ? count_pops : REC_POPS;
	size_t npops = rt->ncount ? sizeof(count_pops) - 1 : sizeof(REC_POPS) - 1;
	int32_t saved = rt->ncount ? 40 : REC_SAVED;
	size_t to_slow[4], to_unbusy[12], ns = 0, nu = 0;

	if (rt->ncount)	/* push %rax %rcx %rdx %rdi; lahf; seto %al; push %rax */
		emit_bytes(e, "\x50\x51\x52\x57\x9f\x0f\x90\xc0\x50", 9);
	else
		emit_rec_save(e, false);
	emit_take_thread(e, rp->tls_off, rp->busy_off, flags, 2, to_slow, &ns);
	emit_list_check(e, rp, to_unbusy, &nu);
	emit_row(e, rp, to_unbusy, &nu);
	if (!rt->ncount)
		emit_ring_room(e, rp, to_unbusy, &nu);
	/* the frame on top (the sentinel at depth 0), the one this return came through */
	emit_rm(e, 0, 0x8b, RAX, RCX, rt->depth_off);	/* mov depth(%rcx),%eax */
	emit_bytes(e, "\x48\x8d\x04\x80", 4);		/* lea (%rax,%rax,4),%rax */
	emit_bytes(e, "\x48\xc1\xe0\x03", 4);		/* shl $3,%rax: 40 bytes a frame */
	emit_rm(e, REXW, 0x03, RAX, RCX, rt->shadow_off); /* add shadow(%rcx),%rax */
	emit_bytes(e, "\x48\x8d\x94\x24", 4);		/* lea saved-8(%rsp),%rdx: the slot */
	emit_u32(e, (uint32_t)(saved - 8));
	emit_bytes(e, "\x48\x3b\x50\xe0", 4);		/* cmp -32(%rax),%rdx: top's sp */
	to_unbusy[nu++] = emit_jcc(e, JNZ);
	emit_bytes(e, "\x48\x8b\x40\xd8", 4);		/* mov -40(%rax),%rax: its ret */
	emit_bytes(e, "\x48\x89\x44\x24\xf8", 5);	/* mov %rax,-8(%rsp): below the saved */
	if (!rt->ncount)
		emit_bytes(e, "\x49\x89\x40\x30", 4);	/* mov %rax,48(%r8): __probe_ret_ip */
	emit_rm(e, 0, 0x83, 5, RCX, rt->depth_off);	/* subl $1,depth(%rcx): read, now off */
	emit_u8(e, 1);
	for (unsigned i = 0; i < rt->ncount; i++) {
		emit_rm(e, REXW, 0x83, 0, RDI, rt->counter_off[i]); /* addq $1,off(%rdi) */
		emit_u8(e, 1);
	}
	if (!rt->ncount)
		emit_record_write(e, rp);
	emit_fast_exits(e, rp->busy_off, pops, npops, to_unbusy, nu, to_slow, ns, rt->slow, saved,
			rt->by_ret);
}

/* A record path's fields (registers, numbers in memory, strings' u32s) from byte @min_off on. */
/* A field of @size bytes at payload byte @off from register @reg, inside [@min_off, @fixed). */
static bool field_ok(int32_t reg, int32_t off, int32_t size, int32_t min_off, int32_t fixed)
{
	return regs_to_machine(reg) >= 0 && off >= min_off && off + size <= fixed &&
	       (size == 1 || size == 2 || size == 4 || size == 8);
}

bool record_args_ok(const struct arch_record_path *rp, int32_t min_off)
{
	/* with strings, need is for the largest record: the fixed part is what is known */
	int32_t fixed = rp->nstrings ? (int32_t)rp->fixed : (int32_t)rp->need - 32;

	if (rp->nargs > ARCH_RECORD_MAX_ARGS || rp->need % 8 || rp->kind_exclusive > 127 ||
	    rp->nstrings > ARCH_RECORD_MAX_STRINGS || rp->nmems > ARCH_RECORD_MAX_MEMS ||
	    (rp->nmems && !rp->copy))
		return false;
	if (rp->nstrings && (!rp->strncpy || rp->fixed > rp->max || rp->max > INT32_MAX - 39 ||
			     rp->need != ((32 + rp->max + 7) & ~7u) || rp->word & UINT32_MAX))
		return false;
	for (unsigned i = 0; i < rp->nargs; i++)
		if (!field_ok(rp->arg[i].reg, rp->arg[i].off, rp->arg[i].size, min_off, fixed))
			return false;
	for (unsigned i = 0; i < rp->nmems; i++)
		if (!field_ok(rp->mem[i].reg, rp->mem[i].off, rp->mem[i].size, min_off, fixed))
			return false;
	for (unsigned i = 0; i < rp->nstrings; i++) /* the u32 __data_loc field */
		if (!field_ok(rp->str[i].reg, rp->str[i].off, 4, min_off, fixed))
			return false;
	return true;
}

int arch_prepare_return_trampoline(uint8_t *buf, size_t size, uint64_t addr,
				   const struct arch_return_path *rt)
{
	struct emit e = { .buf = buf, .size = size, .addr = addr };

	if (!rt->slow || rt->ncount > ARCH_COUNT_MAX || rt->rec.nstrings || rt->rec.nmems ||
	    (!rt->ncount && (rt->rec.need < 56 || !record_args_ok(&rt->rec, 24))))
		return -EINVAL;
	emit_return_fast(&e, rt);
	return e.err ? e.err : (int)e.pos;
}
