/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The kernel's character classes and number converters, byte for byte. */
#ifndef XOL_TRACE_KSTR_H
#define XOL_TRACE_KSTR_H

#include <stdbool.h>
#include <stdint.h>

/*
 * The uprobe_events parser runs on the kernel's <linux/ctype.h>, which is
 * Latin-1 and not the C locale: 0xa0 is a space (so it separates tokens)
 * and 0xc0-0xff except 0xd7 and 0xf7 are letters (so "p:\xe9v ..." is a
 * good event name).  Tests written against the real kernel prove both.
 */
enum {
	K_U = 0x01, /* upper */
	K_L = 0x02, /* lower */
	K_D = 0x04, /* digit */
	K_C = 0x08, /* cntrl */
	K_P = 0x10, /* punct */
	K_S = 0x20, /* white space (space/lf/tab) */
	K_X = 0x40, /* hex digit */
	K_SP = 0x80, /* hard space (0x20) */
};

extern const unsigned char k_ctype[256];

static inline bool k_isspace(int c) { return k_ctype[(unsigned char)c] & K_S; }
static inline bool k_isdigit(int c) { return k_ctype[(unsigned char)c] & K_D; }
static inline bool k_isxdigit(int c) { return k_ctype[(unsigned char)c] & (K_D | K_X); }
static inline bool k_isalpha(int c) { return k_ctype[(unsigned char)c] & (K_U | K_L); }
static inline bool k_isalnum(int c) { return k_ctype[(unsigned char)c] & (K_U | K_L | K_D); }

/*
 * kstrtoull() and friends: the whole string must be a number (one trailing
 * '\n' allowed), base 0 takes 0x/0 prefixes, kstrtoull and kstrtoll accept
 * one leading '+'.  They return 0, -EINVAL or -ERANGE as the kernel does,
 * and that errno is what the failing write(2) returns.
 */
int k_strtoull(const char *s, unsigned base, uint64_t *res);
int k_strtoll(const char *s, unsigned base, int64_t *res);
int k_strtouint(const char *s, unsigned base, unsigned *res);

/* simple_strtoull(): converts a prefix, never fails, wraps on overflow. */
uint64_t k_simple_strtoull(const char *s, const char **end, unsigned base);

#endif
