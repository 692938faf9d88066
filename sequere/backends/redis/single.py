"""Follow and unfollow on a single Redis: one script writes both halves of an edge, atomically.

An edge ``follower -> followed`` is stored twice: the *follower's half* (the followed's pk in the
follower's followings, and the friends set when the follow is mutual) and the *followed's half*
(the follower's pk in the followed's followers, and its friends). On one Redis one Lua script
(``lua/follow.lua``, ``lua/unfollow.lua``) writes both, so they can never disagree: a follow or
unfollow is one round trip and runs whole or not at all. ``ZADD NX`` keeps the first date, so a
retried follow changes nothing. Redis Cluster needs more: see :mod:`sequere.backends.redis.cluster`.

**Outcomes survive a lost reply.** redis-py resends a command whose reply it did not get (its
``retry=``), and so does :meth:`sequere.redis.link.Link.write` once; the write may have run the
first time. Each write therefore carries what lets its script recognise its own earlier run:

* a follow, its date (the score, in microseconds): the edge already held at exactly that time
  was written by this very call (unique enough together with the pair), so the script answers
  ``again`` and the call reports the follow it made, with its one ``followed`` signal;
* an unfollow, an operation id (:func:`new_operation_id`): the script that removes the edge
  leaves it in the edge's *outcome marker* key for :data:`MARKER_LIFETIME` seconds, and the
  resent script that finds it answers ``again`` and changes nothing.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable

from ...redis.link import Link
from ...redis.scripts import ScriptCall
from ...refs import Ref
from . import scripts
from .keys import FOLLOWINGS_CODE, KeyBuilder
from .outcome import Outcome

#: Seconds an unfollow's outcome marker is kept: far longer than redis-py's retries and
#: sequere's one resend take, short enough that markers cost little memory.
MARKER_LIFETIME = 300


def new_operation_id() -> str:
    """A random id for one unfollow call (64 bits, hex): what its outcome marker holds."""
    return secrets.token_hex(8)


class SingleRedisWrites:
    """The write calls of the follow backend on one Redis (see the module doc)."""

    def __init__(self, keys: KeyBuilder) -> None:
        self.keys = keys

    def follow(self, follower: Ref, followed: Ref, stamp: int) -> list[ScriptCall]:
        """The call adding the edge at ``stamp`` (microseconds, the score)."""
        keys = self.keys.edge(follower, followed)
        keys["follower_blocks"], keys["follower_blocked_by"] = self.keys.blocks(follower, followed.identifier)
        args = {"time": stamp, "follower": follower.object_id, "followed": followed.object_id}
        return [ScriptCall(scripts.FOLLOW, keys, args)]

    def unfollow(
        self, follower: Ref, followed: Ref, stamp: int | None = None, op: str | None = None
    ) -> list[ScriptCall]:
        """The call removing the edge; ``stamp`` is ignored (one script needs no ordering).

        ``op`` is the call's operation id (default: a new one); ``""`` writes no outcome marker
        (bulk removals, which report no single outcome).
        """
        _, a_out, a_friends = self.keys.lists(follower, followed.identifier)
        b_in, _, b_friends = self.keys.lists(followed, follower.identifier)
        keys = {
            "follower_followings": a_out,
            "follower_friends": a_friends,
            "followed_followers": b_in,
            "followed_friends": b_friends,
            "marker": self.keys.marker(follower, FOLLOWINGS_CODE, followed),
        }
        args = {
            "follower": follower.object_id,
            "followed": followed.object_id,
            "op": new_operation_id() if op is None else op,
            "keep": MARKER_LIFETIME,
        }
        return [ScriptCall(scripts.UNFOLLOW, keys, args)]

    def outcome(self, results: list[dict]) -> Outcome:
        """What the call's reply says each half did."""
        (result,) = results
        return Outcome(
            follower=result["follower"],
            followed=result["followed"],
            again=result["again"],
            blocked=result.get("blocked", False),
        )

    def resource_keys(self, ref: Ref, identifiers: list[str]) -> list[str]:
        """Keys of ``ref`` besides its lists (none on one Redis)."""
        return []

    def copy_tombstones(self, link: Link, pairs: list[tuple[Ref, Ref]]) -> None:
        """Repairs: nothing to copy, one Redis keeps no tombstones."""

    def sweep(self, link: Link, tombstone_keys: Iterable[str], *, fix: bool) -> tuple[int, int]:
        """``(expired, swept)`` tombstones: always ``(0, 0)`` on one Redis."""
        return 0, 0
