// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * insncov-hold FILE CMD [ARGS]...: map FILE as code, wait for a line on
 * stdin, then exec CMD.  The kernel analyses the instruction under a uprobe
 * when it places the probe into a process that maps the file: enabling an
 * event while this waits is when the kernel says which probes it refuses
 * (12-insn-coverage.t).  Exits 100 if stdin closes first.
 */
#include <fcntl.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	struct stat st;
	char line[16];
	int fd;

	if (argc < 3) {
		fprintf(stderr, "usage: insncov-hold FILE CMD [ARGS]...\n");
		return 2;
	}
	fd = open(argv[1], O_RDONLY);
	if (fd < 0 || fstat(fd, &st) ||
	    mmap(NULL, (size_t)st.st_size, PROT_READ | PROT_EXEC, MAP_PRIVATE, fd, 0) == MAP_FAILED) {
		perror(argv[1]);
		return 2;
	}
	if (!fgets(line, sizeof(line), stdin))
		return 100;
	execv(argv[2], argv + 2);
	perror(argv[2]);
	return 127;
}
