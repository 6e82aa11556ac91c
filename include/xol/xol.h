/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libxol: the public C API.
 *
 * A `struct xol_events` is a set of uprobe events, exactly what the kernel's
 * `uprobe_events` file holds: write definitions into it, list it back, ask
 * for an event's `format` file.  Functions return 0 or a negative errno.
 */
#ifndef XOL_XOL_H
#define XOL_XOL_H

#include <stddef.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

#define XOL_API __attribute__((visibility("default")))

struct xol_events;

/*
 * The error_log entry of a rejected definition.  `logged` is 0 for the
 * failures the kernel does not log (not a uprobe line, deletions, a line
 * too long, a refctr mismatch): then `err` says what went wrong, `id` is
 * NULL and `message` is xol's own short explanation (not kernel text).
 * xol_events_write() clears the whole struct when it succeeds.
 */
struct xol_error {
	int err;             /* -errno the write() would fail with */
	int logged;          /* an error_log entry exists */
	const char *message; /* the kernel's text, e.g. "Invalid register name" */
	const char *id;      /* the kernel's identifier, e.g. "BAD_REG_NAME" */
	char command[4096];  /* tokens joined by single spaces */
	unsigned pos;        /* caret column within command */
	unsigned line;       /* 1-based line of the write that failed */
};

XOL_API struct xol_events *xol_events_new(void);
XOL_API void xol_events_free(struct xol_events *evs);

/*
 * Apply @len bytes as one write(2) to uprobe_events: lines in order, the
 * first failing line stops processing and those before it stay applied.
 * Relative paths resolve against the current directory.
 */
XOL_API int xol_events_write(struct xol_events *evs, const char *buf, size_t len,
			     struct xol_error *err);

/* Remove every event, as opening uprobe_events with O_TRUNC does. */
XOL_API void xol_events_clear(struct xol_events *evs);

/* Print the listing, as reading uprobe_events does. */
XOL_API int xol_events_list(const struct xol_events *evs, FILE *out);

/*
 * Print the `format` file of GROUP/EVENT (or EVENT in any group), as
 * tracefs shows it.  -ENOENT if there is no such event.
 */
XOL_API int xol_events_format(const struct xol_events *evs, const char *name, FILE *out);

/*
 * Render one record as the kernel's `trace` file shows it from the event
 * name on, without the newline: `work: (0x55d0c2a4f1c0) a=0x1 s="x"`.
 * @rec starts with the common header; its common_type is the event's ID.
 * Writes at most @size bytes, NUL included, like snprintf, and returns
 * the full length, -ENOENT for an unknown ID, -EINVAL for a short record.
 */
XOL_API int xol_events_render(const struct xol_events *evs, const void *rec, size_t len,
			      char *buf, size_t size);

/* Print @err as the kernel's three-line error_log entry (nothing if not logged). */
XOL_API void xol_error_print(const struct xol_error *err, FILE *out);

#ifdef __cplusplus
}
#endif

#endif
