// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * libc-calls: known numbers of calls into libc, between two markers.
 *
 *   libc-calls where    one line per function (malloc, free, memcpy,
 *                       clock_gettime, fork, write): NAME FILE OFFSET SYMBOL,
 *                       the file offset of the code that really runs when
 *                       this program calls NAME (IFUNCs resolved: memcpy is
 *                       some __memmove_*), and the SYMBOL dladdr() names for
 *                       it ("?" for a local one)
 *   libc-calls N        mark_begin(), then N rounds of malloc, memcpy,
 *                       clock_gettime and free, then mark_end(); prints the
 *                       counts it made, one "NAME=COUNT" per line
 *
 * Between the markers nothing else calls into libc, so a probe on each
 * function must see exactly the counts printed.  The calls go through
 * volatile pointers so that the compiler can neither inline memcpy nor
 * drop a malloc/free pair.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <link.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static void *(*volatile do_malloc)(size_t) = malloc;
static void (*volatile do_free)(void *) = free;
static void *(*volatile do_memcpy)(void *, const void *, size_t) = memcpy;
static int (*volatile do_clock_gettime)(clockid_t, struct timespec *) = clock_gettime;
static pid_t (*volatile do_fork)(void) = fork;
static ssize_t (*volatile do_write)(int, const void *, size_t) = write;

__attribute__((noinline)) void mark_begin(void)
{
	asm volatile("" ::: "memory");
}

__attribute__((noinline)) void mark_end(void)
{
	asm volatile("" ::: "memory");
}

struct where {
	unsigned long vaddr;	/* in: the address relative to the object's base */
	unsigned long offset;	/* out: its file offset */
	const char *file;
	int found;
};

static int find_load(struct dl_phdr_info *info, size_t size, void *arg)
{
	struct where *w = arg;

	(void)size;
	if (strcmp(info->dlpi_name, w->file))
		return 0;
	for (int i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		if (ph->p_type == PT_LOAD && w->vaddr >= ph->p_vaddr &&
		    w->vaddr < ph->p_vaddr + ph->p_filesz) {
			w->offset = w->vaddr - ph->p_vaddr + ph->p_offset;
			w->found = 1;
			return 1;
		}
	}
	return 0;
}

static int where(const char *name, void *addr)
{
	Dl_info di;
	struct where w = { 0 };

	if (!dladdr(addr, &di) || !di.dli_fname) {
		fprintf(stderr, "libc-calls: no object for %s\n", name);
		return 1;
	}
	w.vaddr = (unsigned long)addr - (unsigned long)di.dli_fbase;
	w.file = di.dli_fname;
	dl_iterate_phdr(find_load, &w);
	if (!w.found) {
		fprintf(stderr, "libc-calls: no LOAD segment for %s in %s\n", name, di.dli_fname);
		return 1;
	}
	printf("%s %s 0x%lx %s\n", name, di.dli_fname, w.offset,
	       di.dli_sname && di.dli_saddr == addr ? di.dli_sname : "?");
	return 0;
}

int main(int argc, char **argv)
{
	static char src[256] = "xol";
	char dst[256];
	struct timespec ts;
	long n, m = 0, f = 0, c = 0, g = 0;

	if (argc > 1 && !strcmp(argv[1], "where"))
		return where("malloc", (void *)do_malloc) | where("free", (void *)do_free) |
		       where("memcpy", (void *)do_memcpy) |
		       where("clock_gettime", (void *)do_clock_gettime) |
		       where("fork", (void *)do_fork) | where("write", (void *)do_write);

	n = argc > 1 ? atol(argv[1]) : 1000;
	mark_begin();
	for (long i = 0; i < n; i++) {
		size_t size = 16 + (size_t)(i % 200);
		char *p = do_malloc(size);
		m++;
		do_memcpy(p, src, size);
		c++;
		do_memcpy(dst, p, size);
		c++;
		do_clock_gettime(CLOCK_MONOTONIC, &ts);
		g++;
		do_free(p);
		f++;
	}
	mark_end();
	printf("malloc=%ld\nfree=%ld\nmemcpy=%ld\nclock_gettime=%ld\n", m, f, c, g);
	return dst[0] == 'x' ? 0 : 1;
}
