-- Redis Cluster only: one resource's half of an unfollow (see follow_half.lua for the rule).
-- keys: list reverse friends tombstones marker
-- args: time member op keep
-- returns: which of applied again
--
-- `list` is the list `member` leaves, `reverse` the reverse list of the same resource, `friends`
-- its friends set and `tombstones` the tombstones of `list`. `time` is the unfollow's time in
-- integer microseconds.
--
-- The unfollow applies only if the member is present and the unfollow is at least as late as its
-- version (the later of its score and its tombstone): an unfollow wins a tie. It then leaves the
-- unfollow time as the tombstone. Reaching an absent member, it raises the tombstone to its own
-- time if later, so a follow older than it arriving afterwards is refused. Reaching a member
-- whose score is not later than the unfollow but whose tombstone (a follow seen while present)
-- is, the edge was unfollowed and then followed again: it is dated from that later follow, as it
-- would be had the two calls arrived in time order. It returns 'applied' if it applied, '' if not.
--
-- `marker` is the half's outcome marker: an unfollow that applies leaves its operation id `op`
-- there for `keep` seconds, so the same call resent after its reply was lost answers 'again'
-- and changes nothing. An empty `op` (bulk removals) leaves no marker.
if op ~= '' and redis.call('GET', marker) == op then return 'again' end
local u = tonumber(time)
local current = redis.call('ZSCORE', list, member)
local stamp = redis.call('HGET', tombstones, member)
if current then
  local score = tonumber(current)
  local version = score
  if stamp and tonumber(stamp) > version then version = tonumber(stamp) end
  if u >= version then
    redis.call('ZREM', list, member)
    redis.call('ZREM', friends, member)
    redis.call('HSET', tombstones, member, time)
    if op ~= '' then redis.call('SET', marker, op, 'EX', keep) end
    return 'applied'
  end
  if u >= score then
    redis.call('ZADD', list, 'XX', stamp, member)
    redis.call('HDEL', tombstones, member)
    local back = redis.call('ZSCORE', reverse, member)
    if back then
      local since = stamp
      if tonumber(back) > tonumber(stamp) then since = back end
      redis.call('ZADD', friends, since, member)
    end
  end
  return ''
end
if not stamp or u > tonumber(stamp) then
  redis.call('HSET', tombstones, member, time)
end
return ''
