-- The total size of one list kept as one sorted set per identifier of the other side.
-- keys: sets...
-- returns: total
local total = 0
for i = 1, #sets do
  total = total + redis.call('ZCARD', sets[i])
end
return {'total', total}
