-- Follow requests: functions shared by request*.lua, drop_request*.lua and approve*.lua.

-- `member` asks to join `requests` (pending requests received, or sent) unless it is in `joined`
-- (the edge exists): 'following'. 'pending' when its request is pending already, 'again' when
-- pending at exactly `time` (this call's own earlier run, resent after its reply was lost).
local function ask(joined, requests, member, time)
  if redis.call('ZSCORE', joined, member) then return 'following' end
  local current = redis.call('ZSCORE', requests, member)
  if current then
    if tonumber(current) == tonumber(time) then return 'again' end
    return 'pending'
  end
  redis.call('ZADD', requests, time, member)
  return 'added'
end

-- Drop `member` from `requests`: 'removed', or '' if it was not there. With an operation id
-- `op`, the call leaves it in `marker` for `keep` seconds, so that the same call resent after
-- its reply was lost finds it and answers 'again' (an empty `op` leaves no marker).
local function drop(requests, member, marker, op, keep)
  if op ~= '' and redis.call('GET', marker) == op then return 'again' end
  if redis.call('ZREM', requests, member) == 0 then return '' end
  if op ~= '' then redis.call('SET', marker, op, 'EX', keep) end
  return 'removed'
end
