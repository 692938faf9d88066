-- Redis Cluster: the followed's half of approving a follow request: the request removed and
-- the followed's half of the edge added (follow_half.lua's rule), in one atomic step. The
-- follower's half follows, once this one said 'approved' (see sequere.backends.redis.requests).
-- uses: edges
-- keys: requests list reverse friends tombstones blocks blocked_by
-- args: time member
-- returns: which of approved applied again missing blocked
--
-- 'missing': no such request, nothing changed; 'again': the request is gone and `member` is in
-- `list` at exactly `time` (this call's own earlier run, resent); 'blocked': a block either way
-- stands (this resource's block sets), nothing changed.
if not redis.call('ZSCORE', requests, member) then
  local score = redis.call('ZSCORE', list, member)
  if score and tonumber(score) == tonumber(time) then return 'again' end
  return 'missing'
end
if redis.call('ZSCORE', blocks, member) or redis.call('ZSCORE', blocked_by, member) then
  return 'blocked'
end
redis.call('ZREM', requests, member)
if join_half(list, reverse, friends, tombstones, time, member) == 'applied' then
  return 'approved applied'
end
return 'approved'
