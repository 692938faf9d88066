-- Single Redis: remove the pending request `follower` -> `followed` (denied or cancelled) from
-- both sides in one atomic step.
-- uses: request_lib
-- keys: followed_requests follower_sent marker
-- args: follower followed op keep
-- returns: which of removed again
local answer = drop(followed_requests, follower, marker, op, keep)
redis.call('ZREM', follower_sent, followed)
return answer
