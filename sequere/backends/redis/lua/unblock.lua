-- Single Redis: remove the block blocker -> blocked from both resources.
-- keys: blocker_blocks blocked_blocked_by
-- args: blocker blocked
-- returns: which of removed
if redis.call('ZREM', blocker_blocks, blocked) == 1 then
  redis.call('ZREM', blocked_blocked_by, blocker)
  return 'removed'
end
redis.call('ZREM', blocked_blocked_by, blocker)
return ''
