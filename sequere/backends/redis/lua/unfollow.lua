-- Remove a follow edge, one side per pair of KEYS: the list the member leaves and the friends set
-- of the same resource. ARGV[n] is the member of pair n. Returns how many sides existed.
local removed = 0
for i = 1, #KEYS, 2 do
  local member = ARGV[1 + (i - 1) / 2]
  removed = removed + redis.call('ZREM', KEYS[i], member)
  redis.call('ZREM', KEYS[i + 1], member)
end
return removed
