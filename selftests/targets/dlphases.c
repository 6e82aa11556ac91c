// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * dlphases N [LIB]: phase(1), dlopen(LIB), N calls of plug_work(), dlclose;
 * phase(2), the same again; phase(3).  LIB is "libinvplug.so" by default,
 * found through this program's own RUNPATH ($ORIGIN), as the dynamic
 * linker does for the object that calls dlopen.  Prints whether the library is
 * mapped after each dlclose (it must not be: the second dlopen maps it
 * anew) and the sum of the results.
 */
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

__attribute__((noinline)) void phase(int k)
{
	asm volatile("" : : "r"(k) : "memory");
}

static int mapped(const char *name)
{
	char line[4096];
	FILE *f = fopen("/proc/self/maps", "r");
	int found = 0;

	while (f && fgets(line, sizeof(line), f))
		found |= strstr(line, name) != NULL;
	if (f)
		fclose(f);
	return found;
}

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 100, sum = 0;
	const char *lib = argc > 2 ? argv[2] : "libinvplug.so";

	for (int k = 1; k <= 2; k++) {
		phase(k);
		void *h = dlopen(lib, RTLD_NOW | RTLD_LOCAL);
		if (!h) {
			printf("phase %d: dlopen: %s\n", k, dlerror());
			return 1;
		}
		int (*work)(int) = (int (*)(int))dlsym(h, "plug_work");
		if (!work) {
			printf("phase %d: dlsym: %s\n", k, dlerror());
			return 1;
		}
		for (long i = 0; i < n; i++)
			sum += work((int)i);
		if (dlclose(h)) {
			printf("phase %d: dlclose: %s\n", k, dlerror());
			return 1;
		}
		printf("phase %d: %ld calls, mapped after dlclose: %s\n", k, n,
		       mapped("/libinvplug.so") ? "yes" : "no");
	}
	phase(3);
	printf("sum %ld\n", sum);
	return 0;
}
