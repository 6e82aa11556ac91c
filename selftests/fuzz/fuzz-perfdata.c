// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * libFuzzer harness of the perf.data reader (tools/xol/perf-read.c and the
 * format parser and printer it uses): any bytes, in file or pipe format,
 * give samples or a clear error, never a crash, a leak or a read out of
 * bounds.  Every sample is also printed as perf script's trace column.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tools/xol/perf-data.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct perf_reader *r;
	struct strbuf sb = STRBUF_INIT;
	struct perf_sample s;
	char err[600];
	/* a copy of exactly @size bytes, so that ASan sees any read past it */
	uint8_t *copy = malloc(size ? size : 1);

	if (!copy)
		return 0;
	memcpy(copy, data, size);
	if (!perfr_open_mem(&r, copy, size, err, sizeof(err))) {
		unsigned n;
		perfr_formats(r, &n);
		perfr_recorded(r, &n);
		for (int i = 0; i < 100000 && perfr_next(r, &s) > 0; i++) {
			sb.len = 0;
			pf_print(s.fmt, s.raw, s.raw_size, s.raw_avail, &sb);
		}
		perfr_close(r);
	} else if (!err[0]) {
		abort(); /* every failure says why */
	}
	sb_release(&sb);
	free(copy);
	return 0;
}
