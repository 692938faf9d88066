-- Add one action to the views of one owner's timeline, trimming each to the maximum length.
-- keys: unfollowed actor_index views...
-- args: since actor max_length score action_id index
-- returns: which of delivered
--
-- `views` get `action_id` scored `score` (microseconds). `actor_index` gets `index`, the
-- action's member in the owner's per-actor index, unless `index` is '' (a public timeline keeps
-- no index). When `since` is not '', the owner is skipped if it unfollowed `actor` (its field in
-- the `unfollowed` hash) at or after `since`. Returns 'delivered' if written, '' if skipped.
if since ~= '' then
  local mark = redis.call('HGET', unfollowed, actor)
  if mark and tonumber(mark) >= tonumber(since) then return '' end
end
local stop = -tonumber(max_length) - 1
local function add(key, member)
  redis.call('ZADD', key, score, member)
  redis.call('ZREMRANGEBYRANK', key, 0, stop)
end
for i = 1, #views do
  add(views[i], action_id)
end
if index ~= '' then
  add(actor_index, index)
end
return 'delivered'
