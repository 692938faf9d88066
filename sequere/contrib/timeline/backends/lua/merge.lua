-- Shared by merge_page and merge_count: the merged private timeline of hybrid fan-out, walked
-- newest first. Sources are LISTs of entries, oldest first: the owner's private timeline and the
-- public timelines of the pulled actors it follows, each read from its newest end in chunks and
-- only down to its cut-off date. The walk yields entries distinct by id, at most `cap` of them.
-- `first` (optional) is how many entries a page needs: the private timeline's first read takes
-- that many, a public timeline's first read one (most pages take few entries from each of many
-- pulled actors), each later read twice the one before, up to CHUNK.
local function merged_walk(private, publics, cutoffs, cap, first)
  local CHUNK = 64
  local function refill(s)
    if s.done then return end
    local size = s.size
    s.size = math.min(CHUNK, size * 2)
    local entries = redis.call('LRANGE', s.key, s.start - size + 1, s.start)
    s.start = s.start - size
    if #entries < size then s.done = true end
    s.buf, s.pos = entries, #entries
  end
  -- the current head of a source (its newest unread entry), or nil when exhausted
  local function head(s)
    if s.pos == 0 then
      refill(s)
      if s.pos == 0 then s.dead = true; return nil end
    end
    local e = s.buf[s.pos]
    local date = entry_date(e)
    if s.cutoff and date < s.cutoff then s.dead = true; return nil end
    s.e, s.date, s.id = e, date, nil  -- the id is decoded only for a tie (ident)
    return e
  end
  -- live sources in a binary max-heap by (date, id): a pop costs O(log k), not a scan of k
  local heap = {}
  local function ident(s)
    if s.id == nil then s.id = entry_id(s.e) end
    return s.id
  end
  local function above(a, b)
    return a.date > b.date or (a.date == b.date and bytes_before(ident(b), ident(a)))
  end
  local function sift_up(i)
    while i > 1 do
      local parent = math.floor(i / 2)
      if not above(heap[i], heap[parent]) then return end
      heap[i], heap[parent] = heap[parent], heap[i]
      i = parent
    end
  end
  local function sift_down(i)
    local n = #heap
    while true do
      local l, best = 2 * i, i
      if l <= n and above(heap[l], heap[best]) then best = l end
      if l + 1 <= n and above(heap[l + 1], heap[best]) then best = l + 1 end
      if best == i then return end
      heap[i], heap[best] = heap[best], heap[i]
      i = best
    end
  end
  local function add(key, cutoff, size)
    local s = {key = key, start = -1, pos = 0, buf = {}, cutoff = cutoff, size = size}
    if head(s) then
      heap[#heap + 1] = s
      sift_up(#heap)
    end
  end
  add(private, nil, math.max(1, math.min(CHUNK, first or CHUNK)))
  for i = 1, #publics do add(publics[i], tonumber(cutoffs[i]), first and 1 or CHUNK) end
  local seen, emitted = {}, 0
  return function()
    while emitted < cap do
      local best = heap[1]
      if best == nil then return nil end
      local e = best.e
      local id = string.sub(e, 25)  -- the packed id: one form per action
      best.pos = best.pos - 1
      if head(best) then
        sift_down(1)
      else
        heap[1] = heap[#heap]
        heap[#heap] = nil
        if heap[1] then sift_down(1) end
      end
      if not seen[id] then
        seen[id] = true
        emitted = emitted + 1
        return e
      end
    end
    return nil
  end
end

-- The ids of one page of the merged view (merge_page.lua's contract), in page order.
local function merged_page_ids(private, publics, cutoffs, cap, verb, target, desc, offset, limit)
  local want_verb, want_target = filter(verb, target)
  local skip, left = tonumber(offset), tonumber(limit)
  local first = nil
  if desc == '1' and want_verb == nil and want_target == nil and left then first = skip + left end
  local walk = merged_walk(private, publics, cutoffs, tonumber(cap), first)
  local ids = {}
  if desc == '1' then
    while true do
      local e = walk()
      if e == nil then break end
      if keeps(e, want_verb, want_target) then
        if skip > 0 then
          skip = skip - 1
        else
          ids[#ids + 1] = entry_id(e)
          if left and #ids >= left then break end
        end
      end
    end
    return ids
  end
  local kept = {}
  while true do
    local e = walk()
    if e == nil then break end
    if keeps(e, want_verb, want_target) then kept[#kept + 1] = e end
  end
  local top = #kept - skip
  local last = left and math.max(top - left + 1, 1) or 1
  for i = top, last, -1 do ids[#ids + 1] = entry_id(kept[i]) end
  return ids
end

-- Whether the ZSET `pulling` holds exactly `members` (NUL-separated, in ZRANGE order) with the
-- scores `cutoffs`: the pulled followings a reader cached are still the owner's.
local function pulled_are(pulling, members, cutoffs)
  local raw = redis.call('ZRANGE', pulling, 0, -1, 'WITHSCORES')
  if #raw ~= 2 * #cutoffs then return false end
  local i = 0
  for member in string.gmatch(members, '[^%z]+') do
    i = i + 1
    if raw[2 * i - 1] ~= member or tonumber(raw[2 * i]) ~= tonumber(cutoffs[i]) then return false end
  end
  return i == #cutoffs
end

-- The rows ({id, date}) of one cursor page of the merged view (merge_seek.lua's contract).
local function merged_seek_rows(private, publics, cutoffs, cap, verb, target, older, limit, cursor_date, cursor_id)
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
  local walk = merged_walk(private, publics, cutoffs, tonumber(cap), left)
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
end
