# SPDX-License-Identifier: GPL-2.0-or-later
# Util.py: perf's Perf-Trace-Util time, statistics and errno helpers, written for xol.

import errno
import os
import sys

NSECS_PER_SEC = 1000000000

FUTEX_WAIT = 0
FUTEX_WAKE = 1
FUTEX_PRIVATE_FLAG = 128
FUTEX_CLOCK_REALTIME = 256
FUTEX_CMD_MASK = ~(FUTEX_PRIVATE_FLAG | FUTEX_CLOCK_REALTIME)


def avg(total, n):
    return total / n


def nsecs(secs, nsecs):
    return secs * NSECS_PER_SEC + nsecs


def nsecs_secs(nsecs):
    # true division, as under perf: nsecs_str() formats it with %u
    return nsecs / NSECS_PER_SEC


def nsecs_nsecs(nsecs):
    return nsecs % NSECS_PER_SEC


def nsecs_str(nsecs):
    return "%5u.%09u" % (nsecs_secs(nsecs), nsecs_nsecs(nsecs))


def add_stats(dict, key, value):
    """dict[key] = (min, max, avg, count); avg is perf's running (avg + value) / 2."""
    if key not in dict:
        dict[key] = (value, value, value, 1)
        return
    lo, hi, mean, count = dict[key]
    if value < lo:
        lo = value
    if value > hi:
        hi = value
    mean = (mean + value) / 2
    dict[key] = (lo, hi, mean, count + 1)


def clear_term():
    print("\x1b[H\x1b[2J")


try:
    import audit
    _machine = audit.audit_detect_machine()

    def syscall_name(id):
        try:
            return audit.audit_syscall_to_name(id, _machine)
        except Exception:
            return str(id)
except Exception:
    def syscall_name(id):
        # the audit module is not installed: numbers only
        return str(id)


def strerror(nr):
    try:
        return errno.errorcode[abs(nr)]
    except KeyError:
        return "Unknown %d errno" % nr
