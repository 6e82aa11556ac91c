// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * oracle-dl: dlopen()s libxolplugin.so (next to the executable), calls it,
 * dlclose()s it, and does it all again.
 *
 * `oracle-dl [N1 N2]` (default 3 2): plugin_op is called N1 times in the
 * first load and N2 times in the second, plugin_word twice as often.  Each
 * load prints "libxolplugin.so base 0x..." (where it was mapped), so that
 * tests can name addresses inside it wherever it is mapped.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <link.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "oracle-wait.h"

static int run(const char *path, int calls, int first)
{
	struct link_map *lm;
	void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	int (*op)(int, const char *);
	const char *(*word)(unsigned);
	int sum = 0;

	if (!h || dlinfo(h, RTLD_DI_LINKMAP, &lm)) {
		fprintf(stderr, "oracle-dl: %s\n", dlerror());
		exit(1);
	}
	printf("%s base %#lx\n", strrchr(path, '/') + 1, (unsigned long)lm->l_addr);
	op = (int (*)(int, const char *))dlsym(h, "plugin_op");
	word = (const char *(*)(unsigned))dlsym(h, "plugin_word");
	for (int i = 0; i < calls; i++)
		sum += op(first + i, word(first + i)) + (int)strlen(word(i));
	dlclose(h);
	return sum;
}

int main(int argc, char **argv)
{
	oracle_wait();
	char path[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", path, sizeof(path) - 32);
	int n1 = argc > 2 ? atoi(argv[1]) : 3, n2 = argc > 2 ? atoi(argv[2]) : 2;
	int sum;

	if (n <= 0)
		return 1;
	path[n] = 0;
	strcpy(strrchr(path, '/') + 1, "libxolplugin.so");
	sum = run(path, n1, 0);
	sum += run(path, n2, 10);
	printf("plugin_op calls=%d plugin_word calls=%d sum=%d\n", n1 + n2, 2 * (n1 + n2), sum);
	return 0;
}
