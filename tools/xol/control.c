// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * --control: perf's way for another program (or the traced one) to turn
 * the events on and off while the session runs.
 *
 *   --control fifo:CTL[,ACK]   named pipes, opened by xol
 *   --control fd:CTL[,ACK]     descriptors xol inherited
 *
 * One command per line on CTL: "enable", "disable", "ping".  When a
 * command is complete (every probe armed, or every probe disarmed and no
 * hit still being recorded) xol writes "ack\n" to ACK.  With -D -1 the
 * session starts disabled.  The pipes are opened read-write so that
 * neither open waits for the other side, which may be the very program
 * xol is about to start.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "session.h"

static int open_fifo(const char *path)
{
	int fd = open(path, O_RDWR | O_CLOEXEC | O_NONBLOCK);

	if (fd < 0)
		fprintf(stderr, "xol: --control: %s: %s\n", path, strerror(errno));
	return fd;
}

static int parse_fd(const char *s, int *fd)
{
	char *end;
	long v = strtol(s, &end, 10);

	if (end == s || *end || v < 0 || v > 65535 || fcntl((int)v, F_GETFD) < 0) {
		fprintf(stderr, "xol: --control: '%s' is not an open file descriptor\n", s);
		return -EINVAL;
	}
	*fd = (int)v;
	return 0;
}

int control_parse(const char *arg, struct session_opts *o)
{
	char *copy = strdup(arg), *ack;
	int err = 0;

	if (!copy)
		return -ENOMEM;
	ack = strchr(copy, ',');
	if (ack)
		*ack++ = 0;
	o->ctl_fd = o->ack_fd = -1;
	if (!strncmp(copy, "fifo:", 5)) {
		o->ctl_fd = open_fifo(copy + 5);
		if (ack && o->ctl_fd >= 0)
			o->ack_fd = open_fifo(ack);
		err = o->ctl_fd < 0 || (ack && o->ack_fd < 0) ? -EINVAL : 0;
	} else if (!strncmp(copy, "fd:", 3)) {
		err = parse_fd(copy + 3, &o->ctl_fd);
		if (!err && ack)
			err = parse_fd(ack, &o->ack_fd);
		if (!err)
			fcntl(o->ctl_fd, F_SETFL, fcntl(o->ctl_fd, F_GETFL) | O_NONBLOCK);
	} else {
		fprintf(stderr, "xol: --control: '%s': expected fifo:CTL[,ACK] or fd:CTL[,ACK]\n",
			arg);
		err = -EINVAL;
	}
	free(copy);
	if (err) {
		if (o->ctl_fd >= 0 && !strncmp(arg, "fifo:", 5))
			close(o->ctl_fd);
		o->ctl_fd = o->ack_fd = -1;
		return err;
	}
	o->control = true;
	return 0;
}

static void ack(const struct session *s)
{
	if (s->opts.ack_fd >= 0 && write(s->opts.ack_fd, "ack\n", 4) != 4)
		fprintf(stderr, "xol: --control: cannot write the ack: %s\n", strerror(errno));
}

static void command(struct session *s, const char *cmd)
{
	if (!strcmp(cmd, "enable"))
		session_enable(s, true);
	else if (!strcmp(cmd, "disable"))
		session_enable(s, false);
	else if (strcmp(cmd, "ping") && *cmd)
		fprintf(stderr, "xol: --control: unknown command '%s' (enable, disable, ping)\n",
			cmd);
	if (*cmd)
		ack(s);
}

void control_read(struct session *s)
{
	char buf[256];
	ssize_t n;

	while ((n = read(s->opts.ctl_fd, buf, sizeof(buf))) > 0) {
		for (ssize_t i = 0; i < n; i++) {
			if (buf[i] != '\n' && buf[i] != 0) {
				if (s->ctl_len < sizeof(s->ctl_line) - 1)
					s->ctl_line[s->ctl_len++] = buf[i];
				continue;
			}
			s->ctl_line[s->ctl_len] = 0;
			s->ctl_len = 0;
			command(s, s->ctl_line);
		}
	}
	if (n == 0) /* fd: whose writers have gone (a fifo opened O_RDWR never ends) */
		s->opts.control = false;
}
