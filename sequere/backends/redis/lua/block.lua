-- Single Redis: blocker blocks blocked, and the follows both ways go, in one atomic step.
-- keys: blocker_blocks blocked_blocked_by blocker_followings blocker_followers blocker_friends blocked_followers blocked_followings blocked_friends
-- args: time blocker blocked
-- returns: which of created forward backward
--
-- The block is stored on both resources (the blocker's `b` set, the blocked's `bb` set), where
-- follow.lua looks for it. ZADD NX keeps the first date, so a retry changes nothing. Returns
-- 'created' when the block is new, 'forward' when blocker followed blocked (removed) and
-- 'backward' when blocked followed blocker (removed).
local out = {}
if redis.call('ZADD', blocker_blocks, 'NX', time, blocked) == 1 then out[#out + 1] = 'created' end
redis.call('ZADD', blocked_blocked_by, 'NX', time, blocker)
if redis.call('ZREM', blocker_followings, blocked) == 1 then out[#out + 1] = 'forward' end
redis.call('ZREM', blocked_followers, blocker)
if redis.call('ZREM', blocked_followings, blocker) == 1 then out[#out + 1] = 'backward' end
redis.call('ZREM', blocker_followers, blocked)
redis.call('ZREM', blocker_friends, blocked)
redis.call('ZREM', blocked_friends, blocker)
return table.concat(out, ' ')
