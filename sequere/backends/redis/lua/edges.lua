-- Functions that add one half of an edge: the one home of the rules of follow.lua (single
-- Redis) and follow_half.lua (Redis Cluster), which the approval of a follow request
-- (approve.lua, approve_half.lua) shares.

-- Single Redis (follow.lua's rule): `member` joins `list` at `time` unless there (ZADD NX), and
-- `friends` if it is in `reverse` too, since the later of the two dates. 1 if new, else 0.
local function join_both(list, reverse, friends, member, time)
  if redis.call('ZADD', list, 'NX', time, member) == 0 then return 0 end
  local back = redis.call('ZSCORE', reverse, member)
  if back then
    local since = time
    if tonumber(back) > tonumber(time) then since = back end
    redis.call('ZADD', friends, since, member)
  end
  return 1
end

-- Redis Cluster (follow_half.lua's last-writer-wins rule, see there): 'applied', 'again' (the
-- member is present at this very `time`) or ''.
local function join_half(list, reverse, friends, tombstones, time, member)
  local t = tonumber(time)
  local current = redis.call('ZSCORE', list, member)
  local stamp = redis.call('HGET', tombstones, member)
  if current then
    if t == tonumber(current) then return 'again' end
    if t > tonumber(current) and (not stamp or t > tonumber(stamp)) then
      redis.call('HSET', tombstones, member, time)
    end
    return ''
  end
  if stamp then
    if t <= tonumber(stamp) then return '' end
    redis.call('HDEL', tombstones, member)
  end
  redis.call('ZADD', list, time, member)
  local back = redis.call('ZSCORE', reverse, member)
  if back then
    local since = time
    if tonumber(back) > t then since = back end
    redis.call('ZADD', friends, since, member)
  end
  return 'applied'
end
