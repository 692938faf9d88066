-- The total size of the sorted sets in KEYS (one per identifier of the other side).
local total = 0
for i = 1, #KEYS do
  total = total + redis.call('ZCARD', KEYS[i])
end
return total
