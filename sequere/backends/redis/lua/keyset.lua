-- Shared by after.lua and chunk.lua (which include bytes.lua before it): the keyset page across one sorted set per identifier.
-- Reads `limit`, `cursor_score`, `cursor_set`, `cursor_member` and `sets` (see after.lua) and
-- leaves in `all` the next `limit` entries (at most) after the cursor as {score, set position,
-- member, raw score}, in order.
local count = tonumber(limit)
local cursor_index = tonumber(cursor_set)

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

-- Each set's rows come sorted by (score, member) from ZRANGE; merging them by (score, set
-- position) gives the order (score, set, member) without comparing members: one pass, no sort.
local heads, lists = {}, {}
for i = 1, #sets do
  local start = start_of(i, sets[i])
  lists[i] = redis.call('ZRANGE', sets[i], start, start + count - 1, 'WITHSCORES')
  heads[i] = 1
end
local all = {}
while #all < count do
  local best, best_score = nil, nil
  for i = 1, #sets do
    local row = lists[i]
    local j = heads[i]
    if j < #row then
      local score = tonumber(row[j + 1])
      if best == nil or score < best_score then best, best_score = i, score end
    end
  end
  if best == nil then break end
  local row, j = lists[best], heads[best]
  all[#all + 1] = {best_score, best, row[j], row[j + 1]}
  heads[best] = j + 2
end
