-- How many entries of a timeline (a LIST, oldest first) match a filter and are dated after a mark.
-- keys: timeline own read_at
-- args: verb target after unread
-- uses: entries
-- returns: count
--
-- With `unread` = '1' the mark is the one stored at `read_at` (none: count everything) and the
-- matching entries of `own` (the owner's public timeline) after it are subtracted: nobody has
-- unread posts of their own. Else the mark is `after` ('' for none). The lists are read from
-- their newest end and only as far back as the mark. All keys carry the owner's hash tag.
local want_verb, want_target = filter(verb, target)
local mark = tonumber(after)
if unread == '1' then mark = tonumber(redis.call('GET', read_at)) end
local PAGE = 128

local function newer(list)
  if mark == nil and want_verb == nil and want_target == nil then
    return redis.call('LLEN', list)
  end
  local n, start = 0, -1
  while true do
    local entries = redis.call('LRANGE', list, start - PAGE + 1, start)
    for i = #entries, 1, -1 do
      local e = entries[i]
      if mark ~= nil and entry_date(e) <= mark then return n end
      if keeps(e, want_verb, want_target) then n = n + 1 end
    end
    if #entries < PAGE then return n end
    start = start - PAGE
  end
end

local n = newer(timeline)
if unread == '1' and n > 0 then n = math.max(n - newer(own), 0) end
return {'count', n}
