-- Shared functions of the timeline scripts: reading packed entries (layout: ../entries.py).
-- An entry: date (8 bytes, signed big-endian), actor (8), verb code (4, top bit: saved here),
-- target code (4), then the id (8 bytes of a 16-hex-digit id, or NUL-prefixed text).
local function entry_date(e)
  return struct.unpack('>i8', e)
end

local function entry_id(e)
  local tail = string.sub(e, 25)
  if #tail == 8 then
    return string.format('%02x%02x%02x%02x%02x%02x%02x%02x', string.byte(tail, 1, 8))
  end
  return (string.gsub(tail, '^%z+', ''))
end

-- Bytewise order of two strings (Lua's own < follows the server's locale).
local function bytes_before(a, b)
  local n = math.min(#a, #b)
  for i = 1, n do
    local x, y = string.byte(a, i), string.byte(b, i)
    if x ~= y then return x < y end
  end
  return #a < #b
end

-- -1, 0 or 1: a sorts before, with, or after b by (date, id).
local function compare(a, b)
  if a == b then return 0 end
  local da, db = entry_date(a), entry_date(b)
  if da ~= db then return da < db and -1 or 1 end
  local ia, ib = entry_id(a), entry_id(b)
  if ia == ib then return 0 end
  return bytes_before(ia, ib) and -1 or 1
end

local function verb_code(e)
  return struct.unpack('>I4', e, 17) % 2147483648
end

local function saved_here(e)
  return struct.unpack('>I4', e, 17) >= 2147483648
end

local function target_code(e)
  return struct.unpack('>I4', e, 21)
end

-- A filter: verb and target codes as numbers, or nil for "any".
local function filter(verb, target)
  return tonumber(verb), tonumber(target)
end

local function keeps(e, verb, target)
  return (verb == nil or verb_code(e) == verb) and (target == nil or target_code(e) == target)
end
