-- One page of a list kept as one sorted set per identifier of the other side (`sets`, in
-- identifier order).
-- keys: sets...
-- args: desc offset limit
-- returns: rows of set member score
-- uses: bytes
--
-- `desc` is '1' (newest first) or '0', `limit` -1 for everything. Rows are ordered by score,
-- then set, then member bytes; `set` is the position of the row's set in `sets` (1-based).
local newest_first = desc == '1'
local first = tonumber(offset)
local count = tonumber(limit)
local stop = -1
if count >= 0 then stop = first + count - 1 end
local range = 'ZRANGE'
if newest_first then range = 'ZREVRANGE' end

local live = {}
for i = 1, #sets do
  if redis.call('EXISTS', sets[i]) == 1 then live[#live + 1] = i end
end
local out = {}
if #live == 0 or count == 0 then return out end

if #live == 1 then
  -- the common case: one type on the other side, a direct rank range
  local rows = redis.call(range, sets[live[1]], first, stop, 'WITHSCORES')
  for j = 1, #rows, 2 do
    out[#out + 1] = {live[1], rows[j], rows[j + 1]}
  end
  return out
end

-- several types: the first offset + limit of each set, merged
local function before(a, b)
  if a[1] ~= b[1] then return a[1] < b[1] end
  if a[2] ~= b[2] then return a[2] < b[2] end
  return bytes_less(a[3], b[3])
end
local all = {}
for _, i in ipairs(live) do
  local rows = redis.call(range, sets[i], 0, stop, 'WITHSCORES')
  for j = 1, #rows, 2 do
    all[#all + 1] = {tonumber(rows[j + 1]), i, rows[j], rows[j + 1]}
  end
end
if newest_first then
  table.sort(all, function(a, b) return before(b, a) end)
else
  table.sort(all, before)
end
local last = #all
if count >= 0 and first + count < last then last = first + count end
for j = first + 1, last do
  local row = all[j]
  out[#out + 1] = {row[2], row[3], row[4]}
end
return out
