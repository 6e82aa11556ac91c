// SPDX-License-Identifier: GPL-2.0-or-later
/* A growable byte string for building listings, format files and trace text. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "strbuf.h"

static bool grow(struct strbuf *sb, size_t more)
{
	size_t cap;
	char *p;

	if (sb->oom)
		return false;
	if (sb->len + more + 1 <= sb->cap)
		return true;
	cap = sb->cap ? sb->cap : 64;
	while (cap < sb->len + more + 1)
		cap *= 2;
	p = realloc(sb->buf, cap);
	if (!p) {
		sb->oom = true;
		return false;
	}
	sb->buf = p;
	sb->cap = cap;
	return true;
}

void sb_put(struct strbuf *sb, const void *p, size_t n)
{
	if (!grow(sb, n))
		return;
	memcpy(sb->buf + sb->len, p, n);
	sb->len += n;
	sb->buf[sb->len] = '\0';
}

/* Not sb_put(sb, &c, 1): a memcpy call for one byte cost more than the rest of it. */
void sb_putc(struct strbuf *sb, char c)
{
	if (!grow(sb, 1))
		return;
	sb->buf[sb->len++] = c;
	sb->buf[sb->len] = '\0';
}

void sb_puts(struct strbuf *sb, const char *s)
{
	sb_put(sb, s, strlen(s));
}

void sb_printf(struct strbuf *sb, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || !grow(sb, (size_t)n))
		return;
	va_start(ap, fmt);
	vsnprintf(sb->buf + sb->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	sb->len += (size_t)n;
}

void sb_release(struct strbuf *sb)
{
	free(sb->buf);
	*sb = (struct strbuf)STRBUF_INIT;
}

void sb_put_u64_width(struct strbuf *sb, uint64_t v, unsigned width, char pad)
{
	char tmp[24];
	unsigned n = 0;

	do {
		tmp[sizeof(tmp) - ++n] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while (n < width && n < sizeof(tmp))
		tmp[sizeof(tmp) - ++n] = pad;
	sb_put(sb, tmp + sizeof(tmp) - n, n);
}

void sb_put_u64(struct strbuf *sb, uint64_t v)
{
	sb_put_u64_width(sb, v, 0, ' ');
}

void sb_put_s64(struct strbuf *sb, int64_t v)
{
	if (v < 0) {
		sb_putc(sb, '-');
		sb_put_u64(sb, -(uint64_t)v);
	} else {
		sb_put_u64(sb, (uint64_t)v);
	}
}

void sb_put_hex(struct strbuf *sb, uint64_t v)
{
	char tmp[18];
	unsigned n = 0;

	do {
		tmp[sizeof(tmp) - ++n] = "0123456789abcdef"[v & 15];
		v >>= 4;
	} while (v);
	tmp[sizeof(tmp) - ++n] = 'x';
	tmp[sizeof(tmp) - ++n] = '0';
	sb_put(sb, tmp + sizeof(tmp) - n, n);
}
