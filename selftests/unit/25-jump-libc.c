// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The jump path over this machine's libc: every function entry (each
 * address of an STT_FUNC symbol of its .dynsym) goes through the decision
 * the agent makes for a probe there, on the libc this test runs with,
 * mapped by the dynamic linker at its real layout with its relocations
 * applied:
 *
 *   function bounds   elf_func_at() (tools/xol/elfsym.c), as the session sends them
 *   decision          arch_decide_jump() on the live bytes, jump tables read from memory
 *
 *  - at least 95% of the entries get the jump path; the refusals are
 *    listed by reason, as TAP diagnostics, with the share of each
 *  - the same without reading tables (how it was before), for comparison
 *  - jump tables, resolved: a switch whose case lands inside the
 *    displaced range refuses; one that does not is fine; a jmp through an
 *    unknown register still refuses
 */
#include <dlfcn.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include "arch/x86/arch.h"
#include "../../tools/xol/elfsym.c"
#include "tap.h"

static int memfd = -1;

/* What core/site.c's read_text() does: /proc/self/mem, failing where nothing is mapped. */
static int read_mem(void *ctx, uint64_t addr, void *buf, size_t len)
{
	(void)ctx;
	if ((int64_t)addr < 0)
		return -EFAULT;
	return pread(memfd, buf, len, (off_t)addr) == (ssize_t)len ? 0 : -EFAULT;
}

/* The executable mapping of @path: start, end, start - file offset. */
static int find_text(const char *path, uint64_t *start, uint64_t *end, uint64_t *base)
{
	FILE *f = fopen("/proc/self/maps", "r");
	char line[4096];
	int found = 0;

	if (!f)
		return -1;
	while (!found && fgets(line, sizeof(line), f)) {
		unsigned long s, e, off;
		char perms[8], file[4096] = "", real[4096];

		if (sscanf(line, "%lx-%lx %7s %lx %*s %*s %4095s", &s, &e, perms, &off, file) < 4)
			continue;
		if (perms[2] == 'x' && realpath(file, real) && !strcmp(real, path)) {
			*start = s;
			*end = e;
			*base = s - off;
			found = 1;
		}
	}
	fclose(f);
	return found ? 0 : -1;
}

struct reasons {
	const char *why[64];
	long n[64];
	unsigned nr;
};

static void count(struct reasons *r, const char *why)
{
	for (unsigned i = 0; i < r->nr; i++)
		if (!strcmp(r->why[i], why)) {
			r->n[i]++;
			return;
		}
	if (r->nr < 64) {
		r->why[r->nr] = why;
		r->n[r->nr++] = 1;
	}
}

static void print_reasons(const struct reasons *r, long total, const char *label)
{
	int done[64] = { 0 };

	for (unsigned k = 0; k < r->nr; k++) {
		unsigned best = 0;
		long bn = -1;
		for (unsigned i = 0; i < r->nr; i++)
			if (!done[i] && r->n[i] > bn) {
				bn = r->n[i];
				best = i;
			}
		done[best] = 1;
		printf("#   %s %5ld  %5.2f%%  %s\n", label, r->n[best], 100.0 * r->n[best] / total,
		       r->why[best]);
	}
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/*
 * The decision of core/site.c's site_jump() for a probe at file offset
 * @off: NULL for the jump path, else why not.  @tables 0: no table read.
 */
static const char *decide(const char *path, uint64_t off, uint64_t base, uint64_t map_end,
			  int tables)
{
	static struct arch_jump aj;
	struct elf_func f;
	uint64_t site = base + off, where;
	size_t avail = map_end - site < 32 ? map_end - site : 32;

	if (elf_func_at(path, off, &f) || !f.len)
		return "no symbol covers the site, so the branches around it are unknown";
	const struct arch_code_range fn[2] = {
		{ (const uint8_t *)(base + f.off), base + f.off, f.len },
		{ (const uint8_t *)(base + f.cold_off), base + f.cold_off, f.cold_len },
	};
	if (arch_decide_jump(&aj, (const uint8_t *)site, avail, site, fn, f.cold_len ? 2 : 1,
			     tables ? read_mem : NULL, NULL, &where)) {
		if (tables && getenv("XOL_TEST_VERBOSE"))
			printf("# refused %s+%#lx (offset %#lx), at %#lx: %s\n", f.name,
			       (unsigned long)(off - f.off), (unsigned long)off,
			       (unsigned long)(where - base), aj.reason);
		return aj.reason ? aj.reason : "out of memory";
	}
	return NULL;
}

static void test_libc(void)
{
	Dl_info di;
	char path[4096];
	uint64_t start, end, base;

	if (!dladdr((void *)printf, &di) || !realpath(di.dli_fname, path) ||
	    find_text(path, &start, &end, &base)) {
		ok(0, "libc and its text mapping found");
		return;
	}
	printf("# %s, text at %#lx-%#lx\n", path, (unsigned long)start, (unsigned long)end);

	int fd = open(path, O_RDONLY | O_CLOEXEC);
	Elf *e;
	struct elf_symtab syms = { 0 };
	uint64_t *offs = NULL;
	size_t noffs = 0;

	elf_version(EV_CURRENT);
	e = fd < 0 ? NULL : elf_begin(fd, ELF_C_READ_MMAP, NULL);
	if (e && !elf_symtab_add(&syms, e))
		offs = calloc(syms.n + 1, sizeof(*offs));
	for (size_t i = 0; offs && i < syms.n; i++) {
		const struct elf_sym *s = &syms.v[i];
		if (s->dynsym && s->type == STT_FUNC && s->defined && s->off != ~0ull &&
		    base + s->off >= start && base + s->off < end)
			offs[noffs++] = s->off;
	}
	elf_symtab_free(&syms);
	if (e)
		elf_end(e);
	if (fd >= 0)
		close(fd);
	if (!ok(noffs > 100, "libc's function symbols read (%zu)", noffs))
		return;
	qsort(offs, noffs, sizeof(*offs), cmp_u64);
	size_t u = 0;
	for (size_t i = 0; i < noffs; i++)
		if (!u || offs[i] != offs[u - 1])
			offs[u++] = offs[i];
	noffs = u;

	struct reasons before = { 0 }, after = { 0 };
	long jump_before = 0, jump_after = 0;
	for (size_t i = 0; i < noffs; i++) {
		const char *why = decide(path, offs[i], base, end, 0);
		if (why)
			count(&before, why);
		else
			jump_before++;
		why = decide(path, offs[i], base, end, 1);
		if (why)
			count(&after, why);
		else
			jump_after++;
	}
	printf("# %zu function entries (distinct addresses of STT_FUNC in .dynsym)\n", noffs);
	printf("# without reading jump tables: %ld jump (%.2f%%), refused:\n", jump_before,
	       100.0 * jump_before / noffs);
	print_reasons(&before, noffs, "before");
	printf("# jump tables read: %ld jump (%.2f%%), refused:\n", jump_after,
	       100.0 * jump_after / noffs);
	print_reasons(&after, noffs, "after ");
	ok(jump_after >= jump_before, "reading jump tables never refuses more (%ld >= %ld)",
	   jump_after, jump_before);
	ok(jump_after * 100 >= (long)noffs * 95,
	   "at least 95%% of libc's function entries get the jump path (%.2f%%)",
	   100.0 * jump_after / noffs);
	free(offs);
}

/* ---- jump tables, on small functions ------------------------------------ */

/*
 * A PIC switch at FN, its table at TBL (4-byte entries relative to TBL):
 *
 *   0  endbr64
 *   4  cmp $2,%edi ; ja 25
 *  12  lea TBL(%rip),%rdx ; movslq (%rdx,%rdi,4),%rax ; add %rdx,%rax ; jmp *%rax
 *  29  case 0: nop ; ret   (30: ret)  ...
 */
static uint8_t sw_code[64] = {
	0xf3, 0x0f, 0x1e, 0xfa,				/*  0: endbr64 */
	0x83, 0xff, 0x02,				/*  4: cmp $2,%edi */
	0x0f, 0x87, 0x14, 0x00, 0x00, 0x00,		/*  7: ja 33 */
	0x48, 0x8d, 0x15, 0x00, 0x00, 0x00, 0x00,	/* 13: lea TBL(%rip),%rdx */
	0x48, 0x63, 0x04, 0xba,				/* 20: movslq (%rdx,%rdi,4),%rax */
	0x48, 0x01, 0xd0,				/* 24: add %rdx,%rax */
	0xff, 0xe0,					/* 27: jmp *%rax */
	0x90, 0x90, 0x90, 0x90,				/* 29: cases */
	0xc3,						/* 33: default: ret */
};
static int32_t sw_table[3 + 1];

static int fake_read(void *ctx, uint64_t addr, void *buf, size_t len)
{
	(void)ctx;
	if (addr < (uint64_t)sw_table || addr + len > (uint64_t)(sw_table + 4))
		return -EFAULT;
	memcpy(buf, (void *)addr, len);
	return 0;
}

static const char *check_switch(int32_t case0, int32_t case1, int32_t case2, int32_t after,
				int tables, uint64_t *where)
{
	static struct arch_jump aj;
	uint64_t fn = (uint64_t)sw_code, t = (uint64_t)sw_table;
	int32_t rel = (int32_t)(t - (fn + 20));
	struct arch_code_range r = { sw_code, fn, 34 };

	memcpy(sw_code + 16, &rel, 4);
	sw_table[0] = (int32_t)(fn + case0 - t);
	sw_table[1] = (int32_t)(fn + case1 - t);
	sw_table[2] = (int32_t)(fn + case2 - t);
	sw_table[3] = (int32_t)(fn + after - t);
	if (arch_decide_jump(&aj, sw_code, sizeof(sw_code), fn, &r, 1,
			     tables ? fake_read : NULL, NULL, where))
		return aj.reason;
	return NULL;
}

static void test_tables(void)
{
	uint64_t where = 0, fn = (uint64_t)sw_code;
	const char *why;

	/* the entry displaces endbr64 + cmp: 0..7 */
	why = check_switch(29, 30, 31, 32, 1, &where);
	ok(!why, "switch: cases after the displaced range: jump (%s)", why ? why : "jump");
	why = check_switch(29, 4, 31, 32, 1, &where);
	ok(why && !strcmp(why, "a jump table in the function targets the displaced range") &&
	   where == fn + 27, "switch: a case at +4, inside the displaced range: refused (%s)",
	   why ? why : "jump");
	/* the bound is cmp $2 / ja: 3 entries; the fourth is not one */
	why = check_switch(29, 30, 31, 4, 1, &where);
	ok(!why, "switch: the word after the table is not read (%s)", why ? why : "jump");
	why = check_switch(29, 30, 31, 32, 0, &where);
	ok(why && !strcmp(why, "an indirect jump in the function may target the displaced range"),
	   "switch: tables that cannot be read: refused (%s)", why ? why : "jump");

	/* no bound: the table is read while its targets stay in the function */
	memcpy(sw_code + 4, "\x90\x90\x90\x90\x90\x90\x90\x90\x90", 9);
	why = check_switch(29, 30, 31, 100, 1, &where);
	ok(!why, "switch without a bound: read until a target leaves the function (%s)",
	   why ? why : "jump");
	why = check_switch(29, 30, 31, 4, 1, &where);	/* now endbr64 + nop: 0..5 */
	ok(why && !strcmp(why, "a jump table in the function targets the displaced range"),
	   "switch without a bound: a word after the table that looks like a case counts (%s)",
	   why ? why : "jump");

	/* a jmp through a register nothing in its block sets */
	memcpy(sw_code + 13, "\x90\x90\x90\x90\x90\x90\x90\x90\x90\x90\x90", 11);
	why = check_switch(29, 30, 31, 32, 1, &where);
	ok(why && !strcmp(why, "an indirect jump in the function may target the displaced range") &&
	   where == fn + 27, "jmp *%%rax of unknown origin: refused (%s)", why ? why : "jump");

	/* a label's address taken inside the displaced range */
	static const uint8_t lea_fn[] = {
		0x55,					/* 0: push %rbp */
		0x48, 0x89, 0xe5,			/* 1: mov %rsp,%rbp */
		0x48, 0x8d, 0x05, 0xf5, 0xff, 0xff, 0xff, /* 4: lea -11(%rip),%rax: +0 */
		0xc3,					/* 11: ret */
	};
	struct arch_jump aj;
	struct arch_code_range r = { lea_fn, 0x400000, sizeof(lea_fn) };
	uint8_t lea2[sizeof(lea_fn)];
	memcpy(lea2, lea_fn, sizeof(lea2));
	lea2[7] = 0xf6;	/* -10: the lea points at +1, inside 0..4 */
	r.code = lea2;
	int err = arch_decide_jump(&aj, lea2, sizeof(lea2), 0x400000, &r, 1, NULL, NULL, &where);
	ok(err == -ENOTSUP && !strcmp(aj.reason, "the function takes the address of an instruction in the displaced range"),
	   "lea of a label inside the displaced range: refused (%s)", aj.reason ? aj.reason : "jump");
	r.code = lea_fn;
	err = arch_decide_jump(&aj, lea_fn, sizeof(lea_fn), 0x400000, &r, 1, NULL, NULL, &where);
	ok(err == 0, "lea of the entry itself: jump (%s)", aj.reason ? aj.reason : "jump");
}

int main(void)
{
	memfd = open("/proc/self/mem", O_RDONLY | O_CLOEXEC);
	test_tables();
	test_libc();
	return done_testing();
}
