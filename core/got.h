/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Interposing late: the program's GOT slots for some names pointed at the agent (got.c). */
#ifndef XOL_CORE_GOT_H
#define XOL_CORE_GOT_H

struct got_hook {
	const char *name;
	void *fn;
};

/*
 * Point every GOT slot bound to one of @hooks' names, in every loaded
 * object but libc, the dynamic linker and the agent, at the hook's
 * function.  Returns the number of slots written.
 */
int got_redirect(const struct got_hook *hooks, unsigned n);

#endif
