"""Blocks and mutes in the database backend: the ``Block`` and ``Mute`` tables.

See :class:`~sequere.backends.relations.RelationsContract`. A follow checks for a block in its
one ``INSERT`` (:meth:`DatabaseBackend.add`); :meth:`DatabaseRelations.block` inserts the block
and deletes the follows both ways in one transaction. On PostgreSQL that transaction first takes
a ``SHARE ROW EXCLUSIVE`` lock on the follow table: a follow committed or in progress before it
is seen and deleted, and a follow arriving meanwhile waits for the block to commit and then sees
it, so a block racing a follow leaves no edge. (SQLite runs one writing transaction at a time.)
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import Any

from django.db import IntegrityError, connections, router, transaction
from django.db.models import Exists, OuterRef, Q

from ...refs import Ref
from ..relations import BLOCKS, MUTES, BlockOutcome


def relation_model(kind: str) -> Any:
    """The model of ``kind`` (``BLOCKS`` or ``MUTES``)."""
    from .models import Block, Mute

    return Block if kind == BLOCKS else Mute


def _pair(from_ref: Ref, to_ref: Ref) -> dict[str, str]:
    return {
        "from_identifier": from_ref.identifier,
        "from_object_id": from_ref.object_id,
        "to_identifier": to_ref.identifier,
        "to_object_id": to_ref.object_id,
    }


def find_block(alias: str, a: Ref, b: Ref) -> tuple[Ref, Ref] | None:
    """``(blocker, blocked)`` of a block between ``a`` and ``b`` (either way), or None: one query."""
    rows = relation_model(BLOCKS)._default_manager.using(alias).filter(Q(**_pair(a, b)) | Q(**_pair(b, a)))
    row = rows.values_list("from_identifier", "from_object_id").first()
    if row is None:
        return None
    return (a, b) if Ref(*row) == a else (b, a)


def audience_filter(actor: Ref) -> Q:
    """A filter of ``Follow`` rows of ``actor``'s followers: the follower does not mute or block
    ``actor``, nor is blocked by it."""
    Block, Mute = relation_model(BLOCKS), relation_model(MUTES)
    follower = {"from_identifier": OuterRef("from_identifier"), "from_object_id": OuterRef("from_object_id")}
    as_target = {"to_identifier": actor.identifier, "to_object_id": actor.object_id}
    blocked = Block._default_manager.filter(
        from_identifier=actor.identifier,
        from_object_id=actor.object_id,
        to_identifier=OuterRef("from_identifier"),
        to_object_id=OuterRef("from_object_id"),
    )
    return (
        ~Exists(Mute._default_manager.filter(**follower, **as_target))
        & ~Exists(Block._default_manager.filter(**follower, **as_target))
        & ~Exists(blocked)
    )


def has_relations(actor: Ref) -> bool:
    """Whether anyone mutes or blocks ``actor``, or ``actor`` blocks anyone: one query."""
    Block, Mute = relation_model(BLOCKS), relation_model(MUTES)
    target = {"to_identifier": actor.identifier, "to_object_id": actor.object_id}
    source = {"from_identifier": actor.identifier, "from_object_id": actor.object_id}
    muted = Mute._default_manager.filter(**target).values_list("pk")
    blocks = Block._default_manager.filter(Q(**target) | Q(**source)).values_list("pk")
    return bool(list(muted.union(blocks)[:1]))


def _insert(alias: str, model: Any, from_ref: Ref, to_ref: Ref, created_at: datetime) -> bool:
    """Insert a relation row unless it exists (one ``INSERT ... ON CONFLICT DO NOTHING``)."""
    connection = connections[alias]
    if connection.vendor not in ("postgresql", "sqlite"):
        try:
            with transaction.atomic(using=alias):
                model._default_manager.using(alias).create(**_pair(from_ref, to_ref), created_at=created_at)
        except IntegrityError:
            return False
        return True
    meta = model._meta
    quote = connection.ops.quote_name
    names = ["from_identifier", "from_object_id", "to_identifier", "to_object_id", "created_at"]
    columns = ", ".join(quote(meta.get_field(n).column) for n in names)
    value = meta.get_field("created_at").get_db_prep_value(created_at, connection)
    sql = f"INSERT INTO {quote(meta.db_table)} ({columns}) VALUES (%s, %s, %s, %s, %s) ON CONFLICT DO NOTHING"
    with connection.cursor() as cursor:
        cursor.execute(sql, [*from_ref, *to_ref, value])
        return cursor.rowcount == 1


class DatabaseRelations:
    """The :class:`~sequere.backends.relations.RelationsContract` methods of the database backend."""

    supports_relations = True

    @staticmethod
    def _alias() -> str:
        return router.db_for_write(relation_model(BLOCKS))

    def block(self, blocker: Ref, blocked: Ref, created_at: datetime) -> BlockOutcome:
        """One transaction: lock the follow table (PostgreSQL), insert the block, delete both follows."""
        from .models import Follow

        alias = self._alias()
        connection = connections[alias]
        with transaction.atomic(using=alias):
            if connection.vendor == "postgresql":
                table = connection.ops.quote_name(Follow._meta.db_table)
                with connection.cursor() as cursor:
                    cursor.execute(f"LOCK TABLE {table} IN SHARE ROW EXCLUSIVE MODE")
            created = _insert(alias, relation_model(BLOCKS), blocker, blocked, created_at)
            follows = Follow._default_manager.using(alias)
            forward, _ = follows.filter(**_pair(blocker, blocked)).delete()
            backward, _ = follows.filter(**_pair(blocked, blocker)).delete()
        return BlockOutcome(created=created, forward=forward > 0, backward=backward > 0)

    def _remove(self, kind: str, from_ref: Ref, to_ref: Ref) -> bool:
        rows = relation_model(kind)._default_manager.using(self._alias())
        deleted, _ = rows.filter(**_pair(from_ref, to_ref)).delete()
        return deleted > 0

    def _exists(self, kind: str, from_ref: Ref, to_ref: Ref) -> bool:
        return relation_model(kind)._default_manager.filter(**_pair(from_ref, to_ref)).exists()

    def unblock(self, blocker: Ref, blocked: Ref) -> bool:
        """One ``DELETE``."""
        return self._remove(BLOCKS, blocker, blocked)

    def is_blocked(self, blocker: Ref, blocked: Ref) -> bool:
        """One ``EXISTS`` query."""
        return self._exists(BLOCKS, blocker, blocked)

    def mute(self, muter: Ref, muted: Ref, created_at: datetime) -> bool:
        """One ``INSERT ... ON CONFLICT DO NOTHING``."""
        return _insert(self._alias(), relation_model(MUTES), muter, muted, created_at)

    def unmute(self, muter: Ref, muted: Ref) -> bool:
        """One ``DELETE``."""
        return self._remove(MUTES, muter, muted)

    def is_muted(self, muter: Ref, muted: Ref) -> bool:
        """One ``EXISTS`` query."""
        return self._exists(MUTES, muter, muted)

    def hidden_among(self, actor: Ref, owners: Sequence[Ref]) -> set[Ref]:
        """One query: a ``UNION`` of who among ``owners`` mutes or blocks ``actor``, and whom it blocks."""
        if not owners:
            return set()
        by_type: dict[str, list[str]] = {}
        for ref in owners:
            by_type.setdefault(ref.identifier, []).append(ref.object_id)

        def among(side: str) -> Q:
            query = Q()
            for identifier, ids in by_type.items():
                query |= Q(**{f"{side}_identifier": identifier, f"{side}_object_id__in": ids})
            return query

        def toward(model: Any) -> Any:
            rows = model._default_manager.filter(to_identifier=actor.identifier, to_object_id=actor.object_id)
            return rows.filter(among("from")).values_list("from_identifier", "from_object_id")

        Block, Mute = relation_model(BLOCKS), relation_model(MUTES)
        blocked_by_actor = (
            Block._default_manager.filter(from_identifier=actor.identifier, from_object_id=actor.object_id)
            .filter(among("to"))
            .values_list("to_identifier", "to_object_id")
        )
        query = toward(Mute).union(toward(Block), blocked_by_actor)
        return {Ref(identifier, object_id) for identifier, object_id in query}

    def iter_relations(self, kind: str, chunk_size: int = 1000) -> Iterator[list[tuple[Ref, Ref, datetime]]]:
        """The ``Block`` or ``Mute`` rows by id, one query per chunk."""
        return relation_model(kind)._default_manager.all().ref_chunks(chunk_size)
