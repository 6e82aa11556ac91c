// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The registry: what uprobe_events holds, and what a write(2) to it does.
 *
 * A write is cut into lines as the kernel's trace_parse_run_command() cuts
 * it (4096-byte chunks, so a line may be 4094 bytes plus its newline; the
 * last line needs no newline and may be 4095), a '#' ends each line, and
 * the first failing line stops the write with the lines before it applied.
 * A line starting with '-' is a deletion; anything else is offered to the
 * uprobe parser, and "not mine" (-ECANCELED) becomes a silent EINVAL.
 *
 * A probe line naming an existing event is appended to it when the kinds,
 * argument names and types agree and it is not the very same probe: one
 * event, several probes, one listing line per probe in creation order.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "events.h"
#include "internal.h"
#include "render.h"

/*
 * Each line looks up its event by name and the probes at its (inode,
 * offset), and appends to both lists: hash chains and tail pointers keep a
 * write of thousands of lines (xol probe over a glob, xol stat -x) linear.
 * A chain keeps registry order, so the first match is the kernel's.
 */
struct xol_events {
	struct tp_event *events, **events_tail; /* registry order */
	struct tp_probe *probes, **probes_tail; /* creation order: the listing */
	unsigned next_id;
	bool ids_wrapped;        /* next_id came round: an id it meets may be taken */
	struct tp_event **ev_hash; /* by name, whatever the group */
	struct tp_probe **pr_hash; /* by dev, ino and offset */
	unsigned nbuckets;       /* of each table: 0 or a power of two */
	unsigned nentries;       /* events + probes, to know when to grow */
};

#define TP_ID_FIRST 1
#define TP_ID_LAST  65535

struct xol_events *xol_events_new(void)
{
	struct xol_events *evs = calloc(1, sizeof(*evs));

	if (evs) {
		evs->next_id = TP_ID_FIRST;
		evs->events_tail = &evs->events;
		evs->probes_tail = &evs->probes;
	}
	return evs;
}

/* --- hash chains ----------------------------------------------------------------- */

static unsigned name_bucket(const struct xol_events *evs, const char *name)
{
	uint32_t h = 2166136261u; /* FNV-1a */

	while (*name)
		h = (h ^ (uint8_t)*name++) * 16777619u;
	return h & (evs->nbuckets - 1);
}

static unsigned site_bucket(const struct xol_events *evs, uint64_t dev, uint64_t ino, uint64_t off)
{
	uint64_t h = (dev * 0x9e3779b97f4a7c15ull) ^ (ino * 0xc2b2ae3d27d4eb4full) ^ off;

	h ^= h >> 29;
	h *= 0xbf58476d1ce4e5b9ull;
	h ^= h >> 32;
	return (unsigned)h & (evs->nbuckets - 1);
}

static void hash_event(struct xol_events *evs, struct tp_event *ev)
{
	struct tp_event **pe = &evs->ev_hash[name_bucket(evs, ev->name)];

	while (*pe)
		pe = &(*pe)->hnext;
	ev->hnext = NULL;
	*pe = ev;
}

static void hash_probe(struct xol_events *evs, struct tp_probe *p)
{
	struct tp_probe **pp = &evs->pr_hash[site_bucket(evs, p->dev, p->ino, p->offset)];

	while (*pp)
		pp = &(*pp)->hnext;
	p->hnext = NULL;
	*pp = p;
}

/* Room for one more entry: the tables double when they hold as many as they have buckets. */
static int hash_reserve(struct xol_events *evs)
{
	unsigned n = evs->nbuckets ? evs->nbuckets * 2 : 64;
	struct tp_event **eh;
	struct tp_probe **ph;

	if (evs->nentries < evs->nbuckets)
		return 0;
	eh = calloc(n, sizeof(*eh));
	ph = calloc(n, sizeof(*ph));
	if (!eh || !ph) {
		free(eh);
		free(ph);
		return -ENOMEM;
	}
	free(evs->ev_hash);
	free(evs->pr_hash);
	evs->ev_hash = eh;
	evs->pr_hash = ph;
	evs->nbuckets = n;
	/* rehashed in list order, so that each chain is in registry order again */
	for (struct tp_event *ev = evs->events; ev; ev = ev->next)
		hash_event(evs, ev);
	for (struct tp_probe *p = evs->probes; p; p = p->next)
		hash_probe(evs, p);
	return 0;
}

static void unhash_event(struct xol_events *evs, struct tp_event *ev)
{
	struct tp_event **pe = &evs->ev_hash[name_bucket(evs, ev->name)];

	while (*pe != ev)
		pe = &(*pe)->hnext;
	*pe = ev->hnext;
	evs->nentries--;
}

static void unhash_probe(struct xol_events *evs, struct tp_probe *p)
{
	struct tp_probe **pp = &evs->pr_hash[site_bucket(evs, p->dev, p->ino, p->offset)];

	while (*pp != p)
		pp = &(*pp)->hnext;
	*pp = p->hnext;
	evs->nentries--;
}

/* The first probe at (dev, ino, offset), in creation order; go on with next_at_site(). */
static struct tp_probe *first_at_site(const struct xol_events *evs, uint64_t dev, uint64_t ino,
				      uint64_t off)
{
	struct tp_probe *p = evs->nbuckets ? evs->pr_hash[site_bucket(evs, dev, ino, off)] : NULL;

	while (p && (p->dev != dev || p->ino != ino || p->offset != off))
		p = p->hnext;
	return p;
}

static struct tp_probe *next_at_site(const struct tp_probe *at)
{
	struct tp_probe *p = at->hnext;

	while (p && (p->dev != at->dev || p->ino != at->ino || p->offset != at->offset))
		p = p->hnext;
	return p;
}

static void free_args(struct tp_arg *args, unsigned n)
{
	for (unsigned i = 0; args && i < n; i++)
		tp_arg_release(&args[i]);
	free(args);
}

static void free_probe(struct tp_probe *p)
{
	free_args(p->args, p->event->nargs);
	free(p->path);
	free(p);
}

static void free_event(struct tp_event *ev)
{
	free(ev->data);
	free(ev);
}

void xol_events_clear(struct xol_events *evs)
{
	struct tp_probe *p, *pn;
	struct tp_event *ev, *en;

	if (!evs)
		return;
	for (p = evs->probes; p; p = pn) {
		pn = p->next;
		free_probe(p);
	}
	for (ev = evs->events; ev; ev = en) {
		en = ev->next;
		free_event(ev);
	}
	evs->probes = NULL;
	evs->events = NULL;
	evs->probes_tail = &evs->probes;
	evs->events_tail = &evs->events;
	if (evs->nbuckets) {
		memset(evs->ev_hash, 0, evs->nbuckets * sizeof(*evs->ev_hash));
		memset(evs->pr_hash, 0, evs->nbuckets * sizeof(*evs->pr_hash));
	}
	evs->nentries = 0;
}

void xol_events_free(struct xol_events *evs)
{
	xol_events_clear(evs);
	if (evs) {
		free(evs->ev_hash);
		free(evs->pr_hash);
	}
	free(evs);
}

const struct tp_event *tp_first_event(const struct xol_events *evs)
{
	return evs->events;
}

const struct tp_probe *tp_first_probe(const struct xol_events *evs)
{
	return evs->probes;
}

static struct tp_event *find_event(const struct xol_events *evs, const char *group,
				   const char *name)
{
	if (!evs->nbuckets)
		return NULL;
	for (struct tp_event *ev = evs->ev_hash[name_bucket(evs, name)]; ev; ev = ev->hnext)
		if (!strcmp(ev->name, name) && (!group || !strcmp(ev->group, group)))
			return ev;
	return NULL;
}

const struct tp_event *tp_find_event(const struct xol_events *evs, const char *name)
{
	char group[TP_NAME_MAX + 2];
	const char *sep = strchr(name, '/');

	if (!sep)
		sep = strchr(name, '.');
	if (!sep)
		return find_event(evs, NULL, name);
	if ((size_t)(sep - name) >= sizeof(group))
		return NULL;
	memcpy(group, name, (size_t)(sep - name));
	group[sep - name] = '\0';
	return find_event(evs, group, sep + 1);
}

const struct tp_event *tp_event_by_id(const struct xol_events *evs, unsigned id)
{
	for (struct tp_event *ev = evs->events; ev; ev = ev->next)
		if (ev->id == id)
			return ev;
	return NULL;
}

/* Small increasing ids, as the kernel gives; reuse only after 65535. */
static int alloc_id(struct xol_events *evs)
{
	for (unsigned n = 0; n < TP_ID_LAST; n++) {
		unsigned id = evs->next_id;

		if (id >= TP_ID_LAST)
			evs->ids_wrapped = true;
		evs->next_id = id >= TP_ID_LAST ? TP_ID_FIRST : id + 1;
		/* before the ids come round, every id given is below next_id */
		if (!evs->ids_wrapped || !tp_event_by_id(evs, id))
			return (int)id;
	}
	return -ENOSPC;
}

/* Unlink and free @ev, which has no probes left. */
static void remove_event(struct xol_events *evs, struct tp_event *ev)
{
	struct tp_event **pe;

	for (pe = &evs->events; *pe != ev; pe = &(*pe)->next)
		;
	*pe = ev->next;
	if (!*pe)
		evs->events_tail = pe;
	unhash_event(evs, ev);
	free_event(ev);
}

/* --- registering a parsed line ---------------------------------------------- */

/* trace_probe_compare_arg_type(): 1-based index of the first difference, or 0. */
static unsigned compare_args(const struct tp_def *def, const struct tp_event *ev)
{
	if (def->nargs < ev->nargs)
		return def->nargs + 1;
	if (def->nargs > ev->nargs)
		return ev->nargs + 1;
	for (unsigned i = 0; i < def->nargs; i++)
		if (!tp_type_same(&def->args[i].type, &ev->args[i].type) ||
		    strcmp(def->args[i].name, ev->args[i].name))
			return i + 1;
	return 0;
}

/* trace_uprobe_has_same_uprobe(): same inode, offset and argument texts. */
static bool has_same_probe(const struct xol_events *evs, const struct tp_event *ev,
			   const struct tp_def *def)
{
	for (const struct tp_probe *p = first_at_site(evs, def->dev, def->ino, def->offset); p;
	     p = next_at_site(p)) {
		unsigned i;

		if (p->event != ev)
			continue;
		for (i = 0; i < ev->nargs; i++)
			if (strcmp(p->args[i].text, def->args[i].text))
				break;
		if (i == ev->nargs)
			return true;
	}
	return false;
}

static void unlogged(struct xol_error *err, const char *why)
{
	if (err) {
		err->logged = 0;
		err->id = NULL;
		err->message = why;
	}
}

/* Move the parsed line into a new probe of @ev; its strings join the pool. */
static int add_probe(struct xol_events *evs, struct tp_event *ev, struct tp_def *def)
{
	struct tp_probe *p;
	uint32_t base = ev->data_len;

	if (hash_reserve(evs))
		return -ENOMEM;
	p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	if (def->data.len) {
		char *pool = realloc(ev->data, base + def->data.len);

		if (!pool) {
			free(p);
			return -ENOMEM;
		}
		memcpy(pool + base, def->data.buf, def->data.len);
		ev->data = pool;
		ev->data_len = base + (uint32_t)def->data.len;
	}
	for (unsigned i = 0; i < def->nargs; i++)
		for (int k = 0; k < FETCH_INSN_MAX; k++)
			if (def->args[i].prog.insn[k].op == FETCH_OP_DATA)
				def->args[i].prog.insn[k].param += base;

	p->event = ev;
	p->path = def->path;
	p->dev = def->dev;
	p->ino = def->ino;
	p->offset = def->offset;
	p->refctr = def->refctr;
	p->has_refctr = def->refctr != 0;
	p->args = def->args;
	def->path = NULL;
	def->args = NULL;
	if (!ev->nprobes++)
		ev->args = p->args;
	*evs->probes_tail = p;
	evs->probes_tail = &p->next;
	hash_probe(evs, p);
	evs->nentries++;
	return 0;
}

/* register_trace_uprobe() and append_trace_uprobe(). */
static int register_def(struct xol_events *evs, struct tp_def *def, struct tp_log *log)
{
	struct tp_event *ev;
	unsigned diff;
	int id, ret;

	/* one (inode, offset) has one refctr, whatever event it belongs to */
	for (const struct tp_probe *p = first_at_site(evs, def->dev, def->ino, def->offset); p;
	     p = next_at_site(p))
		if (p->refctr != def->refctr) {
			unlogged(log->err, "Reference counter offset mismatch");
			return -EINVAL;
		}

	ev = find_event(evs, def->group, def->name);
	if (ev) {
		if (ev->is_return != def->is_return) {
			log->index = 0;
			tp_log_err(log, 0, TP_ERR_DIFF_PROBE_TYPE);
			return -EEXIST;
		}
		diff = compare_args(def, ev);
		if (diff) {
			log->index = (int)diff + 1; /* args start at token 2 */
			tp_log_err(log, 0, TP_ERR_DIFF_ARG_TYPE);
			return -EEXIST;
		}
		if (has_same_probe(evs, ev, def)) {
			log->index = 0;
			tp_log_err(log, 0, TP_ERR_SAME_PROBE);
			return -EEXIST;
		}
		return add_probe(evs, ev, def);
	}

	id = alloc_id(evs);
	if (id < 0)
		return id;
	ev = calloc(1, sizeof(*ev));
	if (!ev)
		return -ENOMEM;
	memcpy(ev->group, def->group, sizeof(ev->group));
	memcpy(ev->name, def->name, sizeof(ev->name));
	ev->is_return = def->is_return;
	ev->id = (uint16_t)id;
	ev->nargs = def->nargs;
	ev->fixed_size = (def->is_return ? TP_RETURN_HDR : TP_ENTRY_HDR) + def->size;
	if (hash_reserve(evs)) {
		free_event(ev);
		return -ENOMEM;
	}
	*evs->events_tail = ev;
	evs->events_tail = &ev->next;
	hash_event(evs, ev);
	evs->nentries++;
	ret = add_probe(evs, ev, def);
	if (ret) {
		remove_event(evs, ev);
		return ret;
	}
	return 0;
}

static int create_probe(struct xol_events *evs, const struct tp_argv *av, struct xol_error *err,
			struct tp_file *last)
{
	struct tp_log log = { .av = av, .err = err };
	struct tp_def def;
	int ret;

	ret = tp_parse_probe(&def, av, &log, last);
	if (!ret)
		ret = register_def(evs, &def, &log);
	tp_def_release(&def);
	if (ret == -ECANCELED) {
		unlogged(err, "not a uprobe definition");
		ret = -EINVAL;
	}
	return ret;
}

/* --- deletion ----------------------------------------------------------------- */

/* NAME=TEXT, compared whole (6.18 matches pairs longer than 63 bytes too). */
static bool same_pair(const char *want, const struct tp_arg *arg)
{
	size_t n = strlen(arg->name);

	return !strncmp(want, arg->name, n) && want[n] == '=' && !strcmp(want + n + 1, arg->text);
}

/* trace_uprobe_match_command_head(): PATH:0x%016lx[(0x%lx)] then NAME=TEXT... */
static bool match_head(const struct tp_probe *p, int argc, char **argv)
{
	char buf[TP_ARG_BODY_MAX + 1];
	size_t len;

	if (!argc)
		return true;
	len = strlen(p->path);
	if (strncmp(p->path, argv[0], len) || argv[0][len] != ':')
		return false;
	if (p->refctr)
		snprintf(buf, sizeof(buf), "0x%016llx(0x%llx)", (unsigned long long)p->offset,
			 (unsigned long long)p->refctr);
	else
		snprintf(buf, sizeof(buf), "0x%016llx", (unsigned long long)p->offset);
	if (strcmp(buf, &argv[0][len + 1]))
		return false;
	argc--;
	argv++;
	if ((int)p->event->nargs < argc)
		return false;
	for (int i = 0; i < argc; i++)
		if (!same_pair(argv[i], &p->args[i]))
			return false;
	return true;
}

static void remove_probe(struct xol_events *evs, struct tp_probe *victim)
{
	struct tp_event *ev = victim->event;
	struct tp_probe **pp;

	for (pp = &evs->probes; *pp != victim; pp = &(*pp)->next)
		;
	*pp = victim->next;
	if (!*pp)
		evs->probes_tail = pp;
	unhash_probe(evs, victim);
	if (--ev->nprobes) {
		if (ev->args == victim->args)
			for (struct tp_probe *p = evs->probes; p; p = p->next)
				if (p->event == ev) {
					ev->args = p->args;
					break;
				}
		free_probe(victim);
		return;
	}
	free_probe(victim);
	remove_event(evs, ev);
}

/* dyn_event_release(): -:[GRP/][EVENT] [PATH:0xOFFSET[(0xREF)] [NAME=TEXT]...] */
static int delete_probes(struct xol_events *evs, const struct tp_argv *av, struct xol_error *err)
{
	char *event = av->argv[0], *system = NULL, *slash;
	struct tp_probe *p, *next;
	int ret = -ENOENT;

	if (event[1] != ':') {
		unlogged(err, "a deletion must start with -:");
		return -EINVAL;
	}
	event += 2;
	slash = strchr(event, '/');
	if (slash) {
		system = event;
		event = slash + 1;
		*slash = '\0';
	}
	if (!system && !event[0]) {
		unlogged(err, "a deletion needs an event or a group");
		return -EINVAL;
	}
	for (p = evs->probes; p; p = next) {
		next = p->next;
		if ((event[0] && strcmp(p->event->name, event)) ||
		    (system && strcmp(p->event->group, system)) ||
		    !match_head(p, av->argc - 1, av->argv + 1))
			continue;
		remove_probe(evs, p);
		ret = 0;
	}
	if (ret)
		unlogged(err, "no event matches");
	return ret;
}

/* --- write(2) ------------------------------------------------------------------- */

static int run_command(struct xol_events *evs, const char *raw, struct xol_error *err,
		       struct tp_file *last)
{
	struct tp_argv av;
	int ret;

	ret = tp_argv_split(raw, &av);
	if (ret) {
		unlogged(err, "out of memory");
		return ret;
	}
	if (raw[0] == '-')
		ret = delete_probes(evs, &av, err);
	else if (av.argc)
		ret = create_probe(evs, &av, err, last);
	if (ret == -ENOMEM && err && !err->logged)
		unlogged(err, "out of memory");
	if (ret && err)
		tp_log_command(err, &av);
	tp_argv_free(&av);
	return ret;
}

int xol_events_write(struct xol_events *evs, const char *buffer, size_t count,
		     struct xol_error *err)
{
	char kbuf[TP_WRITE_BUFSIZE], *buf, *tmp;
	struct tp_file last = { NULL };
	size_t done = 0, size;
	unsigned line = 0;
	int ret = 0;

	if (err)
		memset(err, 0, sizeof(*err));
	while (done < count) {
		size = count - done;
		if (size >= TP_WRITE_BUFSIZE)
			size = TP_WRITE_BUFSIZE - 1;
		memcpy(kbuf, buffer + done, size);
		kbuf[size] = '\0';
		buf = kbuf;
		do {
			tmp = strchr(buf, '\n');
			if (tmp) {
				*tmp = '\0';
				size = (size_t)(tmp - buf) + 1;
			} else {
				size = strlen(buf);
				if (done + size < count) {
					if (buf != kbuf)
						break; /* read the rest of this line anew */
					if (err) {
						unlogged(err, "line too long (the limit is 4094 bytes)");
						err->err = -EINVAL;
						err->line = line + 1;
					}
					ret = -EINVAL;
					goto out;
				}
			}
			done += size;
			line++;
			tmp = strchr(buf, '#');
			if (tmp)
				*tmp = '\0';
			ret = run_command(evs, buf, err, &last);
			if (ret) {
				if (err) {
					err->err = ret;
					err->line = line;
				}
				goto out;
			}
			buf += size;
		} while (done < count);
	}
	if (err)
		memset(err, 0, sizeof(*err));
out:
	free(last.path);
	return ret;
}

/* --- reading ----------------------------------------------------------------------- */

int xol_events_list(const struct xol_events *evs, FILE *out)
{
	for (const struct tp_probe *p = evs->probes; p; p = p->next) {
		const struct tp_event *ev = p->event;

		fprintf(out, "%c:%s/%s %s:0x%016llx", ev->is_return ? 'r' : 'p', ev->group,
			ev->name, p->path, (unsigned long long)p->offset);
		if (p->refctr)
			fprintf(out, "(0x%llx)", (unsigned long long)p->refctr);
		for (unsigned i = 0; i < ev->nargs; i++)
			fprintf(out, " %s=%s", p->args[i].name, p->args[i].text);
		fputc('\n', out);
	}
	return ferror(out) ? -EIO : 0;
}

int xol_events_format(const struct xol_events *evs, const char *name, FILE *out)
{
	const struct tp_event *ev = tp_find_event(evs, name);
	struct strbuf sb = STRBUF_INIT;
	int ret = 0;

	if (!ev)
		return -ENOENT;
	tp_format(ev, &sb);
	if (sb.oom)
		ret = -ENOMEM;
	else if (fwrite(sb_str(&sb), 1, sb.len, out) != sb.len)
		ret = -EIO;
	sb_release(&sb);
	return ret;
}

int xol_events_render(const struct xol_events *evs, const void *rec, size_t len,
		      char *buf, size_t size)
{
	const struct tp_event *ev;
	struct strbuf sb = STRBUF_INIT;
	uint16_t type;
	int n;

	if (len < TP_COMMON_SIZE)
		return -EINVAL;
	memcpy(&type, rec, sizeof(type));
	ev = tp_event_by_id(evs, type);
	if (!ev)
		return -ENOENT;
	if (tp_render(ev, rec, len, &sb)) {
		sb_release(&sb);
		return -ENOMEM;
	}
	n = (int)sb.len;
	if (size) {
		size_t k = sb.len < size ? sb.len : size - 1;

		memcpy(buf, sb_str(&sb), k);
		buf[k] = '\0';
	}
	sb_release(&sb);
	return n;
}
