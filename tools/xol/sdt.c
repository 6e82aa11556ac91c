// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * SDT markers (<sys/sdt.h>, "USDT"): the .note.stapsdt notes, each a
 * provider, a name, the marker's address, its semaphore's address and its
 * arguments in GNU assembler syntax ("-4@%edi 8@-16(%rbp)").  They become
 * uprobe_events probes with args arg1..argN and the semaphore as
 * (REF_CTR_OFFSET), which the engine increments while the probe is armed.
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "probe-find.h"

#define NT_STAPSDT 3

static uint64_t rd64(const unsigned char *p)
{
	uint64_t v;

	memcpy(&v, p, 8);
	return v;
}

int sdt_read(struct pbin *b, struct sdt_note **notes, int *n)
{
	size_t shstrndx;
	Elf_Scn *scn = NULL;
	uint64_t base_addr = 0;
	bool have_base = false;
	int cap = 0;

	*notes = NULL;
	*n = 0;
	if (elf_getshdrstrndx(b->elf, &shstrndx))
		return -EINVAL;
	while ((scn = elf_nextscn(b->elf, scn))) {
		GElf_Shdr sh;
		const char *name;
		if (gelf_getshdr(scn, &sh) && (name = elf_strptr(b->elf, shstrndx, sh.sh_name)) &&
		    !strcmp(name, ".stapsdt.base")) {
			base_addr = sh.sh_addr;
			have_base = true;
		}
	}
	scn = NULL;
	while ((scn = elf_nextscn(b->elf, scn))) {
		GElf_Shdr sh;
		Elf_Data *d;
		const char *name;
		size_t off = 0, noff, doff;
		GElf_Nhdr nh;

		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_NOTE ||
		    !(name = elf_strptr(b->elf, shstrndx, sh.sh_name)) || strcmp(name, ".note.stapsdt") ||
		    !(d = elf_getdata(scn, NULL)))
			continue;
		while ((off = gelf_getnote(d, off, &nh, &noff, &doff)) > 0) {
			const unsigned char *desc = (const unsigned char *)d->d_buf + doff;
			const char *s, *end;
			struct sdt_note *sn;
			if (nh.n_type != NT_STAPSDT || nh.n_namesz != 8 ||
			    memcmp((const char *)d->d_buf + noff, "stapsdt", 8) || nh.n_descsz < 24 + 3)
				continue;
			if (*n == cap) {
				cap = cap ? cap * 2 : 16;
				*notes = realloc(*notes, (size_t)cap * sizeof(**notes));
			}
			sn = &(*notes)[(*n)++];
			memset(sn, 0, sizeof(*sn));
			sn->pc = rd64(desc);
			sn->sem = rd64(desc + 16);
			if (have_base) {
				/* prelink moves the code: the note's base says by how much */
				uint64_t nb = rd64(desc + 8);
				sn->pc += base_addr - nb;
				if (sn->sem)
					sn->sem += base_addr - nb;
			}
			s = (const char *)desc + 24;
			end = (const char *)desc + nh.n_descsz;
			sn->provider = strndup(s, (size_t)(end - s));
			s += strlen(sn->provider) + 1;
			sn->name = strndup(s < end ? s : "", s < end ? (size_t)(end - s) : 0);
			s += strlen(sn->name) + 1;
			sn->args = strndup(s < end ? s : "", s < end ? (size_t)(end - s) : 0);
			sn->off = pbin_va_to_off(b, sn->pc);
			sn->sem_off = sn->sem ? pbin_va_to_off(b, sn->sem) : 0;
		}
	}
	return 0;
}

void sdt_free(struct sdt_note *notes, int n)
{
	for (int i = 0; i < n; i++) {
		free(notes[i].provider);
		free(notes[i].name);
		free(notes[i].args);
	}
	free(notes);
}

/* x86-64 register names of every width, to the uprobe_events name. */
static const char *sdt_reg(const char *r, size_t len)
{
	static const struct {
		const char *names[4];
		const char *to;
	} regs[] = {
		{ { "rax", "eax", "ax", "al" }, "%ax" }, { { "rbx", "ebx", "bx", "bl" }, "%bx" },
		{ { "rcx", "ecx", "cx", "cl" }, "%cx" }, { { "rdx", "edx", "dx", "dl" }, "%dx" },
		{ { "rsi", "esi", "si", "sil" }, "%si" }, { { "rdi", "edi", "di", "dil" }, "%di" },
		{ { "rbp", "ebp", "bp", "bpl" }, "%bp" }, { { "rsp", "esp", "sp", "spl" }, "%sp" },
		{ { "r8", "r8d", "r8w", "r8b" }, "%r8" }, { { "r9", "r9d", "r9w", "r9b" }, "%r9" },
		{ { "r10", "r10d", "r10w", "r10b" }, "%r10" }, { { "r11", "r11d", "r11w", "r11b" }, "%r11" },
		{ { "r12", "r12d", "r12w", "r12b" }, "%r12" }, { { "r13", "r13d", "r13w", "r13b" }, "%r13" },
		{ { "r14", "r14d", "r14w", "r14b" }, "%r14" }, { { "r15", "r15d", "r15w", "r15b" }, "%r15" },
		{ { "rip", "eip", "ip", NULL }, "%ip" },
	};

	for (size_t i = 0; i < sizeof(regs) / sizeof(regs[0]); i++)
		for (int k = 0; k < 4; k++)
			if (regs[i].names[k] && strlen(regs[i].names[k]) == len &&
			    !strncmp(regs[i].names[k], r, len))
				return regs[i].to;
	return NULL;
}

static bool sym_addr(struct pbin *b, const char *name, size_t len, uint64_t *addr)
{
	const struct elf_symtab *t = pbin_syms(b);

	for (size_t i = 0; t && i < t->n; i++)
		if (t->v[i].defined && strlen(t->v[i].name) == len && !strncmp(t->v[i].name, name, len)) {
			*addr = t->v[i].value;
			return true;
		}
	return false;
}

char *sdt_convert_args(struct pbin *b, const struct sdt_note *s, FILE *err)
{
	char *out = strdup(""), *p = s->args;
	int idx = 0;

	while (p && *p) {
		char *tok, *at, fetch[256], type[16], *o;
		long size;
		size_t tl;

		while (isspace((unsigned char)*p))
			p++;
		if (!*p)
			break;
		tok = p;
		while (*p && !isspace((unsigned char)*p))
			p++;
		tl = (size_t)(p - tok);
		idx++;
		at = memchr(tok, '@', tl);
		if (!at) {
			size = 8;
			at = tok - 1;
		} else {
			size = strtol(tok, NULL, 10);
		}
		char *op = at + 1, *opend = tok + tl;
		long bits = (size < 0 ? -size : size) * 8;
		if (bits != 8 && bits != 16 && bits != 32 && bits != 64)
			bits = 64;
		snprintf(type, sizeof(type), "%c%ld", size < 0 ? 's' : 'u', bits);
		if (op[0] == '%') {
			const char *r = sdt_reg(op + 1, (size_t)(opend - op - 1));
			if (!r)
				goto bad;
			snprintf(fetch, sizeof(fetch), "%s", r);
		} else if (op[0] == '$') {
			snprintf(fetch, sizeof(fetch), "\\%.*s", (int)(opend - op - 1), op + 1);
		} else {
			/* DISP(%REG) or SYM[+N](%rip) */
			char *lp = memchr(op, '(', (size_t)(opend - op)), *rp;
			if (!lp || !(rp = memchr(lp, ')', (size_t)(opend - lp))) || memchr(lp, ',', (size_t)(rp - lp)))
				goto bad;
			const char *r = sdt_reg(lp + 2, (size_t)(rp - lp - 2));
			if (!r || lp[1] != '%')
				goto bad;
			if (!strcmp(r, "%ip")) {
				uint64_t a;
				char *plus = memchr(op, '+', (size_t)(lp - op));
				long add = plus ? strtol(plus + 1, NULL, 0) : 0;
				size_t nl = (size_t)((plus ? plus : lp) - op);
				if (!sym_addr(b, op, nl, &a))
					goto bad;
				uint64_t seg = s->pc - s->off;
				snprintf(fetch, sizeof(fetch), "@+0x%llx", (unsigned long long)(a + (uint64_t)add - seg));
			} else {
				long disp = lp == op ? 0 : strtol(op, NULL, 0);
				snprintf(fetch, sizeof(fetch), "%+ld(%s)", disp, r);
			}
		}
		o = out;
		if (asprintf(&out, "%s arg%d=%s:%s", o, idx, fetch, type) < 0) {
			free(o);
			return NULL;
		}
		free(o);
		continue;
bad:
		fprintf(err, "xol probe: %s: SDT marker %s:%s: cannot read its argument %d '%.*s'\n", b->path,
			s->provider, s->name, idx, (int)tl, tok);
		free(out);
		return NULL;
	}
	return out;
}
