-- One page of a list kept as one sorted set per identifier (KEYS, in identifier order).
-- ARGV: desc ('1' or '0'), offset, limit (-1 for everything). Returns a flat array of
-- (key index, member, score) triples ordered by score, then key index, then member bytes.
local desc = ARGV[1] == '1'
local offset = tonumber(ARGV[2])
local limit = tonumber(ARGV[3])
local stop = -1
if limit >= 0 then stop = offset + limit - 1 end
local range = 'ZRANGE'
if desc then range = 'ZREVRANGE' end

local live = {}
for i = 1, #KEYS do
  if redis.call('EXISTS', KEYS[i]) == 1 then live[#live + 1] = i end
end
local out = {}
if #live == 0 or limit == 0 then return out end

if #live == 1 then
  -- the common case: one type on the other side, a direct rank range
  local rows = redis.call(range, KEYS[live[1]], offset, stop, 'WITHSCORES')
  for j = 1, #rows, 2 do
    out[#out + 1] = live[1]; out[#out + 1] = rows[j]; out[#out + 1] = rows[j + 1]
  end
  return out
end

-- several types: the first offset + limit of each set, merged
local function bytes_less(a, b)
  local n = math.min(#a, #b)
  for k = 1, n do
    local x, y = string.byte(a, k), string.byte(b, k)
    if x ~= y then return x < y end
  end
  return #a < #b
end
local function before(a, b)
  if a[1] ~= b[1] then return a[1] < b[1] end
  if a[2] ~= b[2] then return a[2] < b[2] end
  return bytes_less(a[3], b[3])
end
local all = {}
for _, i in ipairs(live) do
  local rows = redis.call(range, KEYS[i], 0, stop, 'WITHSCORES')
  for j = 1, #rows, 2 do
    all[#all + 1] = {tonumber(rows[j + 1]), i, rows[j], rows[j + 1]}
  end
end
if desc then
  table.sort(all, function(a, b) return before(b, a) end)
else
  table.sort(all, before)
end
local last = #all
if limit >= 0 and offset + limit < last then last = offset + limit end
for j = offset + 1, last do
  local row = all[j]
  out[#out + 1] = row[2]; out[#out + 1] = row[3]; out[#out + 1] = row[4]
end
return out
