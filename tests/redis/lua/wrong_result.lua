-- A test script that returns a field its header does not name.
-- keys: key
-- returns: value
return {'other', 1}
