"""Blocks and mutes in the Redis follow backend (key layout in :mod:`.keys`).

A block is written with the follows it removes by one script on a single Redis
(``lua/block.lua``, atomic against ``follow.lua``, which reads the same block sets), and by one
script per resource on Redis Cluster (``lua/block_half.lua``, both in one pipeline: one round
trip per node). Each follow half checks its own resource's block sets, and each block half
removes its own resource's lists, so whatever order a block and a racing follow reach the two
nodes in, neither half keeps the edge. An unblock raises both halves' tombstones to its time
(``lua/unblock_half.lua``), so a follow dated before it is refused on both halves.

Mutes touch no follow: two ``ZADD``/``ZREM`` in one pipeline (one round trip per node).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, NoReturn

from django.utils import timezone

from ...exceptions import BlockedException
from ...redis.scripts import ScriptCall
from ...refs import Ref
from ...timeutils import to_micros
from ..relations import BLOCKS, BlockOutcome
from . import scripts
from .bulk import WRITE_BATCH
from .keys import BLOCKED_BY_CODE, BLOCKS_CODE, FOLLOWERS_CODE, FOLLOWINGS_CODE, MUTED_BY_CODE, MUTES_CODE

#: (code, the code of the same relation seen from the other side)
RELATION_PAIRS = (
    (BLOCKS_CODE, BLOCKED_BY_CODE),
    (BLOCKED_BY_CODE, BLOCKS_CODE),
    (MUTES_CODE, MUTED_BY_CODE),
    (MUTED_BY_CODE, MUTES_CODE),
)

if TYPE_CHECKING:
    from ...redis.alink import AsyncLink
    from .backend import RedisBackend


def blocked_error(from_ref: Ref, to_ref: Ref, forward: bool) -> BlockedException:
    """The :class:`BlockedException` of a follow ``from_ref -> to_ref`` refused by a block:
    ``from_ref`` blocks ``to_ref`` (``forward``) or the other way round."""
    blocker, blocked = (from_ref, to_ref) if forward else (to_ref, from_ref)
    return BlockedException(
        f"{blocker.identifier}:{blocker.object_id} blocks {blocked.identifier}:{blocked.object_id}: "
        "no follow either way until unblock().",
        blocker=blocker,
        blocked=blocked,
    )


class RedisRelations:
    """The :class:`~sequere.backends.relations.RelationsContract` methods of the Redis backend."""

    supports_relations = True

    def _block_calls(self: RedisBackend, blocker: Ref, blocked: Ref, stamp: int) -> list[ScriptCall]:
        keys = self.keys
        a_in, a_out, a_friends = keys.lists(blocker, blocked.identifier)
        b_in, b_out, b_friends = keys.lists(blocked, blocker.identifier)
        a_blocks = keys.key(blocker, BLOCKS_CODE, blocked.identifier)
        b_blocked_by = keys.key(blocked, BLOCKED_BY_CODE, blocker.identifier)
        if not self.link.cluster:
            names = {
                "blocker_blocks": a_blocks,
                "blocked_blocked_by": b_blocked_by,
                "blocker_followings": a_out,
                "blocker_followers": a_in,
                "blocker_friends": a_friends,
                "blocked_followers": b_in,
                "blocked_followings": b_out,
                "blocked_friends": b_friends,
            }
            args = {"time": stamp, "blocker": blocker.object_id, "blocked": blocked.object_id}
            return [ScriptCall(scripts.BLOCK, names, args)]
        return [
            ScriptCall(
                scripts.BLOCK_HALF,
                {"relation": relation, "followings": out, "followers": inn, "friends": friends},
                {"time": stamp, "member": other.object_id},
            )
            for relation, out, inn, friends, other in (
                (a_blocks, a_out, a_in, a_friends, blocked),
                (b_blocked_by, b_out, b_in, b_friends, blocker),
            )
        ]

    def block(self: RedisBackend, blocker: Ref, blocked: Ref, created_at: datetime) -> BlockOutcome:
        """One script on a single Redis; one per half on a cluster (one round trip per node)."""
        calls = self._block_calls(blocker, blocked, to_micros(created_at))
        if not self.link.cluster:
            result = self.link.run(calls[0])
            return BlockOutcome(result["created"], result["forward"], result["backward"])
        mine, theirs = self.link.run_many(calls)
        # each follow is reported from its follower's half, as follow() and unfollow() are
        return BlockOutcome(mine["created"], mine["followed"], theirs["followed"])

    def unblock(self: RedisBackend, blocker: Ref, blocked: Ref) -> bool:
        """One script (one per half on a cluster, in one pipeline)."""
        keys = self.keys
        a_blocks = keys.key(blocker, BLOCKS_CODE, blocked.identifier)
        b_blocked_by = keys.key(blocked, BLOCKED_BY_CODE, blocker.identifier)
        if not self.link.cluster:
            call = ScriptCall(
                scripts.UNBLOCK,
                {"blocker_blocks": a_blocks, "blocked_blocked_by": b_blocked_by},
                {"blocker": blocker.object_id, "blocked": blocked.object_id},
            )
            return self.link.run(call)["removed"]
        stamp = to_micros(timezone.now())
        calls = [
            ScriptCall(
                scripts.UNBLOCK_HALF,
                {
                    "relation": relation,
                    "followings_tombstones": keys.tombstones(ref, FOLLOWINGS_CODE, other.identifier),
                    "followers_tombstones": keys.tombstones(ref, FOLLOWERS_CODE, other.identifier),
                },
                {"time": stamp, "member": other.object_id},
            )
            for relation, ref, other in ((a_blocks, blocker, blocked), (b_blocked_by, blocked, blocker))
        ]
        return self.link.run_many(calls)[0]["removed"]

    def _pair_keys(self: RedisBackend, code: str, reverse: str, a: Ref, b: Ref) -> tuple[str, str]:
        return self.keys.key(a, code, b.identifier), self.keys.key(b, reverse, a.identifier)

    def is_blocked(self: RedisBackend, blocker: Ref, blocked: Ref) -> bool:
        """One ``ZSCORE`` on the blocker's blocks."""
        link = self.link
        with link.errors:
            return link.client.zscore(*self._block_entry(blocker, blocked)) is not None

    def _block_entry(self: RedisBackend, blocker: Ref, blocked: Ref) -> tuple[str, str]:
        """(the blocker's blocks set, the member ``blocked`` is there)."""
        return self.keys.key(blocker, BLOCKS_CODE, blocked.identifier), blocked.object_id

    def refuse_blocked(self: RedisBackend, from_ref: Ref, to_ref: Ref) -> NoReturn:
        """Raise the :class:`BlockedException` of a refused write, naming who blocks whom (one
        ``ZSCORE`` more, on the refused call only)."""
        raise blocked_error(from_ref, to_ref, self.is_blocked(from_ref, to_ref))

    async def arefuse_blocked(self: RedisBackend, link: AsyncLink, from_ref: Ref, to_ref: Ref) -> NoReturn:
        """:meth:`refuse_blocked` on ``redis.asyncio`` (``link``)."""
        with link.errors:
            forward = await link.client.zscore(*self._block_entry(from_ref, to_ref)) is not None
        raise blocked_error(from_ref, to_ref, forward)

    def mute(self: RedisBackend, muter: Ref, muted: Ref, created_at: datetime) -> bool:
        """``ZADD NX`` on both resources in one pipeline."""
        mine, theirs = self._pair_keys(MUTES_CODE, MUTED_BY_CODE, muter, muted)
        stamp = to_micros(created_at)
        pipe = self.link.pipeline()
        pipe.pipe.zadd(mine, {muted.object_id: stamp}, nx=True)
        pipe.pipe.zadd(theirs, {muter.object_id: stamp}, nx=True)
        return bool(pipe.execute()[0])

    def unmute(self: RedisBackend, muter: Ref, muted: Ref) -> bool:
        """``ZREM`` on both resources in one pipeline."""
        mine, theirs = self._pair_keys(MUTES_CODE, MUTED_BY_CODE, muter, muted)
        pipe = self.link.pipeline()
        pipe.pipe.zrem(mine, muted.object_id)
        pipe.pipe.zrem(theirs, muter.object_id)
        return bool(pipe.execute()[0])

    def is_muted(self: RedisBackend, muter: Ref, muted: Ref) -> bool:
        """One ``ZSCORE`` on the muter's mutes."""
        link = self.link
        with link.errors:
            return (
                link.client.zscore(self.keys.key(muter, MUTES_CODE, muted.identifier), muted.object_id)
                is not None
            )

    def forget_relations(self: RedisBackend, ref: Ref, identifiers: list[str]) -> list[str]:
        """Take ``ref`` out of the other side of each of its blocks and mutes (pipelined, one
        round trip per node and batch), and return its own relation keys for the caller to delete."""
        keys, link = self.keys, self.link
        own = []
        for code, reverse in RELATION_PAIRS:
            for identifier in identifiers:
                key = keys.key(ref, code, identifier)
                own.append(key)
                with link.errors:
                    members = link.client.zrange(key, 0, -1)
                for start in range(0, len(members), WRITE_BATCH):
                    pipe = link.pipeline()
                    for member in members[start : start + WRITE_BATCH]:
                        pipe.pipe.zrem(
                            keys.key(Ref(identifier, member), reverse, ref.identifier), ref.object_id
                        )
                    pipe.execute()
        return own

    def iter_audience(self: RedisBackend, ref: Ref, chunk_size: int = 100) -> Iterator[list[Ref]]:
        """:meth:`iter_refs` of the followers through ``audience.lua``, which drops those that
        mute or block ``ref`` and those it blocks in the same script: one round trip per chunk,
        as without the filter (the filter sets share ``ref``'s slot)."""
        identifiers = self._identifiers(None)
        filters = [
            self.keys.key(ref, code, identifier)
            for identifier in identifiers
            for code in (BLOCKS_CODE, BLOCKED_BY_CODE, MUTED_BY_CODE)
        ]
        keys = {"sets": self.keys.keys(ref, FOLLOWERS_CODE, identifiers) + filters}
        cursor = {"cursor_score": "", "cursor_set": 0, "cursor_member": ""}
        while True:
            reply = self.link.run(ScriptCall(scripts.AUDIENCE, keys, {"limit": chunk_size, **cursor}))
            chunk = []
            for entry in reply["members"]:
                position, _, member = entry.partition(":")
                chunk.append(Ref(identifiers[int(position) - 1], member))
            if chunk:
                yield chunk
            if int(reply["read"]) < chunk_size:
                return
            score, position, member = reply["cursor"]
            cursor = {"cursor_score": score, "cursor_set": position, "cursor_member": member}

    def hidden_among(self: RedisBackend, actor: Ref, owners: Sequence[Ref]) -> set[Ref]:
        """One ``EVALSHA`` of ``hidden.lua`` on the actor's slot, whatever the number of owners."""
        if not owners:
            return set()
        identifiers = sorted({ref.identifier for ref in owners})
        position = {identifier: i + 1 for i, identifier in enumerate(identifiers)}
        sets = []
        for identifier in identifiers:
            sets += [
                self.keys.key(actor, code, identifier)
                for code in (BLOCKS_CODE, BLOCKED_BY_CODE, MUTED_BY_CODE)
            ]
        members = [f"{position[ref.identifier]}:{ref.object_id}" for ref in owners]
        hidden = self.link.run(ScriptCall(scripts.HIDDEN, {"sets": sets}, {"members": members}))["hidden"]
        out = set()
        for entry in hidden:
            index, _, object_id = entry.partition(":")
            out.add(Ref(identifiers[int(index) - 1], object_id))
        return out

    def iter_relations(
        self: RedisBackend, kind: str, chunk_size: int = 1000
    ) -> Iterator[list[tuple[Ref, Ref, datetime]]]:
        """The ``b`` (or ``s``) sets (:meth:`~.bulk.BulkMethods.iter_scored`)."""
        return self.iter_scored(BLOCKS_CODE if kind == BLOCKS else MUTES_CODE, chunk_size)
