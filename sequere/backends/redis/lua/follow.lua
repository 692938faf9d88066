-- Add a follow edge, one side per triple of KEYS (both sides on a single Redis, one per slot on a
-- cluster). Each triple belongs to one resource: the list the member joins, the reverse list of
-- the same resource, and its friends set. ARGV[1] is the score (microseconds); ARGV[1 + n] is the
-- member of triple n. ZADD NX keeps the first date on a retry. Returns a bit mask of the sides that
-- were new: 1 for the first triple (the follower's side), 2 for the second.
local score = ARGV[1]
local added = 0
for i = 1, #KEYS, 3 do
  local member = ARGV[2 + (i - 1) / 3]
  if redis.call('ZADD', KEYS[i], 'NX', score, member) == 1 then
    added = added + 2 ^ ((i - 1) / 3)
    local back = redis.call('ZSCORE', KEYS[i + 1], member)
    if back then
      -- mutual now: friends since the later of the two follows
      local since = score
      if tonumber(back) > tonumber(score) then since = back end
      redis.call('ZADD', KEYS[i + 2], since, member)
    end
  end
end
return added
