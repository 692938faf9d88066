-- The `limit` entries of a timeline (a LIST of entries, oldest first) nearest to a cursor on one
-- side of it: a cursor page.
-- keys: timeline
-- args: verb target up limit cursor_date cursor_id
-- uses: entries
-- returns: rows of id date
--
-- `up` '1' reads the entries strictly after the cursor (date, id), oldest first; '0' those
-- strictly before it, newest first; an empty `cursor_date` reads from the end (`up` '1': the
-- oldest). `verb` and `target` are filter codes ('' for any). The cursor's entry need not be in
-- the list any more: a binary search by (date, id) finds where it would be, so a page deep in
-- the timeline costs what the first page costs. Unfiltered, the page is one LRANGE; filtered,
-- entries are read on from there in chunks until `limit` match.
local want_verb, want_target = filter(verb, target)
local left = tonumber(limit)
local ascending = up == '1'
local n = redis.call('LLEN', timeline)
local CHUNK = 128

-- -1, 0 or 1: entry e sorts before, at, or after the cursor.
local cursor_at, cursor = tonumber(cursor_date), cursor_id
local function against_cursor(e)
  local date = entry_date(e)
  if date ~= cursor_at then return date < cursor_at and -1 or 1 end
  local id = entry_id(e)
  if id == cursor then return 0 end
  return bytes_before(id, cursor) and -1 or 1
end

-- first: the position of the first entry to read (0-based); step: +1 or -1
local first
if cursor_date == '' then
  first = ascending and 0 or n - 1
else
  local low, high = 0, n
  while low < high do
    local middle = math.floor((low + high) / 2)
    if against_cursor(redis.call('LINDEX', timeline, middle)) < 0 then low = middle + 1 else high = middle end
  end
  -- low: how many entries sort before the cursor
  if ascending then
    first = low
    if low < n and against_cursor(redis.call('LINDEX', timeline, low)) == 0 then first = low + 1 end
  else
    first = low - 1
  end
end

local rows = {}
if want_verb == nil and want_target == nil then
  if ascending then
    if first < n then
      local entries = redis.call('LRANGE', timeline, first, first + left - 1)
      for i = 1, #entries do rows[#rows + 1] = {entry_id(entries[i]), (entry_date(entries[i]))} end
    end
  elseif first >= 0 then
    local entries = redis.call('LRANGE', timeline, math.max(first - left + 1, 0), first)
    for i = #entries, 1, -1 do rows[#rows + 1] = {entry_id(entries[i]), (entry_date(entries[i]))} end
  end
  return rows
end

local at = first
while #rows < left and at >= 0 and at < n do
  local entries, from, to, step
  if ascending then
    entries = redis.call('LRANGE', timeline, at, at + CHUNK - 1)
    from, to, step = 1, #entries, 1
    at = at + CHUNK
  else
    entries = redis.call('LRANGE', timeline, math.max(at - CHUNK + 1, 0), at)
    from, to, step = #entries, 1, -1
    at = at - CHUNK
  end
  for i = from, to, step do
    local e = entries[i]
    if keeps(e, want_verb, want_target) then
      rows[#rows + 1] = {entry_id(e), (entry_date(e))}
      if #rows >= left then break end
    end
  end
end
return rows
