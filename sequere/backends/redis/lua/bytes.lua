-- Shared by the scripts that order members: bytewise order of two strings (Lua's own < follows
-- the server's locale; Redis orders sorted-set members by their bytes).
local function bytes_less(a, b)
  local n = math.min(#a, #b)
  for k = 1, n do
    local x, y = string.byte(a, k), string.byte(b, k)
    if x ~= y then return x < y end
  end
  return #a < #b
end
