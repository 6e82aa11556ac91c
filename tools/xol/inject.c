// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The agent of static programs, loaded by xol itself (-p PID of a static
 * binary, or one launched): there is no dynamic linker in the process to
 * ask, so xol lays out xol-agent-static.so and the libZydis.so it needs as
 * they will be in memory, relocates them for the addresses the process
 * gave, and the session (attach.c) maps them there.
 *
 * Only what a linker of -shared objects without TLS or IFUNCs emits is
 * supported: R_X86_64_RELATIVE, _64, _GLOB_DAT and _JUMP_SLOT, resolved
 * in the order agent, Zydis (the agent defines the few libc functions
 * Zydis calls).  Anything else is refused, naming the relocation.
 */
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <elf.h>

#include "inject.h"
#include "zydis.h"

static int image_read(struct inject_image *im, const char *path)
{
	GElf_Ehdr eh;
	size_t nph;
	int err = -ENOEXEC;

	snprintf(im->path, sizeof(im->path), "%s", path);
	im->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (im->fd < 0)
		return -errno;
	elf_version(EV_CURRENT);
	im->elf = elf_begin(im->fd, ELF_C_READ_MMAP, NULL);
	if (!im->elf || !gelf_getehdr(im->elf, &eh) || eh.e_type != ET_DYN ||
	    eh.e_machine != EM_X86_64 || elf_getphdrnum(im->elf, &nph))
		return err;
	for (size_t i = 0; i < nph; i++) {
		GElf_Phdr ph;
		if (!gelf_getphdr(im->elf, (int)i, &ph))
			return err;
		if (ph.p_type == PT_TLS)
			return -ENOTSUP;
		if (ph.p_type != PT_LOAD)
			continue;
		if (im->nseg == INJECT_MAX_SEGS)
			return err;
		im->seg[im->nseg++] = ph;
		if (ph.p_vaddr + ph.p_memsz > im->span)
			im->span = ph.p_vaddr + ph.p_memsz;
	}
	im->span = (im->span + 4095) & ~4095ull;
	if (!im->nseg || im->seg[0].p_vaddr != 0)
		return err;
	im->mem = calloc(1, im->span);
	if (!im->mem)
		return -ENOMEM;
	for (unsigned i = 0; i < im->nseg; i++) {
		const GElf_Phdr *ph = &im->seg[i];
		if (pread(im->fd, im->mem + ph->p_vaddr, ph->p_filesz, (off_t)ph->p_offset) !=
		    (ssize_t)ph->p_filesz)
			return -EIO;
	}
	return 0;
}

int inject_open(struct inject *j, const char *agent_path)
{
	/* The Zydis this xol runs with: the agent was linked against the same. */
	const char *zydis = zydis_file();
	int err;

	memset(j, 0, sizeof(*j));
	j->im[0].fd = j->im[1].fd = -1;
	if (!zydis)
		return -ENOENT;
	err = image_read(&j->im[0], agent_path);
	if (!err)
		err = image_read(&j->im[1], zydis);
	j->nim = 2;
	return err;
}

/* The address of @name in the loaded images (agent first), 0 if undefined. */
static int lookup(const struct inject *j, const char *name, uint64_t *addr)
{
	for (unsigned k = 0; k < j->nim; k++) {
		const struct inject_image *im = &j->im[k];
		Elf_Scn *scn = NULL;

		while ((scn = elf_nextscn(im->elf, scn))) {
			GElf_Shdr sh;
			if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_DYNSYM)
				continue;
			Elf_Data *d = elf_getdata(scn, NULL);
			size_t n = sh.sh_entsize ? sh.sh_size / sh.sh_entsize : 0;
			for (size_t i = 1; d && i < n; i++) {
				GElf_Sym s;
				if (!gelf_getsym(d, (int)i, &s) || s.st_shndx == SHN_UNDEF ||
				    GELF_ST_BIND(s.st_info) == STB_LOCAL)
					continue;
				const char *sn = elf_strptr(im->elf, sh.sh_link, s.st_name);
				if (sn && !strcmp(sn, name)) {
					*addr = im->base + s.st_value;
					return 0;
				}
			}
		}
	}
	return -ENOENT;
}

uint64_t inject_symbol(const struct inject *j, const char *name)
{
	uint64_t a = 0;

	return lookup(j, name, &a) ? 0 : a;
}

static int relocate_one(struct inject *j, struct inject_image *im, Elf_Scn *scn,
			const GElf_Shdr *sh, char *why, size_t whylen)
{
	Elf_Data *d = elf_getdata(scn, NULL);
	size_t n = sh->sh_entsize ? sh->sh_size / sh->sh_entsize : 0;
	Elf_Scn *symscn = elf_getscn(im->elf, sh->sh_link);
	GElf_Shdr symsh;
	Elf_Data *syms = symscn ? elf_getdata(symscn, NULL) : NULL;

	if (!d || !symscn || !gelf_getshdr(symscn, &symsh))
		return -ENOEXEC;
	for (size_t i = 0; i < n; i++) {
		GElf_Rela r;
		uint64_t val, sym_addr = 0;
		unsigned type;

		if (!gelf_getrela(d, (int)i, &r))
			return -ENOEXEC;
		type = (unsigned)GELF_R_TYPE(r.r_info);
		if (r.r_offset + 8 > im->span)
			return -ENOEXEC;
		if (type == R_X86_64_NONE)
			continue;
		if (type != R_X86_64_RELATIVE) {
			GElf_Sym s;
			const char *name;
			if (!syms || !gelf_getsym(syms, (int)GELF_R_SYM(r.r_info), &s))
				return -ENOEXEC;
			name = elf_strptr(im->elf, symsh.sh_link, s.st_name);
			if (!name || lookup(j, name, &sym_addr)) {
				if (GELF_ST_BIND(s.st_info) != STB_WEAK) {
					snprintf(why, whylen, "%s: undefined symbol %s", im->path,
						 name ? name : "?");
					return -ENOENT;
				}
				sym_addr = 0;
			}
		}
		switch (type) {
		case R_X86_64_RELATIVE:
			val = im->base + (uint64_t)r.r_addend;
			break;
		case R_X86_64_64:
			val = sym_addr + (uint64_t)r.r_addend;
			break;
		case R_X86_64_GLOB_DAT:
		case R_X86_64_JUMP_SLOT:
			val = sym_addr;
			break;
		default:
			snprintf(why, whylen, "%s: relocation type %u is not supported", im->path, type);
			return -ENOTSUP;
		}
		memcpy(im->mem + r.r_offset, &val, 8);
	}
	return 0;
}

int inject_relocate(struct inject *j, char *why, size_t whylen)
{
	for (unsigned k = 0; k < j->nim; k++) {
		struct inject_image *im = &j->im[k];
		Elf_Scn *scn = NULL;

		while ((scn = elf_nextscn(im->elf, scn))) {
			GElf_Shdr sh;
			if (!gelf_getshdr(scn, &sh))
				return -ENOEXEC;
			if (sh.sh_type == SHT_REL) {
				snprintf(why, whylen, "%s: REL relocations are not supported", im->path);
				return -ENOTSUP;
			}
			if (sh.sh_type != SHT_RELA)
				continue;
			int err = relocate_one(j, im, scn, &sh, why, whylen);
			if (err)
				return err;
		}
	}
	return 0;
}

void inject_close(struct inject *j)
{
	for (unsigned k = 0; k < INJECT_MAX_IMAGES; k++) {
		struct inject_image *im = &j->im[k];
		if (im->elf)
			elf_end(im->elf);
		if (im->fd >= 0)
			close(im->fd);
		free(im->mem);
	}
	memset(j, 0, sizeof(*j));
}
