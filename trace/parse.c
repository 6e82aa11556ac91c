// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * One probe line: tokens, the error log, the kind, the location, the names.
 *
 *   p|r[:[GRP/][EVENT]] PATH:OFFSET[%return][(REFCTR)] [FETCHARGS]
 *
 * tp_parse_probe() follows the kernel's __trace_uprobe_create() in its
 * order, which decides which error wins when a line has several: the
 * kind, the argument count, the location (path, regular file, refctr,
 * suffix, offset), then the names, then each fetch-arg in turn.  Errors
 * in the location are logged at token 1 although the name comes first.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "internal.h"

int tp_argv_split(const char *cmd, struct tp_argv *av)
{
	size_t len = strlen(cmd);
	int n = 0;
	char *p;

	av->argc = 0;
	av->buf = malloc(len + 1);
	av->argv = malloc(sizeof(char *) * (len / 2 + 2));
	if (!av->buf || !av->argv) {
		tp_argv_free(av);
		return -ENOMEM;
	}
	memcpy(av->buf, cmd, len + 1);
	for (p = av->buf; *p;) {
		while (*p && k_isspace(*p))
			p++;
		if (!*p)
			break;
		av->argv[n++] = p;
		while (*p && !k_isspace(*p))
			p++;
		if (*p)
			*p++ = '\0';
	}
	av->argv[n] = NULL;
	av->argc = n;
	return 0;
}

void tp_argv_free(struct tp_argv *av)
{
	free(av->buf);
	free(av->argv);
	*av = (struct tp_argv){ 0 };
}

void tp_log_command(struct xol_error *err, const struct tp_argv *av)
{
	size_t len = 0, room = sizeof(err->command);

	err->command[0] = '\0';
	for (int i = 0; i < av->argc && len + 1 < room; i++) {
		int n = snprintf(err->command + len, room - len, "%s%s", i ? " " : "", av->argv[i]);

		len += n > 0 ? (size_t)n : 0;
	}
}

void tp_log_err(struct tp_log *log, int offset, enum tp_err e)
{
	const struct tp_argv *av = log->av;
	int i, len = 0, pos = 0;
	struct xol_error *err = log->err;

	if (!err)
		return;
	for (i = 0; i < av->argc; i++) {
		if (i == log->index)
			pos = len;
		len += (int)strlen(av->argv[i]) + 1;
	}
	if (log->index >= av->argc) {
		/* past the last token: one column after the end */
		pos = len;
		offset = 0;
	}
	tp_log_command(err, av);
	err->logged = 1;
	err->id = tp_err_id[e];
	err->message = tp_err_msg[e];
	err->pos = (uint16_t)(pos + offset); /* the kernel keeps a u16 */
}

/* traceprobe_parse_event_name(): GRP/EVENT, GRP.EVENT, GRP/ or EVENT. */
static int parse_event_name(struct tp_def *def, const char *event, int offset,
			    struct tp_log *log)
{
	const char *slash = strchr(event, '/');
	size_t len;

	if (!slash)
		slash = strchr(event, '.');
	if (slash) {
		if (slash == event) {
			tp_log_err(log, offset, TP_ERR_NO_GROUP_NAME);
			return -EINVAL;
		}
		if (slash - event + 1 > TP_NAME_MAX + 1) {
			tp_log_err(log, offset, TP_ERR_GROUP_TOO_LONG);
			return -EINVAL;
		}
		memcpy(def->group, event, (size_t)(slash - event));
		def->group[slash - event] = '\0';
		if (!tp_is_good_group_name(def->group)) {
			tp_log_err(log, offset, TP_ERR_BAD_GROUP_NAME);
			return -EINVAL;
		}
		offset += (int)(slash - event) + 1;
		event = slash + 1;
	}
	len = strlen(event);
	if (len == 0) {
		if (slash)
			return 0; /* GRP/ alone: the default event name */
		tp_log_err(log, offset, TP_ERR_NO_EVENT_NAME);
		return -EINVAL;
	}
	if (len > TP_NAME_MAX) {
		tp_log_err(log, offset, TP_ERR_EVENT_TOO_LONG);
		return -EINVAL;
	}
	if (!tp_is_good_name(event)) {
		tp_log_err(log, offset, TP_ERR_BAD_EVENT_NAME);
		return -EINVAL;
	}
	memcpy(def->name, event, len + 1);
	return 0;
}

/*
 * p_<stem>_0x<offset>: the stem is the last path component cut at its
 * first '.', '-' or '_'; always 'p', even for a return probe; cut to 63
 * characters and not checked, so "/tmp/a+b" gives "p_a+b_0x10".
 */
static int default_name(struct tp_def *def)
{
	const char *base = strrchr(def->path, '/');
	struct strbuf sb = STRBUF_INIT;
	bool oom;

	base = base ? base + 1 : def->path;
	sb_puts(&sb, "p_");
	sb_put(&sb, base, strcspn(base, ".-_"));
	sb_printf(&sb, "_0x%llx", (unsigned long long)def->offset);
	oom = sb.oom;
	if (!oom)
		snprintf(def->name, sizeof(def->name), "%.*s", TP_NAME_MAX, sb.buf);
	sb_release(&sb);
	return oom ? -ENOMEM : 0;
}

/* PATH:OFFSET[%return][(REFCTR)], token 1, already split at its last ':'. */
static int parse_location(struct tp_def *def, char *filename, char *arg, struct tp_log *log,
			  struct tp_file *last)
{
	char *rctr, *rctr_end, *tmp;
	struct stat st;
	int ret;

	if (last && last->path && !strcmp(last->path, filename)) {
		def->dev = last->dev;
		def->ino = last->ino;
	} else {
		/* 6.18 resolves an empty path to the writer's directory */
		if (stat(*filename ? filename : ".", &st)) {
			ret = -errno;
			tp_log_err(log, 0, TP_ERR_FILE_NOT_FOUND);
			return ret;
		}
		if (!S_ISREG(st.st_mode)) {
			tp_log_err(log, 0, TP_ERR_NO_REGULAR_FILE);
			return -EINVAL;
		}
		def->dev = st.st_dev;
		def->ino = st.st_ino;
		if (last && *filename) {
			char *p = strdup(filename);
			if (p) {
				free(last->path);
				*last = (struct tp_file){ p, st.st_dev, st.st_ino };
			}
		}
	}

	rctr = strchr(arg, '(');
	if (rctr) {
		rctr_end = strchr(rctr, ')');
		if (!rctr_end) {
			rctr_end = rctr + strlen(rctr);
			tp_log_err(log, (int)(rctr_end - filename), TP_ERR_REFCNT_OPEN_BRACE);
			return -EINVAL;
		} else if (rctr_end[1] != '\0') {
			tp_log_err(log, (int)(rctr_end + 1 - filename), TP_ERR_BAD_REFCNT_SUFFIX);
			return -EINVAL;
		}
		*rctr++ = '\0';
		*rctr_end = '\0';
		ret = k_strtoull(rctr, 0, &def->refctr);
		if (ret) {
			tp_log_err(log, (int)(rctr - filename), TP_ERR_BAD_REFCNT);
			return ret;
		}
	}

	tmp = strchr(arg, '%');
	if (tmp) {
		if (strcmp(tmp, "%return")) {
			tp_log_err(log, (int)(tmp - filename), TP_ERR_BAD_ADDR_SUFFIX);
			return -EINVAL;
		}
		*tmp = '\0';
		def->is_return = true;
	}

	ret = k_strtoull(arg, 0, &def->offset);
	if (ret)
		tp_log_err(log, (int)(arg - filename), TP_ERR_BAD_UPROBE_OFFS);
	return ret;
}

int tp_parse_probe(struct tp_def *def, const struct tp_argv *av, struct tp_log *log,
		   struct tp_file *last)
{
	struct tp_arg_ctx actx = { .log = log, .size = &def->size, .data = &def->data };
	char **argv = av->argv, *filename, *arg;
	const char *event = NULL;
	int argc = av->argc, ret;

	*def = (struct tp_def){ .group = TP_DEFAULT_GROUP };
	switch (argv[0][0]) {
	case 'r':
		def->is_return = true;
		break;
	case 'p':
		break;
	default:
		return -ECANCELED;
	}
	if (argc < 2)
		return -ECANCELED;

	log->index = 0;
	if (argc - 2 > TP_MAX_ARGS) {
		log->index = 2;
		tp_log_err(log, 0, TP_ERR_TOO_MANY_ARGS);
		return -E2BIG;
	}

	/* anything else in the first token (MAXACTIVE-like "r10") is ignored */
	if (argv[0][1] == ':')
		event = &argv[0][2];

	if (!strchr(argv[1], '/'))
		return -ECANCELED;
	filename = strdup(argv[1]);
	if (!filename)
		return -ENOMEM;
	/* the last ':' ends the path, so a path may contain ':' */
	arg = strrchr(filename, ':');
	if (!arg || !k_isdigit(arg[1])) {
		free(filename);
		return -ECANCELED;
	}
	*arg++ = '\0';
	def->path = filename;

	log->index = 1;
	ret = parse_location(def, filename, arg, log, last);
	if (ret)
		return ret;

	log->index = 0;
	if (event) {
		ret = parse_event_name(def, event, (int)(event - argv[0]), log);
		if (ret)
			return ret;
	}
	if (!def->name[0]) {
		ret = default_name(def);
		if (ret)
			return ret;
	}

	def->nargs = (unsigned)(argc - 2);
	def->args = calloc(def->nargs ? def->nargs : 1, sizeof(*def->args));
	if (!def->args)
		return -ENOMEM;
	actx.is_return = def->is_return;
	for (int i = 0; i < argc - 2; i++) {
		log->index = i + 2;
		ret = tp_parse_arg(&actx, def->args, i, argv[i + 2]);
		if (ret)
			return ret;
	}
	return def->data.oom ? -ENOMEM : 0;
}

void tp_def_release(struct tp_def *def)
{
	for (unsigned i = 0; def->args && i < def->nargs; i++)
		tp_arg_release(&def->args[i]);
	free(def->args);
	free(def->path);
	sb_release(&def->data);
	*def = (struct tp_def){ 0 };
}
