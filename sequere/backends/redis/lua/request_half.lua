-- Redis Cluster: one resource's half of a follow request (see request_lib.lua's ask).
-- uses: request_lib
-- keys: joined requests blocks blocked_by
-- args: time member
-- returns: which of added again following pending blocked
--
-- The followed's half (its followers, its requests received) decides what the call reports;
-- the follower's half (its followings, its requests sent) keeps the sent list. `blocks` and
-- `blocked_by` are this resource's block sets of the member's type: a block either way (stored
-- on both resources) refuses the half, 'blocked', nothing written.
if redis.call('ZSCORE', blocks, member) or redis.call('ZSCORE', blocked_by, member) then
  return 'blocked'
end
return ask(joined, requests, member, time)
