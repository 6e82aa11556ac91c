// SPDX-License-Identifier: GPL-2.0-or-later
/* Instruction analysis: decode with Zydis, refuse what cannot run out of line, classify. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <Zydis/Zydis.h>

#include "internal.h"

/*
 * Every class of instruction the engine can displace, and how.  The
 * classes mirror the kernel's default/branch/push xol_ops; without a
 * single-step there is no post_xol: the relocated copy itself ends where
 * the original would continue.
 */
const struct insn_ops insn_ops[ARCH_INSN_NR_CLASSES] = {
	[ARCH_INSN_PLAIN]    = { "plain",    NULL,		relocate_plain },
	[ARCH_INSN_NOP]      = { "nop",      emulate_nop,	relocate_nop },
	[ARCH_INSN_RIPREL]   = { "riprel",   NULL,		relocate_riprel },
	[ARCH_INSN_JMP_REL]  = { "jmp",      emulate_jmp,	relocate_jmp },
	[ARCH_INSN_JCC]      = { "jcc",      emulate_jcc,	relocate_cond },
	[ARCH_INSN_LOOP]     = { "loop",     emulate_loop,	relocate_cond },
	[ARCH_INSN_CALL_REL] = { "call",     emulate_call,	relocate_call },
	[ARCH_INSN_CALL_IND] = { "call-ind", NULL,		relocate_call_ind },
	[ARCH_INSN_SYSCALL]  = { "syscall",  NULL,		relocate_syscall },
	[ARCH_INSN_PUSH]     = { "push",     emulate_push,	relocate_plain },
};

/*
 * Refused by mnemonic.  Most of these raise a signal by design or fault
 * in user mode; run out of line, the signal would report the slot's
 * address instead of the program's, so a program's own handler (which may
 * look at or skip the faulting instruction) would misbehave.  The kernel
 * refuses the same ones (plus syscall and int N, because single-stepping
 * them is fragile; xol does not single-step, see relocate_syscall()).
 */
static const struct reject {
	ZydisMnemonic mnemonic;
	const char *reason;
} reject_table[] = {
	/* Another debugger's or tracer's breakpoint, or a deliberate trap. */
	{ ZYDIS_MNEMONIC_INT3,     "int3: a breakpoint is already there" },
	/* icebp: a deliberate SIGTRAP whose address would be the slot's. */
	{ ZYDIS_MNEMONIC_INT1,     "int1: raises SIGTRAP by design" },
	/* A deliberate SIGILL (__builtin_trap, BUG()); handlers read si_addr. */
	{ ZYDIS_MNEMONIC_UD0,      "ud0: raises SIGILL by design" },
	{ ZYDIS_MNEMONIC_UD1,      "ud1: raises SIGILL by design" },
	{ ZYDIS_MNEMONIC_UD2,      "ud2: raises SIGILL by design" },
	/* CPL0 or I/O-privilege instructions: SIGSEGV in user mode. */
	{ ZYDIS_MNEMONIC_HLT,      "hlt: privileged, faults in user mode" },
	{ ZYDIS_MNEMONIC_CLI,      "cli: needs I/O privilege, faults in user mode" },
	{ ZYDIS_MNEMONIC_STI,      "sti: needs I/O privilege, faults in user mode" },
	{ ZYDIS_MNEMONIC_IN,       "in: port I/O, faults in user mode" },
	{ ZYDIS_MNEMONIC_OUT,      "out: port I/O, faults in user mode" },
	{ ZYDIS_MNEMONIC_INSB,     "insb: port I/O, faults in user mode" },
	{ ZYDIS_MNEMONIC_INSW,     "insw: port I/O, faults in user mode" },
	{ ZYDIS_MNEMONIC_INSD,     "insd: port I/O, faults in user mode" },
	{ ZYDIS_MNEMONIC_OUTSB,    "outsb: port I/O, faults in user mode" },
	{ ZYDIS_MNEMONIC_OUTSW,    "outsw: port I/O, faults in user mode" },
	{ ZYDIS_MNEMONIC_OUTSD,    "outsd: port I/O, faults in user mode" },
	/* Hypervisor calls: KVM injects #UD when they come from ring 3. */
	{ ZYDIS_MNEMONIC_VMCALL,   "vmcall: hypervisor call, SIGILL in user mode" },
	{ ZYDIS_MNEMONIC_VMMCALL,  "vmmcall: hypervisor call, SIGILL in user mode" },
	/*
	 * The kernel returns from sysenter to a fixed vDSO address, not to
	 * the next instruction, and 64-bit programs never use it (AMD
	 * raises #UD for it in long mode).
	 */
	{ ZYDIS_MNEMONIC_SYSENTER, "sysenter: the kernel returns to the vDSO, not to the next instruction" },
	{ ZYDIS_MNEMONIC_SYSEXIT,  "sysexit: privileged, faults in user mode" },
	{ ZYDIS_MNEMONIC_SYSRET,   "sysret: privileged, faults in user mode" },
	/* Loads CS and flags from the stack: a mode switch, not a return. */
	{ ZYDIS_MNEMONIC_IRET,     "iret: far return through an interrupt frame" },
	{ ZYDIS_MNEMONIC_IRETD,    "iret: far return through an interrupt frame" },
	{ ZYDIS_MNEMONIC_IRETQ,    "iret: far return through an interrupt frame" },
	/*
	 * Its abort handler is a relative address that would need
	 * relocating, and the probe's trap aborts a transaction anyway.
	 */
	{ ZYDIS_MNEMONIC_XBEGIN,   "xbegin: relative abort address of a transaction" },
};

static ZyanStatus decode(const uint8_t *code, size_t avail, ZydisDecodedInstruction *in,
			 ZydisDecodedOperand *ops)
{
	ZydisDecoder dec;

	ZydisDecoderInit(&dec, ZYDIS_MACHINE_MODE_LONG_64, ZYDIS_STACK_WIDTH_64);
	return ZydisDecoderDecodeFull(&dec, code, avail, in, ops);
}

static int refuse(struct arch_insn *ai, const char *reason)
{
	ai->reason = reason;
	return -ENOTSUP;
}

static const ZydisDecodedOperand *find_riprel(const ZydisDecodedInstruction *in,
					      const ZydisDecodedOperand *ops)
{
	for (int i = 0; i < in->operand_count; i++)
		if (ops[i].type == ZYDIS_OPERAND_TYPE_MEMORY &&
		    (ops[i].mem.base == ZYDIS_REGISTER_RIP || ops[i].mem.base == ZYDIS_REGISTER_EIP))
			return &ops[i];
	return NULL;
}

static const ZydisDecodedOperand *find_relimm(const ZydisDecodedInstruction *in,
					      const ZydisDecodedOperand *ops)
{
	for (int i = 0; i < in->operand_count; i++)
		if (ops[i].type == ZYDIS_OPERAND_TYPE_IMMEDIATE && ops[i].imm.is_relative)
			return &ops[i];
	return NULL;
}

/* Does any operand, explicit or hidden, name this register (any width)? */
static int insn_uses_reg(const ZydisDecodedInstruction *in, const ZydisDecodedOperand *ops,
		  ZydisRegister reg64)
{
	for (int i = 0; i < in->operand_count; i++) {
		const ZydisDecodedOperand *op = &ops[i];

		if (op->type == ZYDIS_OPERAND_TYPE_REGISTER &&
		    ZydisRegisterGetLargestEnclosing(ZYDIS_MACHINE_MODE_LONG_64, op->reg.value) == reg64)
			return 1;
		if (op->type == ZYDIS_OPERAND_TYPE_MEMORY &&
		    (ZydisRegisterGetLargestEnclosing(ZYDIS_MACHINE_MODE_LONG_64, op->mem.base) == reg64 ||
		     ZydisRegisterGetLargestEnclosing(ZYDIS_MACHINE_MODE_LONG_64, op->mem.index) == reg64))
			return 1;
	}
	return 0;
}

static int analyze_branch(struct arch_insn *ai, const ZydisDecodedInstruction *in,
			  const ZydisDecodedOperand *imm)
{
	/*
	 * With an operand-size prefix Intel ignores it but AMD truncates the
	 * target to 16 bits; no compiler emits it (the kernel refuses it too).
	 */
	if (in->attributes & ZYDIS_ATTRIB_HAS_OPERANDSIZE)
		return refuse(ai, "relative branch with an operand-size prefix: Intel and AMD disagree on its target");

	ZydisCalcAbsoluteAddress(in, imm, ai->addr, &ai->target);
	ai->rel_off = in->raw.imm[0].offset;
	ai->rel_size = in->raw.imm[0].size / 8;
	ai->flags |= ARCH_INSN_F_BRANCH;

	switch (in->mnemonic) {
	case ZYDIS_MNEMONIC_JMP:
		ai->cls = ARCH_INSN_JMP_REL;
		ai->flags |= ARCH_INSN_F_NO_FALLTHROUGH | ARCH_INSN_F_EMULATED;
		return 0;
	case ZYDIS_MNEMONIC_CALL:
		ai->cls = ARCH_INSN_CALL_REL;
		ai->flags |= ARCH_INSN_F_CALL | ARCH_INSN_F_EMULATED;
		return 0;
	case ZYDIS_MNEMONIC_LOOP:
	case ZYDIS_MNEMONIC_LOOPE:
	case ZYDIS_MNEMONIC_LOOPNE:
	case ZYDIS_MNEMONIC_JRCXZ:
	case ZYDIS_MNEMONIC_JECXZ:
		ai->cls = ARCH_INSN_LOOP;
		/* Emulated with a 64-bit counter only; the ecx forms run the copy. */
		if (in->address_width == 64) {
			ai->op = in->opcode;
			ai->flags |= ARCH_INSN_F_EMULATED;
		}
		return 0;
	default:
		break;
	}
	if (in->meta.category == ZYDIS_CATEGORY_COND_BR &&
	    ((in->opcode_map == ZYDIS_OPCODE_MAP_DEFAULT && (in->opcode & 0xf0) == 0x70) ||
	     (in->opcode_map == ZYDIS_OPCODE_MAP_0F && (in->opcode & 0xf0) == 0x80))) {
		ai->cls = ARCH_INSN_JCC;
		ai->op = in->opcode & 0x0f;
		ai->flags |= ARCH_INSN_F_EMULATED;
		return 0;
	}
	return refuse(ai, "relative operand of an unknown kind");
}

/* call *%reg / call *mem: becomes push <return address>; jmp *same-operand. */
static int analyze_call_ind(struct arch_insn *ai, const ZydisDecodedOperand *ops)
{
	const ZydisDecodedOperand *op = &ops[0];

	ai->cls = ARCH_INSN_CALL_IND;
	ai->flags |= ARCH_INSN_F_CALL;
	/* The target register would be read after our push moved it. */
	if (op->type == ZYDIS_OPERAND_TYPE_REGISTER && op->reg.value == ZYDIS_REGISTER_RSP)
		return refuse(ai, "call *%rsp: its target is the stack pointer the call moves");
	if (op->type == ZYDIS_OPERAND_TYPE_MEMORY && op->mem.base == ZYDIS_REGISTER_RSP) {
		/* Relocated with a re-encoded operand: check now that it encodes. */
		uint8_t buf[ARCH_MAX_INSN_BYTES];

		if (insn_encode_jmp_ind(ai, buf) < 0)
			return refuse(ai, "indirect call through the stack cannot be re-encoded as a jump");
	}
	return 0;
}

int arch_analyze(struct arch_insn *ai, const uint8_t *code, size_t avail, uint64_t addr)
{
	ZydisDecodedInstruction in;
	ZydisDecodedOperand ops[ZYDIS_MAX_OPERAND_COUNT];
	const ZydisDecodedOperand *riprel, *relimm;
	size_t n = avail < ARCH_MAX_INSN_BYTES ? avail : ARCH_MAX_INSN_BYTES;
	ZyanStatus st;

	memset(ai, 0, sizeof(*ai));
	ai->addr = addr;
	memcpy(ai->bytes, code, n);
	ai->len = n;

	st = decode(code, n, &in, ops);
	if (st == ZYDIS_STATUS_NO_MORE_DATA && n < ARCH_MAX_INSN_BYTES)
		return refuse(ai, "truncated: the instruction runs past the readable bytes");
	if (!ZYAN_SUCCESS(st))
		return refuse(ai, "undecodable bytes");
	ai->len = in.length;

	for (size_t i = 0; i < sizeof(reject_table) / sizeof(reject_table[0]); i++)
		if (in.mnemonic == reject_table[i].mnemonic)
			return refuse(ai, reject_table[i].reason);

	if (in.mnemonic == ZYDIS_MNEMONIC_INT) {
		/*
		 * int $0x80 is the 32-bit system call, and returns to the next
		 * instruction like syscall.  Any other vector (including int
		 * $3) is a deliberate SIGSEGV/SIGTRAP reporting its address.
		 */
		if (ops[0].imm.value.u != 0x80)
			return refuse(ai, "int N: raises a signal by design");
		ai->cls = ARCH_INSN_PLAIN;
		ai->flags |= ARCH_INSN_F_MAY_BLOCK;
		return 0;
	}
	if (in.meta.branch_type == ZYDIS_BRANCH_TYPE_FAR)
		/* lcall/ljmp/lret load CS: a mode switch (e.g. to 32-bit code). */
		return refuse(ai, "far call/jump/return: changes the code segment");
	if (in.attributes & ZYDIS_ATTRIB_IS_PRIVILEGED)
		return refuse(ai, "privileged instruction: faults in user mode");

	relimm = find_relimm(&in, ops);
	if (relimm)
		return analyze_branch(ai, &in, relimm);

	riprel = find_riprel(&in, ops);
	if (riprel) {
		/* Only x32 code uses it; its 4 GiB wrap-around is not worth a class. */
		if (riprel->mem.base == ZYDIS_REGISTER_EIP)
			return refuse(ai, "eip-relative operand (address-size prefix)");
		if (in.raw.disp.size != 32)
			return refuse(ai, "rip-relative operand without a 32-bit displacement");
		ZydisCalcAbsoluteAddress(&in, riprel, addr, &ai->target);
		ai->disp_off = in.raw.disp.offset;
		ai->flags |= ARCH_INSN_F_RIPREL;
		ai->cls = ARCH_INSN_RIPREL;
	}

	switch (in.mnemonic) {
	case ZYDIS_MNEMONIC_CALL:
		return analyze_call_ind(ai, ops);
	case ZYDIS_MNEMONIC_JMP:
	case ZYDIS_MNEMONIC_RET:
		/* Indirect jumps and near returns do not depend on where they run. */
		ai->flags |= ARCH_INSN_F_NO_FALLTHROUGH;
		return 0;
	case ZYDIS_MNEMONIC_SYSCALL:
		ai->cls = ARCH_INSN_SYSCALL;
		ai->flags |= ARCH_INSN_F_MAY_BLOCK;
		return 0;
	case ZYDIS_MNEMONIC_NOP:
	case ZYDIS_MNEMONIC_ENDBR64:
	case ZYDIS_MNEMONIC_ENDBR32:
		if (!riprel) {
			ai->cls = ARCH_INSN_NOP;
			ai->flags |= ARCH_INSN_F_EMULATED;
		}
		return 0;
	case ZYDIS_MNEMONIC_PUSH:
		if (ops[0].type == ZYDIS_OPERAND_TYPE_REGISTER &&
		    ZydisRegisterGetClass(ops[0].reg.value) == ZYDIS_REGCLASS_GPR64) {
			ai->cls = ARCH_INSN_PUSH;
			ai->op = ZydisRegisterGetId(ops[0].reg.value);
			ai->flags |= ARCH_INSN_F_EMULATED;
		}
		return 0;
	default:
		break;
	}
	if (in.attributes & ZYDIS_ATTRIB_IS_RELATIVE && !riprel)
		return refuse(ai, "relative operand of an unknown kind");
	return 0;
}

const char *arch_insn_class_name(const struct arch_insn *ai)
{
	return ai->cls < ARCH_INSN_NR_CLASSES ? insn_ops[ai->cls].name : "?";
}

/* objdump's way: rip-relative operands as written, their address in a comment. */
const char *arch_insn_text(const struct arch_insn *ai, char *buf, size_t size)
{
	ZydisDecodedInstruction in;
	ZydisDecodedOperand ops[ZYDIS_MAX_OPERAND_COUNT];
	ZydisFormatter fmt;
	size_t n;

	if (!size)
		return buf;
	if (!ZYAN_SUCCESS(decode(ai->bytes, ai->len, &in, ops))) {
		snprintf(buf, size, "(bad)");
		return buf;
	}
	ZydisFormatterInit(&fmt, ZYDIS_FORMATTER_STYLE_ATT);
	ZydisFormatterSetProperty(&fmt, ZYDIS_FORMATTER_PROP_ADDR_PADDING_ABSOLUTE,
				  ZYDIS_PADDING_DISABLED);
	ZydisFormatterSetProperty(&fmt, ZYDIS_FORMATTER_PROP_FORCE_RELATIVE_RIPREL, ZYAN_TRUE);
	ZydisFormatterSetProperty(&fmt, ZYDIS_FORMATTER_PROP_HEX_UPPERCASE, ZYAN_FALSE);
	if (!ZYAN_SUCCESS(ZydisFormatterFormatInstruction(&fmt, &in, ops, in.operand_count_visible,
							  buf, size, ai->addr, NULL))) {
		snprintf(buf, size, "(bad)");
		return buf;
	}
	n = strlen(buf);
	if ((ai->flags & ARCH_INSN_F_RIPREL) && n < size)
		snprintf(buf + n, size - n, "  # %#llx", (unsigned long long)ai->target);
	return buf;
}

/*
 * Re-encode the indirect call @ai (call *mem) as the jump to the same
 * target that follows our push of the return address: the operand must
 * then be read 8 bytes further up the stack.  Zydis encodes it, so the
 * addressing form may grow a displacement byte.  Return: length or -errno.
 */
int insn_encode_jmp_ind(const struct arch_insn *ai, uint8_t out[ARCH_MAX_INSN_BYTES])
{
	ZydisDecodedInstruction in;
	ZydisDecodedOperand ops[ZYDIS_MAX_OPERAND_COUNT];
	ZydisEncoderRequest req;
	ZyanUSize len = ARCH_MAX_INSN_BYTES;

	if (!ZYAN_SUCCESS(decode(ai->bytes, ai->len, &in, ops)))
		return -EINVAL;
	if (!ZYAN_SUCCESS(ZydisEncoderDecodedInstructionToEncoderRequest(&in, ops,
				in.operand_count_visible, &req)))
		return -ENOTSUP;
	req.mnemonic = ZYDIS_MNEMONIC_JMP;
	if (req.operands[0].type == ZYDIS_OPERAND_TYPE_MEMORY &&
	    req.operands[0].mem.base == ZYDIS_REGISTER_RSP)
		req.operands[0].mem.displacement += 8;
	if (!ZYAN_SUCCESS(ZydisEncoderEncodeInstruction(&req, out, &len)))
		return -ENOTSUP;
	return (int)len;
}

/*
 * For a rip-relative operand out of reach of the copy: the kernel's
 * technique.  Rewrite "modrm 00 reg 101 (rip)" to "10 reg scratch": the
 * same length, the same disp32, now added to a scratch register that the
 * copy loads with the original next-instruction address.  REX.B, VEX.B
 * and EVEX.B/X are cleared (set, where inverted) so that the scratch is a
 * low register.  Zydis lists hidden operands, so the scratch is one the
 * instruction does not touch at all.  Return: scratch register number
 * (0-7) with @out filled, or -ENOTSUP (the instruction uses the stack
 * pointer, which the copy moves, or no scratch is free).
 */
int insn_riprel_to_scratch(const struct arch_insn *ai, uint8_t out[ARCH_MAX_INSN_BYTES])
{
	static const ZydisRegister candidates[] = {
		ZYDIS_REGISTER_RSI, ZYDIS_REGISTER_RDI, ZYDIS_REGISTER_RBX,
		ZYDIS_REGISTER_RAX, ZYDIS_REGISTER_RCX, ZYDIS_REGISTER_RDX,
	};
	ZydisDecodedInstruction in, chk;
	ZydisDecodedOperand ops[ZYDIS_MAX_OPERAND_COUNT], chk_ops[ZYDIS_MAX_OPERAND_COUNT];
	ZydisRegister scratch = ZYDIS_REGISTER_NONE;
	const ZydisDecodedOperand *mem;
	int id;

	if (!ZYAN_SUCCESS(decode(ai->bytes, ai->len, &in, ops)))
		return -EINVAL;
	if (insn_uses_reg(&in, ops, ZYDIS_REGISTER_RSP) || !(in.attributes & ZYDIS_ATTRIB_HAS_MODRM))
		return -ENOTSUP;
	for (size_t i = 0; i < sizeof(candidates) / sizeof(candidates[0]); i++)
		if (!insn_uses_reg(&in, ops, candidates[i])) {
			scratch = candidates[i];
			break;
		}
	if (scratch == ZYDIS_REGISTER_NONE)
		return -ENOTSUP;
	id = ZydisRegisterGetId(scratch);

	memcpy(out, ai->bytes, ai->len);
	if (in.attributes & ZYDIS_ATTRIB_HAS_REX)
		out[in.raw.rex.offset] &= ~0x01;
	else if (in.attributes & ZYDIS_ATTRIB_HAS_VEX && in.raw.vex.size == 3)
		out[in.raw.vex.offset + 1] |= 0x60;
	else if (in.attributes & ZYDIS_ATTRIB_HAS_XOP)
		out[in.raw.xop.offset + 1] |= 0x60;
	else if (in.attributes & ZYDIS_ATTRIB_HAS_EVEX)
		out[in.raw.evex.offset + 1] |= 0x60;
	out[in.raw.modrm.offset] = 0x80 | (in.raw.modrm.reg << 3) | id;

	/* Trust, but check: same length, same operation, base now the scratch. */
	if (!ZYAN_SUCCESS(decode(out, ai->len, &chk, chk_ops)) || chk.length != in.length ||
	    chk.mnemonic != in.mnemonic)
		return -ENOTSUP;
	mem = NULL;
	for (int i = 0; i < chk.operand_count; i++)
		if (chk_ops[i].type == ZYDIS_OPERAND_TYPE_MEMORY &&
		    chk_ops[i].visibility == ZYDIS_OPERAND_VISIBILITY_EXPLICIT)
			mem = &chk_ops[i];
	if (!mem || mem->mem.base != scratch || mem->mem.index != ZYDIS_REGISTER_NONE ||
	    mem->mem.disp.value != in.raw.disp.value)
		return -ENOTSUP;
	return id;
}

/* Does @ai carry an fs: or gs: override (the only ones that mean anything in 64-bit mode)? */
int insn_has_segment(const struct arch_insn *ai)
{
	ZydisDecodedInstruction in;
	ZydisDecodedOperand ops[ZYDIS_MAX_OPERAND_COUNT];

	return ZYAN_SUCCESS(decode(ai->bytes, ai->len, &in, ops)) &&
	       (in.attributes & (ZYDIS_ATTRIB_HAS_SEGMENT_FS | ZYDIS_ATTRIB_HAS_SEGMENT_GS));
}

/*
 * For scanning a function: the length of the instruction at @code, its
 * relative branch target (0 if none), the code or data address it takes
 * with a rip-relative lea (0 if none: a label's address in a register),
 * and whether it is an indirect jmp.  Return: length, or -EINVAL.
 */
int insn_scan(const uint8_t *code, size_t avail, uint64_t addr, uint64_t *target,
	      uint64_t *lea, int *indirect_jmp)
{
	ZydisDecodedInstruction in;
	ZydisDecodedOperand ops[ZYDIS_MAX_OPERAND_COUNT];
	const ZydisDecodedOperand *imm, *rip;

	if (!ZYAN_SUCCESS(decode(code, avail, &in, ops)))
		return -EINVAL;
	*target = *lea = 0;
	imm = find_relimm(&in, ops);
	if (imm)
		ZydisCalcAbsoluteAddress(&in, imm, addr, target);
	if (in.mnemonic == ZYDIS_MNEMONIC_LEA && (rip = find_riprel(&in, ops)))
		ZydisCalcAbsoluteAddress(&in, rip, addr, lea);
	*indirect_jmp = in.mnemonic == ZYDIS_MNEMONIC_JMP && !imm;
	return in.length;
}

int arch_func_returns(const uint8_t *code, size_t len, uint64_t addr, uint64_t *out, size_t max)
{
	size_t off = 0, n = 0;

	while (off < len) {
		ZydisDecodedInstruction in;
		ZydisDecodedOperand ops[ZYDIS_MAX_OPERAND_COUNT];

		if (!ZYAN_SUCCESS(decode(code + off, len - off, &in, ops)))
			return -EINVAL;
		if (in.mnemonic == ZYDIS_MNEMONIC_RET && in.meta.branch_type != ZYDIS_BRANCH_TYPE_FAR) {
			if (n == max)
				return -E2BIG;
			out[n++] = addr + off;
		}
		off += in.length;
	}
	return (int)n;
}
