// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Bad definitions: each fails with the kernel's errno, error_log message
 * and caret, or fails without an error_log entry where the kernel logs
 * none.  The rows were checked against Linux 6.18 (write, then error_log),
 * the first ones are the cases of the kernel's uprobe_syntax_errors.tc.
 *
 * A row: lines written first (they must succeed; NULL for none), the
 * command with ^ where the caret is (the definition written is the same
 * without the ^; a ^ after a space means one column past the end, where
 * DIFF_ARG_TYPE points when the new line has fewer args), the error_log
 * identifier (NULL: the kernel logs nothing) and the errno.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "selftests/unit/tap.h"
#include "trace/errors.h"
#include "trace/strbuf.h"
#include "xol/xol.h"

static const struct bad {
	const char *setup;
	const char *caret;
	const char *id;
	int err;
} bad[] = {
	{ NULL, "p ^/non_exist_file:100", "FILE_NOT_FOUND", ENOENT },
	{ NULL, "p ^/sys:100", "NO_REGULAR_FILE", EINVAL },
	{ NULL, "p /bin/sh:^10a", "BAD_UPROBE_OFFS", EINVAL },
	{ NULL, "p /bin/sh:10(^1a)", "BAD_REFCNT", EINVAL },
	{ NULL, "p /bin/sh:10(10^", "REFCNT_OPEN_BRACE", EINVAL },
	{ NULL, "p /bin/sh:10(10)^a", "BAD_REFCNT_SUFFIX", EINVAL },
	{ NULL, "p /bin/sh:10 ^@+ab", "BAD_FILE_OFFS", EINVAL },
	{ NULL, "p /bin/sh:10 ^@symbol", "SYM_ON_UPROBE", EINVAL },
	{ NULL, "p /bin/sh:10^%hoge", "BAD_ADDR_SUFFIX", EINVAL },
	{ NULL, "p /bin/sh:10(10)^%return", "BAD_REFCNT_SUFFIX", EINVAL },
	{ NULL, "p /bin/sh:10 $stack0:^symstr", "BAD_TYPE", EINVAL },
	{ NULL, "p /bin/sh:10 ^$current:u8", "BAD_VAR", EINVAL },
	{ NULL, "p:xolu/b ^/sys/kernel/tracing/nonexistent/x:1", "FILE_NOT_FOUND", ENOENT },
	{ NULL, "p:xolu/b ^/bin/sh/x:1", "FILE_NOT_FOUND", ENOTDIR },
	{ NULL, "p:xolu/b ^/tmp:1", "NO_REGULAR_FILE", EINVAL },
	{ NULL, "p:xolu/b /bin/sh:1(^", "REFCNT_OPEN_BRACE", EINVAL },
	{ NULL, "p:xolu/b /bin/sh:1(^)", "BAD_REFCNT", EINVAL },
	{ NULL, "p:xolu/b /bin/sh:1)(^", "REFCNT_OPEN_BRACE", EINVAL },
	{ NULL, "p:xolu/b /bin/sh:1(0x10)^(5)", "BAD_REFCNT_SUFFIX", EINVAL },
	{ NULL, "p:xolu/b /bin/sh:1(^99999999999999999999)", "BAD_REFCNT", ERANGE },
	{ NULL, "p:xolu/b /bin/sh:1(^%return)", "BAD_REFCNT", EINVAL },
	{ NULL, "p:xolu/b /bin/sh:1^%", "BAD_ADDR_SUFFIX", EINVAL },
	{ NULL, "p:xolu/b /bin/sh:1^%ret", "BAD_ADDR_SUFFIX", EINVAL },
	{ NULL, "p:xolu/b /bin/sh:1^%return%return", "BAD_ADDR_SUFFIX", EINVAL },
	{ NULL, "p:xolu/b /bin/sh:^08", "BAD_UPROBE_OFFS", EINVAL },
	{ NULL, "p:xolu/b /bin/sh:^0x", "BAD_UPROBE_OFFS", EINVAL },
	{ NULL, "p:xolu/b /bin/sh:^18446744073709551616", "BAD_UPROBE_OFFS", ERANGE },
	{ NULL, "p:xolu/b /bin/sh:^1x%return", "BAD_UPROBE_OFFS", EINVAL },
	{ NULL, "p:^/ev /bin/sh:1", "NO_GROUP_NAME", EINVAL },
	{ NULL, "p:^. /bin/sh:1", "NO_GROUP_NAME", EINVAL },
	{ NULL, "p:^ /bin/sh:1", "NO_EVENT_NAME", EINVAL },
	{ NULL, "p:^/ /bin/sh:1", "NO_GROUP_NAME", EINVAL },
	{ NULL, "p:^1g/ev /bin/sh:1", "BAD_GROUP_NAME", EINVAL },
	{ NULL, "p:^a.b/ev /bin/sh:1", "BAD_GROUP_NAME", EINVAL },
	{ NULL, "p:^g!/ev /bin/sh:1", "BAD_GROUP_NAME", EINVAL },
	{ NULL, "p:xolu/^1ev /bin/sh:1", "BAD_EVENT_NAME", EINVAL },
	{ NULL, "p:xolu/^-ev /bin/sh:1", "BAD_EVENT_NAME", EINVAL },
	{ NULL, "p:xolu/^e.v /bin/sh:1", "BAD_EVENT_NAME", EINVAL },
	{ NULL, "p:xolu/^a/b /bin/sh:1", "BAD_EVENT_NAME", EINVAL },
	{ NULL, "p:^gggggggggggggggggggggggggggggggggggggggggggggggggggggggggggggggg/x /bin/sh:1", "GROUP_TOO_LONG", EINVAL },
	{ NULL, "p:xolu/^eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee /bin/sh:1", "EVENT_TOO_LONG", EINVAL },
	{ NULL, "p:^eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee /bin/sh:1", "EVENT_TOO_LONG", EINVAL },
	{ NULL, "p:/bad ^/nonexistent:1", "FILE_NOT_FOUND", ENOENT },
	{ NULL, "p:xolu/b /bin/sh:0x10 ^%rax", "BAD_REG_NAME", EINVAL },
	{ NULL, "p:xolu/b /bin/sh:0x10 ^%", "BAD_REG_NAME", EINVAL },
	{ NULL, "p:xolu/b /bin/sh:0x10 ^%AX", "BAD_REG_NAME", EINVAL },
	{ NULL, "p:xolu/b /bin/sh:0x10 %ax %bx ^%eax", "BAD_REG_NAME", EINVAL },
	{ NULL, "p:xolu/b /bin/sh:0x10 ^@99999999999999999999", "BAD_MEM_ADDR", ERANGE },
	{ NULL, "p:xolu/b /bin/sh:0x10 ^@0x", "BAD_MEM_ADDR", EINVAL },
	{ NULL, "p:xolu/b /bin/sh:0x10 ^@1x", "BAD_MEM_ADDR", EINVAL },
	{ NULL, "p:xolu/b /bin/sh:0x10 ^@+", "BAD_FILE_OFFS", EINVAL },
	{ NULL, "p:xolu/b /bin/sh:0x10 ^@+99999999999999999999", "BAD_FILE_OFFS", ERANGE },
	{ NULL, "p:xolu/b /bin/sh:0x10 ^@", "SYM_ON_UPROBE", EINVAL },
	{ NULL, "p:xolu/b /bin/sh:0x10 ^@-1", "SYM_ON_UPROBE", EINVAL },
	{ NULL, "p:xolu/b /bin/sh:0x10 ^$retval", "RETVAL_ON_PROBE", EINVAL },
	{ NULL, "p:xolu/b /bin/sh:0x10 a=^$retvalue", "RETVAL_ON_PROBE", EINVAL },
	{ NULL, "p:xolu/b /bin/sh:0x10 ^$", "BAD_VAR", EINVAL },
	{ NULL, "p:xolu/b /bin/sh:0x10 ^$ret", "BAD_VAR", EINVAL },
	{ NULL, "p:xolu/b /bin/sh:0x10 ^$stackx", "BAD_VAR", EINVAL },
	{ NULL, "p:xolu/b /bin/sh:0x10 ^$stack-1", "BAD_VAR", EINVAL },
	{ NULL, "p:xolu/b /bin/sh:0x10 ^$stack0x10", "BAD_VAR", EINVAL },
	{ NULL, "p:xolu/b /bin/sh:0x10 ^$stack99999999999999999999", "BAD_VAR", EINVAL },
	{ NULL, "p:xolu/b /bin/sh:0x10 ^$comm1", "BAD_VAR", EINVAL },
	{ NULL, "p:xolu/b /bin/sh:0x10 ^$Comm", "BAD_VAR", EINVAL },
	{ NULL, "p:xolu/b /bin/sh:0x10 ^$arg", "BAD_VAR", EINVAL },
	{ NULL, "p:xolu/b /bin/sh:0x10 ^$argx", "BAD_VAR", EINVAL },
	{ NULL, "p:xolu/b /bin/sh:0x10 ^$arg1x", "BAD_VAR", EINVAL },
	{ NULL, "p:xolu/b /bin/sh:0x10 ^$arg0", "BAD_ARG_NUM", EINVAL },
	{ NULL, "p:xolu/b /bin/sh:0x10 ^$arg2049", "BAD_ARG_NUM", EINVAL },
	{ NULL, "p:xolu/b /bin/sh:0x10 ^$arg1", "NOFENTRY_ARGS", EINVAL },
	{ NULL, "p:xolu/b /bin/sh:0x10 ^$arg2048", "NOFENTRY_ARGS", EINVAL },
	{ NULL, "r:xolu/b /bin/sh:0x10 ^$arg1", "NOFENTRY_ARGS", EINVAL },
	{ NULL, "p:xolu/b /bin/sh:0x10 \\^", "BAD_IMM", EINVAL },
	{ NULL, "p:xolu/b /bin/sh:0x10 \\^x", "BAD_IMM", EINVAL },
	{ NULL, "p:xolu/b /bin/sh:0x10 \\^0x", "BAD_IMM", EINVAL },
	{ NULL, "p:xolu/b /bin/sh:0x10 \\^-", "BAD_IMM", EINVAL },
	{ NULL, "p:xolu/b /bin/sh:0x10 \\^--1", "BAD_IMM", EINVAL },
	{ NULL, "p:xolu/b /bin/sh:0x10 \\^99999999999999999999", "BAD_IMM", ERANGE },
	{ NULL, "p:xolu/b /bin/sh:0x10 \\^-9223372036854775809", "BAD_IMM", ERANGE },
	{ NULL, "p:xolu/b /bin/sh:0x10 \\^+9223372036854775808", "BAD_IMM", ERANGE },
	{ NULL, "p:xolu/b /bin/sh:0x10 \\\"abc^", "IMMSTR_NO_CLOSE", EINVAL },
	{ NULL, "p:xolu/b /bin/sh:0x10 \\\"^", "IMMSTR_NO_CLOSE", EINVAL },
	{ NULL, "p:xolu/b /bin/sh:0x10 s=\\\"a\"b^", "IMMSTR_NO_CLOSE", EINVAL },
	{ NULL, "p:xolu/b /bin/sh:0x10 ^+0%ax", "DEREF_NEED_BRACE", EINVAL },
	{ NULL, "p:xolu/b /bin/sh:0x10 ^-8", "DEREF_NEED_BRACE", EINVAL },
	{ NULL, "p:xolu/b /bin/sh:0x10 ^+(%ax)", "BAD_DEREF_OFFS", EINVAL },
	{ NULL, "p:xolu/b /bin/sh:0x10 ^-(%ax)", "BAD_DEREF_OFFS", EINVAL },
	{ NULL, "p:xolu/b /bin/sh:0x10 ^+u(%ax)", "BAD_DEREF_OFFS", EINVAL },
	{ NULL, "p:xolu/b /bin/sh:0x10 ^+x(%ax)", "BAD_DEREF_OFFS", EINVAL },
	{ NULL, "p:xolu/b /bin/sh:0x10 ^+99999999999999999999(%ax)", "BAD_DEREF_OFFS", ERANGE },
	{ NULL, "p:xolu/b /bin/sh:0x10 +0(%ax^", "DEREF_OPEN_BRACE", EINVAL },
	{ NULL, "p:xolu/b /bin/sh:0x10 +u0(%b^x", "DEREF_OPEN_BRACE", EINVAL },
	{ NULL, "p:xolu/b /bin/sh:0x10 -u8(%a^x", "DEREF_OPEN_BRACE", EINVAL },
	{ NULL, "p:xolu/b /bin/sh:0x10 +-8(%a^x", "DEREF_OPEN_BRACE", EINVAL },
	{ NULL, "p:xolu/b /bin/sh:0x10 +0(+0(%ax^)", "DEREF_OPEN_BRACE", EINVAL },
	{ NULL, "p:xolu/b /bin/sh:0x10 +0(^$comm)", "COMM_CANT_DEREF", EINVAL },
	{ NULL, "p:xolu/b /bin/sh:0x10 +0(^$COMM)", "COMM_CANT_DEREF", EINVAL },
	{ NULL, "p:xolu/b /bin/sh:0x10 +0(^\\\"abc\")", "COMM_CANT_DEREF", EINVAL },
	{ NULL, "p:xolu/b /bin/sh:0x10 a=+u0(+0^($comm))", "COMM_CANT_DEREF", EINVAL },
	{ NULL, "p:xolu/b /bin/sh:0x10 +0(^)", "BAD_FETCH_ARG", EINVAL },
	{ NULL, "p:xolu/b /bin/sh:0x10 +0(^%ax))", "BAD_REG_NAME", EINVAL },
	{ NULL, "p:xolu/b /bin/sh:0x10 +0(+0(^%xx))", "BAD_REG_NAME", EINVAL },
	{ NULL, "p:xolu/b /bin/sh:0x10 +0(+u0^(%xx))", "BAD_REG_NAME", EINVAL },
	{ NULL, "p:xolu/b /bin/sh:0x10 +-8^(%xx)", "BAD_REG_NAME", EINVAL },
	{ NULL, "p:xolu/b /bin/sh:0x10 a=+0(^+0(+0(+0(+0(+0(+0(+0(+0(+0(+0(+0(+0(+0(+0(%ax)))))))))))))))", "TOO_MANY_OPS", EINVAL },
	{ NULL, "p:xolu/b /bin/sh:0x10 +0(^+0(+0(+0(+0(+0(+0(+0(+0(+0(+0(+0(+0(@0))))))))))))):u8[2]", "TOO_MANY_OPS", E2BIG },
	{ NULL, "p:xolu/b /bin/sh:0x10 +0(^+0(+0(+0(+0(+0(+0(+0(+0(+0(+0(+0(@0)))))))))))):string[2]", "TOO_MANY_OPS", E2BIG },
	{ NULL, "p:xolu/b /bin/sh:0x10 +0(+0(+0(+0(+0(+0(+0(+0(+0(+0(+0(+0(+0(@0))))))))))))):b1@^0/8", "BAD_BITFIELD", EINVAL },
	{ NULL, "p:xolu/b /bin/sh:0x10 ^10", "BAD_FETCH_ARG", EINVAL },
	{ NULL, "p:xolu/b /bin/sh:0x10 ^*x", "BAD_FETCH_ARG", EINVAL },
	{ NULL, "p:xolu/b /bin/sh:0x10 ^.x", "BAD_FETCH_ARG", EINVAL },
	{ NULL, "p:xolu/b /bin/sh:0x10 ^(%ax)", "NOSUP_BTFARG", EOPNOTSUPP },
	{ NULL, "p:xolu/b /bin/sh:0x10 +0(^(%ax))", "NOSUP_BTFARG", EOPNOTSUPP },
	{ NULL, "p:xolu/b /bin/sh:0x10 ^foo", "NOSUP_BTFARG", EINVAL },
	{ NULL, "p:xolu/b /bin/sh:0x10 ^_foo:u8", "NOSUP_BTFARG", EINVAL },
	{ NULL, "r:xolu/b /bin/sh:0x10 ^foo", "NOSUP_BTFARG", EINVAL },
	{ NULL, "p:xolu/b /bin/sh:0x10 +0(^foo)", "NOSUP_BTFARG", EINVAL },
	{ NULL, "p:xolu/b /bin/sh:0x10 a=%ax ^a=%bx", "USED_ARG_NAME", EINVAL },
	{ NULL, "p:xolu/b /bin/sh:0x10 ^common_pid=%ax", "USED_ARG_NAME", EINVAL },
	{ NULL, "p:xolu/b /bin/sh:0x10 ^common_type=%ax", "USED_ARG_NAME", EINVAL },
	{ NULL, "p:xolu/b /bin/sh:0x10 ^common_flags=%ax", "USED_ARG_NAME", EINVAL },
	{ NULL, "p:xolu/b /bin/sh:0x10 ^common_preempt_count=%ax", "USED_ARG_NAME", EINVAL },
	{ NULL, "p:xolu/b /bin/sh:0x10 ^common_tgid=%ax", "USED_ARG_NAME", EINVAL },
	{ NULL, "p:xolu/b /bin/sh:0x10 ^__probe_ip=%ax", "USED_ARG_NAME", EINVAL },
	{ NULL, "p:xolu/b /bin/sh:0x10 ^__probe_ret_ip=%ax", "USED_ARG_NAME", EINVAL },
	{ NULL, "p:xolu/b /bin/sh:0x10 ^__probe_func=%ax", "USED_ARG_NAME", EINVAL },
	{ NULL, "p:xolu/b /bin/sh:0x10 arg2=%ax ^%bx", "USED_ARG_NAME", EINVAL },
	{ NULL, "p:xolu/b /bin/sh:0x10 %ax ^arg1=%bx", "USED_ARG_NAME", EINVAL },
	{ NULL, "p:xolu/b /bin/sh:0x10 ^=%ax", "NO_ARG_NAME", EINVAL },
	{ NULL, "p:xolu/b /bin/sh:0x10 ^1a=%ax", "BAD_ARG_NAME", EINVAL },
	{ NULL, "p:xolu/b /bin/sh:0x10 ^a.b=%ax", "BAD_ARG_NAME", EINVAL },
	{ NULL, "p:xolu/b /bin/sh:0x10 ^a-b=%ax", "BAD_ARG_NAME", EINVAL },
	{ NULL, "p:xolu/b /bin/sh:0x10 ^abcdefghijabcdefghijabcdefghijabc=%ax", "ARG_NAME_TOO_LONG", EINVAL },
	{ NULL, "p:xolu/b /bin/sh:0x10 a=^", "NO_ARG_BODY", EINVAL },
	{ NULL, "p:xolu/b /bin/sh:0x10 a=^=%ax", "BAD_FETCH_ARG", EINVAL },
	{ NULL, "p:xolu/b /bin/sh:0x10 a=^xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", "ARG_TOO_LONG", E2BIG },
	{ NULL, "p:xolu/b /bin/sh:0x10 ^xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", "ARG_TOO_LONG", E2BIG },
	{ NULL, "p:xolu/b /bin/sh:0x10 %ax:u8[^", "ARRAY_NO_CLOSE", EINVAL },
	{ NULL, "p:xolu/b /bin/sh:0x10 %ax:u8[2^", "ARRAY_NO_CLOSE", EINVAL },
	{ NULL, "p:xolu/b /bin/sh:0x10 +0(%ax):u8[2]^x", "BAD_ARRAY_SUFFIX", EINVAL },
	{ NULL, "p:xolu/b /bin/sh:0x10 +0(%ax):u8[2]^[3]", "BAD_ARRAY_SUFFIX", EINVAL },
	{ NULL, "p:xolu/b /bin/sh:0x10 +0(%ax):u8[^]", "BAD_ARRAY_NUM", EINVAL },
	{ NULL, "p:xolu/b /bin/sh:0x10 +0(%ax):u8[^0]", "BAD_ARRAY_NUM", EINVAL },
	{ NULL, "p:xolu/b /bin/sh:0x10 +0(%ax):u8[^x]", "BAD_ARRAY_NUM", EINVAL },
	{ NULL, "p:xolu/b /bin/sh:0x10 +0(%ax):u8[^-1]", "BAD_ARRAY_NUM", EINVAL },
	{ NULL, "p:xolu/b /bin/sh:0x10 +0(%ax):u8[^99999999999]", "BAD_ARRAY_NUM", EINVAL },
	{ NULL, "p:xolu/b /bin/sh:0x10 +0(%ax):u8[^65]", "ARRAY_TOO_BIG", EINVAL },
	{ NULL, "p:xolu/b /bin/sh:0x10 +0(%ax):u8[^0x41]", "ARRAY_TOO_BIG", EINVAL },
	{ NULL, "p:xolu/b /bin/sh:0x10 %ax:^", "BAD_TYPE", EINVAL },
	{ NULL, "p:xolu/b /bin/sh:0x10 +0(%ax):^u9", "BAD_TYPE", EINVAL },
	{ NULL, "p:xolu/b /bin/sh:0x10 +0(%ax):^U8", "BAD_TYPE", EINVAL },
	{ NULL, "p:xolu/b /bin/sh:0x10 +0(%ax):^x128", "BAD_TYPE", EINVAL },
	{ NULL, "p:xolu/b /bin/sh:0x10 +0(%ax):^symbol", "BAD_TYPE", EINVAL },
	{ NULL, "p:xolu/b /bin/sh:0x10 +0(%ax):^symstr", "BAD_TYPE", EINVAL },
	{ NULL, "p:xolu/b /bin/sh:0x10 +0(%ax):^string:x", "BAD_TYPE", EINVAL },
	{ NULL, "p:xolu/b /bin/sh:0x10 %ax:^%pd", "BAD_TYPE", EINVAL },
	{ NULL, "p:xolu/b /bin/sh:0x10 %ax:^u8:u8", "BAD_TYPE", EINVAL },
	{ NULL, "p:xolu/b /bin/sh:0x10 +0(%ax):^b1@0/9", "BAD_TYPE", EINVAL },
	{ NULL, "p:xolu/b /bin/sh:0x10 +0(%ax):^b1@0", "BAD_TYPE", EINVAL },
	{ NULL, "p:xolu/b /bin/sh:0x10 +0(%ax):^bogus", "BAD_TYPE", EINVAL },
	{ NULL, "p:xolu/b /bin/sh:0x10 $comm:^u8", "NEED_STRING_TYPE", EINVAL },
	{ NULL, "p:xolu/b /bin/sh:0x10 $comm:^string[1]", "NEED_STRING_TYPE", EINVAL },
	{ NULL, "p:xolu/b /bin/sh:0x10 $COMM:^ustring", "NEED_STRING_TYPE", EINVAL },
	{ NULL, "p:xolu/b /bin/sh:0x10 \\\"abc\":^u32", "NEED_STRING_TYPE", EINVAL },
	{ NULL, "p:xolu/b /bin/sh:0x10 \\\"a:^b\"", "NEED_STRING_TYPE", EINVAL },
	{ NULL, "p:xolu/b /bin/sh:0x10 \\\"abc\":^string[2]", "NEED_STRING_TYPE", EINVAL },
	{ NULL, "p:xolu/b /bin/sh:0x10 %ax:^string", "BAD_STRING", EINVAL },
	{ NULL, "p:xolu/b /bin/sh:0x10 %ax:^ustring", "BAD_STRING", EINVAL },
	{ NULL, "p:xolu/b /bin/sh:0x10 $stack:^string", "BAD_STRING", EINVAL },
	{ NULL, "p:xolu/b /bin/sh:0x10 $stack3:^string", "BAD_STRING", EINVAL },
	{ NULL, "p:xolu/b /bin/sh:0x10 @+0:s8 ^@+0(%ax):string", "BAD_FILE_OFFS", EINVAL },
	{ NULL, "p:xolu/b /bin/sh:0x10 $stack1:^x8[8]", "BAD_STRING", EINVAL },
	{ NULL, "p:xolu/b /bin/sh:0x10 %ax:^u8[2]", "BAD_STRING", EINVAL },
	{ NULL, "p:xolu/b /bin/sh:0x10 \\1:^x8[2]", "BAD_STRING", EINVAL },
	{ NULL, "p:xolu/b /bin/sh:0x10 +u0(%ax):u8[^2]", "BAD_STRING", EINVAL },
	{ NULL, "p:xolu/b /bin/sh:0x10 %ax:^string[2]", "BAD_STRING", EINVAL },
	{ NULL, "r:xolu/b /bin/sh:0x10 $retval:^string", "BAD_STRING", EINVAL },
	{ NULL, "p:xolu/b /bin/sh:0x10 %ax:^b9@0/8", "BAD_BITFIELD", EINVAL },
	{ NULL, "p:xolu/b /bin/sh:0x10 +0(%ax):b9@^0/8", "BAD_BITFIELD", EINVAL },
	{ NULL, "p:xolu/b /bin/sh:0x10 +0(%ax):b0@^0/8", "BAD_BITFIELD", EINVAL },
	{ NULL, "p:xolu/b /bin/sh:0x10 +0(%ax):b1@^8/8", "BAD_BITFIELD", EINVAL },
	{ NULL, "p:xolu/b /bin/sh:0x10 +0(%ax):b@0^/8", "BAD_BITFIELD", EINVAL },
	{ NULL, "p:xolu/b /bin/sh:0x10 +0(%ax):b1@^/8", "BAD_BITFIELD", EINVAL },
	{ NULL, "p:xolu/b /bin/sh:0x10 +0(%ax):b1x^@0/8", "BAD_BITFIELD", EINVAL },
	{ NULL, "p:xolu/b /bin/sh:0x10 +0(%ax):b1@^0x/8", "BAD_BITFIELD", EINVAL },
	{ NULL, "p:xolu/b /bin/sh:0x10 +0(%ax):b/8^", "BAD_BITFIELD", EINVAL },
	{ NULL, "p:xolu/b /bin/sh:0x10 +0(%ax):b33^@0/32", "BAD_BITFIELD", EINVAL },
	{ NULL, "p:xolu/b /bin/sh:0x10 +u8(%ax):b9@^0/8", "BAD_BITFIELD", EINVAL },
	{ NULL, "p:xolu/b /bin/sh:0x10 +0(+0(%ax)):b9@^0/8", "BAD_BITFIELD", EINVAL },
	{ NULL, "p:xolu/b /bin/sh:0x10 +0(+0(%ax)):^x8:x", "BAD_TYPE", EINVAL },
	{ NULL, "p /bin/sh", NULL, EINVAL },
	{ NULL, "p ^no-such-dir/sh:1", "FILE_NOT_FOUND", ENOENT },
	{ NULL, "p /bin/sh:abc", NULL, EINVAL },
	{ NULL, "p /bin/sh:+10", NULL, EINVAL },
	{ NULL, "p /bin/sh:x10", NULL, EINVAL },
	{ NULL, "p /bin/sh:", NULL, EINVAL },
	{ NULL, "x /bin/sh:1", NULL, EINVAL },
	{ NULL, "P /bin/sh:1", NULL, EINVAL },
	{ NULL, "-x", NULL, EINVAL },
	{ NULL, "-", NULL, EINVAL },
	{ NULL, "-:", NULL, EINVAL },
	{ NULL, "r", NULL, EINVAL },
	{ NULL, "p", NULL, EINVAL },
	{ NULL, "p:xolu/b", NULL, EINVAL },
	{ NULL, " -:xolu/b", NULL, EINVAL },
	{ "p:xolu/b /bin/sh:1 x=%ax", "p:xolu/b /bin/sh:2 x=%ax ^y=%bx", "DIFF_ARG_TYPE", EEXIST },
	{ "p:xolu/b /bin/sh:1 x=%ax y=%bx", "p:xolu/b /bin/sh:2 x=%ax ^", "DIFF_ARG_TYPE", EEXIST },
	{ "p:xolu/b /bin/sh:1 x=%ax y=%bx", "p:xolu/b /bin/sh:2 ^", "DIFF_ARG_TYPE", EEXIST },
	{ "p:xolu/b /bin/sh:1 x=%ax y=%bx:u8", "p:xolu/b /bin/sh:2 x=%ax ^y=%bx:x8", "DIFF_ARG_TYPE", EEXIST },
	{ "p:xolu/b /bin/sh:1 x=%ax y=%bx:u8", "p:xolu/b /bin/sh:2 x=%ax ^y=%bx:s8", "DIFF_ARG_TYPE", EEXIST },
	{ "p:xolu/b /bin/sh:1 x=%ax y=%bx:u8", "p:xolu/b /bin/sh:2 x=%ax ^y=%bx:char", "DIFF_ARG_TYPE", EEXIST },
	{ "p:xolu/b /bin/sh:1 x=%ax y=%bx:u8", "p:xolu/b /bin/sh:2 x=%ax ^yy=%bx:u8", "DIFF_ARG_TYPE", EEXIST },
	{ "p:xolu/b /bin/sh:1 x=%ax y=%bx:u8", "p:xolu/b /bin/sh:2 ^%ax y=%bx:u8", "DIFF_ARG_TYPE", EEXIST },
	{ "p:xolu/b /bin/sh:1 x=+0(%ax):u8[2]", "p:xolu/b /bin/sh:2 ^x=+0(%ax):u8[3]", "DIFF_ARG_TYPE", EEXIST },
	{ "p:xolu/b /bin/sh:1 x=+0(%ax):u8[2]", "p:xolu/b /bin/sh:2 ^x=+0(%ax):u8", "DIFF_ARG_TYPE", EEXIST },
	{ "p:xolu/b /bin/sh:1 s=+0(%ax):string", "p:xolu/b /bin/sh:2 ^s=+0(%ax):ustring", "DIFF_ARG_TYPE", EEXIST },
	{ "p:xolu/b /bin/sh:1 s=$comm", "p:xolu/b /bin/sh:2 ^s=+0(%ax):string[1]", "DIFF_ARG_TYPE", EEXIST },
	{ "p:xolu/b /bin/sh:1 x=%ax", "p:xolu/b /bin/sh:2 ^x=%ax:u64", "DIFF_ARG_TYPE", EEXIST },
	{ "p:xolu/b /bin/sh:1 x=%ax y=%bx:u8", "^p:xolu/b /bin/sh:1 x=%ax y=%bx:u8", "SAME_PROBE", EEXIST },
	{ "p:xolu/b /bin/sh:1", "^p:xolu/b /usr/bin/dash:1", "SAME_PROBE", EEXIST },
	{ "p:xolu/b /bin/sh:1 x=\\\"a\"", "^p:xolu/b /bin/sh:1 x=\\\"a\"", "SAME_PROBE", EEXIST },
	{ "p:xolu/b /bin/sh:1 x=%ax y=%bx:u8", "^r:xolu/b /bin/sh:1 x=%ax y=%bx:u8", "DIFF_PROBE_TYPE", EEXIST },
	{ "r:xolu/b /bin/sh:1", "^p:xolu/b /bin/sh:1%return", "SAME_PROBE", EEXIST },
	{ "r:xolu/b /bin/sh:1", "^p:xolu/b /bin/sh:2", "DIFF_PROBE_TYPE", EEXIST },
	{ "p:xolu/b /bin/sh:3(0x10)", "p:xolu/c /bin/sh:3(0x12)", NULL, EINVAL },
	{ "p:xolu/b /bin/sh:3(0x10)", "p:xolu/c /bin/sh:3", NULL, EINVAL },
	{ "p:xolu/b /bin/sh:3", "p:xolu/c /usr/bin/dash:3(0x10)", NULL, EINVAL },
	{ "p:xolu/b /bin/sh:3(0x10)", "p:xolu/b /bin/sh:3(0x12)", NULL, EINVAL },
};

#define N(a) (sizeof(a) / sizeof((a)[0]))

static char sh_real[PATH_MAX];

/* The rows say /usr/bin/dash where the kernel's machine resolved /bin/sh. */
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

static void check(const struct bad *b)
{
	struct xol_events *evs = xol_events_new();
	char *setup = b->setup ? subst(b->setup) : NULL;
	char *def = strdup(b->caret), *caret = strrchr(b->caret, '^'), *p, *q;
	unsigned want_pos = caret ? (unsigned)(caret - b->caret) : 0;
	struct xol_error err;
	int ret;

	for (p = q = def; *p; p++)
		if (*p != '^')
			*q++ = *p;
	*q = '\0';
	if (setup) {
		ret = xol_events_write(evs, setup, strlen(setup), &err);
		if (!ok(ret == 0, "setup accepted: %s", setup))
			goto out;
	}
	ret = xol_events_write(evs, def, strlen(def), &err);
	is_int(ret, -b->err, "%s: fails with %s", def, strerrorname_np(b->err));
	is_int(err.err, -b->err, "  and says so in err");
	if (!b->id) {
		ok(!err.logged, "  not logged");
		goto out;
	}
	if (!ok(err.logged, "  logged as %s", b->id))
		goto out;
	is_str(err.id, b->id, "  error id");
	is_str(err.message, tp_err_msg[tp_err_lookup(b->id)], "  message");
	/* the command is the tokens joined by one space: trailing blanks go */
	while (q > def && q[-1] == ' ')
		*--q = '\0';
	is_str(err.command, def, "  command");
	is_int(err.pos, want_pos, "  caret: %s", b->caret);
	is_int(err.line, 1, "  on line 1");
out:
	xol_events_free(evs);
	free(setup);
	free(def);
}

/* Every error the uprobe parser can reach has a row. */
static void check_coverage(void)
{
	for (int e = 0; e < TP_ERR_COUNT; e++) {
		size_t i;

		if (!tp_err_reachable[e])
			continue;
		for (i = 0; i < N(bad); i++)
			if (bad[i].id && !strcmp(bad[i].id, tp_err_id[e]))
				break;
		if (e == TP_ERR_TOO_MANY_ARGS || e == TP_ERR_EVENT_TOO_BIG)
			continue; /* their lines are long: see below */
		ok(i < N(bad), "%s has a bad definition", tp_err_id[e]);
	}
}

static void expect(const char *def, int err, const char *id, unsigned pos, const char *what)
{
	struct xol_events *evs = xol_events_new();
	struct xol_error e;

	is_int(xol_events_write(evs, def, strlen(def), &e), -err, "%s", what);
	is_str(e.id, id, "  %s", id);
	is_int(e.pos, pos, "  caret at %u", pos);
	xol_events_free(evs);
}

/* 128 fetch-args at most: the 129th fails at the first arg's token, E2BIG. */
static void check_too_many_args(void)
{
	struct strbuf sb = STRBUF_INIT;

	sb_puts(&sb, "p:xolu/big /bin/sh:1");
	for (int i = 1; i <= 128; i++)
		sb_printf(&sb, " a%d=%%ax", i);
	{
		struct xol_events *evs = xol_events_new();
		struct xol_error e;

		is_int(xol_events_write(evs, sb.buf, sb.len, &e), 0, "128 args are fine");
		xol_events_free(evs);
	}
	sb_puts(&sb, " a129=%ax");
	expect(sb.buf, E2BIG, "TOO_MANY_ARGS", strlen("p:xolu/big /bin/sh:1 "),
	       "129 args: TOO_MANY_ARGS");
	/* counted before anything else of the line is looked at */
	sb_release(&sb);
	sb_puts(&sb, "p:xolu/big nopath");
	for (int i = 1; i <= 129; i++)
		sb_printf(&sb, " a%d=%%ax", i);
	expect(sb.buf, E2BIG, "TOO_MANY_ARGS", strlen("p:xolu/big nopath "),
	       "129 args on a line with no path: TOO_MANY_ARGS still");
	sb_release(&sb);
}

/*
 * The fixed fields of one probe may take 3072 bytes: 48 x u64[8] fit,
 * the 49th fails, pointing at the inner expression of its deref.
 */
static void check_event_too_big(void)
{
	struct strbuf sb = STRBUF_INIT;
	size_t at;

	sb_puts(&sb, "p:xolu/big /bin/sh:1");
	for (int i = 1; i <= 48; i++)
		sb_printf(&sb, " a%d=+0(%%ax):u64[8]", i);
	{
		struct xol_events *evs = xol_events_new();
		struct xol_error e;

		is_int(xol_events_write(evs, sb.buf, sb.len, &e), 0, "3072 bytes of fields are fine");
		xol_events_free(evs);
	}
	at = sb.len + 1;
	sb_puts(&sb, " z=%ax:u8");
	expect(sb.buf, E2BIG, "EVENT_TOO_BIG", (unsigned)(at + 2), "3073 bytes: EVENT_TOO_BIG at the body");
	sb.len = at - 1;
	sb.buf[sb.len] = '\0';
	sb_puts(&sb, " z=+0(%ax):u8");
	expect(sb.buf, E2BIG, "EVENT_TOO_BIG", (unsigned)(at + 5),
	       "after a deref, EVENT_TOO_BIG points inside it");
	sb_release(&sb);
}

int main(void)
{
	if (!realpath("/bin/sh", sh_real))
		snprintf(sh_real, sizeof(sh_real), "/bin/sh");
	for (size_t i = 0; i < N(bad); i++)
		check(&bad[i]);
	check_coverage();
	check_too_many_args();
	check_event_too_big();
	return done_testing();
}
