-- Redis Cluster only: one resource's half of a block (the blocker's or the blocked's).
-- keys: relation followings followers friends
-- args: time member
-- returns: which of created followed following
--
-- `relation` is this resource's `b` set (the blocker's half) or `bb` set (the blocked's half),
-- which follow_half.lua checks; `followings`, `followers` and `friends` are this resource's
-- lists of the member's type. The member joins `relation` (ZADD NX: the first date stays) and
-- leaves the three lists, unconditionally: a follow half that arrives later finds the block and
-- is refused, one that came first is removed here, so whatever order a block and a racing
-- follow reach the two nodes in, no half keeps the edge. Returns 'created' when the member was
-- new in `relation`, 'followed' when this resource followed the member, 'following' when the
-- member followed this resource.
local out = {}
if redis.call('ZADD', relation, 'NX', time, member) == 1 then out[#out + 1] = 'created' end
if redis.call('ZREM', followings, member) == 1 then out[#out + 1] = 'followed' end
if redis.call('ZREM', followers, member) == 1 then out[#out + 1] = 'following' end
redis.call('ZREM', friends, member)
return table.concat(out, ' ')
