"""Follow requests in the database backend: the ``FollowRequest`` table (mixed into the backend).

A request is made with one SQL statement that inserts the row only when the edge does not
exist (``INSERT ... SELECT ... WHERE NOT EXISTS (edge) ON CONFLICT DO NOTHING``); approving one
deletes the row and inserts the edge in one transaction, so an approval racing a cancel (or a
deny) makes the edge exactly when its ``DELETE`` is the one that found the row.
"""

from __future__ import annotations

from datetime import datetime

from django.db import IntegrityError, connections, router, transaction
from django.db.models import QuerySet

from ...exceptions import InvalidInstanceException
from ...refs import Ref
from ..base import ADDED, APPROVED, FOLLOWING, MISSING, PENDING

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
        """One statement: the row, unless the edge or a pending request of the pair exists.

        When nothing was inserted, one more query tells :data:`FOLLOWING` from :data:`PENDING`
        (the refused call only).
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
        following = Follow._default_manager.filter(**_pair(from_ref, to_ref)).exists()
        return FOLLOWING if following else PENDING

    def approve_request(self, from_ref: Ref, to_ref: Ref, created_at: datetime) -> str:
        """``DELETE`` the request, then insert the edge, in one transaction (no savepoint)."""
        Follow, FollowRequest = _models()
        alias = router.db_for_write(Follow)
        with transaction.atomic(using=alias, savepoint=False):
            deleted, _ = self._requests().filter(**_pair(from_ref, to_ref)).delete()
            if not deleted:
                return MISSING
            # the blocks hook: a block check joins this transaction here (see follow_requests)
            added = self.add(from_ref, to_ref, created_at)
        return APPROVED if added else FOLLOWING

    def remove_request(self, from_ref: Ref, to_ref: Ref) -> bool:
        """One ``DELETE``."""
        deleted, _ = self._requests().filter(**_pair(from_ref, to_ref)).delete()
        return deleted > 0

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
    select = f"SELECT %s, %s, %s, %s, %s{' FROM DUAL' if connection.vendor == 'mysql' else ''}"
    unless = f"WHERE NOT EXISTS (SELECT 1 FROM {edges} WHERE {match})"
    if connection.vendor == "mysql":
        sql = f"INSERT IGNORE INTO {table} ({columns}) {select} {unless}"
    else:
        sql = f"INSERT INTO {table} ({columns}) {select} {unless} ON CONFLICT DO NOTHING"
    with connection.cursor() as cursor:
        cursor.execute(sql, [*from_ref, *to_ref, value, *from_ref, *to_ref])
        return cursor.rowcount == 1


def _create_unless_following(
    alias: str, Follow, FollowRequest, from_ref: Ref, to_ref: Ref, at: datetime
) -> bool:
    pair = _pair(from_ref, to_ref)
    try:
        with transaction.atomic(using=alias):
            if Follow._default_manager.using(alias).filter(**pair).exists():
                return False
            FollowRequest._default_manager.using(alias).create(**pair, created_at=at)
    except IntegrityError:
        return False
    return True
