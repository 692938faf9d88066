-- The `limit` entries nearest to a cursor on one side of it, across one sorted set per
-- identifier of the other side (`sets`, in identifier order): a cursor page.
-- keys: sets...
-- args: up limit cursor_score cursor_set cursor_member
-- returns: rows of set member score
-- uses: bytes
--
-- Entries are ordered by (score, set position, member bytes). `up` '1' reads the entries strictly
-- after the cursor, oldest first; '0' those strictly before it, newest first. The cursor is a
-- row's score, the position of its set (1-based; a fraction for an identifier not in `sets`) and
-- its member; an empty score reads from the end (`up` '1': the oldest). The member need not be in
-- the set any more. Each set is entered by rank (ZCOUNT, ZRANK: O(log n)), never walked, so a
-- page deep in a list costs what the first page costs.
local count = tonumber(limit)
local ascending = up == '1'
local cursor_index = tonumber(cursor_set)

-- How many entries of set i sort before the cursor, and how many sort before or with it.
local function ranks(i, key)
  if i < cursor_index then
    local n = redis.call('ZCOUNT', key, '-inf', cursor_score)
    return n, n
  end
  if i > cursor_index then
    local n = redis.call('ZCOUNT', key, '-inf', '(' .. cursor_score)
    return n, n
  end
  local score = redis.call('ZSCORE', key, cursor_member)
  if score and tonumber(score) == tonumber(cursor_score) then
    local rank = redis.call('ZRANK', key, cursor_member)
    return rank, rank + 1
  end
  -- the cursor's member is gone (or moved): binary search among the entries of its score
  local lo = redis.call('ZCOUNT', key, '-inf', '(' .. cursor_score)
  local hi = redis.call('ZCOUNT', key, '-inf', cursor_score)
  while lo < hi do
    local mid = math.floor((lo + hi) / 2)
    local member = redis.call('ZRANGE', key, mid, mid)[1]
    if bytes_less(member, cursor_member) then lo = mid + 1 else hi = mid end
  end
  return lo, lo
end

local all = {}
for i = 1, #sets do
  local key = sets[i]
  local rows
  if cursor_score == '' then
    if ascending then
      rows = redis.call('ZRANGE', key, 0, count - 1, 'WITHSCORES')
    else
      rows = redis.call('ZREVRANGE', key, 0, count - 1, 'WITHSCORES')
    end
  else
    local below, through = ranks(i, key)
    if ascending then
      rows = redis.call('ZRANGE', key, through, through + count - 1, 'WITHSCORES')
    elseif below > 0 then
      rows = redis.call('ZRANGE', key, math.max(below - count, 0), below - 1, 'WITHSCORES')
    else
      rows = {}
    end
  end
  for j = 1, #rows, 2 do
    all[#all + 1] = {tonumber(rows[j + 1]), i, rows[j], rows[j + 1]}
  end
end
local function before(a, b)
  if a[1] ~= b[1] then return a[1] < b[1] end
  if a[2] ~= b[2] then return a[2] < b[2] end
  return bytes_less(a[3], b[3])
end
if ascending then
  table.sort(all, before)
else
  table.sort(all, function(a, b) return before(b, a) end)
end
local out = {}
for j = 1, math.min(#all, count) do
  local row = all[j]
  out[#out + 1] = {row[2], row[3], row[4]}
end
return out
