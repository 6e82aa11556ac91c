// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Good definitions: each is accepted, listed, and given a format file
 * exactly as Linux 6.18 does.  The expected texts were read back from the
 * kernel (uprobe_events, events/GRP/EVENT/format) for these very lines,
 * so a difference here is a difference from the kernel.
 *
 * Every row: the definition, its uprobe_events line, the probe's fields
 * of the format file (after the common ones) and its print fmt.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "selftests/unit/tap.h"
#include "trace/events.h"
#include "trace/strbuf.h"
#include "xol/xol.h"

static const struct good {
	const char *def;
	const char *listing;
	const char *fields;
	const char *print_fmt;
} good[] = {
	{ "p:xolu/g01 /bin/sh:0x10",
	  "p:xolu/g01 /bin/sh:0x0000000000000010",
	  "\tfield:unsigned long __probe_ip;\toffset:8;\tsize:8;\tsigned:0;\n",
	  "\"(%lx)\", REC->__probe_ip" },
	{ "p:xolu/g02 /bin/sh:16",
	  "p:xolu/g02 /bin/sh:0x0000000000000010",
	  "\tfield:unsigned long __probe_ip;\toffset:8;\tsize:8;\tsigned:0;\n",
	  "\"(%lx)\", REC->__probe_ip" },
	{ "p:xolu/g03 /bin/sh:020",
	  "p:xolu/g03 /bin/sh:0x0000000000000010",
	  "\tfield:unsigned long __probe_ip;\toffset:8;\tsize:8;\tsigned:0;\n",
	  "\"(%lx)\", REC->__probe_ip" },
	{ "r:xolu/g04 /bin/sh:0x10",
	  "r:xolu/g04 /bin/sh:0x0000000000000010",
	  "\tfield:unsigned long __probe_func;\toffset:8;\tsize:8;\tsigned:0;\n\tfield:unsigned long __probe_ret_ip;\toffset:16;\tsize:8;\tsigned:0;\n",
	  "\"(%lx <- %lx)\", REC->__probe_func, REC->__probe_ret_ip" },
	{ "p:xolu/g05 /bin/sh:0x10%return",
	  "r:xolu/g05 /bin/sh:0x0000000000000010",
	  "\tfield:unsigned long __probe_func;\toffset:8;\tsize:8;\tsigned:0;\n\tfield:unsigned long __probe_ret_ip;\toffset:16;\tsize:8;\tsigned:0;\n",
	  "\"(%lx <- %lx)\", REC->__probe_func, REC->__probe_ret_ip" },
	{ "p:xolu/g06 /bin/sh:0x10(0x20)",
	  "p:xolu/g06 /bin/sh:0x0000000000000010(0x20)",
	  "\tfield:unsigned long __probe_ip;\toffset:8;\tsize:8;\tsigned:0;\n",
	  "\"(%lx)\", REC->__probe_ip" },
	{ "p:xolu/g07 /bin/sh:0x10%return(0x22)",
	  "r:xolu/g07 /bin/sh:0x0000000000000010(0x22)",
	  "\tfield:unsigned long __probe_func;\toffset:8;\tsize:8;\tsigned:0;\n\tfield:unsigned long __probe_ret_ip;\toffset:16;\tsize:8;\tsigned:0;\n",
	  "\"(%lx <- %lx)\", REC->__probe_func, REC->__probe_ret_ip" },
	{ "p:xolu/g08 /bin/sh:0x10(0)",
	  "p:xolu/g08 /bin/sh:0x0000000000000010",
	  "\tfield:unsigned long __probe_ip;\toffset:8;\tsize:8;\tsigned:0;\n",
	  "\"(%lx)\", REC->__probe_ip" },
	{ "p:xolu/g09 /bin/sh:0X1f",
	  "p:xolu/g09 /bin/sh:0x000000000000001f",
	  "\tfield:unsigned long __probe_ip;\toffset:8;\tsize:8;\tsigned:0;\n",
	  "\"(%lx)\", REC->__probe_ip" },
	{ "p:xolu/g10 /bin/sh:18446744073709551615",
	  "p:xolu/g10 /bin/sh:0xffffffffffffffff",
	  "\tfield:unsigned long __probe_ip;\toffset:8;\tsize:8;\tsigned:0;\n",
	  "\"(%lx)\", REC->__probe_ip" },
	{ "p:xolu/g11 /bin/sh:0x10 %ax",
	  "p:xolu/g11 /bin/sh:0x0000000000000010 arg1=%ax",
	  "\tfield:unsigned long __probe_ip;\toffset:8;\tsize:8;\tsigned:0;\n\tfield:u64 arg1;\toffset:16;\tsize:8;\tsigned:0;\n",
	  "\"(%lx) arg1=0x%Lx\", REC->__probe_ip, REC->arg1" },
	{ "p:xolu/g12 /bin/sh:0x10 %ax %bx %cx %dx %si %di %bp %sp",
	  "p:xolu/g12 /bin/sh:0x0000000000000010 arg1=%ax arg2=%bx arg3=%cx arg4=%dx arg5=%si arg6=%di arg7=%bp arg8=%sp",
	  "\tfield:unsigned long __probe_ip;\toffset:8;\tsize:8;\tsigned:0;\n\tfield:u64 arg1;\toffset:16;\tsize:8;\tsigned:0;\n\tfield:u64 arg2;\toffset:24;\tsize:8;\tsigned:0;\n\tfield:u64 arg3;\toffset:32;\tsize:8;\tsigned:0;\n\tfield:u64 arg4;\toffset:40;\tsize:8;\tsigned:0;\n\tfield:u64 arg5;\toffset:48;\tsize:8;\tsigned:0;\n\tfield:u64 arg6;\toffset:56;\tsize:8;\tsigned:0;\n\tfield:u64 arg7;\toffset:64;\tsize:8;\tsigned:0;\n\tfield:u64 arg8;\toffset:72;\tsize:8;\tsigned:0;\n",
	  "\"(%lx) arg1=0x%Lx arg2=0x%Lx arg3=0x%Lx arg4=0x%Lx arg5=0x%Lx arg6=0x%Lx arg7=0x%Lx arg8=0x%Lx\", REC->__probe_ip, REC->arg1, REC->arg2, REC->arg3, REC->arg4, REC->arg5, REC->arg6, REC->arg7, REC->arg8" },
	{ "p:xolu/g13 /bin/sh:0x10 %r8 %r9 %r10 %r11 %r12 %r13 %r14 %r15",
	  "p:xolu/g13 /bin/sh:0x0000000000000010 arg1=%r8 arg2=%r9 arg3=%r10 arg4=%r11 arg5=%r12 arg6=%r13 arg7=%r14 arg8=%r15",
	  "\tfield:unsigned long __probe_ip;\toffset:8;\tsize:8;\tsigned:0;\n\tfield:u64 arg1;\toffset:16;\tsize:8;\tsigned:0;\n\tfield:u64 arg2;\toffset:24;\tsize:8;\tsigned:0;\n\tfield:u64 arg3;\toffset:32;\tsize:8;\tsigned:0;\n\tfield:u64 arg4;\toffset:40;\tsize:8;\tsigned:0;\n\tfield:u64 arg5;\toffset:48;\tsize:8;\tsigned:0;\n\tfield:u64 arg6;\toffset:56;\tsize:8;\tsigned:0;\n\tfield:u64 arg7;\toffset:64;\tsize:8;\tsigned:0;\n\tfield:u64 arg8;\toffset:72;\tsize:8;\tsigned:0;\n",
	  "\"(%lx) arg1=0x%Lx arg2=0x%Lx arg3=0x%Lx arg4=0x%Lx arg5=0x%Lx arg6=0x%Lx arg7=0x%Lx arg8=0x%Lx\", REC->__probe_ip, REC->arg1, REC->arg2, REC->arg3, REC->arg4, REC->arg5, REC->arg6, REC->arg7, REC->arg8" },
	{ "p:xolu/g14 /bin/sh:0x10 %ip %flags %cs %ss %orig_ax",
	  "p:xolu/g14 /bin/sh:0x0000000000000010 arg1=%ip arg2=%flags arg3=%cs arg4=%ss arg5=%orig_ax",
	  "\tfield:unsigned long __probe_ip;\toffset:8;\tsize:8;\tsigned:0;\n\tfield:u64 arg1;\toffset:16;\tsize:8;\tsigned:0;\n\tfield:u64 arg2;\toffset:24;\tsize:8;\tsigned:0;\n\tfield:u64 arg3;\toffset:32;\tsize:8;\tsigned:0;\n\tfield:u64 arg4;\toffset:40;\tsize:8;\tsigned:0;\n\tfield:u64 arg5;\toffset:48;\tsize:8;\tsigned:0;\n",
	  "\"(%lx) arg1=0x%Lx arg2=0x%Lx arg3=0x%Lx arg4=0x%Lx arg5=0x%Lx\", REC->__probe_ip, REC->arg1, REC->arg2, REC->arg3, REC->arg4, REC->arg5" },
	{ "p:xolu/g15 /bin/sh:0x10 a=%di:u8 b=%di:u16 c=%di:u32 d=%di:u64",
	  "p:xolu/g15 /bin/sh:0x0000000000000010 a=%di:u8 b=%di:u16 c=%di:u32 d=%di:u64",
	  "\tfield:unsigned long __probe_ip;\toffset:8;\tsize:8;\tsigned:0;\n\tfield:u8 a;\toffset:16;\tsize:1;\tsigned:0;\n\tfield:u16 b;\toffset:17;\tsize:2;\tsigned:0;\n\tfield:u32 c;\toffset:19;\tsize:4;\tsigned:0;\n\tfield:u64 d;\toffset:23;\tsize:8;\tsigned:0;\n",
	  "\"(%lx) a=%u b=%u c=%u d=%Lu\", REC->__probe_ip, REC->a, REC->b, REC->c, REC->d" },
	{ "p:xolu/g16 /bin/sh:0x10 a=%di:s8 b=%di:s16 c=%di:s32 d=%di:s64",
	  "p:xolu/g16 /bin/sh:0x0000000000000010 a=%di:s8 b=%di:s16 c=%di:s32 d=%di:s64",
	  "\tfield:unsigned long __probe_ip;\toffset:8;\tsize:8;\tsigned:0;\n\tfield:s8 a;\toffset:16;\tsize:1;\tsigned:1;\n\tfield:s16 b;\toffset:17;\tsize:2;\tsigned:1;\n\tfield:s32 c;\toffset:19;\tsize:4;\tsigned:1;\n\tfield:s64 d;\toffset:23;\tsize:8;\tsigned:1;\n",
	  "\"(%lx) a=%d b=%d c=%d d=%Ld\", REC->__probe_ip, REC->a, REC->b, REC->c, REC->d" },
	{ "p:xolu/g17 /bin/sh:0x10 a=%di:x8 b=%di:x16 c=%di:x32 d=%di:x64",
	  "p:xolu/g17 /bin/sh:0x0000000000000010 a=%di:x8 b=%di:x16 c=%di:x32 d=%di:x64",
	  "\tfield:unsigned long __probe_ip;\toffset:8;\tsize:8;\tsigned:0;\n\tfield:u8 a;\toffset:16;\tsize:1;\tsigned:0;\n\tfield:u16 b;\toffset:17;\tsize:2;\tsigned:0;\n\tfield:u32 c;\toffset:19;\tsize:4;\tsigned:0;\n\tfield:u64 d;\toffset:23;\tsize:8;\tsigned:0;\n",
	  "\"(%lx) a=0x%x b=0x%x c=0x%x d=0x%Lx\", REC->__probe_ip, REC->a, REC->b, REC->c, REC->d" },
	{ "p:xolu/g18 /bin/sh:0x10 c=%di:char",
	  "p:xolu/g18 /bin/sh:0x0000000000000010 c=%di:char",
	  "\tfield:unsigned long __probe_ip;\toffset:8;\tsize:8;\tsigned:0;\n\tfield:u8 c;\toffset:16;\tsize:1;\tsigned:0;\n",
	  "\"(%lx) c='%c'\", REC->__probe_ip, REC->c" },
	{ "p:xolu/g19 /bin/sh:0x10 s=+0(%di):string",
	  "p:xolu/g19 /bin/sh:0x0000000000000010 s=+0(%di):string",
	  "\tfield:unsigned long __probe_ip;\toffset:8;\tsize:8;\tsigned:0;\n\tfield:__data_loc char[] s;\toffset:16;\tsize:4;\tsigned:1;\n",
	  "\"(%lx) s=\\\"%s\\\"\", REC->__probe_ip, __get_str(s)" },
	{ "p:xolu/g20 /bin/sh:0x10 s=+0(%di):ustring",
	  "p:xolu/g20 /bin/sh:0x0000000000000010 s=+0(%di):ustring",
	  "\tfield:unsigned long __probe_ip;\toffset:8;\tsize:8;\tsigned:0;\n\tfield:__data_loc char[] s;\toffset:16;\tsize:4;\tsigned:1;\n",
	  "\"(%lx) s=\\\"%s\\\"\", REC->__probe_ip, __get_str(s)" },
	{ "p:xolu/g21 /bin/sh:0x10 sp=$stack",
	  "p:xolu/g21 /bin/sh:0x0000000000000010 sp=$stack",
	  "\tfield:unsigned long __probe_ip;\toffset:8;\tsize:8;\tsigned:0;\n\tfield:u64 sp;\toffset:16;\tsize:8;\tsigned:0;\n",
	  "\"(%lx) sp=0x%Lx\", REC->__probe_ip, REC->sp" },
	{ "p:xolu/g22 /bin/sh:0x10 w0=$stack0 w1=$stack1:s32 w9=$stack99:x16",
	  "p:xolu/g22 /bin/sh:0x0000000000000010 w0=$stack0 w1=$stack1:s32 w9=$stack99:x16",
	  "\tfield:unsigned long __probe_ip;\toffset:8;\tsize:8;\tsigned:0;\n\tfield:u64 w0;\toffset:16;\tsize:8;\tsigned:0;\n\tfield:s32 w1;\toffset:24;\tsize:4;\tsigned:1;\n\tfield:u16 w9;\toffset:28;\tsize:2;\tsigned:0;\n",
	  "\"(%lx) w0=0x%Lx w1=%d w9=0x%x\", REC->__probe_ip, REC->w0, REC->w1, REC->w9" },
	{ "p:xolu/g23 /bin/sh:0x10 c=$comm",
	  "p:xolu/g23 /bin/sh:0x0000000000000010 c=$comm",
	  "\tfield:unsigned long __probe_ip;\toffset:8;\tsize:8;\tsigned:0;\n\tfield:__data_loc char[] c;\toffset:16;\tsize:4;\tsigned:1;\n",
	  "\"(%lx) c=\\\"%s\\\"\", REC->__probe_ip, __get_str(c)" },
	{ "p:xolu/g24 /bin/sh:0x10 c=$COMM:string",
	  "p:xolu/g24 /bin/sh:0x0000000000000010 c=$COMM:string",
	  "\tfield:unsigned long __probe_ip;\toffset:8;\tsize:8;\tsigned:0;\n\tfield:__data_loc char[] c;\toffset:16;\tsize:4;\tsigned:1;\n",
	  "\"(%lx) c=\\\"%s\\\"\", REC->__probe_ip, __get_str(c)" },
	{ "r:xolu/g25 /bin/sh:0x10 rv=$retval",
	  "r:xolu/g25 /bin/sh:0x0000000000000010 rv=$retval",
	  "\tfield:unsigned long __probe_func;\toffset:8;\tsize:8;\tsigned:0;\n\tfield:unsigned long __probe_ret_ip;\toffset:16;\tsize:8;\tsigned:0;\n\tfield:u64 rv;\toffset:24;\tsize:8;\tsigned:0;\n",
	  "\"(%lx <- %lx) rv=0x%Lx\", REC->__probe_func, REC->__probe_ret_ip, REC->rv" },
	{ "r:xolu/g26 /bin/sh:0x10 rv=$retval:s32",
	  "r:xolu/g26 /bin/sh:0x0000000000000010 rv=$retval:s32",
	  "\tfield:unsigned long __probe_func;\toffset:8;\tsize:8;\tsigned:0;\n\tfield:unsigned long __probe_ret_ip;\toffset:16;\tsize:8;\tsigned:0;\n\tfield:s32 rv;\toffset:24;\tsize:4;\tsigned:1;\n",
	  "\"(%lx <- %lx) rv=%d\", REC->__probe_func, REC->__probe_ret_ip, REC->rv" },
	{ "p:xolu/g27 /bin/sh:0x10%return rv=$retval:u8",
	  "r:xolu/g27 /bin/sh:0x0000000000000010 rv=$retval:u8",
	  "\tfield:unsigned long __probe_func;\toffset:8;\tsize:8;\tsigned:0;\n\tfield:unsigned long __probe_ret_ip;\toffset:16;\tsize:8;\tsigned:0;\n\tfield:u8 rv;\toffset:24;\tsize:1;\tsigned:0;\n",
	  "\"(%lx <- %lx) rv=%u\", REC->__probe_func, REC->__probe_ret_ip, REC->rv" },
	{ "r:xolu/g28 /bin/sh:0x10 s=+0($retval):string",
	  "r:xolu/g28 /bin/sh:0x0000000000000010 s=+0($retval):string",
	  "\tfield:unsigned long __probe_func;\toffset:8;\tsize:8;\tsigned:0;\n\tfield:unsigned long __probe_ret_ip;\toffset:16;\tsize:8;\tsigned:0;\n\tfield:__data_loc char[] s;\toffset:24;\tsize:4;\tsigned:1;\n",
	  "\"(%lx <- %lx) s=\\\"%s\\\"\", REC->__probe_func, REC->__probe_ret_ip, __get_str(s)" },
	{ "p:xolu/g29 /bin/sh:0x10 m=@0x601040",
	  "p:xolu/g29 /bin/sh:0x0000000000000010 m=@0x601040",
	  "\tfield:unsigned long __probe_ip;\toffset:8;\tsize:8;\tsigned:0;\n\tfield:u64 m;\toffset:16;\tsize:8;\tsigned:0;\n",
	  "\"(%lx) m=0x%Lx\", REC->__probe_ip, REC->m" },
	{ "p:xolu/g30 /bin/sh:0x10 m=@4096:u32 s=@0x601040:string",
	  "p:xolu/g30 /bin/sh:0x0000000000000010 m=@4096:u32 s=@0x601040:string",
	  "\tfield:unsigned long __probe_ip;\toffset:8;\tsize:8;\tsigned:0;\n\tfield:u32 m;\toffset:16;\tsize:4;\tsigned:0;\n\tfield:__data_loc char[] s;\toffset:20;\tsize:4;\tsigned:1;\n",
	  "\"(%lx) m=%u s=\\\"%s\\\"\", REC->__probe_ip, REC->m, __get_str(s)" },
	{ "p:xolu/g31 /bin/sh:0x10 f=@+0x10:s16 g=@+-8:x8 s=@+0:string",
	  "p:xolu/g31 /bin/sh:0x0000000000000010 f=@+0x10:s16 g=@+-8:x8 s=@+0:string",
	  "\tfield:unsigned long __probe_ip;\toffset:8;\tsize:8;\tsigned:0;\n\tfield:s16 f;\toffset:16;\tsize:2;\tsigned:1;\n\tfield:u8 g;\toffset:18;\tsize:1;\tsigned:0;\n\tfield:__data_loc char[] s;\toffset:19;\tsize:4;\tsigned:1;\n",
	  "\"(%lx) f=%d g=0x%x s=\\\"%s\\\"\", REC->__probe_ip, REC->f, REC->g, __get_str(s)" },
	{ "p:xolu/g32 /bin/sh:0x10 i=\\1 j=\\-1 k=\\+1",
	  "p:xolu/g32 /bin/sh:0x0000000000000010 i=\\1 j=\\-1 k=\\+1",
	  "\tfield:unsigned long __probe_ip;\toffset:8;\tsize:8;\tsigned:0;\n\tfield:u64 i;\toffset:16;\tsize:8;\tsigned:0;\n\tfield:u64 j;\toffset:24;\tsize:8;\tsigned:0;\n\tfield:u64 k;\toffset:32;\tsize:8;\tsigned:0;\n",
	  "\"(%lx) i=0x%Lx j=0x%Lx k=0x%Lx\", REC->__probe_ip, REC->i, REC->j, REC->k" },
	{ "p:xolu/g33 /bin/sh:0x10 a=\\0x10:u8 b=\\-0x10:s16 c=\\0777 d=\\18446744073709551615:u64",
	  "p:xolu/g33 /bin/sh:0x0000000000000010 a=\\0x10:u8 b=\\-0x10:s16 c=\\0777 d=\\18446744073709551615:u64",
	  "\tfield:unsigned long __probe_ip;\toffset:8;\tsize:8;\tsigned:0;\n\tfield:u8 a;\toffset:16;\tsize:1;\tsigned:0;\n\tfield:s16 b;\toffset:17;\tsize:2;\tsigned:1;\n\tfield:u64 c;\toffset:19;\tsize:8;\tsigned:0;\n\tfield:u64 d;\toffset:27;\tsize:8;\tsigned:0;\n",
	  "\"(%lx) a=%u b=%d c=0x%Lx d=%Lu\", REC->__probe_ip, REC->a, REC->b, REC->c, REC->d" },
	{ "p:xolu/g34 /bin/sh:0x10 n=\\-9223372036854775808:s64",
	  "p:xolu/g34 /bin/sh:0x0000000000000010 n=\\-9223372036854775808:s64",
	  "\tfield:unsigned long __probe_ip;\toffset:8;\tsize:8;\tsigned:0;\n\tfield:s64 n;\toffset:16;\tsize:8;\tsigned:1;\n",
	  "\"(%lx) n=%Ld\", REC->__probe_ip, REC->n" },
	{ "p:xolu/g35 /bin/sh:0x10 s=\\\"abc\"",
	  "p:xolu/g35 /bin/sh:0x0000000000000010 s=\\\"abc\"",
	  "\tfield:unsigned long __probe_ip;\toffset:8;\tsize:8;\tsigned:0;\n\tfield:__data_loc char[] s;\toffset:16;\tsize:4;\tsigned:1;\n",
	  "\"(%lx) s=\\\"%s\\\"\", REC->__probe_ip, __get_str(s)" },
	{ "p:xolu/g36 /bin/sh:0x10 s=\\\"a\"b\" e=\\\"\":string",
	  "p:xolu/g36 /bin/sh:0x0000000000000010 s=\\\"a\"b\" e=\\\"\":string",
	  "\tfield:unsigned long __probe_ip;\toffset:8;\tsize:8;\tsigned:0;\n\tfield:__data_loc char[] s;\toffset:16;\tsize:4;\tsigned:1;\n\tfield:__data_loc char[] e;\toffset:20;\tsize:4;\tsigned:1;\n",
	  "\"(%lx) s=\\\"%s\\\" e=\\\"%s\\\"\", REC->__probe_ip, __get_str(s), __get_str(e)" },
	{ "p:xolu/g37 /bin/sh:0x10 p=\\4096:string",
	  "p:xolu/g37 /bin/sh:0x0000000000000010 p=\\4096:string",
	  "\tfield:unsigned long __probe_ip;\toffset:8;\tsize:8;\tsigned:0;\n\tfield:__data_loc char[] p;\toffset:16;\tsize:4;\tsigned:1;\n",
	  "\"(%lx) p=\\\"%s\\\"\", REC->__probe_ip, __get_str(p)" },
	{ "p:xolu/g38 /bin/sh:0x10 d=+0(%ax) e=-8(%bx):s32",
	  "p:xolu/g38 /bin/sh:0x0000000000000010 d=+0(%ax) e=-8(%bx):s32",
	  "\tfield:unsigned long __probe_ip;\toffset:8;\tsize:8;\tsigned:0;\n\tfield:u64 d;\toffset:16;\tsize:8;\tsigned:0;\n\tfield:s32 e;\toffset:24;\tsize:4;\tsigned:1;\n",
	  "\"(%lx) d=0x%Lx e=%d\", REC->__probe_ip, REC->d, REC->e" },
	{ "p:xolu/g39 /bin/sh:0x10 d=+0x10(+8(%cx)):u16",
	  "p:xolu/g39 /bin/sh:0x0000000000000010 d=+0x10(+8(%cx)):u16",
	  "\tfield:unsigned long __probe_ip;\toffset:8;\tsize:8;\tsigned:0;\n\tfield:u16 d;\toffset:16;\tsize:2;\tsigned:0;\n",
	  "\"(%lx) d=%u\", REC->__probe_ip, REC->d" },
	{ "p:xolu/g40 /bin/sh:0x10 d=+u0(%dx):x8 e=-u8(%si)",
	  "p:xolu/g40 /bin/sh:0x0000000000000010 d=+u0(%dx):x8 e=-u8(%si)",
	  "\tfield:unsigned long __probe_ip;\toffset:8;\tsize:8;\tsigned:0;\n\tfield:u8 d;\toffset:16;\tsize:1;\tsigned:0;\n\tfield:u64 e;\toffset:17;\tsize:8;\tsigned:0;\n",
	  "\"(%lx) d=0x%x e=0x%Lx\", REC->__probe_ip, REC->d, REC->e" },
	{ "p:xolu/g41 /bin/sh:0x10 d=++8(%di) e=+-8(%bp) f=+010(%ax)",
	  "p:xolu/g41 /bin/sh:0x0000000000000010 d=++8(%di) e=+-8(%bp) f=+010(%ax)",
	  "\tfield:unsigned long __probe_ip;\toffset:8;\tsize:8;\tsigned:0;\n\tfield:u64 d;\toffset:16;\tsize:8;\tsigned:0;\n\tfield:u64 e;\toffset:24;\tsize:8;\tsigned:0;\n\tfield:u64 f;\toffset:32;\tsize:8;\tsigned:0;\n",
	  "\"(%lx) d=0x%Lx e=0x%Lx f=0x%Lx\", REC->__probe_ip, REC->d, REC->e, REC->f" },
	{ "p:xolu/g42 /bin/sh:0x10 d=+0(%ax)junk",
	  "p:xolu/g42 /bin/sh:0x0000000000000010 d=+0(%ax)junk",
	  "\tfield:unsigned long __probe_ip;\toffset:8;\tsize:8;\tsigned:0;\n\tfield:u64 d;\toffset:16;\tsize:8;\tsigned:0;\n",
	  "\"(%lx) d=0x%Lx\", REC->__probe_ip, REC->d" },
	{ "p:xolu/g43 /bin/sh:0x10 d=+0(+0(+0(+0(+0(+0(+0(+0(+0(+0(+0(+0(+0(+0(%ax))))))))))))))",
	  "p:xolu/g43 /bin/sh:0x0000000000000010 d=+0(+0(+0(+0(+0(+0(+0(+0(+0(+0(+0(+0(+0(+0(%ax))))))))))))))",
	  "\tfield:unsigned long __probe_ip;\toffset:8;\tsize:8;\tsigned:0;\n\tfield:u64 d;\toffset:16;\tsize:8;\tsigned:0;\n",
	  "\"(%lx) d=0x%Lx\", REC->__probe_ip, REC->d" },
	{ "p:xolu/g44 /bin/sh:0x10 b=+0(%ax):b1@0/8",
	  "p:xolu/g44 /bin/sh:0x0000000000000010 b=+0(%ax):b1@0/8",
	  "\tfield:unsigned long __probe_ip;\toffset:8;\tsize:8;\tsigned:0;\n\tfield:u8 b;\toffset:16;\tsize:1;\tsigned:0;\n",
	  "\"(%lx) b=%u\", REC->__probe_ip, REC->b" },
	{ "p:xolu/g45 /bin/sh:0x10 b=+0(%ax):b3@5/8 c=+0(%ax):b16@0/16 d=+0(%ax):b1@63/64",
	  "p:xolu/g45 /bin/sh:0x0000000000000010 b=+0(%ax):b3@5/8 c=+0(%ax):b16@0/16 d=+0(%ax):b1@63/64",
	  "\tfield:unsigned long __probe_ip;\toffset:8;\tsize:8;\tsigned:0;\n\tfield:u8 b;\toffset:16;\tsize:1;\tsigned:0;\n\tfield:u16 c;\toffset:17;\tsize:2;\tsigned:0;\n\tfield:u64 d;\toffset:19;\tsize:8;\tsigned:0;\n",
	  "\"(%lx) b=%u c=%u d=%Lu\", REC->__probe_ip, REC->b, REC->c, REC->d" },
	{ "p:xolu/g46 /bin/sh:0x10 b=+0(%ax):b0x3@0x1/0x10 c=+0(%ax):b1@7/010",
	  "p:xolu/g46 /bin/sh:0x0000000000000010 b=+0(%ax):b0x3@0x1/0x10 c=+0(%ax):b1@7/010",
	  "\tfield:unsigned long __probe_ip;\toffset:8;\tsize:8;\tsigned:0;\n\tfield:u16 b;\toffset:16;\tsize:2;\tsigned:0;\n\tfield:u8 c;\toffset:18;\tsize:1;\tsigned:0;\n",
	  "\"(%lx) b=%u c=%u\", REC->__probe_ip, REC->b, REC->c" },
	{ "p:xolu/g47 /bin/sh:0x10 b=%ax:b4@4/32",
	  "p:xolu/g47 /bin/sh:0x0000000000000010 b=%ax:b4@4/32",
	  "\tfield:unsigned long __probe_ip;\toffset:8;\tsize:8;\tsigned:0;\n\tfield:u32 b;\toffset:16;\tsize:4;\tsigned:0;\n",
	  "\"(%lx) b=%u\", REC->__probe_ip, REC->b" },
	{ "p:xolu/g48 /bin/sh:0x10 a=+0(%ax):u8[1]",
	  "p:xolu/g48 /bin/sh:0x0000000000000010 a=+0(%ax):u8[1]",
	  "\tfield:unsigned long __probe_ip;\toffset:8;\tsize:8;\tsigned:0;\n\tfield:u8 a[];\toffset:16;\tsize:1;\tsigned:0;\n",
	  "\"(%lx) a={%u}\", REC->__probe_ip, REC->a[0]" },
	{ "p:xolu/g49 /bin/sh:0x10 a=+0(%ax):u8[4] b=+0(%ax):s16[2] c=+0(%ax):x32[3]",
	  "p:xolu/g49 /bin/sh:0x0000000000000010 a=+0(%ax):u8[4] b=+0(%ax):s16[2] c=+0(%ax):x32[3]",
	  "\tfield:unsigned long __probe_ip;\toffset:8;\tsize:8;\tsigned:0;\n\tfield:u8 a[];\toffset:16;\tsize:4;\tsigned:0;\n\tfield:s16 b[];\toffset:20;\tsize:4;\tsigned:1;\n\tfield:u32 c[];\toffset:24;\tsize:12;\tsigned:0;\n",
	  "\"(%lx) a={%u,%u,%u,%u} b={%d,%d} c={0x%x,0x%x,0x%x}\", REC->__probe_ip, REC->a[0], REC->a[1], REC->a[2], REC->a[3], REC->b[0], REC->b[1], REC->c[0], REC->c[1], REC->c[2]" },
	{ "p:xolu/g50 /bin/sh:0x10 a=+0(%ax):u64[64]",
	  "p:xolu/g50 /bin/sh:0x0000000000000010 a=+0(%ax):u64[64]",
	  "\tfield:unsigned long __probe_ip;\toffset:8;\tsize:8;\tsigned:0;\n\tfield:u64 a[];\toffset:16;\tsize:512;\tsigned:0;\n",
	  "\"(%lx) a={%Lu,%Lu,%Lu,%Lu,%Lu,%Lu,%Lu,%Lu,%Lu,%Lu,%Lu,%Lu,%Lu,%Lu,%Lu,%Lu,%Lu,%Lu,%Lu,%Lu,%Lu,%Lu,%Lu,%Lu,%Lu,%Lu,%Lu,%Lu,%Lu,%Lu,%Lu,%Lu,%Lu,%Lu,%Lu,%Lu,%Lu,%Lu,%Lu,%Lu,%Lu,%Lu,%Lu,%Lu,%Lu,%Lu,%Lu,%Lu,%Lu,%Lu,%Lu,%Lu,%Lu,%Lu,%Lu,%Lu,%Lu,%Lu,%Lu,%Lu,%Lu,%Lu,%Lu,%Lu}\", REC->__probe_ip, REC->a[0], REC->a[1], REC->a[2], REC->a[3], REC->a[4], REC->a[5], REC->a[6], REC->a[7], REC->a[8], REC->a[9], REC->a[10], REC->a[11], REC->a[12], REC->a[13], REC->a[14], REC->a[15], REC->a[16], REC->a[17], REC->a[18], REC->a[19], REC->a[20], REC->a[21], REC->a[22], REC->a[23], REC->a[24], REC->a[25], REC->a[26], REC->a[27], REC->a[28], REC->a[29], REC->a[30], REC->a[31], REC->a[32], REC->a[33], REC->a[34], REC->a[35], REC->a[36], REC->a[37], REC->a[38], REC->a[39], REC->a[40], REC->a[41], REC->a[42], REC->a[43], REC->a[44], REC->a[45], REC->a[46], REC->a[47], REC->a[48], REC->a[49], REC->a[50], REC->a[51], REC->a[52], REC->a[53], REC->a[54], REC->a[55], REC->a[56], REC->a[57], REC->a[58], REC->a[59], REC->a[60], REC->a[61], REC->a[62], REC->a[63]" },
	{ "p:xolu/g51 /bin/sh:0x10 c=+0(%ax):char[5]",
	  "p:xolu/g51 /bin/sh:0x0000000000000010 c=+0(%ax):char[5]",
	  "\tfield:unsigned long __probe_ip;\toffset:8;\tsize:8;\tsigned:0;\n\tfield:u8 c[];\toffset:16;\tsize:5;\tsigned:0;\n",
	  "\"(%lx) c={'%c','%c','%c','%c','%c'}\", REC->__probe_ip, REC->c[0], REC->c[1], REC->c[2], REC->c[3], REC->c[4]" },
	{ "p:xolu/g52 /bin/sh:0x10 s=+0(%ax):string[2]",
	  "p:xolu/g52 /bin/sh:0x0000000000000010 s=+0(%ax):string[2]",
	  "\tfield:unsigned long __probe_ip;\toffset:8;\tsize:8;\tsigned:0;\n\tfield:__data_loc char[][2] s;\toffset:16;\tsize:8;\tsigned:1;\n",
	  "\"(%lx) s={\\\"%s\\\",\\\"%s\\\"}\", REC->__probe_ip, __get_str(s[0]), __get_str(s[1])" },
	{ "p:xolu/g53 /bin/sh:0x10 s=+0(%ax):ustring[3]",
	  "p:xolu/g53 /bin/sh:0x0000000000000010 s=+0(%ax):ustring[3]",
	  "\tfield:unsigned long __probe_ip;\toffset:8;\tsize:8;\tsigned:0;\n\tfield:__data_loc char[][3] s;\toffset:16;\tsize:12;\tsigned:1;\n",
	  "\"(%lx) s={\\\"%s\\\",\\\"%s\\\",\\\"%s\\\"}\", REC->__probe_ip, __get_str(s[0]), __get_str(s[1]), __get_str(s[2])" },
	{ "p:xolu/g54 /bin/sh:0x10 b=+0(%ax):b2@1/8[4]",
	  "p:xolu/g54 /bin/sh:0x0000000000000010 b=+0(%ax):b2@1/8[4]",
	  "\tfield:unsigned long __probe_ip;\toffset:8;\tsize:8;\tsigned:0;\n\tfield:u8 b[];\toffset:16;\tsize:4;\tsigned:0;\n",
	  "\"(%lx) b={%u,%u,%u,%u}\", REC->__probe_ip, REC->b[0], REC->b[1], REC->b[2], REC->b[3]" },
	{ "p:xolu/g55 /bin/sh:0x10 a=+0(%ax):u8[0x10]",
	  "p:xolu/g55 /bin/sh:0x0000000000000010 a=+0(%ax):u8[0x10]",
	  "\tfield:unsigned long __probe_ip;\toffset:8;\tsize:8;\tsigned:0;\n\tfield:u8 a[];\toffset:16;\tsize:16;\tsigned:0;\n",
	  "\"(%lx) a={%u,%u,%u,%u,%u,%u,%u,%u,%u,%u,%u,%u,%u,%u,%u,%u}\", REC->__probe_ip, REC->a[0], REC->a[1], REC->a[2], REC->a[3], REC->a[4], REC->a[5], REC->a[6], REC->a[7], REC->a[8], REC->a[9], REC->a[10], REC->a[11], REC->a[12], REC->a[13], REC->a[14], REC->a[15]" },
	{ "p:xolu/g56 /bin/sh:0x10 s=+u0(%ax):string t=+u0(%ax):string[2]",
	  "p:xolu/g56 /bin/sh:0x0000000000000010 s=+u0(%ax):string t=+u0(%ax):string[2]",
	  "\tfield:unsigned long __probe_ip;\toffset:8;\tsize:8;\tsigned:0;\n\tfield:__data_loc char[] s;\toffset:16;\tsize:4;\tsigned:1;\n\tfield:__data_loc char[][2] t;\toffset:20;\tsize:8;\tsigned:1;\n",
	  "\"(%lx) s=\\\"%s\\\" t={\\\"%s\\\",\\\"%s\\\"}\", REC->__probe_ip, __get_str(s), __get_str(t[0]), __get_str(t[1])" },
	{ "p:xolu/g57 /bin/sh:0x10 s=@0x10:string[2] t=@+0:string[1] u=\\1:string[2]",
	  "p:xolu/g57 /bin/sh:0x0000000000000010 s=@0x10:string[2] t=@+0:string[1] u=\\1:string[2]",
	  "\tfield:unsigned long __probe_ip;\toffset:8;\tsize:8;\tsigned:0;\n\tfield:__data_loc char[][2] s;\toffset:16;\tsize:8;\tsigned:1;\n\tfield:__data_loc char[][1] t;\toffset:24;\tsize:4;\tsigned:1;\n\tfield:__data_loc char[][2] u;\toffset:28;\tsize:8;\tsigned:1;\n",
	  "\"(%lx) s={\\\"%s\\\",\\\"%s\\\"} t={\\\"%s\\\"} u={\\\"%s\\\",\\\"%s\\\"}\", REC->__probe_ip, __get_str(s[0]), __get_str(s[1]), __get_str(t[0]), __get_str(u[0]), __get_str(u[1])" },
	{ "p:xolu/g58 /bin/sh:0x10 a=+8($stack):x8[8]",
	  "p:xolu/g58 /bin/sh:0x0000000000000010 a=+8($stack):x8[8]",
	  "\tfield:unsigned long __probe_ip;\toffset:8;\tsize:8;\tsigned:0;\n\tfield:u8 a[];\toffset:16;\tsize:8;\tsigned:0;\n",
	  "\"(%lx) a={0x%x,0x%x,0x%x,0x%x,0x%x,0x%x,0x%x,0x%x}\", REC->__probe_ip, REC->a[0], REC->a[1], REC->a[2], REC->a[3], REC->a[4], REC->a[5], REC->a[6], REC->a[7]" },
	{ "p:xolu/g59 /bin/sh:0x10 n=%di:s64 arr=+0(%si):u8[4] s=+0(%si):string bf=+0(%dx):b3@2/32 c=$comm ch=+0(%si):char",
	  "p:xolu/g59 /bin/sh:0x0000000000000010 n=%di:s64 arr=+0(%si):u8[4] s=+0(%si):string bf=+0(%dx):b3@2/32 c=$comm ch=+0(%si):char",
	  "\tfield:unsigned long __probe_ip;\toffset:8;\tsize:8;\tsigned:0;\n\tfield:s64 n;\toffset:16;\tsize:8;\tsigned:1;\n\tfield:u8 arr[];\toffset:24;\tsize:4;\tsigned:0;\n\tfield:__data_loc char[] s;\toffset:28;\tsize:4;\tsigned:1;\n\tfield:u32 bf;\toffset:32;\tsize:4;\tsigned:0;\n\tfield:__data_loc char[] c;\toffset:36;\tsize:4;\tsigned:1;\n\tfield:u8 ch;\toffset:40;\tsize:1;\tsigned:0;\n",
	  "\"(%lx) n=%Ld arr={%u,%u,%u,%u} s=\\\"%s\\\" bf=%u c=\\\"%s\\\" ch='%c'\", REC->__probe_ip, REC->n, REC->arr[0], REC->arr[1], REC->arr[2], REC->arr[3], __get_str(s), REC->bf, __get_str(c), REC->ch" },
	{ "p:xolu/g60 /bin/sh:0x10 %ax a2=%bx %cx",
	  "p:xolu/g60 /bin/sh:0x0000000000000010 arg1=%ax a2=%bx arg3=%cx",
	  "\tfield:unsigned long __probe_ip;\toffset:8;\tsize:8;\tsigned:0;\n\tfield:u64 arg1;\toffset:16;\tsize:8;\tsigned:0;\n\tfield:u64 a2;\toffset:24;\tsize:8;\tsigned:0;\n\tfield:u64 arg3;\toffset:32;\tsize:8;\tsigned:0;\n",
	  "\"(%lx) arg1=0x%Lx a2=0x%Lx arg3=0x%Lx\", REC->__probe_ip, REC->arg1, REC->a2, REC->arg3" },
	{ "p:xolu/g61 /bin/sh:0x10 _x=%ax X9=%bx abcdefghijabcdefghijabcdefghijab=%cx",
	  "p:xolu/g61 /bin/sh:0x0000000000000010 _x=%ax X9=%bx abcdefghijabcdefghijabcdefghijab=%cx",
	  "\tfield:unsigned long __probe_ip;\toffset:8;\tsize:8;\tsigned:0;\n\tfield:u64 _x;\toffset:16;\tsize:8;\tsigned:0;\n\tfield:u64 X9;\toffset:24;\tsize:8;\tsigned:0;\n\tfield:u64 abcdefghijabcdefghijabcdefghijab;\toffset:32;\tsize:8;\tsigned:0;\n",
	  "\"(%lx) _x=0x%Lx X9=0x%Lx abcdefghijabcdefghijabcdefghijab=0x%Lx\", REC->__probe_ip, REC->_x, REC->X9, REC->abcdefghijabcdefghijabcdefghijab" },
	{ "p:xolu/g62 /bin/sh:0x10 a=+0x0000000000000000000000000000000000000000000000000000000(%ax)",
	  "p:xolu/g62 /bin/sh:0x0000000000000010 a=+0x0000000000000000000000000000000000000000000000000000000(%ax)",
	  "\tfield:unsigned long __probe_ip;\toffset:8;\tsize:8;\tsigned:0;\n\tfield:u64 a;\toffset:16;\tsize:8;\tsigned:0;\n",
	  "\"(%lx) a=0x%Lx\", REC->__probe_ip, REC->a" },
	{ "p:xolu/g63 /bin/sh:0x10 a=+0(+0(+0(+0(+0(+0(+0(+0(+0(+0(+0(+0(+0(+0(%ax))))))))))))))",
	  "p:xolu/g63 /bin/sh:0x0000000000000010 a=+0(+0(+0(+0(+0(+0(+0(+0(+0(+0(+0(+0(+0(+0(%ax))))))))))))))",
	  "\tfield:unsigned long __probe_ip;\toffset:8;\tsize:8;\tsigned:0;\n\tfield:u64 a;\toffset:16;\tsize:8;\tsigned:0;\n",
	  "\"(%lx) a=0x%Lx\", REC->__probe_ip, REC->a" },
	{ "p:xolu/g64 /usr/bin/dash:0x10",
	  "p:xolu/g64 /usr/bin/dash:0x0000000000000010",
	  "\tfield:unsigned long __probe_ip;\toffset:8;\tsize:8;\tsigned:0;\n",
	  "\"(%lx)\", REC->__probe_ip" },
	{ "p:xolu.g65 /bin/sh:0x10",
	  "p:xolu/g65 /bin/sh:0x0000000000000010",
	  "\tfield:unsigned long __probe_ip;\toffset:8;\tsize:8;\tsigned:0;\n",
	  "\"(%lx)\", REC->__probe_ip" },
	{ "p:xolu/ /bin/sh:0x65",
	  "p:xolu/p_sh_0x65 /bin/sh:0x0000000000000065",
	  "\tfield:unsigned long __probe_ip;\toffset:8;\tsize:8;\tsigned:0;\n",
	  "\"(%lx)\", REC->__probe_ip" },
	{ "r:xolu/ /bin/sh:0x66",
	  "r:xolu/p_sh_0x66 /bin/sh:0x0000000000000066",
	  "\tfield:unsigned long __probe_func;\toffset:8;\tsize:8;\tsigned:0;\n\tfield:unsigned long __probe_ret_ip;\toffset:16;\tsize:8;\tsigned:0;\n",
	  "\"(%lx <- %lx)\", REC->__probe_func, REC->__probe_ret_ip" },
	{ "p:-xolu/g67 /bin/sh:0x10",
	  "p:-xolu/g67 /bin/sh:0x0000000000000010",
	  "\tfield:unsigned long __probe_ip;\toffset:8;\tsize:8;\tsigned:0;\n",
	  "\"(%lx)\", REC->__probe_ip" },
	{ "p:xolu-x/g68 /bin/sh:0x10",
	  "p:xolu-x/g68 /bin/sh:0x0000000000000010",
	  "\tfield:unsigned long __probe_ip;\toffset:8;\tsize:8;\tsigned:0;\n",
	  "\"(%lx)\", REC->__probe_ip" },
	{ "r10 /bin/sh:0x69",
	  "r:uprobes/p_sh_0x69 /bin/sh:0x0000000000000069",
	  "\tfield:unsigned long __probe_func;\toffset:8;\tsize:8;\tsigned:0;\n\tfield:unsigned long __probe_ret_ip;\toffset:16;\tsize:8;\tsigned:0;\n",
	  "\"(%lx <- %lx)\", REC->__probe_func, REC->__probe_ret_ip" },
	{ "p /bin/sh:0x6a",
	  "p:uprobes/p_sh_0x6a /bin/sh:0x000000000000006a",
	  "\tfield:unsigned long __probe_ip;\toffset:8;\tsize:8;\tsigned:0;\n",
	  "\"(%lx)\", REC->__probe_ip" },
	{ "p:xolu/g70 /bin/sh:0x10 %ax:x64 %ax:u64 %ax:s64 %ax:x32",
	  "p:xolu/g70 /bin/sh:0x0000000000000010 arg1=%ax:x64 arg2=%ax:u64 arg3=%ax:s64 arg4=%ax:x32",
	  "\tfield:unsigned long __probe_ip;\toffset:8;\tsize:8;\tsigned:0;\n\tfield:u64 arg1;\toffset:16;\tsize:8;\tsigned:0;\n\tfield:u64 arg2;\toffset:24;\tsize:8;\tsigned:0;\n\tfield:s64 arg3;\toffset:32;\tsize:8;\tsigned:1;\n\tfield:u32 arg4;\toffset:40;\tsize:4;\tsigned:0;\n",
	  "\"(%lx) arg1=0x%Lx arg2=%Lu arg3=%Ld arg4=0x%x\", REC->__probe_ip, REC->arg1, REC->arg2, REC->arg3, REC->arg4" },
	{ "p:xolu/abcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabc /bin/sh:0x10",
	  "p:xolu/abcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabc /bin/sh:0x0000000000000010",
	  "\tfield:unsigned long __probe_ip;\toffset:8;\tsize:8;\tsigned:0;\n",
	  "\"(%lx)\", REC->__probe_ip" },
	{ "p:xolu/g72 /bin/sh:0x10 +0(%ax):string +0(%ax):ustring \\\"lit\" $comm",
	  "p:xolu/g72 /bin/sh:0x0000000000000010 arg1=+0(%ax):string arg2=+0(%ax):ustring arg3=\\\"lit\" arg4=$comm",
	  "\tfield:unsigned long __probe_ip;\toffset:8;\tsize:8;\tsigned:0;\n\tfield:__data_loc char[] arg1;\toffset:16;\tsize:4;\tsigned:1;\n\tfield:__data_loc char[] arg2;\toffset:20;\tsize:4;\tsigned:1;\n\tfield:__data_loc char[] arg3;\toffset:24;\tsize:4;\tsigned:1;\n\tfield:__data_loc char[] arg4;\toffset:28;\tsize:4;\tsigned:1;\n",
	  "\"(%lx) arg1=\\\"%s\\\" arg2=\\\"%s\\\" arg3=\\\"%s\\\" arg4=\\\"%s\\\"\", REC->__probe_ip, __get_str(arg1), __get_str(arg2), __get_str(arg3), __get_str(arg4)" },
	{ "r:xolu/g73 /bin/sh:0x10 a=+0(%sp):u8[3] b=+0(%sp):b4@1/8 s=+0($stack):string f=@+0:x64 rv=$retval:x16",
	  "r:xolu/g73 /bin/sh:0x0000000000000010 a=+0(%sp):u8[3] b=+0(%sp):b4@1/8 s=+0($stack):string f=@+0:x64 rv=$retval:x16",
	  "\tfield:unsigned long __probe_func;\toffset:8;\tsize:8;\tsigned:0;\n\tfield:unsigned long __probe_ret_ip;\toffset:16;\tsize:8;\tsigned:0;\n\tfield:u8 a[];\toffset:24;\tsize:3;\tsigned:0;\n\tfield:u8 b;\toffset:27;\tsize:1;\tsigned:0;\n\tfield:__data_loc char[] s;\toffset:28;\tsize:4;\tsigned:1;\n\tfield:u64 f;\toffset:32;\tsize:8;\tsigned:0;\n\tfield:u16 rv;\toffset:40;\tsize:2;\tsigned:0;\n",
	  "\"(%lx <- %lx) a={%u,%u,%u} b=%u s=\\\"%s\\\" f=0x%Lx rv=0x%x\", REC->__probe_func, REC->__probe_ret_ip, REC->a[0], REC->a[1], REC->a[2], REC->b, __get_str(s), REC->f, REC->rv" },
	{ "p:xolu/g74 /bin/sh:0x10 a=@+0:x64 s=@+1:string c=@+1:char arr=@+0:u8[4] b=@+0:s8 i=@+0:s32 bf=@+0:b4@4/8 x=@+0:x16 cm=$comm",
	  "p:xolu/g74 /bin/sh:0x0000000000000010 a=@+0:x64 s=@+1:string c=@+1:char arr=@+0:u8[4] b=@+0:s8 i=@+0:s32 bf=@+0:b4@4/8 x=@+0:x16 cm=$comm",
	  "\tfield:unsigned long __probe_ip;\toffset:8;\tsize:8;\tsigned:0;\n\tfield:u64 a;\toffset:16;\tsize:8;\tsigned:0;\n\tfield:__data_loc char[] s;\toffset:24;\tsize:4;\tsigned:1;\n\tfield:u8 c;\toffset:28;\tsize:1;\tsigned:0;\n\tfield:u8 arr[];\toffset:29;\tsize:4;\tsigned:0;\n\tfield:s8 b;\toffset:33;\tsize:1;\tsigned:1;\n\tfield:s32 i;\toffset:34;\tsize:4;\tsigned:1;\n\tfield:u8 bf;\toffset:38;\tsize:1;\tsigned:0;\n\tfield:u16 x;\toffset:39;\tsize:2;\tsigned:0;\n\tfield:__data_loc char[] cm;\toffset:41;\tsize:4;\tsigned:1;\n",
	  "\"(%lx) a=0x%Lx s=\\\"%s\\\" c='%c' arr={%u,%u,%u,%u} b=%d i=%d bf=%u x=0x%x cm=\\\"%s\\\"\", REC->__probe_ip, REC->a, __get_str(s), REC->c, REC->arr[0], REC->arr[1], REC->arr[2], REC->arr[3], REC->b, REC->i, REC->bf, REC->x, __get_str(cm)" },
	{ "p:xolu/g75 /bin/sh:0x10 n=\\-1:s8 q=\\-2:s16 w=\\-3:s64 z=\\0:u64 ss=@+0x18:string[2] xa=@+0:x8[3] ca=@+1:char[3] sa=@+0:s8[2] bb=@+0:b1@0/64",
	  "p:xolu/g75 /bin/sh:0x0000000000000010 n=\\-1:s8 q=\\-2:s16 w=\\-3:s64 z=\\0:u64 ss=@+0x18:string[2] xa=@+0:x8[3] ca=@+1:char[3] sa=@+0:s8[2] bb=@+0:b1@0/64",
	  "\tfield:unsigned long __probe_ip;\toffset:8;\tsize:8;\tsigned:0;\n\tfield:s8 n;\toffset:16;\tsize:1;\tsigned:1;\n\tfield:s16 q;\toffset:17;\tsize:2;\tsigned:1;\n\tfield:s64 w;\toffset:19;\tsize:8;\tsigned:1;\n\tfield:u64 z;\toffset:27;\tsize:8;\tsigned:0;\n\tfield:__data_loc char[][2] ss;\toffset:35;\tsize:8;\tsigned:1;\n\tfield:u8 xa[];\toffset:43;\tsize:3;\tsigned:0;\n\tfield:u8 ca[];\toffset:46;\tsize:3;\tsigned:0;\n\tfield:s8 sa[];\toffset:49;\tsize:2;\tsigned:1;\n\tfield:u64 bb;\toffset:51;\tsize:8;\tsigned:0;\n",
	  "\"(%lx) n=%d q=%d w=%Ld z=%Lu ss={\\\"%s\\\",\\\"%s\\\"} xa={0x%x,0x%x,0x%x} ca={'%c','%c','%c'} sa={%d,%d} bb=%Lu\", REC->__probe_ip, REC->n, REC->q, REC->w, REC->z, __get_str(ss[0]), __get_str(ss[1]), REC->xa[0], REC->xa[1], REC->xa[2], REC->ca[0], REC->ca[1], REC->ca[2], REC->sa[0], REC->sa[1], REC->bb" },
};

#define N(a) (sizeof(a) / sizeof((a)[0]))

/*
 * The table names /usr/bin/dash where the kernel resolved /bin/sh; on a
 * machine where /bin/sh is another shell, use whatever it resolves to.
 */
static char sh_real[PATH_MAX];

static char *subst(const char *s)
{
	const char *dash = "/usr/bin/dash", *at;
	struct strbuf sb = STRBUF_INIT;

	while ((at = strstr(s, dash))) {
		sb_put(&sb, s, (size_t)(at - s));
		sb_puts(&sb, sh_real);
		s = at + strlen(dash);
	}
	sb_puts(&sb, s);
	return sb.buf;
}

static char *listing(struct xol_events *evs)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	xol_events_list(evs, f);
	fclose(f);
	return buf;
}

static void check(const struct good *g)
{
	char *def = subst(g->def), *want_list = subst(g->listing);
	struct xol_events *evs = xol_events_new();
	struct strbuf want = STRBUF_INIT, got = STRBUF_INIT;
	const struct tp_event *ev;
	struct xol_error err;
	char *list;
	int ret;

	ret = xol_events_write(evs, def, strlen(def), &err);
	if (!ok(ret == 0, "accepted: %s", def)) {
		printf("#   %s at %u: %s\n", err.id ? err.id : "(not logged)", err.pos,
		       err.message ? err.message : "");
		goto out;
	}
	list = listing(evs);
	sb_printf(&want, "%s\n", want_list);
	is_str(list, want.buf, "listed:   %s", want_list);
	free(list);

	ev = tp_first_event(evs);
	sb_release(&want);
	sb_printf(&want,
		  "name: %s\nID: %u\nformat:\n"
		  "\tfield:unsigned short common_type;\toffset:0;\tsize:2;\tsigned:0;\n"
		  "\tfield:unsigned char common_flags;\toffset:2;\tsize:1;\tsigned:0;\n"
		  "\tfield:unsigned char common_preempt_count;\toffset:3;\tsize:1;\tsigned:0;\n"
		  "\tfield:int common_pid;\toffset:4;\tsize:4;\tsigned:1;\n"
		  "\n%s\nprint fmt: %s\n",
		  ev->name, ev->id, g->fields, g->print_fmt);
	tp_format(ev, &got);
	is_str(got.buf, want.buf, "format of %s/%s", ev->group, ev->name);
out:
	sb_release(&want);
	sb_release(&got);
	xol_events_free(evs);
	free(def);
	free(want_list);
}

int main(void)
{
	if (!realpath("/bin/sh", sh_real))
		snprintf(sh_real, sizeof(sh_real), "/bin/sh");
	ok(N(good) >= 60, "%zu good definitions", N(good));
	for (size_t i = 0; i < N(good); i++)
		check(&good[i]);
	return done_testing();
}
