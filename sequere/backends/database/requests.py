"""Follow requests in the database backend: the ``FollowRequest`` table (mixed into the backend).

A request is made with one SQL statement that inserts the row only when neither the edge nor
a block of the pair (either way) exists (``INSERT ... SELECT ... WHERE NOT EXISTS (edge) AND NOT
EXISTS (block) ON CONFLICT DO NOTHING``); approving one deletes the row and inserts the edge in
one transaction (the edge's insert refuses a block the same way, and the refusal rolls the
``DELETE`` back), so an approval racing a cancel (or a deny) makes the edge exactly when its
``DELETE`` is the one that found the row.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

from django.db import IntegrityError, connections, router, transaction
from django.db.models import Exists, Q, QuerySet

from ...exceptions import InvalidInstanceException
from ...refs import Ref
from ..base import ADDED, APPROVED, FOLLOWING, MISSING, PENDING
from ..relations import BLOCKS
from .relations import find_block, relation_model

_FIELDS = ("from_identifier", "from_object_id", "to_identifier", "to_object_id")


def _models():
    from .models import Follow, FollowRequest

    return Follow, FollowRequest


def _pair(from_ref: Ref, to_ref: Ref) -> dict[str, str]:
    return dict(zip(_FIELDS, (*from_ref, *to_ref), strict=True))


class RequestMethods:
    """The follow-request half of the backend contract on the ORM (see :mod:`.requests`)."""

    def _requests(self) -> QuerySet:
        return _models()[1]._default_manager.all()

    def add_request(self, from_ref: Ref, to_ref: Ref, created_at: datetime) -> str:
        """One statement: the row, unless the edge, a block either way or a pending request of
        the pair exists.

        When nothing was inserted, one or two more queries tell a block
        (:class:`~sequere.exceptions.BlockedException`), :data:`FOLLOWING` and :data:`PENDING`
        apart (the refused call only).
        """
        Follow, FollowRequest = _models()
        longest = FollowRequest._meta.get_field("from_object_id").max_length
        for ref in (from_ref, to_ref):
            if len(ref.object_id) > longest:
                raise InvalidInstanceException(
                    f"The {ref.identifier!r} pk {ref.object_id[:20]!r}... is {len(ref.object_id)} "
                    f"characters long; the database follow backend stores pks of at most {longest}. "
                    "Use a shorter primary key, or the Redis backend (SEQUERE_BACKEND_CLASS)."
                )
        alias = router.db_for_write(FollowRequest)
        connection = connections[alias]
        if connection.vendor in ("postgresql", "sqlite", "mysql"):
            added = _insert_unless_following(connection, Follow, FollowRequest, from_ref, to_ref, created_at)
        else:
            added = _create_unless_following(alias, Follow, FollowRequest, from_ref, to_ref, created_at)
        if added:
            return ADDED
        self._refuse_if_blocked(alias, from_ref, to_ref)
        following = Follow._default_manager.filter(**_pair(from_ref, to_ref)).exists()
        return FOLLOWING if following else PENDING

    def approve_request(self, from_ref: Ref, to_ref: Ref, created_at: datetime) -> str:
        """``DELETE`` the request unless a block stands (``NOT EXISTS``), then insert the edge,
        in one transaction (no savepoint).

        Only a refused approval costs more queries: whether the request exists
        (:data:`MISSING` if not), and the block (:class:`~sequere.exceptions.BlockedException`).
        """
        Follow, FollowRequest = _models()
        alias = router.db_for_write(Follow)
        Block = relation_model(BLOCKS)
        either = Q(**_pair(from_ref, to_ref)) | Q(**_pair(to_ref, from_ref))
        unblocked = ~Exists(Block._default_manager.using(alias).filter(either))
        added = False
        with transaction.atomic(using=alias, savepoint=False):
            requests = self._requests().using(alias).filter(**_pair(from_ref, to_ref))
            deleted, _ = requests.filter(unblocked).delete()
            if deleted:
                # add() refuses a block stored since (BlockedException): the transaction rolls back
                added = self.add(from_ref, to_ref, created_at)
        if not deleted:
            if not self.request_exists(from_ref, to_ref):
                return MISSING
            self._refuse_if_blocked(alias, from_ref, to_ref)
            return MISSING  # answered meanwhile
        return APPROVED if added else FOLLOWING

    def remove_request(self, from_ref: Ref, to_ref: Ref) -> bool:
        """One ``DELETE``."""
        deleted, _ = self._requests().filter(**_pair(from_ref, to_ref)).delete()
        return deleted > 0

    def remove_requests_between(self, a: Ref, b: Ref) -> int:
        """One ``DELETE`` of both directions (in the block's transaction)."""
        either = Q(**_pair(a, b)) | Q(**_pair(b, a))
        deleted, _ = self._requests().filter(either).delete()
        return deleted

    def iter_requests(self, chunk_size: int = 1000) -> Iterator[list[tuple[Ref, Ref, datetime]]]:
        """The ``FollowRequest`` rows by id, one query per chunk."""
        return self._requests().ref_chunks(chunk_size)

    def request_exists(self, from_ref: Ref, to_ref: Ref) -> bool:
        """One ``SELECT ... LIMIT 1``."""
        return self._requests().filter(**_pair(from_ref, to_ref)).exists()

    async def arequest_exists(self, from_ref: Ref, to_ref: Ref) -> bool:
        """:meth:`request_exists` with ``QuerySet.aexists()``."""
        return await self._requests().filter(**_pair(from_ref, to_ref)).aexists()


def _insert_unless_following(
    connection, Follow, FollowRequest, from_ref: Ref, to_ref: Ref, at: datetime
) -> bool:
    quote = connection.ops.quote_name
    meta, edge_meta = FollowRequest._meta, Follow._meta
    names = [*_FIELDS, "created_at"]
    columns = ", ".join(quote(meta.get_field(n).column) for n in names)
    match = " AND ".join(f"{quote(edge_meta.get_field(n).column)} = %s" for n in _FIELDS)
    value = meta.get_field("created_at").get_db_prep_value(at, connection)
    table, edges = quote(meta.db_table), quote(edge_meta.db_table)
    Block = relation_model(BLOCKS)
    block_meta = Block._meta
    blocks = quote(block_meta.db_table)
    block_pair = " AND ".join(f"{quote(block_meta.get_field(n).column)} = %s" for n in _FIELDS)
    select = f"SELECT %s, %s, %s, %s, %s{' FROM DUAL' if connection.vendor == 'mysql' else ''}"
    unless = (
        f"WHERE NOT EXISTS (SELECT 1 FROM {edges} WHERE {match}) "
        f"AND NOT EXISTS (SELECT 1 FROM {blocks} WHERE ({block_pair}) OR ({block_pair}))"
    )
    if connection.vendor == "mysql":
        sql = f"INSERT IGNORE INTO {table} ({columns}) {select} {unless}"
    else:
        sql = f"INSERT INTO {table} ({columns}) {select} {unless} ON CONFLICT DO NOTHING"
    with connection.cursor() as cursor:
        params = [*from_ref, *to_ref, value, *from_ref, *to_ref, *from_ref, *to_ref, *to_ref, *from_ref]
        cursor.execute(sql, params)
        return cursor.rowcount == 1


def _create_unless_following(
    alias: str, Follow, FollowRequest, from_ref: Ref, to_ref: Ref, at: datetime
) -> bool:
    pair = _pair(from_ref, to_ref)
    try:
        with transaction.atomic(using=alias):
            if Follow._default_manager.using(alias).filter(**pair).exists():
                return False
            if find_block(alias, from_ref, to_ref) is not None:
                return False
            FollowRequest._default_manager.using(alias).create(**pair, created_at=at)
    except IntegrityError:
        return False
    return True
