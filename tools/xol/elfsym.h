/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Functions of an ELF file, by file offset: what the jump path needs to know. */
#ifndef XOL_TOOLS_ELFSYM_H
#define XOL_TOOLS_ELFSYM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A function and the split-off part GCC names FUNC.cold, as file offsets. */
struct elf_func {
	uint64_t off, len;          /* len 0: no symbol covers the offset */
	uint64_t cold_off, cold_len;
	char name[128];
	bool go;                    /* the file is a Go program (its own ABI and stacks) */
};

/*
 * elf_func_at - the function of @path (from .symtab, else .dynsym) whose
 * bytes contain file offset @off.  Returns 0 (out->len 0 if none), or
 * -errno if the file cannot be read as ELF.
 */
int elf_func_at(const char *path, uint64_t off, struct elf_func *out);

/*
 * elf_func_returns - the file offsets of the ret instructions of @f (a
 * function of @path, as elf_func_at() found it) into @out, at most @max.
 * Returns how many, or -errno (-EINVAL: bytes that do not decode).
 */
int elf_func_returns(const char *path, const struct elf_func *f, uint64_t *out, size_t max);

#endif
