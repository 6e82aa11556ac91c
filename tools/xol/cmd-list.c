// SPDX-License-Identifier: GPL-2.0-or-later
/* xol list sdt -x BIN: the SDT markers (.note.stapsdt) of a binary, as specs for xol probe. */
#include <getopt.h>
#include <string.h>

#include "builtin.h"
#include "probe-find.h"

static void usage(FILE *out)
{
	fprintf(out, "usage: xol list sdt -x BIN\n");
}

int cmd_list(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "exec", required_argument, NULL, 'x' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	const char *bin = NULL;
	struct sdt_note *notes;
	struct pbin b;
	int c, n;

	while ((c = getopt_long(argc, argv, "x:h", opts, NULL)) != -1) {
		switch (c) {
		case 'x': bin = optarg; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind >= argc || strcmp(argv[optind], "sdt") || !bin) {
		usage(stderr);
		return 2;
	}
	if (pbin_open(&b, bin, NULL, stderr) || sdt_read(&b, &notes, &n)) {
		pbin_close(&b);
		return 1;
	}
	for (int i = 0; i < n; i++) {
		char spec[256];
		snprintf(spec, sizeof(spec), "sdt_%s:%s", notes[i].provider, notes[i].name);
		printf("%-32s %s:0x%llx", spec, b.path, (unsigned long long)notes[i].off);
		if (notes[i].sem_off)
			printf(" semaphore 0x%llx", (unsigned long long)notes[i].sem_off);
		printf("  %s\n", notes[i].args);
	}
	sdt_free(notes, n);
	pbin_close(&b);
	return 0;
}
