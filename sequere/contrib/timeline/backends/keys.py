"""Every Redis key of the timeline backend is built here, and only here.

Layout, for ``prefix`` = ``SEQUERE_TIMELINE_REDIS_PREFIX`` (default ``sequere:timeline``) and an
owner ``Ref(identifier, object_id)`` whose hash tag is ``{identifier:object_id}``::

    prefix:action:{<id>}                  STRING  the action's JSON, stored once
    prefix:{user:1}:entries:private       LIST    packed entries (see .entries), oldest first:
                                                  its own actions and those of what it follows
    prefix:{user:1}:entries:public        LIST    the owner's own actions, same entries
    prefix:{user:1}:read_at               STRING  microseconds
    prefix:{user:1}:unfollowed            HASH    actor ref -> when it was unfollowed
    prefix:{user:1}:pulling               ZSET    the pulled actors it follows (JSON refs), each
                                                  scored by the date from which its public
                                                  timeline is merged in (hybrid fan-out)
    prefix:{user:1}:pull_mode             STRING  set while the owner, as an actor, is pulled:
                                                  microseconds since when
    prefix:{user:1}:live                  channel the live feed's pub/sub channel of the owner
                                                  (no key is stored; see ..live)

All keys of one owner share its hash tag, hence one Redis Cluster slot, so the Lua scripts that
write them touch a single node. ``prefix:`` and the escaping of every part (so that no object id
can cut a hash tag short or make two keys collide) follow the one rule of :mod:`sequere.redis.keys`.

The layout before version 2 (sorted sets of 32-character ids, one per filtered view, and a
per-actor index) is named by the ``old_*`` methods, for ``sequere_rebuild_timeline --relayout``
only: ``prefix:{user:1}:private`` and ``:public`` (ZSET), their views ``:v:<verb>``,
``:t:<identifier>``, ``:vt:<verb>:<identifier>``, and ``:private:a:<actor>`` (ZSET).
"""

from __future__ import annotations

from functools import lru_cache

from ....redis.keys import escape, glob_literal, hash_tag, key_prefix
from ....refs import Ref
from ..records import PRIVATE


def ref_field(ref: Ref) -> str:
    """A ref as one string (hash field of the ``unfollowed`` map)."""
    return _ref_field(ref.identifier, ref.object_id)


@lru_cache(maxsize=65536)
def _ref_field(identifier: str, object_id: str) -> str:
    return f"{escape(identifier)}:{escape(object_id)}"


class KeyBuilder:
    """Builds the keys of the layout above under one prefix."""

    def __init__(self, prefix: str) -> None:
        self.prefix = key_prefix(prefix, "TIMELINE_REDIS_PREFIX")
        self._owner = lru_cache(maxsize=65536)(self._build_owner)

    def _build_owner(self, identifier: str, object_id: str) -> str:
        return f"{self.prefix}{hash_tag(identifier, object_id)}"

    def action(self, action_id: str) -> str:
        """The action store key of one action."""
        return f"{self.prefix}action:{{{escape(action_id)}}}"

    def action_pattern(self) -> str:
        """A ``SCAN MATCH`` pattern for every stored action under the prefix."""
        return f"{glob_literal(self.prefix)}action:{{*}}"

    def owner(self, owner: Ref) -> str:
        """The common start of every key of ``owner`` (prefix and hash tag)."""
        return self._owner(owner.identifier, owner.object_id)

    def timeline(self, owner: Ref, kind: str) -> str:
        """``owner``'s ``kind`` (private or public) timeline: one LIST of packed entries."""
        return f"{self.owner(owner)}:entries:{kind}"

    def delivery(self, owner: Ref, kind: str) -> tuple[str, str]:
        """``(timeline, unfollowed)`` of ``owner``: the pair of keys a delivery writes and reads."""
        base = self.owner(owner)
        return f"{base}:entries:{kind}", f"{base}:unfollowed"

    def timeline_pattern(self) -> str:
        """A ``SCAN MATCH`` pattern for every timeline under the prefix."""
        return f"{glob_literal(self.prefix)}{{*}}:entries:p*"

    def read_at(self, owner: Ref) -> str:
        """When ``owner`` last read its timeline."""
        return f"{self.owner(owner)}:read_at"

    def seen(self, owner: Ref) -> str:
        """When ``owner`` was last seen (``SEQUERE_TIMELINE_INACTIVE_AFTER``)."""
        return f"{self.owner(owner)}:seen"

    def unfollowed(self, owner: Ref) -> str:
        """When ``owner`` unfollowed each actor (deliveries read before that are dropped)."""
        return f"{self.owner(owner)}:unfollowed"

    def pulling(self, owner: Ref) -> str:
        """The pulled actors ``owner`` follows, with the date each is merged from."""
        return f"{self.owner(owner)}:pulling"

    def pulling_pair(self, owner: Ref) -> tuple[str, str]:
        """``(pulling, unfollowed)`` of ``owner``: what adding a pulled following writes and reads."""
        base = self.owner(owner)
        return f"{base}:pulling", f"{base}:unfollowed"

    def pull_mode(self, actor: Ref) -> str:
        """Since when ``actor`` is pulled (absent while it is pushed)."""
        return f"{self.owner(actor)}:pull_mode"

    def live_channel(self, owner: Ref) -> str:
        """The pub/sub channel the live feed of ``owner`` listens on (its hash tag: one shard)."""
        return f"{self.owner(owner)}:live"

    # the layout before version 2 (see the module doc)

    def old_pattern(self) -> str:
        """A ``SCAN MATCH`` pattern for the main sorted set of every old-layout timeline."""
        return f"{glob_literal(self.prefix)}{{*}}:p[ru][ib]*"

    def old_owner(self, key: str) -> tuple[str, str] | None:
        """``(owner key start, kind)`` of an old main timeline key, None for any other key."""
        start, tag_end, rest = key.rpartition("}:")
        if not tag_end or rest not in (PRIVATE, "public"):
            return None
        return start + "}", rest

    def old_views(self, owner_start: str, kind: str, records: list) -> list[str]:
        """The old filtered views and per-actor indexes of one old timeline that held ``records``."""
        base = f"{owner_start}:{kind}"
        views: set[str] = set()
        for record in records:
            verb = escape(record.verb)
            views.add(f"{base}:v:{verb}")
            if record.target is not None:
                target = escape(record.target.identifier)
                views.update((f"{base}:t:{target}", f"{base}:vt:{verb}:{target}"))
            if kind == PRIVATE:
                views.add(f"{base}:a:{ref_field(record.actor)}")
        return sorted(views)

    def old_extras_pattern(self) -> str:
        """A ``SCAN MATCH`` pattern for whatever is left of the old filtered views and indexes."""
        return f"{glob_literal(self.prefix)}{{*}}:p[ru][ib]*:*"
