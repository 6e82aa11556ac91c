// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Interposing late: when the agent is injected into a running process
 * (-p), it is not ahead of libc in symbol lookup, so the program's calls
 * to the functions it interposes (sigaction, pthread_sigmask, ...) would
 * go straight to libc.  got_redirect() points the program's own references
 * at the agent's functions instead: for every loaded object but libc, the
 * dynamic linker and the agent itself, each GOT slot that a JUMP_SLOT or
 * GLOB_DAT relocation binds to one of the names gets the agent's address.
 * The slots may sit in RELRO pages: they are written through
 * /proc/self/mem, as code is.  Calling it again (after a dlopen) patches
 * what is new and rewrites the same value elsewhere.
 */
#include <elf.h>
#include <link.h>
#include <string.h>

#include "agent.h"
#include "got.h"

struct walk {
	const struct got_hook *hooks;
	unsigned n;
	uintptr_t self;          /* an address inside the agent */
	int patched;
};

/* A d_ptr: glibc relocates most of them in place, but not in every object. */
static uintptr_t dyn_ptr(const struct dl_phdr_info *info, uint64_t v)
{
	return v < info->dlpi_addr ? info->dlpi_addr + v : v;
}

static bool contains(const struct dl_phdr_info *info, uintptr_t addr)
{
	for (int i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		uintptr_t lo = info->dlpi_addr + ph->p_vaddr;
		if (ph->p_type == PT_LOAD && addr >= lo && addr < lo + ph->p_memsz)
			return true;
	}
	return false;
}

static bool skipped(const char *name)
{
	const char *base = strrchr(name, '/');

	base = base ? base + 1 : name;
	return !strncmp(base, "libc.so", 7) || !strncmp(base, "ld-linux", 8) ||
	       !strncmp(base, "linux-vdso", 10) || !strncmp(base, "linux-gate", 10);
}

static void relocs(struct walk *w, const struct dl_phdr_info *info, const ElfW(Rela) *r,
		   size_t size, const ElfW(Sym) *symtab, const char *strtab)
{
	for (size_t i = 0; i < size / sizeof(*r); i++) {
		unsigned type = ELF64_R_TYPE(r[i].r_info), sym = ELF64_R_SYM(r[i].r_info);
		if ((type != R_X86_64_JUMP_SLOT && type != R_X86_64_GLOB_DAT) || !sym)
			continue;
		const char *name = strtab + symtab[sym].st_name;
		for (unsigned k = 0; k < w->n; k++) {
			if (strcmp(name, w->hooks[k].name))
				continue;
			uint64_t to = (uint64_t)(uintptr_t)w->hooks[k].fn;
			if (!poke_text(info->dlpi_addr + r[i].r_offset, &to, sizeof(to)))
				w->patched++;
			break;
		}
	}
}

static int object(struct dl_phdr_info *info, size_t size, void *arg)
{
	struct walk *w = arg;
	const ElfW(Dyn) *dyn = NULL;
	const ElfW(Sym) *symtab = NULL;
	const char *strtab = NULL;
	const ElfW(Rela) *rela = NULL, *jmprel = NULL;
	size_t relasz = 0, pltrelsz = 0;

	(void)size;
	if (skipped(info->dlpi_name) || contains(info, w->self))
		return 0;
	for (int i = 0; i < info->dlpi_phnum; i++)
		if (info->dlpi_phdr[i].p_type == PT_DYNAMIC)
			dyn = (const void *)(info->dlpi_addr + info->dlpi_phdr[i].p_vaddr);
	if (!dyn)
		return 0;
	for (; dyn->d_tag != DT_NULL; dyn++) {
		switch (dyn->d_tag) {
		case DT_SYMTAB: symtab = (const void *)dyn_ptr(info, dyn->d_un.d_ptr); break;
		case DT_STRTAB: strtab = (const void *)dyn_ptr(info, dyn->d_un.d_ptr); break;
		case DT_RELA: rela = (const void *)dyn_ptr(info, dyn->d_un.d_ptr); break;
		case DT_RELASZ: relasz = dyn->d_un.d_val; break;
		case DT_JMPREL: jmprel = (const void *)dyn_ptr(info, dyn->d_un.d_ptr); break;
		case DT_PLTRELSZ: pltrelsz = dyn->d_un.d_val; break;
		}
	}
	if (!symtab || !strtab)
		return 0;
	if (rela)
		relocs(w, info, rela, relasz, symtab, strtab);
	if (jmprel)
		relocs(w, info, jmprel, pltrelsz, symtab, strtab);
	return 0;
}

int got_redirect(const struct got_hook *hooks, unsigned n)
{
	struct walk w = { .hooks = hooks, .n = n, .self = (uintptr_t)got_redirect };

	dl_iterate_phdr(object, &w);
	return w.patched;
}
