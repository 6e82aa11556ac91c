// SPDX-License-Identifier: GPL-2.0-or-later
/* probe-lib: calls libprobe.so, so that probes resolved in the library fire: ./probe-lib N. */
#include <stdio.h>
#include <stdlib.h>

struct lp_buf {
	char data[32];
	unsigned len;
};

unsigned lp_append(struct lp_buf *b, const char *s);
int lp_sum(const int *v, int n);

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 3, v[4] = { 1, 2, 3, 4 }, s = 0;
	struct lp_buf b = { "", 0 };

	for (int i = 0; i < n; i++) {
		lp_append(&b, "ab");
		v[0] = i;
		s += lp_sum(v, 4);
	}
	printf("%s %d\n", b.data, s);
	return 0;
}
