// SPDX-License-Identifier: GPL-2.0-or-later
/* Functions of an ELF file, by file offset, from its symbol tables (libelf). */
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "arch/x86/arch.h"
#include "elfsym.h"

/* File offset of virtual address @va, through the PT_LOAD headers; ~0 if unmapped. */
static uint64_t va_to_off(Elf *e, uint64_t va)
{
	size_t n;

	if (elf_getphdrnum(e, &n))
		return ~0ull;
	for (size_t i = 0; i < n; i++) {
		GElf_Phdr ph;
		if (gelf_getphdr(e, (int)i, &ph) && ph.p_type == PT_LOAD && va >= ph.p_vaddr &&
		    va < ph.p_vaddr + ph.p_filesz)
			return va - ph.p_vaddr + ph.p_offset;
	}
	return ~0ull;
}

static int scan(Elf *e, Elf_Scn *scn, uint64_t off, struct elf_func *out)
{
	GElf_Shdr sh;
	Elf_Data *d = elf_getdata(scn, NULL);

	if (!gelf_getshdr(scn, &sh) || !d || !sh.sh_entsize)
		return 0;
	size_t n = sh.sh_size / sh.sh_entsize;
	for (size_t i = 0; i < n && !out->len; i++) {
		GElf_Sym s;
		if (!gelf_getsym(d, (int)i, &s) || GELF_ST_TYPE(s.st_info) != STT_FUNC || !s.st_size)
			continue;
		uint64_t fo = va_to_off(e, s.st_value);
		if (fo == ~0ull || off < fo || off >= fo + s.st_size)
			continue;
		const char *name = elf_strptr(e, sh.sh_link, s.st_name);
		out->off = fo;
		out->len = s.st_size;
		snprintf(out->name, sizeof(out->name), "%s", name ? name : "");
	}
	if (!out->len || !out->name[0])
		return out->len != 0;
	/* The cold part GCC split off: FUNC.cold or FUNC.cold.N. */
	size_t nl = strlen(out->name);
	for (size_t i = 0; i < n; i++) {
		GElf_Sym s;
		if (!gelf_getsym(d, (int)i, &s) || !s.st_size)
			continue;
		const char *name = elf_strptr(e, sh.sh_link, s.st_name);
		if (!name || strncmp(name, out->name, nl) || strncmp(name + nl, ".cold", 5))
			continue;
		uint64_t fo = va_to_off(e, s.st_value);
		if (fo != ~0ull) {
			out->cold_off = fo;
			out->cold_len = s.st_size;
			break;
		}
	}
	return 1;
}

/* Go's linker marks its programs with these sections (cgo or not, stripped or not). */
static bool is_go(Elf *e)
{
	static const char *const names[] = { ".note.go.buildid", ".go.buildinfo", ".gopclntab" };
	size_t shstrndx;
	Elf_Scn *scn = NULL;

	if (elf_getshdrstrndx(e, &shstrndx))
		return false;
	while ((scn = elf_nextscn(e, scn))) {
		GElf_Shdr sh;
		const char *name;
		if (!gelf_getshdr(scn, &sh) || !(name = elf_strptr(e, shstrndx, sh.sh_name)))
			continue;
		for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
			if (!strcmp(name, names[i]))
				return true;
	}
	return false;
}

int elf_func_at(const char *path, uint64_t off, struct elf_func *out)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	Elf *e;

	memset(out, 0, sizeof(*out));
	if (fd < 0)
		return -errno;
	elf_version(EV_CURRENT);
	e = elf_begin(fd, ELF_C_READ_MMAP, NULL);
	if (!e || elf_kind(e) != ELF_K_ELF) {
		if (e)
			elf_end(e);
		close(fd);
		return -ENOEXEC;
	}
	out->go = is_go(e);
	for (int pass = 0; pass < 2 && !out->len; pass++) {
		Elf_Scn *scn = NULL;
		while ((scn = elf_nextscn(e, scn)) && !out->len) {
			GElf_Shdr sh;
			if (gelf_getshdr(scn, &sh) &&
			    sh.sh_type == (pass == 0 ? SHT_SYMTAB : SHT_DYNSYM))
				scan(e, scn, off, out);
		}
	}
	elf_end(e);
	close(fd);
	return 0;
}

int elf_func_returns(const char *path, const struct elf_func *f, uint64_t *out, size_t max)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC), n;
	uint8_t *code = malloc(f->len ? f->len : 1);

	if (fd < 0 || !code) {
		n = fd < 0 ? -errno : -ENOMEM;
		goto out;
	}
	if (pread(fd, code, f->len, (off_t)f->off) != (ssize_t)f->len) {
		n = -EIO;
		goto out;
	}
	n = arch_func_returns(code, f->len, f->off, out, max);
out:
	free(code);
	if (fd >= 0)
		close(fd);
	return n;
}
