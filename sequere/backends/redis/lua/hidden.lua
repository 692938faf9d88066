-- The timeline fan-out's filter: which of some owners must not see an actor's actions.
-- keys: sets...
-- args: members...
-- returns: hidden
--
-- `sets` holds three of the actor's sets per type of owner, in the order of the types: its `b`
-- (whom it blocks), `bb` (who blocks it) and `sb` (who mutes it) sets. `members` are the owners
-- as '<type position>:<pk>' (positions from 1). Returns the members found in any of their type's
-- three sets: one round trip for a whole chunk of followers, on the actor's slot.
local hidden = {}
for _, entry in ipairs(members) do
  local colon = string.find(entry, ':', 1, true)
  local base = (tonumber(string.sub(entry, 1, colon - 1)) - 1) * 3
  local pk = string.sub(entry, colon + 1)
  for i = 1, 3 do
    if redis.call('ZSCORE', sets[base + i], pk) then
      hidden[#hidden + 1] = entry
      break
    end
  end
end
return {'hidden', hidden}
