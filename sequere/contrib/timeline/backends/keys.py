"""Every Redis key of the timeline backend is built here, and only here.

Layout, for ``prefix`` = ``SEQUERE_TIMELINE_REDIS_PREFIX`` (default ``sequere:timeline``) and an
owner ``Ref(identifier, object_id)`` whose hash tag is ``{identifier:object_id}``::

    prefix:action:{<id>}                          STRING  the action's JSON, stored once
    prefix:{user:1}:private                       ZSET    action ids scored by date (microseconds)
    prefix:{user:1}:private:v:<verb>              ZSET    ... of one verb
    prefix:{user:1}:private:t:<identifier>        ZSET    ... whose target has that identifier
    prefix:{user:1}:private:vt:<verb>:<ident.>    ZSET    ... both
    prefix:{user:1}:private:a:<ident.>:<id>       ZSET    members [id, verb, target identifier]
                                                          of one actor (removal on unfollow)
    prefix:{user:1}:public[:v:|:t:|:vt:...]       ZSET    the owner's own actions, same views
    prefix:{user:1}:read_at                       STRING  microseconds
    prefix:{user:1}:unfollowed                    HASH    actor ref -> when it was unfollowed

All keys of one owner share its hash tag, hence one Redis Cluster slot, so the Lua scripts that
write them touch a single node. ``prefix:`` and the escaping of every part (so that no object id
can cut a hash tag short or make two keys collide) follow the one rule of :mod:`sequere.redis.keys`.
"""

from __future__ import annotations

import json
from functools import lru_cache

from ....redis.keys import escape, glob_literal, hash_tag, key_prefix
from ....refs import Ref
from ..records import PRIVATE, ActionRecord


def ref_field(ref: Ref) -> str:
    """A ref as one string (hash field of the ``unfollowed`` map)."""
    return _ref_field(ref.identifier, ref.object_id)


@lru_cache(maxsize=65536)
def _ref_field(identifier: str, object_id: str) -> str:
    return f"{escape(identifier)}:{escape(object_id)}"


def actor_member(record: ActionRecord) -> str:
    """The member an action has in an owner's per-actor index."""
    return json.dumps([record.id, record.verb, record.target_identifier], separators=(",", ":"))


def parse_actor_member(member: str) -> tuple[str, str, str | None]:
    """``(action_id, verb, target_identifier)`` of an :func:`actor_member` value."""
    action_id, verb, target = json.loads(member)
    return action_id, verb, target


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

    def owner(self, owner: Ref) -> str:
        """The common start of every key of ``owner`` (prefix and hash tag)."""
        return self._owner(owner.identifier, owner.object_id)

    def timeline_pattern(self) -> str:
        """A ``SCAN MATCH`` pattern for every timeline, view and actor index under the prefix."""
        return f"{glob_literal(self.prefix)}{{*}}:p*"

    def is_actor_index(self, key: str) -> bool:
        """Whether ``key`` (one :meth:`timeline_pattern` found) is an :meth:`actor_index`."""
        return key.partition("}:")[2].startswith(f"{PRIVATE}:a:")

    @staticmethod
    def indexed_action_id(member: str) -> str:
        """The action id of an :meth:`actor_index` member."""
        return parse_actor_member(member)[0]

    def timeline(self, owner: Ref, kind: str, verb: str | None = None, target: str | None = None) -> str:
        """One view of ``owner``'s ``kind`` timeline: all, by verb, by target identifier or both."""
        base = f"{self.owner(owner)}:{kind}"
        if verb is not None and target is not None:
            return f"{base}:vt:{escape(verb)}:{escape(target)}"
        if verb is not None:
            return f"{base}:v:{escape(verb)}"
        if target is not None:
            return f"{base}:t:{escape(target)}"
        return base

    def views(self, owner: Ref, kind: str, verb: str, target: str | None) -> list[str]:
        """Every view an action of ``verb`` (and ``target`` identifier) belongs to.

        The same keys as :meth:`timeline` gives for each filter, built with one stem.
        """
        base = f"{self.owner(owner)}:{kind}"
        by_verb = escape(verb)
        if target is None:
            return [base, f"{base}:v:{by_verb}"]
        by_target = escape(target)
        return [base, f"{base}:v:{by_verb}", f"{base}:t:{by_target}", f"{base}:vt:{by_verb}:{by_target}"]

    def actor_index(self, owner: Ref, actor: Ref) -> str:
        """The ids of ``actor``'s actions in ``owner``'s private timeline."""
        return f"{self.owner(owner)}:{PRIVATE}:a:{ref_field(actor)}"

    def read_at(self, owner: Ref) -> str:
        """When ``owner`` last read its timeline."""
        return f"{self.owner(owner)}:read_at"

    def unfollowed(self, owner: Ref) -> str:
        """When ``owner`` unfollowed each actor (deliveries read before that are dropped)."""
        return f"{self.owner(owner)}:unfollowed"
