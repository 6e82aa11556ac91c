# SPDX-License-Identifier: GPL-2.0-or-later
# Hits per value of one argument, for every event that has it.
#
#   xol script -i xol.data -s scripts/python/examples/arg-counts.py FIELD
#
# Values print as Python prints them; the most frequent first.

import sys

field = sys.argv[1] if len(sys.argv) > 1 else None
counts = {}


def trace_unhandled(event_name, context, fields):
    if field not in fields:
        return
    value = fields[field]
    if isinstance(value, bytearray):
        value = bytes(value)  # a bytearray cannot be a key
    key = (event_name, value)
    counts[key] = counts.get(key, 0) + 1


def trace_end():
    print("%-32s %-24s %10s" % ("event", field, "hits"))
    for (event, value), n in sorted(counts.items(),
                                    key=lambda kv: (-kv[1], kv[0][0], str(kv[0][1]))):
        print("%-32s %-24s %10d" % (event, value, n))
