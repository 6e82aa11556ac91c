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
#include <sys/mman.h>
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

static void report_site(unsigned probe, uint64_t addr, int err, const char *why)
{
	struct wire_site ws = { .type = WIRE_SITE, .probe = probe, .addr = addr, .err = err };

	snprintf(ws.why, sizeof(ws.why), "%s", why);
	if (agent.sock >= 0)
		send(agent.sock, &ws, sizeof(ws), MSG_NOSIGNAL);
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

/*
 * Analyse the instruction at s->addr, prepare its out-of-line slot, publish
 * the site and write the int3.  On failure @why says what and where, and
 * the site is not published (the caller frees it).
 */
static int site_install(struct site *s, size_t avail, char *why, size_t whylen)
{
	const char *reason = NULL;
	char text[96];
	int err;

	memcpy(s->orig, (void *)s->addr, avail);
	if (s->orig[0] == ARCH_BREAKPOINT_INSN) {
		snprintf(why, whylen, "cannot probe 0x%lx: an int3 is already there",
			 (unsigned long)s->addr);
		return -EEXIST;
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
	snprintf(why, whylen, "trap: int3 at 0x%lx, '%s' %s", (unsigned long)s->addr, text,
		 s->insn.flags & ARCH_INSN_F_EMULATED ? "emulated" : "run out of line");
	return 0;
}

static int site_place(unsigned pi, const struct wire_probe *wp, const struct mapping *m,
		      const struct mapping *maps, int nmaps)
{
	uint64_t addr = m->start + wp->offset - m->pgoff;
	struct agent_event *ev = &agent.events[wp->event];
	struct site *s = site_find(addr);
	char why[160];
	int err;

	if (s) {
		if (!s->armed) {
			report_site(pi, 0, -EBUSY, "site is disarmed");
			return -EBUSY;
		}
		if (ev->w->is_return ? s->nret >= 8 : s->nentry >= 8) {
			report_site(pi, 0, -ENOSPC, "too many events on one probepoint");
			return -ENOSPC;
		}
		if (ev->w->is_return)
			__atomic_store_n(&s->ret[s->nret++], ev, __ATOMIC_RELEASE);
		else
			__atomic_store_n(&s->entry[s->nentry++], ev, __ATOMIC_RELEASE);
		report_site(pi, addr, 0, "shares the site of an earlier probe");
		return 0;
	}

	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->addr = addr;
	s->foffs_base = m->start - m->pgoff;
	s->dev = wp->dev;
	s->ino = wp->ino;
	s->offset = wp->offset;
	if (ev->w->is_return)
		s->ret[s->nret++] = ev;
	else
		s->entry[s->nentry++] = ev;
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

	err = site_install(s, m->end - addr < sizeof(s->orig) ? m->end - addr : sizeof(s->orig),
			   why, sizeof(why));
	report_site(pi, err ? 0 : addr, err, why);
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
	struct site *s = calloc(1, sizeof(*s));
	char why[160];
	int err;

	if (!s)
		return -ENOMEM;
	s->addr = addr;
	s->hook = fn;
	err = site_install(s, 16, why, sizeof(why));
	if (err)
		free(s);
	return err;
}

/* Arm every probe on every executable mapping of its file not armed yet. */
int sites_arm_all(void)
{
	struct mapping *maps;
	int nmaps = read_maps(&maps);
	int placed = 0;

	if (nmaps < 0)
		return nmaps;
	for (unsigned pi = 0; pi < agent.nprobes; pi++) {
		const struct wire_probe *wp = &agent.probes[pi];
		for (int i = 0; i < nmaps; i++) {
			const struct mapping *m = &maps[i];
			if (!m->exec || m->dev != wp->dev || m->ino != wp->ino)
				continue;
			if (wp->offset < m->pgoff || wp->offset >= m->pgoff + (m->end - m->start))
				continue;
			uint64_t addr = m->start + wp->offset - m->pgoff;
			struct site *s = site_find(addr);
			if (s && s->armed) {
				bool has = false;
				struct agent_event *ev = &agent.events[wp->event];
				for (unsigned k = 0; k < s->nentry; k++)
					has |= s->entry[k] == ev;
				for (unsigned k = 0; k < s->nret; k++)
					has |= s->ret[k] == ev;
				if (has)
					continue;
			}
			if (!site_place(pi, wp, m, maps, nmaps))
				placed++;
		}
	}
	free(maps);
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

void sites_disarm_all(void)
{
	for (unsigned i = 0; i < nsites; i++) {
		struct site *s = sites[i];
		if (!s->armed)
			continue;
		poke_text(s->addr, s->orig, s->patched);
		refctr_add(s->refctr_addr, -1);
		s->armed = false;
	}
}
