-- The next `limit` entries after a cursor, as after.lua reads them, in a reply that costs the
-- client one string per entry: what the timeline fan-out reads of a follower list.
-- keys: sets...
-- args: limit cursor_score cursor_set cursor_member
-- returns: members cursor
-- uses: bytes keyset
--
-- `members` holds '<set position>:<member>' strings, oldest first; `cursor` is the last entry's
-- {score, set position, member} (empty when there was none), to pass back for the next chunk.
local members, last = {}, {}
for j = 1, math.min(#all, count) do
  local row = all[j]
  members[j] = row[2] .. ':' .. row[3]
  last = {row[4], row[2], row[3]}
end
return {'members', members, 'cursor', last}
