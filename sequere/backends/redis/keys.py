"""The one module that turns refs into the Redis follow backend's key names (its layout only).

Layout (``P`` is the start of every key, from ``SEQUERE_REDIS_PREFIX``; ``{I:K}`` the resource's
hash tag, identifier and pk escaped, see :mod:`sequere.redis.keys`)::

    P{I:K}:i:J   sorted set: pks of type J that follow I:K          (followers)
    P{I:K}:o:J   sorted set: pks of type J that I:K follows         (followings)
    P{I:K}:m:J   sorted set: pks of type J that are mutual follows  (friends)
    P{I:K}:ti:J  hash: pk of type J -> time, tombstones of the followers (Redis Cluster only)
    P{I:K}:to:J  hash: pk of type J -> time, tombstones of the followings (Redis Cluster only)
    P{I:K}:ui:J:L  string: operation id of the unfollow that just removed follower J:L (a while)
    P{I:K}:uo:J:L  string: operation id of the unfollow that just removed following J:L (a while)
    P{I:K}:ri:J  sorted set: pks of type J whose follow request I:K has not answered (requests)
    P{I:K}:ro:J  sorted set: pks of type J that I:K asked to follow, pending (sent requests)
    P{I:K}:uri:J:L string: operation id of the call that just removed J:L's request (a while)
    P{I:K}:b:J   sorted set: pks of type J that I:K blocks                 (blocks, by block time)
    P{I:K}:bb:J  sorted set: pks of type J that block I:K                  (blocked by)
    P{I:K}:s:J   sorted set: pks of type J that I:K mutes                  (mutes, by mute time)
    P{I:K}:sb:J  sorted set: pks of type J that mute I:K                   (muted by)

Scores are follow (or request) times in integer microseconds since the epoch. Everything about one resource
sits behind the same hash tag ``{I:K}``, so it lives in one Redis Cluster slot and one Lua
script may touch all of it. The tombstone hashes exist only on Redis Cluster; see
:mod:`sequere.backends.redis.cluster`. The outcome markers (``u...``) expire on their own after
:data:`~sequere.backends.redis.single.MARKER_LIFETIME` seconds (on a single Redis only the
follower's ``uo`` marker is written); see :mod:`sequere.backends.redis.single`.

A block or a mute is stored on both resources, as an edge is: ``a`` blocks ``b`` puts ``b`` in
``a``'s ``b`` set and ``a`` in ``b``'s ``bb`` set. So each side's slot holds all a follow script
must check there (the follow scripts read the two block sets of their resource), and the actor's
slot holds all the fan-out filter reads (its ``b``, ``bb`` and ``sb`` sets; see
:mod:`sequere.backends.redis.relations`).
"""

from __future__ import annotations

from functools import lru_cache

from ...redis.keys import escape, glob_literal, hash_tag, key_prefix, unescape
from ...refs import Ref
from ..base import FOLLOWERS, FOLLOWINGS, FRIENDS, REQUESTS, SENT_REQUESTS
from ..relations import BLOCKS, MUTES

#: One-letter kind codes used in key names (short keys save memory on every resource).
FOLLOWERS_CODE = "i"
FOLLOWINGS_CODE = "o"
FRIENDS_CODE = "m"
CODES = (FOLLOWERS_CODE, FOLLOWINGS_CODE, FRIENDS_CODE)
#: Blocks and mutes (see the module doc): who the resource blocks / is blocked by / mutes / is muted by.
BLOCKS_CODE = "b"
BLOCKED_BY_CODE = "bb"
MUTES_CODE = "s"
MUTED_BY_CODE = "sb"
RELATION_CODES = (BLOCKS_CODE, BLOCKED_BY_CODE, MUTES_CODE, MUTED_BY_CODE)
#: Prefix of the tombstone code of a list: ``ti`` for the followers, ``to`` for the followings.
TOMBSTONES_CODE = "t"
TOMBSTONE_CODES = (TOMBSTONES_CODE + FOLLOWERS_CODE, TOMBSTONES_CODE + FOLLOWINGS_CODE)
#: Pending follow requests: received (``ri``) and sent (``ro``); see :mod:`.requests`.
REQUESTS_CODE = "ri"
SENT_REQUESTS_CODE = "ro"
REQUEST_CODES = (REQUESTS_CODE, SENT_REQUESTS_CODE)
#: Prefix of the outcome marker code of a list: ``ui`` for the followers, ``uo`` for the followings.
MARKER_CODE = "u"

#: The key code of each list kind of the backend contract.
CODE = {
    FOLLOWERS: FOLLOWERS_CODE,
    FOLLOWINGS: FOLLOWINGS_CODE,
    FRIENDS: FRIENDS_CODE,
    REQUESTS: REQUESTS_CODE,
    SENT_REQUESTS: SENT_REQUESTS_CODE,
    BLOCKS: BLOCKS_CODE,
    MUTES: MUTES_CODE,
}


class KeyBuilder:
    """Builds every key name of the Redis follow backend for one prefix setting."""

    def __init__(self, prefix: str) -> None:
        self.prefix = key_prefix(prefix, "REDIS_PREFIX")
        self._stem = lru_cache(maxsize=65536)(self._build_stem)

    def _build_stem(self, identifier: str, object_id: str) -> str:
        return f"{self.prefix}{hash_tag(identifier, object_id)}:"

    def tag(self, ref: Ref) -> str:
        """The key stem of ``ref``: ``P{I:K}:`` (every key of the resource starts with it)."""
        return self._stem(ref.identifier, ref.object_id)

    def key(self, ref: Ref, code: str, identifier: str) -> str:
        """The sorted set of ``ref``'s ``code`` list (i/o/m) holding pks of type ``identifier``."""
        return f"{self._stem(ref.identifier, ref.object_id)}{code}:{escape(identifier)}"

    def lists(self, ref: Ref, identifier: str) -> tuple[str, str, str]:
        """``ref``'s (followers, followings, friends) sets of type ``identifier``, built at once."""
        start = f"{self._stem(ref.identifier, ref.object_id)}"
        end = f":{escape(identifier)}"
        return (
            f"{start}{FOLLOWERS_CODE}{end}",
            f"{start}{FOLLOWINGS_CODE}{end}",
            f"{start}{FRIENDS_CODE}{end}",
        )

    def edge(self, follower: Ref, followed: Ref) -> dict[str, str]:
        """The six sets both halves of the edge ``follower -> followed`` touch, by the names the
        single-Redis scripts (``follow.lua``, ``approve.lua``) give them."""
        a_in, a_out, a_friends = self.lists(follower, followed.identifier)
        b_in, b_out, b_friends = self.lists(followed, follower.identifier)
        return {
            "follower_followings": a_out,
            "follower_followers": a_in,
            "follower_friends": a_friends,
            "followed_followers": b_in,
            "followed_followings": b_out,
            "followed_friends": b_friends,
        }

    def blocks(self, ref: Ref, identifier: str) -> tuple[str, str]:
        """``ref``'s (blocks, blocked by) sets of type ``identifier``: what a follow script checks."""
        stem = self._stem(ref.identifier, ref.object_id)
        end = f":{escape(identifier)}"
        return f"{stem}{BLOCKS_CODE}{end}", f"{stem}{BLOCKED_BY_CODE}{end}"

    def tombstones(self, ref: Ref, code: str, identifier: str) -> str:
        """The tombstone hash of ``ref``'s ``code`` list (i/o) for pks of type ``identifier``."""
        return self.key(ref, TOMBSTONES_CODE + code, identifier)

    def marker(self, ref: Ref, code: str, other: Ref) -> str:
        """The outcome marker of ``other`` leaving ``ref``'s ``code`` list (i/o): one key per edge."""
        return f"{self.key(ref, MARKER_CODE + code, other.identifier)}:{escape(other.object_id)}"

    def keys(self, ref: Ref, code: str, identifiers: list[str]) -> list[str]:
        """:meth:`key` for each identifier, in the same order."""
        stem = self._stem(ref.identifier, ref.object_id)
        return [f"{stem}{code}:{escape(identifier)}" for identifier in identifiers]

    def pattern(self, code: str = "*") -> str:
        """A ``SCAN MATCH`` pattern for every key of kind ``code`` (i/o/m/ti/to/ri/ro) under this prefix."""
        return f"{glob_literal(self.prefix)}{{*}}:{code}:*"

    def parse(self, key: str) -> tuple[Ref, str, str]:
        """``(ref, code, identifier)`` of a key built here; ValueError for anything else."""
        if not key.startswith(self.prefix + "{"):
            raise ValueError(f"{key!r} is not a sequere key under prefix {self.prefix!r}")
        body = key[len(self.prefix) + 1 :]
        tag, sep, rest = body.partition("}:")
        identifier, colon, object_id = tag.partition(":")
        code, colon2, other = rest.partition(":")
        known = code in CODES or code in TOMBSTONE_CODES or code in RELATION_CODES or code in REQUEST_CODES
        if not (sep and colon and colon2 and known) or ":" in other or "}" in tag:
            raise ValueError(f"{key!r} is not a sequere key under prefix {self.prefix!r}")
        return Ref(unescape(identifier), unescape(object_id)), code, unescape(other)
