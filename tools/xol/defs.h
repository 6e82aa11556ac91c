/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Gathering definitions from -e and --probe-file, reporting errors as error_log does. */
#ifndef XOL_TOOLS_DEFS_H
#define XOL_TOOLS_DEFS_H

#include <stddef.h>

#include "xol/xol.h"

struct defs {
	struct xol_events *evs;
	unsigned nprobes;   /* probes defined so far */
	const char *exec;       /* -x BIN: where probe specs are resolved */
	const char *debug_dir;  /* --debug-dir for them (NULL: the default) */
	const char **pending;   /* probe specs given before defs_finish() */
	int npending;
};

void defs_init(struct defs *d);
/* Apply @text as one write to uprobe_events; print the error entry and fail if bad. */
int defs_add_text(struct defs *d, const char *text);
/*
 * -e TEXT: a uprobe_events definition is applied now; anything else is a
 * perf probe spec ("work a b", "app.c:42", "sdt_prov:mark"), kept to be
 * resolved in -x BIN by defs_finish().
 */
int defs_add_event(struct defs *d, const char *text);
/* Resolve the kept probe specs in d->exec and apply their definitions. */
int defs_finish(struct defs *d);
/* The same for a whole file ("-" is stdin), as one write. */
int defs_add_file(struct defs *d, const char *path);
void defs_release(struct defs *d);

/* "64k", "4M", "1G" or a number of bytes. */
int parse_size(const char *s, size_t *out);

#endif
