-- Remove one actor's entries from a timeline (a LIST) and remember when it was unfollowed.
-- keys: timeline unfollowed
-- args: actor actor_hash at
-- uses: entries
-- returns: removed saved
--
-- `actor` is the actor's field in the `unfollowed` hash, which gets `at`, so a delivery read
-- before then is skipped (see push.lua); `actor_hash` is the 8 bytes its entries hold. The list
-- is rewritten without them in one pass. The mark only moves forward (a late or retried call
-- leaves a newer one). Returns how many entries went, and the ids of those saved into this
-- timeline by another actor (see push.lua's `saved`).
local previous = redis.call('HGET', unfollowed, actor)
if not previous or tonumber(previous) < tonumber(at) then redis.call('HSET', unfollowed, actor, at) end
local entries = redis.call('LRANGE', timeline, 0, -1)
local kept, saved = {}, {}
for _, e in ipairs(entries) do
  if string.sub(e, 9, 16) == actor_hash then
    if saved_here(e) then saved[#saved + 1] = entry_id(e) end
  else
    kept[#kept + 1] = e
  end
end
local removed = #entries - #kept
if removed > 0 then
  redis.call('DEL', timeline)
  for i = 1, #kept, 1000 do
    redis.call('RPUSH', timeline, unpack(kept, i, math.min(i + 999, #kept)))
  end
end
return {'removed', removed, 'saved', saved}
