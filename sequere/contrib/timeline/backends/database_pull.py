"""Hybrid fan-out on the database timeline backend: pulled followings and merged private reads.

A private read is one statement whatever the number of pulled actors: a CTE takes the owner's
newest private entries and, joined through its ``PulledFollowing`` rows, the pulled actors' public
entries from their cut-offs on (``UNION`` drops an action met twice: a copy pushed before the
actor was pulled), keeps the newest ``SEQUERE_TIMELINE_MAX_LENGTH``, then filters, orders and
pages that view. An owner who pulls nothing reads the same rows as before, with an empty join.
Unfiltered counts still read the counter row, with an ``EXISTS`` on the pulled followings in the
same statement; only an owner who pulls something pays the merged count, one statement more.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import connections, transaction

from ....conf import sequere_settings
from ....refs import Ref
from ..records import ActionRecord, decode_records
from . import merge

#: Below every stored date (the read mark of an owner who never read).
NEVER_READ = -(2**62)
#: "No limit" in a LIMIT clause both SQLite and PostgreSQL accept.
NO_LIMIT = 2**62


def _models():
    from .. import models

    return models


class PullMixin:
    """The pull half of :class:`~.database.DatabaseBackend` (which provides ``_alias``)."""

    _alias: Any

    def _pulled_manager(self):
        return _models().PulledFollowing._default_manager.using(self._alias())

    def _tables(self) -> dict[str, str]:
        models = _models()
        quote = connections[self._alias()].ops.quote_name

        def column(model: Any, name: str) -> str:
            return quote(model._meta.get_field(name).column)

        entry, pulled, counter = models.Entry, models.PulledFollowing, models.Counter
        return {
            "entry": quote(entry._meta.db_table),
            "action": quote(models.StoredAction._meta.db_table),
            "pulled": quote(pulled._meta.db_table),
            "counter": quote(counter._meta.db_table),
            "a_id": quote(models.StoredAction._meta.pk.column),
            "payload": column(models.StoredAction, "payload"),
            **{
                f"e_{name}": column(entry, name)
                for name in (
                    "owner_identifier",
                    "owner_object_id",
                    "kind",
                    "date",
                    "verb",
                    "target_identifier",
                )
            },
            "e_action": quote(entry._meta.get_field("action").column),
            **{
                f"p_{name}": column(pulled, name)
                for name in (
                    "owner_identifier",
                    "owner_object_id",
                    "actor_identifier",
                    "actor_object_id",
                    "since",
                )
            },
            "c_oi": column(counter, "owner_identifier"),
            "c_oo": column(counter, "owner_object_id"),
            "c_read_at": column(counter, "read_at"),
        }

    def _merged_cte(self, owner: Ref, n: int) -> tuple[str, list[Any]]:
        """``WITH m, c``: ``c`` is the capped merged view (columns d, a, v, t), each arm read
        newest first and only ``n`` deep."""
        t = self._tables()
        sql = (
            f"WITH m AS ("
            f"SELECT * FROM (SELECT {t['e_date']} AS d, {t['e_action']} AS a, {t['e_verb']} AS v, "
            f"{t['e_target_identifier']} AS t FROM {t['entry']} WHERE {t['e_owner_identifier']} = %s AND "
            f"{t['e_owner_object_id']} = %s AND {t['e_kind']} = 0 ORDER BY {t['e_date']} DESC, "
            f"{t['e_action']} DESC LIMIT %s) AS x "
            f"UNION "
            f"SELECT * FROM (SELECT e.{t['e_date']} AS d, e.{t['e_action']} AS a, e.{t['e_verb']} AS v, "
            f"e.{t['e_target_identifier']} AS t FROM {t['pulled']} p JOIN {t['entry']} e ON "
            f"e.{t['e_owner_identifier']} = p.{t['p_actor_identifier']} AND "
            f"e.{t['e_owner_object_id']} = p.{t['p_actor_object_id']} AND e.{t['e_kind']} = 1 AND "
            f"e.{t['e_date']} >= p.{t['p_since']} WHERE p.{t['p_owner_identifier']} = %s AND "
            f"p.{t['p_owner_object_id']} = %s ORDER BY e.{t['e_date']} DESC, e.{t['e_action']} DESC "
            f"LIMIT %s) AS y"
            f"), c AS (SELECT d, a, v, t FROM m ORDER BY d DESC, a DESC LIMIT %s) "
        )
        cap = int(sequere_settings.TIMELINE_MAX_LENGTH)
        return sql, [owner.identifier, owner.object_id, n, owner.identifier, owner.object_id, n, cap]

    @staticmethod
    def _filters(verb: str | None, target: str | None) -> tuple[str, list[Any]]:
        where, params = "1 = 1", []
        if verb is not None:
            where, params = f"{where} AND c.v = %s", [*params, verb]
        if target is not None:
            where, params = f"{where} AND c.t = %s", [*params, target]
        return where, params

    def merged_fetch(
        self, owner: Ref, verb: str | None, target: str | None, desc: bool, offset: int, limit: int | None
    ) -> list[ActionRecord]:
        """One page of the merged private timeline: one statement."""
        t = self._tables()
        cap = int(sequere_settings.TIMELINE_MAX_LENGTH)
        filtered = verb is not None or target is not None
        cte, params = self._merged_cte(
            owner, merge.reach(cap, filtered=filtered, desc=desc, offset=offset, limit=limit)
        )
        where, more = self._filters(verb, target)
        order = "DESC" if desc else "ASC"
        sql = (
            f"{cte}SELECT c.a, s.{t['payload']} FROM c JOIN {t['action']} s ON s.{t['a_id']} = c.a "
            f"WHERE {where} ORDER BY c.d {order}, c.a {order} LIMIT %s OFFSET %s"
        )
        with connections[self._alias()].cursor() as cursor:
            cursor.execute(sql, [*params, *more, NO_LIMIT if limit is None else limit, offset])
            return decode_records(cursor.fetchall())

    def merged_count(self, owner: Ref, verb: str | None, target: str | None, after: int | None) -> int:
        cte, params = self._merged_cte(owner, int(sequere_settings.TIMELINE_MAX_LENGTH))
        where, more = self._filters(verb, target)
        if after is not None:
            where, more = f"{where} AND c.d > %s", [*more, int(after)]
        with connections[self._alias()].cursor() as cursor:
            cursor.execute(f"{cte}SELECT COUNT(*) FROM c WHERE {where}", [*params, *more])
            return cursor.fetchone()[0]

    def merged_unread(self, owner: Ref, verb: str | None, target: str | None) -> int:
        """Merged entries after the read mark less the owner's own (public) ones: one statement."""
        t = self._tables()
        cte, params = self._merged_cte(owner, int(sequere_settings.TIMELINE_MAX_LENGTH))
        where, more = self._filters(verb, target)
        mark = (
            f"COALESCE((SELECT {t['c_read_at']} FROM {t['counter']} WHERE {t['c_oi']} = %s AND "
            f"{t['c_oo']} = %s), {NEVER_READ})"
        )
        own_where, own_more = "", []
        if verb is not None:
            own_where, own_more = f" AND {t['e_verb']} = %s", [verb]
        if target is not None:
            own_where, own_more = f"{own_where} AND {t['e_target_identifier']} = %s", [*own_more, target]
        sql = (
            f"{cte}SELECT (SELECT COUNT(*) FROM c WHERE {where} AND c.d > {mark}) - "
            f"(SELECT COUNT(*) FROM {t['entry']} WHERE {t['e_owner_identifier']} = %s AND "
            f"{t['e_owner_object_id']} = %s AND {t['e_kind']} = 1{own_where} AND {t['e_date']} > {mark})"
        )
        o = [owner.identifier, owner.object_id]
        with connections[self._alias()].cursor() as cursor:
            cursor.execute(sql, [*params, *more, *o, *o, *own_more, *o])
            return max(cursor.fetchone()[0], 0)

    def pulls_any(self, owner: Ref) -> bool:
        return (
            self._pulled_manager()
            .filter(owner_identifier=owner.identifier, owner_object_id=owner.object_id)
            .exists()
        )

    # pulled followings

    def pull(self, owners: Sequence[Ref], actor: Ref, *, cutoff: int, since: int | None = None) -> int:
        if not owners:
            return 0
        models = _models()
        rows = [
            models.PulledFollowing(
                owner_identifier=owner.identifier,
                owner_object_id=owner.object_id,
                actor_identifier=actor.identifier,
                actor_object_id=actor.object_id,
                since=int(cutoff),
            )
            for owner in owners
        ]
        self._pulled_manager().bulk_create(rows, ignore_conflicts=True)
        if since is None:
            return len(owners)
        # as in deliver: the unfollow marks are read once the rows are committed
        marks = (
            _models()
            .UnfollowMark._default_manager.using(self._alias())
            .filter(actor_identifier=actor.identifier, actor_object_id=actor.object_id, at__gte=since)
        )
        gone = {(m.owner_identifier, m.owner_object_id) for m in marks}
        gone &= {(o.identifier, o.object_id) for o in owners}
        if gone:
            self.unpull([Ref(*owner) for owner in gone], actor)
        return len(owners) - len(gone)

    def unpull(self, owners: Sequence[Ref], actor: Ref) -> int:
        removed = 0
        with transaction.atomic(using=self._alias(), savepoint=False):
            for owner in owners:
                removed += (
                    self._pulled_manager()
                    .filter(
                        owner_identifier=owner.identifier,
                        owner_object_id=owner.object_id,
                        actor_identifier=actor.identifier,
                        actor_object_id=actor.object_id,
                    )
                    .delete()[0]
                )
        return removed

    def get_pulled(self, owner: Ref) -> dict[Ref, int]:
        rows = (
            self._pulled_manager()
            .filter(owner_identifier=owner.identifier, owner_object_id=owner.object_id)
            .values_list("actor_identifier", "actor_object_id", "since")
        )
        return {Ref(ai, ao): since for ai, ao, since in rows}

    def set_pull_mode(self, actor: Ref, since: int | None) -> None:
        manager = _models().PullMode._default_manager.using(self._alias())
        key = {"actor_identifier": actor.identifier, "actor_object_id": actor.object_id}
        if since is None:
            manager.filter(**key).delete()
        else:
            manager.update_or_create(**key, defaults={"since": int(since)})

    def get_pull_mode(self, actor: Ref) -> int | None:
        return (
            _models()
            .PullMode._default_manager.using(self._alias())
            .filter(actor_identifier=actor.identifier, actor_object_id=actor.object_id)
            .values_list("since", flat=True)
            .first()
        )
