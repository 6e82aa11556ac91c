# SPDX-License-Identifier: GPL-2.0-or-later
# xol: uprobes in user space.  `make` builds into build/; `make check` runs every test.

PREFIX  ?= /usr/local
DESTDIR ?=
O       := build

CC      ?= cc
CFLAGS  ?= -O2 -g
XCFLAGS := -std=gnu11 -Wall -Wextra -Werror -fPIC -D_GNU_SOURCE \
	   -I. -Iinclude -fvisibility=hidden
# libdw and libelf are linked in when their archives are installed (libdw-dev
# has them): as six more shared objects to load, they took more of a run of
# `xol probe` (1 ms) than resolving a hundred probes does.
# (all of them: libdw.a and what it needs, zlib, lzma and bz2 in scripts/install-deps)
ELF_STATIC := $(filter-out -lpthread,$(shell pkg-config --static --libs-only-l libdw))
ELF_ARCHIVES := $(foreach l,$(sort $(patsubst -l%,%,$(ELF_STATIC))),\
		$(filter /%,$(shell $(CC) -print-file-name=lib$(l).a)))
ifeq ($(words $(ELF_ARCHIVES)),$(words $(sort $(ELF_STATIC))))
LDLIBS_ELF  := -Wl,-Bstatic $(ELF_STATIC) -Wl,-Bdynamic
else
LDLIBS_ELF  := -lelf -ldw
endif
# libZydis is linked into the agent and the tests; the xol command opens it when
# it first decodes an instruction (tools/xol/zydis.c): probe, events, script and
# report never do, and loading it took 0.08 ms of each of their runs.
ZYDIS_SONAME := $(shell objdump -p $$($(CC) -print-file-name=libZydis.so) 2>/dev/null | \
		  awk '$$1 == "SONAME" { print $$2 }')
LDLIBS_TOOL := $(LDLIBS_ELF) -lpthread -ldl
LDLIBS_TEST := $(LDLIBS_TOOL) -lZydis

# SAN=1: AddressSanitizer + UndefinedBehaviorSanitizer for the tool and tests.
ifeq ($(SAN),1)
export LSAN_OPTIONS := suppressions=$(abspath selftests/lsan.supp):print_suppressions=0
O       := build/san
XCFLAGS += -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
LDFLAGS += -fsanitize=address,undefined
endif

ifeq ($(V),1)
Q :=
msg = @true
else
Q := @
msg = @printf '  %-7s %s\n' $(1) $(2)
endif

# --- sources, one layer per folder ---------------------------------------
TRACE_SRCS := $(wildcard trace/*.c)
ARCH_SRCS  := $(wildcard arch/x86/*.c)
ARCH_ASM   := $(wildcard arch/x86/*.S)
# core/nolibc*.c are the static agent's libc: in no other object
NOLIBC_SRC := core/nolibc.c core/nolibc-next.c
CORE_SRCS  := $(filter-out $(NOLIBC_SRC),$(wildcard core/*.c))
TOOL_SRCS  := $(wildcard tools/xol/*.c)
# script engines: embedded CPython and Lua 5.4, in xol-script.so, which only
# `xol script` opens (linked into xol, they would slow every command's start)
SCRIPT_SRCS := $(wildcard scripts/*.c scripts/*/*.c)
SCRIPT_CFLAGS := $(shell pkg-config --cflags python3-embed lua5.4)
SCRIPT_LIBS := $(shell pkg-config --libs python3-embed lua5.4)

obj = $(patsubst %.c,$(O)/obj/%.o,$(filter %.c,$(1))) \
      $(patsubst %.S,$(O)/obj/%.o,$(filter %.S,$(1)))

LIB_OBJS   := $(call obj,$(TRACE_SRCS) $(ARCH_SRCS) $(ARCH_ASM) core/ring.c)
TOOL_OBJS  := $(call obj,$(TOOL_SRCS))
SCRIPT_OBJS:= $(call obj,$(SCRIPT_SRCS))
$(SCRIPT_OBJS): XCFLAGS += $(SCRIPT_CFLAGS)
$(O)/obj/tools/xol/zydis.o: XCFLAGS += -DZYDIS_SONAME='"$(ZYDIS_SONAME)"'
AGENT_OBJS := $(patsubst $(O)/obj/%,$(O)/agent/%,$(call obj,$(CORE_SRCS) $(ARCH_SRCS) $(ARCH_ASM)))

# The agent runs inside other programs: its hit path must not touch vector
# registers, and nothing of it may be visible but its entry points.
AGENT_CFLAGS := -mgeneral-regs-only -fno-stack-protector -fno-omit-frame-pointer \
		-DXOL_AGENT

# The static agent: the same objects built again with XOL_NOLIBC, and
# core/nolibc.c for a libc.  xol maps it into static programs itself, so it
# may import nothing but Zydis (whose own imports it gives).
AGENT_STATIC_OBJS := $(patsubst $(O)/agent/%,$(O)/agent-static/%,$(AGENT_OBJS)) \
		     $(O)/agent-static/core/nolibc.o $(O)/agent-static/core/nolibc-next.o
# no loop of nolibc.c may become a call to the memset it defines
NOLIBC_CFLAGS := -ffreestanding -fno-tree-loop-distribute-patterns

UNIT_SRCS  := $(wildcard selftests/unit/*.c)
UNIT_BINS  := $(patsubst selftests/unit/%.c,$(O)/selftests/%.t,$(UNIT_SRCS))
TARGET_SRCS:= $(wildcard selftests/targets/*.c)

.PHONY: all deps check demo install clean fuzz bench unit targets
all: $(O)/xol $(O)/xol-script.so $(O)/libxol.a $(if $(CORE_SRCS),$(O)/libxol-agent.so $(O)/xol-agent-static.so)

deps:
	@scripts/install-deps

$(O)/obj/%.o: %.c
	$(call msg,CC,$<)
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(CFLAGS) $(XCFLAGS) -MMD -MP -c -o $@ $<

$(O)/obj/%.o: %.S
	$(call msg,AS,$<)
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(CFLAGS) $(XCFLAGS) -MMD -MP -c -o $@ $<

$(O)/agent/%.o: %.c
	$(call msg,CC,$< [agent])
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(filter-out -fsanitize%,$(CFLAGS) $(XCFLAGS)) $(AGENT_CFLAGS) -MMD -MP -c -o $@ $<

$(O)/agent/%.o: %.S
	$(call msg,AS,$< [agent])
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(filter-out -fsanitize%,$(CFLAGS) $(XCFLAGS)) -MMD -MP -c -o $@ $<

$(O)/agent-static/%.o: %.c
	$(call msg,CC,$< [static agent])
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(filter-out -fsanitize%,$(CFLAGS) $(XCFLAGS)) $(AGENT_CFLAGS) -DXOL_NOLIBC -MMD -MP -c -o $@ $<

$(O)/agent-static/%.o: %.S
	$(call msg,AS,$< [static agent])
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(filter-out -fsanitize%,$(CFLAGS) $(XCFLAGS)) -DXOL_NOLIBC -MMD -MP -c -o $@ $<

$(O)/agent-static/core/nolibc.o: AGENT_CFLAGS += $(NOLIBC_CFLAGS)

$(O)/libxol.a: $(LIB_OBJS)
	$(call msg,AR,$@)
	$(Q)rm -f $@ && ar rcs $@ $^

$(O)/xol: $(TOOL_OBJS) $(O)/libxol.a
	$(call msg,LD,$@)
	$(Q)$(CC) $(LDFLAGS) -o $@.tmp $^ $(LDLIBS_TOOL) && mv -f $@.tmp $@

$(O)/xol-script.so: $(SCRIPT_OBJS) $(O)/libxol.a
	$(call msg,LD,$@)
	$(Q)$(CC) -shared $(LDFLAGS) -Wl,-z,defs -o $@.tmp $^ $(SCRIPT_LIBS) && mv -f $@.tmp $@

# Linked aside and renamed: programs traced while it is rebuilt keep a whole file.
$(O)/libxol-agent.so: $(AGENT_OBJS)
	$(call msg,LD,$@)
	$(Q)$(CC) -shared -Wl,-z,now -Wl,-z,defs -o $@.tmp $^ -lZydis -ldl -lpthread && mv -f $@.tmp $@

# No libc, no start files (they would import __cxa_finalize and the like);
# linked and renamed only if Zydis is all it imports.
$(O)/xol-agent-static.so: $(AGENT_STATIC_OBJS) selftests/static-agent-imports
	$(call msg,LD,$@)
	$(Q)$(CC) -shared -nostdlib -Wl,-Bsymbolic -Wl,-z,now -o $@.tmp $(AGENT_STATIC_OBJS) -lZydis \
		&& selftests/static-agent-imports $@.tmp && mv -f $@.tmp $@

# --- tests ----------------------------------------------------------------
$(O)/selftests/%.t: selftests/unit/%.c $(O)/libxol.a
	$(call msg,CC,$<)
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(CFLAGS) $(XCFLAGS) $(LDFLAGS) -MMD -MP -o $@ $< $(O)/libxol.a $(LDLIBS_TEST)

# 6x: the script engines, linked in
$(O)/selftests/6%.t: selftests/unit/6%.c $(SCRIPT_OBJS) $(O)/libxol.a
	$(call msg,CC,$<)
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(CFLAGS) $(XCFLAGS) $(SCRIPT_CFLAGS) $(LDFLAGS) -MMD -MP -o $@ $< $(SCRIPT_OBJS) $(O)/libxol.a \
		$(LDLIBS_TEST) $(SCRIPT_LIBS)

# 40-nolibc: nolibc.c with its names prefixed (xnl_memcpy), beside glibc
$(O)/selftests/nolibc.o: $(NOLIBC_SRC)
	$(call msg,CC,$< [prefixed])
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(filter-out -fsanitize%,$(CFLAGS) $(XCFLAGS)) $(AGENT_CFLAGS) $(NOLIBC_CFLAGS) \
		-DNOLIBC_PREFIX=xnl_ -MMD -MP -c -o $@ $<

$(O)/selftests/40%.t: selftests/unit/40%.c $(O)/selftests/nolibc.o
	$(call msg,CC,$<)
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(CFLAGS) $(XCFLAGS) -DNOLIBC_PREFIX=xnl_ $(LDFLAGS) -MMD -MP -o $@ $< \
		$(O)/selftests/nolibc.o -lpthread

unit: $(UNIT_BINS)

targets:
	$(Q)$(MAKE) -s -C selftests/targets O=$(abspath $(O))/targets

check: deps
	$(Q)$(MAKE) all unit targets
	$(Q)XOL_BUILD=$(abspath $(O)) prove -j2 --timer $(O)/selftests/*.t selftests/*.t

fuzz: deps
	$(Q)$(MAKE) -C selftests/fuzz O=$(abspath build)/fuzz run FUZZ_SECONDS=$${FUZZ_SECONDS:-300}

demo: deps
	$(Q)$(MAKE) all targets
	$(Q)sh selftests/demo.sh $(abspath $(O))

bench:
	@scripts/install-deps --bench
	$(Q)$(MAKE) all targets
	$(Q)bash bench/run $(abspath $(O))

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/lib $(DESTDIR)$(PREFIX)/include/xol \
		$(DESTDIR)$(PREFIX)/share/doc/xol
	install -m 755 $(O)/xol $(DESTDIR)$(PREFIX)/bin/xol
	install -m 644 $(O)/libxol.a $(DESTDIR)$(PREFIX)/lib/
	[ ! -f $(O)/libxol-agent.so ] || install -m 755 $(O)/libxol-agent.so $(DESTDIR)$(PREFIX)/lib/
	[ ! -f $(O)/xol-agent-static.so ] || install -m 755 $(O)/xol-agent-static.so $(DESTDIR)$(PREFIX)/lib/
	install -m 644 include/xol/*.h $(DESTDIR)$(PREFIX)/include/xol/
	install -m 644 Documentation/*.md $(DESTDIR)$(PREFIX)/share/doc/xol/
	# the script engines' helpers, where xol looks: ../libexec/xol from bin/
	install -d $(DESTDIR)$(PREFIX)/libexec/xol/scripts/python/Perf-Trace-Util/lib/Perf/Trace \
		$(DESTDIR)$(PREFIX)/libexec/xol/scripts/lua
	install -m 644 scripts/python/Perf-Trace-Util/lib/Perf/Trace/*.py \
		$(DESTDIR)$(PREFIX)/libexec/xol/scripts/python/Perf-Trace-Util/lib/Perf/Trace/
	install -m 644 scripts/lua/xol.lua $(DESTDIR)$(PREFIX)/libexec/xol/scripts/lua/
	install -m 755 $(O)/xol-script.so $(DESTDIR)$(PREFIX)/libexec/xol/

clean:
	rm -rf build

-include $(shell find $(O) -name '*.d' 2>/dev/null)
