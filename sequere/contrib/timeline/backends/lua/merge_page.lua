-- One page of a merged private timeline (hybrid fan-out) as action ids.
-- keys: timeline publics...
-- args: cap verb target desc offset limit cutoffs...
-- uses: entries merge
-- returns: rows of id
--
-- `publics` are the public timelines of the pulled actors the owner follows and `cutoffs` (same
-- order) the date each is merged from. The merged view keeps the newest `cap` distinct entries;
-- filters and paging apply to it as page.lua applies them to one list. Newest first, the walk
-- stops as soon as the page is full; oldest first, it walks the whole capped view.
local want_verb, want_target = filter(verb, target)
local skip, left = tonumber(offset), tonumber(limit)
local first = nil
if desc == '1' and want_verb == nil and want_target == nil and left then first = skip + left end
local walk = merged_walk(timeline, publics, cutoffs, tonumber(cap), first)
local rows = {}
if desc == '1' then
  while true do
    local e = walk()
    if e == nil then break end
    if keeps(e, want_verb, want_target) then
      if skip > 0 then
        skip = skip - 1
      else
        rows[#rows + 1] = {entry_id(e)}
        if left and #rows >= left then break end
      end
    end
  end
  return rows
end
local kept = {}
while true do
  local e = walk()
  if e == nil then break end
  if keeps(e, want_verb, want_target) then kept[#kept + 1] = e end
end
local first = #kept - skip
local last = left and math.max(first - left + 1, 1) or 1
for i = first, last, -1 do rows[#rows + 1] = {entry_id(kept[i])} end
return rows
