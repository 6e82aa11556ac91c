// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * probe-sdt: SDT markers (<sys/sdt.h>) for `xol probe` and 42-probe-sdt.t:
 * xolsdt:tick is guarded by a semaphore (is-enabled), xolsdt:plain (in
 * probe-sdt-plain.c) has none.  ./probe-sdt N fires both N times and says
 * how often the semaphore was seen set.
 */
#include <stdio.h>
#include <stdlib.h>

#define _SDT_HAS_SEMAPHORES 1
#include <sys/sdt.h>

unsigned short xolsdt_tick_semaphore __attribute__((unused, section(".probes")));

void plain_marker(int i);

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 3, enabled = 0;

	for (int i = 0; i < n; i++) {
		long big = (long)i * 1000 + 7;
		if (xolsdt_tick_semaphore) {
			enabled++;
			STAP_PROBE2(xolsdt, tick, i, big);
		}
		plain_marker(i);
	}
	printf("enabled %d of %d\n", enabled, n);
	return 0;
}
