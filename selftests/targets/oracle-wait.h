/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * For 10-trace-oracle.t's attached runs: when stdin is a pipe, wait for its
 * first byte before anything else, so that `xol trace -p` has attached
 * before the first probed call.  Otherwise (stdin /dev/null, as in every
 * other run) nothing at all: the stack and the output are the same.
 */
#ifndef XOL_ORACLE_WAIT_H
#define XOL_ORACLE_WAIT_H

#include <errno.h>
#include <sys/stat.h>
#include <unistd.h>

static inline void oracle_wait(void)
{
	struct stat st;
	char c;

	if (!fstat(0, &st) && S_ISFIFO(st.st_mode))
		while (read(0, &c, 1) < 0 && errno == EINTR)
			;
}

#endif
