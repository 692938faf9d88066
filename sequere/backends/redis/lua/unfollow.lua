-- Single Redis: remove the edge follower -> followed, both halves in one atomic step.
-- keys: follower_followings follower_friends followed_followers followed_friends marker
-- args: follower followed op keep
-- returns: which of follower followed again
--
-- Each half is the list the other side leaves and the friends set of the same resource.
-- `marker` is the edge's outcome marker: a call that removes the edge leaves its operation id
-- `op` there for `keep` seconds, so the same call resent after its reply was lost finds it and
-- answers 'again' without touching the edge (which a later follow may have re-added meanwhile).
-- An empty `op` (bulk removals) leaves no marker. Returns the halves the edge was in
-- ('follower', 'followed', both, or '') or 'again'.

if op ~= '' and redis.call('GET', marker) == op then return 'again' end

local function remove(list, friends, member)
  redis.call('ZREM', friends, member)
  return redis.call('ZREM', list, member)
end

local first = remove(follower_followings, follower_friends, followed)
local second = remove(followed_followers, followed_friends, follower)
local gone = {}
if first == 1 then
  gone[#gone + 1] = 'follower'
  if op ~= '' then redis.call('SET', marker, op, 'EX', keep) end
end
if second == 1 then gone[#gone + 1] = 'followed' end
return table.concat(gone, ' ')
