# SPDX-License-Identifier: GPL-2.0-or-later
# Core.py: perf's Perf-Trace-Util helpers for handler scripts, written for xol.
#
# Nested tables that create themselves, and the flag/symbol decoding that
# perf's engine feeds through the define_* hooks.  Scripts import it as
# they do under perf:
#
#   sys.path.append(os.environ['PERF_EXEC_PATH'] + \
#       '/scripts/python/Perf-Trace-Util/lib/Perf/Trace')
#   from Core import *

from collections import defaultdict


def autodict():
    """A dict whose missing keys become autodicts: d[a][b][c] = 1 just works."""
    return defaultdict(autodict)


flag_fields = autodict()
symbolic_fields = autodict()


def define_flag_field(event_name, field_name, delim):
    flag_fields[event_name][field_name]['delim'] = delim


def define_flag_value(event_name, field_name, value, field_str):
    flag_fields[event_name][field_name]['values'][value] = field_str


def define_symbolic_field(event_name, field_name):
    # nothing to remember until a value is defined
    pass


def define_symbolic_value(event_name, field_name, value, field_str):
    symbolic_fields[event_name][field_name]['values'][value] = field_str


def flag_str(event_name, field_name, value):
    """The names of the flags set in value, in ascending order, joined by the delimiter."""
    field = flag_fields[event_name][field_name]
    if not field:
        return ""
    names = field['values']
    delim = field['delim']
    out = ""
    for flag in sorted(names):
        if flag == 0:
            if not value:
                return out + names[flag]
            continue
        if value & flag == flag:
            if out and delim:
                out += " " + delim + " "
            out += names[flag]
            value &= ~flag
    return out


def symbol_str(event_name, field_name, value):
    """The name defined for exactly this value, or ""."""
    field = symbolic_fields[event_name][field_name]
    if not field:
        return ""
    for sym in sorted(field['values']):
        if sym == value:
            return field['values'][sym]
    return ""


trace_flags = {
    0x00: "NONE",
    0x01: "IRQS_OFF",
    0x02: "IRQS_NOSUPPORT",
    0x04: "NEED_RESCHED",
    0x08: "HARDIRQ",
    0x10: "SOFTIRQ",
}


def trace_flag_str(value):
    """common_flags(context) as names joined by " | "."""
    if not value:
        return trace_flags[0]
    out = []
    for flag in sorted(trace_flags):
        if flag and value & flag:
            out.append(trace_flags[flag])
            value &= ~flag
    return " | ".join(out)


def taskState(state):
    states = {0: "R", 1: "S", 2: "D", 64: "DEAD"}
    return states.get(state, "Unknown")


class EventHeaders:
    """The common_* handler arguments kept together."""

    def __init__(self, common_cpu, common_secs, common_nsecs,
                 common_pid, common_comm, common_callchain):
        self.cpu = common_cpu
        self.secs = common_secs
        self.nsecs = common_nsecs
        self.pid = common_pid
        self.comm = common_comm
        self.callchain = common_callchain

    def ts(self):
        return (self.secs * 1000000000) + self.nsecs

    def ts_format(self):
        return "%d.%d" % (self.secs, int(self.nsecs / 1000))
