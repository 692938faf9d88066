"""The one module that turns refs into Redis key names.

Layout (``P`` is ``SEQUERE_REDIS_PREFIX``, ``I:K`` the resource's escaped identifier and pk)::

    P{I:K}:i:J   sorted set: pks of type J that follow I:K          (followers)
    P{I:K}:o:J   sorted set: pks of type J that I:K follows         (followings)
    P{I:K}:m:J   sorted set: pks of type J that are mutual follows  (friends)
    P{I:K}:ti:J  hash: pk of type J -> time, tombstones of the followers (Redis Cluster only)
    P{I:K}:to:J  hash: pk of type J -> time, tombstones of the followings (Redis Cluster only)

Scores are follow times in integer microseconds since the epoch. Everything about one resource
sits behind the same hash tag ``{I:K}``, so it lives in one Redis Cluster slot and one Lua
script may touch all of it. Identifiers and pks are escaped (``%XX`` for ``%``, ``:``, ``{``,
``}``, whitespace and control characters), so the separators above only ever appear as
separators and two different refs can never share a key.

The tombstone hashes exist only on Redis Cluster, where each half of an edge is a last-writer-wins
register (see ``lua/follow_half.lua``): a field holds the time of the last unfollow of an absent
member, or of a follow later than the score of a present one.
"""

from __future__ import annotations

from functools import lru_cache

from django.core.exceptions import ImproperlyConfigured

from ...refs import Ref

#: One-letter kind codes used in key names (short keys save memory on every resource).
FOLLOWERS_CODE = "i"
FOLLOWINGS_CODE = "o"
FRIENDS_CODE = "m"
CODES = (FOLLOWERS_CODE, FOLLOWINGS_CODE, FRIENDS_CODE)
#: Prefix of the tombstone code of a list: ``ti`` for the followers, ``to`` for the followings.
TOMBSTONES_CODE = "t"

_SPECIAL = frozenset("%:{}")
_GLOB = frozenset("*?[]\\")


def escape(part: str) -> str:
    """``part`` with ``%``, ``:``, ``{``, ``}``, whitespace and control characters as ``%XX``."""
    if part.isalnum() and part.isascii():
        return part
    out = []
    for char in part:
        if char in _SPECIAL or char.isspace() or ord(char) < 32 or ord(char) == 127:
            out.extend(f"%{byte:02X}" for byte in char.encode("utf-8"))
        else:
            out.append(char)
    return "".join(out)


def unescape(part: str) -> str:
    """The inverse of :func:`escape`."""
    if "%" not in part:
        return part
    raw = bytearray()
    index = 0
    while index < len(part):
        if part[index] == "%":
            raw.append(int(part[index + 1 : index + 3], 16))
            index += 3
        else:
            raw.extend(part[index].encode("utf-8"))
            index += 1
    return raw.decode("utf-8")


def check_prefix(prefix: str) -> str:
    """Return ``prefix`` or raise ImproperlyConfigured if it would break hash tags."""
    if not isinstance(prefix, str) or "{" in prefix or "}" in prefix:
        raise ImproperlyConfigured(
            f"SEQUERE_REDIS_PREFIX = {prefix!r} must be a string without '{{' or '}}' "
            "(they would change the Redis Cluster hash tag); use e.g. 'sequere:myproject:'."
        )
    return prefix


class KeyBuilder:
    """Builds every key name of the Redis follow backend for one prefix."""

    def __init__(self, prefix: str) -> None:
        self.prefix = check_prefix(prefix)
        self._tag = lru_cache(maxsize=65536)(self._build_tag)

    def _build_tag(self, identifier: str, object_id: str) -> str:
        return f"{self.prefix}{{{escape(identifier)}:{escape(object_id)}}}:"

    def tag(self, ref: Ref) -> str:
        """The key stem of ``ref``: ``P{I:K}:`` (every key of the resource starts with it)."""
        return self._tag(ref.identifier, ref.object_id)

    def key(self, ref: Ref, code: str, identifier: str) -> str:
        """The sorted set of ``ref``'s ``code`` list (i/o/m) holding pks of type ``identifier``."""
        return f"{self._tag(ref.identifier, ref.object_id)}{code}:{escape(identifier)}"

    def tombstones(self, ref: Ref, code: str, identifier: str) -> str:
        """The tombstone hash of ``ref``'s ``code`` list (i/o) for pks of type ``identifier``."""
        return self.key(ref, TOMBSTONES_CODE + code, identifier)

    def keys(self, ref: Ref, code: str, identifiers: list[str]) -> list[str]:
        """:meth:`key` for each identifier, in the same order."""
        stem = self._tag(ref.identifier, ref.object_id)
        return [f"{stem}{code}:{escape(identifier)}" for identifier in identifiers]

    def pattern(self, code: str = "*") -> str:
        """A ``SCAN MATCH`` pattern for every set of kind ``code`` under this prefix."""
        literal = "".join(f"\\{c}" if c in _GLOB else c for c in self.prefix)
        return f"{literal}{{*}}:{code}:*"

    def parse(self, key: str) -> tuple[Ref, str, str]:
        """``(ref, code, identifier)`` of a key built here; ValueError for anything else."""
        if not key.startswith(self.prefix + "{"):
            raise ValueError(f"{key!r} is not a sequere key under prefix {self.prefix!r}")
        body = key[len(self.prefix) + 1 :]
        tag, sep, rest = body.partition("}:")
        identifier, colon, object_id = tag.partition(":")
        code, colon2, other = rest.partition(":")
        if not (sep and colon and colon2 and code in CODES) or ":" in other or "}" in tag:
            raise ValueError(f"{key!r} is not a sequere key under prefix {self.prefix!r}")
        return Ref(unescape(identifier), unescape(object_id)), code, unescape(other)
