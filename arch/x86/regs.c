// SPDX-License-Identifier: GPL-2.0-or-later
/* The x86-64 register names of uprobe_events, as the kernel's ptrace table has them. */
#include <string.h>

#include "regs.h"

#define REG(n) { #n, offsetof(struct xol_regs, n) }

static const struct {
	const char *name;
	int offset;
} reg_table[] = {
	REG(r15), REG(r14), REG(r13), REG(r12), REG(r11), REG(r10),
	REG(r9),  REG(r8),  REG(bx),  REG(cx),  REG(dx),  REG(si),
	REG(di),  REG(bp),  REG(ax),  REG(orig_ax), REG(ip), REG(cs),
	REG(flags), REG(sp), REG(ss),
};

int arch_reg_offset(const char *name, size_t len)
{
	for (size_t i = 0; i < sizeof(reg_table) / sizeof(reg_table[0]); i++)
		if (strlen(reg_table[i].name) == len &&
		    !memcmp(reg_table[i].name, name, len))
			return reg_table[i].offset;
	return -1;
}

const char *arch_reg_name(int offset)
{
	for (size_t i = 0; i < sizeof(reg_table) / sizeof(reg_table[0]); i++)
		if (reg_table[i].offset == offset)
			return reg_table[i].name;
	return NULL;
}
