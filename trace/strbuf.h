/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A growable byte string for building listings, format files and trace text. */
#ifndef XOL_TRACE_STRBUF_H
#define XOL_TRACE_STRBUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Always NUL-terminated when buf is not NULL.  An allocation failure
 * makes the buffer sticky-failed (oom set, later appends do nothing), so
 * callers check once at the end instead of after every append.
 */
struct strbuf {
	char *buf;
	size_t len, cap;
	bool oom;
};

#define STRBUF_INIT { 0 }

void sb_putc(struct strbuf *sb, char c);
void sb_put(struct strbuf *sb, const void *p, size_t n);
void sb_puts(struct strbuf *sb, const char *s);
void sb_printf(struct strbuf *sb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void sb_release(struct strbuf *sb);

/* Numbers without printf: the trace text of millions of records is made of them. */
void sb_put_u64(struct strbuf *sb, uint64_t v);
void sb_put_s64(struct strbuf *sb, int64_t v);
void sb_put_hex(struct strbuf *sb, uint64_t v); /* 0x and lowercase digits, no padding */
/* @v in decimal, padded with @pad on the left (' ' or '0') to at least @width columns. */
void sb_put_u64_width(struct strbuf *sb, uint64_t v, unsigned width, char pad);

/* The text so far, "" for an empty buffer. */
static inline const char *sb_str(const struct strbuf *sb) { return sb->buf ? sb->buf : ""; }

#endif
