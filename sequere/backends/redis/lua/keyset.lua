-- Shared by after.lua and chunk.lua: the keyset page across one sorted set per identifier.
-- Reads `limit`, `cursor_score`, `cursor_set`, `cursor_member` and `sets` (see after.lua) and
-- leaves in `all` the next entries after the cursor as {score, set position, member, raw score},
-- sorted, at most `limit` of them used by the caller.
local count = tonumber(limit)
local cursor_index = tonumber(cursor_set)

local function bytes_less(a, b)
  local n = math.min(#a, #b)
  for k = 1, n do
    local x, y = string.byte(a, k), string.byte(b, k)
    if x ~= y then return x < y end
  end
  return #a < #b
end

local function start_of(i, key)
  if cursor_score == '' then return 0 end
  if i < cursor_index then return redis.call('ZCOUNT', key, '-inf', cursor_score) end
  if i > cursor_index then return redis.call('ZCOUNT', key, '-inf', '(' .. cursor_score) end
  local rank = redis.call('ZRANK', key, cursor_member)
  if rank and tonumber(redis.call('ZSCORE', key, cursor_member)) == tonumber(cursor_score) then
    return rank + 1
  end
  -- the cursor member is gone: binary search among the entries sharing its score
  local lo = redis.call('ZCOUNT', key, '-inf', '(' .. cursor_score)
  local hi = redis.call('ZCOUNT', key, '-inf', cursor_score)
  while lo < hi do
    local mid = math.floor((lo + hi) / 2)
    local member = redis.call('ZRANGE', key, mid, mid)[1]
    if bytes_less(cursor_member, member) then hi = mid else lo = mid + 1 end
  end
  return lo
end

local all = {}
for i = 1, #sets do
  local start = start_of(i, sets[i])
  local rows = redis.call('ZRANGE', sets[i], start, start + count - 1, 'WITHSCORES')
  for j = 1, #rows, 2 do
    all[#all + 1] = {tonumber(rows[j + 1]), i, rows[j], rows[j + 1]}
  end
end
table.sort(all, function(a, b)
  if a[1] ~= b[1] then return a[1] < b[1] end
  if a[2] ~= b[2] then return a[2] < b[2] end
  return bytes_less(a[3], b[3])
end)
