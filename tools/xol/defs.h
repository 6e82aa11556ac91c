/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Gathering definitions from -e and --probe-file, reporting errors as error_log does. */
#ifndef XOL_TOOLS_DEFS_H
#define XOL_TOOLS_DEFS_H

#include <stddef.h>

#include "xol/xol.h"

struct defs {
	struct xol_events *evs;
	unsigned nprobes;   /* probes defined so far */
};

void defs_init(struct defs *d);
/* Apply @text as one write to uprobe_events; print the error entry and fail if bad. */
int defs_add_text(struct defs *d, const char *text);
/* The same for a whole file ("-" is stdin), as one write. */
int defs_add_file(struct defs *d, const char *path);
void defs_release(struct defs *d);

/* "64k", "4M", "1G" or a number of bytes. */
int parse_size(const char *s, size_t *out);

#endif
