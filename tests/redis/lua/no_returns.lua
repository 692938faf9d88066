-- A test script without a returns line.
-- keys: key
return 1
