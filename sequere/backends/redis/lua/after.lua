-- The next `limit` entries, oldest first, strictly after a cursor, across one sorted set per
-- identifier of the other side (`sets`, in identifier order).
-- keys: sets...
-- args: limit cursor_score cursor_set cursor_member
-- returns: rows of set member score
-- uses: bytes keyset
--
-- The cursor is the last row read (its score, set position and member); an empty score starts
-- at the beginning. Keyset pagination: entries added or removed meanwhile never shift the cursor.
local out = {}
for j = 1, math.min(#all, count) do
  local row = all[j]
  out[#out + 1] = {row[2], row[3], row[4]}
end
return out
