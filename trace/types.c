// SPDX-License-Identifier: GPL-2.0-or-later
/* The fetch types: how each `:TYPE` is stored, declared in `format` and printed. */
#include <string.h>

#include "internal.h"

/*
 * The kernel's probe_fetch_types[] for uprobes: symbol and symstr exist
 * there but are refused for uprobes (BAD_TYPE), so they are not here.
 * An xN is stored and declared as uN and only printed in hex.
 */
static const struct tp_type_info types[] = {
	{ "string",  TP_TYPE_STRING,  4, true,  "__data_loc char[]", "\\\"%s\\\"" },
	{ "ustring", TP_TYPE_USTRING, 4, true,  "__data_loc char[]", "\\\"%s\\\"" },
	{ "u8",      TP_TYPE_U,       1, false, "u8",  "%u" },
	{ "u16",     TP_TYPE_U,       2, false, "u16", "%u" },
	{ "u32",     TP_TYPE_U,       4, false, "u32", "%u" },
	{ "u64",     TP_TYPE_U,       8, false, "u64", "%Lu" },
	{ "s8",      TP_TYPE_S,       1, true,  "s8",  "%d" },
	{ "s16",     TP_TYPE_S,       2, true,  "s16", "%d" },
	{ "s32",     TP_TYPE_S,       4, true,  "s32", "%d" },
	{ "s64",     TP_TYPE_S,       8, true,  "s64", "%Ld" },
	{ "x8",      TP_TYPE_X,       1, false, "u8",  "0x%x" },
	{ "x16",     TP_TYPE_X,       2, false, "u16", "0x%x" },
	{ "x32",     TP_TYPE_X,       4, false, "u32", "0x%x" },
	{ "x64",     TP_TYPE_X,       8, false, "u64", "0x%Lx" },
	{ "char",    TP_TYPE_CHAR,    1, false, "u8",  "'%c'" },
};

#define NTYPES (sizeof(types) / sizeof(types[0]))

static const struct tp_type_info *by_name(const char *name)
{
	for (size_t i = 0; i < NTYPES; i++)
		if (types[i].name[0] == name[0] && !strcmp(types[i].name, name))
			return &types[i];
	return NULL;
}

static const struct tp_type_info *unsigned_of_size(unsigned size)
{
	switch (size) {
	case 1: return by_name("u8");
	case 2: return by_name("u16");
	case 4: return by_name("u32");
	case 8: return by_name("u64");
	}
	return NULL;
}

const struct tp_type_info *tp_type_find(const char *name)
{
	uint64_t bits;

	if (!name)
		return by_name("x64");
	/* a bitfield bW@O/C is found by its container alone: C = 8/16/32/64 */
	if (*name == 'b') {
		name = strchr(name, '/');
		if (!name || k_strtoull(name + 1, 0, &bits))
			return NULL;
		if (bits != 8 && bits != 16 && bits != 32 && bits != 64)
			return NULL;
		return unsigned_of_size((unsigned)bits / 8);
	}
	return by_name(name);
}

const struct tp_type_info *tp_type_info(const struct tp_type *t)
{
	for (size_t i = 0; i < NTYPES; i++)
		if (types[i].kind == t->kind && types[i].size == t->size)
			return &types[i];
	if (t->kind == TP_TYPE_BITFIELD)
		return unsigned_of_size(t->size);
	return NULL;
}

bool tp_type_same(const struct tp_type *a, const struct tp_type *b)
{
	return tp_type_info(a) == tp_type_info(b) && a->count == b->count;
}
