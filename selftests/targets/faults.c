// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * faults: show(s, n) and show_jump(s, n) called with pointers good and bad,
 * for probes that dereference them (s=+0(%di):string n=+0(%si):s64).
 *
 * Calls, in order: a good string and number; NULL; the address 1; a
 * PROT_NONE page; a non-canonical address; a kernel address; an empty
 * string; a string and a number running off the end of a page into a
 * PROT_NONE one; a good string and number again.  (No unmapped page of
 * our own: the kernel's uprobes put their XOL area into the first hole.)  The program only passes the pointers on: it never reads
 * them, and prints the same thing whatever a probe does.
 */
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

__attribute__((noinline)) void show(const char *s, const long *n)
{
	asm volatile("" : : "r"(s), "r"(n) : "memory");
}

/* The same again, in a function with room for a jump (5 bytes before its ret). */
__attribute__((noinline)) void show_jump(const char *s, const long *n)
{
	asm volatile("nopl 0(%%rax,%%rax,1)" : : "r"(s), "r"(n) : "memory");
}

/* Both, as every call below does. */
static void both(const char *s, const long *n)
{
	show(s, n);
	show_jump(s, n);
}

int main(void)
{
	static const char good[] = "hello";
	static const long num = 42;
	long pg = sysconf(_SC_PAGESIZE);
	const char *noncanon = (const char *)0x8000000000000000ul;
	const char *kernel = (const char *)0xffff888000000000ul;
	char *none, *edge;

	/* [rw page][PROT_NONE page] */
	edge = mmap(NULL, 2 * pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (edge == MAP_FAILED)
		return 2;
	none = edge + pg;
	mprotect(none, pg, PROT_NONE);
	memcpy(none - 3, "abc", 3);		/* no terminator before the PROT_NONE page */

	both(good, &num);
	both(NULL, NULL);
	both((const char *)1, (const long *)1);
	both(none, (const long *)none);
	both(noncanon, (const long *)noncanon);
	both(kernel, (const long *)kernel);
	both(good + 5, &num);
	both(none - 3, (const long *)(none - 4));
	both(good, &num);
	printf("faults: 9 calls\n");
	return 0;
}
