-- Single Redis: remove the edge follower -> followed, both halves in one atomic step.
-- keys: follower_followings follower_friends followed_followers followed_friends
-- args: follower followed
-- returns: follower followed
--
-- Each half is the list the other side leaves and the friends set of the same resource.
-- Returns, for each half, 1 if the edge was there and 0 if it was not.

local function remove(list, friends, member)
  redis.call('ZREM', friends, member)
  return redis.call('ZREM', list, member)
end

local first = remove(follower_followings, follower_friends, followed)
local second = remove(followed_followers, followed_friends, follower)
return {'follower', first, 'followed', second}
