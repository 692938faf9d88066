-- The next chunk of an actor's followers that may see its actions: chunk.lua less the followers
-- that mute the actor or block it, and those it blocks, read in the same script.
-- keys: sets...
-- args: limit cursor_score cursor_set cursor_member
-- returns: members cursor read
-- uses: bytes split keyset
--
-- `sets` are the actor's follower sets (one per type, in type order) followed by its `b`, `bb`
-- and `sb` sets of each type (three per type, same order): all on the actor's slot. `members`
-- holds '<set position>:<member>' strings of the followers kept, oldest first; `cursor` is the
-- last entry read (kept or not), to pass back; `read` how many entries were read, so that a
-- chunk shorter than `limit` tells the end only when `read` is too.
-- the filter sets that hold anything, per type (most actors have none: no lookup per entry)
local active = {}
for i = 1, #sets do
  local present = {}
  for k = 1, 3 do
    local key = filters[(i - 1) * 3 + k]
    if redis.call('EXISTS', key) == 1 then present[#present + 1] = key end
  end
  active[i] = present
end
local members, last = {}, {}
for j = 1, math.min(#all, count) do
  local row = all[j]
  local hidden = false
  for _, key in ipairs(active[row[2]]) do
    if redis.call('ZSCORE', key, row[3]) then
      hidden = true
      break
    end
  end
  if not hidden then members[#members + 1] = row[2] .. ':' .. row[3] end
  last = {row[4], row[2], row[3]}
end
return {'members', members, 'cursor', last, 'read', math.min(#all, count)}
