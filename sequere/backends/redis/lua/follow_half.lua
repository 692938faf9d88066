-- Redis Cluster only: one resource's half of a follow, kept as a last-writer-wins register per
-- edge so that both halves (two nodes) end the same whatever order racing calls reach them in.
-- uses: edges
-- keys: list reverse friends tombstones blocks blocked_by
-- args: time member
-- returns: which of applied again blocked
--
-- `list` is the list `member` joins, `reverse` the reverse list of the same resource, `friends`
-- its friends set and `tombstones` the tombstones of `list` (hash: member -> time). `time` is
-- the follow's date in integer microseconds, also its score.
--
-- The member's version is the later of its score and its tombstone. A follow applies only if the
-- member is absent and the follow is strictly later than its tombstone (an unfollow wins a tie);
-- it then drops the tombstone, which its own later score supersedes. A follow reaching a member
-- already present changes nothing but, if later than the version, records its time as the
-- tombstone so that an unfollow older than it cannot remove the edge. It returns 'applied' if it
-- applied, 'again' if the member is present at this very `time` (the call's own earlier run,
-- resent after its reply was lost), '' if not.
--
-- `blocks` and `blocked_by` are this resource's block sets of the member's type (block_half.lua):
-- while either holds the member, the half changes nothing and answers 'blocked'.
if redis.call('ZSCORE', blocks, member) or redis.call('ZSCORE', blocked_by, member) then
  return 'blocked'
end
return join_half(list, reverse, friends, tombstones, time, member)
