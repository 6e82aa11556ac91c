// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Reading perf.data as perf script does: the file format (header, attrs,
 * data, features at data end) or the pipe format (everything in-band),
 * from a mapped file or a stream.  Samples come out in perf's order:
 * records are queued and sorted by time, and a FINISHED_ROUND lets out
 * those up to the highest time of the round before (ordered-events.c);
 * COMM records go through the same queue, so a sample is named by the
 * comm its thread had at its time.
 *
 * Everything in the file is checked before use: a bad size, offset or
 * count is an error with a message, never a read out of bounds.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "perf-data.h"

struct rd_attr {
	uint64_t raw[16];              /* the perf_event_attr as the file has it (128 bytes at
					  most; missing tail fields zero) */
	uint32_t type;
	uint64_t config, sample_type, id;
	bool sample_id_all;
	struct perf_evfmt *fmt;
	char *name;                    /* EVENT_DESC's */
};

struct qent {
	uint64_t time, seq;
	const uint8_t *rec;            /* the whole record */
	uint8_t *own;                  /* stream input: a copy */
	size_t avail;                  /* readable bytes from rec */
};

struct comm_ent {
	int32_t tid;
	bool used;
	char comm[32];
};

struct perf_reader {
	/* input: a mapping (file, or memory for the fuzzer) or a stream */
	int fd;
	const uint8_t *map;
	size_t maplen;
	bool mapped, unmap;
	uint8_t *sbuf;
	size_t scap, shead, stail;
	uint64_t pos;                  /* offset of the next unread byte */
	uint64_t limit;                /* file format: end of the data section */
	bool pipe, eof;

	struct rd_attr *attrs;
	unsigned nattrs;
	struct perf_evfmt **fmts;      /* by ID */
	unsigned nfmts;
	const struct perf_evfmt **recorded;
	bool have_tracing;

	struct qent *q;
	size_t qhead, qready, qn, qcap;
	uint64_t seq, max_ts, next_flush;
	bool ordered;

	struct comm_ent *comms;
	size_t ncomms, capcomms;
	uint64_t lost;
	uint8_t *cur_own;              /* the copy behind the last sample returned */
	char tidname[24];
	char err[512];
	const char *path;
};

static int fail(struct perf_reader *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int fail(struct perf_reader *r, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (r->err[0])
		return -1; /* keep the first */
	n = snprintf(r->err, sizeof(r->err), "%s: ", r->path);
	va_start(ap, fmt);
	vsnprintf(r->err + n, sizeof(r->err) - (size_t)n, fmt, ap);
	va_end(ap);
	return -1;
}

/* --- input ----------------------------------------------------------------- */

/* @n bytes at the current position, or NULL at the end of input. */
static const uint8_t *src_peek(struct perf_reader *r, size_t n)
{
	if (r->mapped) {
		uint64_t end = r->limit ? r->limit : r->maplen;
		if (r->pos > end || n > end - r->pos)
			return NULL;
		return r->map + r->pos;
	}
	while (r->stail - r->shead < n) {
		if (r->eof)
			return NULL;
		if (r->shead && r->shead * 2 >= r->stail) {
			memmove(r->sbuf, r->sbuf + r->shead, r->stail - r->shead);
			r->stail -= r->shead;
			r->shead = 0;
		}
		if (r->stail + n > r->scap || r->scap - r->stail < 65536) {
			size_t nc = r->scap ? r->scap * 2 : 1 << 20;
			while (nc < r->stail + n + 65536)
				nc *= 2;
			uint8_t *nb = realloc(r->sbuf, nc);
			if (!nb)
				return NULL;
			r->sbuf = nb;
			r->scap = nc;
		}
		ssize_t k = read(r->fd, r->sbuf + r->stail, r->scap - r->stail);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0) {
			r->eof = true;
			return NULL;
		}
		r->stail += (size_t)k;
	}
	return r->sbuf + r->shead;
}

static void src_skip(struct perf_reader *r, size_t n)
{
	r->pos += n;
	if (!r->mapped)
		r->shead += n;
}

/* A bounded cursor over a block already in memory (features, tracing data). */
struct cur {
	const uint8_t *p, *end;
	bool bad;
};

static const uint8_t *take(struct cur *c, size_t n)
{
	if (c->bad || (size_t)(c->end - c->p) < n) {
		c->bad = true;
		return NULL;
	}
	const uint8_t *p = c->p;
	c->p += n;
	return p;
}

static uint32_t take_u32(struct cur *c)
{
	const uint8_t *p = take(c, 4);
	uint32_t v = 0;

	if (p)
		memcpy(&v, p, 4);
	return v;
}

static uint64_t take_u64(struct cur *c)
{
	const uint8_t *p = take(c, 8);
	uint64_t v = 0;

	if (p)
		memcpy(&v, p, 8);
	return v;
}

/* A NUL-terminated string inside the block. */
static const char *take_str(struct cur *c)
{
	if (c->bad)
		return NULL;
	const uint8_t *nul = memchr(c->p, 0, (size_t)(c->end - c->p));
	if (!nul) {
		c->bad = true;
		return NULL;
	}
	const char *s = (const char *)c->p;
	c->p = nul + 1;
	return s;
}

/* --- tracing data ---------------------------------------------------------- */

static int by_id(const void *a, const void *b)
{
	const struct perf_evfmt *x = *(struct perf_evfmt *const *)a, *y = *(struct perf_evfmt *const *)b;

	return (x->ev.id > y->ev.id) - (x->ev.id < y->ev.id);
}

static int add_fmt(struct perf_reader *r, const char *sys, const uint8_t *text, uint64_t len)
{
	struct perf_evfmt *ef = pf_parse(sys, (const char *)text, (size_t)len);

	if (!ef)
		return fail(r, "corrupt tracing data: an event format of system '%s' cannot be read", sys);
	for (unsigned i = 0; i < r->nfmts; i++)
		if (r->fmts[i]->ev.id == ef->ev.id) {
			pf_free(ef); /* libtraceevent keeps the first */
			return 0;
		}
	struct perf_evfmt **n = realloc(r->fmts, (r->nfmts + 2) * sizeof(*n));
	if (!n) {
		pf_free(ef);
		return fail(r, "out of memory");
	}
	r->fmts = n;
	r->fmts[r->nfmts++] = ef;
	r->fmts[r->nfmts] = NULL;
	return 0;
}

/* trace-event-read.c's trace_report(), over a block in memory. */
static int parse_tracing(struct perf_reader *r, const uint8_t *p, size_t len)
{
	struct cur c = { p, p + len, false };
	const uint8_t *m = take(&c, 10);
	char sysname[TP_NAME_MAX + 1];

	if (r->have_tracing)
		return 0;
	if (!m || memcmp(m, "\x17\x08\x44tracing", 10))
		return fail(r, "no trace data in the file (bad tracing-data magic)");
	const char *ver = take_str(&c);
	const uint8_t *hdr = take(&c, 2);
	uint32_t page = take_u32(&c);
	if (c.bad)
		return fail(r, "truncated tracing data");
	if (hdr[0] != 0)
		return fail(r, "big-endian tracing data is not supported");
	if (!page)
		return fail(r, "corrupt tracing data: page size 0");
	const char *hp = take_str(&c);
	if (!hp || strcmp(hp, "header_page"))
		return fail(r, "corrupt tracing data: no header_page");
	uint64_t n = take_u64(&c);
	if (!n || n > len || !take(&c, (size_t)n))
		return fail(r, "corrupt tracing data: bad header_page size");
	const char *he = take_str(&c);
	if (!he || strcmp(he, "header_event"))
		return fail(r, "corrupt tracing data: no header_event");
	n = take_u64(&c);
	if (n > len || !take(&c, (size_t)n))
		return fail(r, "corrupt tracing data: bad header_event size");
	uint32_t nf = take_u32(&c);
	for (uint32_t i = 0; i < nf && !c.bad; i++) {
		n = take_u64(&c);
		if (n > len || !take(&c, (size_t)n))
			c.bad = true;
	}
	uint32_t nsys = take_u32(&c);
	for (uint32_t i = 0; i < nsys && !c.bad; i++) {
		const char *sys = take_str(&c);
		uint32_t count = take_u32(&c);
		if (c.bad)
			break;
		snprintf(sysname, sizeof(sysname), "%s", sys);
		for (uint32_t j = 0; j < count && !c.bad; j++) {
			n = take_u64(&c);
			const uint8_t *text = n && n <= len ? take(&c, (size_t)n) : NULL;
			if (!text)
				return fail(r, "corrupt tracing data: bad format size in system '%s'", sysname);
			if (add_fmt(r, sysname, text, n))
				return -1;
		}
	}
	if (c.bad)
		return fail(r, "truncated or corrupt tracing data");
	/* kallsyms, printk formats, saved cmdlines (0.6): read, not used */
	n = take_u32(&c);
	take(&c, (size_t)(n <= len ? n : len + 1));
	n = take_u32(&c);
	take(&c, (size_t)(n <= len ? n : len + 1));
	if (ver && strcmp(ver, "0.6") >= 0) {
		n = take_u64(&c);
		take(&c, (size_t)(n <= len ? n : len + 1));
	}
	if (c.bad)
		return fail(r, "truncated tracing data");
	if (r->nfmts)
		qsort(r->fmts, r->nfmts, sizeof(*r->fmts), by_id);
	r->have_tracing = true;
	return 0;
}

/* --- attrs ------------------------------------------------------------------ */

static int add_attr(struct perf_reader *r, const uint8_t *attr, size_t asize, const uint8_t *ids,
		    size_t nids)
{
	struct rd_attr a = { 0 };

	if (asize < PERF_ATTR_SIZE_VER0)
		return fail(r, "corrupt attr (size %zu)", asize);
	memcpy(&a.raw, attr, asize < sizeof(a.raw) ? asize : sizeof(a.raw));
	memcpy(&a.type, attr, 4);
	memcpy(&a.config, attr + 8, 8);
	memcpy(&a.sample_type, attr + 24, 8);
	uint64_t flags;
	memcpy(&flags, attr + 40, 8);
	a.sample_id_all = flags & PERF_ATTR_SAMPLE_ID_ALL;
	if (nids)
		memcpy(&a.id, ids, 8);
	if (a.sample_type & ~(uint64_t)(PERF_SAMPLE_IP | PERF_SAMPLE_TID | PERF_SAMPLE_TIME |
					PERF_SAMPLE_ADDR | PERF_SAMPLE_ID | PERF_SAMPLE_STREAM_ID |
					PERF_SAMPLE_CPU | PERF_SAMPLE_PERIOD | PERF_SAMPLE_RAW |
					PERF_SAMPLE_IDENTIFIER | PERF_SAMPLE_CALLCHAIN))
		return fail(r, "unsupported sample_type %#llx", (unsigned long long)a.sample_type);
	if (r->nattrs >= 4096)
		return fail(r, "too many attrs");
	struct rd_attr *n = realloc(r->attrs, (r->nattrs + 1) * sizeof(*n));
	if (!n)
		return fail(r, "out of memory");
	r->attrs = n;
	r->attrs[r->nattrs++] = a;
	if (r->nattrs > 1) {
		const struct rd_attr *f = &r->attrs[0];
		if (f->sample_type != a.sample_type || f->sample_id_all != a.sample_id_all)
			return fail(r, "non matching sample_type or sample_id_all between events");
		if (!(a.sample_type & (PERF_SAMPLE_ID | PERF_SAMPLE_IDENTIFIER)))
			return fail(r, "several events without sample ids");
	}
	r->ordered = r->attrs[0].sample_id_all;
	return 0;
}

/* Tie each tracepoint attr to its format: perf's evsel__prepare_tracepoint_event. */
static int bind_attrs(struct perf_reader *r)
{
	if (r->recorded)
		return 0;
	r->recorded = calloc(r->nattrs + 1, sizeof(*r->recorded));
	if (!r->recorded)
		return fail(r, "out of memory");
	for (unsigned i = 0; i < r->nattrs; i++) {
		struct rd_attr *a = &r->attrs[i];
		if (a->type != PERF_TYPE_TRACEPOINT)
			return fail(r, "event %u is not a tracepoint (type %u): not supported", i, a->type);
		for (unsigned j = 0; j < r->nfmts && !a->fmt; j++)
			if (r->fmts[j]->ev.id == a->config)
				a->fmt = r->fmts[j];
		if (!a->fmt)
			return fail(r, "incompatible file format: no event format for id %llu%s",
				    (unsigned long long)a->config,
				    r->have_tracing ? "" : " (no tracing data)");
		if (!a->fmt->evname) {
			char buf[2 * TP_NAME_MAX + 2];
			snprintf(buf, sizeof(buf), "%s:%s", a->fmt->ev.group, a->fmt->ev.name);
			a->fmt->evname = strdup(a->name ? a->name : buf);
			if (!a->fmt->evname)
				return fail(r, "out of memory");
		}
		r->recorded[i] = a->fmt;
	}
	return 0;
}

/* --- the file format -------------------------------------------------------- */

static int feature_event_desc(struct perf_reader *r, const uint8_t *p, size_t len)
{
	struct cur c = { p, p + len, false };
	uint32_t nr = take_u32(&c), asize = take_u32(&c);

	if (c.bad || asize < PERF_ATTR_SIZE_VER0 || nr > 4096)
		return 0; /* perf ignores a bad one too */
	for (uint32_t i = 0; i < nr && !c.bad; i++) {
		take(&c, asize);
		uint32_t nids = take_u32(&c);
		uint32_t slen = take_u32(&c);
		const uint8_t *s = take(&c, slen);
		const uint8_t *ids = take(&c, (size_t)nids * 8);
		if (c.bad || !slen || !memchr(s, 0, slen) || !nids)
			break;
		uint64_t id;
		memcpy(&id, ids, 8);
		for (unsigned j = 0; j < r->nattrs; j++)
			if (r->attrs[j].id == id && !r->attrs[j].name)
				r->attrs[j].name = strdup((const char *)s);
	}
	return 0;
}

static int open_file_format(struct perf_reader *r)
{
	struct perf_file_header h;

	if (r->maplen < PERF_HEADER_SIZE)
		return fail(r, "truncated perf.data header (%zu bytes)", r->maplen);
	memcpy(&h, r->map, sizeof(h));
	if (h.size != PERF_HEADER_SIZE)
		return fail(r, "unsupported perf.data header size %llu", (unsigned long long)h.size);
	if (!h.attr_size || h.attr_size < PERF_ATTR_SIZE_VER0 + 16 || h.attr_size > 4096)
		return fail(r, "corrupt perf.data: attr_size %llu", (unsigned long long)h.attr_size);
	if (h.attrs.offset > r->maplen || h.attrs.size > r->maplen - h.attrs.offset ||
	    h.data.offset > r->maplen || h.data.size > r->maplen - h.data.offset)
		return fail(r, "truncated or corrupt perf.data: sections past the end of the file "
			       "(%zu bytes)", r->maplen);
	if (h.attrs.offset < PERF_HEADER_SIZE || h.data.offset < PERF_HEADER_SIZE)
		return fail(r, "corrupt perf.data: sections overlap the header");
	if (!h.data.size)
		return fail(r, "no data: was xol record (or perf record) properly terminated?");

	uint64_t nattr = h.attrs.size / h.attr_size;
	for (uint64_t i = 0; i < nattr; i++) {
		const uint8_t *e = r->map + h.attrs.offset + i * h.attr_size;
		uint32_t asize;
		memcpy(&asize, e + 4, 4);
		if (!asize)
			asize = PERF_ATTR_SIZE_VER0;
		if (asize > PERF_ATTR_SIZE || asize + 16 > h.attr_size)
			return fail(r, "file uses a more recent and unsupported ABI (attr size %u)", asize);
		struct perf_section ids;
		memcpy(&ids, e + h.attr_size - 16, 16);
		if (ids.offset > r->maplen || ids.size > r->maplen - ids.offset)
			return fail(r, "truncated or corrupt perf.data: ids of event %llu",
				    (unsigned long long)i);
		if (add_attr(r, e, asize, r->map + ids.offset, (size_t)(ids.size / 8)))
			return -1;
	}
	if (!r->nattrs)
		return fail(r, "no events in the file");

	/* the feature index sits at data end, one section per set bit */
	uint64_t at = h.data.offset + h.data.size;
	for (int bit = 0; bit < 256; bit++) {
		if (!(h.features[bit / 64] & (1ull << (bit % 64))))
			continue;
		struct perf_section s;
		if (at > r->maplen || r->maplen - at < sizeof(s))
			return fail(r, "truncated perf.data: the feature index is past the end");
		memcpy(&s, r->map + at, sizeof(s));
		at += sizeof(s);
		if (s.offset > r->maplen || s.size > r->maplen - s.offset)
			return fail(r, "truncated perf.data: feature %d is past the end", bit);
		if (bit == HEADER_TRACING_DATA && parse_tracing(r, r->map + s.offset, s.size))
			return -1;
		if (bit == HEADER_EVENT_DESC)
			feature_event_desc(r, r->map + s.offset, s.size);
	}
	if (bind_attrs(r))
		return -1;
	r->pos = h.data.offset;
	r->limit = h.data.offset + h.data.size;
	return 0;
}

/* --- records ---------------------------------------------------------------- */

static const struct rd_attr *attr_of_id(const struct perf_reader *r, uint64_t id)
{
	if (r->nattrs == 1)
		return &r->attrs[0];
	for (unsigned i = 0; i < r->nattrs; i++)
		if (r->attrs[i].id == id)
			return &r->attrs[i];
	return NULL;
}

/* The sample's fields in uapi order. 0, or -1 if it does not fit. */
static int parse_sample(struct perf_reader *r, const uint8_t *rec, size_t avail,
			struct perf_sample *s)
{
	struct perf_rec_header h;
	memcpy(&h, rec, 8);
	struct cur c = { rec + 8, rec + h.size, false };
	const struct rd_attr *a;
	uint64_t st = r->attrs[0].sample_type, id = 0;

	memset(s, 0, sizeof(*s));
	if (st & PERF_SAMPLE_IDENTIFIER)
		id = take_u64(&c);
	if (st & PERF_SAMPLE_IP)
		s->ip = take_u64(&c);
	if (st & PERF_SAMPLE_TID) {
		s->pid = (int32_t)take_u32(&c);
		s->tid = (int32_t)take_u32(&c);
	}
	if (st & PERF_SAMPLE_TIME)
		s->time = take_u64(&c);
	if (st & PERF_SAMPLE_ADDR)
		take_u64(&c);
	if (st & PERF_SAMPLE_ID)
		id = take_u64(&c);
	if (st & PERF_SAMPLE_STREAM_ID)
		take_u64(&c);
	if (st & PERF_SAMPLE_CPU) {
		s->cpu = take_u32(&c);
		take_u32(&c);
	}
	s->period = 1;
	if (st & PERF_SAMPLE_PERIOD)
		s->period = take_u64(&c);
	if (st & PERF_SAMPLE_CALLCHAIN) {
		uint64_t nr = take_u64(&c);
		if (nr > 0xffff)
			c.bad = true;
		else
			take(&c, (size_t)nr * 8);
	}
	if (st & PERF_SAMPLE_RAW) {
		s->raw_size = take_u32(&c);
		s->raw = take(&c, s->raw_size);
	}
	if (c.bad)
		return fail(r, "corrupt sample at offset %llu: its fields do not fit its size %u",
			    (unsigned long long)r->pos, h.size);
	a = attr_of_id(r, id);
	if (!a)
		return 1; /* perf drops samples of unknown ids */
	s->id = id;
	s->fmt = a->fmt;
	s->attr = a->raw;
	s->misc = h.misc;
	if (!s->raw) {
		static const uint8_t none[TP_COMMON_SIZE];
		s->raw = none;
		s->raw_size = 0;
		s->raw_avail = 0;
	} else {
		s->raw_avail = avail - (size_t)(s->raw - rec);
	}
	return 0;
}

/* The time in a non-sample record's sample_id trailer, read backwards. */
static bool trailer_time(const struct perf_reader *r, const uint8_t *rec, uint16_t size,
			 uint64_t *time)
{
	uint64_t st = r->attrs[0].sample_type;
	size_t back = 0;

	if (!r->ordered || !(st & PERF_SAMPLE_TIME))
		return false;
	back += st & PERF_SAMPLE_IDENTIFIER ? 8 : 0;
	back += st & PERF_SAMPLE_CPU ? 8 : 0;
	back += st & PERF_SAMPLE_STREAM_ID ? 8 : 0;
	back += st & PERF_SAMPLE_ID ? 8 : 0;
	back += 8;
	if (size < 8 + back)
		return false;
	memcpy(time, rec + size - back, 8);
	return true;
}

static struct comm_ent *comm_find(struct perf_reader *r, int32_t tid, bool add)
{
	if (add && r->ncomms * 2 >= r->capcomms) {
		size_t nc = r->capcomms ? r->capcomms * 2 : 256;
		struct comm_ent *n = calloc(nc, sizeof(*n));
		if (!n)
			return NULL;
		for (size_t i = 0; i < r->capcomms; i++) {
			if (!r->comms[i].used)
				continue;
			size_t h = (uint32_t)r->comms[i].tid * 2654435761u % nc;
			while (n[h].used)
				h = (h + 1) % nc;
			n[h] = r->comms[i];
		}
		free(r->comms);
		r->comms = n;
		r->capcomms = nc;
	}
	if (!r->capcomms)
		return NULL;
	size_t h = (uint32_t)tid * 2654435761u % r->capcomms;
	while (r->comms[h].used && r->comms[h].tid != tid)
		h = (h + 1) % r->capcomms;
	if (!r->comms[h].used) {
		if (!add)
			return NULL;
		r->comms[h].used = true;
		r->comms[h].tid = tid;
		r->ncomms++;
	}
	return &r->comms[h];
}

static void apply_comm(struct perf_reader *r, const uint8_t *rec, uint16_t size)
{
	int32_t tid;

	if (size < 8 + 8 + 1)
		return;
	memcpy(&tid, rec + 12, 4);
	struct comm_ent *ce = comm_find(r, tid, true);
	if (!ce)
		return;
	size_t n = strnlen((const char *)rec + 16, size - 16);
	if (n > sizeof(ce->comm) - 1)
		n = sizeof(ce->comm) - 1;
	memcpy(ce->comm, rec + 16, n);
	ce->comm[n] = 0;
}

static int qcmp(const void *a, const void *b)
{
	const struct qent *x = a, *y = b;

	if (x->time != y->time)
		return x->time < y->time ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* Let out the queued records up to @upto (all with UINT64_MAX), in time order. */
static void qflush(struct perf_reader *r, uint64_t upto)
{
	size_t n = r->qn - r->qhead;
	bool sorted = true;

	for (size_t i = r->qhead + 1; i < r->qn && sorted; i++)
		sorted = qcmp(&r->q[i - 1], &r->q[i]) <= 0;
	if (!sorted)
		qsort(r->q + r->qhead, n, sizeof(*r->q), qcmp);
	size_t i = r->qhead;
	while (i < r->qn && r->q[i].time <= upto)
		i++;
	r->qready = i;
}

static int enqueue(struct perf_reader *r, const uint8_t *rec, uint16_t size, uint64_t time)
{
	if (r->qhead == r->qn)
		r->qhead = r->qn = r->qready = 0;
	if (r->qn == r->qcap) {
		if (r->qhead > r->qcap / 2) {
			memmove(r->q, r->q + r->qhead, (r->qn - r->qhead) * sizeof(*r->q));
			r->qn -= r->qhead;
			r->qready -= r->qhead;
			r->qhead = 0;
		} else {
			size_t nc = r->qcap ? r->qcap * 2 : 4096;
			struct qent *nq = realloc(r->q, nc * sizeof(*nq));
			if (!nq)
				return fail(r, "out of memory");
			r->q = nq;
			r->qcap = nc;
		}
	}
	struct qent *e = &r->q[r->qn++];
	e->time = time;
	e->seq = r->seq++;
	if (r->mapped) {
		e->rec = rec;
		e->own = NULL;
		e->avail = (size_t)(r->map + r->maplen - rec);
	} else {
		e->own = malloc(size);
		if (!e->own) {
			r->qn--;
			return fail(r, "out of memory");
		}
		memcpy(e->own, rec, size);
		e->rec = e->own;
		e->avail = size;
	}
	if (time > r->max_ts)
		r->max_ts = time;
	return 0;
}

/* Read one record. 1: more to come, 0: end of input, -1: error. */
static int read_record(struct perf_reader *r)
{
	const uint8_t *p = src_peek(r, 8);
	struct perf_rec_header h;

	if (!p) {
		if (r->mapped && r->limit && r->pos != r->limit)
			return fail(r, "truncated data section: %llu stray bytes at offset %llu",
				    (unsigned long long)(r->limit - r->pos), (unsigned long long)r->pos);
		if (!r->mapped && r->stail != r->shead)
			return fail(r, "truncated input: a partial record at offset %llu",
				    (unsigned long long)r->pos);
		return 0;
	}
	memcpy(&h, p, 8);
	if (h.size < 8)
		return fail(r, "corrupt record at offset %llu: size %u", (unsigned long long)r->pos,
			    h.size);
	p = src_peek(r, h.size);
	if (!p)
		return fail(r, "truncated input: the record at offset %llu (type %u, %u bytes) is cut short",
			    (unsigned long long)r->pos, h.type, h.size);

	int ret = 0;
	uint64_t time = 0;
	switch (h.type) {
	case PERF_RECORD_SAMPLE: {
		struct perf_sample s;
		if (!r->nattrs)
			return fail(r, "a sample before any event attr");
		if (bind_attrs(r))
			return -1;
		ret = parse_sample(r, p, h.size, &s);
		if (ret < 0)
			return -1;
		if (ret == 0)
			ret = enqueue(r, p, h.size, r->ordered ? s.time : 0);
		else
			ret = 0;
		break;
	}
	case PERF_RECORD_COMM:
		if (!r->nattrs)
			return fail(r, "a record before any event attr");
		if (trailer_time(r, p, h.size, &time))
			ret = enqueue(r, p, h.size, time);
		else
			apply_comm(r, p, h.size);
		break;
	case PERF_RECORD_LOST:
		if (h.size >= 24) {
			uint64_t lost;
			memcpy(&lost, p + 16, 8);
			r->lost += lost;
		}
		break;
	case PERF_RECORD_FINISHED_ROUND:
		if (r->ordered) {
			qflush(r, r->next_flush);
			r->next_flush = r->max_ts;
		}
		break;
	case PERF_RECORD_HEADER_ATTR: {
		if (!r->pipe)
			break;
		uint32_t asize = 0;
		if (h.size >= 8 + 8)
			memcpy(&asize, p + 8 + 4, 4);
		if (!asize)
			asize = PERF_ATTR_SIZE_VER0;
		if (asize > PERF_ATTR_SIZE || 8 + asize > h.size)
			return fail(r, "corrupt or unsupported attr record at offset %llu",
				    (unsigned long long)r->pos);
		ret = add_attr(r, p + 8, asize, p + 8 + asize, (h.size - 8 - asize) / 8);
		break;
	}
	case PERF_RECORD_HEADER_TRACING_DATA: {
		if (!r->pipe || h.size < 12)
			return fail(r, "unexpected tracing-data record at offset %llu",
				    (unsigned long long)r->pos);
		uint32_t tsize;
		memcpy(&tsize, p + 8, 4);
		src_skip(r, h.size);
		const uint8_t *t = src_peek(r, tsize);
		if (!t)
			return fail(r, "truncated input: tracing data of %u bytes is cut short", tsize);
		ret = parse_tracing(r, t, tsize);
		src_skip(r, tsize);
		return ret ? -1 : 1;
	}
	default:
		break;
	}
	src_skip(r, h.size);
	return ret ? -1 : 1;
}

/* --- public ------------------------------------------------------------------ */

static int open_common(struct perf_reader *r)
{
	const uint8_t *p = src_peek(r, 16);
	uint64_t hdr[2];

	if (!p)
		return fail(r, "empty or truncated input: not a perf.data file");
	memcpy(hdr, p, 16);
	if (hdr[0] == __builtin_bswap64(PERF_MAGIC))
		return fail(r, "perf.data of the other byte order is not supported");
	if (hdr[0] != PERF_MAGIC)
		return fail(r, "not a perf.data file (bad magic)");
	if (hdr[1] == PERF_PIPE_HDR_SIZE) {
		r->pipe = true;
		src_skip(r, 16);
		/* everything up to the first sample: attrs, features, tracing data */
		while (!r->have_tracing || !r->nattrs) {
			int ret = read_record(r);
			if (ret < 0)
				return -1;
			if (ret == 0 || r->qn)
				break;
		}
		if (!r->nattrs)
			return fail(r, "no events in the stream");
		return bind_attrs(r);
	}
	if (!r->mapped)
		return fail(r, "a perf.data file in file format can not be read from a pipe "
			       "(record with -o - for pipe format)");
	return open_file_format(r);
}

int perfr_open_mem(struct perf_reader **out, const void *data, size_t len, char *err, size_t errlen)
{
	struct perf_reader *r = calloc(1, sizeof(*r));

	if (!r)
		return -ENOMEM;
	r->fd = -1;
	r->map = data;
	r->maplen = len;
	r->mapped = true;
	r->path = "<memory>";
	if (open_common(r)) {
		snprintf(err, errlen, "%s", r->err);
		perfr_close(r);
		return -EINVAL;
	}
	*out = r;
	return 0;
}

int perfr_open(struct perf_reader **out, const char *path, char *err, size_t errlen)
{
	struct perf_reader *r = calloc(1, sizeof(*r));
	struct stat st;

	if (!r)
		return -ENOMEM;
	r->path = strcmp(path, "-") ? path : "<stdin>";
	r->fd = strcmp(path, "-") ? open(path, O_RDONLY | O_CLOEXEC) : STDIN_FILENO;
	if (r->fd < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		free(r);
		return -errno;
	}
	if (!fstat(r->fd, &st) && S_ISREG(st.st_mode) && st.st_size > 0) {
		void *m = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, r->fd, 0);
		if (m != MAP_FAILED) {
			r->map = m;
			r->maplen = (size_t)st.st_size;
			r->mapped = r->unmap = true;
			madvise(m, r->maplen, MADV_SEQUENTIAL);
		}
	}
	if (open_common(r)) {
		snprintf(err, errlen, "%s", r->err);
		perfr_close(r);
		return -EINVAL;
	}
	*out = r;
	return 0;
}

int perfr_next(struct perf_reader *r, struct perf_sample *s)
{
	free(r->cur_own);
	r->cur_own = NULL;
	for (;;) {
		if (r->err[0])
			return -1;
		if (!r->ordered && r->qhead < r->qn)
			r->qready = r->qn;
		if (r->qhead < r->qready) {
			struct qent *e = &r->q[r->qhead++];
			struct perf_rec_header h;
			memcpy(&h, e->rec, 8);
			if (h.type == PERF_RECORD_COMM) {
				apply_comm(r, e->rec, h.size);
				free(e->own);
				continue;
			}
			if (parse_sample(r, e->rec, e->avail, s)) {
				free(e->own);
				if (r->err[0])
					return -1;
				continue;
			}
			r->cur_own = e->own;
			struct comm_ent *ce = comm_find(r, s->tid, false);
			if (ce) {
				s->comm = ce->comm;
			} else {
				snprintf(r->tidname, sizeof(r->tidname), ":%d", s->tid);
				s->comm = r->tidname;
			}
			return 1;
		}
		int ret = read_record(r);
		if (ret < 0)
			return -1;
		if (ret == 0) {
			if (r->qhead == r->qn)
				return 0;
			qflush(r, UINT64_MAX);
		}
	}
}

const char *perfr_error(const struct perf_reader *r)
{
	return r->err;
}

const struct perf_evfmt *const *perfr_formats(const struct perf_reader *r, unsigned *n)
{
	*n = r->nfmts;
	return (const struct perf_evfmt *const *)r->fmts;
}

const struct perf_evfmt *const *perfr_recorded(const struct perf_reader *r, unsigned *n)
{
	*n = r->nattrs;
	return r->recorded;
}

uint64_t perfr_lost(const struct perf_reader *r)
{
	return r->lost;
}

void perfr_close(struct perf_reader *r)
{
	if (!r)
		return;
	for (size_t i = r->qhead; i < r->qn; i++)
		free(r->q[i].own);
	free(r->cur_own);
	free(r->q);
	for (unsigned i = 0; i < r->nfmts; i++)
		pf_free(r->fmts[i]);
	for (unsigned i = 0; i < r->nattrs; i++)
		free(r->attrs[i].name);
	free(r->fmts);
	free(r->attrs);
	free(r->recorded);
	free(r->comms);
	free(r->sbuf);
	if (r->unmap)
		munmap((void *)r->map, r->maplen);
	if (r->fd > STDIN_FILENO)
		close(r->fd);
	free(r);
}
