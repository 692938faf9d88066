-- Shared by merge_page and merge_count: the merged private timeline of hybrid fan-out, walked
-- newest first. Sources are LISTs of entries, oldest first: the owner's private timeline and the
-- public timelines of the pulled actors it follows, each read from its newest end in chunks and
-- only down to its cut-off date. The walk yields entries distinct by id, at most `cap` of them.
-- `first` (optional) is how many entries a source's first read takes: what a page needs.
local function merged_walk(private, publics, cutoffs, cap, first)
  local CHUNK = 64
  local sources = {}
  local function refill(s)
    if s.done then return end
    local size = s.size
    s.size = CHUNK
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
    s.e, s.date, s.id = e, date, entry_id(e)
    return e
  end
  local function add(key, cutoff)
    local s = {key = key, start = -1, pos = 0, buf = {}, cutoff = cutoff,
               size = math.max(1, math.min(CHUNK, first or CHUNK))}
    sources[#sources + 1] = s
    head(s)
  end
  add(private, nil)
  for i = 1, #publics do add(publics[i], tonumber(cutoffs[i])) end
  local seen, emitted = {}, 0
  return function()
    while emitted < cap do
      local best
      for _, s in ipairs(sources) do
        if not s.dead then
          if best == nil or s.date > best.date
              or (s.date == best.date and bytes_before(best.id, s.id)) then
            best = s
          end
        end
      end
      if best == nil then return nil end
      local e, id = best.e, best.id
      best.pos = best.pos - 1
      head(best)
      if not seen[id] then
        seen[id] = true
        emitted = emitted + 1
        return e
      end
    end
    return nil
  end
end
