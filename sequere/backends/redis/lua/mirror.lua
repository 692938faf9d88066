-- Repair (sequere_check --fix): set one half of an edge to what the other half says.
-- keys: list reverse friends
-- args: score member
-- returns: changed
--
-- `list` is the list of the resource whose half is repaired, `reverse` its reverse list and
-- `friends` its friends set. `score` is the date the half must hold `member` with, or '' for
-- "not at all". Friends follow: `member` is a friend exactly when it is in both lists, since the
-- later of the two dates. `changed` is 1 if `list` changed.
local changed = 0
if score == '' then
  changed = redis.call('ZREM', list, member)
  redis.call('ZREM', friends, member)
  return {'changed', changed}
end
local current = redis.call('ZSCORE', list, member)
if not current or tonumber(current) ~= tonumber(score) then
  redis.call('ZADD', list, score, member)
  changed = 1
end
local back = redis.call('ZSCORE', reverse, member)
if back then
  local since = score
  if tonumber(back) > tonumber(score) then since = back end
  redis.call('ZADD', friends, since, member)
else
  redis.call('ZREM', friends, member)
end
return {'changed', changed}
