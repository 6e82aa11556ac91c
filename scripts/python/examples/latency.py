# SPDX-License-Identifier: GPL-2.0-or-later
# Time from each function's entry event to its return event, per thread,
# with recursion: entry pushes, return pops the innermost activation.
#
#   xol record -e 'p:app/f BIN:OFF' -e 'r:app/f_ret BIN:OFF' -- BIN
#   xol script -s scripts/python/examples/latency.py
#
# An entry event's __probe_ip and a return event's __probe_func are the
# same address: that pairs them.  Prints count/min/avg/max and a log2
# histogram of nanoseconds per function.

stacks = {}    # (tid, func) -> [entry times]
latency = {}   # func -> [ns, ...]
unmatched = 0


def trace_unhandled(event_name, context, f):
    global unmatched
    t = f['common_s'] * 1000000000 + f['common_ns']
    if '__probe_ip' in f:
        stacks.setdefault((f['common_pid'], f['__probe_ip']), []).append(t)
    elif '__probe_func' in f:
        stack = stacks.get((f['common_pid'], f['__probe_func']))
        if not stack:
            unmatched += 1
            return
        latency.setdefault(f['__probe_func'], []).append(t - stack.pop())


def log2(v):
    return v.bit_length() if v >= 0 else -1


def human(n):
    units = ["", "K", "M", "G", "T", "P", "E"]
    i = 0
    while n >= 1024 and n % 1024 == 0 and i < len(units) - 1:
        n //= 1024
        i += 1
    return "%d%s" % (n, units[i])


def label(b):
    if b < 0:
        return "(..., 0)"
    if b <= 1:
        return "[%d]" % b
    return "[%s, %s)" % (human(1 << (b - 1)), human(1 << b))


def print_hist(values, width=52):
    buckets = {}
    for v in values:
        b = log2(v)
        buckets[b] = buckets.get(b, 0) + 1
    most = max(buckets.values())
    for b in range(min(buckets), max(buckets) + 1):
        c = buckets.get(b, 0)
        bar = c * width // most
        print("%-16s %8d |%s%s|" % (label(b), c, "@" * bar, " " * (width - bar)))


def trace_end():
    for func in sorted(latency):
        ns = latency[func]
        print("function 0x%x: calls=%d min=%d avg=%d max=%d ns" %
              (func, len(ns), min(ns), sum(ns) // len(ns), max(ns)))
        print_hist(ns)
    if unmatched:
        print("returns without an entry: %d" % unmatched)
