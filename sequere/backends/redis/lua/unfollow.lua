-- Single Redis: remove the edge follower -> followed, both halves in one atomic step.
-- keys: follower_followings follower_friends followed_followers followed_friends
-- args: follower followed
-- returns: which of follower followed
--
-- Each half is the list the other side leaves and the friends set of the same resource.
-- Returns the halves the edge was in ('follower', 'followed', both, or '').

local function remove(list, friends, member)
  redis.call('ZREM', friends, member)
  return redis.call('ZREM', list, member)
end

local first = remove(follower_followings, follower_friends, followed)
local second = remove(followed_followers, followed_friends, follower)
local gone = {}
if first == 1 then gone[#gone + 1] = 'follower' end
if second == 1 then gone[#gone + 1] = 'followed' end
return table.concat(gone, ' ')
