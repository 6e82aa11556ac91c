/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The agent of static programs, laid out and relocated by xol (inject.c). */
#ifndef XOL_TOOLS_INJECT_H
#define XOL_TOOLS_INJECT_H

#include <gelf.h>
#include <limits.h>
#include <stdint.h>

#define INJECT_MAX_SEGS 8
#define INJECT_MAX_IMAGES 2
#define INJECT_AGENT_NAME "xol-agent-static.so"

struct inject_image {
	char path[PATH_MAX];
	int fd;
	Elf *elf;
	GElf_Phdr seg[INJECT_MAX_SEGS]; /* its PT_LOADs */
	unsigned nseg;
	uint64_t span;          /* bytes from its first to past its last page */
	uint8_t *mem;           /* [span]: laid out as in memory, relocated for base */
	uint64_t base;          /* where the process mapped it */
};

struct inject {
	struct inject_image im[INJECT_MAX_IMAGES]; /* the agent, then libZydis */
	unsigned nim;
};

/*
 * inject_open - read @agent_path (xol-agent-static.so) and the libZydis.so
 * xol itself runs with into @j, laid out by their program headers.
 * Returns 0 or -errno; inject_close() in every case.
 */
int inject_open(struct inject *j, const char *agent_path);

/* inject_relocate - apply every relocation for the bases set in @j->im[].base. */
int inject_relocate(struct inject *j, char *why, size_t whylen);

/* inject_symbol - the address of a defined dynamic symbol once bases are set, else 0. */
uint64_t inject_symbol(const struct inject *j, const char *name);

void inject_close(struct inject *j);

#endif
