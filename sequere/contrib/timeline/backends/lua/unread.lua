-- The unread count in one call: entries of the private view `timeline` scored after the mark
-- stored at `read_at`, less the owner's own actions (its public view `own`) in the same range:
-- nobody has unread posts of their own. The keys carry the owner's hash tag (one cluster slot).
-- keys: read_at timeline own
-- returns: unread
local mark = redis.call('GET', read_at)
local low = '-inf'
if mark then low = '(' .. mark end
local unread = redis.call('ZCOUNT', timeline, low, '+inf') - redis.call('ZCOUNT', own, low, '+inf')
if unread < 0 then unread = 0 end
return {'unread', unread}
