// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * libxoltarget.so: a shared library whose functions the kernel-oracle test
 * probes (path:offset inside the library).  oracle-lib links it with
 * rpath $ORIGIN.
 */
#define PROBED __attribute__((noipa, visibility("default")))
#define EXPORTED __attribute__((visibility("default")))

struct pt {
	int x, y;		/* +0, +4 */
	const char *label;	/* +8 */
	short hist[4];		/* +16 */
};

EXPORTED long lib_counter = 0x0102030405060708;
EXPORTED char lib_tag[8] = "libtag";
static const char *const labels[3] = { "north", "east", "south-west" };

PROBED int lib_sum(const int *v, int n)
{
	int s = 0;

	for (int i = 0; i < n; i++)
		s += v[i];
	lib_counter++;
	/* %ax = s, %dx = n */
	__asm__ volatile(".globl lib_sum_mid\nlib_sum_mid:" :: "a"(s), "d"(n) : "memory");
	return s;
}

PROBED const char *lib_label(int i)
{
	return labels[i % 3];
}

PROBED long lib_scale(struct pt *p, int k)
{
	p->x *= k;
	p->y -= k;
	p->hist[k & 3]++;
	return (long)p->x * p->y;
}
