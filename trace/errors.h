/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The error_log table: one line per error gives the enum, the kernel's id and its message. */
#ifndef XOL_TRACE_ERRORS_H
#define XOL_TRACE_ERRORS_H

/*
 * The ids and messages are the kernel's (kernel/trace/trace_probe.h), as
 * Linux 6.18 prints them; a test compares them with the running kernel.
 * R marks an error the uprobe parser can reach, and xol produces every R
 * error exactly where the kernel does.  The others (kprobe, fprobe,
 * eprobe, BTF) are listed so that an id read from a log can be named;
 * EVENT_EXIST among them, which the kernel gives a uprobe only when the
 * name belongs to another kind of event, and xol has no other kind.
 */
#define TP_ERRORS(R, N)                                                              \
	R(FILE_NOT_FOUND,    "Failed to find the given file")                          \
	R(NO_REGULAR_FILE,   "Not a regular file")                                     \
	R(BAD_REFCNT,        "Invalid reference counter offset")                       \
	R(REFCNT_OPEN_BRACE, "Reference counter brace is not closed")                  \
	R(BAD_REFCNT_SUFFIX, "Reference counter has wrong suffix")                     \
	R(BAD_UPROBE_OFFS,   "Invalid uprobe offset")                                  \
	N(BAD_MAXACT_TYPE,   "Maxactive is only for function exit")                    \
	N(BAD_MAXACT,        "Invalid maxactive number")                               \
	N(MAXACT_TOO_BIG,    "Maxactive is too big")                                   \
	N(BAD_PROBE_ADDR,    "Invalid probed address or symbol")                       \
	N(NON_UNIQ_SYMBOL,   "The symbol is not unique")                               \
	N(BAD_RETPROBE,      "Retprobe address must be an function entry")             \
	N(NO_TRACEPOINT,     "Tracepoint is not found")                                \
	N(BAD_TP_NAME,       "Invalid character in tracepoint name")                   \
	R(BAD_ADDR_SUFFIX,   "Invalid probed address suffix")                          \
	R(NO_GROUP_NAME,     "Group name is not specified")                            \
	R(GROUP_TOO_LONG,    "Group name is too long")                                 \
	R(BAD_GROUP_NAME,    "Group name must follow the same rules as C identifiers") \
	R(NO_EVENT_NAME,     "Event name is not specified")                            \
	R(EVENT_TOO_LONG,    "Event name is too long")                                 \
	R(BAD_EVENT_NAME,    "Event name must follow the same rules as C identifiers") \
	N(EVENT_EXIST,       "Given group/event name is already used by another event") \
	R(RETVAL_ON_PROBE,   "$retval is not available on probe")                      \
	N(NO_RETVAL,         "This function returns 'void' type")                      \
	N(BAD_STACK_NUM,     "Invalid stack number")                                   \
	R(BAD_ARG_NUM,       "Invalid argument number")                                \
	R(BAD_VAR,           "Invalid $-variable specified")                           \
	R(BAD_REG_NAME,      "Invalid register name")                                  \
	R(BAD_MEM_ADDR,      "Invalid memory address")                                 \
	R(BAD_IMM,           "Invalid immediate value")                                \
	R(IMMSTR_NO_CLOSE,   "String is not closed with '\"'")                         \
	N(FILE_ON_KPROBE,    "File offset is not available with kprobe")               \
	R(BAD_FILE_OFFS,     "Invalid file offset value")                              \
	R(SYM_ON_UPROBE,     "Symbol is not available with uprobe")                    \
	R(TOO_MANY_OPS,      "Dereference is too much nested")                         \
	R(DEREF_NEED_BRACE,  "Dereference needs a brace")                              \
	R(BAD_DEREF_OFFS,    "Invalid dereference offset")                             \
	R(DEREF_OPEN_BRACE,  "Dereference brace is not closed")                        \
	R(COMM_CANT_DEREF,   "$comm can not be dereferenced")                          \
	R(BAD_FETCH_ARG,     "Invalid fetch argument")                                 \
	R(ARRAY_NO_CLOSE,    "Array is not closed")                                    \
	R(BAD_ARRAY_SUFFIX,  "Array has wrong suffix")                                 \
	R(BAD_ARRAY_NUM,     "Invalid array size")                                     \
	R(ARRAY_TOO_BIG,     "Array number is too big")                                \
	R(BAD_TYPE,          "Unknown type is specified")                              \
	R(BAD_STRING,        "String accepts only memory argument")                    \
	N(BAD_SYMSTRING,     "Symbol String doesn't accept data/userdata")             \
	R(BAD_BITFIELD,      "Invalid bitfield")                                       \
	R(ARG_NAME_TOO_LONG, "Argument name is too long")                              \
	R(NO_ARG_NAME,       "Argument name is not specified")                         \
	R(BAD_ARG_NAME,      "Argument name must follow the same rules as C identifiers") \
	R(USED_ARG_NAME,     "This argument name is already used")                     \
	R(ARG_TOO_LONG,      "Argument expression is too long")                        \
	R(NO_ARG_BODY,       "No argument expression")                                 \
	N(BAD_INSN_BNDRY,    "Probe point is not an instruction boundary")             \
	N(FAIL_REG_PROBE,    "Failed to register probe event")                         \
	R(DIFF_PROBE_TYPE,   "Probe type is different from existing probe")            \
	R(DIFF_ARG_TYPE,     "Argument type or name is different from existing probe") \
	R(SAME_PROBE,        "There is already the exact same probe event")            \
	N(NO_EVENT_INFO,     "This requires both group and event name to attach")      \
	N(BAD_ATTACH_EVENT,  "Attached event does not exist")                          \
	N(BAD_ATTACH_ARG,    "Attached event does not have this field")                \
	N(NO_EP_FILTER,      "No filter rule after 'if'")                              \
	R(NOSUP_BTFARG,      "BTF is not available or not supported")                  \
	N(NO_BTFARG,         "This variable is not found at this probe point")         \
	N(NO_BTF_ENTRY,      "No BTF entry for this probe point")                      \
	N(BAD_VAR_ARGS,      "$arg* must be an independent parameter without name etc.") \
	R(NOFENTRY_ARGS,     "$arg* can be used only on function entry or exit")       \
	N(DOUBLE_ARGS,       "$arg* can be used only once in the parameters")          \
	N(ARGS_2LONG,        "$arg* failed because the argument list is too long")     \
	N(ARGIDX_2BIG,       "$argN index is too big")                                 \
	N(NO_PTR_STRCT,      "This is not a pointer to union/structure.")              \
	N(NOSUP_DAT_ARG,     "Non pointer structure/union argument is not supported.") \
	N(BAD_HYPHEN,        "Failed to parse single hyphen. Forgot '>'?")             \
	N(NO_BTF_FIELD,      "This field is not found.")                               \
	N(BAD_BTF_TID,       "Failed to get BTF type info.")                           \
	N(BAD_TYPE4STR,      "This type does not fit for string.")                     \
	R(NEED_STRING_TYPE,  "$comm and immediate-string only accepts string type")    \
	R(TOO_MANY_ARGS,     "Too many arguments are specified")                       \
	N(TOO_MANY_EARGS,    "Too many entry arguments specified")                     \
	R(EVENT_TOO_BIG,     "Event too big (too many fields?)")

#define TP_ERR_ENUM(id, msg) TP_ERR_##id,
enum tp_err { TP_ERRORS(TP_ERR_ENUM, TP_ERR_ENUM) TP_ERR_COUNT };
#undef TP_ERR_ENUM

extern const char *const tp_err_id[TP_ERR_COUNT];
extern const char *const tp_err_msg[TP_ERR_COUNT];
extern const unsigned char tp_err_reachable[TP_ERR_COUNT];

/* The error with kernel identifier @id ("BAD_REG_NAME"), or -1. */
int tp_err_lookup(const char *id);

#endif
