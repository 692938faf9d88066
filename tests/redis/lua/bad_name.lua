-- A test script naming a key after a Lua keyword.
-- keys: end
-- returns: value
return {'value', 1}
