// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Opening a binary for `xol probe` and finding its DWARF: in the file, by
 * build-id under the debug directories, through .gnu_debuglink, through
 * debuginfod.  Every place looked at is remembered, so that "no DWARF" can
 * say where it was looked for.
 */
#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <elfutils/debuginfod.h>
#include <elfutils/libdwelf.h>

#include "probe-find.h"

static void looked(struct pbin *b, const char *fmt, ...)
{
	size_t n = strlen(b->looked);
	va_list ap;

	if (n + 8 >= sizeof(b->looked))
		return;
	if (n)
		b->looked[n++] = '\n', b->looked[n] = 0;
	va_start(ap, fmt);
	vsnprintf(b->looked + n, sizeof(b->looked) - n, fmt, ap);
	va_end(ap);
}

static bool has_debug_info(Elf *e)
{
	static const char *const names[] = { ".debug_info", ".zdebug_info" };

	return elf_has_section(e, names, 2);
}

/* Use @path as the debug file if it has DWARF and (when both have one) the same build-id. */
static bool try_debug(struct pbin *b, const char *path, const void *bid, ssize_t bidlen)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	Elf *e;

	if (fd < 0)
		return false;
	e = elf_begin(fd, ELF_C_READ_MMAP, NULL);
	if (e && has_debug_info(e)) {
		const void *id2;
		ssize_t n2 = dwelf_elf_gnu_build_id(e, &id2);
		if (bidlen <= 0 || n2 <= 0 || (n2 == bidlen && !memcmp(bid, id2, (size_t)n2))) {
			Dwarf *dw = dwarf_begin_elf(e, DWARF_C_READ, NULL);
			if (dw) {
				b->dfd = fd;
				b->delf = e;
				b->dw = dw;
				b->debug_file = strdup(path);
				return true;
			}
		} else {
			looked(b, "  %s: its build-id differs", path);
			elf_end(e);
			close(fd);
			return false;
		}
	}
	looked(b, "  %s: %s", path, e ? "no .debug_info in it" : "not ELF");
	if (e)
		elf_end(e);
	close(fd);
	return false;
}

/*
 * libdebuginfod is opened only when asked for: linked in, it and what it
 * needs (libcurl, TLS, Kerberos) would cost every run of xol several
 * milliseconds of loading, more than resolving a hundred probes.
 */
struct debuginfod_lib {
	typeof(debuginfod_begin) *begin;
	typeof(debuginfod_find_debuginfo) *find_debuginfo;
	typeof(debuginfod_end) *end;
};

static bool debuginfod_load(struct debuginfod_lib *lib)
{
	void *h = dlopen("libdebuginfod.so.1", RTLD_NOW | RTLD_LOCAL);

	if (!h)
		return false;
	lib->begin = (typeof(lib->begin))dlsym(h, "debuginfod_begin");
	lib->find_debuginfo = (typeof(lib->find_debuginfo))dlsym(h, "debuginfod_find_debuginfo");
	lib->end = (typeof(lib->end))dlsym(h, "debuginfod_end");
	return lib->begin && lib->find_debuginfo && lib->end;
}

static bool try_debuginfod(struct pbin *b, const unsigned char *bid, ssize_t bidlen)
{
	const char *urls = getenv("DEBUGINFOD_URLS");
	struct debuginfod_lib lib;
	debuginfod_client *c;
	char *path = NULL;
	int fd;

	if (!urls || !*urls) {
		looked(b, "debuginfod: not asked ($DEBUGINFOD_URLS is not set)");
		return false;
	}
	if (bidlen <= 0) {
		looked(b, "debuginfod: not asked (the binary has no build-id)");
		return false;
	}
	if (!debuginfod_load(&lib)) {
		looked(b, "debuginfod: cannot load libdebuginfod.so.1");
		return false;
	}
	c = lib.begin();
	if (!c) {
		looked(b, "debuginfod: cannot start a client");
		return false;
	}
	fd = lib.find_debuginfo(c, bid, (int)bidlen, &path);
	lib.end(c);
	if (fd < 0) {
		looked(b, "debuginfod (%s): %s", urls, strerror(-fd));
		return false;
	}
	close(fd);
	bool ok = try_debug(b, path, bid, bidlen);
	free(path);
	return ok;
}

static void find_separate(struct pbin *b, const char *debug_dirs)
{
	const unsigned char *bid = NULL;
	ssize_t bidlen = dwelf_elf_gnu_build_id(b->elf, (const void **)&bid);
	char dirs[PATH_MAX], *save, *d, path[PATH_MAX * 2], hex[256];
	GElf_Word crc;
	const char *link = dwelf_elf_gnu_debuglink(b->elf, &crc);
	char bindir[PATH_MAX];

	snprintf(bindir, sizeof(bindir), "%s", b->path);
	dirname(bindir);
	if (!debug_dirs)
		debug_dirs = getenv("XOL_DEBUG_DIR");
	if (!debug_dirs || !*debug_dirs)
		debug_dirs = "/usr/lib/debug";

	if (bidlen > 0) {
		for (ssize_t i = 0; i < bidlen && i < 100; i++)
			sprintf(hex + 2 * i, "%02x", bid[i]);
		snprintf(dirs, sizeof(dirs), "%s", debug_dirs);
		for (d = strtok_r(dirs, ":", &save); d; d = strtok_r(NULL, ":", &save)) {
			snprintf(path, sizeof(path), "%s/.build-id/%.2s/%s.debug", d, hex, hex + 2);
			if (!access(path, R_OK)) {
				if (try_debug(b, path, bid, bidlen))
					return;
			} else {
				looked(b, "  %s: none (build-id)", path);
			}
		}
	} else {
		looked(b, "  no build-id note in the binary: no build-id lookup");
	}
	if (link) {
		const char *cands[3] = { "%s/%s", "%s/.debug/%s", NULL };
		for (int i = 0; cands[i]; i++) {
			snprintf(path, sizeof(path), cands[i], bindir, link);
			if (!strcmp(path, b->path))
				continue;
			if (!access(path, R_OK)) {
				if (try_debug(b, path, bid, bidlen))
					return;
			} else {
				looked(b, "  %s: none (.gnu_debuglink)", path);
			}
		}
		snprintf(dirs, sizeof(dirs), "%s", debug_dirs);
		for (d = strtok_r(dirs, ":", &save); d; d = strtok_r(NULL, ":", &save)) {
			snprintf(path, sizeof(path), "%s%s/%s", d, bindir, link);
			if (!access(path, R_OK)) {
				if (try_debug(b, path, bid, bidlen))
					return;
			} else {
				looked(b, "  %s: none (.gnu_debuglink)", path);
			}
		}
	} else {
		looked(b, "  no .gnu_debuglink section in the binary");
	}
	try_debuginfod(b, bid, bidlen);
}

int pbin_open(struct pbin *b, const char *path, const char *debug_dirs, FILE *err)
{
	char real[PATH_MAX];
	const char *base;
	size_t i;

	memset(b, 0, sizeof(*b));
	b->fd = b->dfd = -1;
	if (!realpath(path, real)) {
		int e = errno;
		fprintf(err, "xol probe: %s: %s\n", path, strerror(e));
		return -e;
	}
	b->path = strdup(real);
	base = strrchr(real, '/') ? strrchr(real, '/') + 1 : real;
	for (i = 0; base[i] && i < sizeof(b->stem) - 1 &&
		    (base[i] == '_' || (base[i] >= '0' && base[i] <= '9') ||
		     ((base[i] | 0x20) >= 'a' && (base[i] | 0x20) <= 'z')); i++)
		b->stem[i] = base[i];
	b->stem[i] = 0;
	elf_version(EV_CURRENT);
	b->fd = open(real, O_RDONLY | O_CLOEXEC);
	if (b->fd < 0) {
		int e = errno;
		fprintf(err, "xol probe: %s: %s\n", real, strerror(e));
		return -e;
	}
	b->elf = elf_begin(b->fd, ELF_C_READ_MMAP, NULL);
	if (!b->elf || elf_kind(b->elf) != ELF_K_ELF) {
		fprintf(err, "xol probe: %s: not an ELF file\n", real);
		return -ENOEXEC;
	}
	if (!elf_getphdrnum(b->elf, &b->nphdr) && b->nphdr) {
		b->phdr = calloc(b->nphdr, sizeof(*b->phdr));
		for (i = 0; b->phdr && i < b->nphdr; i++)
			gelf_getphdr(b->elf, (int)i, &b->phdr[i]);
	}
	if (has_debug_info(b->elf)) {
		b->dw = dwarf_begin_elf(b->elf, DWARF_C_READ, NULL);
		if (b->dw)
			b->debug_file = strdup(real);
	} else {
		looked(b, "  %s: no .debug_info in it", real);
	}
	if (!b->dw)
		find_separate(b, debug_dirs);
	return 0;
}

void pbin_cfi(struct pbin *b)
{
	if (b->cfi_read)
		return;
	b->cfi_read = true;
	b->cfi_eh = dwarf_getcfi_elf(b->elf);
	if (b->dw)
		b->cfi_dbg = dwarf_getcfi(b->dw);
}

const struct elf_symtab *pbin_syms(struct pbin *b)
{
	if (!b->syms) {
		struct elf_symtab *t = calloc(1, sizeof(*t));
		if (!t || (b->elf && elf_symtab_add(t, b->elf)) || (b->delf && elf_symtab_add(t, b->delf))) {
			if (t)
				elf_symtab_free(t);
			free(t);
			return NULL;
		}
		b->syms = t;
	}
	return b->syms;
}

void pbin_close(struct pbin *b)
{
	pbin_index_free(b);
	if (b->syms)
		elf_symtab_free(b->syms);
	free(b->syms);
	if (b->dw)
		dwarf_end(b->dw);
	if (b->cfi_eh)
		dwarf_cfi_end(b->cfi_eh);
	if (b->delf)
		elf_end(b->delf);
	if (b->elf)
		elf_end(b->elf);
	if (b->dfd >= 0)
		close(b->dfd);
	if (b->fd >= 0)
		close(b->fd);
	free(b->phdr);
	free(b->path);
	free(b->debug_file);
	memset(b, 0, sizeof(*b));
	b->fd = b->dfd = -1;
}

uint64_t pbin_va_to_off(const struct pbin *b, uint64_t va)
{
	for (size_t i = 0; i < b->nphdr; i++) {
		const GElf_Phdr *ph = &b->phdr[i];
		if (ph->p_type == PT_LOAD && va >= ph->p_vaddr && va < ph->p_vaddr + ph->p_memsz)
			return va - ph->p_vaddr + ph->p_offset;
	}
	return ~0ull;
}

int probe_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	int *row, r;

	if (la > 256 || lb > 256)
		return 1 << 20;
	row = malloc((lb + 1) * sizeof(int));
	if (!row)
		return 1 << 20;
	for (size_t j = 0; j <= lb; j++)
		row[j] = (int)j;
	for (size_t i = 1; i <= la; i++) {
		int prev = row[0];
		row[0] = (int)i;
		for (size_t j = 1; j <= lb; j++) {
			int cur = row[j];
			int sub = prev + (a[i - 1] != b[j - 1]);
			int del = row[j] + 1, ins = row[j - 1] + 1;
			row[j] = sub < del ? (sub < ins ? sub : ins) : (del < ins ? del : ins);
			prev = cur;
		}
	}
	r = row[lb];
	free(row);
	return r;
}
