-- Single Redis: `follower` asks to follow `followed` (an account that approves its follows):
-- the request stored on both sides in one atomic step, unless the edge exists or it is pending.
-- uses: request_lib
-- keys: followed_followers followed_requests follower_sent
-- args: time follower followed
-- returns: which of added again following pending
--
-- `time` (microseconds) is the request's date and score. Blocks hook: a check that `followed`
-- has not blocked `follower` belongs here, before anything is written.
local answer = ask(followed_followers, followed_requests, follower, time)
if answer == 'added' then redis.call('ZADD', follower_sent, time, followed) end
return answer
