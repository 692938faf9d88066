-- The unread count in one call: entries of `timeline` scored after the mark stored at `read_at`
-- (both keys carry the owner's hash tag, so they share a cluster slot).
-- keys: read_at timeline
-- returns: unread
local mark = redis.call('GET', read_at)
if not mark then return {'unread', redis.call('ZCARD', timeline)} end
return {'unread', redis.call('ZCOUNT', timeline, '(' .. mark, '+inf')}
