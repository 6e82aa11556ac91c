// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * perf script's trace column: an event's print fmt applied to a record as
 * libtraceevent (the one perf 6.1 uses) applies it, quirks included:
 *
 *   - a field is read with its size and never sign-extended: an s8 of -1
 *     printed with %d is 255;
 *   - REC->f[i] reads elements of the field's elementsize, which is 0 (so
 *     the value 0) for an array of anything but char, u8 and s8;
 *   - %c is not a conversion it knows: it prints ">c<" and takes no
 *     argument, so the later conversions take the arguments one early;
 *   - %s of a plain field prints its bytes, %s of an 8-byte field prints
 *     it as %llx (a pointer), __get_str() prints from the __data_loc offset
 *     to the next NUL whatever the length says;
 *   - an event it could not parse prints [FAILED TO PARSE] and its fields.
 */
#include <stdio.h>
#include <string.h>

#include "perf-data.h"

static uint64_t read_at(const uint8_t *raw, size_t avail, size_t at, uint32_t size)
{
	uint8_t b[8] = { 0 };

	if (size != 1 && size != 2 && size != 4 && size != 8)
		return 0;
	for (uint32_t i = 0; i < size; i++)
		b[i] = at + i < avail ? raw[at + i] : 0;
	switch (size) {
	case 1: return b[0];
	case 2: { uint16_t v; memcpy(&v, b, 2); return v; }
	case 4: { uint32_t v; memcpy(&v, b, 4); return v; }
	default: { uint64_t v; memcpy(&v, b, 8); return v; }
	}
}

uint64_t pf_read(const struct pf_field *f, const uint8_t *raw, uint32_t size, uint32_t at)
{
	(void)at;
	return read_at(raw, size, f->offset, f->size);
}

/* The NUL-terminated text at @off, cut at @avail. */
static void put_cstr(struct strbuf *out, const char *conv, const uint8_t *raw, size_t avail, size_t off)
{
	size_t n = 0;

	while (off + n < avail && raw[off + n])
		n++;
	if (!strcmp(conv, "%s")) {
		sb_put(out, off < avail ? raw + off : raw, off < avail ? n : 0);
		return;
	}
	char tmp[4097];
	if (n > sizeof(tmp) - 1)
		n = sizeof(tmp) - 1;
	memcpy(tmp, off < avail ? raw + off : raw, off < avail ? n : 0);
	tmp[off < avail ? n : 0] = 0;
	sb_printf(out, conv, tmp);
}

/* "%d", "%Lu", "%lx"...: no flag, width or precision, so no printf needed. */
static bool simple_conv(const char *conv)
{
	size_t n = strlen(conv);

	return n >= 2 && strspn(conv + 1, "hlL") == n - 2 && strchr("diuxX", conv[n - 1]);
}

static void put_hex(struct strbuf *out, uint64_t v, bool upper)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char buf[16];
	int i = 16;

	do {
		buf[--i] = digits[v & 15];
		v >>= 4;
	} while (v);
	sb_put(out, buf + i, (size_t)(16 - i));
}

static void print_num(struct strbuf *out, const struct pf_seg *s, uint64_t val)
{
	if (simple_conv(s->conv)) {
		/* the value as the cast below would give it, then printed as d/u/x */
		int64_t sv;
		uint64_t uv;
		switch (s->ls) {
		case -2: sv = (signed char)val; uv = (unsigned char)val; break;
		case -1: sv = (short)val; uv = (unsigned short)val; break;
		case 0: sv = (int)val; uv = (unsigned int)val; break;
		default: sv = (int64_t)val; uv = val; break;
		}
		switch (s->letter) {
		case 'd': case 'i': sb_put_s64(out, sv); return;
		case 'u': sb_put_u64(out, uv); return;
		default: put_hex(out, uv, s->letter == 'X'); return;
		}
	}
	switch (s->ls) {
	case -2: sb_printf(out, s->conv, (char)val); break;
	case -1: sb_printf(out, s->conv, (short)val); break;
	case 0: sb_printf(out, s->conv, (int)val); break;
	case 1: sb_printf(out, s->conv, (long)val); break;
	default: sb_printf(out, s->conv, (long long)val); break;
	}
}

static void print_field_raw(struct strbuf *out, const struct pf_field *f, const uint8_t *raw,
			    size_t avail)
{
	if (f->is_array) {
		size_t off = f->offset, len = f->size;
		if (f->is_dynamic) {
			uint64_t v = read_at(raw, avail, off, f->size);
			off = v & 0xffff;
			len = (v >> 16) & 0xffff;
		}
		bool printable = f->is_string && len && off + len <= avail && !raw[off + len - 1];
		for (size_t i = 0; printable && i < len && raw[off + i]; i++)
			printable = raw[off + i] >= 0x20 && raw[off + i] < 0x7f ? true
				  : !!strchr("\t\n\v\f\r ", raw[off + i]);
		if (printable) {
			put_cstr(out, "%s", raw, avail, off);
			return;
		}
		sb_puts(out, "ARRAY[");
		for (size_t i = 0; i < len; i++)
			sb_printf(out, "%s%02x", i ? ", " : "", off + i < avail ? raw[off + i] : 0);
		sb_putc(out, ']');
		return;
	}
	uint64_t val = read_at(raw, avail, f->offset, f->size);
	if (f->is_pointer)
		sb_printf(out, "0x%llx", (unsigned long long)val);
	else if (f->is_signed && f->size == 4)
		sb_printf(out, f->is_long ? "0x%x" : "%d", (int)val);
	else if (f->is_signed && f->size == 2)
		sb_printf(out, "%2d", (short)val);
	else if (f->is_signed && f->size == 1)
		sb_printf(out, "%1d", (char)val);
	else if (f->is_signed)
		sb_printf(out, "%lld", (long long)val);
	else if (f->is_long)
		sb_printf(out, "0x%llx", (unsigned long long)val);
	else
		sb_printf(out, "%llu", (unsigned long long)val);
}

void pf_print(const struct perf_evfmt *ef, const uint8_t *raw, uint32_t size, size_t avail,
	      struct strbuf *out)
{
	if (avail < size)
		avail = size;
	if (ef->failed) {
		sb_puts(out, "[FAILED TO PARSE]");
		for (unsigned i = ef->ncommon; i < ef->nfields; i++) {
			sb_printf(out, " %s=", ef->fields[i].name);
			print_field_raw(out, &ef->fields[i], raw, avail);
		}
		return;
	}
	for (unsigned i = 0; i < ef->nsegs; i++) {
		const struct pf_seg *s = &ef->segs[i];
		sb_put(out, s->lit, s->litlen);
		if (!s->letter)
			continue;
		const struct pf_field *f = &ef->fields[s->field];
		if (s->letter != 's') {
			uint64_t v = 0;
			if (s->arg == PF_ARG_FIELD)
				v = read_at(raw, avail, f->offset, f->size);
			else if (s->arg == PF_ARG_INDEX)
				v = read_at(raw, avail, (size_t)f->offset + (size_t)s->index * f->elemsize,
					    f->elemsize);
			print_num(out, s, v);
			continue;
		}
		if (s->arg == PF_ARG_STR) {
			uint64_t v = read_at(raw, avail, f->offset, 4);
			put_cstr(out, s->conv, raw, avail, v & 0xffff);
		} else if (s->arg == PF_ARG_FIELD && !f->is_array && f->size == 8) {
			sb_printf(out, "%llx", (unsigned long long)read_at(raw, avail, f->offset, 8));
		} else if (s->arg == PF_ARG_FIELD) {
			char tmp[4097];
			size_t n = f->size ? f->size : (size > f->offset ? size - f->offset : 0);
			if (n > sizeof(tmp) - 1)
				n = sizeof(tmp) - 1;
			for (size_t k = 0; k < n; k++)
				tmp[k] = (char)(f->offset + k < avail ? raw[f->offset + k] : 0);
			tmp[n] = 0;
			sb_printf(out, s->conv, tmp);
		}
	}
}
