/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * An ELF file's symbols, read in one walk and kept: what xol probe (functions
 * by name, the symbol at an address), the SDT reader (a semaphore's address)
 * and the jump path (the function around a probe, by file offset) look up.
 */
#ifndef XOL_TOOLS_ELFSYM_H
#define XOL_TOOLS_ELFSYM_H

#include <gelf.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct elf_sym {
	const char *name;           /* never NULL; "" if it has none */
	uint64_t value, size;
	uint64_t off;               /* file offset of value through PT_LOAD (p_filesz); ~0 if unmapped */
	unsigned char type;         /* STT_* */
	bool defined;               /* st_shndx != SHN_UNDEF */
	bool dynsym;                /* from .dynsym, else .symtab */
};

/* The symbols of one or more files, in file, section and table order. */
struct elf_symtab {
	struct elf_sym *v;
	size_t n, cap;
};

/* Whether @e has a section (with contents) named one of @names. */
bool elf_has_section(Elf *e, const char *const *names, size_t n);

/*
 * Each symbol of @e's .symtab and .dynsym sections, in section and table
 * order, to @fn (@s lives for the call): 0, the first nonzero return of
 * @fn, or -ENOMEM.  Nothing kept: one look at thousands of symbols costs
 * no copy of them.
 */
int elf_symbols(Elf *e, int (*fn)(const struct elf_sym *s, void *data), void *data);
/* How many symbols elf_symbols() gives at most. */
size_t elf_symbols_max(Elf *e);
/* Append every symbol of @e's .symtab and .dynsym sections.  0 or -ENOMEM. */
int elf_symtab_add(struct elf_symtab *t, Elf *e);
void elf_symtab_free(struct elf_symtab *t);

/* A function and the split-off part GCC names FUNC.cold, as file offsets. */
struct elf_func {
	uint64_t off, len;          /* len 0: no symbol covers the offset */
	uint64_t cold_off, cold_len;
	char name[128];
	bool go;                    /* the file is a Go program (its own ABI and stacks) */
};

/*
 * elf_func_at - the function of @path (from .symtab, else .dynsym) whose
 * bytes contain file offset @off.  Each file is read once per process.
 * Returns 0 (out->len 0 if none), or -errno if the file cannot be read as ELF.
 */
int elf_func_at(const char *path, uint64_t off, struct elf_func *out);

/*
 * elf_func_returns - the file offsets of the ret instructions of @f (a
 * function of @path, as elf_func_at() found it) into @out, at most @max.
 * Returns how many, or -errno (-EINVAL: bytes that do not decode).
 */
int elf_func_returns(const char *path, const struct elf_func *f, uint64_t *out, size_t max);

#endif
