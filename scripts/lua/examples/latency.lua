-- SPDX-License-Identifier: GPL-2.0-or-later
-- Entry to return time per function and thread, recursion included (the
-- Lua twin of latency.py): an entry event's __probe_ip and a return
-- event's __probe_func are the same address.
--
--   xol script -i xol.data -s scripts/lua/examples/latency.lua

local stacks = {}    -- "tid:func" -> { entry times }
local latency = {}   -- func -> { hist, n, min, max, sum }
local unmatched = 0

function trace_unhandled(event_name, context, f)
	local t = f.common_s * xol.NSECS_PER_SEC + f.common_ns
	if f.__probe_ip then
		local key = f.common_pid .. ":" .. f.__probe_ip
		local stack = stacks[key] or {}
		stacks[key] = stack
		stack[#stack + 1] = t
	elseif f.__probe_func then
		local stack = stacks[f.common_pid .. ":" .. f.__probe_func]
		if not stack or #stack == 0 then
			unmatched = unmatched + 1
			return
		end
		local ns = t - table.remove(stack)
		local l = latency[f.__probe_func]
		if not l then
			l = { hist = xol.hist(), n = 0, sum = 0, min = ns, max = ns }
			latency[f.__probe_func] = l
		end
		l.hist:add(ns)
		l.n, l.sum = l.n + 1, l.sum + ns
		if ns < l.min then l.min = ns end
		if ns > l.max then l.max = ns end
	end
end

function trace_end()
	local funcs = {}
	for func in pairs(latency) do funcs[#funcs + 1] = func end
	table.sort(funcs, function(a, b) return math.ult(a, b) end)
	for _, func in ipairs(funcs) do
		local l = latency[func]
		print(string.format("function 0x%x: calls=%d min=%d avg=%d max=%d ns",
			func, l.n, l.min, l.sum // l.n, l.max))
		l.hist:print()
	end
	if unmatched > 0 then
		print(string.format("returns without an entry: %d", unmatched))
	end
end
