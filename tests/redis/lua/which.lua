-- A test script: answers which of its names hold, as given.
-- args: answer
-- returns: which of yes no
return answer
