// SPDX-License-Identifier: GPL-2.0-or-later
/* The error_log table, expanded into its identifiers and messages. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "xol/xol.h"

#include "errors.h"

#define ID(id, msg) #id,
#define MSG(id, msg) msg,
#define YES(id, msg) 1,
#define NO(id, msg) 0,

const char *const tp_err_id[TP_ERR_COUNT] = { TP_ERRORS(ID, ID) };
const char *const tp_err_msg[TP_ERR_COUNT] = { TP_ERRORS(MSG, MSG) };
const unsigned char tp_err_reachable[TP_ERR_COUNT] = { TP_ERRORS(YES, NO) };

int tp_err_lookup(const char *id)
{
	for (int i = 0; i < TP_ERR_COUNT; i++)
		if (!strcmp(tp_err_id[i], id))
			return i;
	return -1;
}

/*
 * The error_log entry: the kernel stamps it with its local clock, seconds
 * since boot; "  Command: " is 11 columns, so the caret line is 13 + pos
 * bytes, newline included, which is what the kernel's selftests check.
 */
void xol_error_print(const struct xol_error *err, FILE *out)
{
	struct timespec ts = { 0 };

	if (!err || !err->logged)
		return;
	clock_gettime(CLOCK_BOOTTIME, &ts);
	fprintf(out, "[%5llu.%06lu] trace_uprobe: error: %s\n  Command: %s\n%*s^\n",
		(unsigned long long)ts.tv_sec, (unsigned long)(ts.tv_nsec / 1000), err->message,
		err->command, (int)(11 + err->pos), "");
}
