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
