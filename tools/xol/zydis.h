/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libZydis for the xol command, opened when it is first used (zydis.c). */
#ifndef XOL_TOOLS_ZYDIS_H
#define XOL_TOOLS_ZYDIS_H

/* The file of the libZydis.so xol runs with (opened now if it was not). */
const char *zydis_file(void);

#endif
