// SPDX-License-Identifier: GPL-2.0-or-later
/* An ELF file's symbols in one walk (libelf), and the function around a file offset. */
#include <errno.h>
#include <fcntl.h>
#include <libelf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "arch/x86/arch.h"
#include "elfsym.h"

static bool load_has(const GElf_Phdr *ph, uint64_t va)
{
	return ph->p_type == PT_LOAD && va >= ph->p_vaddr && va < ph->p_vaddr + ph->p_filesz;
}

/*
 * File offset of virtual address @va, through the PT_LOAD headers; ~0 if
 * unmapped.  *@last: the header that held the one before, tried first
 * (a table's symbols come in runs of one segment).
 */
static uint64_t va_to_off(const GElf_Phdr *ph, size_t n, uint64_t va, size_t *last)
{
	if (*last < n && load_has(&ph[*last], va))
		return va - ph[*last].p_vaddr + ph[*last].p_offset;
	for (size_t i = 0; i < n; i++)
		if (load_has(&ph[i], va)) {
			*last = i;
			return va - ph[i].p_vaddr + ph[i].p_offset;
		}
	return ~0ull;
}

/* A symbol table's string table: read in place when its last string ends, as it should. */
struct strtab {
	Elf *e;
	size_t ndx;
	const char *p;          /* NULL: through elf_strptr */
	size_t size;
};

static struct strtab strtab_of(Elf *e, size_t ndx)
{
	struct strtab st = { e, ndx, NULL, 0 };
	Elf_Scn *scn = elf_getscn(e, ndx);
	GElf_Shdr sh;
	Elf_Data *d;

	if (scn && gelf_getshdr(scn, &sh) && sh.sh_type == SHT_STRTAB && !(sh.sh_flags & SHF_COMPRESSED) &&
	    (d = elf_getdata(scn, NULL)) && d->d_buf && d->d_size && d->d_size == sh.sh_size &&
	    !((const char *)d->d_buf)[d->d_size - 1]) {
		st.p = d->d_buf;
		st.size = d->d_size;
	}
	return st;
}

static const char *strtab_str(const struct strtab *st, size_t off)
{
	if (!st->p)
		return elf_strptr(st->e, st->ndx, off);
	return off < st->size ? st->p + off : NULL;
}

/* Symbol @i of @d; 64-bit tables copied straight from the data libelf converted. */
static bool get_sym(Elf_Data *d, bool elf64, size_t i, GElf_Sym *s)
{
	if (elf64 && d->d_type == ELF_T_SYM && i < d->d_size / sizeof(Elf64_Sym)) {
		memcpy(s, (const char *)d->d_buf + i * sizeof(Elf64_Sym), sizeof(*s));
		return true;
	}
	return gelf_getsym(d, (int)i, s) != NULL;
}

static bool symbol_table(Elf_Scn *scn, GElf_Shdr *sh)
{
	return gelf_getshdr(scn, sh) && (sh->sh_type == SHT_SYMTAB || sh->sh_type == SHT_DYNSYM) &&
	       sh->sh_entsize;
}

size_t elf_symbols_max(Elf *e)
{
	Elf_Scn *scn = NULL;
	size_t n = 0;

	while ((scn = elf_nextscn(e, scn))) {
		GElf_Shdr sh;
		if (symbol_table(scn, &sh))
			n += sh.sh_size / sh.sh_entsize;
	}
	return n;
}

int elf_symbols(Elf *e, int (*fn)(const struct elf_sym *s, void *data), void *data)
{
	GElf_Phdr *ph = NULL;
	size_t nph = 0, last = 0;
	Elf_Scn *scn = NULL;
	bool elf64 = gelf_getclass(e) == ELFCLASS64;
	int ret = 0;

	if (!elf_getphdrnum(e, &nph) && nph) {
		ph = calloc(nph, sizeof(*ph));
		if (!ph)
			return -ENOMEM;
		for (size_t i = 0; i < nph; i++)
			if (!gelf_getphdr(e, (int)i, &ph[i]))
				ph[i].p_type = PT_NULL;
	}
	while (!ret && (scn = elf_nextscn(e, scn))) {
		GElf_Shdr sh;
		Elf_Data *d;
		struct strtab st;

		if (!symbol_table(scn, &sh) || !(d = elf_getdata(scn, NULL)))
			continue;
		st = strtab_of(e, sh.sh_link);
		for (size_t i = 0; !ret && i < sh.sh_size / sh.sh_entsize; i++) {
			GElf_Sym s;
			const char *name;

			if (!get_sym(d, elf64, i, &s))
				continue;
			name = strtab_str(&st, s.st_name);
			struct elf_sym es = {
				.name = name ? name : "", .value = s.st_value, .size = s.st_size,
				.off = va_to_off(ph, nph, s.st_value, &last), .type = GELF_ST_TYPE(s.st_info),
				.defined = s.st_shndx != SHN_UNDEF, .dynsym = sh.sh_type == SHT_DYNSYM,
			};
			ret = fn(&es, data);
		}
	}
	free(ph);
	return ret;
}

static int append_sym(const struct elf_sym *s, void *data)
{
	struct elf_symtab *t = data;

	if (t->n == t->cap)
		return -ENOMEM;         /* room was made for them all */
	t->v[t->n++] = *s;
	return 0;
}

int elf_symtab_add(struct elf_symtab *t, Elf *e)
{
	size_t max = t->n + elf_symbols_max(e);

	if (max > t->cap) {
		struct elf_sym *v = realloc(t->v, max * sizeof(*v));
		if (!v)
			return -ENOMEM;
		t->v = v;
		t->cap = max;
	}
	return elf_symbols(e, append_sym, t);
}

void elf_symtab_free(struct elf_symtab *t)
{
	free(t->v);
	memset(t, 0, sizeof(*t));
}

bool elf_has_section(Elf *e, const char *const *names, size_t n)
{
	size_t shstrndx;
	Elf_Scn *scn = NULL;

	if (elf_getshdrstrndx(e, &shstrndx))
		return false;
	while ((scn = elf_nextscn(e, scn))) {
		GElf_Shdr sh;
		const char *name;
		if (!gelf_getshdr(scn, &sh) || sh.sh_type == SHT_NOBITS ||
		    !(name = elf_strptr(e, shstrndx, sh.sh_name)))
			continue;
		for (size_t i = 0; i < n; i++)
			if (!strcmp(name, names[i]))
				return true;
	}
	return false;
}

/* Go's linker marks its programs with these sections (cgo or not, stripped or not). */
static bool is_go(Elf *e)
{
	static const char *const names[] = { ".note.go.buildid", ".go.buildinfo", ".gopclntab" };

	return elf_has_section(e, names, sizeof(names) / sizeof(names[0]));
}

/*
 * The files elf_func_at has read, kept open for the process: a session
 * asks once per probe, and a glob makes a thousand probes in one file.
 */
struct elf_file {
	char *path;
	int fd;
	Elf *elf;
	struct elf_symtab syms;
	bool go;                   /* a Go program */
	struct elf_file *next;
};

static struct elf_file *files;

static struct elf_file *file_open(const char *path, int *err)
{
	struct elf_file *f;

	for (f = files; f; f = f->next)
		if (!strcmp(f->path, path))
			return f;
	f = calloc(1, sizeof(*f));
	if (!f) {
		*err = -ENOMEM;
		return NULL;
	}
	f->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (f->fd < 0) {
		*err = -errno;
		free(f);
		return NULL;
	}
	elf_version(EV_CURRENT);
	f->elf = elf_begin(f->fd, ELF_C_READ_MMAP, NULL);
	if (!f->elf || elf_kind(f->elf) != ELF_K_ELF || !(f->path = strdup(path)) ||
	    elf_symtab_add(&f->syms, f->elf)) {
		*err = f->elf && elf_kind(f->elf) == ELF_K_ELF ? -ENOMEM : -ENOEXEC;
		if (f->elf)
			elf_end(f->elf);
		close(f->fd);
		elf_symtab_free(&f->syms);
		free(f->path);
		free(f);
		return NULL;
	}
	f->go = is_go(f->elf);
	f->next = files;
	files = f;
	return f;
}

/* In one table (.symtab or .dynsym): the first sized function holding @off, then its .cold part. */
static bool func_in(const struct elf_symtab *t, bool dynsym, uint64_t off, struct elf_func *out)
{
	const struct elf_sym *fn = NULL;
	size_t nl;

	for (size_t i = 0; i < t->n && !fn; i++) {
		const struct elf_sym *s = &t->v[i];
		if (s->dynsym == dynsym && s->type == STT_FUNC && s->size && s->off != ~0ull &&
		    off >= s->off && off < s->off + s->size)
			fn = s;
	}
	if (!fn)
		return false;
	out->off = fn->off;
	out->len = fn->size;
	snprintf(out->name, sizeof(out->name), "%s", fn->name);
	if (!out->name[0])
		return true;
	/* The cold part GCC split off: FUNC.cold or FUNC.cold.N. */
	nl = strlen(out->name);
	for (size_t i = 0; i < t->n; i++) {
		const struct elf_sym *s = &t->v[i];
		if (s->dynsym != dynsym || !s->size || strncmp(s->name, out->name, nl) ||
		    strncmp(s->name + nl, ".cold", 5) || s->off == ~0ull)
			continue;
		out->cold_off = s->off;
		out->cold_len = s->size;
		break;
	}
	return true;
}

int elf_func_at(const char *path, uint64_t off, struct elf_func *out)
{
	int err = 0;
	struct elf_file *f = file_open(path, &err);

	memset(out, 0, sizeof(*out));
	if (!f)
		return err;
	out->go = f->go;
	if (!func_in(&f->syms, false, off, out))
		func_in(&f->syms, true, off, out);
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
