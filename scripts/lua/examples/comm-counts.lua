-- SPDX-License-Identifier: GPL-2.0-or-later
-- Hits per process name and event (the Lua twin of comm-counts.py).
--
--   xol script -i xol.data -s scripts/lua/examples/comm-counts.lua

local counts = xol.autodict()

function trace_unhandled(event_name, context, fields)
	local per = counts[fields.common_comm]
	per[event_name] = (rawget(per, event_name) or 0) + 1
end

local function sorted_keys(t)
	local keys = {}
	for k in pairs(t) do keys[#keys + 1] = k end
	table.sort(keys)
	return keys
end

function trace_end()
	print(string.format("%-16s %-32s %10s", "comm", "event", "hits"))
	for _, comm in ipairs(sorted_keys(counts)) do
		for _, event in ipairs(sorted_keys(counts[comm])) do
			print(string.format("%-16s %-32s %10d", comm, event, counts[comm][event]))
		end
	end
end
