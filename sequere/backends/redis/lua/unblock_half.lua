-- Redis Cluster only: one resource's half of an unblock.
-- keys: relation followings_tombstones followers_tombstones
-- args: time member
-- returns: which of removed
--
-- The member leaves `relation` (this resource's `b` or `bb` set). So that a follow dated before
-- the unblock, refused on one half while the block stood, is refused on the other half too when
-- it arrives there after the unblock, both directions' tombstones of the member are raised to the
-- unblock's `time` (see follow_half.lua: a follow not later than a tombstone is refused).
local function raise(tombstones)
  local stamp = redis.call('HGET', tombstones, member)
  if not stamp or tonumber(time) > tonumber(stamp) then redis.call('HSET', tombstones, member, time) end
end
raise(followings_tombstones)
raise(followers_tombstones)
if redis.call('ZREM', relation, member) == 1 then return 'removed' end
return ''
