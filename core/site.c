// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Sites: placing probepoints into this process's mappings.
 *
 * A probepoint is (device, inode, file offset).  Every executable mapping
 * of that file gets a site at  mapping start + offset - mapping file
 * offset.  Several events on one probepoint share its site: the entry and
 * return consumers hang off it, the code is patched once.
 *
 * Lifetimes: a site is published in the lookup table before its int3 is
 * written, and is never freed or removed: a thread may already have
 * trapped on it, or still be running its out-of-line slot, when it is
 * disarmed.  Disarming only writes the original byte back.
 *
 * Text is written through /proc/self/mem, which writes read-only pages
 * as ptrace does: the protection of the program's pages never changes,
 * so other threads keep running through them while we patch.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/membarrier.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/socket.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "agent.h"

#define SITE_TABLE 4096 /* power of two; sites per process */

static struct site *table[SITE_TABLE];
static struct site *sites[SITE_TABLE];
static unsigned nsites;

static inline unsigned hash(uint64_t addr)
{
	return (unsigned)((addr * 0x9e3779b97f4a7c15ull) >> 52) & (SITE_TABLE - 1);
}

/* Hit path: lock-free lookup; entries are only ever added. */
struct site *site_lookup(uint64_t addr)
{
	for (unsigned i = hash(addr), n = 0; n < SITE_TABLE; i = (i + 1) & (SITE_TABLE - 1), n++) {
		/* Pairs with the release store in site_publish(). */
		struct site *s = __atomic_load_n(&table[i], __ATOMIC_ACQUIRE);
		if (!s)
			return NULL;
		if (s->addr == addr)
			return s;
	}
	return NULL;
}

static int site_publish(struct site *s)
{
	for (unsigned i = hash(s->addr), n = 0; n < SITE_TABLE; i = (i + 1) & (SITE_TABLE - 1), n++) {
		if (!table[i]) {
			__atomic_store_n(&table[i], s, __ATOMIC_RELEASE);
			sites[nsites++] = s;
			return 0;
		}
	}
	return -ENOSPC;
}

int poke_text(uint64_t addr, const void *bytes, size_t len)
{
	if (agent.memfd < 0)
		agent.memfd = open("/proc/self/mem", O_RDWR | O_CLOEXEC);
	if (agent.memfd < 0)
		return -errno;
	if (pwrite(agent.memfd, bytes, len, (off_t)addr) != (ssize_t)len)
		return -EIO;
	return 0;
}

/* --- XOL areas: executable pages within ±2 GiB of the sites ----------- */

struct xolarea {
	uint64_t base, used, size;
	struct xolarea *next;
};

static struct xolarea *areas;

#define XOLAREA_SIZE (64 * 1024)
#define NEAR(a, b) ((a) > (b) ? (a) - (b) < (1ull << 31) - XOLAREA_SIZE : (b) - (a) < (1ull << 31) - XOLAREA_SIZE)

static struct xolarea *xolarea_map(uint64_t near)
{
	/* Try below and above the site in 16 MiB steps until something is free. */
	for (uint64_t step = 1; step < 120; step++) {
		for (int dir = -1; dir <= 1; dir += 2) {
			uint64_t hint = (near & ~0xffffull) + (uint64_t)((int64_t)dir * (int64_t)(step << 24));
			void *p = mmap((void *)hint, XOLAREA_SIZE, PROT_READ | PROT_EXEC,
				       MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
			if (p == MAP_FAILED)
				continue;
			if (!NEAR((uint64_t)p, near)) {
				munmap(p, XOLAREA_SIZE);
				continue;
			}
			struct xolarea *a = calloc(1, sizeof(*a));
			if (!a) {
				munmap(p, XOLAREA_SIZE);
				return NULL;
			}
			a->base = (uint64_t)p;
			a->size = XOLAREA_SIZE;
			a->next = areas;
			areas = a;
			return a;
		}
	}
	return NULL;
}

/* Room for @size bytes of code near @near, or NULL.  Filled with poke_text(). */
void *xolarea_alloc(uint64_t near, size_t size)
{
	struct xolarea *a;

	size = (size + 15) & ~(size_t)15;
	for (a = areas; a; a = a->next)
		if (NEAR(a->base, near) && a->used + size <= a->size)
			break;
	if (!a)
		a = xolarea_map(near);
	if (!a)
		return NULL;
	void *p = (void *)(a->base + a->used);
	a->used += size;
	return p;
}

/* --- mappings ----------------------------------------------------------- */

struct mapping {
	uint64_t start, end, pgoff, dev, ino;
	bool exec;
};

static int read_maps(struct mapping **out)
{
	size_t cap = 1 << 16, len = 0;
	char *buf = malloc(cap);
	int fd = open("/proc/self/maps", O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (!buf || fd < 0) {
		free(buf);
		if (fd >= 0)
			close(fd);
		return -ENOMEM;
	}
	while ((n = read(fd, buf + len, cap - len - 1)) > 0) {
		len += (size_t)n;
		if (cap - len < 4096) {
			char *nb = realloc(buf, cap *= 2);
			if (!nb) {
				free(buf);
				close(fd);
				return -ENOMEM;
			}
			buf = nb;
		}
	}
	close(fd);
	buf[len] = 0;

	int count = 0, cap_m = 64;
	struct mapping *m = malloc(sizeof(*m) * (size_t)cap_m);
	for (char *line = buf; m && line && *line;) {
		char *nl = strchr(line, '\n');
		unsigned long start, end, pgoff, ino;
		unsigned maj, min;
		char perms[8];

		if (nl)
			*nl = 0;
		if (sscanf(line, "%lx-%lx %7s %lx %x:%x %lu", &start, &end, perms, &pgoff,
			   &maj, &min, &ino) == 7 && ino) {
			if (count == cap_m) {
				struct mapping *nm = realloc(m, sizeof(*m) * (size_t)(cap_m *= 2));
				if (!nm)
					break;
				m = nm;
			}
			m[count++] = (struct mapping){ start, end, pgoff, makedev(maj, min), ino,
						       perms[2] == 'x' };
		}
		line = nl ? nl + 1 : NULL;
	}
	free(buf);
	if (!m)
		return -ENOMEM;
	*out = m;
	return count;
}

/* The session whose probes sites_arm_all() is placing (under the arm lock). */
static struct agent_session *cur;

static void report_site(unsigned probe, uint64_t addr, int err, const char *why)
{
	struct wire_site ws = { .type = WIRE_SITE, .probe = probe, .addr = addr, .err = err };

	snprintf(ws.why, sizeof(ws.why), "%s", why);
	if (cur && cur->sock >= 0)
		send(cur->sock, &ws, sizeof(ws), MSG_NOSIGNAL);
}

struct consumers no_consumers;

/*
 * After a list of @s was replaced.  A return fast path compares the
 * generation it was built for, after it marks its thread busy as a hit
 * does (thread_quiesce); not the list's address, which a later list may
 * get again once the old one is freed, while a hijacked frame may return
 * to the old code at any time.
 */
static void lists_changed(struct site *s)
{
	__atomic_store_n(&s->lists_gen, s->lists_gen + 1, __ATOMIC_RELEASE);
}

/*
 * Add the event of probe @wp (of the session being armed) to the site's
 * entry, return or ret-site list (arming time, under the arm lock),
 * unless it is there already: a site armed again (--control) keeps its
 * lists.
 */
static int site_add_consumer(struct site *s, const struct wire_probe *wp)
{
	struct agent_event *ev = &cur->events[wp->event];
	struct consumers **list = (wp->flags & WIRE_PROBE_RET_SITE) ? &s->rsite :
				  ev->w->is_return ? &s->ret : &s->entry;

	for (unsigned i = 0; i < (*list)->n; i++)
		if ((*list)->ev[i] == ev)
			return 0;
	struct consumers *c = malloc(sizeof(*c) + ((*list)->n + 1) * sizeof(c->ev[0]));
	if (!c)
		return -ENOMEM;
	if (wp->flags & WIRE_PROBE_RET_SITE)
		s->func = s->foffs_base + wp->func_off;
	if (wp->flags & WIRE_PROBE_OWN_STACK)
		s->own_stack = true;
	c->n = (*list)->n + 1;
	memcpy(c->ev, (*list)->ev, (*list)->n * sizeof(c->ev[0]));
	c->ev[c->n - 1] = ev;
	/* Pairs with the acquire loads of the hit path (hit.c). */
	__atomic_store_n(list, c, __ATOMIC_RELEASE);
	lists_changed(s);
	return 0;
}

static struct site *site_find(uint64_t addr)
{
	for (unsigned i = 0; i < nsites; i++)
		if (sites[i]->addr == addr)
			return sites[i];
	return NULL;
}

static void refctr_add(uint64_t addr, int delta)
{
	uint16_t v;

	if (!addr || xol_copy_safe(&v, (void *)addr, 2) != 0)
		return;
	v = (uint16_t)(v + delta);
	poke_text(addr, &v, 2);
}

/* --- live patching ------------------------------------------------------ */

static struct site *jump_sites[SITE_TABLE];
static unsigned njump_sites;

/*
 * Make every thread's next instruction fetch see what poke_text() wrote:
 * each core runs a serialising instruction before it returns to user
 * space (the kernel's text_poke_sync, from user space).
 */
static void sync_cores(void)
{
	static int registered;

	if (!registered)
		registered = syscall(__NR_membarrier,
				     MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED_SYNC_CORE, 0, 0) ? -1 : 1;
	if (registered > 0)
		syscall(__NR_membarrier, MEMBARRIER_CMD_PRIVATE_EXPEDITED_SYNC_CORE, 0, 0);
}

/*
 * The addresses this arming pass places probes at, so that a jump never
 * displaces the instruction another probe is about to patch.
 */
static struct planned {
	uint64_t addr;
	unsigned probe;
} *plan;
static unsigned nplan;

static bool displaces_another(uint64_t addr, unsigned len, uint64_t ret_at)
{
	for (unsigned i = 0; i < nplan; i++)
		if (plan[i].addr > addr && plan[i].addr < addr + len &&
		    !(plan[i].addr == ret_at &&
		      (cur->probes[plan[i].probe].flags & WIRE_PROBE_RET_SITE)))
			return true;
	for (unsigned i = 0; i < nsites; i++)
		if (sites[i]->addr > addr && sites[i]->addr < addr + len)
			return true;
	return false;
}

/* The jump site whose events fire at the ret at @ret (arming time). */
static struct site *ret_jump_site(uint64_t ret)
{
	for (unsigned i = 0; i < njump_sites; i++)
		if (jump_sites[i]->ret_at == ret)
			return jump_sites[i];
	return NULL;
}

/* Hit path: the jump site whose displaced bytes (not its first) hold @addr. */
struct site *site_lookup_displaced(uint64_t addr)
{
	unsigned n = __atomic_load_n(&njump_sites, __ATOMIC_ACQUIRE);

	for (unsigned i = 0; i < n; i++) {
		struct site *s = jump_sites[i];
		if (addr > s->addr && addr < s->addr + s->jump.len)
			return s;
	}
	return NULL;
}

/*
 * Replace the bytes at s->addr by @bytes (s->jump.len of them) while other
 * threads run, as the kernel pokes text: int3 on the first byte, sync, the
 * tail, sync, the first byte, sync.  A thread that reaches the site in the
 * meantime traps and is sent to the displaced copy (signal.c); one that
 * reaches an int3 inside the range is sent to the matching point of it.
 */
static int poke_live(struct site *s, const uint8_t *bytes, unsigned len)
{
	uint8_t bp = ARCH_BREAKPOINT_INSN;
	int err = poke_text(s->addr, &bp, 1);

	if (err)
		return err;
	sync_cores();
	if (len > 1) {
		err = poke_text(s->addr + 1, bytes + 1, len - 1);
		if (err)
			return err;
		sync_cores();
	}
	err = poke_text(s->addr, bytes, 1);
	sync_cores();
	return err;
}

/*
 * What the jump decision reads besides the function's code: its jump
 * tables.  Through /proc/self/mem, which fails cleanly where nothing is
 * mapped (a table address from misread code).
 */
static int read_text(void *ctx, uint64_t addr, void *buf, size_t len)
{
	(void)ctx;
	if (agent.memfd < 0)
		agent.memfd = open("/proc/self/mem", O_RDWR | O_CLOEXEC);
	if (agent.memfd < 0 || (int64_t)addr < 0)
		return -EFAULT;
	return pread(agent.memfd, buf, len, (off_t)addr) == (ssize_t)len ? 0 : -EFAULT;
}

/*
 * A copy of the code at @addr with the original bytes of every site already
 * placed in it put back: the jump path's checks must see the branches an
 * earlier probe's jump displaced or its int3 hides.  NULL without memory.
 */
static uint8_t *pristine(uint64_t addr, size_t len)
{
	uint8_t *copy = malloc(len ? len : 1);

	if (!copy)
		return NULL;
	memcpy(copy, (const void *)addr, len);
	for (unsigned i = 0; i < nsites; i++) {
		const struct site *o = sites[i];
		for (unsigned k = 0; k < o->patched; k++)
			if (o->addr + k >= addr && o->addr + k < addr + len)
				copy[o->addr + k - addr] = o->orig[k];
	}
	return copy;
}

/*
 * The jump path: a jmp to a trampoline that saves the registers, calls the
 * hit handler, restores them, runs the displaced instructions and jumps
 * back.  Only where the displaced range holds whole instructions that no
 * branch of the function (nor of its .cold part) targets.  Returns 0, or
 * -ENOTSUP with *reason saying why the trap path is used instead.
 */
static int site_jump(struct site *s, const struct wire_probe *wp, size_t avail,
		     const char **reason)
{
	uint8_t buf[TRAMPOLINE_MAX], jmp[ARCH_JUMP_BYTES + 32];
	uint64_t where, ret_code;
	int err;

	if (!wp || (wp->flags & WIRE_PROBE_NO_JUMP)) {
		*reason = "the jump path is off (--trap)";
		return -ENOTSUP;
	}
	if (!wp->func_len) {
		*reason = "no symbol covers the site, so the branches around it are unknown";
		return -ENOTSUP;
	}
	/* The function as the file has it, not as earlier probes patched it. */
	uint8_t *hot = pristine(s->foffs_base + wp->func_off, wp->func_len);
	uint8_t *cold = wp->cold_len ? pristine(s->foffs_base + wp->cold_off, wp->cold_len) : NULL;
	const struct arch_code_range fn[2] = {
		{ hot, s->foffs_base + wp->func_off, wp->func_len },
		{ cold, s->foffs_base + wp->cold_off, wp->cold_len },
	};
	if (!hot || (wp->cold_len && !cold))
		err = -ENOMEM;
	else if (!s->ret_at)
		err = arch_decide_jump(&s->jump, s->orig, avail, s->addr, fn, wp->cold_len ? 2 : 1,
				       read_text, NULL, &where);
	else if (arch_analyze_jump_to(&s->jump, s->orig, avail, s->addr, s->ret_at))
		err = -ENOTSUP;
	else
		err = arch_check_jump_func(&s->jump, fn, wp->cold_len ? 2 : 1, read_text, NULL,
					   &where);
	free(hot);
	free(cold);
	if (err) {
		*reason = s->jump.reason && err != -ENOMEM ? s->jump.reason :
			  "out of memory checking the function";
		return -ENOTSUP;
	}
	if (displaces_another(s->addr, s->jump.len, s->ret_at)) {
		*reason = "another probe is inside the bytes a jump would displace";
		return -ENOTSUP;
	}
	s->tramp_bytes = tramp_bytes(s);
	s->tramp = xolarea_alloc(s->addr, s->tramp_bytes);
	if (!s->tramp) {
		*reason = "no room for a trampoline within reach";
		return -ENOTSUP;
	}
	int n = tramp_build(s, buf, s->tramp_bytes, s->tramp, true, &ret_code);
	err = n < 0 ? n : poke_text((uint64_t)s->tramp, buf, (size_t)n);
	if (!err)
		err = arch_jump_bytes(jmp, s->addr, (uint64_t)s->tramp);
	/* Pairs with the acquire in return_push(): the code is there first. */
	if (!err)
		__atomic_store_n(&s->ret_code, ret_code, __ATOMIC_RELEASE);
	if (err) {
		s->tramp = NULL;
		*reason = s->jump.reason ? s->jump.reason : "the trampoline could not be built";
		return -ENOTSUP;
	}
	/* Bytes past the jmp that were displaced too: int3, never run again. */
	for (unsigned i = ARCH_JUMP_BYTES; i < s->jump.len; i++)
		jmp[i] = ARCH_BREAKPOINT_INSN;

	err = site_publish(s);
	if (!err) {
		jump_sites[njump_sites] = s;
		/* Pairs with the acquire in site_lookup_displaced(). */
		__atomic_store_n(&njump_sites, njump_sites + 1, __ATOMIC_RELEASE);
		err = poke_live(s, jmp, s->jump.len);
	}
	if (err) {
		*reason = "the jump could not be written";
		return err;
	}
	s->patched = s->jump.len;
	s->armed = true;
	return 0;
}

/*
 * Place the site: the jump path where it is safe, else the trap path
 * (analyse the instruction, prepare its out-of-line slot, publish, write
 * the int3).  @why says what was done, or what failed and where.
 */
static int site_install(struct site *s, const struct wire_probe *wp, size_t avail,
			const char *nojump, char *why, size_t whylen)
{
	const char *reason = NULL;
	const char *paths[2];
	char text[96];
	int err;

	if (avail > sizeof(s->orig))
		avail = sizeof(s->orig);
	uint8_t *orig = pristine(s->addr, avail);
	if (!orig) {
		snprintf(why, whylen, "cannot probe 0x%lx: out of memory", (unsigned long)s->addr);
		return -ENOMEM;
	}
	memcpy(s->orig, orig, avail);
	free(orig);
	if (s->orig[0] == ARCH_BREAKPOINT_INSN) {
		snprintf(why, whylen, "cannot probe 0x%lx: an int3 is already there",
			 (unsigned long)s->addr);
		return -EEXIST;
	}
	err = nojump ? -ENOTSUP : site_jump(s, wp, avail, &nojump);
	if (!err) {
		arch_insn_text(&s->jump.insn[0], text, sizeof(text));
		tramp_describe(s, &paths[0], &paths[1]);
		snprintf(why, whylen, "jump: jmp at 0x%lx, %u bytes (%u instructions from '%s') displaced%s%s",
			 (unsigned long)s->addr, s->jump.len, s->jump.n, text, paths[0], paths[1]);
		return 0;
	}
	if (err != -ENOTSUP) {
		snprintf(why, whylen, "cannot probe 0x%lx: %s", (unsigned long)s->addr, nojump);
		return err;
	}

	err = arch_analyze(&s->insn, s->orig, avail, s->addr);
	reason = s->insn.reason;
	if (!err) {
		s->slot = xolarea_alloc(s->addr, ARCH_SLOT_BYTES);
		if (!s->slot) {
			err = -ENOMEM;
			reason = "no room for an out-of-line slot within reach";
		}
	}
	if (!err) {
		uint8_t buf[ARCH_SLOT_BYTES];
		int n = arch_prepare_slot(&s->insn, buf, sizeof(buf), (uint64_t)s->slot, &reason);
		err = n < 0 ? n : poke_text((uint64_t)s->slot, buf, (size_t)n);
	}
	arch_insn_text(&s->insn, text, sizeof(text));
	if (err) {
		snprintf(why, whylen, "cannot probe 0x%lx (%s): %s", (unsigned long)s->addr, text,
			 reason ? reason : strerror(-err));
		return err;
	}
	err = site_publish(s);
	if (!err) {
		uint8_t bp = ARCH_BREAKPOINT_INSN;
		err = poke_text(s->addr, &bp, 1);
	}
	if (err) {
		snprintf(why, whylen, "cannot write the breakpoint at 0x%lx: %s",
			 (unsigned long)s->addr, strerror(-err));
		return err;
	}
	s->patched = 1;
	s->armed = true;
	snprintf(why, whylen, "trap: int3 at 0x%lx, '%s' %s; no jump: %s", (unsigned long)s->addr,
		 text, s->insn.flags & ARCH_INSN_F_EMULATED ? "emulated" : "run out of line",
		 nojump);
	return 0;
}

/*
 * A site an earlier session placed and disarmed (attach, detach, attach
 * again): the same code, so the same displaced range, slot and, where its
 * bytes come out the same for the new events, the same trampoline.  Only
 * a trampoline whose counting path changed is built anew; the old one
 * stays (a thread may still be in it), so arming the same probes again and
 * again takes no more memory.
 */
/*
 * Write the jmp of a jump site (again), to a trampoline for its events as
 * they are now: the same one when its bytes would not change, else a new
 * one (the old is never freed: a thread may be inside it).  *fresh says
 * which.  For a site armed again, or one whose events changed (the
 * counting path counts exactly the events it was built for).
 */
static int site_jump_again(struct site *s, bool jump_ok, bool *fresh)
{
	uint8_t buf[TRAMPOLINE_MAX], jmp[ARCH_JUMP_BYTES + 32];
	uint8_t *tramp = s->tramp;
	size_t bytes = s->tramp_bytes;
	uint64_t ret_code = 0;
	int n, err;

	/* The old one where the new bytes fit in it and are the same, else a new one. */
	for (int pass = 0; pass < 2; pass++) {
		n = tramp_build(s, buf, pass ? bytes : tramp_bytes(s), tramp, jump_ok,
				     &ret_code);
		if (n < 0 || pass || ((size_t)n <= bytes && !memcmp(buf, tramp, (size_t)n)))
			break;
		bytes = tramp_bytes(s);
		tramp = xolarea_alloc(s->addr, bytes);
		if (!tramp) {
			n = -ENOMEM;
			break;
		}
	}
	*fresh = tramp != s->tramp;
	err = n < 0 ? n : *fresh ? poke_text((uint64_t)tramp, buf, (size_t)n) : 0;
	/* Pairs with the acquire in return_push(): the code is there first. */
	if (!err)
		__atomic_store_n(&s->ret_code, ret_code, __ATOMIC_RELEASE);
	if (!*fresh && s->armed)
		return err; /* the jmp there goes to the right place already */
	if (!err)
		err = arch_jump_bytes(jmp, s->addr, (uint64_t)tramp);
	if (!err) {
		for (unsigned i = ARCH_JUMP_BYTES; i < s->jump.len; i++)
			jmp[i] = ARCH_BREAKPOINT_INSN;
		/* Pairs with the acquire of site_lookup_displaced()'s readers: tramp first. */
		s->tramp_bytes = bytes;
		__atomic_store_n(&s->tramp, tramp, __ATOMIC_RELEASE);
		err = poke_live(s, jmp, s->jump.len);
	}
	return err;
}

static int site_rearm(struct site *s, unsigned pi, const struct wire_probe *wp)
{
	char why[256];
	int err = site_add_consumer(s, wp);

	for (unsigned i = 0; !err && i < nplan; i++)
		if (plan[i].addr == s->addr && plan[i].probe != pi)
			err = site_add_consumer(s, &cur->probes[plan[i].probe]);
	if (err) {
		report_site(pi, 0, err, "out of memory");
		return err;
	}
	if (s->tramp) {
		bool fresh;
		err = site_jump_again(s, !(wp->flags & WIRE_PROBE_NO_JUMP), &fresh);
		snprintf(why, sizeof(why), "jump: jmp at 0x%lx again, %u bytes displaced%s",
			 (unsigned long)s->addr, s->jump.len, fresh ? ", new trampoline" : "");
	} else {
		uint8_t bp = ARCH_BREAKPOINT_INSN;
		err = poke_text(s->addr, &bp, 1);
		snprintf(why, sizeof(why), "trap: int3 at 0x%lx again", (unsigned long)s->addr);
	}
	if (err) {
		report_site(pi, 0, err, "cannot write the probe again");
		return err;
	}
	s->armed = true;
	refctr_add(s->refctr_addr, 1);
	report_site(pi, s->addr, 0, why);
	for (unsigned i = 0; i < nplan; i++)
		if (plan[i].addr == s->addr && plan[i].probe != pi)
			report_site(plan[i].probe, s->addr, 0, "shares the site of an earlier probe");
	return 0;
}

/*
 * A return event at a ret (WIRE_PROBE_RET_SITE), on the jump path: the
 * jump goes over the straight code that ends with the ret (Go's epilogue:
 * "add $N,%rsp; ret"), and the trampoline runs that code, the hit with
 * the registers as they are at the ret, then the ret.  Returns 0, or
 * -ENOTSUP with *@reason (then the ret gets the trap path), or -errno.
 */
static int site_place_ret_jump(unsigned pi, const struct wire_probe *wp, const struct mapping *m,
			       uint64_t ret, const char **reason)
{
	uint64_t base = m->start - m->pgoff, fn = base + wp->func_off, lo;
	uint8_t *code;
	char why[256], text[96];
	int err;

	*reason = "the jump path is off (--trap)";
	if (wp->flags & WIRE_PROBE_NO_JUMP)
		return -ENOTSUP;
	*reason = "the ret is not inside its function's symbol";
	if (!wp->func_len || ret < fn || ret >= fn + wp->func_len || fn + wp->func_len > m->end)
		return -ENOTSUP;
	code = pristine(fn, wp->func_len);
	if (!code)
		return -ENOMEM;
	lo = arch_ret_jump_start(code, wp->func_len, fn, ret);
	free(code);
	*reason = "fewer than 5 bytes of straight code (no branch, call or ret) up to the end of the ret";
	if (!lo)
		return -ENOTSUP;
	*reason = "another probe is in the bytes up to the ret";
	if (site_find(lo) || site_lookup_displaced(lo))
		return -ENOTSUP;
	for (unsigned i = 0; i < nplan; i++)
		if (plan[i].addr >= lo && plan[i].addr <= ret &&
		    !(plan[i].addr == ret && (cur->probes[plan[i].probe].flags & WIRE_PROBE_RET_SITE)))
			return -ENOTSUP;

	struct site *s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->addr = lo;
	s->foffs_base = base;
	s->dev = wp->dev;
	s->ino = wp->ino;
	s->offset = lo - base;
	s->ret_at = ret;
	s->entry = s->ret = s->rsite = &no_consumers;
	err = site_add_consumer(s, wp);
	for (unsigned i = 0; !err && i < nplan; i++)
		if (plan[i].addr == ret && plan[i].probe != pi)
			err = site_add_consumer(s, &cur->probes[plan[i].probe]);
	size_t avail = m->end - lo > sizeof(s->orig) ? sizeof(s->orig) : m->end - lo;
	uint8_t *orig = err ? NULL : pristine(lo, avail);
	if (!err && !orig)
		err = -ENOMEM;
	if (!err) {
		memcpy(s->orig, orig, avail);
		free(orig);
		err = s->orig[0] == ARCH_BREAKPOINT_INSN ? -ENOTSUP : site_jump(s, wp, avail, reason);
		if (s->orig[0] == ARCH_BREAKPOINT_INSN)
			*reason = "an int3 is already there";
	}
	if (err == -ENOTSUP || (err && !s->armed && !site_lookup(lo))) {
		if (s->rsite != &no_consumers)
			free(s->rsite);
		free(s);
		return err;
	}
	if (err) {
		/* Published but not written: the site stays (sites are never freed). */
		report_site(pi, 0, err, *reason);
		return err;
	}
	arch_insn_text(&s->jump.insn[0], text, sizeof(text));
	snprintf(why, sizeof(why), "jump: jmp at 0x%lx, %u bytes up to the ret displaced "
		 "(%u instructions from '%s'); the hit runs before the ret",
		 (unsigned long)lo, s->jump.len, s->jump.n, text);
	report_site(pi, ret, 0, why);
	for (unsigned i = 0; i < nplan; i++)
		if (plan[i].addr == ret && plan[i].probe != pi)
			report_site(plan[i].probe, ret, 0, "shares the site of an earlier probe");
	return 0;
}

static int site_place(unsigned pi, const struct wire_probe *wp, const struct mapping *m,
		      const struct mapping *maps, int nmaps)
{
	uint64_t addr = m->start + wp->offset - m->pgoff;
	struct site *s = site_find(addr);
	const char *nojump = NULL;
	char why[256];
	int err;

	if (!s && (wp->flags & WIRE_PROBE_RET_SITE))
		s = ret_jump_site(addr);
	if (s && s->ret_at && !(wp->flags & WIRE_PROBE_RET_SITE)) {
		snprintf(why, sizeof(why), "the jump of a return probe at the ret 0x%lx starts here",
			 (unsigned long)s->ret_at);
		report_site(pi, 0, -EBUSY, why);
		return -EBUSY;
	}
	if (!s && (wp->flags & WIRE_PROBE_RET_SITE)) {
		err = site_place_ret_jump(pi, wp, m, addr, &nojump);
		if (err != -ENOTSUP)
			return err;
	}
	if (!s && (s = site_lookup_displaced(addr))) {
		char why[128];
		snprintf(why, sizeof(why), "inside the bytes the jump at 0x%lx displaced",
			 (unsigned long)s->addr);
		report_site(pi, 0, -EBUSY, why);
		return -EBUSY;
	}
	if (s && !s->armed && !s->hook)
		return site_rearm(s, pi, wp);
	if (s) {
		if (!s->armed) {
			report_site(pi, 0, -EBUSY, "site is disarmed");
			return -EBUSY;
		}
		bool fresh;
		err = site_add_consumer(s, wp);
		if (!err && s->tramp)
			err = site_jump_again(s, !(wp->flags & WIRE_PROBE_NO_JUMP), &fresh);
		report_site(pi, err ? 0 : addr, err,
			    err ? "cannot add the event to the site" : "shares the site of an earlier probe");
		return err;
	}

	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->addr = addr;
	s->foffs_base = m->start - m->pgoff;
	s->dev = wp->dev;
	s->ino = wp->ino;
	s->offset = wp->offset;
	s->entry = s->ret = s->rsite = &no_consumers;
	/*
	 * Every probe of this pass at the same address joins now, before the
	 * code is patched: the trampoline may count their hits itself.
	 */
	if (site_add_consumer(s, wp)) {
		free(s);
		return -ENOMEM;
	}
	for (unsigned i = 0; i < nplan; i++)
		if (plan[i].addr == addr && plan[i].probe != pi &&
		    site_add_consumer(s, &cur->probes[plan[i].probe])) {
			free(s);
			return -ENOMEM;
		}
	if (wp->refctr) {
		for (int i = 0; i < nmaps; i++)
			if (maps[i].dev == wp->dev && maps[i].ino == wp->ino &&
			    wp->refctr >= maps[i].pgoff &&
			    wp->refctr + 2 <= maps[i].pgoff + (maps[i].end - maps[i].start) &&
			    !maps[i].exec) {
				s->refctr_addr = maps[i].start + wp->refctr - maps[i].pgoff;
				break;
			}
	}

	err = site_install(s, wp, m->end - addr, nojump, why, sizeof(why));
	report_site(pi, err ? 0 : addr, err, why);
	for (unsigned i = 0; i < nplan; i++)
		if (plan[i].addr == addr && plan[i].probe != pi)
			report_site(plan[i].probe, err ? 0 : addr, err,
				    err ? why : "shares the site of an earlier probe");
	if (err) {
		free(s);
		return err;
	}
	refctr_add(s->refctr_addr, 1);
	return 0;
}

/*
 * A site of the agent's own: @fn runs (in the SIGTRAP handler, before the
 * instruction) each time the code at @addr runs.  Used on the dynamic
 * linker's r_brk, which it calls after mapping or unmapping a library and
 * before running any of its constructors.
 */
int site_place_hook(uint64_t addr, void (*fn)(void))
{
	return site_place_hook_in(addr, fn, 0);
}

/* The same at the entry of a function of @func_len bytes: a jump where it is safe. */
int site_place_hook_in(uint64_t addr, void (*fn)(void), uint64_t func_len)
{
	struct site *s = calloc(1, sizeof(*s));
	struct wire_probe wp = { .func_off = addr, .func_len = func_len };
	char why[256];
	int err;

	if (!s)
		return -ENOMEM;
	s->addr = addr;
	s->hook = fn;
	s->entry = s->ret = s->rsite = &no_consumers;
	err = site_install(s, func_len ? &wp : NULL, 16, NULL, why, sizeof(why));
	if (err)
		free(s);
	return err;
}

static bool probe_maps(const struct wire_probe *wp, const struct mapping *m)
{
	return m->exec && m->dev == wp->dev && m->ino == wp->ino && wp->offset >= m->pgoff &&
	       wp->offset < m->pgoff + (m->end - m->start);
}

static bool site_has(const struct site *s, const struct agent_event *ev)
{
	for (unsigned k = 0; k < s->entry->n; k++)
		if (s->entry->ev[k] == ev)
			return true;
	for (unsigned k = 0; k < s->ret->n; k++)
		if (s->ret->ev[k] == ev)
			return true;
	for (unsigned k = 0; k < s->rsite->n; k++)
		if (s->rsite->ev[k] == ev)
			return true;
	return false;
}

/* Arm every probe of @se on every executable mapping of its file not armed yet. */
int sites_arm_all(struct agent_session *se)
{
	struct mapping *maps;
	int nmaps = read_maps(&maps);
	int placed = 0;

	if (nmaps < 0)
		return nmaps;
	cur = se;
	/* First where everything goes, then place: see displaces_another(). */
	plan = malloc(sizeof(*plan) * (se->nprobes * (size_t)nmaps + 1));
	nplan = 0;
	for (unsigned pi = 0; plan && pi < se->nprobes; pi++)
		for (int i = 0; i < nmaps; i++)
			if (probe_maps(&se->probes[pi], &maps[i]))
				plan[nplan++] = (struct planned){
					maps[i].start + se->probes[pi].offset - maps[i].pgoff, pi };

	for (unsigned pi = 0; pi < se->nprobes; pi++) {
		const struct wire_probe *wp = &se->probes[pi];
		for (int i = 0; i < nmaps; i++) {
			const struct mapping *m = &maps[i];
			if (!probe_maps(wp, m))
				continue;
			struct site *s = site_find(m->start + wp->offset - m->pgoff);
			if (!s && (wp->flags & WIRE_PROBE_RET_SITE))
				s = ret_jump_site(m->start + wp->offset - m->pgoff);
			if (s && s->armed && site_has(s, &se->events[wp->event]))
				continue;
			if (!site_place(pi, wp, m, maps, nmaps))
				placed++;
		}
	}
	free(plan);
	plan = NULL;
	nplan = 0;
	free(maps);
	cur = NULL;
	return placed;
}

/*
 * Mappings that went away (dlclose): their sites are dead, never write
 * there again.  A site still mapped keeps its state.
 */
void sites_forget_unmapped(void)
{
	struct mapping *maps;
	int nmaps = read_maps(&maps);

	if (nmaps < 0)
		return;
	for (unsigned i = 0; i < nsites; i++) {
		struct site *s = sites[i];
		bool mapped = s->hook != NULL; /* in the dynamic linker: never unmapped */
		for (int k = 0; k < nmaps && !mapped; k++)
			mapped = maps[k].exec && maps[k].dev == s->dev && maps[k].ino == s->ino &&
				 s->addr >= maps[k].start && s->addr < maps[k].end &&
				 maps[k].start - maps[k].pgoff == s->foffs_base;
		if (!mapped && s->armed) {
			s->armed = false;
			s->patched = 0;
			s->addr = ~0ull - i; /* never matches a trap again */
		}
	}
	free(maps);
}

static void disarm(struct site *s)
{
	if (!s->armed)
		return;
	if (s->tramp)
		poke_live(s, s->orig, s->patched);
	else
		poke_text(s->addr, s->orig, s->patched);
	refctr_add(s->refctr_addr, -1);
	s->armed = false;
}

/* Every site back as it was (the process exits, or no session can be reached). */
void sites_disarm_all(void)
{
	for (unsigned i = 0; i < nsites; i++)
		disarm(sites[i]);
}

/*
 * Lists replaced by sites_drop_session() go to a retired pile, freed when
 * a later session ends: long after any hit that may have been reading
 * one (a hit reads its list once, at its start).
 */
static struct consumers **retired;
static unsigned nretired, capretired;

static void retire(struct consumers *old)
{
	if (old == &no_consumers)
		return;
	if (nretired == capretired) {
		unsigned nc = capretired ? capretired * 2 : 64;
		struct consumers **n = realloc(retired, nc * sizeof(*n));
		if (!n)
			return; /* leaked: a few bytes */
		retired = n;
		capretired = nc;
	}
	retired[nretired++] = old;
}

/* @list without the events of @se; whether it changed. */
static bool drop_events(struct consumers **list, const struct agent_session *se)
{
	struct consumers *old = *list, *c;
	unsigned keep = 0;

	for (unsigned i = 0; i < old->n; i++)
		keep += old->ev[i]->sess != se;
	if (keep == old->n)
		return false;
	c = keep ? malloc(sizeof(*c) + keep * sizeof(c->ev[0])) : &no_consumers;
	if (!c)
		c = &no_consumers; /* out of memory: the site loses every event */
	if (c != &no_consumers) {
		c->n = 0;
		for (unsigned i = 0; i < old->n; i++)
			if (old->ev[i]->sess != se)
				c->ev[c->n++] = old->ev[i];
	}
	/* Pairs with the acquire loads of the hit path (hit.c). */
	__atomic_store_n(list, c, __ATOMIC_RELEASE);
	retire(old);
	return true;
}

static void free_retired(void)
{
	for (unsigned i = 0; i < nretired; i++)
		free(retired[i]);
	nretired = 0;
}

/*
 * Session @se stops (it ended, or was disabled): its events leave every
 * site.  A site left without events is disarmed (a return through a
 * frame hijacked earlier then records nothing); one that other sessions
 * still use stays armed, with a new trampoline if its counting path
 * counted @se's events.
 */
/*
 * Static programs: hits the own-stack trampoline skipped (a thread without
 * a block) since the last call become hits and misses of @se's events on
 * the site, in the shared row of its counters.  Under arm_lock.
 */
static void add_skipped(const struct consumers *c, const struct agent_session *se, uint64_t n)
{
	for (unsigned k = 0; k < c->n; k++) {
		const struct agent_event *e = c->ev[k];
		if (e->sess != se || !se->counters)
			continue;
		struct wire_counters *row =
			&se->counters[XOL_THREAD_SLOTS * wire_row_stride(se->nevents) + e->index];
		__atomic_fetch_add(&row->hits, n, __ATOMIC_RELAXED);
		__atomic_fetch_add(&row->misses, n, __ATOMIC_RELAXED);
	}
}

void sites_flush_skipped(const struct agent_session *se)
{
	for (unsigned i = 0; i < nsites; i++) {
		struct site *s = sites[i];
		uint64_t now = __atomic_load_n(&s->skipped, __ATOMIC_RELAXED);
		uint64_t n = now - s->skipped_seen[se->slot];

		if (!n || s->hook)
			continue;
		s->skipped_seen[se->slot] = now;
		add_skipped(s->entry, se, n);
		add_skipped(s->ret, se, n);
		add_skipped(s->rsite, se, n);
	}
}

void sites_drop_session(struct agent_session *se)
{
	/* What earlier calls retired: nothing can be reading it now. */
	free_retired();
	sites_flush_skipped(se);
	for (unsigned i = 0; i < nsites; i++) {
		struct site *s = sites[i];
		bool fresh;

		s->skipped_seen[se->slot] = s->skipped; /* the next session in this slot starts at 0 */
		if (s->hook)
			continue;
		bool changed = drop_events(&s->entry, se);
		changed |= drop_events(&s->ret, se);
		changed |= drop_events(&s->rsite, se);
		if (!changed)
			continue;
		lists_changed(s);
		if (!s->entry->n && !s->ret->n && !s->rsite->n)
			disarm(s);
		else if (s->armed && s->tramp)
			site_jump_again(s, true, &fresh);
	}
}
