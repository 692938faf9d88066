-- Add one entry to each of several timelines (LISTs, oldest first), trimming each to the maximum.
-- keys: timelines...
-- args: since actor max_length public entry
-- uses: entries
-- returns: delivered added collect saved
--
-- `timelines` are (list, unfollowed hash) pairs; on a Redis Cluster every pair of one call is in
-- one slot. When `since` is not '', a timeline is skipped if its owner unfollowed `actor` (its
-- field in the `unfollowed` hash) at or after `since`. The entry goes where (date, id) puts it:
-- appended in one command when it is the newest (the common case), else inserted in order; a
-- retry finds it in place and changes nothing. Each list then keeps its newest `max_length`.
-- Returns how many timelines the entry was for (skipped ones excluded), how many of them it was
-- new in (`added`: 0 for a retry), the ids of entries
-- trimmed from a public timeline (`public` = '1': nothing reads their action any more), and
-- the ids of trimmed entries saved into a private timeline by another actor (`saved`: their
-- action goes too unless its actor's public timeline still lists it, which the caller checks).
local max = tonumber(max_length)
local delivered, added = 0, 0
local collect, saved = {}, {}

local function trim(list, length, is_public)
  local excess = length - max
  if excess <= 0 then return end
  local dropped = redis.call('LRANGE', list, 0, excess - 1)
  redis.call('LTRIM', list, excess, -1)
  for _, e in ipairs(dropped) do
    if is_public then
      collect[#collect + 1] = entry_id(e)
    elseif saved_here(e) then
      saved[#saved + 1] = entry_id(e)
    end
  end
end

-- Position (0-based) of the first entry after `entry`, or nil when `entry` is already there.
local function position(list, n)
  local low, high = 0, n - 1
  while low < high do
    local middle = math.floor((low + high) / 2)
    local order = compare(redis.call('LINDEX', list, middle), entry)
    if order == 0 then return nil end
    if order < 0 then low = middle + 1 else high = middle end
  end
  return low
end

local function add(list)
  local n = redis.call('LLEN', list)
  local last = n > 0 and redis.call('LINDEX', list, -1)
  local order = last and compare(entry, last) or 1
  if order == 0 then return false end
  if order > 0 then
    n = redis.call('RPUSH', list, entry)
  else
    if n >= max and compare(entry, redis.call('LINDEX', list, 0)) < 0 then
      -- older than everything a full timeline keeps: it would be trimmed at once
      if public == '1' then
        collect[#collect + 1] = entry_id(entry)
      elseif saved_here(entry) then
        saved[#saved + 1] = entry_id(entry)
      end
      return false
    end
    local at = position(list, n)
    if at == nil then return false end
    n = redis.call('LINSERT', list, 'BEFORE', redis.call('LINDEX', list, at), entry)
  end
  trim(list, n, public == '1')
  return true
end

for i = 1, #timelines, 2 do
  local skip = false
  if since ~= '' then
    local mark = redis.call('HGET', timelines[i + 1], actor)
    skip = mark and tonumber(mark) >= tonumber(since)
  end
  if not skip then
    if add(timelines[i]) then added = added + 1 end
    delivered = delivered + 1
  end
end
return {'delivered', delivered, 'added', added, 'collect', collect, 'saved', saved}
