-- Redis Cluster only: one resource's half of an unfollow (see follow_half.lua for the rule).
-- KEYS: the list the member leaves, the reverse list of the same resource, its friends set, and
-- the tombstones of that list. ARGV[1] is the unfollow time (integer microseconds), ARGV[2] the
-- member.
--
-- The unfollow applies only if the member is present and the unfollow is at least as late as its
-- version (the later of its score and its tombstone): an unfollow wins a tie. It then leaves the
-- unfollow time as the tombstone. Reaching an absent member, it raises the tombstone to its own
-- time if later, so a follow older than it arriving afterwards is refused. Reaching a member
-- whose score is not later than the unfollow but whose tombstone (a follow seen while present)
-- is, the edge was unfollowed and then followed again: it is dated from that later follow, as it
-- would be had the two calls arrived in time order. Returns 1 if it applied.
local stamp_arg, member = ARGV[1], ARGV[2]
local u = tonumber(stamp_arg)
local current = redis.call('ZSCORE', KEYS[1], member)
local stamp = redis.call('HGET', KEYS[4], member)
if current then
  local score = tonumber(current)
  local version = score
  if stamp and tonumber(stamp) > version then version = tonumber(stamp) end
  if u >= version then
    redis.call('ZREM', KEYS[1], member)
    redis.call('ZREM', KEYS[3], member)
    redis.call('HSET', KEYS[4], member, stamp_arg)
    return 1
  end
  if u >= score then
    redis.call('ZADD', KEYS[1], 'XX', stamp, member)
    redis.call('HDEL', KEYS[4], member)
    local back = redis.call('ZSCORE', KEYS[2], member)
    if back then
      local since = stamp
      if tonumber(back) > tonumber(stamp) then since = back end
      redis.call('ZADD', KEYS[3], since, member)
    end
  end
  return 0
end
if not stamp or u > tonumber(stamp) then
  redis.call('HSET', KEYS[4], member, stamp_arg)
end
return 0
