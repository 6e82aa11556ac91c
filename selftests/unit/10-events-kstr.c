// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The kernel's character classes and number converters, which decide what
 * uprobe_events accepts: Latin-1 letters and 0xa0 as a space; kstrtoull()
 * with its 0x/0 prefixes, one '+', one trailing newline and ERANGE, which
 * is the errno a write gets for an offset that overflows.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "selftests/unit/tap.h"
#include "trace/kstr.h"

static const struct {
	const char *s;
	unsigned base;
	int ret;
	uint64_t val;
} ull[] = {
	{ "0", 0, 0, 0 },
	{ "10", 0, 0, 10 },
	{ "010", 0, 0, 8 },
	{ "0x10", 0, 0, 16 },
	{ "0X1f", 0, 0, 31 },
	{ "0xABCdef", 0, 0, 0xabcdef },
	{ "+5", 0, 0, 5 },
	{ "5\n", 0, 0, 5 },
	{ "18446744073709551615", 0, 0, UINT64_MAX },
	{ "0xffffffffffffffff", 0, 0, UINT64_MAX },
	{ "01777777777777777777777", 0, 0, UINT64_MAX },
	{ "18446744073709551616", 0, -ERANGE, 0 },
	{ "0x10000000000000000", 0, -ERANGE, 0 },
	{ "", 0, -EINVAL, 0 },
	{ "0x", 0, -EINVAL, 0 },
	{ "0xg", 0, -EINVAL, 0 },
	{ "08", 0, -EINVAL, 0 },
	{ "1x", 0, -EINVAL, 0 },
	{ "-1", 0, -EINVAL, 0 },
	{ "++1", 0, -EINVAL, 0 },
	{ " 1", 0, -EINVAL, 0 },
	{ "1 ", 0, -EINVAL, 0 },
	{ "5\n\n", 0, -EINVAL, 0 },
	{ "010", 10, 0, 10 },
	{ "0x10", 10, -EINVAL, 0 },
	{ "a", 10, -EINVAL, 0 },
	{ "0x10", 16, 0, 16 },
	{ "10", 16, 0, 16 },
};

static const struct {
	const char *s;
	int ret;
	int64_t val;
} ll[] = {
	{ "-1", 0, -1 },
	{ "-0x10", 0, -16 },
	{ "-010", 0, -8 },
	{ "+7", 0, 7 },
	{ "-0", 0, 0 },
	{ "9223372036854775807", 0, INT64_MAX },
	{ "-9223372036854775808", 0, INT64_MIN },
	{ "9223372036854775808", -ERANGE, 0 },
	{ "-9223372036854775809", -ERANGE, 0 },
	{ "-99999999999999999999", -ERANGE, 0 },
	{ "-", -EINVAL, 0 },
	{ "--1", -EINVAL, 0 },
	{ "-+1", -EINVAL, 0 },
	{ "+-1", -EINVAL, 0 },
	{ "", -EINVAL, 0 },
};

static const struct {
	const char *s;
	uint64_t val;
	size_t used;
} simple[] = {
	{ "3@2/8", 3, 1 },
	{ "0x3@1", 3, 3 },
	{ "010/", 8, 3 },
	{ "0x@", 0, 1 },       /* "0x" and no hex digit: octal 0, stops at the x */
	{ "@", 0, 0 },
	{ "12abc", 12, 2 },
	{ "99999999999999999999/", 7766279631452241919ull, 20 }, /* wraps, no error */
};

/* A test name must stay on one line of TAP. */
static const char *esc(const char *s)
{
	static char buf[64];
	size_t n = 0;

	for (; *s && n < sizeof(buf) - 3; s++) {
		if (*s == '\n') {
			buf[n++] = '\\';
			buf[n++] = 'n';
		} else {
			buf[n++] = *s;
		}
	}
	buf[n] = '\0';
	return buf;
}

static void test_strto(void)
{
	for (size_t i = 0; i < sizeof(ull) / sizeof(ull[0]); i++) {
		uint64_t v = 0;
		int ret = k_strtoull(ull[i].s, ull[i].base, &v);

		is_int(ret, ull[i].ret, "kstrtoull(\"%s\", %u)", esc(ull[i].s), ull[i].base);
		if (!ull[i].ret)
			ok(v == ull[i].val, "  = %llu", (unsigned long long)ull[i].val);
	}
	for (size_t i = 0; i < sizeof(ll) / sizeof(ll[0]); i++) {
		int64_t v = 0;
		int ret = k_strtoll(ll[i].s, 0, &v);

		is_int(ret, ll[i].ret, "kstrtoll(\"%s\")", ll[i].s);
		if (!ll[i].ret)
			is_int(v, ll[i].val, "  = %lld", (long long)ll[i].val);
	}
	{
		unsigned u = 0;

		is_int(k_strtouint("4294967295", 0, &u), 0, "kstrtouint: UINT_MAX");
		is_int(u, 4294967295u, "  = 4294967295");
		is_int(k_strtouint("4294967296", 0, &u), -ERANGE, "  one more is ERANGE");
	}
	for (size_t i = 0; i < sizeof(simple) / sizeof(simple[0]); i++) {
		const char *end;
		uint64_t v = k_simple_strtoull(simple[i].s, &end, 0);

		ok(v == simple[i].val, "simple_strtoull(\"%s\") = %llu", simple[i].s,
		   (unsigned long long)simple[i].val);
		is_int(end - simple[i].s, simple[i].used, "  stops after %zu chars", simple[i].used);
	}
}

static void test_ctype(void)
{
	static const unsigned char spaces[] = { ' ', '\t', '\n', '\v', '\f', '\r', 0xa0 };
	int nspace = 0, nalpha = 0, ndigit = 0;

	for (size_t i = 0; i < sizeof(spaces); i++)
		ok(k_isspace(spaces[i]), "0x%02x is a space", spaces[i]);
	for (int c = 0; c < 256; c++) {
		nspace += k_isspace(c);
		nalpha += k_isalpha(c);
		ndigit += k_isdigit(c);
	}
	is_int(nspace, 7, "and nothing else is");
	is_int(ndigit, 10, "only 0-9 are digits");
	is_int(nalpha, 52 + 62, "letters: A-Z, a-z and Latin-1's 0xc0-0xff but two");
	ok(k_isalpha(0xc0) && k_isalpha(0xdf) && k_isalpha(0xe9) && k_isalpha(0xff),
	   "  0xc0, 0xdf, 0xe9 and 0xff are");
	ok(!k_isalpha(0xd7) && !k_isalpha(0xf7), "  0xd7 and 0xf7 (x and /) are not");
	ok(!k_isalpha(0xaa) && !k_isalpha(0xb5) && !k_isalpha(0x85),
	   "  nor 0xaa, 0xb5 or 0x85, which glibc's Latin-1 would call letters or space");
	ok(k_isxdigit('a') && k_isxdigit('F') && !k_isxdigit('g'), "hex digits");
}

int main(void)
{
	test_strto();
	test_ctype();
	return done_testing();
}
