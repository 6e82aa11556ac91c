/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The xol subcommands: one file each, `cmd_NAME(argc, argv)` returns the exit status. */
#ifndef XOL_TOOLS_BUILTIN_H
#define XOL_TOOLS_BUILTIN_H

int cmd_events(int argc, char **argv);
int cmd_trace(int argc, char **argv);
int cmd_stat(int argc, char **argv);
int cmd_record(int argc, char **argv);
int cmd_script(int argc, char **argv);
int cmd_report(int argc, char **argv);
int cmd_probe(int argc, char **argv);
int cmd_list(int argc, char **argv);

#endif
