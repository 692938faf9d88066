-- Add a pulled actor to the pulled followings (ZSETs) of several owners (hybrid fan-out).
-- keys: pairs...
-- args: since actor member cutoff
-- returns: pulled
--
-- `pairs` are (pulling zset, unfollowed hash) pairs, one slot per call on a cluster. An owner
-- that unfollowed `actor` (its field in `unfollowed`) at or after `since` is skipped. `member`
-- (the actor's JSON ref) is added with the score `cutoff` unless already there (NX).
local pulled = 0
for i = 1, #pairs, 2 do
  local skip = false
  if since ~= '' then
    local mark = redis.call('HGET', pairs[i + 1], actor)
    skip = mark and tonumber(mark) >= tonumber(since)
  end
  if not skip then
    redis.call('ZADD', pairs[i], 'NX', cutoff, member)
    pulled = pulled + 1
  end
end
return {'pulled', pulled}
