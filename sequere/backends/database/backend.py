"""Follow edges in a relational database through the Django ORM."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import datetime

from django.apps import apps
from django.core import checks
from django.db import IntegrityError, connections, router, transaction
from django.db.models import Exists, F, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Greatest

from ...exceptions import BlockedException, InvalidInstanceException
from ...refs import Edge, Ref
from ...timeutils import from_micros, to_micros
from ..base import FOLLOWERS, FOLLOWINGS, FRIENDS, REQUEST_KINDS, REQUESTS, SENT_REQUESTS, BaseBackend
from ..relations import BLOCKS, MUTES
from .relations import DatabaseRelations, audience_filter, find_block, has_relations, relation_model
from .requests import RequestMethods

# (side the list is about, side it lists) per kind
_SIDES = {
    FOLLOWERS: ("to", "from"),
    FOLLOWINGS: ("from", "to"),
    FRIENDS: ("from", "to"),
    REQUESTS: ("to", "from"),
    SENT_REQUESTS: ("from", "to"),
    BLOCKS: ("from", "to"),
    MUTES: ("from", "to"),
}


def _model():
    from .models import Follow

    return Follow


def _request_model():
    from .models import FollowRequest

    return FollowRequest


def _side(prefix: str, ref: Ref) -> dict[str, str]:
    return {f"{prefix}_identifier": ref.identifier, f"{prefix}_object_id": ref.object_id}


class DatabaseBackend(RequestMethods, DatabaseRelations, BaseBackend):
    """Stores each edge as one ``Follow`` row (app ``sequere.backends.database``).

    A unique constraint makes concurrent follows of one pair store one row; friends are derived
    from the reverse edge on every read, so they are right after every write. The async reads use
    Django's async ORM; the async writes are the sync ones in a worker thread (the base class's
    defaults), since they belong in the caller's transaction and Django has no async transactions.
    """

    joins_database_transaction = True

    @classmethod
    def check(cls) -> list[checks.CheckMessage]:
        """sequere.E003 when the ``sequere.backends.database`` app is not installed."""
        if apps.is_installed("sequere.backends.database"):
            return []
        return [
            checks.Error(
                "SEQUERE_BACKEND_CLASS uses the database backend but its app is not installed.",
                hint="Add 'sequere.backends.database' to INSTALLED_APPS and run migrate.",
                id="sequere.E003",
            )
        ]

    def add(self, from_ref: Ref, to_ref: Ref, created_at: datetime) -> bool:
        """Insert the row unless it exists or a block stands between the two: one
        ``INSERT ... SELECT ... WHERE NOT EXISTS (block) ON CONFLICT DO NOTHING``.

        Only a refused follow costs a second query, that tells a block
        (:class:`~sequere.exceptions.BlockedException`) from an edge already there (False).
        """
        Follow = _model()
        longest = Follow._meta.get_field("from_object_id").max_length
        for ref in (from_ref, to_ref):
            if len(ref.object_id) > longest:
                # checked here: PostgreSQL would raise a DataError, SQLite and MySQL cut or keep it
                raise InvalidInstanceException(
                    f"The {ref.identifier!r} pk {ref.object_id[:20]!r}... is {len(ref.object_id)} characters "
                    f"long; the database follow backend stores pks of at most {longest}. Use a shorter "
                    "primary key, or the Redis backend (SEQUERE_BACKEND_CLASS)."
                )
        alias = router.db_for_write(Follow)
        connection = connections[alias]
        if connection.vendor not in ("postgresql", "sqlite", "mysql"):
            try:
                with transaction.atomic(using=alias):
                    self._refuse_if_blocked(alias, from_ref, to_ref)
                    Follow.objects.using(alias).create(
                        **_side("from", from_ref), **_side("to", to_ref), created_at=created_at
                    )
            except IntegrityError:
                return False
            return True
        if self._insert_unblocked(connection, Follow, from_ref, to_ref, created_at) == 1:
            return True
        self._refuse_if_blocked(alias, from_ref, to_ref)
        return False

    @staticmethod
    def _refuse_if_blocked(alias: str, from_ref: Ref, to_ref: Ref) -> None:
        found = find_block(alias, from_ref, to_ref)
        if found is None:
            return
        blocker, blocked = found
        raise BlockedException(
            f"{blocker.identifier}:{blocker.object_id} blocks {blocked.identifier}:{blocked.object_id}: "
            "no follow either way until unblock().",
            blocker=blocker,
            blocked=blocked,
        )

    @staticmethod
    def _insert_unblocked(connection, Follow, from_ref: Ref, to_ref: Ref, created_at: datetime) -> int:
        """One statement: insert the edge unless it exists or a block of the pair (either way) does."""
        names = ["from_identifier", "from_object_id", "to_identifier", "to_object_id", "created_at"]
        meta = Follow._meta
        quote = connection.ops.quote_name
        columns = ", ".join(quote(meta.get_field(n).column) for n in names)
        date_field = meta.get_field("created_at")
        value = date_field.get_db_prep_value(created_at, connection)
        table = quote(meta.db_table)
        Block = relation_model(BLOCKS)
        block_meta = Block._meta
        block_table = quote(block_meta.db_table)
        fi, fo, ti, to = (quote(block_meta.get_field(n).column) for n in names[:4])
        pair = f"({fi} = %s AND {fo} = %s AND {ti} = %s AND {to} = %s)"
        # PostgreSQL types the SELECT list before the INSERT sees it: say what the date is
        stamp = f"CAST(%s AS {date_field.db_type(connection)})" if connection.vendor == "postgresql" else "%s"
        select = (
            f"SELECT %s, %s, %s, %s, {stamp} WHERE NOT EXISTS "
            f"(SELECT 1 FROM {block_table} WHERE {pair} OR {pair})"
        )
        params = [*from_ref, *to_ref, value, *from_ref, *to_ref, *to_ref, *from_ref]
        if connection.vendor == "mysql":
            sql = f"INSERT IGNORE INTO {table} ({columns}) {select}"
        else:
            sql = f"INSERT INTO {table} ({columns}) {select} ON CONFLICT DO NOTHING"
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.rowcount

    def remove(self, from_ref: Ref, to_ref: Ref) -> bool:
        deleted, _ = self._edges().filter(**_side("from", from_ref), **_side("to", to_ref)).delete()
        return deleted > 0

    def exists(self, from_ref: Ref, to_ref: Ref) -> bool:
        return self._edges().filter(**_side("from", from_ref), **_side("to", to_ref)).exists()

    def _edges(self) -> QuerySet:
        return _model()._default_manager.all()

    def _queryset(self, kind: str, ref: Ref, identifier: str | None) -> QuerySet:
        mine, other = _SIDES[kind]
        if kind in REQUEST_KINDS:
            rows = _request_model()._default_manager.all()
        elif kind in (BLOCKS, MUTES):
            rows = relation_model(kind)._default_manager.all()
        else:
            rows = self._edges()
        qs = rows.filter(**_side(mine, ref))
        if identifier is not None:
            qs = qs.filter(**{f"{other}_identifier": identifier})
        if kind == FRIENDS:
            back = self._edges().filter(
                from_identifier=OuterRef("to_identifier"),
                from_object_id=OuterRef("to_object_id"),
                **_side("to", ref),
            )
            qs = qs.filter(Exists(back))
        return qs

    def _dated(self, kind: str, ref: Ref, identifier: str | None) -> tuple[QuerySet, str]:
        """The list's rows and the name of their date (``friend_at`` for friends: when mutual)."""
        qs = self._queryset(kind, ref, identifier)
        if kind != FRIENDS:
            return qs, "created_at"
        back_at = (
            self._edges()
            .filter(
                from_identifier=OuterRef("to_identifier"),
                from_object_id=OuterRef("to_object_id"),
                **_side("to", ref),
            )
            .values("created_at")[:1]
        )
        return qs.annotate(friend_at=Greatest(F("created_at"), Subquery(back_at))), "friend_at"

    def fetch(
        self,
        kind: str,
        ref: Ref,
        *,
        identifier: str | None = None,
        desc: bool = True,
        offset: int = 0,
        limit: int | None = None,
    ) -> list[Edge]:
        return [
            Edge(Ref(i, o), at) for i, o, at in self._page_rows(kind, ref, identifier, desc, offset, limit)
        ]

    def _page_rows(
        self, kind: str, ref: Ref, identifier: str | None, desc: bool, offset: int, limit: int | None
    ) -> QuerySet:
        mine, other = _SIDES[kind]
        qs, date = self._dated(kind, ref, identifier)
        sign = "-" if desc else ""
        qs = qs.order_by(f"{sign}{date}", f"{sign}id")
        rows = qs.values_list(f"{other}_identifier", f"{other}_object_id", date)
        end = None if limit is None else offset + limit
        return rows[offset:end]

    async def afetch(
        self,
        kind: str,
        ref: Ref,
        *,
        identifier: str | None = None,
        desc: bool = True,
        offset: int = 0,
        limit: int | None = None,
    ) -> list[Edge]:
        """:meth:`fetch` through the async ORM (``async for`` over the same one query)."""
        rows = self._page_rows(kind, ref, identifier, desc, offset, limit)
        return [Edge(Ref(i, o), at) async for i, o, at in rows]

    def fetch_keyset(
        self,
        kind: str,
        ref: Ref,
        *,
        identifier: str | None = None,
        desc: bool = True,
        after: tuple | None = None,
        before: tuple | None = None,
        limit: int,
    ) -> list[tuple[tuple, Edge]]:
        """One query seeking on ``(date, id)``; keys are ``(date in microseconds, row id)``.

        ``date >= d`` (or ``<=``) is an index condition of the list's index, so the seek costs
        the same on the first page and 100,000 rows deep.
        """
        rows = list(self._keyset_rows(kind, ref, identifier, desc, after, before, limit))
        return self._keyed(rows, before)

    async def afetch_keyset(
        self,
        kind: str,
        ref: Ref,
        *,
        identifier: str | None = None,
        desc: bool = True,
        after: tuple | None = None,
        before: tuple | None = None,
        limit: int,
    ) -> list[tuple[tuple, Edge]]:
        """:meth:`fetch_keyset` through the async ORM (the same one query)."""
        rows = [row async for row in self._keyset_rows(kind, ref, identifier, desc, after, before, limit)]
        return self._keyed(rows, before)

    @staticmethod
    def _keyed(rows: list, before: tuple | None) -> list[tuple[tuple, Edge]]:
        if before is not None:
            rows.reverse()
        return [((to_micros(at), row_id), Edge(Ref(i, o), at)) for row_id, i, o, at in rows]

    def _keyset_rows(
        self,
        kind: str,
        ref: Ref,
        identifier: str | None,
        desc: bool,
        after: tuple | None,
        before: tuple | None,
        limit: int,
    ) -> QuerySet:
        mine, other = _SIDES[kind]
        qs, date = self._dated(kind, ref, identifier)
        key = after if after is not None else before
        # which way the rows are read from the key: up (oldest to newest) or down
        up = (after is not None) != desc if key is not None else not desc
        if key is not None:
            at, row_id = from_micros(key[0]), key[1]
            if up:
                qs = qs.filter(**{f"{date}__gte": at}).exclude(**{date: at, "id__lte": row_id})
            else:
                qs = qs.filter(**{f"{date}__lte": at}).exclude(**{date: at, "id__gte": row_id})
        sign = "" if up else "-"
        qs = qs.order_by(f"{sign}{date}", f"{sign}id")
        return qs.values_list("id", f"{other}_identifier", f"{other}_object_id", date)[:limit]

    def is_key(self, key: tuple) -> bool:
        """``(microseconds, row id)``: two integers."""
        return len(key) == 2 and all(type(part) is int for part in key)

    def count(self, kind: str, ref: Ref, *, identifier: str | None = None) -> int:
        return self._queryset(kind, ref, identifier).count()

    async def acount(self, kind: str, ref: Ref, *, identifier: str | None = None) -> int:
        """:meth:`count` with ``QuerySet.acount()``."""
        return await self._queryset(kind, ref, identifier).acount()

    async def aexists(self, from_ref: Ref, to_ref: Ref) -> bool:
        """:meth:`exists` with ``QuerySet.aexists()``."""
        return await self._edges().filter(**_side("from", from_ref), **_side("to", to_ref)).aexists()

    def remove_all(self, ref: Ref) -> int:
        """Delete ``ref``'s edges (counted), its blocks and mutes and its pending follow requests
        either way (not counted)."""
        either = Q(**_side("from", ref)) | Q(**_side("to", ref))
        deleted, _ = self._edges().filter(either).delete()
        for kind in (BLOCKS, MUTES):
            relation_model(kind)._default_manager.filter(either).delete()
        _request_model()._default_manager.filter(either).delete()
        return deleted

    def iter_refs(self, kind: str, ref: Ref, chunk_size: int = 100) -> Iterator[list[Ref]]:
        """Keyset pagination on ``(created_at, id)``, the order of the list's index.

        Each chunk seeks straight to where the previous one ended (``created_at >= last`` is an
        index condition), so walking 100,000 followers reads each index entry about once.
        """
        return self._iter_rows(self._queryset(kind, ref, None), _SIDES[kind][1], chunk_size)

    def iter_audience(self, ref: Ref, chunk_size: int = 100) -> Iterator[list[Ref]]:
        """:meth:`iter_refs` of the followers with the blocks and mutes filtered in the same
        query (``NOT EXISTS`` on both tables): no query per chunk beyond the chunk's own.

        One query first tells whether ``ref`` has any block or mute at all; when it has none
        (most actors), the chunks are :meth:`iter_refs`' plain ones. A mute or block made while
        the chunks are read is the timeline's business (its removal job leaves a mark that a
        delivery read before it honours).
        """
        qs = self._queryset(FOLLOWERS, ref, None)
        if has_relations(ref):
            qs = qs.filter(audience_filter(ref))
        return self._iter_rows(qs, "from", chunk_size)

    @staticmethod
    def _iter_rows(qs: QuerySet, other: str, chunk_size: int) -> Iterator[list[Ref]]:
        qs = qs.order_by("created_at", "id")
        fields = ("id", "created_at", f"{other}_identifier", f"{other}_object_id")
        rows = list(qs.values_list(*fields)[:chunk_size])
        while rows:
            yield [Ref(i, o) for _, _, i, o in rows]
            if len(rows) < chunk_size:
                return
            last_id, last_at = rows[-1][0], rows[-1][1]
            rows = list(
                qs.filter(created_at__gte=last_at)
                .exclude(created_at=last_at, id__lte=last_id)
                .values_list(*fields)[:chunk_size]
            )

    def add_many(self, edges: Iterable[tuple[Ref, Ref, datetime]]) -> int:
        Follow = _model()
        objs = [Follow(**_side("from", f), **_side("to", t), created_at=at) for f, t, at in edges]
        before = self._edges().count()
        Follow._default_manager.bulk_create(objs, batch_size=1000, ignore_conflicts=True)
        return self._edges().count() - before

    def total_edges(self) -> int:
        """One ``COUNT(*)`` over the follow table."""
        return self._edges().count()

    def iter_edges(self, chunk_size: int = 1000) -> Iterator[list[tuple[Ref, Ref, datetime]]]:
        """The ``Follow`` rows by id, one query per chunk."""
        return self._edges().ref_chunks(chunk_size)

    def distinct_refs(self, chunk_size: int = 1000) -> Iterator[tuple[Ref, datetime | None]]:
        """Every distinct ref of the ``Follow`` table, ordered by ref: one streamed query.

        No dates: the database backend joins the caller's transaction, so nothing it stores
        can point at a row that is still being committed.
        """
        manager = _model()._default_manager
        followers = manager.values_list("from_identifier", "from_object_id")
        followed = manager.values_list("to_identifier", "to_object_id")
        query = followers.union(followed).order_by("from_identifier", "from_object_id")
        for identifier, object_id in query.iterator(chunk_size=chunk_size):
            yield Ref(identifier, object_id), None

    def audit(self, fix: bool = False) -> dict:
        """Self edges and duplicate edges; see :mod:`sequere.backends.database.audit`."""
        from .audit import audit_table  # the models import only once apps are ready

        return audit_table(fix=fix)
