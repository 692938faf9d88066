-- Redis Cluster: one resource's half of a follow request (see request_lib.lua's ask).
-- uses: request_lib
-- keys: joined requests
-- args: time member
-- returns: which of added again following pending
--
-- The followed's half (its followers, its requests received) decides what the call reports;
-- the follower's half (its followings, its requests sent) keeps the sent list. Blocks hook: on
-- the followed's half, the check that it has not blocked `member` belongs here.
return ask(joined, requests, member, time)
