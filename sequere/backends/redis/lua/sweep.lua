-- Redis Cluster, sequere_check --fix: delete tombstones older than their lifetime.
-- keys: tombstones
-- args: cutoff members...
-- returns: swept
--
-- `members` were read older than `cutoff` (microseconds); each is deleted only if its tombstone
-- is still older, so a tombstone a write renewed meanwhile stays.
local limit = tonumber(cutoff)
local swept = 0
for i = 1, #members do
  local stamp = redis.call('HGET', tombstones, members[i])
  if stamp and tonumber(stamp) < limit then
    swept = swept + redis.call('HDEL', tombstones, members[i])
  end
end
return {'swept', swept}
