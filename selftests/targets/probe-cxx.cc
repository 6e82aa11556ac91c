// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * probe-cxx: a C++ target for `xol probe`: a namespace, a class with
 * members and methods, references, a template instance, an inline method.
 */
#include <cstdio>
#include <cstdlib>

namespace shop {

struct Price {
	long cents;
	int currency;
};

class Cart {
public:
	Cart() : count(0), total{0, 978} {}
	__attribute__((noinline)) void add(const Price &p, int qty);
	__attribute__((noinline)) long sum() const { return total.cents; }
	int count;
	Price total;
	int items[8];
};

void Cart::add(const Price &p, int qty)
{
	if (count < 8)
		items[count] = qty;
	count++;
	total.cents += p.cents * qty;
}

template <typename T> __attribute__((noinline)) T twice(T v)
{
	return v + v;
}

} // namespace shop

__attribute__((noinline)) int checkout(shop::Cart *cart, const char *who)
{
	long s = cart->sum();
	int n = cart->count;
	std::printf("%s pays %ld for %d\n", who, s, n);
	return n;
}

int main(int argc, char **argv)
{
	int rounds = argc > 1 ? std::atoi(argv[1]) : 1;
	shop::Cart cart;

	for (int r = 0; r < rounds; r++) {
		shop::Price p = { 100 + r, 978 };
		cart.add(p, r + 1);
	}
	long t = shop::twice(cart.sum());
	int k = shop::twice(rounds);
	return checkout(&cart, "ann") + (int)(t & 0) + (k & 0);
}
