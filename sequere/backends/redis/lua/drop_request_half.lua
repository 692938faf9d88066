-- Redis Cluster: one resource's half of removing a follow request (see request_lib.lua's drop).
-- uses: request_lib
-- keys: requests marker
-- args: member op keep
-- returns: which of removed again
return drop(requests, member, marker, op, keep)
