// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The session side of tracing: start the program with the agent
 * preloaded, serve each agent that connects (the program, its children,
 * whatever they exec), give each its own ring region, and drain the
 * rings until the program exits.
 *
 * The control socket lives in a fresh 0700 directory and every peer's
 * credentials are checked, so only the session's user can connect (and,
 * when root attaches to another user's process, that process's agent:
 * session_admit()).  Records are drained every few hundred microseconds
 * (at once again while they pour in), merged across rings by time when
 * more than one ring has any, and handed to the sink (trace text,
 * perf.data, ...).
 */
#include <errno.h>
#include <gelf.h>
#include <libelf.h>
#include <limits.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "attach.h"
#include "elfsym.h"
#include "session.h"
#include "trace/events.h"

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static uint64_t rdtsc(void)
{
	uint32_t lo, hi;

	asm volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return ((uint64_t)hi << 32) | lo;
}

/*
 * Both ends of the line TSC -> CLOCK_MONOTONIC, refined at every drain;
 * its slope is worked out here once, not per record (a division costs
 * more than the rest of a record's conversion).
 */
static void clock_sample(struct session *s)
{
	s->tsc_last = rdtsc();
	s->ns_last = mono_ns();
	double span_tsc = (double)(s->tsc_last - s->tsc0);
	s->ns_per_tsc = span_tsc > 0 ? (double)(s->ns_last - s->ns0) / span_tsc : 0;
}

static uint64_t tsc_to_ns(const struct session *s, uint64_t tsc)
{
	if (s->ns_per_tsc <= 0)
		return s->ns_last;
	/* Signed all the way: int64 <-> double converts in one instruction, uint64 does not. */
	return s->ns0 + (uint64_t)(int64_t)((double)(int64_t)(tsc - s->tsc0) * s->ns_per_tsc);
}

/* --- the DEFS blob ---------------------------------------------------- */

#define GO_RETS_MAX 1024 /* ret instructions of one Go function */

/*
 * Where probe @tp goes: its own offset, or, for a return probe on a
 * function of a Go program, every ret instruction of the function.  Go's
 * stacks move (they grow by copying) and its unwinder, garbage collector
 * and preemption walk them, so a hijacked return address would break the
 * program; each ret is probed instead, and the agent makes there the
 * record an ordinary return probe makes.  A tail call (a jmp out of the
 * function) is no ret: the activation it ends makes no return event, and
 * the function it jumps to returns for both (Go's compiler makes none
 * except in wrappers).
 */
static int place_probe(struct session *s, unsigned tp, const struct tp_probe *p)
{
	uint64_t rets[GO_RETS_MAX];
	struct elf_func f;
	int n = 1;

	if (elf_func_at(p->path, p->offset, &f))
		memset(&f, 0, sizeof(f));
	rets[0] = p->offset;
	if (p->event->is_return && f.go) {
		if (!f.len || f.off != p->offset) {
			fprintf(stderr, "xol: %s/%s: a return probe on a Go program must be at a "
					"function's entry (%s:0x%lx is not)\n", p->event->group,
				p->event->name, p->path, (unsigned long)p->offset);
			return -EINVAL;
		}
		n = elf_func_returns(p->path, &f, rets, GO_RETS_MAX);
		if (n <= 0) {
			fprintf(stderr, "xol: %s/%s: %s in %s: %s\n", p->event->group,
				p->event->name, n ? "cannot find the ret instructions" :
				"no ret instruction (it never returns)", f.name,
				n == -EINVAL ? "undecodable bytes" : n ? strerror(-n) : "nothing to probe");
			return -EINVAL;
		}
	}
	struct wire_place *w = realloc(s->places, (s->nplaces + (unsigned)n) * sizeof(*w));
	if (!w)
		return -ENOMEM;
	s->places = w;
	for (int k = 0; k < n; k++) {
		uint32_t flags = s->opts.no_jump ? WIRE_PROBE_NO_JUMP : 0;
		if (f.go)
			flags |= WIRE_PROBE_OWN_STACK;
		if (p->event->is_return && f.go)
			flags |= WIRE_PROBE_RET_SITE;
		w[s->nplaces++] = (struct wire_place){ .tp = tp, .offset = rets[k], .flags = flags,
						       .func_off = f.len ? f.off : 0, .func_len = f.len,
						       .cold_off = f.cold_off, .cold_len = f.cold_len };
	}
	return 0;
}

/*
 * The agent runs one consumer per probe: the probes of a multi-probe event
 * share the event's id, layout and string pool but each has its own fetch
 * programs.  So the blob has one wire_event per probe, and probe i uses
 * wire_event i; counters come back per probe and are summed per event.  A
 * probe placed at several addresses (a Go function's rets) is one
 * wire_event with several wire_probes.
 */
static int defs_build(struct session *s, const struct xol_events *evs)
{
	size_t size = sizeof(struct wire_defs);
	unsigned ne = 0, np = 0;
	int err;

	for (const struct tp_event *e = tp_first_event(evs); e; e = e->next)
		ne++;
	for (const struct tp_probe *p = tp_first_probe(evs); p; p = p->next) {
		err = place_probe(s, np, p);
		if (err)
			return err;
		np++;
		size += sizeof(struct wire_event) +
			p->event->nargs * sizeof(struct wire_arg) + ((p->event->data_len + 7) & ~7u);
	}
	if (!ne || !np)
		return -ENOENT;
	size += s->nplaces * sizeof(struct wire_probe);

	s->events = calloc(ne, sizeof(*s->events));
	s->probes = calloc(np, sizeof(*s->probes));
	uint8_t *blob = calloc(1, size);
	if (!s->events || !s->probes || !blob) {
		free(blob);
		return -ENOMEM;
	}

	struct wire_defs *d = (void *)blob;
	*d = (struct wire_defs){ .type = WIRE_DEFS, .magic = XOL_WIRE_MAGIC, .nevents = np,
				 .nprobes = s->nplaces, .size = (uint32_t)size };
	size_t at = sizeof(*d);
	unsigned i = 0;
	s->by_id = calloc(65536, sizeof(*s->by_id));
	if (!s->by_id) {
		free(blob);
		return -ENOMEM;
	}
	for (const struct tp_event *e = tp_first_event(evs); e; e = e->next) {
		s->events[i++] = e;
		s->by_id[e->id] = e;
	}
	i = 0;
	for (const struct tp_probe *p = tp_first_probe(evs); p; p = p->next)
		s->probes[i++] = p;
	for (i = 0; i < s->nplaces; i++) {
		const struct wire_place *pl = &s->places[i];
		const struct tp_probe *p = s->probes[pl->tp];
		struct wire_probe *w = (void *)(blob + at);
		*w = (struct wire_probe){ .dev = p->dev, .ino = p->ino, .offset = pl->offset,
					  .refctr = p->has_refctr ? p->refctr : 0, .event = pl->tp,
					  .flags = pl->flags, .func_off = pl->func_off,
					  .func_len = pl->func_len, .cold_off = pl->cold_off,
					  .cold_len = pl->cold_len };
		at += sizeof(*w);
	}
	for (i = 0; i < np; i++) {
		const struct tp_probe *p = s->probes[i];
		const struct tp_event *e = p->event;
		const struct tp_arg *args = p->args ? p->args : e->args;
		struct wire_event *w = (void *)(blob + at);
		*w = (struct wire_event){ .id = e->id, .is_return = e->is_return,
					  .flags = s->opts.count_only ? WIRE_EV_COUNT_ONLY : 0,
					  .nargs = (uint16_t)e->nargs,
					  .data_len = (uint16_t)e->data_len,
					  .fixed_size = e->fixed_size };
		at += sizeof(*w);
		for (unsigned k = 0; k < e->nargs; k++) {
			struct wire_arg *a = (void *)(blob + at);
			a->offset = args[k].offset;
			a->kind = args[k].type.kind;
			a->size = args[k].type.size;
			a->count = args[k].type.count;
			a->prog = args[k].prog;
			at += sizeof(*a);
		}
		if (e->data_len)
			memcpy(blob + at, e->data, e->data_len);
		at += (e->data_len + 7) & ~7u;
	}
	s->nevents = ne;
	s->nprobes = np;

	int fd = memfd_create("xol-defs", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (fd < 0 || write(fd, blob, size) != (ssize_t)size) {
		free(blob);
		return -errno;
	}
	fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL);
	free(blob);
	s->defs_fd = fd;
	s->defs_size = size;
	return 0;
}

int session_init(struct session *s, const struct xol_events *evs, const struct session_opts *o)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int err;

	memset(s, 0, sizeof(*s));
	s->opts = *o;
	s->listen_fd = s->defs_fd = -1;
	s->child = -1;
	if (!s->opts.buffer_size)
		s->opts.buffer_size = SESSION_BUFFER_DEFAULT;
	err = defs_build(s, evs);
	if (err)
		return err;

	const char *tmp = getenv("TMPDIR");
	snprintf(s->dir, sizeof(s->dir), "%s/xol-XXXXXX", tmp && strlen(tmp) < 40 ? tmp : "/tmp");
	if (!mkdtemp(s->dir))
		return -errno;
	snprintf(s->sock_path, sizeof(s->sock_path), "%s/ctl", s->dir);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", s->sock_path);
	s->listen_fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (s->listen_fd < 0 || bind(s->listen_fd, (struct sockaddr *)&sa, sizeof(sa)) ||
	    listen(s->listen_fd, 64))
		return -errno;
	s->tsc0 = rdtsc();
	s->ns0 = mono_ns();
	clock_sample(s);
	s->disabled = s->opts.delay_ms != 0;
	if (s->opts.delay_ms > 0)
		s->enable_ns = s->ns0 + (uint64_t)s->opts.delay_ms * 1000000;
	return 0;
}

static const char *agent_path(void)
{
	static char path[4096];
	const char *env = getenv("XOL_AGENT");
	ssize_t n;

	if (env && *env)
		return env;
	n = readlink("/proc/self/exe", path, sizeof(path) - 32);
	if (n > 0) {
		path[n] = 0;
		char *slash = strrchr(path, '/');
		if (slash) {
			strcpy(slash + 1, "libxol-agent.so");
			if (!access(path, R_OK))
				return path;
			/* installed: PREFIX/bin/xol -> PREFIX/lib/libxol-agent.so */
			*slash = 0;
			slash = strrchr(path, '/');
			if (slash) {
				strcpy(slash + 1, "lib/libxol-agent.so");
				if (!access(path, R_OK))
					return path;
			}
		}
	}
	return "libxol-agent.so";
}

const char *session_agent_path(void)
{
	return agent_path();
}

/* Whether @file (found in $PATH as execvp would) is an ELF program without PT_INTERP. */
static bool program_is_static(const char *file)
{
	char path[PATH_MAX];
	const char *dirs = getenv("PATH");
	bool found = false, is_static = false;

	if (strchr(file, '/')) {
		snprintf(path, sizeof(path), "%s", file);
		found = !access(path, X_OK);
	}
	for (const char *d = dirs ? dirs : "/usr/local/bin:/usr/bin:/bin"; !found && !strchr(file, '/');) {
		size_t n = strcspn(d, ":");
		snprintf(path, sizeof(path), "%.*s%s%s", (int)n, n ? d : ".", "/", file);
		found = !access(path, X_OK);
		if (!d[n])
			break;
		d += n + 1;
	}
	int fd = found ? open(path, O_RDONLY | O_CLOEXEC) : -1;
	if (fd < 0)
		return false;
	elf_version(EV_CURRENT);
	Elf *e = elf_begin(fd, ELF_C_READ_MMAP, NULL);
	size_t nph;
	if (e && elf_kind(e) == ELF_K_ELF && !elf_getphdrnum(e, &nph)) {
		is_static = true;
		for (size_t i = 0; i < nph; i++) {
			GElf_Phdr ph;
			if (gelf_getphdr(e, (int)i, &ph) && ph.p_type == PT_INTERP)
				is_static = false;
		}
	}
	if (e)
		elf_end(e);
	close(fd);
	return is_static;
}

/*
 * A static program has no dynamic linker to preload the agent: it starts
 * stopped, and the agent is injected as into a running process.
 */
static int spawn_static(struct session *s, char **argv)
{
	int ready[2], err;

	if (pipe2(ready, O_CLOEXEC))
		return -errno;
	s->child = fork();
	if (s->child < 0)
		return -errno;
	if (s->child == 0) {
		close(ready[0]);
		raise(SIGSTOP);
		execvp(argv[0], argv);
		int e = errno;
		if (write(ready[1], &e, sizeof(e)) < 0)
			_exit(127);
		_exit(127);
	}
	close(ready[1]);
	err = attach_launch(s, s->child); /* killed it if it failed */
	int e = 0;
	if (err == -ENOENT && read(ready[0], &e, sizeof(e)) == sizeof(e))
		err = -e;
	close(ready[0]);
	if (err)
		s->child = -1;
	return err;
}

int session_spawn(struct session *s, char **argv)
{
	const char *agent = agent_path();
	const char *pre = getenv("LD_PRELOAD");
	char *preload;
	int ready[2];

	if (program_is_static(argv[0]))
		return spawn_static(s, argv);
	if (pre && *pre) {
		if (asprintf(&preload, "%s:%s", agent, pre) < 0)
			return -ENOMEM;
	} else {
		preload = strdup(agent);
	}
	if (!preload || pipe2(ready, O_CLOEXEC))
		return -errno;
	s->child = fork();
	if (s->child < 0)
		return -errno;
	if (s->child == 0) {
		setenv("LD_PRELOAD", preload, 1);
		setenv(XOL_SESSION_ENV, s->sock_path, 1);
		close(ready[0]);
		execvp(argv[0], argv);
		int e = errno;
		if (write(ready[1], &e, sizeof(e)) < 0)
			_exit(127);
		_exit(127);
	}
	free(preload);
	close(ready[1]);
	int e = 0;
	ssize_t n = read(ready[0], &e, sizeof(e));
	close(ready[0]);
	if (n == sizeof(e)) {
		waitpid(s->child, NULL, 0);
		s->child = -1;
		return -e;
	}
	return 0;
}

/* --- agents ------------------------------------------------------------ */

/*
 * How long session_run sleeps between drains: from WAIT_MIN_US while
 * records flow up to s->wait_max_us while idle, never longer than a
 * writer flat out needs to fill a quarter of a ring.  One thread can
 * write a 64-byte record every ~30 ns, ~2 bytes a nanosecond.
 */
#define WAIT_MIN_US 100
#define WAIT_MAX_US 10000
#define WRITER_BYTES_PER_US 2000

/*
 * How many rings a region of @size bytes gets: one per thread for up to
 * twice as many threads as CPUs (at least 4, at most 16; more threads share
 * the last ring), fewer when the buffer is small, so that each ring still
 * holds a few hundred records.
 */
unsigned session_rings(size_t size)
{
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	size_t n = size / (64 << 10), most = cpus > 0 && cpus < 8 ? 2 * (size_t)cpus + 1 : 17;

	if (most < 5)
		most = 5;
	return n < 2 ? 2 : n > most ? (unsigned)most : (unsigned)n;
}

static int send_fds(int sock, const void *buf, size_t len, const int *fds, int nfds)
{
	char cbuf[CMSG_SPACE(sizeof(int) * 4)] = { 0 };
	struct iovec iov = { (void *)buf, len };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf,
			     .msg_controllen = CMSG_SPACE(sizeof(int) * (size_t)nfds) };
	struct cmsghdr *c = CMSG_FIRSTHDR(&mh);

	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int) * (size_t)nfds);
	memcpy(CMSG_DATA(c), fds, sizeof(int) * (size_t)nfds);
	return sendmsg(sock, &mh, MSG_NOSIGNAL) == (ssize_t)len ? 0 : -errno;
}

static int shm(const char *name, size_t size, void **mem)
{
	int fd = memfd_create(name, MFD_CLOEXEC);

	if (fd < 0)
		return -errno;
	if (ftruncate(fd, (off_t)size)) {
		close(fd);
		return -errno;
	}
	*mem = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (*mem == MAP_FAILED) {
		close(fd);
		return -errno;
	}
	return fd;
}

int session_admit(struct session *s, pid_t pid, uid_t uid)
{
	struct session_guest *g = realloc(s->guests, (s->nguests + 1) * sizeof(*g));

	if (!g)
		return -ENOMEM;
	s->guests = g;
	g[s->nguests++] = (struct session_guest){ .pid = pid, .uid = uid };
	/* The folder's name is not listed (0711): a peer must know it, and is checked. */
	if (chmod(s->dir, 0711) || chmod(s->sock_path, 0666))
		return -errno;
	return 0;
}

/* @pid's parent, from /proc; 0 if unknown. */
static pid_t parent_of(pid_t pid)
{
	char path[64], buf[512], *p;
	int fd, ppid = 0;
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	buf[n > 0 ? n : 0] = 0;
	p = strrchr(buf, ')');
	if (!p || sscanf(p + 1, " %*c %d", &ppid) != 1)
		return 0;
	return ppid;
}

/*
 * Who may connect: the session's own user; or the user of a process
 * admitted with session_admit(), from that process or one it started.
 */
static bool peer_allowed(const struct session *s, const struct ucred *c)
{
	if (c->uid == getuid())
		return true;
	for (unsigned i = 0; i < s->nguests; i++) {
		if (s->guests[i].uid != c->uid)
			continue;
		pid_t p = c->pid;
		for (int depth = 0; p > 1 && depth < 64; depth++, p = parent_of(p))
			if (p == s->guests[i].pid)
				return true;
	}
	return false;
}

static void proc_hello(struct session *s, int sock)
{
	struct wire_hello h;
	struct ucred cred;
	socklen_t clen = sizeof(cred);
	struct session_proc *p;

	if (getsockopt(sock, SOL_SOCKET, SO_PEERCRED, &cred, &clen) || !peer_allowed(s, &cred) ||
	    recv(sock, &h, sizeof(h), 0) != sizeof(h) || h.type != WIRE_HELLO ||
	    h.magic != XOL_WIRE_MAGIC || !(p = calloc(1, sizeof(*p)))) {
		close(sock);
		return;
	}
	p->pid = cred.pid;
	p->ppid = h.ppid;
	memcpy(p->comm, h.comm, sizeof(p->comm));
	p->comm[sizeof(p->comm) - 1] = 0;
	p->sock = sock;

	struct ring_region_opts ro = { .buffer_size = s->opts.buffer_size, .pid = p->pid,
				       .nr_exclusive = session_rings(s->opts.buffer_size) - 1,
				       .nr_shared = 1 };
	int fds[3] = { s->defs_fd, -1, -1 };
	p->counters_size = wire_counters_bytes(s->nprobes);
	fds[2] = shm("xol-counters", p->counters_size, (void **)&p->counters);
	if (fds[2] < 0 || ring_region_create(&ro, &p->region)) {
		if (fds[2] >= 0) {
			close(fds[2]);
			munmap(p->counters, p->counters_size);
		}
		close(sock);
		free(p);
		return;
	}
	fds[1] = ring_region_fd(p->region);
	uint64_t quarter_us = ring_region_ring_size(p->region) / 4 / WRITER_BYTES_PER_US;
	if (quarter_us < WAIT_MIN_US)
		quarter_us = WAIT_MIN_US;
	if (quarter_us > WAIT_MAX_US)
		quarter_us = WAIT_MAX_US;
	if (!s->wait_max_us || quarter_us < s->wait_max_us)
		s->wait_max_us = (unsigned)quarter_us;
	struct wire_defs d = { .type = WIRE_DEFS, .magic = XOL_WIRE_MAGIC,
			       .nevents = s->nprobes, .nprobes = s->nplaces,
			       .size = (uint32_t)s->defs_size,
			       .flags = s->disabled ? WIRE_DEFS_DISABLED : 0 };
	if (send_fds(sock, &d, sizeof(d), fds, 3))
		p->sock = -1;
	close(fds[2]);
	p->next = s->procs;
	s->procs = p;
}

/* One message of @p's agent, if there is one: returns whether there was. */
static bool proc_message(struct session *s, struct session_proc *p)
{
	union {
		uint32_t type;
		struct wire_site site;
		struct wire_armed armed;
		struct wire_ctl ctl;
	} m;
	ssize_t n = recv(p->sock, &m, sizeof(m), MSG_DONTWAIT);

	if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
		close(p->sock);
		p->sock = -1;
		return false;
	}
	if (n < (ssize_t)sizeof(uint32_t))
		return n >= 0;
	if (m.type == WIRE_ARMED)
		p->armed = true;
	if (m.type == WIRE_CTL_DONE && n == sizeof(m.ctl))
		p->ctl_done = m.ctl.seq;
	if (m.type == WIRE_SITE && n == sizeof(m.site) && m.site.probe < s->nplaces) {
		const struct wire_place *pl = &s->places[m.site.probe];
		const struct tp_probe *tp = s->probes[pl->tp];
		m.site.why[sizeof(m.site.why) - 1] = 0;
		if (m.site.err) {
			p->refused++;
			fprintf(stderr, "xol: %s/%s in %s[%d]: %s\n", tp->event->group,
				tp->event->name, p->comm, p->pid, m.site.why);
		} else {
			p->sites++;
			if (s->opts.verbose)
				fprintf(stderr, "xol: %s/%s in %s[%d] at %s:0x%lx: %s\n",
					tp->event->group, tp->event->name, p->comm, p->pid,
					tp->path, (unsigned long)pl->offset, m.site.why);
		}
	}
	return true;
}

void session_proc_message(struct session *s, struct session_proc *p)
{
	proc_message(s, p);
}

struct session_proc *session_accept(struct session *s, int timeout_ms)
{
	struct pollfd pf = { .fd = s->listen_fd, .events = POLLIN };
	struct session_proc *before = s->procs;
	int c;

	if (poll(&pf, 1, timeout_ms) <= 0)
		return NULL;
	c = accept4(s->listen_fd, NULL, NULL, SOCK_CLOEXEC);
	if (c < 0)
		return NULL;
	proc_hello(s, c);
	return s->procs != before ? s->procs : NULL;
}

void session_enable(struct session *s, bool on)
{
	struct wire_ctl m = { .type = on ? WIRE_ENABLE : WIRE_DISABLE, .seq = ++s->ctl_seq };

	s->disabled = !on;
	s->enable_ns = 0;
	for (struct session_proc *p = s->procs; p; p = p->next) {
		if (p->sock < 0)
			continue;
		if (on) {
			p->sites = p->refused = 0; /* each site is placed, and said, again */
			int err = attach_enable(s, p, m.seq);
			if (err)
				fprintf(stderr, "xol: %s[%d]: arming again failed: %s\n", p->comm,
					p->pid, strerror(-err));
		} else if (send(p->sock, &m, sizeof(m), MSG_NOSIGNAL) != sizeof(m)) {
			close(p->sock);
			p->sock = -1;
		}
	}
	for (struct session_proc *p = s->procs; p; p = p->next) {
		uint64_t end = mono_ns() + 2000000000ull;
		while (p->sock >= 0 && p->ctl_done != m.seq && mono_ns() < end) {
			struct pollfd pf = { .fd = p->sock, .events = POLLIN };
			if (poll(&pf, 1, 100) > 0)
				proc_message(s, p);
		}
		if (p->sock >= 0 && p->ctl_done != m.seq)
			fprintf(stderr, "xol: %s[%d] did not %s its probes within 2 s\n", p->comm,
				p->pid, on ? "arm" : "disarm");
	}
}

/* --- the drain --------------------------------------------------------- */

/*
 * Records collected by one drain, before they are merged by time: the
 * payloads copied into one arena (no allocation per record), the comm
 * kept inline.
 */
struct pending {
	struct session_rec r;
	size_t at;                /* of the payload in the arena */
	char comm[XOL_COMM_LEN];
};

static struct pending *pend;
static size_t npend, cappend;
static uint8_t *arena;
static size_t arena_len, arena_cap;

/* A thread's comm as the agent last reported it, else as /proc has it, else the process's. */
static const char *thread_comm(struct session_proc *p, int32_t tid)
{
	static char buf[XOL_COMM_LEN + 1];
	char path[64];

	for (unsigned i = 0; i < p->ncomms; i++)
		if (p->comms[i].tid == tid)
			return p->comms[i].comm;
	if (tid == p->pid)
		return p->comm;
	snprintf(path, sizeof(path), "/proc/%d/task/%d/comm", p->pid, tid);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return p->comm;
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return p->comm;
	buf[n] = 0;
	buf[strcspn(buf, "\n")] = 0;
	return buf;
}

static void set_thread_comm(struct session_proc *p, int32_t tid, const uint8_t *comm)
{
	unsigned i;

	for (i = 0; i < p->ncomms && p->comms[i].tid != tid; i++)
		;
	if (i == p->ncomms) {
		struct thread_comm *n = realloc(p->comms, (p->ncomms + 1) * sizeof(*n));
		if (!n)
			return;
		p->comms = n;
		p->ncomms++;
		p->comms[i].tid = tid;
	}
	memcpy(p->comms[i].comm, comm, XOL_COMM_LEN);
	p->comms[i].comm[XOL_COMM_LEN - 1] = 0;
}

struct drain_ctx {
	struct session *s;
	struct session_proc *p;
	int32_t comm_tid;         /* thread_comm(p, comm_tid) is comm, unless comm is NULL */
	const char *comm;
};

/*
 * The session_rec for ring record @rr (@len payload bytes), but for data and
 * comm; false for what is not a sample (a comm update, junk).
 */
static inline bool rec_of(struct drain_ctx *dc, const struct ring_rec *rr, uint32_t len,
		   struct session_rec *out)
{
	struct session *s = dc->s;
	uint16_t id = rr->type;

	if (id == WIRE_REC_COMM) {
		if (len >= XOL_COMM_LEN)
			set_thread_comm(dc->p, (int32_t)rr->tid, rr->data);
		dc->comm = NULL;
		return false;
	}
	if (len < TP_COMMON_SIZE)
		return false;
	const struct tp_event *ev = s->by_id ? s->by_id[id] : NULL;
	if (!ev)
		return false;
	*out = (struct session_rec){ .ns = tsc_to_ns(s, rr->time),
				     .pid = dc->p->pid,
				     .tid = (int32_t)rr->tid,
				     .cpu = rr->cpu,
				     .event = ev,
				     .size = len };
	return true;
}

/* Records of several rings: keep them until all are in, then sort by time. */
static int collect(void *arg, unsigned ring, const struct ring_rec *rr, uint32_t len)
{
	struct drain_ctx *dc = arg;
	struct session_rec r;

	(void)ring;
	if (!rec_of(dc, rr, len, &r))
		return 0;
	if (npend == cappend) {
		size_t nc = cappend ? cappend * 2 : 1024;
		struct pending *np = realloc(pend, nc * sizeof(*np));
		if (!np)
			return -ENOMEM;
		pend = np;
		cappend = nc;
	}
	if (arena_cap - arena_len < len) {
		size_t nc = arena_cap ? arena_cap * 2 : 1 << 20;
		while (nc - arena_len < len)
			nc *= 2;
		uint8_t *na = realloc(arena, nc);
		if (!na)
			return -ENOMEM;
		arena = na;
		arena_cap = nc;
	}
	struct pending *pe = &pend[npend];
	memcpy(arena + arena_len, rr->data, len);
	pe->at = arena_len;
	arena_len += (len + 7) & ~(size_t)7;
	if (arena_len > arena_cap)
		arena_len = arena_cap;
	pe->r = r;
	const char *comm = thread_comm(dc->p, pe->r.tid);
	size_t cl = strnlen(comm, sizeof(pe->comm) - 1);
	memcpy(pe->comm, comm, cl);
	pe->comm[cl] = 0;
	npend++;
	return 0;
}

/*
 * Records of the one ring that had any: already in time order, so each
 * goes to the sink at once.  Unless the sink reads each byte only once,
 * the payload is copied out of the shared ring first, so that the sink
 * reads bytes the target can no longer change.
 */
static int deliver(void *arg, unsigned ring, const struct ring_rec *rr, uint32_t len)
{
	static uint8_t copy[RING_PAYLOAD_MAX] __attribute__((aligned(8)));
	struct drain_ctx *dc = arg;
	struct session_rec r;

	(void)ring;
	if (!rec_of(dc, rr, len, &r))
		return 0;
	if (dc->s->opts.sink_reads_once) {
		r.data = rr->data;
	} else {
		memcpy(copy, rr->data, len);
		r.data = copy;
	}
	if (!dc->comm || dc->comm_tid != r.tid) {
		dc->comm = thread_comm(dc->p, r.tid);
		dc->comm_tid = r.tid;
	}
	r.comm = dc->comm;
	dc->s->opts.sink(dc->s, &r, dc->s->opts.sink_ctx);
	return 0;
}

static int by_time(const void *a, const void *b)
{
	const struct pending *x = a, *y = b;

	return x->r.ns < y->r.ns ? -1 : x->r.ns > y->r.ns;
}

/* Returns how many records it delivered. */
static long drain(struct session *s, bool final)
{
	struct session_proc *only = NULL;
	unsigned only_ring = 0, busy = 0;
	long got = 0;

	clock_sample(s);
	/*
	 * Usually one thread writes: with one ring holding records, they go
	 * straight from the ring to the sink, in the ring's (time) order.
	 * On the way, how full the fullest ring is, for session_run's pace.
	 */
	s->drain_fill = 0;
	for (struct session_proc *p = s->procs; p; p = p->next)
		for (unsigned i = 0; p->region && i < ring_region_nr_rings(p->region); i++) {
			uint64_t ready = ring_ready(p->region, i);
			if (!ready)
				continue;
			uint64_t fill = ready / (ring_region_ring_size(p->region) / 256);
			if (fill > s->drain_fill)
				s->drain_fill = (unsigned)(fill > 256 ? 256 : fill);
			only = p;
			only_ring = i;
			busy++;
		}
	if (busy == 1 && s->opts.sink) {
		struct drain_ctx dc = { .s = s, .p = only };
		long n = ring_drain_one(only->region, only_ring, deliver, &dc,
					final || only->sock < 0 ? RING_DRAIN_FINAL : 0);
		return n > 0 ? n : 0;
	}
	for (struct session_proc *p = s->procs; p; p = p->next) {
		struct drain_ctx dc = { .s = s, .p = p };
		if (p->region) {
			long n = ring_drain(p->region, collect, &dc,
					    final || p->sock < 0 ? RING_DRAIN_FINAL : 0);
			if (n > 0)
				got += n;
		}
	}
	/* Each ring is in time order; one ring alone needs no sort. */
	bool sorted = true;
	for (size_t i = 1; i < npend && sorted; i++)
		sorted = pend[i - 1].r.ns <= pend[i].r.ns;
	if (!sorted)
		qsort(pend, npend, sizeof(*pend), by_time);
	for (size_t i = 0; i < npend; i++) {
		pend[i].r.data = arena + pend[i].at;
		pend[i].r.comm = pend[i].comm;
		if (s->opts.sink)
			s->opts.sink(s, &pend[i].r, s->opts.sink_ctx);
	}
	npend = 0;
	arena_len = 0;
	return got;
}

static bool session_attached_alive(const struct session *s)
{
	for (const struct session_proc *p = s->procs; p; p = p->next)
		if (p->sock >= 0)
			return true;
	return false;
}


static volatile sig_atomic_t got_signal;

static void on_signal(int sig)
{
	got_signal = sig;
}

int session_run(struct session *s)
{
	struct sigaction sa = { .sa_handler = on_signal };
	bool child_done = false;
	long wait_us = WAIT_MIN_US;

	if (!s->wait_max_us)
		s->wait_max_us = WAIT_MAX_US;

	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	while (!child_done) {
		/* Attached (-p): until Ctrl-C, SIGTERM, --duration, or every process has gone. */
		if (s->nattached && (got_signal || (s->end_ns && mono_ns() >= s->end_ns) ||
				     !session_attached_alive(s)))
			break;
		struct pollfd pf[256];
		struct session_proc *who[256];
		int n = 0;

		pf[n++] = (struct pollfd){ .fd = s->listen_fd, .events = POLLIN };
		pf[n++] = (struct pollfd){ .fd = s->opts.control ? s->opts.ctl_fd : -1,
					   .events = POLLIN };
		for (struct session_proc *p = s->procs; p && n < 256; p = p->next)
			if (p->sock >= 0) {
				who[n] = p;
				pf[n++] = (struct pollfd){ .fd = p->sock, .events = POLLIN };
			}
		struct timespec ts = { 0, wait_us * 1000 };
		int r = ppoll(pf, (nfds_t)n, &ts, NULL);
		if (r > 0) {
			if (pf[0].revents & POLLIN) {
				int c;
				while ((c = accept4(s->listen_fd, NULL, NULL, SOCK_CLOEXEC)) >= 0)
					proc_hello(s, c);
			}
			for (int i = 2; i < n; i++)
				if (pf[i].revents)
					proc_message(s, who[i]);
			if (pf[1].revents)
				control_read(s);
		}
		if (s->enable_ns && mono_ns() >= s->enable_ns)
			session_enable(s, true); /* -D MSECS */
		long got = drain(s, false);
		/*
		 * Poll sooner while records flow, back off while idle: go
		 * again at once after a drain that found a ring 1/8 full
		 * (and took records: a head the target broke stays "full"),
		 * halve the wait after one that found records, double it
		 * after one that found none.
		 */
		if (s->drain_fill >= 32 && got > 0)
			wait_us = 0;
		else if (got > 0)
			wait_us = wait_us / 2 < WAIT_MIN_US ? WAIT_MIN_US : wait_us / 2;
		else
			wait_us = wait_us * 2 < WAIT_MIN_US ? WAIT_MIN_US :
				  wait_us * 2 > (long)s->wait_max_us ? (long)s->wait_max_us : wait_us * 2;
		if (got_signal && s->child > 0) {
			kill(s->child, got_signal);
			got_signal = 0;
		}
		int st;
		if (s->child > 0 && waitpid(s->child, &st, WNOHANG) == s->child &&
		    (WIFEXITED(st) || WIFSIGNALED(st))) { /* not a stop of --control's pause */
			s->status = st;
			child_done = true;
		}
	}
	/*
	 * A program the agent never entered was not traced at all: say so,
	 * rather than report zero hits as if nothing had happened.
	 */
	bool entered = s->nattached > 0;
	for (struct session_proc *p = s->procs; p; p = p->next)
		entered |= p->pid == s->child || p->ppid == s->child;
	if (s->nattached)
		attach_finish(s);
	if (!entered)
		fprintf(stderr, "xol: the program never loaded the agent, so nothing was traced "
				"(a statically linked program, or one that clears LD_PRELOAD?)\n");
	/* Let agents that are still saying something (sites, BYE) finish, then drain. */
	for (int round = 0; round < 3; round++) {
		for (struct session_proc *p = s->procs; p; p = p->next)
			while (p->sock >= 0 && proc_message(s, p))
				;
		drain(s, round == 2);
	}
	/* An agent that connected but never armed failed on its way (it never prints). */
	for (struct session_proc *p = s->procs; p && !s->nattached; p = p->next)
		if (!p->armed)
			fprintf(stderr, "xol: %s[%d] connected but never armed its probes: "
					"nothing of it was traced\n", p->comm, p->pid);
	return s->status;
}

/* Every counter of @event, summed over its probes, the processes and their threads' rows. */
static struct wire_counters event_counters(const struct session *s, unsigned event)
{
	struct wire_counters sum = { 0 };

	for (struct session_proc *p = s->procs; p; p = p->next) {
		if (!p->counters)
			continue;
		for (unsigned i = 0; i < s->nprobes; i++) {
			if (s->probes[i]->event != s->events[event])
				continue;
			for (unsigned row = 0; row < XOL_COUNTER_ROWS; row++) {
				const struct wire_counters *c = &p->counters[row * wire_row_stride(s->nprobes) + i];
				sum.hits += __atomic_load_n(&c->hits, __ATOMIC_RELAXED);
				sum.misses += __atomic_load_n(&c->misses, __ATOMIC_RELAXED);
				sum.lost += __atomic_load_n(&c->lost, __ATOMIC_RELAXED);
				sum.left += __atomic_load_n(&c->left, __ATOMIC_RELAXED);
			}
		}
	}
	return sum;
}

void session_totals(const struct session *s, unsigned event, uint64_t out[3])
{
	struct wire_counters c = event_counters(s, event);

	out[0] = c.hits;
	out[1] = c.misses;
	out[2] = c.lost;
}

/* Return probes: activations that never returned through the probe (longjmp, exceptions, exit). */
uint64_t session_left(const struct session *s, unsigned event)
{
	return event_counters(s, event).left;
}

void session_print_summary(const struct session *s, FILE *out)
{
	for (unsigned i = 0; i < s->nevents; i++) {
		uint64_t left = s->events[i]->is_return ? session_left(s, i) : 0;
		if (left)
			fprintf(out, "xol: %s:%s: %llu calls left without returning "
				     "(longjmp, exception, thread or process exit): no return event\n",
				s->events[i]->group, s->events[i]->name, (unsigned long long)left);
	}
	fprintf(out, "\n%14s %10s %10s  %s\n", "hits", "misses", "lost", "event");
	for (unsigned i = 0; i < s->nevents; i++) {
		uint64_t t[3];
		session_totals(s, i, t);
		fprintf(out, "%14llu %10llu %10llu  %s:%s\n", (unsigned long long)t[0],
			(unsigned long long)t[1], (unsigned long long)t[2], s->events[i]->group,
			s->events[i]->name);
	}
}

void session_destroy(struct session *s)
{
	struct session_proc *p = s->procs;

	free(s->guests);
	s->guests = NULL;
	s->nguests = 0;
	while (p) {
		struct session_proc *next = p->next;
		if (p->sock >= 0)
			close(p->sock);
		if (p->region)
			ring_region_destroy(p->region);
		free(p->comms);
		if (p->counters)
			munmap(p->counters, p->counters_size);
		free(p);
		p = next;
	}
	if (s->listen_fd >= 0)
		close(s->listen_fd);
	if (s->defs_fd >= 0)
		close(s->defs_fd);
	if (s->sock_path[0])
		unlink(s->sock_path);
	if (s->dir[0])
		rmdir(s->dir);
	free(s->events);
	free(s->probes);
	free(s->places);
	free(s->attached);
	free(pend);
	pend = NULL;
	npend = cappend = 0;
	free(arena);
	arena = NULL;
	arena_len = arena_cap = 0;
	free(s->by_id);
}

int session_exit_code(int status)
{
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return 1;
}
