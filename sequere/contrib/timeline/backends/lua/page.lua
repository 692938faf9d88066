-- One page of a timeline (a LIST of entries, oldest first) as action ids.
-- keys: timeline
-- args: verb target desc offset limit
-- uses: entries
-- returns: rows of id
--
-- `verb` and `target` are filter codes ('' for any); `desc` '1' pages newest first; `limit` ''
-- reads to the end. Unfiltered, the page is one LRANGE; filtered, the entries are scanned in
-- order (at most SEQUERE_TIMELINE_MAX_LENGTH) and the matching ones skipped and kept.
local want_verb, want_target = filter(verb, target)
local skip, left = tonumber(offset), tonumber(limit)
local rows = {}
if want_verb == nil and want_target == nil then
  local entries
  if desc == '1' then
    local stop = left and -(skip + left) or 0
    entries = redis.call('LRANGE', timeline, stop == 0 and 0 or stop, -(skip + 1))
    for i = #entries, 1, -1 do rows[#rows + 1] = {entry_id(entries[i])} end
  else
    entries = redis.call('LRANGE', timeline, skip, left and skip + left - 1 or -1)
    for i = 1, #entries do rows[#rows + 1] = {entry_id(entries[i])} end
  end
  return rows
end
local entries = redis.call('LRANGE', timeline, 0, -1)
local first, last, step = 1, #entries, 1
if desc == '1' then first, last, step = #entries, 1, -1 end
for i = first, last, step do
  local e = entries[i]
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
