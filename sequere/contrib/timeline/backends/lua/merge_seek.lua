-- One cursor page of a merged private timeline (hybrid fan-out): the entries next to a key.
-- keys: timeline publics...
-- args: cap verb target older limit cursor_date cursor_id cutoffs...
-- uses: entries merge
-- returns: rows of id date
--
-- The merged view is merge_page.lua's (the newest `cap` distinct entries, filters applying to
-- it), walked newest first. `older` '1': the first `limit` matching entries strictly older than
-- the cursor (all of them with an empty `cursor_date`), newest first; the walk stops there.
-- `older` '0': the `limit` matching entries strictly newer than the cursor that are nearest to
-- it (the oldest `limit` of the view with no cursor), newest first.
local want_verb, want_target = filter(verb, target)
local left = tonumber(limit)
local cursor_at = tonumber(cursor_date)
local function against(e)
  if cursor_at == nil then return -1 end
  local date = entry_date(e)
  if date ~= cursor_at then return date < cursor_at and -1 or 1 end
  local id = entry_id(e)
  if id == cursor_id then return 0 end
  return bytes_before(id, cursor_id) and -1 or 1
end
-- small first reads that double (see merged_walk): a page near the top reads little
local walk = merged_walk(timeline, publics, cutoffs, tonumber(cap), left)
local rows = {}
if older == '1' then
  while #rows < left do
    local e = walk()
    if e == nil then break end
    if against(e) < 0 and keeps(e, want_verb, want_target) then
      rows[#rows + 1] = {entry_id(e), (entry_date(e))}
    end
  end
  return rows
end
local ring, n = {}, 0
while true do
  local e = walk()
  if e == nil or (cursor_at ~= nil and against(e) <= 0) then break end
  if keeps(e, want_verb, want_target) then
    n = n + 1
    ring[n] = e
    ring[n - left] = nil
  end
end
for i = math.max(1, n - left + 1), n do rows[#rows + 1] = {entry_id(ring[i]), (entry_date(ring[i]))} end
return rows
