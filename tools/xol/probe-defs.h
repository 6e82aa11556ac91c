/* SPDX-License-Identifier: GPL-2.0-or-later */
/* perf probe specs to uprobe_events lines, with perf's event naming: shared by probe, trace, stat. */
#ifndef XOL_TOOLS_PROBE_DEFS_H
#define XOL_TOOLS_PROBE_DEFS_H

#include <stdbool.h>
#include <stdio.h>

struct probe_opts {
	const char *debug_dirs; /* NULL: $XOL_DEBUG_DIR, else /usr/lib/debug */
	int max_probes;         /* per spec; 0: no bound */
};

/*
 * probe_specs_to_defs - resolve @nspecs perf probe specs in @bin; on
 * success *@text holds one uprobe_events line per probe ("\n"-terminated,
 * malloc'd).  Errors go to @err.  Returns 0 or -errno.
 */
int probe_specs_to_defs(const char *bin, const char *const *specs, int nspecs,
			const struct probe_opts *o, char **text, FILE *err);

/* Whether @s is a uprobe_events definition (p:, r:, -:, "p ", ...) rather than a probe spec. */
bool probe_is_definition(const char *s);

#endif
