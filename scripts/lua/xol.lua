-- SPDX-License-Identifier: GPL-2.0-or-later
-- xol.lua: helpers for Lua handler scripts, loaded as the global `xol`.
--
-- perf's Core.py/Util.py in Lua (autodict, add_stats, nsecs helpers) plus
-- what a handler usually needs next: counters, top N, log2 histograms.
-- Documented in Documentation/xol-script-lua.md.

local core = require "xol.core"
local M = {}

for k, v in pairs(core) do M[k] = v end

M.NSECS_PER_SEC = 1000000000

-- A table whose missing keys become autodicts: t.a.b.c = 1 just works.
local autodict_mt = {}
autodict_mt.__index = function(t, k)
	local v = setmetatable({}, autodict_mt)
	rawset(t, k, v)
	return v
end

function M.autodict()
	return setmetatable({}, autodict_mt)
end

-- A table whose missing keys read as 0: c[k] = c[k] + 1.
local counter_mt = { __index = function() return 0 end }

function M.counter()
	return setmetatable({}, counter_mt)
end

-- t[key] = { min, max, sum, count, avg }; avg is the true mean (not perf's).
function M.add_stats(t, key, value)
	local s = rawget(t, key)
	if not s or type(s) ~= "table" or not s.count then
		t[key] = { min = value, max = value, sum = value, count = 1, avg = value }
		return
	end
	if value < s.min then s.min = value end
	if value > s.max then s.max = value end
	s.sum = s.sum + value
	s.count = s.count + 1
	s.avg = s.sum / s.count
end

-- The @n entries of @t with the largest values (all if @n is nil), as a
-- sequence of { key = k, value = v }; ties in key order.  @by picks the
-- value to rank by when values are tables (e.g. function(s) return s.count end).
function M.top(t, n, by)
	local all = {}
	for k, v in pairs(t) do
		all[#all + 1] = { key = k, value = v, rank = by and by(v) or v }
	end
	table.sort(all, function(a, b)
		if a.rank ~= b.rank then return a.rank > b.rank end
		return tostring(a.key) < tostring(b.key)
	end)
	local out = {}
	for i = 1, math.min(n or #all, #all) do
		out[i] = { key = all[i].key, value = all[i].value }
	end
	return out
end

-- The log2 bucket of @v: 0 for 0, k for 2^(k-1) <= v < 2^k; -1 below 0.
function M.log2(v)
	if v < 0 then return -1 end
	local k = 0
	while v > 0 do
		v = v >> 1
		k = k + 1
	end
	return k
end

local function human(n)
	local units = { "", "K", "M", "G", "T", "P", "E" }
	local i = 1
	while n >= 1024 and n % 1024 == 0 and i < #units do
		n = n // 1024
		i = i + 1
	end
	return tostring(n) .. units[i]
end

local hist = {}
hist.__index = hist

-- A log2 histogram: h:add(v [, count]), h:print([title [, out]]).
function M.hist()
	return setmetatable({ buckets = {}, count = 0, sum = 0, min = nil, max = nil }, hist)
end

function hist:add(v, n)
	n = n or 1
	local b = M.log2(v)
	self.buckets[b] = (self.buckets[b] or 0) + n
	self.count = self.count + n
	self.sum = self.sum + v * n
	if not self.min or v < self.min then self.min = v end
	if not self.max or v > self.max then self.max = v end
end

local function label(b)
	if b < 0 then return "(..., 0)" end
	if b == 0 then return "[0]" end
	if b == 1 then return "[1]" end
	return "[" .. human(1 << (b - 1)) .. ", " .. human(1 << b) .. ")"
end

-- Lines like bpftrace's: [4, 8)   12 |@@@@@@        |
function hist:lines(width)
	width = width or 52
	local lo, hi, most = nil, nil, 0
	for b, c in pairs(self.buckets) do
		if not lo or b < lo then lo = b end
		if not hi or b > hi then hi = b end
		if c > most then most = c end
	end
	local out = {}
	if not lo then return out end
	for b = lo, hi do
		local c = self.buckets[b] or 0
		local bar = most > 0 and (c * width) // most or 0
		out[#out + 1] = string.format("%-16s %8d |%s%s|", label(b), c,
			string.rep("@", bar), string.rep(" ", width - bar))
	end
	return out
end

function hist:print(title, out)
	out = out or io.stdout
	if title then out:write(title, "\n") end
	for _, l in ipairs(self:lines()) do out:write(l, "\n") end
end

-- Time helpers, as perf's Util.py (integers here: Lua keeps them exact).
function M.nsecs(secs, nsecs) return secs * M.NSECS_PER_SEC + nsecs end
function M.nsecs_secs(ns) return ns // M.NSECS_PER_SEC end
function M.nsecs_nsecs(ns) return ns % M.NSECS_PER_SEC end
function M.nsecs_str(ns)
	return string.format("%5d.%09d", M.nsecs_secs(ns), M.nsecs_nsecs(ns))
end
function M.avg(total, n) return total / n end

-- A value as text: nil as "(fault)", sequences as {a,b,c}.
function M.str(v)
	if v == nil then return "(fault)" end
	if type(v) == "table" then
		local parts = {}
		for i = 1, #v do parts[i] = M.str(v[i]) end
		return "{" .. table.concat(parts, ",") .. "}"
	end
	return tostring(v)
end

return M
