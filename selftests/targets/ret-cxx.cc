// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * 70-return-probes: C++ exceptions through return-probed frames: caught
 * higher up, caught in the middle of the recursion, rethrown, with
 * destructors on the way; "uncaught" ends in std::terminate.
 */
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <stdexcept>

static long calls, returned;

struct Guard {
	int d;
	~Guard() { if (d % 7 == 0) std::printf("  ~Guard(%d)\n", d); }
};

__attribute__((noipa)) int dive(int n, int throw_at)
{
	Guard g{n};
	calls++;
	if (n == throw_at)
		throw std::runtime_error("depth " + std::to_string(n));
	int r = n ? dive(n - 1, throw_at) + 1 : 0;
	returned++;
	return r;
}

/* Catches in the middle: the frames below it return normally. */
__attribute__((noipa)) int middle(int n, int throw_at)
{
	calls++;
	int r;
	try {
		r = dive(n, throw_at);
	} catch (const std::exception &e) {
		std::printf("  middle caught: %s\n", e.what());
		r = -1;
	}
	returned++;
	return r;
}

__attribute__((noipa)) int rethrow(int n, int throw_at)
{
	calls++;
	try {
		return dive(n, throw_at);
	} catch (...) {
		std::printf("  rethrowing\n");
		throw;
	}
}

int main(int argc, char **argv)
{
	bool uncaught = argc > 1 && !std::strcmp(argv[1], "uncaught");

	std::printf("normal: %d\n", dive(20, -1));
	for (int i = 0; i < 5; i++) {
		try {
			dive(30, i * 6);
		} catch (const std::exception &e) {
			std::printf("caught: %s\n", e.what());
		}
	}
	std::printf("middle: %d\n", middle(10, 3));
	std::printf("middle, no throw: %d\n", middle(10, -1));
	try {
		rethrow(12, 5);
	} catch (const std::exception &e) {
		std::printf("caught again: %s\n", e.what());
	}
	std::printf("calls=%ld returned=%ld left=%ld\n", calls, returned, calls - returned);
	std::fflush(stdout);
	if (uncaught)
		dive(8, 2);
	return 0;
}
