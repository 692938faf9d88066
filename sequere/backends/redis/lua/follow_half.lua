-- Redis Cluster only: one resource's half of a follow, kept as a last-writer-wins register per
-- edge so that both halves (two nodes) end the same whatever order racing calls reach them in.
-- KEYS: the list the member joins, the reverse list of the same resource, its friends set, and
-- the tombstones of that list (hash: member -> time). ARGV[1] is the follow time (integer
-- microseconds, also the score), ARGV[2] the member.
--
-- The member's version is the later of its score and its tombstone. A follow applies only if the
-- member is absent and the follow is strictly later than its tombstone (an unfollow wins a tie);
-- it then drops the tombstone, which its own later score supersedes. A follow reaching a member
-- already present changes nothing but, if later than the version, records its time as the
-- tombstone so that an unfollow older than it cannot remove the edge. Returns 1 if it applied.
local score, member = ARGV[1], ARGV[2]
local t = tonumber(score)
local current = redis.call('ZSCORE', KEYS[1], member)
local stamp = redis.call('HGET', KEYS[4], member)
if current then
  if t > tonumber(current) and (not stamp or t > tonumber(stamp)) then
    redis.call('HSET', KEYS[4], member, score)
  end
  return 0
end
if stamp then
  if t <= tonumber(stamp) then return 0 end
  redis.call('HDEL', KEYS[4], member)
end
redis.call('ZADD', KEYS[1], score, member)
local back = redis.call('ZSCORE', KEYS[2], member)
if back then
  -- mutual now: friends since the later of the two follows
  local since = score
  if tonumber(back) > t then since = back end
  redis.call('ZADD', KEYS[3], since, member)
end
return 1
