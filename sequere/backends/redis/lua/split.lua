-- Shared by audience.lua (included after bytes.lua, before keyset.lua): `sets` comes with the
-- actor's filter sets after its follower sets (one follower set and three filter sets per type);
-- this leaves the follower sets in `sets`, for keyset.lua, and the others in `filters`.
local filters = {}
do
  local n = #sets / 4
  for i = n + 1, #sets do filters[i - n] = sets[i] end
  for i = #sets, n + 1, -1 do sets[i] = nil end
end
