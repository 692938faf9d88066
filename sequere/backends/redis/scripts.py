"""The Lua scripts of the Redis follow backend, one per file in ``lua/`` (named keys, args, results).

See :mod:`sequere.redis.scripts` for the header every file opens with, and
:mod:`sequere.redis.link` for how they are sent (``EVALSHA`` through the configured client, alone
or in pipelines; ``EVAL`` once where a server does not know them).
"""

from __future__ import annotations

from ...redis.scripts import Script

#: Single Redis: both halves of a follow / an unfollow in one atomic script (:mod:`.single`).
FOLLOW = Script(__package__, "follow")
UNFOLLOW = Script(__package__, "unfollow")
#: Redis Cluster: one half as a last-writer-wins register with tombstones (:mod:`.cluster`).
FOLLOW_HALF = Script(__package__, "follow_half")
UNFOLLOW_HALF = Script(__package__, "unfollow_half")
#: Redis Cluster: drop tombstones older than their lifetime (``sequere_check --fix``).
SWEEP = Script(__package__, "sweep")
#: Reads: a count, a page, and a keyset page of a list of several types (rows of set, member,
#: score; or, for the timeline fan-out, one string per entry: ``chunk``).
COUNT = Script(__package__, "count")
FETCH = Script(__package__, "fetch")
AFTER = Script(__package__, "after")
CHUNK = Script(__package__, "chunk")
#: Cursor pages: the entries nearest to a cursor on one side of it, by rank (no walk).
SEEK = Script(__package__, "seek")
#: Repairs (``sequere_check --fix``): one half set to what the other says.
MIRROR = Script(__package__, "mirror")
#: Blocks: both resources and the follows both ways in one script (single Redis), or one
#: resource's half (Redis Cluster); unblocks alike (:mod:`sequere.backends.redis.relations`).
BLOCK = Script(__package__, "block")
BLOCK_HALF = Script(__package__, "block_half")
UNBLOCK = Script(__package__, "unblock")
UNBLOCK_HALF = Script(__package__, "unblock_half")
#: The fan-out filter: which owners of a chunk mute or block an actor, or are blocked by it.
HIDDEN = Script(__package__, "hidden")
#: The fan-out's chunk of followers with the filter applied in the same script (``iter_audience``).
AUDIENCE = Script(__package__, "audience")
