-- Single Redis: `follower` asks to follow `followed` (an account that approves its follows):
-- the request stored on both sides in one atomic step, unless the edge exists or it is pending.
-- uses: request_lib
-- keys: followed_followers followed_requests follower_sent followed_blocks followed_blocked_by
-- args: time follower followed
-- returns: which of added again following pending blocked
--
-- `time` (microseconds) is the request's date and score. `followed_blocks` and
-- `followed_blocked_by` are the followed's block sets of the follower's type (block.lua stores
-- a block on both resources): a block either way refuses the request, 'blocked', nothing written.
if redis.call('ZSCORE', followed_blocks, follower) or redis.call('ZSCORE', followed_blocked_by, follower) then
  return 'blocked'
end
local answer = ask(followed_followers, followed_requests, follower, time)
if answer == 'added' then redis.call('ZADD', follower_sent, time, followed) end
return answer
