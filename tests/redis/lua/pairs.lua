-- A test script: echoes its named keys and arguments back as named results.
-- keys: first rest...
-- args: word numbers...
-- returns: first count word total
local total = 0
for i = 1, #numbers do total = total + tonumber(numbers[i]) end
return {'first', first, 'count', 1 + #rest, 'word', word, 'total', total}
