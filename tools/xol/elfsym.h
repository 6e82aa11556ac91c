/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Functions of an ELF file, by file offset: what the jump path needs to know. */
#ifndef XOL_TOOLS_ELFSYM_H
#define XOL_TOOLS_ELFSYM_H

#include <stdint.h>

/* A function and the split-off part GCC names FUNC.cold, as file offsets. */
struct elf_func {
	uint64_t off, len;          /* len 0: no symbol covers the offset */
	uint64_t cold_off, cold_len;
	char name[128];
};

/*
 * elf_func_at - the function of @path (from .symtab, else .dynsym) whose
 * bytes contain file offset @off.  Returns 0 (out->len 0 if none), or
 * -errno if the file cannot be read as ELF.
 */
int elf_func_at(const char *path, uint64_t off, struct elf_func *out);

#endif
