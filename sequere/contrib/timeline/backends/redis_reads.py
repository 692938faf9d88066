"""The reads of the Redis timeline backend: pages, cursor pages, counts, the unread count and
the action store's values. A mixin of :class:`~.redis.RedisBackend` (costs in its module doc)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from ....conf import sequere_settings
from ....redis.scripts import Script, ScriptCall
from ....refs import Ref
from ..records import PRIVATE, PUBLIC, ActionRecord, decode_records
from . import entries

if TYPE_CHECKING:
    from .redis import RedisBackend

__all__ = ["COUNT", "NEVER_DECODE", "PAGE", "SEEK", "ReadMethods"]

#: redis-py's option (``redis.client.NEVER_DECODE``) for reading one reply as bytes.
NEVER_DECODE = "NEVER_DECODE"
PAGE = Script(__package__, "page")
COUNT = Script(__package__, "count")
#: Cursor pages (``fetch_keyset``): a binary search for the cursor, then the entries next to it.
SEEK = Script(__package__, "seek")


class ReadMethods:
    """Pages, cursor pages and counts of :class:`~.redis.RedisBackend` timelines."""

    @staticmethod
    def _filter_args(verb: str | None, target: str | None) -> dict[str, Any]:
        return {
            "verb": "" if verb is None else entries.name_code(verb),
            "target": "" if target is None else entries.name_code(target),
        }

    def _count_call(
        self: RedisBackend,
        owner: Ref,
        kind: str,
        verb: str | None,
        target: str | None,
        after: Any,
        unread: bool,
    ) -> ScriptCall:
        keys = {
            "timeline": self.keys.timeline(owner, kind),
            "own": self.keys.timeline(owner, PUBLIC),
            "read_at": self.keys.read_at(owner),
        }
        args = {
            **self._filter_args(verb, target),
            "after": "" if after is None else int(after),
            "unread": "1" if unread else "0",
        }
        return ScriptCall(COUNT, keys, args)

    def count_unread(
        self: RedisBackend, owner: Ref, *, verb: str | None = None, target: str | None = None
    ) -> int:
        """One script call (``EVALSHA``; ``EVAL`` the first time a server sees it), pipelined with
        the read of the pulled followings; one more when there are some."""
        pulled, reply = self._with_pulled(owner, self._count_call(owner, PRIVATE, verb, target, None, True))
        if pulled:
            return self.merged_count(owner, pulled, verb, target, None, True)
        return int(reply["count"])

    def get_read_at(self: RedisBackend, owner: Ref) -> int | None:
        link = self.link
        with link.errors:
            value = link.client.get(self.keys.read_at(owner))
        return None if value is None else int(value)

    def _values(self: RedisBackend, action_ids: Sequence[str]) -> list[tuple[str, bytes | None]]:
        if not action_ids:
            return []
        pipe = self.link.pipeline()
        for action_id in action_ids:
            # raw bytes: a value that is not UTF-8 must reach decode_records (which skips
            # and logs it) instead of failing the client's decoding of the whole pipeline
            pipe.pipe.execute_command("GET", self.keys.action(action_id), **{NEVER_DECODE: True})
        return list(zip(action_ids, pipe.execute(), strict=True))

    def get_records(self: RedisBackend, action_ids: Sequence[str]) -> dict[str, ActionRecord]:
        return {record.id: record for record in decode_records(self._values(action_ids))}

    def fetch(
        self: RedisBackend,
        owner: Ref,
        kind: str,
        *,
        verb: str | None = None,
        target: str | None = None,
        desc: bool = False,
        offset: int = 0,
        limit: int | None = None,
    ) -> list[ActionRecord]:
        call = self._page_call(owner, kind, verb, target, desc, offset, limit)
        if call is None:
            return []
        cap = max(int(sequere_settings.TIMELINE_MAX_LENGTH), 1) * 2
        page_limit = None if limit is None else min(limit, cap)
        if kind == PUBLIC:
            found = [row.id for row in self.link.run(call)]
        elif (found := self.checked_page_ids(owner, verb, target, desc, int(offset), page_limit)) is None:
            pulled, rows = self._with_pulled(owner, call)
            if pulled:
                found = self.merged_ids(owner, pulled, verb, target, desc, int(offset), page_limit)
            else:
                found = [row.id for row in rows]
        return self._matching(decode_records(self._values(found)), verb, target)

    def _page_call(
        self: RedisBackend,
        owner: Ref,
        kind: str,
        verb: str | None,
        target: str | None,
        desc: bool,
        offset: int,
        limit: int | None,
    ) -> ScriptCall | None:
        timeline = self.keys.timeline(owner, self.check_kind(kind))
        cap = int(sequere_settings.TIMELINE_MAX_LENGTH)
        if (limit is not None and limit <= 0) or offset >= max(cap, 1) * 2:
            return None  # a list never holds more than the cap (twice it while the setting shrinks)
        if limit is not None:
            limit = min(limit, max(cap, 1) * 2)
        args = {
            **self._filter_args(verb, target),
            "desc": "1" if desc else "0",
            "offset": int(offset),
            "limit": "" if limit is None else int(limit),
        }
        return ScriptCall(PAGE, {"timeline": timeline}, args)

    @staticmethod
    def _matching(records: list[ActionRecord], verb: str | None, target: str | None) -> list[ActionRecord]:
        if verb is None and target is None:
            return records
        return [record for record in records if entries.matches(record, verb, target)]

    def fetch_keyset(
        self: RedisBackend,
        owner: Ref,
        kind: str,
        *,
        verb: str | None = None,
        target: str | None = None,
        desc: bool = False,
        after: tuple | None = None,
        before: tuple | None = None,
        limit: int,
    ) -> list[tuple[tuple, ActionRecord | None]]:
        """Two round trips as a page: one ``seek.lua`` call (a binary search for the cursor in
        the list, then the entries next to it), then one pipeline of ``GET``."""
        call = self._seek_call(owner, kind, verb, target, desc, after, before, limit)
        if kind == PRIVATE:
            options = {"verb": verb, "target": target, "desc": desc, "after": after, "before": before}
            known = self.checked_keyset(owner, **options, limit=limit)
            if known is not None:
                return known
            pulled, rows = self._with_pulled(owner, call)
            if pulled:
                return self.merged_keyset(
                    owner,
                    verb=verb,
                    target=target,
                    desc=desc,
                    after=after,
                    before=before,
                    limit=limit,
                    pulled=pulled,
                )
        else:
            rows = self.link.run(call)
        if before is not None:
            rows.reverse()
        return self._keyed(rows, self._values([row.id for row in rows]), verb, target)

    def _seek_call(
        self: RedisBackend,
        owner: Ref,
        kind: str,
        verb: str | None,
        target: str | None,
        desc: bool,
        after: tuple | None,
        before: tuple | None,
        limit: int,
    ) -> ScriptCall:
        timeline = self.keys.timeline(owner, self.check_kind(kind))
        key = after if after is not None else before
        up = (after is not None) != desc if key is not None else not desc
        args = {
            **self._filter_args(verb, target),
            "up": "1" if up else "0",
            "limit": int(limit),
            "cursor_date": "" if key is None else int(key[0]),
            "cursor_id": "" if key is None else key[1],
        }
        return ScriptCall(SEEK, {"timeline": timeline}, args)

    @staticmethod
    def _keyed(
        rows: list, values: list[tuple[str, bytes | None]], verb: str | None, target: str | None
    ) -> list[tuple[tuple, ActionRecord | None]]:
        records = {record.id: record for record in decode_records(values)}
        out = []
        for row in rows:
            record = records.get(row.id)
            if record is not None and not entries.matches(record, verb, target):
                record = None  # a CRC-32 look-alike of the filter
            out.append(((int(row.date), row.id), record))
        return out

    def count(
        self: RedisBackend,
        owner: Ref,
        kind: str,
        *,
        verb: str | None = None,
        target: str | None = None,
        after: int | None = None,
    ) -> int:
        timeline = self.keys.timeline(owner, self.check_kind(kind))
        plain = verb is None and target is None and after is None
        if kind == PUBLIC:
            if plain:
                link = self.link
                with link.errors:
                    return int(link.client.llen(timeline))
            return int(self.link.run(self._count_call(owner, kind, verb, target, after, False))["count"])
        if plain:
            pulled, reply = self._with_pulled(owner, lambda pipe: pipe.llen(timeline))
        else:
            call = self._count_call(owner, kind, verb, target, after, False)
            pulled, reply = self._with_pulled(owner, call)
            reply = reply["count"]
        if pulled:
            return self.merged_count(owner, pulled, verb, target, after, False)
        return int(reply)
