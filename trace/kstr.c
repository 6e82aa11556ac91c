// SPDX-License-Identifier: GPL-2.0-or-later
/* The kernel's character classes and number converters, byte for byte. */
#include <errno.h>

#include "kstr.h"

#define U K_U
#define L K_L
#define D K_D
#define C K_C
#define P K_P
#define S K_S
#define X K_X
#define SP K_SP

/* lib/ctype.c: ASCII, then nothing for 0x80-0x9f, then Latin-1. */
const unsigned char k_ctype[256] = {
	C, C, C, C, C, C, C, C,                                 /* 0-7 */
	C, C | S, C | S, C | S, C | S, C | S, C, C,             /* 8-15 */
	C, C, C, C, C, C, C, C,                                 /* 16-23 */
	C, C, C, C, C, C, C, C,                                 /* 24-31 */
	S | SP, P, P, P, P, P, P, P,                            /* 32-39 */
	P, P, P, P, P, P, P, P,                                 /* 40-47 */
	D, D, D, D, D, D, D, D,                                 /* 48-55 */
	D, D, P, P, P, P, P, P,                                 /* 56-63 */
	P, U | X, U | X, U | X, U | X, U | X, U | X, U,         /* 64-71 */
	U, U, U, U, U, U, U, U,                                 /* 72-79 */
	U, U, U, U, U, U, U, U,                                 /* 80-87 */
	U, U, U, P, P, P, P, P,                                 /* 88-95 */
	P, L | X, L | X, L | X, L | X, L | X, L | X, L,         /* 96-103 */
	L, L, L, L, L, L, L, L,                                 /* 104-111 */
	L, L, L, L, L, L, L, L,                                 /* 112-119 */
	L, L, L, P, P, P, P, C,                                 /* 120-127 */
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,         /* 128-143 */
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,         /* 144-159 */
	S | SP, P, P, P, P, P, P, P, P, P, P, P, P, P, P, P,    /* 160-175 */
	P, P, P, P, P, P, P, P, P, P, P, P, P, P, P, P,         /* 176-191 */
	U, U, U, U, U, U, U, U, U, U, U, U, U, U, U, U,         /* 192-207 */
	U, U, U, U, U, U, U, P, U, U, U, U, U, U, U, L,         /* 208-223 */
	L, L, L, L, L, L, L, L, L, L, L, L, L, L, L, L,         /* 224-239 */
	L, L, L, L, L, L, L, P, L, L, L, L, L, L, L, L,         /* 240-255 */
};

#define OVERFLOW (1u << 31)

/* _parse_integer_fixup_radix() */
static const char *fixup_radix(const char *s, unsigned *base)
{
	if (*base == 0) {
		if (s[0] == '0') {
			if ((s[1] | 0x20) == 'x' && k_isxdigit(s[2]))
				*base = 16;
			else
				*base = 8;
		} else {
			*base = 10;
		}
	}
	if (*base == 16 && s[0] == '0' && (s[1] | 0x20) == 'x')
		s += 2;
	return s;
}

/* _parse_integer(): digits consumed, OVERFLOW or'ed in; wraps like the kernel. */
static unsigned parse_integer(const char *s, unsigned base, uint64_t *p)
{
	uint64_t res = 0;
	unsigned rv = 0;

	for (;; s++) {
		unsigned c = (unsigned char)*s, lc = c | 0x20, val;

		if (c >= '0' && c <= '9')
			val = c - '0';
		else if (lc >= 'a' && lc <= 'f')
			val = lc - 'a' + 10;
		else
			break;
		if (val >= base)
			break;
		if ((res & (~0ull << 60)) && res > (UINT64_MAX - val) / base)
			rv |= OVERFLOW;
		res = res * base + val;
		rv++;
	}
	*p = res;
	return rv;
}

static int __strtoull(const char *s, unsigned base, uint64_t *res)
{
	uint64_t r;
	unsigned rv;

	s = fixup_radix(s, &base);
	rv = parse_integer(s, base, &r);
	if (rv & OVERFLOW)
		return -ERANGE;
	if (rv == 0)
		return -EINVAL;
	s += rv;
	if (*s == '\n')
		s++;
	if (*s)
		return -EINVAL;
	*res = r;
	return 0;
}

int k_strtoull(const char *s, unsigned base, uint64_t *res)
{
	if (s[0] == '+')
		s++;
	return __strtoull(s, base, res);
}

int k_strtoll(const char *s, unsigned base, int64_t *res)
{
	uint64_t tmp;
	int rv;

	if (s[0] == '-') {
		rv = __strtoull(s + 1, base, &tmp);
		if (rv < 0)
			return rv;
		if ((int64_t)(0 - tmp) > 0)
			return -ERANGE;
		*res = (int64_t)(0 - tmp);
	} else {
		rv = k_strtoull(s, base, &tmp);
		if (rv < 0)
			return rv;
		if ((int64_t)tmp < 0)
			return -ERANGE;
		*res = (int64_t)tmp;
	}
	return 0;
}

int k_strtouint(const char *s, unsigned base, unsigned *res)
{
	uint64_t tmp;
	int rv = k_strtoull(s, base, &tmp);

	if (rv < 0)
		return rv;
	if (tmp != (unsigned)tmp)
		return -ERANGE;
	*res = (unsigned)tmp;
	return 0;
}

uint64_t k_simple_strtoull(const char *s, const char **end, unsigned base)
{
	uint64_t r;
	unsigned rv;

	s = fixup_radix(s, &base);
	rv = parse_integer(s, base, &r);
	if (end)
		*end = s + (rv & ~OVERFLOW);
	return r;
}
