// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * probe-c: a target for `xol probe` (40-probe-oracle.t and friends): structs,
 * pointers, arrays, strings, an inlined helper, locals in nested scopes,
 * several source lines worth probing.  ./probe-c N runs N rounds.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct point {
	int x, y;
};

struct item {
	const char *name;
	long weight;
	unsigned short tag;
	signed char grade;
	struct point at;
	struct item *next;
	int hist[4];
};

static struct item pool[8];
int probe_global = 7;
char probe_label[16] = "label";

static inline __attribute__((always_inline)) long scale(long v, int k)
{
	long r = v * k;
	return r + 1;
}

__attribute__((noinline)) long item_weight(const struct item *it, int k)
{
	long w = 0;

	for (const struct item *p = it; p; p = p->next) {
		long part = scale(p->weight, k);
		if (part > 10) {
			int extra = p->at.x + p->at.y;
			w += extra;
		}
		w += part;
	}
	return w;
}

__attribute__((noinline)) int name_len(const char *name, unsigned flags)
{
	int n = (int)strlen(name);

	if (flags & 1)
		n += (int)scale(n, 2);
	return n;
}

__attribute__((noinline)) void fill(struct item *it, int i, const char *name)
{
	it->name = name;
	it->weight = i * 3;
	it->tag = (unsigned short)(100 + i);
	it->grade = (signed char)(-i);
	it->at.x = i;
	it->at.y = 2 * i;
	for (int j = 0; j < 4; j++)
		it->hist[j] = i + j;
	it->next = NULL;
}

__attribute__((noinline)) double ratio(int a, int b)
{
	return b ? (double)a / b : 0.0;
}

__attribute__((noinline)) unsigned long long mix(unsigned char c, short s, unsigned long long u)
{
	return u ^ ((unsigned long long)c << 8) ^ (unsigned long long)(long long)s;
}

int main(int argc, char **argv)
{
	static const char *names[] = { "ant", "bee", "cat", "dog", "eel", "fox", "gnu", "hen" };
	int rounds = argc > 1 ? atoi(argv[1]) : 1;
	long total = 0;

	for (int r = 0; r < rounds; r++) {
		for (int i = 0; i < 8; i++) {
			fill(&pool[i], i, names[i]);
			if (i)
				pool[i - 1].next = &pool[i];
		}
		total += item_weight(&pool[0], r + 1);
		total += name_len(probe_label, (unsigned)r);
		total += (long)ratio(r, 3);
		total += (long)mix((unsigned char)r, (short)-r, (unsigned long long)r);
	}
	printf("total %ld\n", total);
	return 0;
}
