-- Remove a follow edge, one side per pair of KEYS: the list the member leaves and the friends set
-- of the same resource. ARGV[n] is the member of pair n. Returns a bit mask of the sides that
-- existed: 1 for the first pair (the follower's side), 2 for the second.
local removed = 0
for i = 1, #KEYS, 2 do
  local member = ARGV[1 + (i - 1) / 2]
  removed = removed + redis.call('ZREM', KEYS[i], member) * 2 ^ ((i - 1) / 2)
  redis.call('ZREM', KEYS[i + 1], member)
end
return removed
