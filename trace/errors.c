// SPDX-License-Identifier: GPL-2.0-or-later
/* The error_log table, expanded into its identifiers and messages. */
#include <string.h>

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
