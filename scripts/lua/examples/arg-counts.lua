-- SPDX-License-Identifier: GPL-2.0-or-later
-- Hits per value of one argument, for every event that has it (the Lua
-- twin of arg-counts.py).
--
--   xol script -i xol.data -s scripts/lua/examples/arg-counts.lua FIELD

local field = arg[1]
local counts = {}   -- event -> value -> hits

function trace_unhandled(event_name, context, fields)
	local value = fields[field]
	if value == nil then return end
	local per = counts[event_name] or {}
	counts[event_name] = per
	per[value] = (per[value] or 0) + 1
end

function trace_end()
	local rows = {}
	for event, per in pairs(counts) do
		for value, n in pairs(per) do
			rows[#rows + 1] = { event = event, value = value, n = n }
		end
	end
	table.sort(rows, function(a, b)
		if a.n ~= b.n then return a.n > b.n end
		if a.event ~= b.event then return a.event < b.event end
		return tostring(a.value) < tostring(b.value)
	end)
	print(string.format("%-32s %-24s %10s", "event", field, "hits"))
	for _, r in ipairs(rows) do
		print(string.format("%-32s %-24s %10d", r.event, xol.str(r.value), r.n))
	end
end
