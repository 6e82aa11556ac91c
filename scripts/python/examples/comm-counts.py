# SPDX-License-Identifier: GPL-2.0-or-later
# Hits per process name and event.
#
#   xol script -i xol.data -s scripts/python/examples/comm-counts.py
#   perf script -i xol.data -s scripts/python/examples/comm-counts.py
#
# Every event goes to trace_unhandled, so one handler serves any recording.

import os
import sys

sys.path.append(os.environ['PERF_EXEC_PATH'] +
                '/scripts/python/Perf-Trace-Util/lib/Perf/Trace')
from Core import autodict

counts = autodict()


def trace_unhandled(event_name, context, fields):
    comm = fields['common_comm']
    try:
        counts[comm][event_name] += 1
    except TypeError:
        counts[comm][event_name] = 1


def trace_end():
    print("%-16s %-32s %10s" % ("comm", "event", "hits"))
    for comm in sorted(counts):
        for event in sorted(counts[comm]):
            print("%-16s %-32s %10d" % (comm, event, counts[comm][event]))
