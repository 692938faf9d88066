-- Single Redis: approve the pending request `follower` -> `followed`: the request removed from
-- both sides and the edge added (both halves, as follow.lua does), in one atomic step.
-- uses: edges
-- keys: followed_requests follower_sent follower_followings follower_followers follower_friends followed_followers followed_followings followed_friends followed_blocks followed_blocked_by
-- args: time follower followed
-- returns: which of approved again following missing blocked
--
-- `time` (microseconds) is the edge's date. 'missing': no such request, nothing changed;
-- 'again': the request is gone and the edge is there at exactly `time` (this call's own earlier
-- run, resent after its reply was lost); 'following': the request is removed, the edge
-- existed already; 'blocked': a block either way stands (the followed's block sets), nothing
-- changed (the request stays until denied or cancelled).
if not redis.call('ZSCORE', followed_requests, follower) then
  local score = redis.call('ZSCORE', follower_followings, followed)
  if score and tonumber(score) == tonumber(time) then return 'again' end
  return 'missing'
end
if redis.call('ZSCORE', followed_blocks, follower) or redis.call('ZSCORE', followed_blocked_by, follower) then
  return 'blocked'
end
redis.call('ZREM', followed_requests, follower)
redis.call('ZREM', follower_sent, followed)
local first = join_both(follower_followings, follower_followers, follower_friends, followed, time)
join_both(followed_followers, followed_followings, followed_friends, follower, time)
if first == 0 then return 'following' end
return 'approved'
