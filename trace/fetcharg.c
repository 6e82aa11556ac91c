// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * One fetch-arg, `[NAME=]BODY[:TYPE[N]]`, parsed and compiled to a fetch
 * program (trace/fetch.h).
 *
 * This follows the kernel's traceprobe_parse_probe_arg() step by step, on
 * purpose: which error wins and where its caret lands are part of the
 * contract, and they fall out of the order of the checks and of a few
 * quirks that are kept here as they are:
 *
 *   - the caret of an error inside `+OFFS(...)` is relative to the inner
 *     expression, and with `+u`, `-u` or `+-` it lands one column early;
 *   - after a deref, errors found later (EVENT_TOO_BIG, BAD_BITFIELD,
 *     TOO_MANY_OPS, BAD_STRING) are placed relative to the outermost
 *     deref's inner expression, so BAD_STRING's caret is not on the type;
 *   - text after the last ')' of a deref is ignored;
 *   - `+u` derefs become ST_UMEM for numbers, which arrays refuse.
 *
 * The program is built the kernel's way, in 16 slots of which the last is
 * reserved for END, so TOO_MANY_OPS (and BAD_BITFIELD when the modifier
 * finds no free slot) happen at the same depth.  Its shape:
 *
 *   %REG          REG(offset in struct xol_regs)
 *   $stackN       STACK(N)            $stack   STACKP
 *   $retval       RETVAL              $comm    COMM
 *   \IMM          IMM(value)          \"str"   DATA(offset in the pool)
 *   @ADDR         IMM(ADDR) DEREF(0)  @+OFFS   FOFFS(OFFS) DEREF(0)
 *   +OFFS(X)      X DEREF(OFFS)
 *
 * then the store: a final DEREF(o) becomes ST_MEM(o) for numbers and
 * ST_STRING(o) for strings; other loads get ST_RAW after them, and
 * IMM/COMM/DATA get ST_STRING(0) after them.  A string array keeps its
 * last DEREF (each element is a pointer, see core/fetch.c) and gets
 * ST_STRING(0).  Then MOD_BF for a bitfield, LP_ARRAY(N) for an array,
 * END.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arch/x86/regs.h"
#include "internal.h"

/* Ops that exist only while compiling: the kernel has them, fetch.h does not. */
#define OP_NOP     0xff /* a free slot */
#define OP_UDEREF  0xfe /* +u: a DEREF whose string store is ustring */
#define OP_ST_UMEM 0xfd /* ST_MEM after +u: arrays refuse it */

struct actx {
	struct tp_arg_ctx *c;
	int offset; /* of the sub-expression being parsed, in the token */
	struct fetch_insn insn[FETCH_INSN_MAX];
};

#define END_SLOT(a) (&(a)->insn[FETCH_INSN_MAX - 1])

static void err(struct actx *a, int offset, enum tp_err e)
{
	tp_log_err(a->c->log, offset, e);
}

static const char *const reserved_names[] = {
	"common_type", "common_flags", "common_preempt_count", "common_pid",
	"common_tgid", "__probe_ip", "__probe_ret_ip", "__probe_func",
};

static bool name_taken(const char *name, const struct tp_arg *args, int n)
{
	for (size_t i = 0; i < sizeof(reserved_names) / sizeof(reserved_names[0]); i++)
		if (!strcmp(reserved_names[i], name))
			return true;
	for (int i = 0; i < n; i++)
		if (!strcmp(args[i].name, name))
			return true;
	return false;
}

/* $retval, $stack, $stackN, $comm, $COMM, $argN; @orig points at the '$'. */
static int parse_var(struct actx *a, char *orig, struct fetch_insn *code)
{
	enum tp_err e = TP_ERR_BAD_VAR;
	char *arg = orig + 1;
	uint64_t param;

	if (!strncmp(arg, "retval", 6)) {
		if (!a->c->is_return) {
			e = TP_ERR_RETVAL_ON_PROBE;
			goto inval;
		}
		code->op = FETCH_OP_RETVAL;
		return 0;
	}
	if (!strncmp(arg, "stack", 5)) {
		if (arg[5] == '\0') {
			code->op = FETCH_OP_STACKP;
			return 0;
		}
		if (k_isdigit(arg[5]) && !k_strtoull(arg + 5, 10, &param)) {
			code->op = FETCH_OP_STACK;
			code->param = (uint32_t)param; /* the kernel keeps an unsigned int */
			return 0;
		}
		goto inval;
	}
	if (!strcmp(arg, "comm") || !strcmp(arg, "COMM")) {
		code->op = FETCH_OP_COMM;
		return 0;
	}
	if (!strncmp(arg, "arg", 3)) {
		if (k_strtoull(arg + 3, 10, &param))
			goto inval;
		if (!param || param > TP_PARAM_MAX_STACK)
			e = TP_ERR_BAD_ARG_NUM;
		else
			e = TP_ERR_NOFENTRY_ARGS; /* uprobes never have $argN */
	}
inval:
	err(a, a->offset, e);
	return -EINVAL;
}

/* str_to_immediate(): \123, \-1, \+0x10 */
static int parse_immediate(const char *s, int64_t *imm)
{
	if (k_isdigit(s[0]))
		return k_strtoull(s, 0, (uint64_t *)imm);
	if (s[0] == '-')
		return k_strtoll(s, 0, imm);
	if (s[0] == '+')
		return k_strtoll(s + 1, 0, imm);
	return -EINVAL;
}

/* \"text": everything up to a final '"', which must be there. */
static int parse_imm_string(struct actx *a, const char *s, int offs, int64_t *pool_off)
{
	struct strbuf *pool = a->c->data;
	size_t len = strlen(s);

	if (!len || s[len - 1] != '"') {
		err(a, offs + (int)len, TP_ERR_IMMSTR_NO_CLOSE);
		return -EINVAL;
	}
	*pool_off = (int64_t)pool->len;
	sb_put(pool, s, len - 1);
	sb_putc(pool, '\0');
	return pool->oom ? -ENOMEM : 0;
}

/* parse_probe_arg(): the value part of a body, recursive for derefs. */
static int parse_value(struct actx *a, char *arg, struct fetch_insn **pcode)
{
	struct fetch_insn *code = *pcode;
	uint8_t deref = FETCH_OP_DEREF;
	int64_t offset = 0;
	uint64_t addr;
	int ret = 0, reg, cur;
	char *tmp;

	switch (arg[0]) {
	case '$':
		ret = parse_var(a, arg, code);
		break;

	case '%':
		reg = arch_reg_offset(arg + 1, strlen(arg + 1));
		if (reg >= 0) {
			code->op = FETCH_OP_REG;
			code->param = reg;
		} else {
			err(a, a->offset, TP_ERR_BAD_REG_NAME);
			ret = -EINVAL;
		}
		break;

	case '@':
		if (k_isdigit(arg[1])) {
			ret = k_strtoull(arg + 1, 0, &addr);
			if (ret) {
				err(a, a->offset, TP_ERR_BAD_MEM_ADDR);
				break;
			}
			code->op = FETCH_OP_IMM;
			code->param = (int64_t)addr;
		} else if (arg[1] == '+') {
			ret = k_strtoll(arg + 2, 0, &offset);
			if (ret) {
				err(a, a->offset, TP_ERR_BAD_FILE_OFFS);
				break;
			}
			code->op = FETCH_OP_FOFFS;
			code->param = offset;
		} else {
			err(a, a->offset, TP_ERR_SYM_ON_UPROBE);
			return -EINVAL;
		}
		/* both read memory at that address */
		if (++code == END_SLOT(a)) {
			err(a, a->offset, TP_ERR_TOO_MANY_OPS);
			return -EINVAL;
		}
		*pcode = code;
		code->op = FETCH_OP_DEREF;
		code->param = 0;
		break;

	case '+':
	case '-':
		if (arg[1] == 'u') {
			deref = OP_UDEREF;
			arg[1] = arg[0];
			arg++;
		}
		if (arg[0] == '+')
			arg++;
		tmp = strchr(arg, '(');
		if (!tmp) {
			err(a, a->offset, TP_ERR_DEREF_NEED_BRACE);
			return -EINVAL;
		}
		*tmp = '\0';
		ret = k_strtoll(arg, 0, &offset);
		if (ret) {
			err(a, a->offset, TP_ERR_BAD_DEREF_OFFS);
			break;
		}
		a->offset += (int)(tmp + 1 - arg) + (arg[0] != '-' ? 1 : 0);
		arg = tmp + 1;
		tmp = strrchr(arg, ')');
		if (!tmp) {
			err(a, a->offset + (int)strlen(arg), TP_ERR_DEREF_OPEN_BRACE);
			return -EINVAL;
		}
		cur = a->offset;
		*tmp = '\0';
		ret = parse_value(a, arg, &code);
		if (ret)
			break;
		a->offset = cur;
		if (code->op == FETCH_OP_COMM || code->op == FETCH_OP_DATA) {
			err(a, a->offset, TP_ERR_COMM_CANT_DEREF);
			return -EINVAL;
		}
		if (++code == END_SLOT(a)) {
			err(a, a->offset, TP_ERR_TOO_MANY_OPS);
			return -EINVAL;
		}
		*pcode = code;
		code->op = deref;
		code->param = offset;
		break;

	case '\\':
		if (arg[1] == '"') {
			ret = parse_imm_string(a, arg + 2, a->offset + 2, &code->param);
			if (!ret)
				code->op = FETCH_OP_DATA;
		} else {
			ret = parse_immediate(arg + 1, &code->param);
			if (ret)
				err(a, a->offset + 1, TP_ERR_BAD_IMM);
			else
				code->op = FETCH_OP_IMM;
		}
		break;

	case '(':
		/* a BTF type cast: the kernel has none for uprobes */
		err(a, a->offset, TP_ERR_NOSUP_BTFARG);
		return -EOPNOTSUPP;

	default:
		if (k_isalpha(arg[0]) || arg[0] == '_') {
			/* a BTF variable name */
			err(a, a->offset, TP_ERR_NOSUP_BTFARG);
			return -EINVAL;
		}
	}
	if (!ret && code->op == OP_NOP) {
		err(a, a->offset, TP_ERR_BAD_FETCH_ARG);
		ret = -EINVAL;
	}
	return ret;
}

/*
 * parse_probe_arg_type(): split ":TYPE[N]" off @arg (in place) and find
 * the type.  Returns the type text (NULL for none) through @ptype.
 */
static int parse_type(struct actx *a, char *arg, char **ptype, unsigned *count,
		      const struct tp_type_info **info)
{
	char *t, *t2, *t3;
	int offs;

	*count = 0;
	t = strchr(arg, ':');
	if (t) {
		*t++ = '\0';
		t2 = strchr(t, '[');
		if (t2) {
			*t2++ = '\0';
			t3 = strchr(t2, ']');
			if (!t3) {
				err(a, a->offset + (int)(t2 + strlen(t2) - arg), TP_ERR_ARRAY_NO_CLOSE);
				return -EINVAL;
			} else if (t3[1] != '\0') {
				err(a, a->offset + (int)(t3 + 1 - arg), TP_ERR_BAD_ARRAY_SUFFIX);
				return -EINVAL;
			}
			*t3 = '\0';
			if (k_strtouint(t2, 0, count) || !*count) {
				err(a, a->offset + (int)(t2 - arg), TP_ERR_BAD_ARRAY_NUM);
				return -EINVAL;
			}
			if (*count > TP_ARRAY_MAX) {
				err(a, a->offset + (int)(t2 - arg), TP_ERR_ARRAY_TOO_BIG);
				return -EINVAL;
			}
		}
	}
	offs = t ? (int)(t - arg) : 0;

	/* $comm and an immediate string can only be a string, and no array */
	if (!strcmp(arg, "$comm") || !strcmp(arg, "$COMM") || !strncmp(arg, "\\\"", 2)) {
		if (*count || (t && strcmp(t, "string"))) {
			err(a, a->offset + offs, TP_ERR_NEED_STRING_TYPE);
			return -EINVAL;
		}
		*info = tp_type_find("string");
	} else {
		*info = tp_type_find(t);
	}
	if (!*info) {
		err(a, a->offset + offs, TP_ERR_BAD_TYPE);
		return -EINVAL;
	}
	*ptype = t;
	return 0;
}

/* __parse_bitfield_probe_arg(): bW@O/C adds MOD_BF after the store. */
static int parse_bitfield(const char *bf, const struct tp_type_info *info,
			  struct fetch_insn **pcode, struct tp_type *type)
{
	struct fetch_insn *code = *pcode;
	uint64_t bw, bo, bits = 8 * (uint64_t)info->size;
	const char *tail;

	if (*bf != 'b')
		return 0;
	bw = k_simple_strtoull(bf + 1, &tail, 0);
	if (bw == 0 || *tail != '@')
		return -EINVAL;
	bf = tail + 1;
	bo = k_simple_strtoull(bf, &tail, 0);
	if (tail == bf || *tail != '/')
		return -EINVAL;
	code++;
	if (code->op != OP_NOP)
		return -EINVAL;
	*pcode = code;
	code->op = FETCH_OP_MOD_BF;
	code->size = info->size;
	code->lshift = (uint8_t)(bits - (bw + bo));
	code->rshift = (uint8_t)(bits - bw);
	type->kind = TP_TYPE_BITFIELD;
	type->bf_width = (uint8_t)bw;
	type->bf_offset = (uint8_t)bo;
	return bits < bw + bo ? -EINVAL : 0;
}

/* finalize_fetch_insn(): the store, the modifier and the loop. */
static int finalize(struct actx *a, struct fetch_insn *code, const struct tp_type_info *info,
		    unsigned count, const char *type, int type_offset, struct tp_type *ptype)
{
	struct fetch_insn *scode;
	int ret;

	if (info->kind == TP_TYPE_STRING || info->kind == TP_TYPE_USTRING) {
		if (code->op != FETCH_OP_DEREF && code->op != OP_UDEREF &&
		    code->op != FETCH_OP_IMM && code->op != FETCH_OP_COMM &&
		    code->op != FETCH_OP_DATA) {
			err(a, a->offset + type_offset, TP_ERR_BAD_STRING);
			return -EINVAL;
		}
		/* IMM, COMM and DATA are the string's address; an array's are pointers */
		if (code->op == FETCH_OP_IMM || code->op == FETCH_OP_COMM ||
		    code->op == FETCH_OP_DATA || count) {
			code++;
			if (code->op != OP_NOP) {
				err(a, a->offset, TP_ERR_TOO_MANY_OPS);
				return -EINVAL;
			}
			code->param = 0;
		}
		if (info->kind == TP_TYPE_USTRING || code->op == OP_UDEREF)
			code->op = FETCH_OP_ST_USTRING;
		else
			code->op = FETCH_OP_ST_STRING;
		code->size = info->size;
	} else if (code->op == FETCH_OP_DEREF) {
		code->op = FETCH_OP_ST_MEM;
		code->size = info->size;
	} else if (code->op == OP_UDEREF) {
		code->op = OP_ST_UMEM;
		code->size = info->size;
	} else {
		code++;
		if (code->op != OP_NOP) {
			err(a, a->offset, TP_ERR_TOO_MANY_OPS);
			return -E2BIG;
		}
		code->op = FETCH_OP_ST_RAW;
		code->size = info->size;
	}
	scode = code;

	if (type) {
		ret = parse_bitfield(type, info, &code, ptype);
		if (ret) {
			err(a, a->offset + type_offset, TP_ERR_BAD_BITFIELD);
			return ret;
		}
	}

	if (count) {
		if (scode->op != FETCH_OP_ST_MEM && scode->op != FETCH_OP_ST_STRING &&
		    scode->op != FETCH_OP_ST_USTRING) {
			err(a, a->offset + type_offset, TP_ERR_BAD_STRING);
			return -EINVAL;
		}
		code++;
		if (code->op != OP_NOP) {
			err(a, a->offset, TP_ERR_TOO_MANY_OPS);
			return -E2BIG;
		}
		code->op = FETCH_OP_LP_ARRAY;
		code->param = count;
	}
	code++;
	code->op = FETCH_OP_END;
	return 0;
}

/* The compiled program as the interpreter expects it: only fetch.h's ops. */
static void emit(const struct actx *a, struct fetch_prog *prog)
{
	memset(prog, 0, sizeof(*prog));
	for (int i = 0; i < FETCH_INSN_MAX; i++) {
		struct fetch_insn in = a->insn[i];

		if (in.op == OP_NOP || in.op == FETCH_OP_END)
			break;
		if (in.op == OP_UDEREF)
			in.op = FETCH_OP_DEREF;
		else if (in.op == OP_ST_UMEM)
			in.op = FETCH_OP_ST_MEM;
		prog->insn[i] = in;
	}
}

/* traceprobe_parse_probe_arg_body(): everything after NAME=. */
static int parse_body(struct actx *a, const char *body, struct tp_arg *parg)
{
	const struct tp_type_info *info;
	struct fetch_insn *code;
	size_t len = strlen(body);
	unsigned count;
	char *arg, *type;
	int ret;

	if (len > TP_ARG_BODY_MAX) {
		err(a, a->offset, TP_ERR_ARG_TOO_LONG);
		return -E2BIG;
	}
	if (len == 0) {
		err(a, a->offset, TP_ERR_NO_ARG_BODY);
		return -EINVAL;
	}
	parg->text = strdup(body);
	arg = strdup(body);
	if (!parg->text || !arg) {
		free(arg);
		return -ENOMEM;
	}

	ret = parse_type(a, arg, &type, &count, &info);
	if (ret)
		goto out;
	parg->type = (struct tp_type){ .kind = info->kind, .size = info->size, .count = (uint8_t)count };

	for (int i = 0; i < FETCH_INSN_MAX; i++)
		a->insn[i] = (struct fetch_insn){ .op = OP_NOP };
	END_SLOT(a)->op = FETCH_OP_END;
	code = a->insn;
	ret = parse_value(a, arg, &code);
	if (ret)
		goto out;

	parg->offset = (a->c->is_return ? TP_RETURN_HDR : TP_ENTRY_HDR) + *a->c->size;
	*a->c->size += info->size * (count ? count : 1);
	if (*a->c->size > TP_MAX_EVENT_SIZE) {
		err(a, a->offset, TP_ERR_EVENT_TOO_BIG);
		ret = -E2BIG;
		goto out;
	}

	ret = finalize(a, code, info, count, type, type ? (int)(type - arg) : 0, &parg->type);
	if (!ret)
		emit(a, &parg->prog);
out:
	free(arg);
	return ret;
}

/* "argN", the kernel's name for the unnamed argument @n (from 1): a printf cost more than the parse. */
static void default_name(char *out, unsigned n)
{
	char digits[12];
	int k = 0;

	do
		digits[k++] = (char)('0' + n % 10);
	while ((n /= 10));
	memcpy(out, "arg", 3);
	out += 3;
	while (k)
		*out++ = digits[--k];
	*out = 0;
}

int tp_parse_arg(struct tp_arg_ctx *ctx, struct tp_arg *args, int i, const char *text)
{
	struct tp_arg *parg = &args[i];
	struct actx a = { .c = ctx };
	const char *body = strchr(text, '=');

	if (body) {
		if (body - text > TP_ARG_NAME_MAX) {
			tp_log_err(ctx->log, 0, TP_ERR_ARG_NAME_TOO_LONG);
			return -EINVAL;
		}
		if (body == text) {
			tp_log_err(ctx->log, 0, TP_ERR_NO_ARG_NAME);
			return -EINVAL;
		}
		memcpy(parg->name, text, (size_t)(body - text));
		parg->name[body - text] = '\0';
		body++;
	} else {
		default_name(parg->name, (unsigned)i + 1);
		body = text;
	}
	if (!tp_is_good_name(parg->name)) {
		tp_log_err(ctx->log, 0, TP_ERR_BAD_ARG_NAME);
		return -EINVAL;
	}
	if (name_taken(parg->name, args, i)) {
		tp_log_err(ctx->log, 0, TP_ERR_USED_ARG_NAME);
		return -EINVAL;
	}
	a.offset = (int)(body - text);
	return parse_body(&a, body, parg);
}

void tp_arg_release(struct tp_arg *arg)
{
	free(arg->text);
	arg->text = NULL;
}
