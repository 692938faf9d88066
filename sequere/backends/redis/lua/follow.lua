-- Single Redis: add the edge follower -> followed, both halves in one atomic step.
-- uses: edges
-- keys: follower_followings follower_followers follower_friends followed_followers followed_followings followed_friends follower_blocks follower_blocked_by
-- args: time follower followed
-- returns: which of follower followed again blocked
--
-- Each half belongs to one resource: the list the other side joins, the reverse list of the
-- same resource (does the other side follow back?) and its friends set. `time` is the follow's
-- date in microseconds, the score. ZADD NX keeps the first date, so a retry changes nothing.
-- Returns the halves that were new ('follower', 'followed'), and 'again' when the follower's
-- half already holds the edge at this very `time`: the call's own earlier run, resent after
-- its reply was lost, so the caller reports the follow it made.
-- `follower_blocks` and `follower_blocked_by` are the follower's block sets of the followed's
-- type: when either holds the followed (a block either way, see block.lua), nothing is written
-- and the script answers 'blocked'.

if redis.call('ZSCORE', follower_blocks, followed) or redis.call('ZSCORE', follower_blocked_by, followed) then
  return 'blocked'
end

local first = join_both(follower_followings, follower_followers, follower_friends, followed, time)
local second = join_both(followed_followers, followed_followings, followed_friends, follower, time)
local new = {}
if first == 1 then
  new[#new + 1] = 'follower'
elseif tonumber(redis.call('ZSCORE', follower_followings, followed)) == tonumber(time) then
  new[#new + 1] = 'again'
end
if second == 1 then new[#new + 1] = 'followed' end
return table.concat(new, ' ')
