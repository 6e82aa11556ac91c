// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Writing perf.data that the real perf reads: the layout is drawn in
 * perf-data.h.  Records are built in one buffer and written in large
 * chunks; the header goes last, once the data's size is known (pipe
 * mode instead sends attrs, tracing data and features in-band first).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "perf-data.h"
#include "trace/events.h"
#include "trace/strbuf.h"

#define WBUF_SIZE (1u << 20)
#define NAME_ALIGN 64
#define TRAILER_SIZE 32 /* {pid,tid} {time} {cpu,res} {identifier} */

struct comm_slot {
	int32_t tid;
	char comm[16];
};

struct perf_writer {
	int fd;
	bool pipe;
	uint8_t *buf;
	size_t len;
	uint64_t pos;                  /* bytes written to fd so far */
	uint64_t data_off;
	const struct tp_event *const *evs;
	unsigned nevs;
	char **cmdline;
	uint64_t samples, first_ns, last_ns;
	struct comm_slot *comms;       /* open addressing by tid; tid 0 = empty */
	size_t ncomms, capcomms;
	struct comm_slot *last;        /* the last sample's slot: most samples repeat it */
	int err;
};

static uint64_t sample_id(const struct tp_event *ev)
{
	return ev->id;
}

static int wflush(struct perf_writer *w)
{
	size_t at = 0;

	while (at < w->len) {
		ssize_t n = write(w->fd, w->buf + at, w->len - at);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			w->err = n < 0 ? -errno : -EIO;
			w->len = 0;
			return w->err;
		}
		at += (size_t)n;
	}
	w->pos += w->len;
	w->len = 0;
	return 0;
}

/* Room for @n more bytes in the buffer (records are far smaller than it). */
static uint8_t *wreserve(struct perf_writer *w, size_t n)
{
	if (w->len + n > WBUF_SIZE && wflush(w))
		return NULL;
	uint8_t *p = w->buf + w->len;
	w->len += n;
	return p;
}

static int wput(struct perf_writer *w, const void *p, size_t n)
{
	while (n) {
		size_t room = WBUF_SIZE - w->len;
		if (!room && wflush(w))
			return w->err;
		size_t k = n < room ? n : room;
		memcpy(w->buf + w->len, p, k);
		w->len += k;
		p = (const uint8_t *)p + k;
		n -= k;
	}
	return w->err;
}

static int wput_zero(struct perf_writer *w, size_t n)
{
	static const uint8_t z[64];

	while (n) {
		size_t k = n < sizeof(z) ? n : sizeof(z);
		wput(w, z, k);
		n -= k;
	}
	return w->err;
}

static uint64_t wtell(const struct perf_writer *w)
{
	return w->pos + w->len;
}

static void attr_of(const struct tp_event *ev, uint8_t attr[PERF_ATTR_SIZE])
{
	uint32_t type = PERF_TYPE_TRACEPOINT, size = PERF_ATTR_SIZE, wakeup = 1;
	uint64_t config = ev->id, period = 1, st = XOL_SAMPLE_TYPE;
	uint64_t flags = PERF_ATTR_SAMPLE_ID_ALL | PERF_ATTR_INHERIT | PERF_ATTR_COMM |
			 PERF_ATTR_TASK | PERF_ATTR_COMM_EXEC;

	memset(attr, 0, PERF_ATTR_SIZE);
	memcpy(attr + 0, &type, 4);
	memcpy(attr + 4, &size, 4);
	memcpy(attr + 8, &config, 8);
	memcpy(attr + 16, &period, 8);
	memcpy(attr + 24, &st, 8);
	memcpy(attr + 40, &flags, 8);
	memcpy(attr + 48, &wakeup, 4);
}

/* --- the tracing-data blob ----------------------------------------------- */

static const char header_page[] =
	"\tfield: u64 timestamp;\toffset:0;\tsize:8;\tsigned:0;\n"
	"\tfield: local_t commit;\toffset:8;\tsize:8;\tsigned:1;\n"
	"\tfield: int overwrite;\toffset:8;\tsize:1;\tsigned:1;\n"
	"\tfield: char data;\toffset:16;\tsize:4080;\tsigned:1;\n";

static const char header_event[] =
	"# compressed entry header\n"
	"\ttype_len    :    5 bits\n"
	"\ttime_delta  :   27 bits\n"
	"\tarray       :   32 bits\n"
	"\n"
	"\tpadding     : type == 29\n"
	"\ttime_extend : type == 30\n"
	"\ttime_stamp : type == 31\n"
	"\tdata max type_len  == 28\n";

static void put_u32(struct strbuf *sb, uint32_t v)
{
	sb_put(sb, &v, 4);
}

static void put_u64(struct strbuf *sb, uint64_t v)
{
	sb_put(sb, &v, 8);
}

/* What perf record's tracing_data_get() makes: trace-event-read.c reads it. */
void perf_tracing_data(const struct tp_event *const *evs, unsigned n, struct strbuf *sb)
{
	struct strbuf fmt = STRBUF_INIT;
	unsigned nsys = 0;

	sb_put(sb, "\x17\x08\x44tracing0.6", 13);
	sb_putc(sb, 0);
	sb_putc(sb, 0);       /* little endian */
	sb_putc(sb, 8);       /* sizeof(long) */
	put_u32(sb, 4096);
	sb_put(sb, "header_page", 12);
	put_u64(sb, sizeof(header_page) - 1);
	sb_puts(sb, header_page);
	sb_put(sb, "header_event", 13);
	put_u64(sb, sizeof(header_event) - 1);
	sb_puts(sb, header_event);
	put_u32(sb, 0);       /* no ftrace formats */

	/* one entry per system (group), in the order groups first appear */
	for (unsigned i = 0; i < n; i++) {
		bool first = true;
		for (unsigned j = 0; j < i && first; j++)
			first = strcmp(evs[j]->group, evs[i]->group) != 0;
		nsys += first;
	}
	put_u32(sb, nsys);
	for (unsigned i = 0; i < n; i++) {
		bool first = true;
		for (unsigned j = 0; j < i && first; j++)
			first = strcmp(evs[j]->group, evs[i]->group) != 0;
		if (!first)
			continue;
		unsigned count = 0;
		for (unsigned j = i; j < n; j++)
			count += !strcmp(evs[j]->group, evs[i]->group);
		sb_put(sb, evs[i]->group, strlen(evs[i]->group) + 1);
		put_u32(sb, count);
		for (unsigned j = i; j < n; j++) {
			if (strcmp(evs[j]->group, evs[i]->group))
				continue;
			fmt.len = 0;
			tp_format(evs[j], &fmt);
			put_u64(sb, fmt.len);
			sb_put(sb, sb_str(&fmt), fmt.len);
		}
	}
	put_u32(sb, 0);       /* kallsyms */
	put_u32(sb, 0);       /* printk formats */
	put_u64(sb, 0);       /* saved cmdlines */
	sb_release(&fmt);
}

/* --- features ------------------------------------------------------------ */

static void feat_string(struct strbuf *sb, const char *s)
{
	size_t n = strlen(s) + 1;
	uint32_t len = (uint32_t)((n + NAME_ALIGN - 1) & ~(size_t)(NAME_ALIGN - 1));

	put_u32(sb, len);
	sb_put(sb, s, n);
	for (size_t i = n; i < len; i++)
		sb_putc(sb, 0);
}

static void feature(struct perf_writer *w, int bit, struct strbuf *sb)
{
	struct utsname u;
	char host[256] = "";
	long online = sysconf(_SC_NPROCESSORS_ONLN), conf = sysconf(_SC_NPROCESSORS_CONF);

	uname(&u);
	gethostname(host, sizeof(host) - 1);
	switch (bit) {
	case HEADER_TRACING_DATA:
		perf_tracing_data(w->evs, w->nevs, sb);
		break;
	case HEADER_HOSTNAME:
		feat_string(sb, host);
		break;
	case HEADER_OSRELEASE:
		feat_string(sb, u.release);
		break;
	case HEADER_VERSION:
		feat_string(sb, "6.1.0 (xol)");
		break;
	case HEADER_ARCH:
		feat_string(sb, u.machine);
		break;
	case HEADER_NRCPUS:
		put_u32(sb, (uint32_t)(conf > 0 ? conf : 1));
		put_u32(sb, (uint32_t)(online > 0 ? online : 1));
		break;
	case HEADER_CMDLINE: {
		uint32_t nr = 0;
		char exe[4096];
		ssize_t k = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
		exe[k > 0 ? k : 0] = 0;
		for (char **a = w->cmdline; a && *a; a++)
			nr++;
		put_u32(sb, nr + 1);
		feat_string(sb, k > 0 ? exe : "xol");
		for (char **a = w->cmdline; a && *a; a++)
			feat_string(sb, *a);
		break;
	}
	case HEADER_EVENT_DESC: {
		uint8_t attr[PERF_ATTR_SIZE];
		char name[2 * TP_NAME_MAX + 2];
		put_u32(sb, w->nevs);
		put_u32(sb, PERF_ATTR_SIZE);
		for (unsigned i = 0; i < w->nevs; i++) {
			attr_of(w->evs[i], attr);
			sb_put(sb, attr, sizeof(attr));
			put_u32(sb, 1);
			snprintf(name, sizeof(name), "%s:%s", w->evs[i]->group, w->evs[i]->name);
			feat_string(sb, name);
			put_u64(sb, sample_id(w->evs[i]));
		}
		break;
	}
	case HEADER_SAMPLE_TIME:
		put_u64(sb, w->first_ns);
		put_u64(sb, w->last_ns);
		break;
	}
}

static const int features[] = {
	HEADER_TRACING_DATA, HEADER_HOSTNAME, HEADER_OSRELEASE, HEADER_VERSION, HEADER_ARCH,
	HEADER_NRCPUS, HEADER_CMDLINE, HEADER_EVENT_DESC, HEADER_SAMPLE_TIME,
};
#define NFEATURES (sizeof(features) / sizeof(features[0]))

/* --- opening: the attrs, in the file or in-band -------------------------- */

static int write_pipe_head(struct perf_writer *w)
{
	uint64_t hdr[2] = { PERF_MAGIC, PERF_PIPE_HDR_SIZE };
	uint8_t attr[PERF_ATTR_SIZE];
	struct strbuf sb = STRBUF_INIT;

	wput(w, hdr, sizeof(hdr));
	for (unsigned i = 0; i < w->nevs; i++) {
		struct perf_rec_header h = { PERF_RECORD_HEADER_ATTR, 0,
					     sizeof(h) + PERF_ATTR_SIZE + 8 };
		uint64_t id = sample_id(w->evs[i]);
		attr_of(w->evs[i], attr);
		wput(w, &h, sizeof(h));
		wput(w, attr, sizeof(attr));
		wput(w, &id, 8);
	}
	/* features in-band, as perf record -o - sends them: {header, u64 bit, payload} */
	for (size_t f = 0; f < NFEATURES; f++) {
		if (features[f] == HEADER_TRACING_DATA || features[f] == HEADER_SAMPLE_TIME ||
		    features[f] == HEADER_EVENT_DESC)
			continue;
		sb.len = 0;
		feature(w, features[f], &sb);
		struct perf_rec_header h = { PERF_RECORD_HEADER_FEATURE, 0,
					     (uint16_t)(sizeof(h) + 8 + sb.len) };
		uint64_t bit = (uint64_t)features[f];
		wput(w, &h, sizeof(h));
		wput(w, &bit, 8);
		wput(w, sb_str(&sb), sb.len);
	}
	/* {header (16 bytes with size and pad), then the blob padded to 8} */
	sb.len = 0;
	perf_tracing_data(w->evs, w->nevs, &sb);
	uint32_t padded = (uint32_t)((sb.len + 7) & ~(size_t)7);
	struct perf_rec_header h = { PERF_RECORD_HEADER_TRACING_DATA, 0, 16 };
	uint32_t sz[2] = { padded, 0 };
	wput(w, &h, sizeof(h));
	wput(w, sz, sizeof(sz));
	wput(w, sb_str(&sb), sb.len);
	wput_zero(w, padded - sb.len);
	bool oom = sb.oom;
	sb_release(&sb);
	if (oom)
		return -ENOMEM;
	return wflush(w);
}

static int write_file_head(struct perf_writer *w)
{
	uint8_t attr[PERF_ATTR_SIZE];
	uint64_t attrs_off = PERF_HEADER_SIZE;
	uint64_t ids_off = attrs_off + (uint64_t)w->nevs * (PERF_ATTR_SIZE + 16);

	wput_zero(w, PERF_HEADER_SIZE); /* the header, written at close */
	for (unsigned i = 0; i < w->nevs; i++) {
		struct perf_section ids = { ids_off + 8ull * i, 8 };
		attr_of(w->evs[i], attr);
		wput(w, attr, sizeof(attr));
		wput(w, &ids, sizeof(ids));
	}
	for (unsigned i = 0; i < w->nevs; i++) {
		uint64_t id = sample_id(w->evs[i]);
		wput(w, &id, 8);
	}
	w->data_off = wtell(w);
	return w->err;
}

int perfw_open(struct perf_writer **out, const struct perf_writer_opts *o)
{
	struct perf_writer *w = calloc(1, sizeof(*w));

	if (!w)
		return -ENOMEM;
	w->pipe = !strcmp(o->path, "-");
	w->evs = o->events;
	w->nevs = o->nevents;
	w->cmdline = o->cmdline;
	w->buf = malloc(WBUF_SIZE);
	w->fd = w->pipe ? o->pipe_fd : open(o->path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (!w->buf || w->fd < 0) {
		int err = w->fd < 0 ? -errno : -ENOMEM;
		if (w->fd >= 0)
			close(w->fd);
		free(w->buf);
		free(w);
		return err;
	}
	int err = w->pipe ? write_pipe_head(w) : write_file_head(w);
	if (err) {
		perfw_abort(w);
		return err;
	}
	*out = w;
	return 0;
}

/* --- records --------------------------------------------------------------- */

static struct comm_slot *comm_slot(struct perf_writer *w, int32_t tid)
{
	if (w->ncomms * 2 >= w->capcomms) {
		size_t nc = w->capcomms ? w->capcomms * 2 : 256;
		struct comm_slot *n = calloc(nc, sizeof(*n));
		if (!n)
			return NULL;
		for (size_t i = 0; i < w->capcomms; i++) {
			if (!w->comms[i].tid)
				continue;
			size_t h = (uint32_t)w->comms[i].tid * 2654435761u % nc;
			while (n[h].tid)
				h = (h + 1) % nc;
			n[h] = w->comms[i];
		}
		free(w->comms);
		w->comms = n;
		w->last = NULL;
		w->capcomms = nc;
	}
	size_t h = (uint32_t)tid * 2654435761u % w->capcomms;
	while (w->comms[h].tid && w->comms[h].tid != tid)
		h = (h + 1) % w->capcomms;
	return &w->comms[h];
}

/* strncmp(slot, comm, 15) == 0 without a call: a slot holds at most 15 characters. */
static inline bool comm_same(const char *slot, const char *comm)
{
	for (int i = 0; i < 15; i++) {
		if (slot[i] != comm[i])
			return false;
		if (!slot[i])
			return true;
	}
	return true;
}

static void put_trailer(uint8_t *p, int32_t pid, int32_t tid, uint64_t ns, uint32_t cpu, uint64_t id)
{
	uint32_t cpures[2] = { cpu, 0 };

	memcpy(p, &pid, 4);
	memcpy(p + 4, &tid, 4);
	memcpy(p + 8, &ns, 8);
	memcpy(p + 16, cpures, 8);
	memcpy(p + 24, &id, 8);
}

static int write_comm(struct perf_writer *w, const struct tp_event *ev, int32_t pid, int32_t tid,
		      uint32_t cpu, uint64_t ns, const char *comm)
{
	size_t n = strnlen(comm, 15);
	size_t clen = (n + 1 + 7) & ~(size_t)7;
	size_t size = 8 + 8 + clen + TRAILER_SIZE;
	uint8_t *p = wreserve(w, size);

	if (!p)
		return w->err;
	struct perf_rec_header h = { PERF_RECORD_COMM, 0, (uint16_t)size };
	memcpy(p, &h, 8);
	memcpy(p + 8, &pid, 4);
	memcpy(p + 12, &tid, 4);
	memset(p + 16, 0, clen);
	memcpy(p + 16, comm, n);
	put_trailer(p + 16 + clen, pid, tid, ns, cpu, sample_id(ev));
	return 0;
}

int perfw_sample(struct perf_writer *w, const struct tp_event *ev, int32_t pid, int32_t tid,
		 uint32_t cpu, uint64_t ns, const char *comm, const void *raw, uint32_t size)
{
	if (w->err)
		return w->err;
	if (size > 0xffff - 64)
		return -E2BIG;

	struct comm_slot *cs = w->last;
	if (!cs || cs->tid != (tid ? tid : -1)) {
		cs = w->last = comm_slot(w, tid ? tid : -1);
		if (!cs)
			return -ENOMEM;
	}
	if (!cs->tid || !comm_same(cs->comm, comm)) {
		if (!cs->tid)
			w->ncomms++;
		cs->tid = tid ? tid : -1;
		strncpy(cs->comm, comm, 15);
		cs->comm[15] = 0;
		if (write_comm(w, ev, pid, tid, cpu, ns, comm))
			return w->err;
	}

	/* raw: u32 size, then the record padded so that 4 + size is a multiple of 8 */
	uint32_t rawsz = ((size + 4 + 7) & ~7u) - 4;
	size_t total = 8 + 6 * 8 + 4 + rawsz;
	uint8_t *p = wreserve(w, total);
	if (!p)
		return w->err;
	struct perf_rec_header h = { PERF_RECORD_SAMPLE, PERF_RECORD_MISC_USER, (uint16_t)total };
	uint64_t id = sample_id(ev), ip = 0, period = 1;
	uint32_t cpures[2] = { cpu, 0 };
	/* The padding first: the last 8 bytes (rawsz - size < 8, and the sample is >= 64). */
	memset(p + 60 + rawsz - 8, 0, 8);
	memcpy(p, &h, 8);
	memcpy(p + 8, &id, 8);
	memcpy(p + 16, &ip, 8); /* 0 unless the record has one, below */
	memcpy(p + 24, &pid, 4);
	memcpy(p + 28, &tid, 4);
	memcpy(p + 32, &ns, 8);
	memcpy(p + 40, cpures, 8);
	memcpy(p + 48, &period, 8);
	memcpy(p + 56, &rawsz, 4);
	/*
	 * @raw may be memory that the target can still write: it is read
	 * once, and the ip (its own 8 bytes, read apart) means nothing to
	 * the rest of the sample.
	 */
	if (size >= 16)
		memcpy(p + 16, (const uint8_t *)raw + 8, 8);
	memcpy(p + 60, raw, size);

	if (!w->samples++)
		w->first_ns = ns;
	if (ns > w->last_ns)
		w->last_ns = ns;
	/* Every flush ends a round: perf sorts the records up to the one before by time. */
	if (w->len > WBUF_SIZE - 8192) {
		struct perf_rec_header fr = { PERF_RECORD_FINISHED_ROUND, 0, 8 };
		memcpy(wreserve(w, 8), &fr, 8);
		return wflush(w);
	}
	return 0;
}

int perfw_lost(struct perf_writer *w, const struct tp_event *ev, uint64_t lost)
{
	uint8_t *p = wreserve(w, 8 + 16 + TRAILER_SIZE);
	uint64_t id = sample_id(ev);

	if (!p)
		return w->err;
	struct perf_rec_header h = { PERF_RECORD_LOST, 0, 8 + 16 + TRAILER_SIZE };
	memcpy(p, &h, 8);
	memcpy(p + 8, &id, 8);
	memcpy(p + 16, &lost, 8);
	put_trailer(p + 24, -1, -1, w->last_ns, 0, id);
	return 0;
}

void perfw_abort(struct perf_writer *w)
{
	if (!w)
		return;
	if (w->fd >= 0)
		close(w->fd);
	free(w->buf);
	free(w->comms);
	free(w);
}

int perfw_close(struct perf_writer *w, uint64_t *bytes, uint64_t *samples)
{
	struct perf_rec_header fr = { PERF_RECORD_FINISHED_ROUND, 0, 8 };
	int err;

	wput(w, &fr, 8);
	if (w->pipe) {
		err = wflush(w);
		goto out;
	}

	uint64_t data_end = wtell(w);
	struct perf_file_header fh = {
		.magic = PERF_MAGIC, .size = PERF_HEADER_SIZE, .attr_size = PERF_ATTR_SIZE + 16,
		.attrs = { PERF_HEADER_SIZE, (uint64_t)w->nevs * (PERF_ATTR_SIZE + 16) },
		.data = { w->data_off, data_end - w->data_off },
	};
	struct perf_section idx[NFEATURES];
	struct strbuf sb = STRBUF_INIT;
	uint64_t at = data_end + sizeof(idx);

	/* payloads after the index: build them first to know their places */
	for (size_t f = 0; f < NFEATURES; f++) {
		size_t before = sb.len;
		feature(w, features[f], &sb);
		idx[f] = (struct perf_section){ at + before, sb.len - before };
		fh.features[features[f] / 64] |= 1ull << (features[f] % 64);
	}
	wput(w, idx, sizeof(idx));
	wput(w, sb_str(&sb), sb.len);
	err = sb.oom ? -ENOMEM : wflush(w);
	sb_release(&sb);
	if (!err && pwrite(w->fd, &fh, sizeof(fh), 0) != (ssize_t)sizeof(fh))
		err = -errno;
out:
	if (!err)
		err = w->err;
	*bytes = wtell(w);
	*samples = w->samples;
	if (close(w->fd) && !err)
		err = -errno;
	w->fd = -1;
	perfw_abort(w);
	return err;
}
