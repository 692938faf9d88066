-- How many entries of a merged private timeline (hybrid fan-out) match a filter after a mark.
-- keys: timeline own read_at publics...
-- args: cap verb target after unread cutoffs...
-- uses: entries merge
-- returns: count
--
-- As count.lua for one list, over the view merge_page.lua pages: with `unread` = '1' the mark is
-- the one at `read_at` and the owner's own matching public entries after it are subtracted.
local want_verb, want_target = filter(verb, target)
local mark = tonumber(after)
if unread == '1' then mark = tonumber(redis.call('GET', read_at)) end
local walk = merged_walk(timeline, publics, cutoffs, tonumber(cap))
local n = 0
while true do
  local e = walk()
  if e == nil or (mark ~= nil and entry_date(e) <= mark) then break end
  if keeps(e, want_verb, want_target) then n = n + 1 end
end
if unread == '1' and n > 0 then
  local start, PAGE, own_n = -1, 128, 0
  while true do
    local entries = redis.call('LRANGE', own, start - PAGE + 1, start)
    local stop = false
    for i = #entries, 1, -1 do
      local e = entries[i]
      if mark ~= nil and entry_date(e) <= mark then stop = true; break end
      if keeps(e, want_verb, want_target) then own_n = own_n + 1 end
    end
    if stop or #entries < PAGE then break end
    start = start - PAGE
  end
  n = math.max(n - own_n, 0)
end
return {'count', n}
