-- bench.lua: a CPU-bound Lua workload for bench/programs (run.py). Usage: lua bench.lua ROUNDS;
-- prints "checksum N". Each round: recursive calls, integer and float loops, table building and
-- sorting, string formatting, concatenation and pattern matching, closures.

local rounds = tonumber(arg and arg[1]) or 1

local function fib(n)
  if n < 2 then return n end
  return fib(n - 1) + fib(n - 2)
end

local function mix(sum, v)
  return ((sum ~ v) * 16777619 + 47) & 0xffffffff
end

local function round_once(seed, sum)
  -- recursive calls
  sum = mix(sum, fib(24))

  -- integer and float arithmetic in loops
  local acc, x = 0, 0.5
  for i = 1, 200000 do
    acc = (acc + i * i) % 1000003
    x = x * 1.0000001 + 1 / i
  end
  sum = mix(sum, acc)
  sum = mix(sum, math.floor(x * 1000))

  -- tables: fill, sort with a comparator, reduce
  local t = {}
  local r = seed
  for i = 1, 20000 do
    r = (r * 1103515245 + 12345) & 0x7fffffff
    t[i] = r % 100000
  end
  table.sort(t, function(a, b) return a > b end)
  for i = 1, #t, 97 do sum = mix(sum, t[i]) end

  -- hash part: counting keys
  local counts = {}
  for i = 1, #t do
    local k = "k" .. (t[i] % 1000)
    counts[k] = (counts[k] or 0) + 1
  end
  local keys = 0
  for _, c in pairs(counts) do keys = keys + c * c end
  sum = mix(sum, keys)

  -- strings: format, concatenate, match, substitute
  local parts = {}
  for i = 1, 5000 do
    parts[#parts + 1] = string.format("%d:%s;", i, string.rep("ab", i % 7))
  end
  local s = table.concat(parts)
  local n = 0
  for a, b in s:gmatch("(%d+):(a?b?a?b?)") do n = n + #a + #b end
  sum = mix(sum, n)
  local replaced, count = s:gsub("ab", "xyz")
  sum = mix(sum, #replaced + count)
  sum = mix(sum, #s:upper():reverse())

  -- closures and upvalues
  local function counter()
    local c = 0
    return function(d) c = c + d; return c end
  end
  local f = counter()
  for i = 1, 50000 do f(i % 3) end
  sum = mix(sum, f(0))
  return sum
end

local sum = 2166136261
for i = 1, rounds do
  sum = round_once(i, sum)
end
print("checksum " .. sum)
