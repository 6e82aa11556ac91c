// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * libZydis for the xol command, loaded when an instruction is first decoded,
 * encoded or printed: probe, events, script and report never do, and
 * loading it with the program (mappings, 2,500 relocations) took 0.08 ms
 * of each of their runs.  The arch layer calls these as it calls the
 * library's own, which each forwards to; the agent links the library as
 * usual.
 */
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#include <Zydis/Zydis.h>

#include "zydis.h"

static struct {
	ZyanStatus (*decoder_init)(ZydisDecoder *, ZydisMachineMode, ZydisStackWidth);
	ZyanStatus (*decode_full)(const ZydisDecoder *, const void *, ZyanUSize, ZydisDecodedInstruction *,
				  ZydisDecodedOperand *);
	ZyanStatus (*to_request)(const ZydisDecodedInstruction *, const ZydisDecodedOperand *, ZyanU8,
				 ZydisEncoderRequest *);
	ZyanStatus (*encode)(const ZydisEncoderRequest *, void *, ZyanUSize *);
	ZyanStatus (*formatter_init)(ZydisFormatter *, ZydisFormatterStyle);
	ZyanStatus (*formatter_set)(ZydisFormatter *, ZydisFormatterProperty, ZyanUPointer);
	ZyanStatus (*format)(const ZydisFormatter *, const ZydisDecodedInstruction *,
			     const ZydisDecodedOperand *, ZyanU8, char *, ZyanUSize, ZyanU64, void *);
	ZyanI8 (*reg_id)(ZydisRegister);
	ZydisRegisterClass (*reg_class)(ZydisRegister);
	ZydisRegister (*reg_largest)(ZydisMachineMode, ZydisRegister);
	ZyanStatus (*abs_address)(const ZydisDecodedInstruction *, const ZydisDecodedOperand *, ZyanU64,
				  ZyanU64 *);
} z;

static pthread_once_t z_once = PTHREAD_ONCE_INIT;

/* The library's @name; a library that will not load ends xol, as a missing one did at its start. */
static void *sym(void *lib, const char *name)
{
	void *f = lib ? dlsym(lib, name) : NULL;

	if (!f) {
		fprintf(stderr, "xol: %s: %s\n", ZYDIS_SONAME, dlerror());
		exit(127);
	}
	return f;
}

static void load(void)
{
	void *lib = dlopen(ZYDIS_SONAME, RTLD_NOW | RTLD_LOCAL);

	*(void **)&z.decoder_init = sym(lib, "ZydisDecoderInit");
	*(void **)&z.decode_full = sym(lib, "ZydisDecoderDecodeFull");
	*(void **)&z.to_request = sym(lib, "ZydisEncoderDecodedInstructionToEncoderRequest");
	*(void **)&z.encode = sym(lib, "ZydisEncoderEncodeInstruction");
	*(void **)&z.formatter_init = sym(lib, "ZydisFormatterInit");
	*(void **)&z.formatter_set = sym(lib, "ZydisFormatterSetProperty");
	*(void **)&z.format = sym(lib, "ZydisFormatterFormatInstruction");
	*(void **)&z.reg_id = sym(lib, "ZydisRegisterGetId");
	*(void **)&z.reg_class = sym(lib, "ZydisRegisterGetClass");
	*(void **)&z.reg_largest = sym(lib, "ZydisRegisterGetLargestEnclosing");
	*(void **)&z.abs_address = sym(lib, "ZydisCalcAbsoluteAddress");
}

ZyanStatus ZydisDecoderInit(ZydisDecoder *decoder, ZydisMachineMode machine_mode, ZydisStackWidth stack_width)
{
	pthread_once(&z_once, load);
	return z.decoder_init(decoder, machine_mode, stack_width);
}

ZyanStatus ZydisDecoderDecodeFull(const ZydisDecoder *decoder, const void *buffer, ZyanUSize length,
				  ZydisDecodedInstruction *instruction,
				  ZydisDecodedOperand operands[ZYDIS_MAX_OPERAND_COUNT])
{
	pthread_once(&z_once, load);
	return z.decode_full(decoder, buffer, length, instruction, operands);
}

ZyanStatus ZydisEncoderDecodedInstructionToEncoderRequest(const ZydisDecodedInstruction *instruction,
							  const ZydisDecodedOperand *operands,
							  ZyanU8 operand_count, ZydisEncoderRequest *request)
{
	pthread_once(&z_once, load);
	return z.to_request(instruction, operands, operand_count, request);
}

ZyanStatus ZydisEncoderEncodeInstruction(const ZydisEncoderRequest *request, void *buffer, ZyanUSize *length)
{
	pthread_once(&z_once, load);
	return z.encode(request, buffer, length);
}

ZyanStatus ZydisFormatterInit(ZydisFormatter *formatter, ZydisFormatterStyle style)
{
	pthread_once(&z_once, load);
	return z.formatter_init(formatter, style);
}

ZyanStatus ZydisFormatterSetProperty(ZydisFormatter *formatter, ZydisFormatterProperty property,
				     ZyanUPointer value)
{
	pthread_once(&z_once, load);
	return z.formatter_set(formatter, property, value);
}

ZyanStatus ZydisFormatterFormatInstruction(const ZydisFormatter *formatter,
					   const ZydisDecodedInstruction *instruction,
					   const ZydisDecodedOperand *operands, ZyanU8 operand_count,
					   char *buffer, ZyanUSize length, ZyanU64 runtime_address,
					   void *user_data)
{
	pthread_once(&z_once, load);
	return z.format(formatter, instruction, operands, operand_count, buffer, length, runtime_address,
			user_data);
}

ZyanI8 ZydisRegisterGetId(ZydisRegister reg)
{
	pthread_once(&z_once, load);
	return z.reg_id(reg);
}

ZydisRegisterClass ZydisRegisterGetClass(ZydisRegister reg)
{
	pthread_once(&z_once, load);
	return z.reg_class(reg);
}

ZydisRegister ZydisRegisterGetLargestEnclosing(ZydisMachineMode mode, ZydisRegister reg)
{
	pthread_once(&z_once, load);
	return z.reg_largest(mode, reg);
}

ZyanStatus ZydisCalcAbsoluteAddress(const ZydisDecodedInstruction *instruction,
				    const ZydisDecodedOperand *operand, ZyanU64 runtime_address,
				    ZyanU64 *result_address)
{
	pthread_once(&z_once, load);
	return z.abs_address(instruction, operand, runtime_address, result_address);
}

const char *zydis_file(void)
{
	Dl_info di;

	pthread_once(&z_once, load);
	return dladdr((void *)z.decoder_init, &di) && di.dli_fname ? di.dli_fname : NULL;
}
